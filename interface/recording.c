/* recording.c — HDF5 recordings of tank runs (recording.h), through
 * libhdf5's C API. The reader checks the class, rank and shape of every
 * object before reading it and every value after, and a checksum over all
 * values, so a damaged file is an error message, never data. */
#include "interface/recording.h"
#include "base/atomic.h"
#include "base/status.h"

#include <errno.h>
#include <fcntl.h>
#include <hdf5.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#ifndef HR_VERSION
#define HR_VERSION "unknown"
#endif

/* libhdf5 1.10.8 leaks memory inside its own error paths on some damaged
 * files (the fuzzer of tests/test_recording.c finds them; every handle of
 * ours is closed: H5Fget_obj_count shows only the file before H5Fclose).
 * LeakSanitizer, in the sanitizer build, is told to ignore allocations made
 * by libhdf5; the function is only ever called by the sanitizer runtime. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:libhdf5_serial.so\n"; }

/* ---- In memory ---- */

int hr_recording_create(hr_recording **out, int nprobes, double dt)
{
    *out = NULL;
    if (nprobes < 1 || nprobes > 64 || !(dt > 0) || !isfinite(dt))
        return HR_ERROR(HR_EINVAL, "a recording of %d probes at %g s (allowed: 1 .. 64 probes, "
                        "spacing > 0)", nprobes, dt);
    hr_recording *r = calloc(1, sizeof *r);
    if (!r)
        return HR_ERROR(HR_ENOMEM, "out of memory for a recording");
    r->nprobes = nprobes;
    r->dt = dt;
    snprintf(r->units, sizeof r->units, "m");
    snprintf(r->hydrores_version, sizeof r->hydrores_version, "%s", HR_VERSION);
    for (int p = 0; p < nprobes; p++) {
        snprintf(r->probes[p].name, sizeof r->probes[p].name, "probe%d", p);
        r->probes[p].x = r->probes[p].y = NAN;
        snprintf(r->probes[p].units, sizeof r->probes[p].units, "m");
    }
    if (hr_recording_set_text(r, NULL, NULL)) {
        hr_recording_destroy(r);
        return HR_ENOMEM;
    }
    *out = r;
    return HR_OK;
}

void hr_recording_destroy(hr_recording *r)
{
    if (!r)
        return;
    for (int i = 0; i < r->nruns; i++) {
        free(r->runs[i].stream);
        free(r->runs[i].traces);
        free(r->runs[i].spread);
    }
    free(r->runs);
    free(r->hello);
    free(r->config_xml);
    free(r);
}

int hr_recording_set_text(hr_recording *r, const char *hello, const char *config_xml)
{
    char *h = strdup(hello ? hello : ""), *c = strdup(config_xml ? config_xml : "");
    if (!h || !c) {
        free(h);
        free(c);
        return HR_ERROR(HR_ENOMEM, "out of memory");
    }
    free(r->hello);
    free(r->config_xml);
    r->hello = h;
    r->config_xml = c;
    return HR_OK;
}

int hr_recording_add(hr_recording *r, const hr_stimulus *stim, const double *traces, int nt,
                     const double *spread, int repeats, int tries, double time_unix)
{
    if (nt < 1 || stim->nsources < 0 || stim->nsources > HR_STIMULUS_MAX_SOURCES)
        return HR_ERROR(HR_EINVAL, "a run of %d samples and %d sources (allowed: >= 1 sample, "
                        "0 .. %d sources)", nt, stim->nsources, HR_STIMULUS_MAX_SOURCES);
    if (r->nruns == r->cap) {
        int cap = r->cap ? 2 * r->cap : 16;
        hr_rec_run *n = realloc(r->runs, (size_t)cap * sizeof *n);
        if (!n)
            return HR_ERROR(HR_ENOMEM, "out of memory for recorded runs");
        r->runs = n;
        r->cap = cap;
    }
    hr_rec_run *run = &r->runs[r->nruns];
    memset(run, 0, sizeof *run);
    size_t ns = 0;
    for (int i = 0; i < stim->nsources; i++)
        ns += stim->sources[i].nsamples > 0 ? (size_t)stim->sources[i].nsamples : 0;
    size_t n = (size_t)r->nprobes * (size_t)nt;
    run->stream = malloc((ns + 1) * sizeof *run->stream);
    run->traces = malloc(n * sizeof *run->traces);
    run->spread = calloc(n, sizeof *run->spread);
    if (!run->stream || !run->traces || !run->spread) {
        free(run->stream);
        free(run->traces);
        free(run->spread);
        return HR_ERROR(HR_ENOMEM, "out of memory for a recorded run");
    }
    run->stim = *stim;
    size_t k = 0;
    for (int i = 0; i < stim->nsources; i++) {
        hr_source *s = &run->stim.sources[i];
        if (s->nsamples > 0) {
            memcpy(run->stream + k, stim->sources[i].samples, (size_t)s->nsamples * sizeof(double));
            s->samples = run->stream + k;
            k += (size_t)s->nsamples;
        } else {
            s->nsamples = 0;
            s->samples = NULL;
        }
    }
    memcpy(run->traces, traces, n * sizeof *run->traces);
    if (spread)
        memcpy(run->spread, spread, n * sizeof *run->spread);
    run->nt = nt;
    run->repeats = repeats;
    run->tries = tries;
    run->time_unix = time_unix;
    r->nruns++;
    return HR_OK;
}

/* ---- Stimulus matching ---- */

void hr_stimulus_describe(const hr_stimulus *st, char *buf, size_t size)
{
    size_t k = (size_t)snprintf(buf, size, "%d source%s", st->nsources, st->nsources == 1 ? "" : "s");
    for (int i = 0; i < st->nsources && k < size; i++) {
        const hr_source *s = &st->sources[i];
        if (s->nsamples > 0)
            k += (size_t)snprintf(buf + k, size - k, "%s maker %d amplitude %.9g x a stream of %d "
                                  "samples %.9g s apart", i ? ";" : ":", s->index, s->amplitude,
                                  s->nsamples, s->sample_dt);
        else
            k += (size_t)snprintf(buf + k, size - k, "%s maker %d amplitude %.9g frequency %.9g "
                                  "phase %.9g start %.9g duration %.9g ramp %.9g", i ? ";" : ":",
                                  s->index, s->amplitude, s->frequency, s->phase, s->start,
                                  s->duration, s->ramp);
    }
    if (k < size)
        snprintf(buf + k, size - k, "; t_end %.9g s", st->t_end);
}

