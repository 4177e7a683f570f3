/* cmd_record.c — `hydrores record`: every stimulus an experiment needs,
 * run on its substrate (any kind: simulated, the emulator, a live tank)
 * into an HDF5 recording (recording.h); or lab CSV files imported into one.
 *
 * Which stimuli: exactly the ones the pipeline sends. The experiment's
 * substrate is wrapped in a tap (a substrate kind "record-tap" registered
 * here at run time, never listed in experiment files) that opens the real
 * substrate, forwards every run and keeps each stimulus with its traces;
 * hr_worker_simulate then runs the task's training and held-out samples
 * through it as `run` would, with the same end times. So a replay of the
 * recording answers `run` with the same stimuli bit for bit. */
#include "interface/cli.h"
#include "interface/config.h"
#include "interface/recording.h"
#include "interface/tank_driver.h"
#include "base/log.h"
#include "base/status.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- The tap ---- */

typedef struct tap_ctx {
    char inner_kind[32];   /* the kind being recorded */
    hr_substrate *inner;   /* its open instance (the tap's, one at a time) */
    hr_recording *rec;     /* what has been recorded */
} tap_ctx;

static tap_ctx tap; /* hydrores record runs one worker, serially */

static int tap_open(void *state, const hr_section *settings)
{
    (void)state;
    hr_section *s = hr_section_clone(settings);
    if (!s)
        return HR_ERROR(HR_ENOMEM, "out of memory");
    snprintf(s->kind, sizeof s->kind, "%s", tap.inner_kind);
    hr_substrate_close(tap.inner);
    tap.inner = NULL;
    int st = hr_substrate_open(&tap.inner, s);
    hr_section_destroy(s);
    if (st)
        return st;
    int np;
    double dt;
    if ((st = hr_substrate_probes(tap.inner, &np, &dt)))
        return st;
    hr_recording_destroy(tap.rec);
    tap.rec = NULL;
    if ((st = hr_recording_create(&tap.rec, np, dt)))
        return st;
    for (int p = 0; p < np && !st; p++)
        st = hr_substrate_probe_info(tap.inner, p, &tap.rec->probes[p]);
    snprintf(tap.rec->units, sizeof tap.rec->units, "%s", tap.rec->probes[0].units);
    snprintf(tap.rec->substrate_kind, sizeof tap.rec->substrate_kind, "%s", tap.inner_kind);
    if (!st && hr_live_is(tap.inner)) {
        hr_tank_hello h;
        char json[4096];
        hr_live_hello(tap.inner, &h, json, sizeof json);
        st = hr_recording_set_text(tap.rec, json, NULL);
    }
    return st;
}

static int tap_probes(const void *state, int *nprobes, double *dt)
{
    (void)state;
    return hr_substrate_probes(tap.inner, nprobes, dt);
}

static int tap_probe_info(const void *state, int p, hr_probe_info *info)
{
    (void)state;
    return hr_substrate_probe_info(tap.inner, p, info);
}

static int tap_run(void *state, const hr_stimulus *stim, hr_traces *tr)
{
    (void)state;
    struct timespec wall;
    clock_gettime(CLOCK_REALTIME, &wall);
    double when = (double)wall.tv_sec + 1e-9 * (double)wall.tv_nsec;
    hr_traces got;
    int st = hr_substrate_run(tap.inner, stim, &got);
    if (st)
        return st;
    if (got.nt != tr->nt || got.nprobes != tr->nprobes) {
        free(got.data);
        return HR_ERROR(HR_EINVAL, "record: the substrate gave %d x %d traces for %d x %d", got.nprobes,
                        got.nt, tr->nprobes, tr->nt);
    }
    memcpy(tr->data, got.data, (size_t)got.nprobes * (size_t)got.nt * sizeof *tr->data);
    const double *spread = NULL;
    int repeats = 1, tries = 1;
    hr_live_run_info info;
    if (hr_live_is(tap.inner) && hr_live_last_run(tap.inner, &info) == HR_OK) {
        spread = info.spread;
        repeats = info.repeats;
        tries = info.tries;
        when = info.time_unix;
    }
    st = hr_recording_add(tap.rec, stim, got.data, got.nt, spread, repeats, tries, when);
    free(got.data);
    if (!st)
        hr_log("record: run %d: %d x %d samples", tap.rec->nruns - 1, got.nprobes, got.nt);
    return st;
}

