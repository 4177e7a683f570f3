/* plot_folder.c — the figures of result folders (plot_folder.h): detection
 * from the folder's files, and one function per figure kind.
 *
 * Files and columns read (everything else is ignored):
 *   config.xml / best.xml  <experiment name>, substrate kind, lx, ly,
 *                          maker_x/maker_y, probe_x/probe_y; readout t;
 *                          encoder step; task kind; fitness kind; evolve kind,
 *                          bins, lo, hi, descriptor, descriptor_genes; genes
 *   traces.csv             t, runK_probeP
 *   readout.csv            row, set (train / test), inputI, xJ, target0,
 *                          prediction0
 *   metrics.csv            name, value (det_abs, logdet, the score's name)
 *   snapshot_runK.csv      ny lines of nx values (a '#' comment first)
 *   generations.csv        evaluations, best, mean, best_ever
 *   archive.csv            bin_0, bin_1, desc_0, desc_1, fitness (MAP-Elites)
 *   summary.csv            name, hand_selected, evolved (row "fitness")
 *   compare.csv            substrate, task, score_name, score, synaptic_ops;
 *                          optional bits (or weight_bits) and density (sweeps)
 *                          (aliases: name / label for substrate, metric for
 *                          score_name, value for score, ops_per_step or
 *                          synaptic_ops_per_step for synaptic_ops) */
#include "interface/plot_folder.h"
#include "interface/plot_data.h"
#include "interface/plot_internal.h"
#include "interface/outdir.h"
#include "interface/recording.h"
#include "base/status.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define IN 72.0 /* points per inch */
#define MAXP 64 /* probes drawn */

hr_plot_options hr_plot_options_default(void)
{
    hr_plot_options o;
    memset(&o, 0, sizeof o);
    o.format = HR_PLOT_PNG;
    o.dpi = 100;
    o.movie_frames = 60;
    return o;
}

typedef struct ctx {
    const char *dir;          /* the folder */
    char out[1100];           /* where figures go */
    hr_plot_options o;        /* options */
    int nfig;                 /* figures written */
} ctx;

static void in_dir(const char *dir, const char *name, char *buf, size_t size)
{
    snprintf(buf, size, "%s/%s", dir, name);
}

static int exists(const char *dir, const char *name)
{
    char p[1200];
    in_dir(dir, name, p, sizeof p);
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
}

static double fig_w(const ctx *c, double def_in) { return c->o.width_pt > 0 ? c->o.width_pt : def_in * IN; }

static double fig_h(const ctx *c, double def_in)
{
    double h = c->o.height_pt > 0 ? c->o.height_pt : def_in * IN;
    return h > 7200 ? 7200 : h;
}

void (*hr__plot_emit_hook)(const char *base, hr_plot_fig *f);

/* Writes the figure as OUT/base.EXT, reports it, frees it. */
static int emit(ctx *c, hr_plot_fig *f, const char *base)
{
    if (hr__plot_emit_hook)
        hr__plot_emit_hook(base, f);
    char path[1300];
    snprintf(path, sizeof path, "%s/%s.%s", c->out, base, hr_plot_format_ext(c->o.format));
    int st = hr_plot_fig_write(f, path, c->o.format, c->o.dpi);
    hr_plot_fig_destroy(f);
    if (st)
        return st;
    c->nfig++;
    if (!c->o.quiet)
        printf("%-22s %s\n", "figure", path);
    return HR_OK;
}

static int load_csv(const ctx *c, const char *name, hr_csv **t)
{
    char p[1200];
    in_dir(c->dir, name, p, sizeof p);
    return hr_csv_read(p, 1, t);
}

static int load_conf(const ctx *c, const char *name, hr_pconf **pc)
{
    char p[1200];
    in_dir(c->dir, name, p, sizeof p);
    return hr_pconf_load(p, pc);
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    while (s && !s[1] && s > path) { /* trailing slash */
        const char *t = s - 1;
        while (t > path && *t != '/')
            t--;
        return *t == '/' ? t + 1 : t;
    }
    return s ? s + 1 : path;
}

/* A figure title "NAME: what" from the experiment name. */
static void title_of(const hr_pconf *pc, const char *what, char *buf, size_t size)
{
    const char *name = pc ? hr_pconf_name(pc) : "";
    snprintf(buf, size, "%s%s%s", name, name[0] ? ": " : "", what);
}

/* Units of the traces of a substrate kind. */
static void units_of(const char *kind, const char **tlabel, const char **ylabel,
                     const char **unit)
{
    if (strcmp(kind, "tank") == 0 || strcmp(kind, "process") == 0 || strcmp(kind, "tcp") == 0 ||
        strcmp(kind, "replay") == 0) {
        *tlabel = "time (s)", *ylabel = "surface elevation (m)", *unit = "m";
    } else if (strcmp(kind, "kdv") == 0) {
        *tlabel = "time (KdV units)", *ylabel = "u (KdV units)", *unit = "";
    } else {
        *tlabel = "time", *ylabel = "probe signal", *unit = "";
    }
}

static double interp(const double *t, const double *y, int n, double tq)
{
    if (n < 2 || !(tq >= t[0]) || !(tq <= t[n - 1]))
        return NAN;
    double dt = (t[n - 1] - t[0]) / (n - 1);
    double f = (tq - t[0]) / dt;
    int k = (int)floor(f);
    if (k >= n - 1)
        return y[n - 1];
    double w = f - k;
    return (1 - w) * y[k] + w * y[k + 1];
}

/* v as "3.11×10^{−4}" (plot text), plain for 0.01 <= |v| < 1e4. */
static void fmt_sci(char *buf, size_t size, double v)
{
    if (!(v != 0) || !isfinite(v) || (fabs(v) >= 0.01 && fabs(v) < 1e4)) {
        snprintf(buf, size, "%.3g", v);
        return;
    }
    int e = (int)floor(log10(fabs(v)));
    double m = v / pow(10, e);
    if (fabs(m) >= 9.995)
        m /= 10, e++;
    snprintf(buf, size, "%.3g\xc3\x97" "10^{%s%d}", m, e < 0 ? "\xe2\x88\x92" : "", e < 0 ? -e : e);
}

/* ---- Patterns: which input each run had, and its colour group ---- */

typedef struct patterns {
    int nruns;         /* runs known */
    int *group;        /* colour group (a training row) per run */
    int *train;        /* 1: a training row */
    char (*label)[96]; /* "(0, 1)" per run */
} patterns;

static void patterns_free(patterns *p)
{
    free(p->group);
    free(p->train);
    free(p->label);
    memset(p, 0, sizeof *p);
}

/* From the inputs of nruns rows (the first ntrain training), each held-out
 * row grouped with its nearest training row. */
static int patterns_from(patterns *p, int nruns, int ntrain, int nin, const double *in)
{
    p->nruns = nruns;
    p->group = calloc((size_t)nruns + 1, sizeof *p->group);
    p->train = calloc((size_t)nruns + 1, sizeof *p->train);
    p->label = calloc((size_t)nruns + 1, sizeof *p->label);
    if (!p->group || !p->train || !p->label)
        return HR_ERROR(HR_ENOMEM, "out of memory");
    for (int r = 0; r < nruns; r++) {
        p->train[r] = r < ntrain;
        int best = r < ntrain ? r : 0;
        if (r >= ntrain && in) {
            double bd = INFINITY;
            for (int q = 0; q < ntrain; q++) {
                double d = 0;
                for (int i = 0; i < nin; i++) {
                    double e = in[(size_t)r * nin + i] - in[(size_t)q * nin + i];
                    d += e * e;
                }
                if (d < bd)
                    bd = d, best = q;
            }
        }
        p->group[r] = best;
        if (in && nin == 1)
            snprintf(p->label[r], sizeof p->label[r], "x = %.5g", in[r]);
        else if (in) {
            size_t o = 0;
            for (int i = 0; i < nin && o + 12 < sizeof p->label[r]; i++)
                o += (size_t)snprintf(p->label[r] + o, sizeof p->label[r] - o, "%s%.3g",
                                      i ? ", " : "(", in[(size_t)r * nin + i]);
            snprintf(p->label[r] + o, sizeof p->label[r] - o, ")");
        } else {
            snprintf(p->label[r], sizeof p->label[r], "run %d", r);
        }
    }
    return HR_OK;
}

/* ---- The readout matrix and predictions (readout.csv) ---- */

typedef struct readout {
    int nrows, ncols, nin, ntrain; /* rows, X columns, inputs, training rows */
    double *x;                     /* nrows * ncols */
    double *in;                    /* nrows * nin */
    double *target, *pred;         /* nrows (first output) */
    int *train;                    /* per row: 1 train, 0 test */
} readout;

static void readout_free(readout *r)
{
    free(r->x);
    free(r->in);
    free(r->target);
    free(r->pred);
    free(r->train);
    memset(r, 0, sizeof *r);
}

static int numbered_cols(const hr_csv *t, const char *prefix, int *cols, int max)
{
    int n = 0;
    for (int k = 0; k < max; k++) {
        char name[64];
        snprintf(name, sizeof name, "%s%d", prefix, k);
        int c = hr_csv_col(t, name);
        if (c < 0)
            break;
        cols[n++] = c;
    }
    return n;
}

static int load_readout(const ctx *c, readout *r)
{
    memset(r, 0, sizeof *r);
    hr_csv *t;
    int st = load_csv(c, "readout.csv", &t);
    if (st)
        return st;
    static const char *const set_names[] = {"set", NULL};
    int cset;
    int *xc = malloc((size_t)t->ncols * sizeof *xc + 1), *ic = malloc((size_t)t->ncols * sizeof *ic + 1);
    if (!xc || !ic) {
        st = HR_ERROR(HR_ENOMEM, "out of memory");
        goto out;
    }
    if ((st = hr_csv_need(t, set_names, &cset)))
        goto out;
    r->ncols = numbered_cols(t, "x", xc, t->ncols);
    r->nin = numbered_cols(t, "input", ic, t->ncols);
    if (r->ncols == 0) {
        st = HR_ERROR(HR_EPARSE, "%s:%d: no readout columns x0, x1, ... (allowed: the readout.csv "
                      "hydrores run writes)", t->name, t->header_line);
        goto out;
    }
    int ctg = hr_csv_col(t, "target0"), cpr = hr_csv_col(t, "prediction0");
    r->nrows = t->nrows;
    size_t n = (size_t)t->nrows;
    r->x = malloc(n * (size_t)r->ncols * sizeof *r->x + 1);
    r->in = malloc(n * (size_t)(r->nin + 1) * sizeof *r->in);
    r->target = malloc((n + 1) * sizeof *r->target);
    r->pred = malloc((n + 1) * sizeof *r->pred);
    r->train = malloc((n + 1) * sizeof *r->train);
    if (!r->x || !r->in || !r->target || !r->pred || !r->train) {
        st = HR_ERROR(HR_ENOMEM, "out of memory");
        goto out;
    }
    for (int i = 0; i < t->nrows && !st; i++) {
        const char *s = hr_csv_text(t, i, cset);
        if (strcmp(s, "train") == 0)
            r->train[i] = 1;
        else if (strcmp(s, "test") == 0)
            r->train[i] = 0;
        else {
            st = HR_ERROR(HR_EPARSE, "%s:%d: set '%.20s' (allowed: train, test)", t->name,
                          t->line[i], s);
            break;
        }
        if (r->train[i] && i > 0 && !r->train[i - 1]) {
            st = HR_ERROR(HR_EPARSE, "%s:%d: a training row after held-out rows (allowed: the "
                          "training rows first)", t->name, t->line[i]);
            break;
        }
        r->ntrain += r->train[i];
        for (int j = 0; j < r->ncols && !st; j++)
            st = hr_csv_num(t, i, xc[j], &r->x[(size_t)i * r->ncols + j]);
        for (int j = 0; j < r->nin && !st; j++)
            st = hr_csv_num(t, i, ic[j], &r->in[(size_t)i * r->nin + j]);
        r->target[i] = r->pred[i] = NAN;
        if (!st && ctg >= 0)
            st = hr_csv_num(t, i, ctg, &r->target[i]);
        if (!st && cpr >= 0)
            st = hr_csv_num(t, i, cpr, &r->pred[i]);
    }
out:
    free(xc);
    free(ic);
    hr_csv_free(t);
    if (st)
        readout_free(r);
    return st;
}