/* Source indices sorted by maker (stable). */
static void by_maker(const hr_stimulus *s, int *order)
{
    for (int i = 0; i < s->nsources; i++)
        order[i] = i;
    for (int i = 1; i < s->nsources; i++)
        for (int j = i; j > 0 && s->sources[order[j - 1]].index > s->sources[order[j]].index; j--) {
            int t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
}

static int close_to(double a, double b, double tol)
{
    return fabs(a - b) <= tol * fmax(fabs(a), fabs(b)) + 1e-300;
}

/* Relative distance of two numbers (for ranking near misses). */
static double rel_gap(double a, double b)
{
    double m = fmax(fabs(a), fabs(b));
    return m > 0 ? fabs(a - b) / m : 0;
}

/* Number of differences between two stimuli; the first is described, and
 * *gap sums the relative gaps of the sinusoid parameters. */
static int differences(const hr_stimulus *a, const hr_stimulus *b, double tol, char *what,
                       size_t size, double *gap)
{
    *gap = 0;
    if (a->nsources != b->nsources) {
        snprintf(what, size, "it has %d sources, the recorded run %d", a->nsources, b->nsources);
        return 1000;
    }
    int oa[HR_STIMULUS_MAX_SOURCES], ob[HR_STIMULUS_MAX_SOURCES];
    by_maker(a, oa);
    by_maker(b, ob);
    int n = 0;
    for (int i = 0; i < a->nsources; i++) {
        const hr_source *x = &a->sources[oa[i]], *y = &b->sources[ob[i]];
        const char *names[] = {"amplitude", "frequency", "phase", "start", "duration", "ramp",
                               "stream spacing"};
        double xv[] = {x->amplitude, x->frequency, x->phase, x->start, x->duration, x->ramp,
                       x->nsamples > 0 ? x->sample_dt : 0};
        double yv[] = {y->amplitude, y->frequency, y->phase, y->start, y->duration, y->ramp,
                       y->nsamples > 0 ? y->sample_dt : 0};
        if (x->index != y->index) {
            if (!n++)
                snprintf(what, size, "source %d drives maker %d, the recorded one %d", i, x->index,
                         y->index);
            continue;
        }
        for (int f = 0; f < 7; f++)
            *gap += rel_gap(xv[f], yv[f]);
        for (int f = 0; f < 7; f++)
            if (!close_to(xv[f], yv[f], tol) && !n++)
                snprintf(what, size, "maker %d %s %.17g, recorded %.17g", x->index, names[f], xv[f],
                         yv[f]);
        int xs = x->nsamples > 0 ? x->nsamples : 0, ys = y->nsamples > 0 ? y->nsamples : 0;
        if (xs != ys) {
            if (!n++)
                snprintf(what, size, "maker %d has a stream of %d samples, recorded %d", x->index,
                         xs, ys);
            continue;
        }
        for (int k = 0; k < xs; k++)
            if (!close_to(x->samples[k], y->samples[k], tol)) {
                if (!n++)
                    snprintf(what, size, "maker %d stream sample %d is %.17g, recorded %.17g",
                             x->index, k, x->samples[k], y->samples[k]);
                break;
            }
    }
    return n;
}

void hr_recording_find(const hr_recording *r, const hr_stimulus *stim, double tol, int *index,
                       char *why, size_t size)
{
    *index = -1;
    int best = -1, best_n = 1 << 30, need = hr_traces_nt(stim->t_end, r->dt);
    double best_gap = INFINITY, gap;
    char what[512] = "", best_what[512] = "";
    for (int i = 0; i < r->nruns; i++) {
        int n = differences(stim, &r->runs[i].stim, tol, what, sizeof what, &gap);
        if (n == 0 && r->runs[i].nt < need) {
            n = 1;
            snprintf(what, sizeof what, "it needs %d samples (to %.9g s), the recorded run has %d",
                     need, stim->t_end, r->runs[i].nt);
        }
        if (n == 0) {
            *index = i;
            return;
        }
        if (n < best_n || (n == best_n && gap < best_gap)) {
            best_n = n;
            best_gap = gap;
            best = i;
            snprintf(best_what, sizeof best_what, "%s", what);
        }
    }
    if (why && size) {
        if (best < 0)
            snprintf(why, size, "the recording has no runs");
        else
            snprintf(why, size, "nearest is run %d, where %s (%d difference%s; tolerance %g "
                     "relative)", best, best_what, best_n >= 1000 ? 1 : best_n,
                     best_n == 1 || best_n >= 1000 ? "" : "s", tol);
    }
}

/* ---- HDF5 writing ---- */

/* Strings are fixed-length, NUL-terminated UTF-8: stored inside the
 * (checksummed) object headers. Variable-length strings would live in the
 * global heap, which has no checksum, and libhdf5 1.10 can loop forever on
 * a damaged one (found by the fuzzer in tests/test_recording.c), so the
 * reader refuses them. */
static hid_t str_type(size_t size)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, size > 0 ? size : 1);
    H5Tset_strpad(t, H5T_STR_NULLTERM);
    H5Tset_cset(t, H5T_CSET_UTF8);
    return t;
}

static int attr_str(hid_t loc, const char *name, const char *value)
{
    hid_t t = str_type(strlen(value) + 1), s = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(loc, name, t, s, H5P_DEFAULT, H5P_DEFAULT);
    int ok = a >= 0 && H5Awrite(a, t, value) >= 0;
    if (a >= 0)
        H5Aclose(a);
    H5Sclose(s);
    H5Tclose(t);
    return ok ? 0 : -1;
}