static void tap_close(void *state)
{
    (void)state;
    hr_substrate_close(tap.inner);
    tap.inner = NULL;
}

static hr_param_spec tap_params[] = {HR_PARAMS_END};
static const char *const tap_example[] = {NULL}; /* never in the contract test */

static hr_substrate_type tap_type = {
    .base = {.version = HR_SUBSTRATE_VERSION,
             .cls = HR_CLASS_SUBSTRATE,
             .name = "record-tap",
             .doc = "hydrores record's wrapper around the substrate being recorded",
             .params = tap_params},
    .state_size = 1,
    .open = tap_open,
    .probes = tap_probes,
    .run = tap_run,
    .close = tap_close,
    .probe_info = tap_probe_info,
    .example = tap_example,
};

/* ---- Log to DIR/record.log and stderr ---- */

static void tee(void *ctx, const char *line)
{
    if (ctx)
        hr_log_to_file(ctx, line);
    hr_log_to_file(stderr, line);
}

static char *experiment_xml(const hr_experiment *e)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    if (!f)
        return NULL;
    int st = hr_config_write(e, f);
    fclose(f);
    if (st) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* ---- Recording an experiment ---- */

static int record_experiment(const hr_cli_opts *o)
{
    hr_experiment *e;
    int st = hr_cli_load(o, &e);
    if (st) {
        fprintf(stderr, "%s\n", hr_error_message());
        return HR_EXIT_USAGE;
    }
    hr_outdir od;
    if ((st = hr_outdir_begin(&od, o->out, o->force))) {
        fprintf(stderr, "hydrores record: %s\n", hr_error_message());
        hr_experiment_destroy(e);
        return HR_EXIT_USAGE;
    }
    char path[1200];
    hr_outdir_path(&od, "record.log", path, sizeof path);
    FILE *log = fopen(path, "w");
    hr_log_set_sink(tee, log);
    char *xml = experiment_xml(e);
    memset(&tap, 0, sizeof tap);
    snprintf(tap.inner_kind, sizeof tap.inner_kind, "%s", e->sec[HR_SEC_SUBSTRATE]->kind);
    const hr_substrate_type *inner = hr_substrate_lookup(tap.inner_kind, NULL, 0);
    /* The tap is nondeterministic so the pipeline's trace cache is off:
     * every stimulus is really run and recorded, duplicates included. */
    tap_type.base.flags = (inner ? inner->base.flags : 0) | HR_SUBSTRATE_NONDETERMINISTIC;
    st = hr_substrate_register(&tap_type);
    hr_experiment *te = st ? NULL : hr_experiment_clone(e);
    if (!st && !te)
        st = HR_ERROR(HR_ENOMEM, "out of memory");
    if (!st)
        snprintf(te->sec[HR_SEC_SUBSTRATE]->kind, sizeof te->sec[HR_SEC_SUBSTRATE]->kind,
                 "record-tap");
    hr_worker *w = NULL;
    hr_result r;
    memset(&r, 0, sizeof r);
    if (!st)
        st = hr_worker_create(&w, te);
    if (!st)
        st = hr_worker_simulate(w, 0, &r);
    if (!st) {
        snprintf(tap.rec->experiment, sizeof tap.rec->experiment, "%s", e->name);
        st = hr_recording_set_text(tap.rec, tap.rec->hello, xml ? xml : "");
    }
    if (!st) {
        hr_outdir_path(&od, "recording.h5", path, sizeof path);
        st = hr_recording_write(tap.rec, path);
    }
    if (!st) {
        hr_outdir_path(&od, "config.xml", path, sizeof path);
        st = hr_config_write_file(e, path);
    }
    int nruns = tap.rec ? tap.rec->nruns : 0, np = tap.rec ? tap.rec->nprobes : 0;
    double dt = tap.rec ? tap.rec->dt : 0;
    hr_result_free(&r);
    hr_worker_destroy(w);
    hr_recording_destroy(tap.rec);
    tap.rec = NULL;
    hr_log_set_sink(NULL, NULL);
    if (log)
        fclose(log);
    if (!st)
        hr_cli_plots(o, "record", od.tmp);
    if (!st)
        st = hr_outdir_commit(&od);
    int rc = HR_EXIT_OK;
    if (st) {
        fprintf(stderr, "hydrores record: %s: %s\n", o->config, hr_error_message());
        hr_outdir_abort(&od);
        rc = st == HR_EINVAL || st == HR_ERANGE || st == HR_EPARSE ? HR_EXIT_USAGE : HR_EXIT_FAIL;
    } else {
        printf("recorded %d runs of %d probes at %g s from substrate '%s'\n", nruns, np, dt,
               tap.inner_kind);
        printf("%-22s %s/recording.h5\n", "results", od.final);
    }
    free(xml);
    hr_experiment_destroy(te);
    hr_experiment_destroy(e);
    return rc;
}