/* metrics.csv as name -> value; NaN when absent. */
static int load_metrics(const ctx *c, hr_csv **t)
{
    int st = load_csv(c, "metrics.csv", t);
    if (st)
        return st;
    static const char *const n1[] = {"name", NULL}, *const n2[] = {"value", NULL};
    int a, b;
    if ((st = hr_csv_need(*t, n1, &a)) || (st = hr_csv_need(*t, n2, &b))) {
        hr_csv_free(*t);
        *t = NULL;
    }
    return st;
}

static int metric(const hr_csv *t, const char *name, double *v)
{
    *v = NAN;
    int a = hr_csv_col(t, "name"), b = hr_csv_col(t, "value");
    for (int r = 0; r < t->nrows; r++)
        if (strcmp(hr_csv_text(t, r, a), name) == 0)
            return hr_csv_num(t, r, b, v);
    return HR_OK;
}

/* ---- Traces ---- */

typedef struct traces {
    int nt, nruns, nprobes;
    double *t;     /* nt times */
    double *data;  /* [run][probe][nt] */
} traces;

static void traces_free(traces *tr)
{
    free(tr->t);
    free(tr->data);
    memset(tr, 0, sizeof *tr);
}

/* The traces of a recording (the --out of hydrores record): run k's probe p
 * as traces.csv's runK_probeP, at the recording's spacing from t = 0, NaN
 * after a run's own length. */
static int load_recording_traces(const ctx *c, traces *tr)
{
    char path[1200];
    in_dir(c->dir, "recording.h5", path, sizeof path);
    hr_recording *r;
    int st = hr_recording_read(path, &r);
    if (st)
        return st;
    tr->nruns = r->nruns, tr->nprobes = r->nprobes;
    for (int k = 0; k < r->nruns; k++)
        tr->nt = r->runs[k].nt > tr->nt ? r->runs[k].nt : tr->nt;
    size_t cells = (size_t)tr->nruns * (size_t)tr->nprobes * (size_t)tr->nt;
    if (tr->nruns < 1 || tr->nt < 1 || tr->nprobes < 1) {
        st = HR_ERROR(HR_EPARSE, "%s: no traces to draw", path);
    } else if (tr->nprobes > MAXP || cells > 200000000u) {
        st = HR_ERROR(HR_EPARSE, "%s: too many traces to draw (%d probes, allowed: up to %d)",
                      path, tr->nprobes, MAXP);
    } else if (!(tr->t = malloc((size_t)tr->nt * sizeof *tr->t)) ||
               !(tr->data = malloc(cells * sizeof *tr->data))) {
        st = HR_ERROR(HR_ENOMEM, "out of memory for the traces");
    } else {
        for (int i = 0; i < tr->nt; i++)
            tr->t[i] = i * r->dt;
        for (int k = 0; k < r->nruns; k++)
            for (int p = 0; p < tr->nprobes; p++) {
                double *d = tr->data + ((size_t)k * tr->nprobes + p) * tr->nt;
                const double *from = r->runs[k].traces + (size_t)p * r->runs[k].nt;
                for (int i = 0; i < tr->nt; i++)
                    d[i] = i < r->runs[k].nt ? from[i] : NAN;
            }
    }
    hr_recording_destroy(r);
    if (st)
        traces_free(tr);
    return st;
}

static int load_traces(const ctx *c, traces *tr)
{
    memset(tr, 0, sizeof *tr);
    if (!exists(c->dir, "traces.csv") && exists(c->dir, "recording.h5"))
        return load_recording_traces(c, tr);
    hr_csv *t;
    int st = load_csv(c, "traces.csv", &t);
    if (st)
        return st;
    static const char *const tn[] = {"t", NULL};
    int ct;
    int *run = calloc((size_t)t->ncols, sizeof *run), *probe = calloc((size_t)t->ncols, sizeof *probe);
    if (!run || !probe) {
        st = HR_ERROR(HR_ENOMEM, "out of memory");
        goto out;
    }
    if ((st = hr_csv_need(t, tn, &ct)))
        goto out;
    for (int k = 0; k < t->ncols; k++) {
        if (k == ct)
            continue;
        int rr, pp, used = 0;
        if (sscanf(t->col[k], "run%d_probe%d%n", &rr, &pp, &used) != 2 || t->col[k][used] ||
            rr < 0 || pp < 0 || rr > 1000000 || pp >= MAXP) {
            st = HR_ERROR(HR_EPARSE, "%s:%d: column '%.40s' (allowed: t, then runK_probeP with P < "
                          "%d)", t->name, t->header_line, t->col[k], MAXP);
            goto out;
        }
        run[k] = rr, probe[k] = pp;
        tr->nruns = rr + 1 > tr->nruns ? rr + 1 : tr->nruns;
        tr->nprobes = pp + 1 > tr->nprobes ? pp + 1 : tr->nprobes;
    }
    if (tr->nruns == 0 || t->nrows < 1) {
        st = HR_ERROR(HR_EPARSE, "%s:%d: no traces (allowed: a header t,run0_probe0,... and rows)",
                      t->name, t->header_line);
        goto out;
    }
    tr->nt = t->nrows;
    size_t cells = (size_t)tr->nruns * tr->nprobes * tr->nt;
    if (cells > 200000000u) {
        st = HR_ERROR(HR_EPARSE, "%s: too many traces to draw", t->name);
        goto out;
    }
    tr->t = malloc((size_t)tr->nt * sizeof *tr->t);
    tr->data = malloc(cells * sizeof *tr->data);
    if (!tr->t || !tr->data) {
        st = HR_ERROR(HR_ENOMEM, "out of memory for the traces");
        goto out;
    }
    for (size_t i = 0; i < cells; i++)
        tr->data[i] = NAN;
    if ((st = hr_csv_column(t, ct, tr->t)))
        goto out;
    for (int r = 1; r < t->nrows; r++)
        if (!(tr->t[r] > tr->t[r - 1])) {
            st = HR_ERROR(HR_EPARSE, "%s:%d: t = %g does not increase (allowed: increasing times)",
                          t->name, t->line[r], tr->t[r]);
            goto out;
        }
    for (int k = 0; k < t->ncols; k++) {
        if (k == ct)
            continue;
        double *d = tr->data + ((size_t)run[k] * tr->nprobes + probe[k]) * tr->nt;
        if ((st = hr_csv_column(t, k, d)))
            goto out;
    }
out:
    free(run);
    free(probe);
    hr_csv_free(t);
    if (st)
        traces_free(tr);
    return st;
}

