/* pipeline.c — evaluating an experiment: task samples are encoded into
 * stimuli, run through the substrate (with a per-worker trace cache), read
 * out into the readout matrix X, and scored (separability of X and the task
 * score of a trained linear readout). Each part's settings are decoded into
 * typed structs once per evaluation, after the genome is applied. */
#include "reservoir/pipeline.h"
#include "base/status.h"
#include "reservoir/encoder.h"
#include "reservoir/fitness.h"
#include "reservoir/linreg.h"
#include "reservoir/readout.h"
#include "reservoir/separability.h"
#include "tasks/task_kind.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CACHE_SLOTS 32

typedef struct cache_entry {
    uint64_t key;      /* hash of the stimulus and the substrate settings */
    long stamp;        /* last use, for LRU replacement */
    hr_traces traces;  /* owned copy */
} cache_entry;

/* One instance of a HR_SUBSTRATE_SERIAL kind, shared by the workers of one
 * evaluation: runs go one at a time. */
typedef struct shared_substrate {
    hr_substrate *sub;    /* the instance */
    pthread_mutex_t lock; /* held for every run and snapshot */
    int refs;             /* workers using it */
} shared_substrate;

struct hr_worker {
    hr_experiment *exp;          /* the worker's own copy; genomes are decoded into it */
    hr_experiment *base;         /* the experiment as given (genes at configured values) */
    hr_substrate *sub;           /* open substrate instance (shared->sub if shared) */
    shared_substrate *shared;    /* non-NULL for a serial substrate kind */
    hr_section *sub_settings;    /* settings the substrate was opened with */
    int nocache;                 /* nondeterministic substrate: every stimulus really runs */
    hr_task *task;               /* task data (deterministic from task.seed) */
    const hr_task_type *task_type;
    hr_section *task_settings;   /* settings the task was made with */
    const hr_encoder_type *enc_type;
    void *enc;                   /* decoded encoder settings (enc_type->settings_size) */
    hr_readout_settings ro;      /* decoded readout settings */
    int ro_t_index;              /* index of readout.t in its table (gene resolution) */
    const hr_fitness_type *fit_type;
    void *fit;                   /* decoded fitness settings (starts with hr_fitness_common) */
    cache_entry cache[CACHE_SLOTS];
    long clock, lookups, hits;
    int snapshots;               /* simulate: keep the surface after every run */
    double *work;                /* stream encoding scratch */
};

/* ---- Cache ---- */