static int attr_num(hid_t loc, const char *name, hid_t ftype, hid_t mtype, const void *v)
{
    hid_t s = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(loc, name, ftype, s, H5P_DEFAULT, H5P_DEFAULT);
    int ok = a >= 0 && H5Awrite(a, mtype, v) >= 0;
    if (a >= 0)
        H5Aclose(a);
    H5Sclose(s);
    return ok ? 0 : -1;
}

/* A dataset of `rank` dims with a units attribute (chunked and deflated if
 * chunk is not NULL). */
static int dset(hid_t loc, const char *name, hid_t ftype, hid_t mtype, int rank,
                const hsize_t *dims, const hsize_t *chunk, const void *data, const char *units)
{
    hid_t s = H5Screate_simple(rank, dims, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (chunk) {
        H5Pset_chunk(dcpl, rank, chunk);
        H5Pset_shuffle(dcpl);
        H5Pset_deflate(dcpl, 6);
    }
    hid_t d = H5Dcreate2(loc, name, ftype, s, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    int ok = d >= 0 && H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0 &&
             attr_str(d, "units", units) == 0;
    if (d >= 0)
        H5Dclose(d);
    H5Pclose(dcpl);
    H5Sclose(s);
    return ok ? 0 : -1;
}

/* The flat arrays of a recording (what goes into the file, and what the
 * checksum covers). */
typedef struct flat {
    int nruns, np, nt;      /* shape of traces */
    double *traces, *spread;/* nruns x np x nt */
    int32_t *length, *repeats, *tries;
    double *t_end, *time;
    int nsrc;               /* sources */
    int32_t *srun, *maker, *slen;
    int64_t *soff;
    double *amp, *freq, *phase, *start, *dur, *ramp, *sdt;
    long nstream;           /* stream samples */
    double *stream;
    double px[64], py[64];  /* probe positions */
} flat;

static void flat_free(flat *f)
{
    void *p[] = {f->traces, f->spread, f->length, f->repeats, f->tries, f->t_end, f->time,
                 f->srun,   f->maker,  f->slen,   f->soff,    f->amp,   f->freq,  f->phase,
                 f->start,  f->dur,    f->ramp,   f->sdt,     f->stream};
    for (size_t i = 0; i < sizeof p / sizeof p[0]; i++)
        free(p[i]);
    memset(f, 0, sizeof *f);
}

/* Allocates the arrays of a flat of the given shape. */
static int flat_alloc(flat *f, int nruns, int np, int nt, int nsrc, long nstream)
{
    memset(f, 0, sizeof *f);
    f->nruns = nruns;
    f->np = np;
    f->nt = nt;
    f->nsrc = nsrc;
    f->nstream = nstream;
    size_t n = (size_t)nruns * (size_t)np * (size_t)nt, r = (size_t)nruns + 1,
           s = (size_t)nsrc + 1;
    f->traces = malloc(n * sizeof(double));
    f->spread = malloc(n * sizeof(double));
    f->length = malloc(r * sizeof(int32_t));
    f->repeats = malloc(r * sizeof(int32_t));
    f->tries = malloc(r * sizeof(int32_t));
    f->t_end = malloc(r * sizeof(double));
    f->time = malloc(r * sizeof(double));
    f->srun = malloc(s * sizeof(int32_t));
    f->maker = malloc(s * sizeof(int32_t));
    f->slen = malloc(s * sizeof(int32_t));
    f->soff = malloc(s * sizeof(int64_t));
    f->amp = malloc(s * sizeof(double));
    f->freq = malloc(s * sizeof(double));
    f->phase = malloc(s * sizeof(double));
    f->start = malloc(s * sizeof(double));
    f->dur = malloc(s * sizeof(double));
    f->ramp = malloc(s * sizeof(double));
    f->sdt = malloc(s * sizeof(double));
    f->stream = malloc(((size_t)nstream + 1) * sizeof(double));
    if (!f->traces || !f->spread || !f->length || !f->repeats || !f->tries || !f->t_end ||
        !f->time || !f->srun || !f->maker || !f->slen || !f->soff || !f->amp || !f->freq ||
        !f->phase || !f->start || !f->dur || !f->ramp || !f->sdt || !f->stream) {
        flat_free(f);
        return HR_ERROR(HR_ENOMEM, "out of memory for a recording of %d runs", nruns);
    }
    return HR_OK;
}

static int flatten(const hr_recording *r, flat *f)
{
    int nt = 0, nsrc = 0;
    long nstream = 0;
    for (int i = 0; i < r->nruns; i++) {
        nt = r->runs[i].nt > nt ? r->runs[i].nt : nt;
        nsrc += r->runs[i].stim.nsources;
        for (int j = 0; j < r->runs[i].stim.nsources; j++)
            nstream += r->runs[i].stim.sources[j].nsamples;
    }
    int st = flat_alloc(f, r->nruns, r->nprobes, nt, nsrc, nstream);
    if (st)
        return st;
    int s = 0;
    long k = 0;
    for (int i = 0; i < r->nruns; i++) {
        const hr_rec_run *run = &r->runs[i];
        for (int p = 0; p < r->nprobes; p++)
            for (int t = 0; t < nt; t++) {
                size_t o = ((size_t)i * (size_t)r->nprobes + (size_t)p) * (size_t)nt + (size_t)t;
                f->traces[o] = t < run->nt ? run->traces[(size_t)p * (size_t)run->nt + (size_t)t] : NAN;
                f->spread[o] = t < run->nt ? run->spread[(size_t)p * (size_t)run->nt + (size_t)t] : NAN;
            }
        f->length[i] = run->nt;
        f->repeats[i] = run->repeats;
        f->tries[i] = run->tries;
        f->t_end[i] = run->stim.t_end;
        f->time[i] = run->time_unix;
        for (int j = 0; j < run->stim.nsources; j++, s++) {
            const hr_source *src = &run->stim.sources[j];
            f->srun[s] = i;
            f->maker[s] = src->index;
            f->amp[s] = src->amplitude;
            f->freq[s] = src->frequency;
            f->phase[s] = src->phase;
            f->start[s] = src->start;
            f->dur[s] = src->duration;
            f->ramp[s] = src->ramp;
            f->sdt[s] = src->sample_dt;
            f->soff[s] = k;
            f->slen[s] = src->nsamples;
            for (int q = 0; q < src->nsamples; q++)
                f->stream[k++] = src->samples[q];
        }
    }
    for (int p = 0; p < r->nprobes; p++) {
        f->px[p] = r->probes[p].x;
        f->py[p] = r->probes[p].y;
    }
    return HR_OK;
}

/* zlib's CRC-32 of every value, in the order of recording.h. */
static uint32_t flat_crc(const flat *f)
{
    size_t n = (size_t)f->nruns * (size_t)f->np * (size_t)f->nt, r = (size_t)f->nruns,
           s = (size_t)f->nsrc;
    struct {
        const void *p;
        size_t bytes;
    } parts[] = {
        {f->traces, n * 8}, {f->spread, n * 8}, {f->length, r * 4}, {f->t_end, r * 8},
        {f->time, r * 8},   {f->repeats, r * 4}, {f->tries, r * 4}, {f->srun, s * 4},
        {f->maker, s * 4},  {f->amp, s * 8},     {f->freq, s * 8},  {f->phase, s * 8},
        {f->start, s * 8},  {f->dur, s * 8},     {f->ramp, s * 8},  {f->sdt, s * 8},
        {f->soff, s * 8},   {f->slen, s * 4},    {f->stream, (size_t)f->nstream * 8},
        {f->px, (size_t)f->np * 8}, {f->py, (size_t)f->np * 8},
    };
    uLong c = crc32(0L, Z_NULL, 0);
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        const unsigned char *b = parts[i].p;
        size_t left = parts[i].bytes;
        while (left > 0) {
            uInt m = left > (1u << 30) ? (1u << 30) : (uInt)left;
            c = crc32(c, b, m);
            b += m;
            left -= m;
        }
    }
    return (uint32_t)c;
}

static int write_file(const hr_recording *r, const flat *f, const char *path)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_libver_bounds(fapl, H5F_LIBVER_V110, H5F_LIBVER_V110);
    hid_t file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    H5Pclose(fapl);
    if (file < 0)
        return -1;
    int bad = 0;
    int32_t version = HR_RECORDING_VERSION;
    double rate = 1 / r->dt;
    uint32_t crc = flat_crc(f);
    char created[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
    bad |= attr_str(file, "format", HR_RECORDING_FORMAT);
    bad |= attr_num(file, "format_version", H5T_STD_I32LE, H5T_NATIVE_INT32, &version);
    bad |= attr_str(file, "created", r->created[0] ? r->created : created);
    bad |= attr_str(file, "hydrores_version", r->hydrores_version);
    bad |= attr_str(file, "experiment", r->experiment);
    bad |= attr_str(file, "substrate_kind", r->substrate_kind);
    bad |= attr_str(file, "tank_hello", r->hello);
    bad |= attr_str(file, "config_xml", r->config_xml);
    bad |= attr_num(file, "dt_s", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &r->dt);
    bad |= attr_num(file, "sample_rate_hz", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &rate);
    bad |= attr_str(file, "units", r->units);
    bad |= attr_num(file, "crc32", H5T_STD_U32LE, H5T_NATIVE_UINT32, &crc);
    hsize_t d3[3] = {(hsize_t)f->nruns, (hsize_t)f->np, (hsize_t)f->nt};
    hsize_t c3[3] = {1, (hsize_t)f->np, (hsize_t)f->nt};
    const hid_t F64 = H5T_IEEE_F64LE, I32 = H5T_STD_I32LE, I64 = H5T_STD_I64LE;
    const hid_t D = H5T_NATIVE_DOUBLE, I = H5T_NATIVE_INT32, L = H5T_NATIVE_INT64;
    bad |= dset(file, "traces", F64, D, 3, d3, c3, f->traces, r->units);
    bad |= dset(file, "spread", F64, D, 3, d3, c3, f->spread, r->units);
    hid_t tr = H5Dopen2(file, "traces", H5P_DEFAULT);
    if (tr >= 0) {
        bad |= attr_num(tr, "dt_s", F64, D, &r->dt);
        bad |= attr_num(tr, "sample_rate_hz", F64, D, &rate);
        H5Dclose(tr);
    } else {
        bad = 1;
    }
    hid_t g = H5Gcreate2(file, "runs", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    hsize_t dr = (hsize_t)f->nruns, ds = (hsize_t)f->nsrc, dk = (hsize_t)f->nstream,
            dp = (hsize_t)f->np;
    bad |= g < 0;
    if (g >= 0) {
        bad |= dset(g, "length", I32, I, 1, &dr, NULL, f->length, "1");
        bad |= dset(g, "t_end", F64, D, 1, &dr, NULL, f->t_end, "s");
        bad |= dset(g, "time", F64, D, 1, &dr, NULL, f->time, "seconds since 1970-01-01 00:00:00 UTC");
        bad |= dset(g, "repeats", I32, I, 1, &dr, NULL, f->repeats, "1");
        bad |= dset(g, "tries", I32, I, 1, &dr, NULL, f->tries, "1");
        H5Gclose(g);
    }
    g = H5Gcreate2(file, "sources", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    bad |= g < 0;
    if (g >= 0) {
        bad |= dset(g, "run", I32, I, 1, &ds, NULL, f->srun, "1");
        bad |= dset(g, "maker", I32, I, 1, &ds, NULL, f->maker, "1");
        bad |= dset(g, "amplitude", F64, D, 1, &ds, NULL, f->amp, "1");
        bad |= dset(g, "frequency", F64, D, 1, &ds, NULL, f->freq, "Hz");
        bad |= dset(g, "phase", F64, D, 1, &ds, NULL, f->phase, "rad");
        bad |= dset(g, "start", F64, D, 1, &ds, NULL, f->start, "s");
        bad |= dset(g, "duration", F64, D, 1, &ds, NULL, f->dur, "s");
        bad |= dset(g, "ramp", F64, D, 1, &ds, NULL, f->ramp, "s");
        bad |= dset(g, "stream_dt", F64, D, 1, &ds, NULL, f->sdt, "s");
        bad |= dset(g, "stream_offset", I64, L, 1, &ds, NULL, f->soff, "1");
        bad |= dset(g, "stream_length", I32, I, 1, &ds, NULL, f->slen, "1");
        bad |= dset(g, "stream", F64, D, 1, &dk, NULL, f->stream, "1");
        hid_t a = H5Dopen2(g, "amplitude", H5P_DEFAULT);
        if (a >= 0) {
            bad |= attr_str(a, "description", "drive amplitude in the tank's own units (the "
                            "simulated tank's: m/s of its mass source)");
            H5Dclose(a);
        }
        H5Gclose(g);
    }
    g = H5Gcreate2(file, "probes", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    bad |= g < 0;
    if (g >= 0) {
        char names[64][32];
        memset(names, 0, sizeof names);
        for (int p = 0; p < f->np; p++)
            memcpy(names[p], r->probes[p].name, sizeof names[p]);
        hid_t t = str_type(32);
        bad |= dset(g, "name", t, t, 1, &dp, NULL, names, "1");
        H5Tclose(t);
        bad |= dset(g, "x", F64, D, 1, &dp, NULL, f->px, "m");
        bad |= dset(g, "y", F64, D, 1, &dp, NULL, f->py, "m");
        H5Gclose(g);
    }
    if (H5Fclose(file) < 0)
        bad = 1;
    return bad ? -1 : 0;
}

int hr_recording_write(const hr_recording *r, const char *path)
{
    if (!path || !path[0])
        return HR_ERROR(HR_EINVAL, "no path for the recording");
    if (r->nruns < 1)
        return HR_ERROR(HR_EINVAL, "the recording has no runs (allowed: at least one)");
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    flat f;
    int st = flatten(r, &f);
    if (st)
        return st;
    size_t n = strlen(path) + 32;
    char *tmp = malloc(n);
    if (!tmp) {
        flat_free(&f);
        return HR_ERROR(HR_ENOMEM, "out of memory");
    }
    snprintf(tmp, n, "%s.tmp%ld", path, (long)getpid());
    int bad = write_file(r, &f, tmp);
    flat_free(&f);
    if (!bad) {
        int fd = open(tmp, O_RDONLY | O_CLOEXEC);
        bad = fd < 0 || fsync(fd) != 0;
        if (fd >= 0)
            close(fd);
    }
    if (!bad && rename(tmp, path) != 0)
        bad = 1;
    if (bad) {
        int e = errno;
        unlink(tmp);
        free(tmp);
        return HR_ERROR(HR_EIO, "cannot write the recording %s (%s)", path,
                        e ? strerror(e) : "HDF5 error");
    }
    free(tmp);
    hr_sync_parent(path);
    return HR_OK;
}

/* ---- HDF5 reading ---- */

typedef struct reader {
    const char *path; /* for messages */
    hid_t file;       /* the open file */
} reader;

#define CORRUPT(rd, ...) corrupt_error((rd), __VA_ARGS__)

static int corrupt_error(const reader *rd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int corrupt_error(const reader *rd, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return HR_ERROR(HR_EPARSE, "%s: corrupt recording: %s", rd->path, msg);
}

/* A scalar string attribute (variable or fixed length) into a malloc'd
 * string. */
static int read_attr_str(const reader *rd, hid_t loc, const char *name, char **out)
{
    *out = NULL;
    if (H5Aexists(loc, name) <= 0)
        return CORRUPT(rd, "the attribute '%s' is missing", name);
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
    if (a < 0)
        return CORRUPT(rd, "the attribute '%s' cannot be opened", name);
    hid_t t = H5Aget_type(a), s = H5Aget_space(a);
    int st = HR_OK;
    if (t < 0 || s < 0 || H5Tget_class(t) != H5T_STRING ||
        H5Sget_simple_extent_type(s) != H5S_SCALAR) {
        st = CORRUPT(rd, "the attribute '%s' is not a string", name);
    } else if (H5Tis_variable_str(t) != 0) {
        st = CORRUPT(rd, "the attribute '%s' is a variable-length string (allowed: fixed-length, "
                     "as hydrores writes them)", name);
    } else {
        size_t n = H5Tget_size(t);
        if (n == 0 || n > (1u << 24)) {
            st = CORRUPT(rd, "the attribute '%s' has a size of %zu", name, n);
        } else if (!(*out = calloc(n + 1, 1))) {
            st = HR_ERROR(HR_ENOMEM, "out of memory");
        } else {
            hid_t m = str_type(n);
            H5Tset_cset(m, H5Tget_cset(t) == H5T_CSET_ASCII ? H5T_CSET_ASCII : H5T_CSET_UTF8);
            if (H5Aread(a, m, *out) < 0)
                st = CORRUPT(rd, "the attribute '%s' cannot be read", name);
            H5Tclose(m);
        }
    }
    if (s >= 0)
        H5Sclose(s);
    if (t >= 0)
        H5Tclose(t);
    H5Aclose(a);
    if (st) {
        free(*out);
        *out = NULL;
    }
    return st;
}

static int read_attr_fixed(const reader *rd, hid_t loc, const char *name, char *buf, size_t size)
{
    char *s;
    int st = read_attr_str(rd, loc, name, &s);
    if (st)
        return st;
    if (strlen(s) >= size) {
        free(s);
        return CORRUPT(rd, "the attribute '%s' is longer than %zu characters", name, size - 1);
    }
    snprintf(buf, size, "%s", s);
    free(s);
    return HR_OK;
}

/* A scalar numeric attribute of class `cls` read as `mtype`. */
static int read_attr_num(const reader *rd, hid_t loc, const char *name, H5T_class_t cls,
                         hid_t mtype, void *out)
{
    if (H5Aexists(loc, name) <= 0)
        return CORRUPT(rd, "the attribute '%s' is missing", name);
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
    if (a < 0)
        return CORRUPT(rd, "the attribute '%s' cannot be opened", name);
    hid_t t = H5Aget_type(a), s = H5Aget_space(a);
    int ok = t >= 0 && s >= 0 && H5Tget_class(t) == cls &&
             H5Sget_simple_extent_type(s) == H5S_SCALAR && H5Aread(a, mtype, out) >= 0;
    if (s >= 0)
        H5Sclose(s);
    if (t >= 0)
        H5Tclose(t);
    H5Aclose(a);
    return ok ? HR_OK : CORRUPT(rd, "the attribute '%s' is not a readable number", name);
}

/* Opens dataset `name`, checks its class and rank, and returns its dims. */
static int open_dset(const reader *rd, const char *name, H5T_class_t cls, int rank,
                     hsize_t *dims, hid_t *out)
{
    *out = -1;
    if (H5Lexists(rd->file, name, H5P_DEFAULT) <= 0)
        return CORRUPT(rd, "the dataset '%s' is missing", name);
    hid_t d = H5Dopen2(rd->file, name, H5P_DEFAULT);
    if (d < 0)
        return CORRUPT(rd, "the dataset '%s' cannot be opened", name);
    hid_t t = H5Dget_type(d), s = H5Dget_space(d);
    int ok = t >= 0 && s >= 0 && H5Tget_class(t) == cls &&
             H5Sget_simple_extent_type(s) == H5S_SIMPLE && H5Sget_simple_extent_ndims(s) == rank;
    if (ok)
        ok = H5Sget_simple_extent_dims(s, dims, NULL) == rank;
    if (ok && cls == H5T_FLOAT)
        ok = H5Tget_size(t) == 8;
    if (ok && cls == H5T_INTEGER)
        ok = H5Tget_size(t) <= 8;
    if (s >= 0)
        H5Sclose(s);
    if (t >= 0)
        H5Tclose(t);
    if (!ok) {
        H5Dclose(d);
        return CORRUPT(rd, "the dataset '%s' is not %d-dimensional %s", name, rank,
                       cls == H5T_FLOAT ? "float64" : cls == H5T_INTEGER ? "integer" : "strings");
    }
    *out = d;
    return HR_OK;
}

/* Reads a 1-D numeric dataset of exactly n values. */
static int read_1d(const reader *rd, const char *name, H5T_class_t cls, hid_t mtype, hsize_t n,
                   void *out)
{
    hsize_t dims[1];
    hid_t d;
    int st = open_dset(rd, name, cls, 1, dims, &d);
    if (st)
        return st;
    if (dims[0] != n) {
        H5Dclose(d);
        return CORRUPT(rd, "the dataset '%s' has %llu values (expected %llu)", name,
                       (unsigned long long)dims[0], (unsigned long long)n);
    }
    herr_t e = n ? H5Dread(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, out) : 0;
    H5Dclose(d);
    return e < 0 ? CORRUPT(rd, "the dataset '%s' cannot be read (damaged data)", name) : HR_OK;
}

static int read_file(reader *rd, hr_recording **out)
{
    char fmt[64];
    int st = read_attr_fixed(rd, rd->file, "format", fmt, sizeof fmt);
    if (st)
        return HR_ERROR(HR_EPARSE, "%s: not a hydrores recording (no 'format' attribute "
                        "\"%s\" at the root)", rd->path, HR_RECORDING_FORMAT);
    if (strcmp(fmt, HR_RECORDING_FORMAT) != 0)
        return HR_ERROR(HR_EPARSE, "%s: not a hydrores recording (format '%s', allowed: '%s')",
                        rd->path, fmt, HR_RECORDING_FORMAT);
    int32_t version;
    if ((st = read_attr_num(rd, rd->file, "format_version", H5T_INTEGER, H5T_NATIVE_INT32, &version)))
        return st;
    if (version != HR_RECORDING_VERSION)
        return HR_ERROR(HR_EPARSE, "%s: recording format version %d (allowed: %d; written by a "
                        "%s hydrores)", rd->path, (int)version, HR_RECORDING_VERSION,
                        version > HR_RECORDING_VERSION ? "newer" : "different");
    double dt;
    uint32_t crc;
    if ((st = read_attr_num(rd, rd->file, "dt_s", H5T_FLOAT, H5T_NATIVE_DOUBLE, &dt)) ||
        (st = read_attr_num(rd, rd->file, "crc32", H5T_INTEGER, H5T_NATIVE_UINT32, &crc)))
        return st;
    if (!(dt > 0) || !isfinite(dt))
        return CORRUPT(rd, "dt_s = %g (allowed: > 0)", dt);
    hsize_t d3[3];
    hid_t d;
    if ((st = open_dset(rd, "traces", H5T_FLOAT, 3, d3, &d)))
        return st;
    H5Dclose(d);
    if (d3[0] < 1 || d3[0] > 10000000 || d3[1] < 1 || d3[1] > 64 || d3[2] < 1 ||
        d3[0] * d3[1] * d3[2] > (hsize_t)HR_RECORDING_MAX_VALUES)
        return CORRUPT(rd, "traces are %llu x %llu x %llu (allowed: 1 .. 10^7 runs, 1 .. 64 "
                       "probes, at most %ld values)", (unsigned long long)d3[0],
                       (unsigned long long)d3[1], (unsigned long long)d3[2],
                       (long)HR_RECORDING_MAX_VALUES);
    int nruns = (int)d3[0], np = (int)d3[1], nt = (int)d3[2];
    hsize_t ns;
    if ((st = open_dset(rd, "sources/maker", H5T_INTEGER, 1, &ns, &d)))
        return st;
    H5Dclose(d);
    if (ns > (hsize_t)nruns * HR_STIMULUS_MAX_SOURCES)
        return CORRUPT(rd, "%llu sources for %d runs (allowed: at most %d per run)",
                       (unsigned long long)ns, nruns, HR_STIMULUS_MAX_SOURCES);
    hsize_t nk;
    if ((st = open_dset(rd, "sources/stream", H5T_FLOAT, 1, &nk, &d)))
        return st;
    H5Dclose(d);
    if (nk > (hsize_t)HR_RECORDING_MAX_VALUES)
        return CORRUPT(rd, "%llu stream samples (allowed: at most %ld)", (unsigned long long)nk,
                       (long)HR_RECORDING_MAX_VALUES);
    flat f;
    if ((st = flat_alloc(&f, nruns, np, nt, (int)ns, (long)nk)))
        return st;
    hid_t D = H5T_NATIVE_DOUBLE, I = H5T_NATIVE_INT32, L = H5T_NATIVE_INT64;
    hsize_t r = (hsize_t)nruns;
    /* traces and spread: 3-D, the shape checked above. */
    const char *three[2] = {"traces", "spread"};
    double *dst[2] = {f.traces, f.spread};
    for (int i = 0; i < 2 && !st; i++) {
        hsize_t dd[3];
        if ((st = open_dset(rd, three[i], H5T_FLOAT, 3, dd, &d)))
            break;
        if (dd[0] != d3[0] || dd[1] != d3[1] || dd[2] != d3[2])
            st = CORRUPT(rd, "'%s' has another shape than 'traces'", three[i]);
        else if (H5Dread(d, D, H5S_ALL, H5S_ALL, H5P_DEFAULT, dst[i]) < 0)
            st = CORRUPT(rd, "the dataset '%s' cannot be read (damaged data)", three[i]);
        H5Dclose(d);
    }
    if (!st)
        st = read_1d(rd, "runs/length", H5T_INTEGER, I, r, f.length);
    if (!st)
        st = read_1d(rd, "runs/t_end", H5T_FLOAT, D, r, f.t_end);
    if (!st)
        st = read_1d(rd, "runs/time", H5T_FLOAT, D, r, f.time);
    if (!st)
        st = read_1d(rd, "runs/repeats", H5T_INTEGER, I, r, f.repeats);
    if (!st)
        st = read_1d(rd, "runs/tries", H5T_INTEGER, I, r, f.tries);
    const char *sn[] = {"sources/run", "sources/maker", "sources/stream_length"};
    int32_t *si[] = {f.srun, f.maker, f.slen};
    for (int i = 0; i < 3 && !st; i++)
        st = read_1d(rd, sn[i], H5T_INTEGER, I, ns, si[i]);
    const char *dn[] = {"sources/amplitude", "sources/frequency", "sources/phase", "sources/start",
                        "sources/duration",  "sources/ramp",      "sources/stream_dt"};
    double *dv[] = {f.amp, f.freq, f.phase, f.start, f.dur, f.ramp, f.sdt};
    for (int i = 0; i < 7 && !st; i++)
        st = read_1d(rd, dn[i], H5T_FLOAT, D, ns, dv[i]);
    if (!st)
        st = read_1d(rd, "sources/stream_offset", H5T_INTEGER, L, ns, f.soff);
    if (!st)
        st = read_1d(rd, "sources/stream", H5T_FLOAT, D, nk, f.stream);
    if (!st)
        st = read_1d(rd, "probes/x", H5T_FLOAT, D, (hsize_t)np, f.px);
    if (!st)
        st = read_1d(rd, "probes/y", H5T_FLOAT, D, (hsize_t)np, f.py);
    if (!st && flat_crc(&f) != crc)
        st = CORRUPT(rd, "the values do not match the file's checksum (crc32 %08x, computed "
                     "%08x)", (unsigned)crc, (unsigned)flat_crc(&f));
    /* Values. */
    for (int i = 0; i < nruns && !st; i++) {
        if (f.length[i] < 1 || f.length[i] > nt)
            st = CORRUPT(rd, "run %d has length %d (allowed: 1 .. %d)", i, (int)f.length[i], nt);
        else if (f.repeats[i] < 1 || f.tries[i] < 0)
            st = CORRUPT(rd, "run %d: repeats %d, tries %d", i, (int)f.repeats[i], (int)f.tries[i]);
        else if (!(f.t_end[i] > 0) || !isfinite(f.t_end[i]))
            st = CORRUPT(rd, "run %d: t_end = %g (allowed: > 0)", i, f.t_end[i]);
        for (int p = 0; p < np && !st; p++)
            for (int t = 0; t < f.length[i] && !st; t++) {
                size_t o = ((size_t)i * (size_t)np + (size_t)p) * (size_t)nt + (size_t)t;
                if (!isfinite(f.traces[o]) || !isfinite(f.spread[o]))
                    st = CORRUPT(rd, "run %d, probe %d, sample %d is not a finite number", i, p, t);
            }
    }
    int per_run = 0;
    for (int s = 0; s < (int)ns && !st; s++) {
        per_run = s > 0 && f.srun[s] == f.srun[s - 1] ? per_run + 1 : 1;
        if (f.srun[s] < 0 || f.srun[s] >= nruns || (s > 0 && f.srun[s] < f.srun[s - 1]))
            st = CORRUPT(rd, "source %d belongs to run %d (allowed: runs in order, 0 .. %d)", s,
                         (int)f.srun[s], nruns - 1);
        else if (per_run > HR_STIMULUS_MAX_SOURCES)
            st = CORRUPT(rd, "run %d has more than %d sources", (int)f.srun[s], HR_STIMULUS_MAX_SOURCES);
        else if (f.maker[s] < 0 || f.maker[s] >= HR_STIMULUS_MAX_SOURCES)
            st = CORRUPT(rd, "source %d drives maker %d (allowed: 0 .. %d)", s, (int)f.maker[s],
                         HR_STIMULUS_MAX_SOURCES - 1);
        else if (!isfinite(f.amp[s]) || !isfinite(f.freq[s]) || !isfinite(f.phase[s]) ||
                 !(f.start[s] >= 0) || !(f.dur[s] >= 0) || !(f.ramp[s] >= 0) ||
                 !isfinite(f.start[s] + f.dur[s] + f.ramp[s]) || !isfinite(f.sdt[s]))
            st = CORRUPT(rd, "source %d has a parameter that is not a finite number >= 0", s);
        else if (f.slen[s] < 0 || f.soff[s] < 0 || f.soff[s] > (int64_t)nk ||
                 f.slen[s] > (int64_t)nk - f.soff[s] || (f.slen[s] > 0 && !(f.sdt[s] > 0)))
            st = CORRUPT(rd, "source %d's stream (offset %lld, %d samples, %g s apart) is outside "
                         "the %llu stored samples", s, (long long)f.soff[s], (int)f.slen[s],
                         f.sdt[s], (unsigned long long)nk);
    }
    for (long k = 0; k < (long)nk && !st; k++)
        if (!isfinite(f.stream[k]))
            st = CORRUPT(rd, "stream sample %ld is not a finite number", k);
    /* Build the recording. */
    hr_recording *rec = NULL;
    if (!st)
        st = hr_recording_create(&rec, np, dt);
    char *hello = NULL, *cfg = NULL;
    if (!st && !(st = read_attr_str(rd, rd->file, "tank_hello", &hello)))
        st = read_attr_str(rd, rd->file, "config_xml", &cfg);
    if (!st)
        st = hr_recording_set_text(rec, hello, cfg);
    free(hello);
    free(cfg);
    if (!st)
        st = read_attr_fixed(rd, rd->file, "experiment", rec->experiment, sizeof rec->experiment);
    if (!st)
        st = read_attr_fixed(rd, rd->file, "substrate_kind", rec->substrate_kind,
                             sizeof rec->substrate_kind);
    if (!st)
        st = read_attr_fixed(rd, rd->file, "created", rec->created, sizeof rec->created);
    if (!st)
        st = read_attr_fixed(rd, rd->file, "hydrores_version", rec->hydrores_version,
                             sizeof rec->hydrores_version);
    if (!st)
        st = read_attr_fixed(rd, rd->file, "units", rec->units, sizeof rec->units);
    /* Probe names. */
    if (!st) {
        hsize_t dn1;
        if (!(st = open_dset(rd, "probes/name", H5T_STRING, 1, &dn1, &d))) {
            if (dn1 != (hsize_t)np) {
                st = CORRUPT(rd, "%llu probe names for %d probes", (unsigned long long)dn1, np);
            } else {
                hid_t t = H5Dget_type(d);
                if (H5Tis_variable_str(t) != 0 || H5Tget_size(t) != 32) {
                    st = CORRUPT(rd, "probe names are not 32-byte strings");
                } else {
                    char names[64][33];
                    hid_t m = str_type(33);
                    H5Tset_cset(m, H5Tget_cset(t) == H5T_CSET_ASCII ? H5T_CSET_ASCII : H5T_CSET_UTF8);
                    memset(names, 0, sizeof names);
                    if (H5Dread(d, m, H5S_ALL, H5S_ALL, H5P_DEFAULT, names) < 0)
                        st = CORRUPT(rd, "probe names cannot be read");
                    for (int p = 0; p < np && !st; p++) {
                        names[p][32] = '\0';
                        if (strlen(names[p]) >= sizeof rec->probes[p].name)
                            st = CORRUPT(rd, "probe %d's name is too long", p);
                        else
                            snprintf(rec->probes[p].name, sizeof rec->probes[p].name, "%s", names[p]);
                    }
                    H5Tclose(m);
                }
                H5Tclose(t);
            }
            H5Dclose(d);
        }
    }
    for (int p = 0; p < np && !st; p++) {
        rec->probes[p].x = f.px[p];
        rec->probes[p].y = f.py[p];
        snprintf(rec->probes[p].units, sizeof rec->probes[p].units, "%s", rec->units);
    }
    /* Runs. */
    int s = 0;
    double *tmp = NULL, *tmp2 = NULL;
    if (!st) {
        tmp = malloc((size_t)np * (size_t)nt * sizeof *tmp);
        tmp2 = malloc((size_t)np * (size_t)nt * sizeof *tmp2);
        if (!tmp || !tmp2)
            st = HR_ERROR(HR_ENOMEM, "out of memory");
    }
    for (int i = 0; i < nruns && !st; i++) {
        hr_stimulus stim;
        memset(&stim, 0, sizeof stim);
        for (; s < (int)ns && f.srun[s] == i; s++) {
            hr_source *src = &stim.sources[stim.nsources++];
            src->index = f.maker[s];
            src->amplitude = f.amp[s];
            src->frequency = f.freq[s];
            src->phase = f.phase[s];
            src->start = f.start[s];
            src->duration = f.dur[s];
            src->ramp = f.ramp[s];
            src->sample_dt = f.sdt[s];
            src->nsamples = f.slen[s];
            src->samples = f.slen[s] > 0 ? f.stream + f.soff[s] : NULL;
        }
        stim.t_end = f.t_end[i];
        int len = f.length[i];
        for (int p = 0; p < np; p++)
            for (int t = 0; t < len; t++) {
                size_t o = ((size_t)i * (size_t)np + (size_t)p) * (size_t)nt + (size_t)t;
                tmp[(size_t)p * (size_t)len + (size_t)t] = f.traces[o];
                tmp2[(size_t)p * (size_t)len + (size_t)t] = f.spread[o];
            }
        st = hr_recording_add(rec, &stim, tmp, len, tmp2, f.repeats[i], f.tries[i], f.time[i]);
    }
    free(tmp);
    free(tmp2);
    flat_free(&f);
    if (st) {
        hr_recording_destroy(rec);
        return st;
    }
    *out = rec;
    return HR_OK;
}

int hr_recording_read(const char *path, hr_recording **out)
{
    *out = NULL;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    if (access(path, R_OK) != 0)
        return HR_ERROR(HR_EIO, "%s: cannot open the recording (%s)", path, strerror(errno));
    htri_t is = H5Fis_hdf5(path);
    if (is <= 0)
        return HR_ERROR(HR_EPARSE, "%s: corrupt recording: not an HDF5 file, or truncated or "
                        "damaged", path);
    reader rd = {.path = path};
    rd.file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (rd.file < 0)
        return HR_ERROR(HR_EPARSE, "%s: corrupt recording: HDF5 cannot open it (truncated or "
                        "damaged)", path);
    int st = read_file(&rd, out);
    if (H5Fclose(rd.file) < 0 && !st) {
        hr_recording_destroy(*out);
        *out = NULL;
        st = HR_ERROR(HR_EPARSE, "%s: corrupt recording: HDF5 cannot close it", path);
    }
    return st;
}