static int fig_traces(ctx *c, const hr_pconf *pc, const hr__plot_task *task, int have_task,
                      const readout *ro)
{
    traces tr;
    int st = load_traces(c, &tr);
    if (st)
        return st;
    patterns pat = {0};
    const char *sub = hr_pconf_kind(pc, "substrate");
    const char *tlabel, *ylabel, *unit;
    char kind[64];
    snprintf(kind, sizeof kind, "%s", sub);
    units_of(kind, &tlabel, &ylabel, &unit);
    double times[256], px[MAXP], py[MAXP];
    int ntimes = 0, npx = 0, npy = 0;
    if ((st = hr_pconf_list(pc, "readout", "t", times, 256, &ntimes)) ||
        (st = hr_pconf_list(pc, "substrate", "probe_x", px, MAXP, &npx)) ||
        (st = hr_pconf_list(pc, "substrate", "probe_y", py, MAXP, &npy)))
        goto out;
    int stream = have_task && task->stream;
    if (!stream) {
        if (have_task)
            st = patterns_from(&pat, tr.nruns, task->ntrain, task->n_in, task->input);
        else if (ro)
            st = patterns_from(&pat, tr.nruns < ro->nrows ? tr.nruns : ro->nrows, ro->ntrain,
                               ro->nin, ro->in);
        else
            st = patterns_from(&pat, tr.nruns, tr.nruns, 0, NULL);
        if (st)
            goto out;
    }
    int np = tr.nprobes > 12 ? 12 : tr.nprobes;
    int cols = np > 4 ? 2 : 1, rows = (np + cols - 1) / cols;
    hr_plot_fig *f = hr_plot_fig_create(rows, cols, fig_w(c, cols > 1 ? 9 : 6.4),
                                        fig_h(c, 0.9 + 1.9 * rows));
    if (!f) {
        st = HR_EINVAL;
        goto out;
    }
    char title[256];
    title_of(pc, "probe traces", title, sizeof title);
    hr_plot_fig_title(f, title);
    char cap[1024];
    size_t o = 0;
    if (stream)
        o += (size_t)snprintf(cap + o, sizeof cap - o, "One run driven by the whole input stream "
                              "(rows %g s apart, each read at %d times), coloured by the set of "
                              "the row being read.", task->step, ntimes);
    else {
        o += (size_t)snprintf(cap + o, sizeof cap - o, "Dashed: readout times t =");
        for (int j = 0; j < ntimes && o + 24 < sizeof cap; j++)
            o += (size_t)snprintf(cap + o, sizeof cap - o, "%s %.4g", j ? "," : "", times[j]);
        int ntest = 0;
        for (int r = 0; r < pat.nruns; r++)
            ntest += !pat.train[r];
        if (ntest)
            o += (size_t)snprintf(cap + o, sizeof cap - o, "; dots: training rows' samples.\n"
                                  "Thin: %d held-out runs, coloured as their nearest training "
                                  "pattern.", ntest);
    }
    if (tr.nprobes > np)
        snprintf(cap + o, sizeof cap - o, " (first %d of %d probes)", np, tr.nprobes);
    hr_plot_fig_caption(f, cap);
    for (int p = 0; p < np && !st; p++) {
        hr_plot_axes *a = hr_plot_panel(f, p);
        char pt[128];
        if (p < npx && p < npy && strcmp(kind, "tank") == 0)
            snprintf(pt, sizeof pt, "probe %d at (%.3g, %.3g) m", p, px[p], py[p]);
        else if (p < npx && strcmp(kind, "tank") == 0)
            snprintf(pt, sizeof pt, "probe %d at x = %.3g m", p, px[p]);
        else
            snprintf(pt, sizeof pt, "probe %d", p);
        hr_plot_title(a, pt);
        if (p / cols == rows - 1 || p + cols >= np)
            hr_plot_xlabel(a, tlabel);
        if (p % cols == 0)
            hr_plot_ylabel(a, ylabel);
        hr_plot_grid(a, 1);
        hr_plot_legend(a, p == 0 ? HR_LEGEND_OUTSIDE : HR_LEGEND_NONE);
        if (stream) {
            const double *y = tr.data + (size_t)p * tr.nt;
            /* The trace coloured by the set of the row it feeds: washout, training,
             * held-out; readout samples as dots when there are few rows. */
            int nr = task->nrows;
            double *sx = malloc(((size_t)nr * ntimes + (size_t)tr.nt) * sizeof *sx + 8);
            double *sy = malloc(((size_t)nr * ntimes + (size_t)tr.nt) * sizeof *sy + 8);
            if (!sx || !sy) {
                free(sx);
                free(sy);
                st = HR_ERROR(HR_ENOMEM, "out of memory");
                break;
            }
            static const char *const setname[3] = {"washout rows", "training rows", "held-out rows"};
            for (int set = 0; set < 3 && !st; set++) {
                int r0 = set == 0 ? 0 : set == 1 ? task->washout : task->washout + task->ntrain;
                int r1 = set == 0 ? task->washout : set == 1 ? task->washout + task->ntrain : nr;
                double t0 = r0 * task->step, t1 = r1 * task->step;
                int n = 0;
                for (int k = 0; k < tr.nt; k++)
                    if (tr.t[k] >= t0 - 1e-9 && (tr.t[k] <= t1 + 1e-9 || set == 2))
                        sx[n] = tr.t[k], sy[n] = y[k], n++;
                hr_plot_style m = hr_plot_style_default();
                m.width = 0.9;
                m.color = set == 0 ? (hr_rgb){0.6, 0.6, 0.6} : hr_plot_cycle(set - 1);
                m.label = setname[set];
                if (n > 1)
                    st = hr_plot_line(a, n, sx, sy, &m);
                if (st || nr > 60)
                    continue;
                n = 0;
                for (int r = r0; r < r1; r++)
                    for (int j = 0; j < ntimes; j++) {
                        sx[n] = r * task->step + times[j];
                        sy[n] = interp(tr.t, y, tr.nt, sx[n]);
                        n++;
                    }
                m.width = 0;
                m.label = NULL;
                m.marker = HR_MARK_CIRCLE;
                m.marker_size = 3;
                if (n)
                    st = hr_plot_line(a, n, sx, sy, &m);
            }
            free(sx);
            free(sy);
            continue;
        }
        int labelled_test = 0;
        for (int pass = 0; pass < 2 && !st; pass++)
            for (int r = 0; r < tr.nruns && !st; r++) {
                int is_train = r < pat.nruns ? pat.train[r] : 0;
                if (is_train != pass)
                    continue;
                const double *y = tr.data + ((size_t)r * tr.nprobes + p) * tr.nt;
                hr_plot_style s = hr_plot_style_default();
                int g = r < pat.nruns ? pat.group[r] : r;
                s.color = hr_plot_cycle(g);
                if (is_train) {
                    s.width = 1.3;
                    s.label = pat.label[r];
                } else {
                    s.width = 0.6;
                    s.alpha = 0.35;
                    if (!labelled_test++)
                        s.label = "held-out runs";
                }
                st = hr_plot_line(a, tr.nt, tr.t, y, &s);
                if (!st && is_train && ntimes) {
                    double mx[256], my[256];
                    for (int j = 0; j < ntimes; j++)
                        mx[j] = times[j], my[j] = interp(tr.t, y, tr.nt, times[j]);
                    hr_plot_style m = s;
                    m.width = 0;
                    m.label = NULL;
                    m.marker = HR_MARK_CIRCLE;
                    m.marker_size = 4;
                    st = hr_plot_line(a, ntimes, mx, my, &m);
                }
            }
        for (int j = 0; j < ntimes && !st; j++) {
            hr_plot_style d = hr_plot_style_default();
            d.color = (hr_rgb){0.35, 0.35, 0.35};
            d.width = 0.8;
            d.dash = 1;
            d.label = j == 0 ? "readout times" : NULL;
            st = hr_plot_vline(a, times[j], &d);
        }
    }
    if (!st)
        st = emit(c, f, "traces");
    else
        hr_plot_fig_destroy(f);
out:
    patterns_free(&pat);
    traces_free(&tr);
    return st;
}

/* ---- Run folders ---- */

static int fig_readout(ctx *c, const hr_pconf *pc, const readout *ro, const hr_csv *met)
{
    int ntest = ro->nrows - ro->ntrain;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < (size_t)ro->nrows * ro->ncols; i++)
        if (isfinite(ro->x[i]))
            lo = fmin(lo, ro->x[i]), hi = fmax(hi, ro->x[i]);
    if (!(lo <= hi))
        lo = 0, hi = 1;
    hr_cmap map = HR_CMAP_VIRIDIS;
    if (lo < 0) {
        double m = fmax(fabs(lo), fabs(hi));
        lo = -m, hi = m;
        map = HR_CMAP_COOLWARM;
    }
    if (!(hi > lo))
        hi = lo + (lo != 0 ? fabs(lo) : 1);
    const char *tl, *yl, *unit;
    units_of(hr_pconf_kind(pc, "substrate"), &tl, &yl, &unit);
    char cbl[64];
    snprintf(cbl, sizeof cbl, "X%s%s%s", unit[0] ? " (" : "", unit, unit[0] ? ")" : "");
    int panels = ntest > 0 ? 2 : 1;
    hr_plot_fig *f = hr_plot_fig_create(1, panels, fig_w(c, panels == 2 ? 9 : 6.4), fig_h(c, 4.8));
    if (!f)
        return HR_EINVAL;
    char title[256];
    title_of(pc, "readout matrix X", title, sizeof title);
    hr_plot_fig_title(f, title);
    int ntimes = 0;
    double times[256];
    int st = hr_pconf_list(pc, "readout", "t", times, 256, &ntimes);
    double det, logdet;
    if (!st)
        st = metric(met, "det_abs", &det);
    if (!st)
        st = metric(met, "logdet", &logdet);
    char cap[512];
    if (isfinite(det))
        snprintf(cap, sizeof cap, "Column p\xc2\xb7%d + j: probe p at readout time j.  |det X| = %.4g "
                 "(log %.4g).", ntimes > 0 ? ntimes : 1, det, logdet);
    else
        snprintf(cap, sizeof cap, "Column p\xc2\xb7%d + j: probe p at readout time j.",
                 ntimes > 0 ? ntimes : 1);
    hr_plot_fig_caption(f, cap);
    for (int k = 0; k < panels && !st; k++) {
        hr_plot_axes *a = hr_plot_panel(f, k);
        int r0 = k ? ro->ntrain : 0, n = k ? ntest : ro->ntrain;
        char t[128];
        snprintf(t, sizeof t, "%s rows (%d x %d)", k ? "held-out" : "training", n, ro->ncols);
        hr_plot_title(a, t);
        hr_plot_xlabel(a, "column");
        hr_plot_ylabel(a, "row (sample)");
        hr_plot_yinvert(a, 1);
        if (n > 0)
            st = hr_plot_heatmap(a, ro->ncols, n, ro->x + (size_t)r0 * ro->ncols, -0.5,
                                 ro->ncols - 0.5, r0 - 0.5, r0 + n - 0.5, map, lo, hi,
                                 k == panels - 1 ? cbl : NULL);
    }
    if (st) {
        hr_plot_fig_destroy(f);
        return st;
    }
    return emit(c, f, "readout");
}

static int is_stream_task(const char *kind)
{
    return strcmp(kind, "narma10") == 0 || strcmp(kind, "memory") == 0 ||
           strcmp(kind, "mackey-glass") == 0;
}

static int fig_prediction(ctx *c, const hr_pconf *pc, const readout *ro, const hr_csv *met)
{
    char tkind[64];
    snprintf(tkind, sizeof tkind, "%s", hr_pconf_kind(pc, "task"));
    int stream = is_stream_task(tkind);
    hr_plot_fig *f = hr_plot_fig_create(1, 2, fig_w(c, 9), fig_h(c, 3.8));
    if (!f)
        return HR_EINVAL;
    char title[256];
    title_of(pc, "prediction against target", title, sizeof title);
    hr_plot_fig_title(f, title);
    const char *score_names[] = {"nrmse", "mc", "accuracy"};
    char cap[256] = "";
    for (int i = 0; i < 3; i++) {
        double v, vt;
        int st = metric(met, score_names[i], &v);
        if (!st)
            st = metric(met, i == 0 ? "nrmse_train" : i == 1 ? "mc_train" : "accuracy_train", &vt);
        if (st) {
            hr_plot_fig_destroy(f);
            return st;
        }
        if (isfinite(v)) {
            snprintf(cap, sizeof cap, "%s: %.4g on held-out rows, %.4g on training rows.",
                     score_names[i], v, vt);
            break;
        }
    }
    if (cap[0])
        hr_plot_fig_caption(f, cap);
    int n = ro->nrows, st = HR_OK;
    double *xs = malloc((size_t)n * sizeof *xs + 8), *ys = malloc((size_t)n * sizeof *ys + 8);
    double *zs = malloc((size_t)n * sizeof *zs + 8);
    if (!xs || !ys || !zs) {
        st = HR_ERROR(HR_ENOMEM, "out of memory");
        goto out;
    }
    hr_plot_axes *a = hr_plot_panel(f, 0);
    hr_plot_title(a, "prediction against target");
    hr_plot_xlabel(a, "target");
    hr_plot_ylabel(a, "prediction");
    hr_plot_grid(a, 1);
    double lo = INFINITY, hi = -INFINITY;
    for (int set = 1; set >= 0 && !st; set--) {
        int k = 0;
        for (int r = 0; r < n; r++)
            if (ro->train[r] == set) {
                xs[k] = ro->target[r], ys[k] = ro->pred[r], k++;
                if (isfinite(ro->target[r]))
                    lo = fmin(lo, ro->target[r]), hi = fmax(hi, ro->target[r]);
            }
        hr_plot_style s = hr_plot_style_default();
        s.width = 0;
        s.marker = set ? HR_MARK_CIRCLE : HR_MARK_TRIANGLE;
        s.marker_size = n > 300 ? 2.5 : 4.5;
        s.alpha = 0.8;
        s.color = hr_plot_cycle(set ? 0 : 1);
        s.label = set ? "training rows" : "held-out rows";
        if (k)
            st = hr_plot_line(a, k, xs, ys, &s);
    }
    if (!st && lo < hi) {
        double dx[2] = {lo, hi};
        hr_plot_style d = hr_plot_style_default();
        d.color = (hr_rgb){0.3, 0.3, 0.3};
        d.width = 0.8;
        d.dash = 1;
        d.label = "prediction = target";
        st = hr_plot_line(a, 2, dx, dx, &d);
    }
    hr_plot_axes *b = hr_plot_panel(f, 1);
    hr_plot_grid(b, 1);
    if (!st && stream) {
        /* The held-out stretch (at most 200 rows) against the row index. */
        int r0 = ro->ntrain, k = 0;
        for (int r = r0; r < n && k < 200; r++, k++)
            xs[k] = r, ys[k] = ro->target[r], zs[k] = ro->pred[r];
        hr_plot_title(b, k < n - r0 ? "held-out rows (first 200)" : "held-out rows");
        hr_plot_xlabel(b, "row (time step)");
        hr_plot_ylabel(b, "output");
        hr_plot_style s = hr_plot_style_default();
        s.color = (hr_rgb){0.15, 0.15, 0.15};
        s.width = 1.1;
        s.label = "target";
        st = hr_plot_line(b, k, xs, ys, &s);
        s.color = hr_plot_cycle(1);
        s.label = "prediction";
        if (!st)
            st = hr_plot_line(b, k, xs, zs, &s);
    } else if (!st) {
        hr_plot_title(b, "against the input");
        hr_plot_xlabel(b, "input0");
        hr_plot_ylabel(b, "output");
        for (int set = 1; set >= 0 && !st; set--) {
            int k = 0;
            for (int r = 0; r < n; r++)
                if (ro->train[r] == set && ro->nin > 0)
                    xs[k] = ro->in[(size_t)r * ro->nin], ys[k] = ro->target[r], zs[k] = ro->pred[r], k++;
            hr_plot_style s = hr_plot_style_default();
            s.width = 0;
            s.marker = set ? HR_MARK_CIRCLE : HR_MARK_TRIANGLE;
            s.marker_size = 4.5;
            s.color = hr_plot_cycle(set ? 0 : 1);
            s.label = set ? "prediction (training)" : "prediction (held-out)";
            if (k)
                st = hr_plot_line(b, k, xs, zs, &s);
            hr_plot_style tg = hr_plot_style_default();
            tg.width = 0;
            tg.marker = HR_MARK_PLUS;
            tg.marker_size = 5;
            tg.color = (hr_rgb){0.1, 0.1, 0.1};
            tg.label = set ? "target" : NULL;
            if (k && !st)
                st = hr_plot_line(b, k, xs, ys, &tg);
        }
    }
out:
    free(xs);
    free(ys);
    free(zs);
    if (st) {
        hr_plot_fig_destroy(f);
        return st;
    }
    return emit(c, f, "prediction");
}