/* ---- Importing lab CSV files ---- */

/* A CSV file's lines split into fields (commas; surrounding spaces and a
 * trailing \r dropped; no quoting). */
typedef struct csv {
    char *text;      /* the file, owned, cut into fields */
    int nrows;       /* lines with content */
    int *nf;         /* fields per line */
    char ***f;       /* the fields */
    int *line;       /* their line numbers */
} csv;

static void csv_free(csv *c)
{
    for (int i = 0; i < c->nrows; i++)
        free(c->f[i]);
    free(c->f);
    free(c->nf);
    free(c->line);
    free(c->text);
    memset(c, 0, sizeof *c);
}

static int csv_read(const char *path, csv *c)
{
    memset(c, 0, sizeof *c);
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return HR_ERROR(HR_EINVAL, "%s: cannot open (%s)", path, strerror(errno));
    size_t cap = 65536, n = 0;
    c->text = malloc(cap);
    while (c->text) {
        size_t got = fread(c->text + n, 1, cap - n - 1, fp);
        n += got;
        if (n < cap - 1)
            break;
        if (cap > (1u << 30)) {
            fclose(fp);
            csv_free(c);
            return HR_ERROR(HR_EINVAL, "%s: larger than 1 GiB", path);
        }
        char *t = realloc(c->text, cap * 2);
        if (!t) {
            free(c->text);
            c->text = NULL;
            break;
        }
        c->text = t;
        cap *= 2;
    }
    fclose(fp);
    if (!c->text)
        return HR_ERROR(HR_ENOMEM, "out of memory reading %s", path);
    c->text[n] = '\0';
    if (memchr(c->text, '\0', n))
        return csv_free(c), HR_ERROR(HR_EPARSE, "%s: has a NUL byte (not a text file)", path);
    int lines = 1;
    for (size_t i = 0; i < n; i++)
        lines += c->text[i] == '\n';
    c->nf = calloc((size_t)lines, sizeof *c->nf);
    c->f = calloc((size_t)lines, sizeof *c->f);
    c->line = calloc((size_t)lines, sizeof *c->line);
    if (!c->nf || !c->f || !c->line) {
        csv_free(c);
        return HR_ERROR(HR_ENOMEM, "out of memory reading %s", path);
    }
    char *s = c->text;
    for (int ln = 1; s; ln++) {
        char *nl = strchr(s, '\n');
        if (nl)
            *nl = '\0';
        size_t len = strlen(s);
        while (len && (s[len - 1] == '\r' || isspace((unsigned char)s[len - 1])))
            s[--len] = '\0';
        while (*s && isspace((unsigned char)*s))
            s++;
        if (*s && *s != '#') {
            int nf = 1;
            for (char *q = s; *q; q++)
                nf += *q == ',';
            char **fields = malloc((size_t)nf * sizeof *fields);
            if (!fields) {
                csv_free(c);
                return HR_ERROR(HR_ENOMEM, "out of memory reading %s", path);
            }
            int k = 0;
            for (char *q = s;; q++) {
                char *comma = strchr(q, ',');
                if (comma)
                    *comma = '\0';
                while (*q && isspace((unsigned char)*q))
                    q++;
                size_t m = strlen(q);
                while (m && isspace((unsigned char)q[m - 1]))
                    q[--m] = '\0';
                fields[k++] = q;
                if (!comma)
                    break;
                q = comma;
            }
            c->f[c->nrows] = fields;
            c->nf[c->nrows] = k;
            c->line[c->nrows] = ln;
            c->nrows++;
        }
        s = nl ? nl + 1 : NULL;
    }
    return HR_OK;
}