static uint64_t fnv(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static uint64_t stimulus_key(const hr_stimulus *st, const hr_section *sub)
{
    uint64_t h = 1469598103934665603ULL;
    h = fnv(h, &st->nsources, sizeof st->nsources);
    for (int i = 0; i < st->nsources; i++) {
        const hr_source *s = &st->sources[i];
        double f[] = {s->amplitude, s->frequency, s->phase, s->start, s->duration, s->ramp,
                      s->sample_dt};
        h = fnv(h, &s->index, sizeof s->index);
        h = fnv(h, f, sizeof f);
        h = fnv(h, &s->nsamples, sizeof s->nsamples);
        if (s->nsamples > 0)
            h = fnv(h, s->samples, (size_t)s->nsamples * sizeof *s->samples);
    }
    for (int i = 0; i < sub->nspec; i++) {
        h = fnv(h, sub->val + (size_t)i * HR_PARAM_MAXLIST, (size_t)sub->len[i] * sizeof(double));
        h = fnv(h, sub->str[i], strlen(sub->str[i]));
    }
    return h;
}

static void cache_clear(hr_worker *w)
{
    for (int i = 0; i < CACHE_SLOTS; i++) {
        free(w->cache[i].traces.data);
        memset(&w->cache[i], 0, sizeof w->cache[i]);
    }
}

/* Runs the stimulus on the worker's substrate (queued behind the lock of a
 * shared one). */
static int substrate_run(hr_worker *w, const hr_stimulus *stim, hr_traces *out)
{
    if (!w->shared)
        return hr_substrate_run(w->sub, stim, out);
    pthread_mutex_lock(&w->shared->lock);
    int st = hr_substrate_run(w->sub, stim, out);
    pthread_mutex_unlock(&w->shared->lock);
    return st;
}

/* The traces of a stimulus: from the cache if this stimulus ran before on
 * these settings (and long enough), else a real run kept in the least
 * recently used slot. The traces are borrowed: valid until the slot is
 * replaced. */
static int cached_run(hr_worker *w, const hr_stimulus *stim, hr_traces *out)
{
    if (w->snapshots || w->nocache)
        cache_clear(w); /* every run must really happen (to leave its surface, or because
                           a nondeterministic substrate's repeats are meaningful) */
    uint64_t key = stimulus_key(stim, w->sub_settings);
    w->lookups++;
    w->clock++;
    int victim = 0;
    for (int i = 0; i < CACHE_SLOTS; i++) {
        cache_entry *c = &w->cache[i];
        if (c->traces.data && c->key == key &&
            (double)(c->traces.nt - 1) * c->traces.dt >= stim->t_end - 1e-9 * c->traces.dt) {
            c->stamp = w->clock;
            w->hits++;
            *out = c->traces;
            return HR_OK;
        }
        if (!w->cache[victim].traces.data)
            continue;
        if (!c->traces.data || c->stamp < w->cache[victim].stamp)
            victim = i;
    }
    cache_entry *c = &w->cache[victim];
    free(c->traces.data);
    memset(c, 0, sizeof *c);
    int st = substrate_run(w, stim, &c->traces);
    if (st)
        return st;
    c->key = key;
    c->stamp = w->clock;
    *out = c->traces;
    return HR_OK;
}

/* ---- Worker ---- */

static int same_settings(const hr_section *a, const hr_section *b)
{
    if (!a || !b || a->spec != b->spec || strcmp(a->kind, b->kind) != 0)
        return 0;
    for (int i = 0; i < a->nspec; i++) {
        if (a->len[i] != b->len[i] || strcmp(a->str[i], b->str[i]) != 0)
            return 0;
        if (memcmp(a->val + (size_t)i * HR_PARAM_MAXLIST, b->val + (size_t)i * HR_PARAM_MAXLIST,
                   (size_t)a->len[i] * sizeof(double)) != 0)
            return 0;
    }
    return 1;
}

static void shared_release(shared_substrate *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->lock);
    int left = --s->refs;
    pthread_mutex_unlock(&s->lock);
    if (left > 0)
        return;
    hr_substrate_close(s->sub);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

/* Opens the substrate of settings `ss`: shares `peer`'s serial instance
 * when it has one, else a new instance (shared itself if the kind is
 * serial, so that later peers can join it). */
static int open_substrate(hr_worker *w, const hr_section *ss, hr_worker *peer)
{
    if (peer && peer->shared && same_settings(ss, peer->sub_settings)) {
        pthread_mutex_lock(&peer->shared->lock);
        peer->shared->refs++;
        pthread_mutex_unlock(&peer->shared->lock);
        w->shared = peer->shared;
        w->sub = w->shared->sub;
    } else {
        int st = hr_substrate_open(&w->sub, ss);
        if (st)
            return st;
        if (hr_substrate_flags_of(w->sub) & HR_SUBSTRATE_SERIAL) {
            w->shared = calloc(1, sizeof *w->shared);
            if (!w->shared) {
                hr_substrate_close(w->sub);
                w->sub = NULL;
                return HR_ERROR(HR_ENOMEM, "out of memory");
            }
            w->shared->sub = w->sub;
            w->shared->refs = 1;
            pthread_mutex_init(&w->shared->lock, NULL);
        }
    }
    w->nocache = (hr_substrate_flags_of(w->sub) & HR_SUBSTRATE_NONDETERMINISTIC) != 0;
    return HR_OK;
}

static void close_substrate(hr_worker *w)
{
    if (w->shared)
        shared_release(w->shared);
    else
        hr_substrate_close(w->sub);
    w->shared = NULL;
    w->sub = NULL;
}

/* Re-opens the substrate and re-makes the task if the (possibly gene-set)
 * settings changed since they were made. */
static int sync_worker(hr_worker *w, hr_worker *peer)
{
    const hr_section *ss = w->exp->sec[HR_SEC_SUBSTRATE];
    if (!w->sub || !same_settings(ss, w->sub_settings)) {
        if (w->shared)
            return HR_ERROR(HR_EINVAL, "substrate kind '%s' is one shared instance (a physical "
                            "tank or its driver): its settings cannot change between "
                            "evaluations (allowed: genes on encoder, readout and task settings)",
                            ss->kind);
        close_substrate(w);
        cache_clear(w);
        hr_section_destroy(w->sub_settings);
        w->sub_settings = hr_section_clone(ss);
        if (!w->sub_settings)
            return HR_ERROR(HR_ENOMEM, "out of memory");
        int st = open_substrate(w, ss, peer);
        if (st)
            return st;
    }
    const hr_section *ts = w->exp->sec[HR_SEC_TASK];
    if (!w->task || !same_settings(ts, w->task_settings)) {
        hr_task_free(w->task);
        w->task = NULL;
        hr_section_destroy(w->task_settings);
        w->task_settings = hr_section_clone(ts);
        if (!w->task_settings)
            return HR_ERROR(HR_ENOMEM, "out of memory");
        w->task_type = hr_task_type_find(ts->kind);
        int st = hr_task_make(ts, &w->task);
        if (st)
            return st;
        free(w->work);
        w->work = malloc((w->task->n_rows + 1) * sizeof *w->work);
        if (!w->work)
            return HR_ERROR(HR_ENOMEM, "out of memory");
    }
    return HR_OK;
}

/* Decodes `sec` into *buf, (re)allocated to `size` bytes for kind `*type`
 * of class `cls` (looked up when the kind changed). */
static int decode_part(const hr_section *sec, enum hr_class cls, const hr_kind **type,
                       size_t (*size_of)(const hr_kind *), void **buf)
{
    if (!*type || strcmp((*type)->name, sec->kind) != 0) {
        int st = hr_kind_lookup(cls, sec->kind, type);
        if (st)
            return st;
        free(*buf);
        *buf = calloc(1, size_of(*type));
        if (!*buf)
            return HR_ERROR(HR_ENOMEM, "out of memory for the %s settings", hr_class_name(cls));
    }
    hr_section_decode(sec, *buf);
    return HR_OK;
}

static size_t encoder_size(const hr_kind *k) { return ((const hr_encoder_type *)k)->settings_size; }
static size_t fitness_size(const hr_kind *k) { return ((const hr_fitness_type *)k)->settings_size; }

/* Decodes the encoder, readout and fitness settings (after the genome). */
static int decode_parts(hr_worker *w)
{
    const hr_experiment *e = w->exp;
    int st = decode_part(e->sec[HR_SEC_ENCODER], HR_CLASS_ENCODER,
                         (const hr_kind **)&w->enc_type, encoder_size, &w->enc);
    if (!st)
        st = decode_part(e->sec[HR_SEC_FITNESS], HR_CLASS_FITNESS,
                         (const hr_kind **)&w->fit_type, fitness_size, &w->fit);
    if (st)
        return st;
    hr_section_decode(e->sec[HR_SEC_READOUT], &w->ro);
    return HR_OK;
}

int hr_worker_create_peer(hr_worker **out, const hr_experiment *e, hr_worker *peer)
{
    *out = NULL;
    hr_worker *w = calloc(1, sizeof *w);
    if (!w)
        return HR_ERROR(HR_ENOMEM, "out of memory for a worker");
    w->exp = hr_experiment_clone(e);
    w->base = hr_experiment_clone(e);
    if (!w->exp || !w->base) {
        hr_worker_destroy(w);
        return HR_ERROR(HR_ENOMEM, "out of memory for a worker");
    }
    int st = hr_experiment_complete(w->base);
    if (!st)
        st = hr_experiment_complete(w->exp);
    if (!st)
        st = hr_experiment_check(w->exp);
    if (!st) {
        w->ro_t_index = hr_section_find(w->exp->sec[HR_SEC_READOUT], "t");
        st = sync_worker(w, peer);
    }
    if (!st)
        st = decode_parts(w);
    if (st) {
        hr_worker_destroy(w);
        return st;
    }
    *out = w;
    return HR_OK;
}

int hr_worker_create(hr_worker **out, const hr_experiment *e)
{
    return hr_worker_create_peer(out, e, NULL);
}

void hr_worker_destroy(hr_worker *w)
{
    if (!w)
        return;
    cache_clear(w);
    close_substrate(w);
    hr_section_destroy(w->sub_settings);
    hr_section_destroy(w->task_settings);
    hr_task_free(w->task);
    hr_experiment_destroy(w->exp);
    hr_experiment_destroy(w->base);
    free(w->enc);
    free(w->fit);
    free(w->work);
    free(w);
}

void hr_worker_cache_stats(const hr_worker *w, long *lookups, long *hits)
{
    *lookups = w->lookups;
    *hits = w->hits;
}

const hr_experiment *hr_worker_experiment(const hr_worker *w) { return w->exp; }
const hr_substrate *hr_worker_substrate(const hr_worker *w) { return w->sub; }
const hr_task *hr_worker_task(const hr_worker *w) { return w->task; }

void hr_result_free(hr_result *r)
{
    if (!r)
        return;
    free(r->x);
    free(r->xh);
    free(r->in);
    free(r->inh);
    free(r->y);
    free(r->yh);
    free(r->pred);
    free(r->predh);
    free(r->weights);
    for (int i = 0; i < r->ntraces; i++)
        free(r->traces[i].data);
    free(r->traces);
    for (int i = 0; r->snapshots && i < r->ntraces; i++)
        free(r->snapshots[i]);
    free(r->snapshots);
    memset(r, 0, sizeof *r);
}

/* With snapshots wanted, the surface of the run just made (a cache hit has
 * no state to show, so simulate bypasses the cache when snapshots are on). */
static int keep_snapshot(hr_worker *w, hr_result *res)
{
    double **s = realloc(res->snapshots, (size_t)(res->ntraces + 1) * sizeof *s);
    if (!s)
        return HR_ERROR(HR_ENOMEM, "out of memory keeping snapshots");
    res->snapshots = s;
    s[res->ntraces] = NULL;
    if (w->shared)
        pthread_mutex_lock(&w->shared->lock);
    int st = hr_substrate_snapshot(w->sub, &s[res->ntraces], &res->snap_nx, &res->snap_ny);
    if (w->shared)
        pthread_mutex_unlock(&w->shared->lock);
    return st;
}

static int keep_copy(hr_result *res, const hr_traces *tr)
{
    hr_traces *t = realloc(res->traces, (size_t)(res->ntraces + 1) * sizeof *t);
    if (!t)
        return HR_ERROR(HR_ENOMEM, "out of memory keeping traces");
    res->traces = t;
    t += res->ntraces;
    *t = *tr;
    size_t n = (size_t)tr->nprobes * (size_t)tr->nt;
    t->data = malloc(n * sizeof *t->data);
    if (!t->data)
        return HR_ERROR(HR_ENOMEM, "out of memory keeping traces");
    memcpy(t->data, tr->data, n * sizeof *t->data);
    res->ntraces++;
    return HR_OK;
}

/* Time the traces must reach so every readout time can be sampled (two
 * extra samples for the interpolating rules). */
static double needed_end(double tmax, double dt)
{
    return (floor(tmax / dt + 1e-9) + 2) * dt;
}

/* Columns of the readout matrix: probes x readout times. */
static int feature_columns(const hr_worker *w, int *ncols)
{
    int np;
    double dt;
    int st = hr_substrate_probes(w->sub, &np, &dt);
    *ncols = np * w->ro.t.n;
    return st;
}

/* The latest readout time any genome can ask for: traces are recorded that
 * far, so genes that move readout times find their traces in the cache. */
static double latest_readout(const hr_worker *w, double tmax)
{
    const hr_experiment *e = w->exp;
    for (int i = 0; i < e->ngenes; i++) {
        const hr_gene *g = &e->genes[i];
        if (g->section == HR_SEC_READOUT && g->spec_index == w->ro_t_index && g->hi > tmax)
            tmax = g->hi;
    }
    return tmax;
}

/* Runs one stimulus (t_end set) and reads rows [r0, r1) of X_all from it,
 * row r at offset (r - r0) * step. */
static int run_rows(hr_worker *w, const hr_stimulus *stim, size_t r0, size_t r1, double step,
                    double *xall, int ncols, hr_result *res, int keep)
{
    hr_traces tr;
    int st = cached_run(w, stim, &tr);
    if (!st && keep && w->snapshots)
        st = keep_snapshot(w, res);
    if (!st && keep)
        st = keep_copy(res, &tr);
    for (size_t r = r0; r < r1 && !st; r++)
        st = hr_readout_row(&tr, w->ro.t.v, w->ro.t.n, (double)(r - r0) * step,
                            (enum hr_readout_rule)w->ro.rule, 0, xall + r * (size_t)ncols);
    return st;
}

/* Fills the feature rows of the first nrows task rows: X_all (n_rows x ncols). */
static int read_rows(hr_worker *w, double *xall, int ncols, hr_result *res, int keep,
                     size_t nrows)
{
    const hr_experiment *e = w->exp;
    const hr_task *t = w->task;
    int np;
    double dt;
    int st = hr_substrate_probes(w->sub, &np, &dt);
    if (st)
        return st;
    double tmax = 0;
    for (int j = 0; j < w->ro.t.n; j++)
        tmax = w->ro.t.v[j] > tmax ? w->ro.t.v[j] : tmax;
    int stream_enc = (w->enc_type->base.flags & HR_ENCODER_STREAM) != 0;
    hr_stimulus stim;
    if (t->stream) {
        if (!stream_enc)
            return HR_ERROR(HR_EINVAL, "task '%s' is a time series and needs encoder kind 'stream' "
                            "(found '%s')", e->sec[HR_SEC_TASK]->kind, w->enc_type->base.name);
        double *u = malloc(t->n_rows * sizeof *u);
        if (!u)
            return HR_ERROR(HR_ENOMEM, "out of memory");
        for (size_t r = 0; r < t->n_rows; r++)
            u[r] = t->input[r * t->n_in];
        st = w->enc_type->encode(w->enc, u, (int)t->n_rows, w->work, &stim);
        free(u);
        if (st)
            return st;
        double step = w->enc_type->step ? w->enc_type->step(w->enc) : 0;
        if (tmax >= step)
            return HR_ERROR(HR_ERANGE, "readout time %g is not inside one input step (allowed: "
                            "0 <= t < encoder.step = %g for stream encoding)", tmax, step);
        stim.t_end = needed_end((double)(t->n_rows - 1) * step + tmax, dt);
        return run_rows(w, &stim, 0, t->n_rows, step, xall, ncols, res, keep);
    }
    if (stream_enc)
        return HR_ERROR(HR_EINVAL, "encoder kind '%s' needs a time-series task (narma10, "
                        "memory, mackey-glass), not '%s'", w->enc_type->base.name,
                        e->sec[HR_SEC_TASK]->kind);
    double t_end = needed_end(latest_readout(w, tmax), dt);
    for (size_t r = 0; r < nrows; r++) {
        st = w->enc_type->encode(w->enc, t->input + r * t->n_in, (int)t->n_in, w->work, &stim);
        if (!st) {
            stim.t_end = t_end;
            st = run_rows(w, &stim, r, r + 1, 0, xall, ncols, res, keep);
        }
        if (st)
            return hr_error_prefix(st, "sample %zu", r);
    }
    return HR_OK;
}

/* Trains the linear readout: ridge with lambda chosen by leave-one-out (up to
 * loo_max training rows) or k-fold cross-validation on the training rows
 * only, or least squares (minimum norm); "auto" takes least squares when X
 * has no more rows than columns. Keeps the weights; predictions for training
 * and held-out rows. */
static int train_readout(const hr_fitness_common *fit, int bias, hr_result *r)
{
    size_t m = (size_t)r->nrows, n = (size_t)r->ncols, q = (size_t)r->nout;
    double *wts = malloc((n + 1) * q * sizeof *wts);
    if (!wts)
        return HR_ERROR(HR_ENOMEM, "out of memory");
    int st;
    if (fit->readout == HR_TRAIN_LSTSQ || m < 3 ||
        (fit->readout == HR_TRAIN_AUTO && m <= n + (size_t)(bias != 0))) {
        r->lambda = 0;
        size_t rank;
        st = hr_linreg_lstsq(r->x, m, n, r->y, q, bias, wts, &rank);
    } else {
        size_t folds = m <= (size_t)fit->loo_max ? m : (size_t)fit->folds;
        if (folds > m)
            folds = m;
        st = hr_linreg_ridge_cv(r->x, r->y, m, n, q, bias, folds, fit->ridge_lo,
                                (size_t)fit->ridge_decades, wts, &r->lambda);
    }
    if (!st)
        st = hr_linreg_predict(r->x, m, n, wts, q, bias, r->pred);
    if (!st && r->nheld)
        st = hr_linreg_predict(r->xh, (size_t)r->nheld, n, wts, q, bias, r->predh);
    if (st) {
        free(wts);
        return st;
    }
    r->weights = wts;
    r->bias = bias != 0;
    return HR_OK;
}

/* The fitness kind's objectives into the result. */
static int compute_fitness(const hr_worker *w, hr_result *res)
{
    double obj[HR_MAX_OBJECTIVES];
    int st = w->fit_type->compute(w->fit, res, obj);
    if (st)
        return st;
    res->nobj = w->fit_type->nobj;
    memcpy(res->objectives, obj, (size_t)res->nobj * sizeof *obj);
    res->fitness = obj[0];
    return HR_OK;
}

static int evaluate(hr_worker *w, int flags, hr_result *res)
{
    const hr_task *t = w->task;
    const hr_fitness_common *fit = w->fit;
    int ncols;
    int st = feature_columns(w, &ncols);
    if (st)
        return st;
    double *xall = calloc(t->n_rows * (size_t)ncols, sizeof *xall);
    if (!xall)
        return HR_ERROR(HR_ENOMEM, "out of memory for the readout matrix");
    /* A separability fitness of per-sample tasks needs the training rows only. */
    unsigned ff = w->fit_type->base.flags;
    int lean = (flags & HR_EVAL_FITNESS_ONLY) &&
               !(ff & (HR_FITNESS_NEEDS_SCORE | HR_FITNESS_NEEDS_TRACES));
    size_t nrows_run = lean ? t->washout + t->n_train : t->n_rows;
    st = read_rows(w, xall, ncols, res,
                   (flags & HR_EVAL_TRACES) || (ff & HR_FITNESS_NEEDS_TRACES), nrows_run);
    if (st) {
        free(xall);
        return st;
    }
    res->ncols = ncols;
    res->nrows = (int)t->n_train;
    res->nheld = (int)t->n_test;
    res->nout = (int)t->n_out;
    res->nin = (int)t->n_in;
    size_t q = t->n_out, tr0 = t->washout, te0 = t->washout + t->n_train;
    res->in = malloc(t->n_train * t->n_in * sizeof *res->in);
    res->inh = malloc((t->n_test + 1) * t->n_in * sizeof *res->inh);
    if (!res->in || !res->inh) {
        free(xall);
        return HR_ERROR(HR_ENOMEM, "out of memory for the inputs");
    }
    memcpy(res->in, t->input + tr0 * t->n_in, t->n_train * t->n_in * sizeof *res->in);
    memcpy(res->inh, t->input + te0 * t->n_in, t->n_test * t->n_in * sizeof *res->inh);
    res->x = malloc(t->n_train * (size_t)ncols * sizeof *res->x);
    res->xh = malloc((t->n_test + 1) * (size_t)ncols * sizeof *res->xh);
    res->y = malloc(t->n_train * q * sizeof *res->y);
    res->yh = malloc((t->n_test + 1) * q * sizeof *res->yh);
    res->pred = malloc(t->n_train * q * sizeof *res->pred);
    res->predh = malloc((t->n_test + 1) * q * sizeof *res->predh);
    if (!res->x || !res->xh || !res->y || !res->yh || !res->pred || !res->predh) {
        free(xall);
        return HR_ERROR(HR_ENOMEM, "out of memory for the readout matrix");
    }
    memcpy(res->x, xall + tr0 * (size_t)ncols, t->n_train * (size_t)ncols * sizeof *xall);
    memcpy(res->xh, xall + te0 * (size_t)ncols, t->n_test * (size_t)ncols * sizeof *xall);
    memcpy(res->y, t->target + tr0 * q, t->n_train * q * sizeof *res->y);
    memcpy(res->yh, t->target + te0 * q, t->n_test * q * sizeof *res->yh);
    free(xall);

    /* Separability of X. */
    size_t m = (size_t)res->nrows, n = (size_t)ncols;
    res->det_abs = res->logdet = NAN;
    if (m == n && (st = hr_metric_det(res->x, n, &res->det_abs, &res->logdet, NULL)))
        return st;
    size_t rank;
    if ((st = hr_metric_logdet_gram(res->x, m, n, fit->lambda, &res->logdet_gram)) ||
        (st = hr_metric_rank(res->x, m, n, 0, &rank)) ||
        (st = hr_metric_effective_rank(res->x, m, n, &res->gen_rank)) ||
        (st = hr_metric_condition(res->x, m, n, &res->cond)))
        return st;
    res->kernel_rank = (double)rank;
    if (lean) {
        res->nheld = 0;
        snprintf(res->score_name, sizeof res->score_name, "none");
        res->score = res->score_train = NAN;
        return compute_fitness(w, res);
    }

    /* Trained readout and task score. */
    if ((st = train_readout(fit, w->ro.bias, res)))
        return st;
    hr_task_score sc;
    if ((st = hr_task_type_score(w->task_type, t, res->y, res->pred, m, &sc)))
        return st;
    res->score_train = sc.value;
    snprintf(res->score_name, sizeof res->score_name, "%s", sc.name);
    res->score_higher = sc.higher_is_better;
    res->score = sc.value;
    if (t->n_test) {
        if ((st = hr_task_type_score(w->task_type, t, hr_task_test_target(t), res->predh,
                                     t->n_test, &sc)))
            return st;
        res->score = sc.value;
    }
    return compute_fitness(w, res);
}

/* Starts from the configured experiment so genes not in the genome keep
 * their configured values, then decodes the genome and every part. */
static int prepare(hr_worker *w, const double *genome)
{
    for (int i = 0; i < HR_NSECTIONS; i++)
        if (w->exp->sec[i])
            hr_section_copy(w->exp->sec[i], w->base->sec[i]);
    memcpy(w->exp->genes, w->base->genes, sizeof w->exp->genes);
    int st = genome ? hr_experiment_set_genome(w->exp, genome, w->exp->ngenes) : HR_OK;
    if (!st)
        st = sync_worker(w, NULL);
    if (!st)
        st = decode_parts(w);
    return st;
}

int hr_worker_evaluate(hr_worker *w, const double *genome, int flags, hr_result *res)
{
    memset(res, 0, sizeof *res);
    res->fitness = -INFINITY;
    int st = prepare(w, genome);
    if (!st)
        st = evaluate(w, flags, res);
    if (st) {
        int ntr = res->ntraces;
        hr_traces *trs = res->traces;
        res->traces = NULL;
        res->ntraces = 0;
        hr_result_free(res);
        res->traces = trs;
        res->ntraces = ntr;
        res->fitness = -INFINITY;
    }
    return st;
}

int hr_worker_simulate(hr_worker *w, int snapshots, hr_result *res)
{
    memset(res, 0, sizeof *res);
    int st = sync_worker(w, NULL);
    if (!st)
        st = decode_parts(w);
    if (st)
        return st;
    if (snapshots && !w->sub->type->snapshot)
        snapshots = 0; /* nothing to show (the KdV probe traces are the output) */
    w->snapshots = snapshots;
    int ncols;
    if ((st = feature_columns(w, &ncols)))
        return st;
    double *xall = calloc(w->task->n_rows * (size_t)ncols, sizeof *xall);
    if (!xall)
        return HR_ERROR(HR_ENOMEM, "out of memory");
    st = read_rows(w, xall, ncols, res, 1, w->task->n_rows);
    w->snapshots = 0;
    free(xall);
    return st;
}

int hr_worker_amplitudes(hr_worker *w, double *out, int max, int *n)
{
    const hr_task *t = w->task;
    *n = 0;
    if (t->stream)
        return HR_ERROR(HR_ENOTSUP, "amplitude descriptors need a per-sample task, not a stream");
    for (size_t r = t->washout; r < t->washout + t->n_train; r++) {
        hr_stimulus stim;
        int st = w->enc_type->encode(w->enc, t->input + r * t->n_in, (int)t->n_in, w->work, &stim);
        if (st)
            return st;
        for (int i = 0; i < stim.nsources; i++) {
            if (*n >= max)
                return HR_ERROR(HR_ERANGE, "more than %d amplitudes", max);
            out[(*n)++] = stim.sources[i].amplitude;
        }
    }
    return HR_OK;
}