static int plot_run(ctx *c)
{
    hr_pconf *pc = NULL;
    hr_csv *met = NULL;
    readout ro = {0};
    hr__plot_task task;
    memset(&task, 0, sizeof task);
    int st = load_conf(c, "config.xml", &pc);
    if (!st)
        st = load_metrics(c, &met);
    if (!st)
        st = load_readout(c, &ro);
    if (!st && exists(c->dir, "traces.csv")) {
        char cfg[1200];
        in_dir(c->dir, "config.xml", cfg, sizeof cfg);
        int have = hr__plot_task_load(cfg, &task, NULL) == HR_OK;
        hr_error_clear();
        st = fig_traces(c, pc, &task, have, &ro);
    }
    if (!st)
        st = fig_readout(c, pc, &ro, met);
    double acc = NAN;
    if (!st)
        st = metric(met, "accuracy", &acc);
    if (!st && isnan(acc) && hr_csv_col(met, "name") >= 0)
        st = fig_prediction(c, pc, &ro, met);
    hr__plot_task_free(&task);
    readout_free(&ro);
    hr_csv_free(met);
    hr_pconf_free(pc);
    return st;
}

/* ---- Tank surfaces ---- */

typedef struct tank_geom {
    double lx, ly;              /* size (m) */
    int nm, np;                 /* makers, probes */
    double mx[64], my[64];      /* maker centres */
    double px[MAXP], py[MAXP];  /* probes */
    int have;                   /* read from a config */
} tank_geom;

static void tank_geom_read(const hr_pconf *pc, int nx, int ny, tank_geom *g)
{
    memset(g, 0, sizeof *g);
    g->lx = nx, g->ly = ny; /* cells, without a config */
    if (!pc)
        return;
    int n1, n2;
    double myv[64], pyv[MAXP];
    if (hr_pconf_num(pc, "substrate", "lx", 1.0, &g->lx) ||
        hr_pconf_num(pc, "substrate", "ly", 0.5, &g->ly) ||
        hr_pconf_list(pc, "substrate", "maker_x", g->mx, 64, &g->nm) ||
        hr_pconf_list(pc, "substrate", "maker_y", myv, 64, &n1) ||
        hr_pconf_list(pc, "substrate", "probe_x", g->px, MAXP, &g->np) ||
        hr_pconf_list(pc, "substrate", "probe_y", pyv, MAXP, &n2)) {
        hr_error_clear();
        g->lx = nx, g->ly = ny, g->nm = g->np = 0;
        return;
    }
    for (int i = 0; i < g->nm; i++)
        g->my[i] = i < n1 ? myv[i] : 0.5 * g->ly;
    for (int i = 0; i < g->np; i++)
        g->py[i] = i < n2 ? pyv[i] : 0.5 * g->ly;
    g->have = 1;
}

/* One surface panel: a heatmap (2D) or a profile (1D). */
static int surface_panel(hr_plot_axes *a, const tank_geom *g, const double *field, int nx,
                         int ny, double vmax, const char *title, int cbar)
{
    int st;
    hr_plot_title(a, title);
    const char *u = g->have ? " (m)" : " (cells)";
    char xl[32], yl[32];
    snprintf(xl, sizeof xl, "x%s", u);
    snprintf(yl, sizeof yl, "y%s", u);
    hr_plot_xlabel(a, xl);
    hr_plot_legend(a, HR_LEGEND_NONE);
    if (ny == 1) {
        double *x = malloc((size_t)nx * sizeof *x);
        if (!x)
            return HR_ERROR(HR_ENOMEM, "out of memory");
        for (int i = 0; i < nx; i++)
            x[i] = (i + 0.5) * g->lx / nx;
        hr_plot_ylabel(a, "surface elevation (m)");
        hr_plot_ylim(a, -vmax * 1.05, vmax * 1.05);
        hr_plot_xlim(a, 0, g->lx);
        hr_plot_grid(a, 1);
        hr_plot_style s = hr_plot_style_default();
        s.width = 1.2;
        st = hr_plot_line(a, nx, x, field, &s);
        free(x);
        for (int i = 0; i < g->nm && !st; i++) {
            hr_plot_style d = hr_plot_style_default();
            d.color = (hr_rgb){0, 0, 0};
            d.width = 0.8;
            d.dash = 1;
            st = hr_plot_vline(a, g->mx[i], &d);
        }
        for (int i = 0; i < g->np && !st; i++) {
            hr_plot_style d = hr_plot_style_default();
            d.color = hr_plot_cycle(3);
            d.width = 0.8;
            d.dash = 2;
            st = hr_plot_vline(a, g->px[i], &d);
        }
        return st;
    }
    hr_plot_ylabel(a, yl);
    hr_plot_equal_aspect(a, 1);
    st = hr_plot_heatmap(a, nx, ny, field, 0, g->lx, 0, g->ly, HR_CMAP_COOLWARM, -vmax, vmax,
                         cbar ? "surface elevation (m)" : NULL);
    if (!st && g->nm) {
        hr_plot_style m = hr_plot_style_default();
        m.width = 0;
        m.marker = HR_MARK_CROSS;
        m.marker_size = 7;
        m.color = (hr_rgb){0, 0, 0};
        m.label = "wave makers";
        st = hr_plot_line(a, g->nm, g->mx, g->my, &m);
    }
    if (!st && g->np) {
        hr_plot_style m = hr_plot_style_default();
        m.width = 0;
        m.marker = HR_MARK_CIRCLE;
        m.marker_size = 5.5;
        m.marker_open = 1;
        m.color = (hr_rgb){0, 0, 0};
        m.label = "probes";
        st = hr_plot_line(a, g->np, g->px, g->py, &m);
    }
    return st;
}

int hr__plot_surface_fig(const char *config, const char *title, const char *caption,
                         const double *field, int nx, int ny, double vmax, double wpt,
                         double hpt, hr_plot_fig **out)
{
    *out = NULL;
    if (!(vmax > 0) || !isfinite(vmax) || nx < 1 || ny < 1)
        return HR_ERROR(HR_EINVAL, "surface of %d x %d cells, colour range %g (allowed: > 0)", nx,
                        ny, vmax);
    hr_pconf *pc = NULL;
    if (config && hr_pconf_load(config, &pc))
        hr_error_clear(); /* drawn without makers and probes */
    tank_geom g;
    tank_geom_read(pc, nx, ny, &g);
    hr_pconf_free(pc);
    hr_plot_fig *f = hr_plot_fig_create(1, 1, wpt, hpt);
    if (!f)
        return HR_EINVAL;
    char cap[256];
    snprintf(cap, sizeof cap, "%s%s%s", caption ? caption : "",
             caption && caption[0] ? "  " : "",
             g.have ? (ny > 1 ? "\xc3\x97 wave makers, \xe2\x97\x8b probes."
                              : "dashed: wave makers, dotted: probes.") : "");
    hr_plot_fig_caption(f, cap);
    int st = surface_panel(hr_plot_panel(f, 0), &g, field, nx, ny, vmax, title, 1);
    if (st) {
        hr_plot_fig_destroy(f);
        return st;
    }
    *out = f;
    return HR_OK;
}

int hr_plot_snapshot_png(const char *config, int run, const double *field, int nx, int ny,
                         double vmax, const char *path)
{
    hr__plot_task task;
    char pat[128] = "", title[192], cap[160];
    if (config && hr__plot_task_load(config, &task, NULL) == HR_OK) {
        hr__plot_pattern(&task, run, pat, sizeof pat);
        hr__plot_task_free(&task);
    }
    hr_error_clear();
    snprintf(title, sizeof title, "surface at the end of run %d%s%s", run, pat[0] ? ": " : "", pat);
    char vm[64];
    fmt_sci(vm, sizeof vm, vmax);
    snprintf(cap, sizeof cap, "Colours over \xc2\xb1%s m, shared by every snapshot of the run's "
             "folder.", vm);
    hr_plot_fig *f;
    int st = hr__plot_surface_fig(config, title, cap, field, nx, ny, vmax, 6.4 * IN,
                                  (ny > 1 ? 4.0 : 3.2) * IN, &f);
    if (st)
        return st;
    st = hr_plot_fig_write(f, path, HR_PLOT_PNG, 100);
    hr_plot_fig_destroy(f);
    return st;
}

typedef struct snap {
    int run;        /* K of snapshot_runK.csv */
    int nx, ny;     /* grid */
    double *z;      /* ny * nx */
} snap;

static int cmp_snap(const void *a, const void *b)
{
    return ((const snap *)a)->run - ((const snap *)b)->run;
}