static int parse_num(const char *s, double *v)
{
    char *end;
    errno = 0;
    *v = strtod(s, &end);
    return end != s && *end == '\0' && isfinite(*v) && errno != ERANGE;
}

/* A path relative to the folder of `base` (unless absolute). */
static void relative_to(const char *base, const char *name, char *out, size_t size)
{
    const char *slash = strrchr(base, '/');
    if (name[0] == '/' || !slash)
        snprintf(out, size, "%s", name);
    else
        snprintf(out, size, "%.*s/%s", (int)(slash - base), base, name);
}

/* One run CSV: header "t,<probe names>", rows of numbers, uniform time. */
static int read_run_csv(const char *path, int *np, char names[][32], double *dt, double **data,
                        int *nt)
{
    csv c;
    int st = csv_read(path, &c);
    if (st)
        return st;
    *data = NULL;
    if (c.nrows < 3 || c.nf[0] < 2) {
        st = HR_ERROR(HR_EPARSE, "%s: needs a header (time, then one column per probe) and at "
                      "least 2 rows", path);
        goto out;
    }
    int n = c.nf[0] - 1;
    if (n > 64) {
        st = HR_ERROR(HR_EPARSE, "%s: %d probe columns (allowed: 1 .. 64)", path, n);
        goto out;
    }
    *np = n;
    for (int p = 0; p < n; p++) {
        if (!c.f[0][p + 1][0] || strlen(c.f[0][p + 1]) >= 32) {
            st = HR_ERROR(HR_EPARSE, "%s:%d: probe column %d has an empty or over-long name "
                          "(allowed: 1 .. 31 characters)", path, c.line[0], p + 1);
            goto out;
        }
        snprintf(names[p], 32, "%s", c.f[0][p + 1]);
    }
    int rows = c.nrows - 1;
    double *t = malloc((size_t)rows * sizeof *t);
    *data = malloc((size_t)rows * (size_t)n * sizeof **data);
    if (!t || !*data) {
        free(t);
        st = HR_ERROR(HR_ENOMEM, "out of memory reading %s", path);
        goto out;
    }
    for (int r = 0; r < rows && !st; r++) {
        if (c.nf[r + 1] != n + 1) {
            st = HR_ERROR(HR_EPARSE, "%s:%d: %d fields (allowed: %d, as in the header)", path,
                          c.line[r + 1], c.nf[r + 1], n + 1);
            break;
        }
        for (int k = 0; k <= n && !st; k++) {
            double v;
            if (!parse_num(c.f[r + 1][k], &v))
                st = HR_ERROR(HR_EPARSE, "%s:%d: field %d '%.40s' is not a finite number", path,
                              c.line[r + 1], k + 1, c.f[r + 1][k]);
            else if (k == 0)
                t[r] = v;
            else
                (*data)[(size_t)(k - 1) * (size_t)rows + (size_t)r] = v;
        }
    }
    if (!st) {
        double d = (t[rows - 1] - t[0]) / (rows - 1);
        if (!(d > 0))
            st = HR_ERROR(HR_EPARSE, "%s: the time column does not increase", path);
        else if (fabs(t[0]) > 1e-3 * d)
            st = HR_ERROR(HR_EPARSE, "%s: the first time is %g s (allowed: 0, the start of the "
                          "run)", path, t[0]);
        for (int r = 0; r < rows && !st; r++)
            if (fabs(t[r] - r * d) > 1e-3 * d)
                st = HR_ERROR(HR_EPARSE, "%s:%d: time %.9g s is off the uniform spacing %.9g s "
                              "(allowed: within 0.1%% of it; resample the file first)", path,
                              c.line[r + 1], t[r], d);
        *dt = d;
        *nt = rows;
    }
    free(t);
out:
    if (st) {
        free(*data);
        *data = NULL;
    }
    csv_free(&c);
    return st;
}

static int import_csv(const char *manifest, const char *probes_file, const char *out, int force,
                      const char *name)
{
    csv m;
    int st = csv_read(manifest, &m);
    if (st)
        return hr_cli_fail(HR_EXIT_USAGE, "record --import");
    static const char *const cols[] = {"file",       "maker",      "amplitude", "frequency_hz",
                                       "phase",      "start_s",    "duration_s", "ramp_s",
                                       "stream_file", "stream_dt_s", "t_end_s"};
    enum { C_FILE, C_MAKER, C_AMP, C_FREQ, C_PHASE, C_START, C_DUR, C_RAMP, C_SFILE, C_SDT, C_TEND, NC };
    int at[NC];
    for (int i = 0; i < NC; i++)
        at[i] = -1;
    if (m.nrows < 2) {
        csv_free(&m);
        fprintf(stderr, "hydrores record: %s: needs a header and at least one run (columns: file, "
                "maker, amplitude, frequency_hz, phase, start_s, duration_s, ramp_s, stream_file, "
                "stream_dt_s, t_end_s)\n", manifest);
        return HR_EXIT_USAGE;
    }
    for (int k = 0; k < m.nf[0]; k++) {
        int found = 0;
        for (int i = 0; i < NC; i++)
            if (strcmp(m.f[0][k], cols[i]) == 0) {
                at[i] = k;
                found = 1;
            }
        if (!found) {
            fprintf(stderr, "hydrores record: %s:%d: unknown column '%s' (allowed: file, maker, "
                    "amplitude, frequency_hz, phase, start_s, duration_s, ramp_s, stream_file, "
                    "stream_dt_s, t_end_s)\n", manifest, m.line[0], m.f[0][k]);
            csv_free(&m);
            return HR_EXIT_USAGE;
        }
    }
    if (at[C_FILE] < 0 || at[C_MAKER] < 0 || at[C_AMP] < 0) {
        csv_free(&m);
        fprintf(stderr, "hydrores record: %s: the columns file, maker and amplitude are required\n",
                manifest);
        return HR_EXIT_USAGE;
    }
    hr_recording *rec = NULL;
    double *streams = NULL;
    size_t nstreams = 0;
    char first_names[64][32];
    int first_np = 0;
    for (int r = 1; r < m.nrows && !st;) {
        /* One run: the consecutive manifest rows naming the same file. */
        const char *file = m.nf[r] > at[C_FILE] ? m.f[r][at[C_FILE]] : "";
        hr_stimulus stim;
        memset(&stim, 0, sizeof stim);
        double t_end = NAN;
        size_t s0 = nstreams;
        int r0 = r;
        for (; r < m.nrows && !st && m.nf[r] > at[C_FILE] && strcmp(m.f[r][at[C_FILE]], file) == 0; r++) {
            if (m.nf[r] != m.nf[0]) {
                st = HR_ERROR(HR_EPARSE, "%s:%d: %d fields (allowed: %d, as in the header)",
                              manifest, m.line[r], m.nf[r], m.nf[0]);
                break;
            }
            if (stim.nsources >= HR_STIMULUS_MAX_SOURCES) {
                st = HR_ERROR(HR_EPARSE, "%s:%d: more than %d sources for %s", manifest, m.line[r],
                              HR_STIMULUS_MAX_SOURCES, file);
                break;
            }
            hr_source *s = &stim.sources[stim.nsources++];
            double v[NC];
            for (int i = 1; i < NC && !st; i++) {
                v[i] = 0;
                if (i == C_SFILE || at[i] < 0 || !m.f[r][at[i]][0])
                    continue;
                if (!parse_num(m.f[r][at[i]], &v[i]))
                    st = HR_ERROR(HR_EPARSE, "%s:%d: %s = '%.40s' is not a finite number", manifest,
                                  m.line[r], cols[i], m.f[r][at[i]]);
            }
            if (st)
                break;
            if (v[C_MAKER] != floor(v[C_MAKER]) || v[C_MAKER] < 0 ||
                v[C_MAKER] >= HR_STIMULUS_MAX_SOURCES || v[C_START] < 0 || v[C_DUR] < 0 ||
                v[C_RAMP] < 0) {
                st = HR_ERROR(HR_EPARSE, "%s:%d: maker must be a whole number 0 .. %d and start_s, "
                              "duration_s, ramp_s >= 0", manifest, m.line[r],
                              HR_STIMULUS_MAX_SOURCES - 1);
                break;
            }
            s->index = (int)v[C_MAKER];
            s->amplitude = v[C_AMP];
            s->frequency = v[C_FREQ];
            s->phase = v[C_PHASE];
            s->start = v[C_START];
            s->duration = v[C_DUR];
            s->ramp = v[C_RAMP];
            if (at[C_TEND] >= 0 && m.f[r][at[C_TEND]][0])
                t_end = v[C_TEND];
            if (at[C_SFILE] >= 0 && m.f[r][at[C_SFILE]][0]) {
                char sp[2048];
                relative_to(manifest, m.f[r][at[C_SFILE]], sp, sizeof sp);
                csv sc;
                if ((st = csv_read(sp, &sc)))
                    break;
                if (!(v[C_SDT] > 0))
                    st = HR_ERROR(HR_EPARSE, "%s:%d: a stream needs stream_dt_s > 0", manifest,
                                  m.line[r]);
                double *ns = st ? NULL : realloc(streams, (nstreams + (size_t)sc.nrows + 1) * sizeof *ns);
                if (!st && !ns)
                    st = HR_ERROR(HR_ENOMEM, "out of memory");
                if (ns)
                    streams = ns;
                int cnt = 0;
                for (int q = 0; q < sc.nrows && !st; q++) {
                    double x;
                    if (sc.nf[q] != 1 || !parse_num(sc.f[q][0], &x)) {
                        if (q == 0 && cnt == 0)
                            continue; /* a header */
                        st = HR_ERROR(HR_EPARSE, "%s:%d: not one finite number", sp, sc.line[q]);
                        break;
                    }
                    streams[nstreams + (size_t)cnt++] = x;
                }
                csv_free(&sc);
                if (!st && cnt == 0)
                    st = HR_ERROR(HR_EPARSE, "%s: no stream samples", sp);
                s->nsamples = cnt;
                s->sample_dt = v[C_SDT];
                nstreams += (size_t)cnt;
            }
        }
        if (st)
            break;
        if (!file[0]) {
            st = HR_ERROR(HR_EPARSE, "%s:%d: the file column is empty", manifest, m.line[r0]);
            break;
        }
        /* Stream pointers (the buffer may have moved while growing). */
        size_t k = s0;
        for (int i = 0; i < stim.nsources; i++)
            if (stim.sources[i].nsamples > 0) {
                stim.sources[i].samples = streams + k;
                k += (size_t)stim.sources[i].nsamples;
            }
        char rp[2048], names[64][32];
        relative_to(manifest, file, rp, sizeof rp);
        int np = 0, nt = 0;
        double dt = 0, *data = NULL;
        if ((st = read_run_csv(rp, &np, names, &dt, &data, &nt)))
            break;
        if (!rec) {
            if (!(st = hr_recording_create(&rec, np, dt))) {
                first_np = np;
                memcpy(first_names, names, sizeof names);
                for (int p = 0; p < np; p++) {
                    memcpy(rec->probes[p].name, names[p], sizeof rec->probes[p].name);
                    rec->probes[p].name[sizeof rec->probes[p].name - 1] = '\0';
                }
                snprintf(rec->substrate_kind, sizeof rec->substrate_kind, "import");
                snprintf(rec->experiment, sizeof rec->experiment, "%s", name ? name : "imported");
            }
        } else if (np != first_np || fabs(dt - rec->dt) > 1e-6 * rec->dt) {
            st = HR_ERROR(HR_EPARSE, "%s: %d probes at %g s, the first file has %d at %g s "
                          "(allowed: the same probes and spacing in every file)", rp, np, dt,
                          first_np, rec->dt);
        } else {
            for (int p = 0; p < np && !st; p++)
                if (strcmp(names[p], first_names[p]) != 0)
                    st = HR_ERROR(HR_EPARSE, "%s: probe column %d is '%s', the first file's '%s'",
                                  rp, p + 1, names[p], first_names[p]);
        }
        stim.t_end = isnan(t_end) ? (nt - 1) * (rec ? rec->dt : dt) : t_end;
        if (!st && (!(stim.t_end > 0) || hr_traces_nt(stim.t_end, rec->dt) > nt))
            st = HR_ERROR(HR_EPARSE, "%s: t_end_s = %g s, beyond the file's %d samples", rp,
                          stim.t_end, nt);
        if (!st)
            st = hr_recording_add(rec, &stim, data, nt, NULL, 1, 1, NAN);
        free(data);
    }
    csv_free(&m);
    free(streams);
    /* Probe positions. */
    if (!st && probes_file) {
        csv pc;
        if (!(st = csv_read(probes_file, &pc))) {
            for (int q = 0; q < pc.nrows && !st; q++) {
                double x, y;
                if (pc.nf[q] != 3 || !parse_num(pc.f[q][1], &x) || !parse_num(pc.f[q][2], &y)) {
                    if (q == 0)
                        continue; /* header */
                    st = HR_ERROR(HR_EPARSE, "%s:%d: expected name,x_m,y_m", probes_file, pc.line[q]);
                    break;
                }
                int p = 0;
                while (p < rec->nprobes && strcmp(rec->probes[p].name, pc.f[q][0]) != 0)
                    p++;
                if (p == rec->nprobes)
                    st = HR_ERROR(HR_EPARSE, "%s:%d: no probe column is named '%s'", probes_file,
                                  pc.line[q], pc.f[q][0]);
                else
                    rec->probes[p].x = x, rec->probes[p].y = y;
            }
            csv_free(&pc);
        }
    }
    if (st) {
        hr_recording_destroy(rec);
        return hr_cli_fail(st == HR_ENOMEM ? HR_EXIT_FAIL : HR_EXIT_USAGE, "record --import");
    }
    hr_outdir od;
    char path[1200];
    if ((st = hr_outdir_begin(&od, out, force))) {
        hr_recording_destroy(rec);
        return hr_cli_fail(HR_EXIT_USAGE, "record --import");
    }
    hr_outdir_path(&od, "recording.h5", path, sizeof path);
    st = hr_recording_write(rec, path);
    if (!st) {
        /* A results folder holds config.xml; here it says where the data came from. */
        hr_outdir_path(&od, "config.xml", path, sizeof path);
        FILE *f = fopen(path, "w");
        if (!f)
            st = HR_ERROR(HR_EIO, "cannot write %s", path);
        else {
            fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- hydrores record --import "
                       "of %s: %d runs of %d probes at %g s. -->\n<imported/>\n", manifest,
                    rec->nruns, rec->nprobes, rec->dt);
            st = hr_close_checked(f, "config.xml");
        }
    }
    if (!st)
        st = hr_outdir_commit(&od);
    if (st) {
        hr_outdir_abort(&od);
        hr_recording_destroy(rec);
        return hr_cli_fail(HR_EXIT_FAIL, "record --import");
    }
    printf("imported %d runs of %d probes at %g s\n%-22s %s/recording.h5\n", rec->nruns,
           rec->nprobes, rec->dt, "results", od.final);
    hr_recording_destroy(rec);
    return HR_EXIT_OK;
}