/* Reads every snapshot_runK.csv of the folder (sorted by K). */
static int load_snaps(const ctx *c, snap **out, int *n)
{
    *out = NULL, *n = 0;
    DIR *d = opendir(c->dir);
    if (!d)
        return HR_ERROR(HR_EIO, "%s: cannot open the folder: %s", c->dir, strerror(errno));
    int cap = 0, st = HR_OK;
    snap *s = NULL;
    struct dirent *de;
    while ((de = readdir(d)) && !st) {
        int k, used = 0;
        if (sscanf(de->d_name, "snapshot_run%d.csv%n", &k, &used) != 1 || de->d_name[used] || k < 0)
            continue;
        if (*n == cap) {
            cap = cap ? 2 * cap : 16;
            snap *p = realloc(s, (size_t)cap * sizeof *p);
            if (!p) {
                st = HR_ERROR(HR_ENOMEM, "out of memory");
                break;
            }
            s = p;
        }
        hr_csv *t;
        char p[1200];
        in_dir(c->dir, de->d_name, p, sizeof p);
        if ((st = hr_csv_read(p, 0, &t)))
            break;
        snap *x = &s[*n];
        x->run = k, x->nx = t->ncols, x->ny = t->nrows;
        x->z = malloc((size_t)t->ncols * (size_t)t->nrows * sizeof *x->z + 8);
        if (!x->z) {
            hr_csv_free(t);
            st = HR_ERROR(HR_ENOMEM, "out of memory");
            break;
        }
        for (int r = 0; r < t->nrows && !st; r++)
            for (int q = 0; q < t->ncols && !st; q++) {
                st = hr_csv_num(t, r, q, &x->z[(size_t)r * t->ncols + q]);
                if (!st && !isfinite(x->z[(size_t)r * t->ncols + q]))
                    st = HR_ERROR(HR_EPARSE, "%s:%d: field %d is not a finite elevation (allowed: "
                                  "a number)", p, t->line[r], q + 1);
            }
        hr_csv_free(t);
        (*n)++;
        if (!st && (x->nx != s[0].nx || x->ny != s[0].ny))
            st = HR_ERROR(HR_EPARSE, "%s: %d x %d cells, but snapshot_run%d.csv has %d x %d "
                          "(allowed: one grid per folder)", p, x->nx, x->ny, s[0].run, s[0].nx,
                          s[0].ny);
    }
    closedir(d);
    if (st) {
        for (int i = 0; i < *n; i++)
            free(s[i].z);
        free(s);
        *n = 0;
        return st;
    }
    if (*n)
        qsort(s, (size_t)*n, sizeof *s, cmp_snap);
    *out = s;
    return HR_OK;
}

static int fig_snapshots(ctx *c, const hr_pconf *pc, const hr__plot_task *task, int have_task)
{
    snap *s;
    int n, st = load_snaps(c, &s, &n);
    if (st || n == 0)
        return st;
    double vmax = 0;
    for (int i = 0; i < n; i++)
        for (size_t k = 0; k < (size_t)s[i].nx * s[i].ny; k++)
            vmax = fmax(vmax, fabs(s[i].z[k]));
    if (!(vmax > 0))
        vmax = 1e-6;
    tank_geom g;
    tank_geom_read(pc, s[0].nx, s[0].ny, &g);
    int shown = n > 6 ? 6 : n;
    int oned = s[0].ny == 1;
    int cols = oned ? 1 : shown > 1 ? 2 : 1, rows = oned ? 1 : (shown + cols - 1) / cols;
    double aspect = g.ly / g.lx;
    double box_w = (cols > 1 ? 4.5 : 6.4) - 1.7; /* panel width less labels and colour bar */
    double def_h = oned ? 3.6 : 1.1 + rows * (box_w * aspect + 0.8);
    hr_plot_fig *f = hr_plot_fig_create(rows, cols, fig_w(c, cols > 1 ? 9 : 6.4), fig_h(c, def_h));
    if (!f) {
        st = HR_EINVAL;
        goto out;
    }
    char title[256], cap[1024];
    title_of(pc, "tank surface at the end of each run", title, sizeof title);
    hr_plot_fig_title(f, title);
    char vm[64];
    fmt_sci(vm, sizeof vm, vmax);
    size_t o = (size_t)snprintf(cap, sizeof cap, "Colours over \xc2\xb1%s m, shared by all %d "
                                "snapshots of the folder%s.%s\n", vm, n,
                                shown < n ? " (the first 6 shown)" : "",
                                g.have && !oned ? "  \xc3\x97 wave makers, \xe2\x97\x8b probes." : "");
    for (int i = 0; i < shown && o + 40 < sizeof cap; i++) {
        char pat[96] = "";
        if (have_task)
            hr__plot_pattern(task, s[i].run, pat, sizeof pat);
        if (pat[0])
            o += (size_t)snprintf(cap + o, sizeof cap - o, "%srun %d: %s", i ? ";  " : "",
                                  s[i].run, pat);
    }
    hr_plot_fig_caption(f, cap);
    for (int i = 0; i < shown && !st; i++) {
        char t[128], pat[96] = "";
        if (have_task)
            hr__plot_pattern(task, s[i].run, pat, sizeof pat);
        snprintf(t, sizeof t, "run %d%s%s", s[i].run, pat[0] ? ": " : "", pat);
        if (oned) {
            hr_plot_axes *a = hr_plot_panel(f, 0);
            if (i == 0)
                st = surface_panel(a, &g, s[i].z, s[i].nx, 1, vmax, "surface at the end of each run",
                                   0);
            else {
                double *x = malloc((size_t)s[i].nx * sizeof *x);
                if (!x) {
                    st = HR_ERROR(HR_ENOMEM, "out of memory");
                    break;
                }
                for (int k = 0; k < s[i].nx; k++)
                    x[k] = (k + 0.5) * g.lx / s[i].nx;
                hr_plot_style ls = hr_plot_style_default();
                ls.color = hr_plot_cycle(i);
                ls.width = 1.2;
                st = hr_plot_line(a, s[i].nx, x, s[i].z, &ls);
                free(x);
            }
            continue;
        }
        st = surface_panel(hr_plot_panel(f, i), &g, s[i].z, s[i].nx, s[i].ny, vmax, t, 1);
    }
    if (!st)
        st = emit(c, f, "snapshots");
    else
        hr_plot_fig_destroy(f);
out:
    for (int i = 0; i < n; i++)
        free(s[i].z);
    free(s);
    return st;
}

static int plot_simulate(ctx *c)
{
    hr_pconf *pc = NULL;
    int st = load_conf(c, "config.xml", &pc);
    if (st)
        return st;
    char cfg[1200];
    in_dir(c->dir, "config.xml", cfg, sizeof cfg);
    hr__plot_task task;
    int have = hr__plot_task_load(cfg, &task, NULL) == HR_OK;
    hr_error_clear();
    st = fig_traces(c, pc, &task, have, NULL);
    if (!st)
        st = fig_snapshots(c, pc, &task, have);
    if (have)
        hr__plot_task_free(&task);
    hr_pconf_free(pc);
    return st;
}

/* A recording's folder: its traces, drawn as a run's (the runs are the
 * experiment's stimuli in the order run sends them). */
static int plot_record(ctx *c)
{
    hr_pconf *pc = NULL;
    int st = load_conf(c, "config.xml", &pc);
    if (st)
        return st;
    char cfg[1200];
    in_dir(c->dir, "config.xml", cfg, sizeof cfg);
    hr__plot_task task;
    int have = hr__plot_task_load(cfg, &task, NULL) == HR_OK;
    hr_error_clear();
    st = fig_traces(c, pc, &task, have, NULL);
    if (have)
        hr__plot_task_free(&task);
    hr_pconf_free(pc);
    return st;
}

/* A design's folder (hydrores design): the readout times each method chose,
 * one row per method, labelled with its log|det X| and its seconds;
 * markers coloured by probe when the design chose probes too. */
static int plot_design(ctx *c)
{
    hr_pconf *pc = NULL;
    hr_csv *t = NULL;
    hr_plot_fig *f = NULL;
    char (*labels)[160] = NULL;
    const char **lp = NULL;
    int st = load_conf(c, "config.xml", &pc);
    if (!st)
        st = load_csv(c, "design.csv", &t);
    if (st)
        goto out;
    static const char *const mn[] = {"method", NULL}, *const sn[] = {"status", NULL},
                             *const ln[] = {"logdet_x", NULL}, *const tn[] = {"times", NULL},
                             *const en[] = {"seconds", NULL};
    int cm, cs, cl, ct, ce, cp = hr_csv_col(t, "probes");
    if ((st = hr_csv_need(t, mn, &cm)) || (st = hr_csv_need(t, sn, &cs)) ||
        (st = hr_csv_need(t, ln, &cl)) || (st = hr_csv_need(t, tn, &ct)) ||
        (st = hr_csv_need(t, en, &ce)))
        goto out;
    int n = t->nrows;
    if (n > 64) {
        st = HR_ERROR(HR_EPARSE, "%s: %d methods (allowed: up to 64)", t->name, n);
        goto out;
    }
    labels = malloc((size_t)n * sizeof *labels);
    lp = malloc((size_t)n * sizeof *lp);
    f = hr_plot_fig_create(1, 1, fig_w(c, 6.4), fig_h(c, 1.6 + 0.35 * n));
    if (!labels || !lp || !f) {
        st = f ? HR_ERROR(HR_ENOMEM, "out of memory") : HR_EINVAL;
        goto out;
    }
    const char *tlabel, *ylabel, *unit;
    units_of(hr_pconf_kind(pc, "substrate"), &tlabel, &ylabel, &unit);
    char title[256];
    title_of(pc, "readout times by D-optimal design", title, sizeof title);
    hr_plot_fig_title(f, title);
    hr_plot_fig_caption(f, "One row per method: the readout times it chose (colour: the probe "
                           "read), its log|det X| and its own seconds (after one simulation "
                           "pass). Dashed: the times of config.xml (hand-selected).");
    hr_plot_axes *a = hr_plot_panel(f, 0);
    hr_plot_xlabel(a, tlabel);
    hr_plot_legend(a, HR_LEGEND_NONE);
    double hand[256];
    int nhand = 0;
    if ((st = hr_pconf_list(pc, "readout", "t", hand, 256, &nhand)))
        goto out;
    hr_plot_style hs = hr_plot_style_default();
    hs.color = (hr_rgb){0.55, 0.55, 0.55};
    hs.width = 0.8;
    hs.dash = 1;
    for (int i = 0; i < nhand && !st; i++)
        st = hr_plot_vline(a, hand[i], &hs);
    int drawn = 0;
    for (int r = 0; r < n && !st; r++) {
        int y = n - 1 - r; /* the first method at the top */
        const char *status = hr_csv_text(t, r, cs);
        double ld, sec;
        if ((st = hr_csv_num(t, r, cl, &ld)) || (st = hr_csv_num(t, r, ce, &sec)))
            break;
        if (strcmp(status, "ok") == 0 && isfinite(ld))
            snprintf(labels[y], sizeof labels[y], "%.24s  %.4g (%.2g s)", hr_csv_text(t, r, cm),
                     ld, sec);
        else
            snprintf(labels[y], sizeof labels[y], "%.24s  (%.40s)", hr_csv_text(t, r, cm),
                     status);
        lp[y] = labels[y];
        double tv[256], pv[256];
        int nt = 0, np = 0;
        for (const char *q = hr_csv_text(t, r, ct); *q && nt < 256;) {
            char *e;
            double v = strtod(q, &e);
            if (e == q) {
                st = HR_ERROR(HR_EPARSE, "%s:%d: times '%.40s' (allowed: numbers separated by "
                              "spaces)", t->name, t->line[r], hr_csv_text(t, r, ct));
                break;
            }
            tv[nt++] = v;
            q = e + strspn(e, " ");
        }
        if (cp >= 0)
            for (const char *q = hr_csv_text(t, r, cp); *q && np < 256;) {
                char *e;
                double v = strtod(q, &e);
                if (e == q)
                    break;
                pv[np++] = v;
                q = e + strspn(e, " ");
            }
        for (int i = 0; i < nt && !st; i++) {
            hr_plot_style m = hr_plot_style_default();
            m.width = 0;
            m.marker = HR_MARK_CIRCLE;
            m.marker_size = 6;
            int probe = np == nt && pv[i] >= 0 && pv[i] < 64 ? (int)pv[i] : 0;
            m.color = hr_plot_cycle(probe);
            double yy = y;
            st = hr_plot_line(a, 1, &tv[i], &yy, &m);
            drawn++;
        }
    }
    if (!st)
        st = hr_plot_ycategories(a, n, lp);
    if (!st && drawn == 0)
        st = HR_ERROR(HR_EPARSE, "%s: no method chose any times", t->name);
    if (!st) {
        st = emit(c, f, "design");
        f = NULL;
    }
out:
    hr_plot_fig_destroy(f);
    free(labels);
    free(lp);
    hr_csv_free(t);
    hr_pconf_free(pc);
    return st;
}

/* ---- Evolve folders ---- */

static const char *fitness_kind(const hr_pconf *pc)
{
    const char *k = hr_pconf_kind(pc, "fitness");
    return k[0] ? k : "logdet";
}

static int fig_fitness(ctx *c, const hr_pconf *pc)
{
    hr_csv *g = NULL, *sum = NULL;
    int st = load_csv(c, "generations.csv", &g);
    if (st)
        return st;
    static const char *const ce[] = {"evaluations", NULL}, *const cb[] = {"best", NULL},
                             *const cm[] = {"mean", NULL}, *const cbe[] = {"best_ever", NULL};
    int ie, ib, im, ibe;
    hr_plot_fig *f = NULL;
    size_t n = (size_t)g->nrows;
    double *ev = malloc((n + 1) * sizeof *ev), *best = malloc((n + 1) * sizeof *best),
           *mean = malloc((n + 1) * sizeof *mean), *be = malloc((n + 1) * sizeof *be);
    if (!ev || !best || !mean || !be) {
        st = HR_ERROR(HR_ENOMEM, "out of memory");
        goto out;
    }
    if ((st = hr_csv_need(g, ce, &ie)) || (st = hr_csv_need(g, cb, &ib)) ||
        (st = hr_csv_need(g, cm, &im)) || (st = hr_csv_need(g, cbe, &ibe)) ||
        (st = hr_csv_column(g, ie, ev)) || (st = hr_csv_column(g, ib, best)) ||
        (st = hr_csv_column(g, im, mean)) || (st = hr_csv_column(g, ibe, be)))
        goto out;
    double hand = NAN;
    if (exists(c->dir, "summary.csv")) {
        if ((st = load_csv(c, "summary.csv", &sum)))
            goto out;
        static const char *const cn[] = {"name", NULL}, *const ch[] = {"hand_selected", NULL};
        int a, b;
        if ((st = hr_csv_need(sum, cn, &a)) || (st = hr_csv_need(sum, ch, &b)))
            goto out;
        for (int r = 0; r < sum->nrows; r++)
            if (strcmp(hr_csv_text(sum, r, a), "fitness") == 0 &&
                (st = hr_csv_num(sum, r, b, &hand)))
                goto out;
    }
    char fkb[64];
    snprintf(fkb, sizeof fkb, "%s", fitness_kind(pc));
    const char *fk = fkb;
    int islog = strcmp(fk, "logdet") == 0 || strcmp(fk, "logdet_gram") == 0;
    int logaxis = islog || strcmp(fk, "det_abs") == 0;
    if (islog) { /* exp of log|det X|, unless it would overflow */
        double amax = 0;
        for (size_t i = 0; i < n; i++)
            if (isfinite(be[i]))
                amax = fmax(amax, fmax(fabs(be[i]), fabs(best[i])));
        if (amax > 700)
            logaxis = 0;
        else {
            for (size_t i = 0; i < n; i++)
                best[i] = exp(best[i]), mean[i] = exp(mean[i]), be[i] = exp(be[i]);
            hand = exp(hand);
        }
    }
    const char *yl = strcmp(fk, "logdet_gram") == 0
                         ? (logaxis ? "det(X^{T}X + \xce\xbbI)" : "log det(X^{T}X + \xce\xbbI)")
                     : strcmp(fk, "logdet") == 0 || strcmp(fk, "det_abs") == 0
                         ? (logaxis ? "|det X|" : "log|det X|")
                         : "fitness";
    f = hr_plot_fig_create(1, 1, fig_w(c, 6.4), fig_h(c, 4.4));
    if (!f) {
        st = HR_EINVAL;
        goto out;
    }
    char title[256], cap[256];
    title_of(pc, "fitness against evaluations", title, sizeof title);
    hr_plot_fig_title(f, title);
    char ek[64];
    snprintf(ek, sizeof ek, "%s", hr_pconf_kind(pc, "evolve"));
    int me = strcmp(ek, "map-elites") == 0;
    snprintf(cap, sizeof cap, "%s, %s fitness; %s: the %s of each %s.", ek[0] ? ek : "evolution",
             fk, islog && logaxis ? "geometric mean" : "mean", islog && logaxis ? "exp of the mean log" : "mean",
             me ? "batch" : "generation");
    hr_plot_fig_caption(f, cap);
    hr_plot_axes *a = hr_plot_panel(f, 0);
    hr_plot_ylog(a, logaxis);
    hr_plot_xlabel(a, "evaluations");
    hr_plot_ylabel(a, yl);
    hr_plot_grid(a, 1);
    hr_plot_style s = hr_plot_style_default();
    s.width = 2;
    s.label = "best so far";
    st = hr_plot_line(a, (int)n, ev, be, &s);
    s.width = 1;
    s.alpha = 0.55;
    s.marker = HR_MARK_CIRCLE;
    s.marker_size = 3;
    s.label = me ? "best of batch" : "best of generation";
    if (!st)
        st = hr_plot_line(a, (int)n, ev, best, &s);
    s = hr_plot_style_default();
    s.color = hr_plot_cycle(1);
    s.width = 1.2;
    s.label = islog && logaxis ? "geometric mean" : "mean";
    if (!st)
        st = hr_plot_line(a, (int)n, ev, mean, &s);
    if (!st && isfinite(hand) && (!logaxis || hand > 0)) {
        hr_plot_style h = hr_plot_style_default();
        h.color = (hr_rgb){0.1, 0.1, 0.1};
        h.width = 1.2;
        h.dash = 1;
        h.label = "hand-selected";
        st = hr_plot_hline(a, hand, &h);
    }
out:
    free(ev);
    free(best);
    free(mean);
    free(be);
    hr_csv_free(g);
    hr_csv_free(sum);
    if (st) {
        hr_plot_fig_destroy(f);
        return st;
    }
    return emit(c, f, "fitness");
}

static int fig_archive(ctx *c, const hr_pconf *pc)
{
    hr_csv *t;
    int st = load_csv(c, "archive.csv", &t);
    if (st)
        return st;
    int ib0 = hr_csv_col(t, "bin_0"), ib1 = hr_csv_col(t, "bin_1"), ifit = hr_csv_col(t, "fitness");
    int id0 = hr_csv_col(t, "desc_0"), id1 = hr_csv_col(t, "desc_1");
    if (ib0 < 0 || ib1 < 0) { /* a GA population: no map */
        hr_csv_free(t);
        return HR_OK;
    }
    static const char *const cf[] = {"fitness", NULL};
    if ((st = hr_csv_need(t, cf, &ifit))) {
        hr_csv_free(t);
        return st;
    }
    double bins, lo, hi;
    if ((st = hr_pconf_num(pc, "evolve", "bins", 50, &bins)) ||
        (st = hr_pconf_num(pc, "evolve", "lo", 0, &lo)) ||
        (st = hr_pconf_num(pc, "evolve", "hi", 1, &hi))) {
        hr_csv_free(t);
        return st;
    }
    if (!(bins >= 1 && bins <= 10000) || !(hi > lo)) {
        hr_csv_free(t);
        return HR_ERROR(HR_EPARSE, "%s/config.xml: evolve bins %g over [%g, %g] (allowed: 1 .. "
                        "10000 bins, lo < hi)", c->dir, bins, lo, hi);
    }
    int nb = (int)bins;
    double *z = malloc((size_t)nb * nb * sizeof *z);
    if (!z) {
        hr_csv_free(t);
        return HR_ERROR(HR_ENOMEM, "out of memory");
    }
    for (int i = 0; i < nb * nb; i++)
        z[i] = NAN;
    double fmin_ = INFINITY, fmax_ = -INFINITY, bd0 = NAN, bd1 = NAN;
    int filled = 0;
    for (int r = 0; r < t->nrows && !st; r++) {
        double b0, b1, fit, d0 = NAN, d1 = NAN;
        if ((st = hr_csv_num(t, r, ib0, &b0)) || (st = hr_csv_num(t, r, ib1, &b1)) ||
            (st = hr_csv_num(t, r, ifit, &fit)) || (id0 >= 0 && (st = hr_csv_num(t, r, id0, &d0))) ||
            (id1 >= 0 && (st = hr_csv_num(t, r, id1, &d1))))
            break;
        if (!(b0 >= 0 && b0 < nb && b1 >= 0 && b1 < nb) || b0 != floor(b0) || b1 != floor(b1)) {
            st = HR_ERROR(HR_EPARSE, "%s:%d: cell (%g, %g) is outside the %d x %d grid of "
                          "config.xml (allowed: bins 0 .. %d)", t->name, t->line[r], b0, b1, nb, nb,
                          nb - 1);
            break;
        }
        if (!isfinite(fit))
            continue;
        if (isnan(z[(int)b1 * nb + (int)b0]))
            filled++;
        z[(int)b1 * nb + (int)b0] = fit;
        if (fit > fmax_)
            bd0 = isfinite(d0) ? d0 : lo + (b0 + 0.5) * (hi - lo) / nb,
            bd1 = isfinite(d1) ? d1 : lo + (b1 + 0.5) * (hi - lo) / nb;
        fmin_ = fmin(fmin_, fit), fmax_ = fmax(fmax_, fit);
    }
    hr_csv_free(t);
    if (st) {
        free(z);
        return st;
    }
    if (!(fmin_ <= fmax_))
        fmin_ = 0, fmax_ = 1;
    if (!(fmax_ > fmin_))
        fmax_ = fmin_ + 1;
    /* Axis labels from the descriptor settings. */
    char dk[32], names[512] = "";
    hr_pconf_str(pc, "evolve", "descriptor", dk, sizeof dk);
    hr_pconf_gene genes[HR_PCONF_MAX_GENES];
    int ng = 0, ndg = 0;
    double dg[HR_PCONF_MAX_GENES];
    if ((st = hr_pconf_genes(pc, genes, HR_PCONF_MAX_GENES, &ng)) ||
        (st = hr_pconf_list(pc, "evolve", "descriptor_genes", dg, HR_PCONF_MAX_GENES, &ndg))) {
        free(z);
        return st;
    }
    size_t o = 0;
    if (strcmp(dk, "amplitudes") == 0)
        snprintf(names, sizeof names, "encoded amplitudes");
    else {
        o += (size_t)snprintf(names, sizeof names, "genes ");
        int nlist = ndg ? ndg : ng;
        for (int i = 0; i < nlist && o + 40 < sizeof names; i++) {
            int gi = ndg ? (int)dg[i] : i;
            o += (size_t)snprintf(names + o, sizeof names - o, "%s%s", i ? ", " : "",
                                  gi >= 0 && gi < ng ? genes[gi].name : "?");
        }
    }
    char fkb[64];
    snprintf(fkb, sizeof fkb, "%s", fitness_kind(pc));
    const char *fk = fkb;
    const char *cbl = strcmp(fk, "logdet") == 0 ? "log|det X|"
                      : strcmp(fk, "logdet_gram") == 0 ? "log det(X^{T}X + \xce\xbbI)"
                      : strcmp(fk, "det_abs") == 0 ? "|det X|" : "fitness";
    hr_plot_fig *f = hr_plot_fig_create(1, 1, fig_w(c, 6.4), fig_h(c, 5.2));
    if (!f) {
        free(z);
        return HR_EINVAL;
    }
    char title[256], xl[600], yl[600], cap[256];
    title_of(pc, "MAP-Elites archive", title, sizeof title);
    hr_plot_fig_title(f, title);
    snprintf(cap, sizeof cap, "%d of %d cells filled (%.1f%%); best %s = %.4g (circled).", filled,
             nb * nb, 100.0 * filled / (nb * nb), cbl, fmax_);
    hr_plot_fig_caption(f, cap);
    snprintf(xl, sizeof xl, "mean of %s", names);
    snprintf(yl, sizeof yl, "standard deviation of %s", names);
    hr_plot_axes *a = hr_plot_panel(f, 0);
    hr_plot_xlabel(a, xl);
    hr_plot_ylabel(a, yl);
    hr_plot_equal_aspect(a, 1);
    hr_plot_legend(a, HR_LEGEND_NONE);
    st = hr_plot_heatmap(a, nb, nb, z, lo, hi, lo, hi, HR_CMAP_VIRIDIS, fmin_, fmax_, cbl);
    free(z);
    if (!st && isfinite(bd0) && isfinite(bd1)) {
        hr_plot_style m = hr_plot_style_default();
        m.width = 0;
        m.marker = HR_MARK_CIRCLE;
        m.marker_open = 1;
        m.marker_size = 9;
        m.color = hr_plot_cycle(3);
        st = hr_plot_line(a, 1, &bd0, &bd1, &m);
    }
    if (st) {
        hr_plot_fig_destroy(f);
        return st;
    }
    return emit(c, f, "archive");
}