static void usage(void)
{
    printf("usage: hydrores record CONFIG --out DIR [--set NAME=VALUE ...] [--genome V1,...] [--force]\n"
           "                       [--no-plots]\n"
           "       hydrores record --import MANIFEST --out DIR [--probes PROBES.csv] [--name NAME] [--force]\n\n"
           "Runs every stimulus the experiment needs (its task's training and held-out\n"
           "samples, exactly as `hydrores run` sends them) on its substrate, whatever its\n"
           "kind (a simulated tank, the emulator, a live tank), and writes\n"
           "  DIR/recording.h5  the traces, their sample rate, probe names and positions,\n"
           "                    each run's stimulus, repeats and spread, the tank's hello and\n"
           "                    the time of each run (HDF5; layout in the README)\n"
           "  DIR/config.xml    the resolved experiment\n"
           "  DIR/record.log    the run log (faults, retries, what the tank said)\n"
           "  DIR/traces.png    the recorded traces (--no-plots: none)\n"
           "A `replay` substrate (<file>DIR/recording.h5</file>) serves the recording.\n\n"
           "--import reads lab files instead: MANIFEST is a CSV with the header\n"
           "  file,maker,amplitude[,frequency_hz,phase,start_s,duration_s,ramp_s,stream_file,stream_dt_s,t_end_s]\n"
           "and one line per source (consecutive lines with the same file are one run's\n"
           "sources); each run file is a CSV with the header t,<probe names> and one row per\n"
           "sample (time in s from 0, uniformly spaced). Paths are relative to the manifest.\n"
           "--probes gives positions: a CSV name,x_m,y_m.\n");
}