static int fig_genes(ctx *c, const hr_pconf *pc)
{
    hr_pconf *best = NULL;
    int st = load_conf(c, "best.xml", &best);
    if (st)
        return st;
    hr_pconf_gene *g = malloc(HR_PCONF_MAX_GENES * sizeof *g);
    char (*labels)[192] = malloc(HR_PCONF_MAX_GENES * sizeof *labels);
    const char **lp = malloc(HR_PCONF_MAX_GENES * sizeof *lp);
    hr_plot_fig *f = NULL;
    int n = 0;
    if (!g || !labels || !lp) {
        st = HR_ERROR(HR_ENOMEM, "out of memory");
        goto out;
    }
    if ((st = hr_pconf_genes(best, g, HR_PCONF_MAX_GENES, &n)))
        goto out;
    if (n == 0)
        goto out;
    f = hr_plot_fig_create(1, 1, fig_w(c, 6.4), fig_h(c, 1.3 + 0.24 * n));
    if (!f) {
        st = HR_EINVAL;
        goto out;
    }
    char title[256];
    title_of(pc, "genes of the best individual", title, sizeof title);
    hr_plot_fig_title(f, title);
    hr_plot_fig_caption(f, "Bars: each gene's range [lo, hi] as g = 0 .. 1. Filled: the best "
                           "genome, with its target value. Open: the setting of config.xml "
                           "(hand-selected).");
    hr_plot_axes *a = hr_plot_panel(f, 0);
    /* The first gene at the top. */
    for (int i = 0; i < n; i++) {
        char lo[32], hi[32];
        snprintf(lo, sizeof lo, "%.3g", g[n - 1 - i].lo);
        snprintf(hi, sizeof hi, "%.3g", g[n - 1 - i].hi);
        snprintf(labels[i], sizeof labels[i], "%s \xe2\x86\x92 %s  [%s, %s]", g[n - 1 - i].name,
                 g[n - 1 - i].target, lo, hi);
        lp[i] = labels[i];
    }
    if ((st = hr_plot_ycategories(a, n, lp)))
        goto out;
    hr_plot_xlim(a, -0.04, 1.04);
    hr_plot_xlabel(a, "gene value g (target = lo + (hi \xe2\x88\x92 lo) g)");
    hr_plot_legend(a, HR_LEGEND_NONE);
    for (int i = 0; i < n && !st; i++) {
        const hr_pconf_gene *x = &g[i];
        double y = n - 1 - i, bx[2] = {0, 1}, by[2] = {y, y};
        hr_plot_style bar = hr_plot_style_default();
        bar.color = (hr_rgb){0.86, 0.86, 0.86};
        bar.width = 5;
        st = hr_plot_line(a, 2, bx, by, &bar);
        double hand;
        if (!st)
            st = hr_pconf_target(pc, x->target, &hand);
        double gh = (hand - x->lo) / (x->hi - x->lo);
        char txt[64];
        if (!st && isfinite(gh) && gh >= -0.02 && gh <= 1.02) {
            hr_plot_style m = hr_plot_style_default();
            m.width = 0;
            m.marker = HR_MARK_DIAMOND;
            m.marker_open = 1;
            m.marker_size = 7;
            m.color = hr_plot_cycle(1);
            st = hr_plot_line(a, 1, &gh, &y, &m);
        }
        if (!st && isfinite(x->value)) {
            double gv = x->value;
            hr_plot_style m = hr_plot_style_default();
            m.width = 0;
            m.marker = HR_MARK_CIRCLE;
            m.marker_size = 6;
            st = hr_plot_line(a, 1, &gv, &y, &m);
            snprintf(txt, sizeof txt, "%.4g", x->lo + (x->hi - x->lo) * gv);
            if (!st)
                st = hr_plot_text(a, gv < 0.6 ? gv + 0.03 : gv - 0.03, y + 0.0, txt,
                                  gv < 0.6 ? HR_ANCHOR_LEFT : HR_ANCHOR_RIGHT, 7,
                                  (hr_rgb){0.1, 0.1, 0.1});
        }
    }
out:
    free(g);
    free(labels);
    free(lp);
    hr_pconf_free(best);
    if (st || !f) {
        hr_plot_fig_destroy(f);
        return st;
    }
    return emit(c, f, "genes");
}

static int plot_evolve(ctx *c)
{
    hr_pconf *pc = NULL;
    int st = load_conf(c, "config.xml", &pc);
    if (!st)
        st = fig_fitness(c, pc);
    if (!st && exists(c->dir, "archive.csv"))
        st = fig_archive(c, pc);
    if (!st && exists(c->dir, "best.xml"))
        st = fig_genes(c, pc);
    hr_pconf_free(pc);
    return st;
}

/* ---- Compare folders ---- */

typedef struct crow {
    const char *sub, *task, *score_name; /* texts (in the table) */
    double score, ops, bits, density;    /* numbers (NaN if absent) */
} crow;

static int lower_is_better(const char *name)
{
    return strstr(name, "nrmse") || strstr(name, "rmse") || strstr(name, "mse") ||
           strstr(name, "error") || strstr(name, "loss");
}

static int cmp_ops(const void *a, const void *b)
{
    const crow *x = *(const crow *const *)a, *y = *(const crow *const *)b;
    return x->ops < y->ops ? -1 : x->ops > y->ops;
}

/* Index of s in names[n], adding it if new. */
static int name_index(const char **names, int *n, int max, const char *s)
{
    for (int i = 0; i < *n; i++)
        if (strcmp(names[i], s) == 0)
            return i;
    if (*n >= max)
        return -1;
    names[*n] = s;
    return (*n)++;
}

/* A score-against-`which` sweep figure (1 bits, 2 density); 0 if no sweep. */
/* Whether task `task` has a sweep along `which`: some substrate with two
 * or more distinct values. */
static int has_sweep(const crow *r, int n, int which, const char *task)
{
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++) {
            double a = which == 1 ? r[i].bits : r[i].density, b = which == 1 ? r[j].bits : r[j].density;
            if (strcmp(r[i].sub, r[j].sub) == 0 && strcmp(r[i].task, task) == 0 &&
                strcmp(r[j].task, task) == 0 && isfinite(a) && isfinite(b) && a != b)
                return 1;
        }
    return 0;
}

static int fig_sweep(ctx *c, const crow *r, int n, int which, const char **all_tasks,
                     int nall, const char **subs, int nsubs)
{
    const char *tasks[16];
    int ntasks = 0;
    for (int t = 0; t < nall; t++)
        if (has_sweep(r, n, which, all_tasks[t]))
            tasks[ntasks++] = all_tasks[t];
    if (!ntasks)
        return HR_OK;
    int np = ntasks > 4 ? 4 : ntasks;
    hr_plot_fig *f = hr_plot_fig_create(1, np, fig_w(c, np > 1 ? 4.2 * np : 6.4), fig_h(c, 4.2));
    if (!f)
        return HR_EINVAL;
    hr_plot_fig_title(f, which == 1 ? "score against bits" : "score against density");
    int st = HR_OK;
    double *xs = malloc((size_t)n * sizeof *xs + 8), *ys = malloc((size_t)n * sizeof *ys + 8);
    if (!xs || !ys)
        st = HR_ERROR(HR_ENOMEM, "out of memory");
    for (int t = 0; t < np && !st; t++) {
        hr_plot_axes *a = hr_plot_panel(f, t);
        hr_plot_title(a, tasks[t]);
        hr_plot_xlabel(a, which == 1 ? "weight bits" : "density of the weights");
        hr_plot_xlog(a, which == 2);
        hr_plot_grid(a, 1);
        const char *sn = "";
        for (int s = 0; s < nsubs && !st; s++) {
            int k = 0;
            const char *cur = NULL;
            for (int i = 0; i < n; i++) {
                if (strcmp(r[i].task, tasks[t]) != 0)
                    continue;
                if (strcmp(r[i].sub, subs[s]) != 0)
                    continue;
                double v = which == 1 ? r[i].bits : r[i].density;
                if (!isfinite(v) || !isfinite(r[i].score))
                    continue;
                /* Along one sweep only: the other setting at its largest value. */
                double other = which == 1 ? r[i].density : r[i].bits, omax = -INFINITY;
                for (int q = 0; q < n; q++)
                    if (strcmp(r[q].sub, r[i].sub) == 0 && strcmp(r[q].task, r[i].task) == 0)
                        omax = fmax(omax, which == 1 ? r[q].density : r[q].bits);
                if (isfinite(other) && other < omax)
                    continue;
                xs[k] = v, ys[k] = r[i].score, k++;
                cur = r[i].sub, sn = r[i].score_name;
            }
            if (k < 2)
                continue;
            /* Sort by x. */
            for (int i = 1; i < k; i++)
                for (int j = i; j > 0 && xs[j] < xs[j - 1]; j--) {
                    double tx = xs[j], ty = ys[j];
                    xs[j] = xs[j - 1], ys[j] = ys[j - 1], xs[j - 1] = tx, ys[j - 1] = ty;
                }
            hr_plot_style ls = hr_plot_style_default();
            ls.color = hr_plot_cycle(s);
            ls.marker = HR_MARK_CIRCLE;
            ls.marker_size = 5;
            ls.label = cur;
            st = hr_plot_line(a, k, xs, ys, &ls);
        }
        char yl[96];
        snprintf(yl, sizeof yl, "%s%s", sn, lower_is_better(sn) ? " (lower is better)" : "");
        hr_plot_ylabel(a, yl);
    }
    free(xs);
    free(ys);
    if (st) {
        hr_plot_fig_destroy(f);
        return st;
    }
    return emit(c, f, which == 1 ? "bits" : "density");
}