int hr_cmd_record(int argc, char **argv)
{
    if (hr_cli_wants_help(argc, argv)) {
        usage();
        return HR_EXIT_OK;
    }
    const char *manifest = NULL, *out = NULL, *probes = NULL, *name = NULL;
    int force = 0;
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--import") == 0)
            manifest = i + 1 < argc ? argv[i + 1] : "";
    if (manifest) {
        for (int i = 1; i < argc; i++) {
            const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
            if (strcmp(a, "--force") == 0) {
                force = 1;
                continue;
            }
            if (!v || (strcmp(a, "--import") && strcmp(a, "--out") && strcmp(a, "--probes") &&
                       strcmp(a, "--name"))) {
                fprintf(stderr, "hydrores record: %s: %s (allowed with --import: --out DIR, "
                        "--probes FILE, --name NAME, --force)\n", a,
                        v ? "unknown option" : "needs a value");
                return HR_EXIT_USAGE;
            }
            if (strcmp(a, "--out") == 0)
                out = v;
            else if (strcmp(a, "--probes") == 0)
                probes = v;
            else if (strcmp(a, "--name") == 0)
                name = v;
            i++;
        }
        if (!out || !manifest[0]) {
            fprintf(stderr, "hydrores record: --import needs MANIFEST and --out DIR\n");
            return HR_EXIT_USAGE;
        }
        return import_csv(manifest, probes, out, force, name);
    }
    hr_cli_opts o;
    int rc = hr_cli_parse(argc, argv, &o, 0);
    if (rc)
        return rc;
    if (!o.out) {
        fprintf(stderr, "hydrores record: missing --out DIR (where the recording goes)\n");
        return HR_EXIT_USAGE;
    }
    return record_experiment(&o);
}