static int plot_compare(ctx *c)
{
    hr_csv *t;
    int st = load_csv(c, "compare.csv", &t);
    if (st)
        return st;
    static const char *const csub[] = {"substrate", "name", "label", NULL},
                             *const ctask[] = {"task", NULL},
                             *const csn[] = {"score_name", "score name", "metric", NULL},
                             *const csc[] = {"score", "value", NULL},
                             *const cops[] = {"synaptic_ops", "synaptic_ops_per_step",
                                              "ops_per_step", "synaptic ops per step", NULL};
    int is, it, isn, isc, iops;
    int ib = hr_csv_col(t, "bits") >= 0 ? hr_csv_col(t, "bits") : hr_csv_col(t, "weight_bits");
    int id = hr_csv_col(t, "density");
    crow *r = NULL;
    const crow **order = NULL;
    hr_plot_fig *f = NULL;
    if ((st = hr_csv_need(t, csub, &is)) || (st = hr_csv_need(t, ctask, &it)) ||
        (st = hr_csv_need(t, csn, &isn)) || (st = hr_csv_need(t, csc, &isc)) ||
        (st = hr_csv_need(t, cops, &iops)))
        goto out;
    int n = t->nrows;
    r = calloc((size_t)n + 1, sizeof *r);
    order = calloc((size_t)n + 1, sizeof *order);
    if (!r || !order) {
        st = HR_ERROR(HR_ENOMEM, "out of memory");
        goto out;
    }
    const char *tasks[16];
    int ntasks = 0;
    for (int i = 0; i < n && !st; i++) {
        r[i].sub = hr_csv_text(t, i, is);
        r[i].task = hr_csv_text(t, i, it);
        r[i].score_name = hr_csv_text(t, i, isn);
        r[i].bits = r[i].density = NAN;
        if ((st = hr_csv_num(t, i, isc, &r[i].score)) || (st = hr_csv_num(t, i, iops, &r[i].ops)) ||
            (ib >= 0 && (st = hr_csv_num(t, i, ib, &r[i].bits))) ||
            (id >= 0 && (st = hr_csv_num(t, i, id, &r[i].density))))
            break;
        if (!r[i].sub[0])
            st = HR_ERROR(HR_EPARSE, "%s:%d: an empty substrate name (allowed: a label)", t->name,
                          t->line[i]);
        else if (name_index(tasks, &ntasks, 16, r[i].task) < 0)
            st = HR_ERROR(HR_EPARSE, "%s:%d: more than 16 tasks (allowed: at most 16)", t->name,
                          t->line[i]);
    }
    if (st)
        goto out;
    if (n == 0) {
        st = HR_ERROR(HR_EPARSE, "%s:%d: no rows (allowed: one row per substrate and task)",
                      t->name, t->header_line);
        goto out;
    }
    const char *subs[64];
    int nsubs = 0;
    for (int i = 0; i < n; i++)
        name_index(subs, &nsubs, 64, r[i].sub);
    char left_out[256] = "";
    size_t lo_n = 0;
    int np = ntasks > 4 ? 4 : ntasks;
    f = hr_plot_fig_create(1, np, fig_w(c, np > 1 ? 4.6 * np : 6.4), fig_h(c, 4.8));
    if (!f) {
        st = HR_EINVAL;
        goto out;
    }
    hr_plot_fig_title(f, "score against synaptic operations per step");
    int skipped = 0;
    for (int k = 0; k < np && !st; k++) {
        hr_plot_axes *a = hr_plot_panel(f, k);
        hr_plot_title(a, tasks[k]);
        hr_plot_xlog(a, 1);
        hr_plot_xlabel(a, "synaptic operations per step");
        hr_plot_grid(a, 1);
        hr_plot_legend(a, HR_LEGEND_NONE);
        int m = 0;
        const char *sn = "";
        for (int i = 0; i < n; i++) {
            if (strcmp(r[i].task, tasks[k]) != 0)
                continue;
            if (!(r[i].ops > 0) || !isfinite(r[i].ops) || !isfinite(r[i].score)) {
                if (skipped++ < 6 && lo_n + 40 < sizeof left_out)
                    lo_n += (size_t)snprintf(left_out + lo_n, sizeof left_out - lo_n, "%s%s (%s)",
                                             skipped > 1 ? ", " : "", r[i].sub, r[i].task);
                continue;
            }
            order[m++] = &r[i];
            sn = r[i].score_name;
        }
        int lower = lower_is_better(sn);
        char yl[96];
        snprintf(yl, sizeof yl, "%s%s", sn[0] ? sn : "score", lower ? " (lower is better)" : "");
        hr_plot_ylabel(a, yl);
        qsort(order, (size_t)m, sizeof *order, cmp_ops);
        if (m > 0) /* room for the labels right of the markers */
            hr_plot_xlim(a, order[0]->ops / 1.6, order[m - 1]->ops * 6);
        /* The front: each point better than every cheaper one. */
        double fx[512], fy[512], bestv = lower ? INFINITY : -INFINITY;
        int nf = 0;
        for (int i = 0; i < m && nf < 510; i++) {
            double v = order[i]->score;
            if (lower ? v < bestv : v > bestv) {
                if (nf)
                    fx[nf] = order[i]->ops, fy[nf] = bestv, nf++;
                fx[nf] = order[i]->ops, fy[nf] = v, nf++;
                bestv = v;
            }
        }
        hr_plot_style fs = hr_plot_style_default();
        fs.color = (hr_rgb){0.55, 0.55, 0.55};
        fs.width = 1;
        fs.dash = 1;
        if (nf > 1)
            st = hr_plot_line(a, nf, fx, fy, &fs);
        for (int i = 0; i < m && !st; i++) {
            int si = name_index(subs, &nsubs, 64, order[i]->sub);
            hr_plot_style s = hr_plot_style_default();
            s.width = 0;
            s.marker = (hr_plot_marker)(HR_MARK_CIRCLE + (si / 10) % 4);
            s.marker_size = 6.5;
            s.color = hr_plot_cycle(si < 0 ? 0 : si);
            double x = order[i]->ops, y = order[i]->score;
            st = hr_plot_line(a, 1, &x, &y, &s);
            if (!st)
                st = hr_plot_text(a, x * 1.12, y, order[i]->sub, HR_ANCHOR_LEFT, 7,
                                  (hr_rgb){0.15, 0.15, 0.15});
        }
    }
    char cap[512];
    snprintf(cap, sizeof cap, "One marker per substrate; dashed: the Pareto front (better score "
             "at fewer operations).");
    if (skipped)
        snprintf(cap + strlen(cap), sizeof cap - strlen(cap), " Without an operation count, left "
                 "out: %s%s.", left_out, skipped > 6 ? ", ..." : "");
    if (ntasks > np)
        snprintf(cap + strlen(cap), sizeof cap - strlen(cap), " (first 4 of %d tasks)", ntasks);
    hr_plot_fig_caption(f, cap);
    if (!st) {
        st = emit(c, f, "pareto");
        f = NULL;
    }
    if (!st && ib >= 0)
        st = fig_sweep(c, r, n, 1, tasks, ntasks, subs, nsubs);
    if (!st && id >= 0)
        st = fig_sweep(c, r, n, 2, tasks, ntasks, subs, nsubs);
out:
    hr_plot_fig_destroy(f);
    free(r);
    free(order);
    hr_csv_free(t);
    return st;
}

/* ---- The folder ---- */

int hr_plot_folder(const char *dir, const hr_plot_options *opt)
{
    ctx c;
    memset(&c, 0, sizeof c);
    c.dir = dir;
    c.o = opt ? *opt : hr_plot_options_default();
    if (!(c.o.dpi > 0))
        c.o.dpi = 100;
    if (c.o.movie_frames < 2 || c.o.movie_frames > 1000)
        return HR_ERROR(HR_EINVAL, "--frames %d (allowed: 2 .. 1000)", c.o.movie_frames);
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return HR_ERROR(HR_EIO, "%s: not a folder (allowed: a results folder of run, simulate, "
                        "evolve or compare)", dir);
    snprintf(c.out, sizeof c.out, "%s", c.o.out ? c.o.out : dir);
    if (c.o.out) {
        char probe[1200];
        snprintf(probe, sizeof probe, "%s/x", c.o.out);
        int st = hr_mkdir_parents(probe);
        if (st)
            return st;
    }
    int st, runs = !exists(dir, "compare.csv") && !exists(dir, "generations.csv") &&
                   (exists(dir, "readout.csv") || exists(dir, "traces.csv"));
    if (c.o.movie && !runs)
        return HR_ERROR(HR_ENOTSUP, "--movie: %s holds no runs (allowed: the --out of hydrores "
                        "simulate or run on a tank)", base_name(dir));
    if (exists(dir, "compare.csv"))
        st = plot_compare(&c);
    else if (exists(dir, "generations.csv"))
        st = plot_evolve(&c);
    else if (exists(dir, "readout.csv"))
        st = plot_run(&c);
    else if (exists(dir, "traces.csv"))
        st = plot_simulate(&c);
    else if (exists(dir, "recording.h5"))
        st = plot_record(&c);
    else if (exists(dir, "design.csv"))
        st = plot_design(&c);
    else
        return HR_ERROR(HR_EINVAL, "%s: nothing to plot (allowed: a folder with compare.csv, "
                        "generations.csv, readout.csv, traces.csv, recording.h5 or design.csv)",
                        dir);
    if (!st && c.o.movie) {
        char path[1300];
        st = hr__plot_movie(c.dir, c.out, &c.o, path, sizeof path);
        if (!st) {
            c.nfig++;
            if (!c.o.quiet)
                printf("%-22s %s\n", "movie", path);
        }
    }
    return st;
}
