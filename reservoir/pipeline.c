/* pipeline.c — evaluating an experiment: task samples are encoded into
 * stimuli, run through the substrate (with a per-worker trace cache), read
 * out into the readout matrix X, and scored (separability of X and the task
 * score of a trained linear readout). */
#include "reservoir/experiment.h"
#include "base/status.h"
#include "reservoir/encoder.h"
#include "reservoir/metrics.h"
#include "reservoir/readout.h"
#include "tasks/tasks.h"

#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CACHE_SLOTS 32

typedef struct cache_entry {
    uint64_t key;      /* hash of the stimulus and the substrate settings */
    long stamp;        /* last use, for LRU replacement */
    hr_traces traces;  /* owned copy */
} cache_entry;

struct hr_worker {
    hr_experiment *exp;          /* the worker's own copy; genomes are decoded into it */
    hr_experiment *base;         /* the experiment as given (genes at configured values) */
    hr_substrate *sub;           /* open substrate instance */
    hr_section *sub_settings;    /* settings the substrate was opened with */
    hr_task *task;               /* task data (deterministic from task.seed) */
    hr_section *task_settings;   /* settings the task was made with */
    cache_entry cache[CACHE_SLOTS];
    long clock, lookups, hits;
    int snapshots;               /* simulate: keep the surface after every run */
    double *work;                /* stream encoding scratch */
};

/* ---- Task ---- */

static int make_task(const hr_section *ts, hr_task **out)
{
    enum hr_task_kind kind;
    int st = hr_task_kind_parse(ts->kind, &kind);
    if (st)
        return st;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (!rng)
        return HR_ERROR(HR_ENOMEM, "out of memory for the task's generator");
    gsl_rng_set(rng, (unsigned long)hr_section_num(ts, "seed"));
    size_t train = (size_t)hr_section_int(ts, "train"), test = (size_t)hr_section_int(ts, "test");
    size_t washout = (size_t)hr_section_int(ts, "washout");
    switch (kind) {
    case HR_TASK_XNOR:
        st = hr_task_xnor(out, (size_t)hr_section_int(ts, "repetitions"),
                          hr_section_num(ts, "noise"), 1, rng);
        break;
    case HR_TASK_DIGITS:
        st = hr_task_digits(out, 8);
        if (!st && !hr_section_int(ts, "heldout"))
            (*out)->n_test = 0, (*out)->n_rows = (*out)->n_train;
        break;
    case HR_TASK_NARMA10: {
        hr_narma10_params p = {.washout = washout, .n_train = train, .n_test = test, .u_lo = 0,
                               .u_hi = 0.5, .bound = 1e3, .max_redraws = 10};
        st = hr_task_narma10(out, &p, rng);
        break;
    }
    case HR_TASK_MEMORY: {
        size_t kmax = (size_t)hr_section_int(ts, "kmax");
        hr_memory_params p = {.kmax = kmax, .washout = washout > kmax ? washout : kmax,
                              .n_train = train, .n_test = test, .u_lo = -1, .u_hi = 1};
        st = hr_task_memory(out, &p, rng);
        break;
    }
    default:
        st = HR_ERROR(HR_ENOTSUP, "task kind '%s' is not supported by the pipeline", ts->kind);
    }
    gsl_rng_free(rng);
    return st;
}

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

static void cache_clear(hr_worker *w);

static int cached_run(hr_worker *w, const hr_stimulus *stim, hr_traces *out)
{
    if (w->snapshots)
        cache_clear(w); /* every run must really happen, to leave its surface */
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
    int st = hr_substrate_run(w->sub, stim, &c->traces);
    if (st)
        return st;
    c->key = key;
    c->stamp = w->clock;
    *out = c->traces; /* borrowed: valid until this slot is replaced */
    return HR_OK;
}

static void cache_clear(hr_worker *w)
{
    for (int i = 0; i < CACHE_SLOTS; i++) {
        free(w->cache[i].traces.data);
        memset(&w->cache[i], 0, sizeof w->cache[i]);
    }
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

/* Re-opens the substrate and re-makes the task if the (possibly gene-set)
 * settings changed since they were made. */
static int sync_worker(hr_worker *w)
{
    const hr_section *ss = w->exp->sec[HR_SEC_SUBSTRATE];
    if (!w->sub || !same_settings(ss, w->sub_settings)) {
        hr_substrate_close(w->sub);
        w->sub = NULL;
        cache_clear(w);
        hr_section_destroy(w->sub_settings);
        w->sub_settings = hr_section_clone(ss);
        if (!w->sub_settings)
            return HR_ERROR(HR_ENOMEM, "out of memory");
        int st = hr_substrate_open(&w->sub, ss);
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
        int st = make_task(ts, &w->task);
        if (st)
            return st;
        free(w->work);
        w->work = malloc((w->task->n_rows + 1) * sizeof *w->work);
        if (!w->work)
            return HR_ERROR(HR_ENOMEM, "out of memory");
    }
    return HR_OK;
}

int hr_worker_create(hr_worker **out, const hr_experiment *e)
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
    if (!st)
        st = sync_worker(w);
    if (st) {
        hr_worker_destroy(w);
        return st;
    }
    *out = w;
    return HR_OK;
}

void hr_worker_destroy(hr_worker *w)
{
    if (!w)
        return;
    cache_clear(w);
    hr_substrate_close(w->sub);
    hr_section_destroy(w->sub_settings);
    hr_section_destroy(w->task_settings);
    hr_task_free(w->task);
    hr_experiment_destroy(w->exp);
    hr_experiment_destroy(w->base);
    free(w->work);
    free(w);
}

void hr_worker_cache_stats(const hr_worker *w, long *lookups, long *hits)
{
    *lookups = w->lookups;
    *hits = w->hits;
}

const hr_experiment *hr_worker_experiment(const hr_worker *w) { return w->exp; }

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
    return hr_substrate_snapshot(w->sub, &s[res->ntraces], &res->snap_nx, &res->snap_ny);
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
    int ntimes, np;
    double dt;
    hr_section_list(w->exp->sec[HR_SEC_READOUT], "t", &ntimes);
    int st = hr_substrate_probes(w->sub, &np, &dt);
    *ncols = np * ntimes;
    return st;
}

/* The separability fitness `kind` of X (m x n): log|det X| or |det X| for
 * square X, log det(X^T X + lambda I) for any. */
static int separability_fitness(const char *kind, hr_result *res, size_t m, size_t n)
{
    if (strcmp(kind, "logdet_gram") == 0) {
        res->fitness = res->logdet_gram;
        return HR_OK;
    }
    if (m != n)
        return HR_ERROR(HR_EINVAL, "fitness '%s' needs a square readout matrix, X is %zu x %zu "
                        "(allowed: logdet_gram or score for non-square X)", kind, m, n);
    res->fitness = strcmp(kind, "det_abs") == 0 ? res->det_abs : res->logdet;
    return HR_OK;
}

/* Fills the feature rows of all task rows: X_all (n_rows x ncols). */
static int read_rows(hr_worker *w, double *xall, int ncols, hr_result *res, int keep,
                     size_t nrows)
{
    const hr_experiment *e = w->exp;
    const hr_section *enc = e->sec[HR_SEC_ENCODER], *ro = e->sec[HR_SEC_READOUT];
    const hr_task *t = w->task;
    int ntimes, np;
    double dt;
    const double *times = hr_section_list(ro, "t", &ntimes);
    int rule = hr_readout_rule_parse(hr_section_str(ro, "rule"));
    int st = hr_substrate_probes(w->sub, &np, &dt);
    if (st)
        return st;
    /* Record up to the latest time any genome can read, so genes that move
     * readout times find their traces in the cache. */
    double tmax = 0, tmax_any;
    for (int j = 0; j < ntimes; j++)
        tmax = times[j] > tmax ? times[j] : tmax;
    tmax_any = tmax;
    for (int i = 0; i < e->ngenes; i++)
        if (e->genes[i].section == HR_SEC_READOUT && e->genes[i].setting[0] == 't' &&
            e->genes[i].hi > tmax_any)
            tmax_any = e->genes[i].hi;

    hr_stimulus stim;
    hr_traces tr;
    if (t->stream) {
        if (strcmp(enc->kind, "stream") != 0)
            return HR_ERROR(HR_EINVAL, "task '%s' is a time series and needs encoder kind 'stream' "
                            "(found '%s')", e->sec[HR_SEC_TASK]->kind, enc->kind);
        double *u = malloc(t->n_rows * sizeof *u);
        if (!u)
            return HR_ERROR(HR_ENOMEM, "out of memory");
        for (size_t r = 0; r < t->n_rows; r++)
            u[r] = t->input[r * t->n_in];
        st = hr_encoder_encode(enc, u, (int)t->n_rows, w->work, &stim);
        free(u);
        if (st)
            return st;
        double step = hr_section_num(enc, "step");
        if (tmax >= step)
            return HR_ERROR(HR_ERANGE, "readout time %g is not inside one input step (allowed: "
                            "0 <= t < encoder.step = %g for stream encoding)", tmax, step);
        stim.t_end = needed_end((double)(t->n_rows - 1) * step + tmax, dt);
        st = cached_run(w, &stim, &tr);
        if (!st && keep && w->snapshots)
            st = keep_snapshot(w, res);
        if (!st && keep)
            st = keep_copy(res, &tr);
        for (size_t r = 0; r < t->n_rows && !st; r++)
            st = hr_readout_row(&tr, times, ntimes, (double)r * step, rule, 0,
                                xall + r * (size_t)ncols);
        return st;
    }
    if (strcmp(enc->kind, "stream") == 0)
        return HR_ERROR(HR_EINVAL, "encoder kind 'stream' needs a time-series task (narma10, "
                        "memory), not '%s'", e->sec[HR_SEC_TASK]->kind);
    for (size_t r = 0; r < nrows; r++) {
        st = hr_encoder_encode(enc, t->input + r * t->n_in, (int)t->n_in, w->work, &stim);
        if (st)
            return hr_error_prefix(st, "sample %zu", r);
        stim.t_end = needed_end(tmax_any, dt);
        st = cached_run(w, &stim, &tr);
        if (st)
            return hr_error_prefix(st, "sample %zu", r);
        if (keep && w->snapshots && (st = keep_snapshot(w, res)))
            return st;
        if (keep && (st = keep_copy(res, &tr)))
            return st;
        st = hr_readout_row(&tr, times, ntimes, 0, rule, 0, xall + r * (size_t)ncols);
        if (st)
            return st;
    }
    return HR_OK;
}

/* Trains the linear readout: ridge with lambda chosen by leave-one-out (up to
 * 40 training rows) or 5-fold cross-validation on the training rows only, or
 * least squares (minimum norm); "auto" takes least squares when X has no more
 * rows than columns. Predictions for training and held-out rows. */
static int train_readout(const hr_section *fit, int bias, hr_result *r)
{
    size_t m = (size_t)r->nrows, n = (size_t)r->ncols, q = (size_t)r->nout;
    double *wts = malloc((n + 1) * q * sizeof *wts);
    if (!wts)
        return HR_ERROR(HR_ENOMEM, "out of memory");
    int st;
    const char *how = hr_section_str(fit, "readout");
    if (strcmp(how, "lstsq") == 0 || m < 3 ||
        (strcmp(how, "auto") == 0 && m <= n + (size_t)(bias != 0))) {
        r->lambda = 0;
        size_t rank;
        st = hr_linreg_lstsq(r->x, m, n, r->y, q, bias, wts, &rank);
    } else {
        /* Cross-validated lambda over 1e-12 .. 1e2 (15 values). */
        size_t folds = m <= 40 ? m : 5;
        double best = INFINITY, best_lambda = 1e-12;
        double *xt = malloc(m * n * sizeof *xt), *yt = malloc(m * q * sizeof *yt);
        double *pv = malloc(m * q * sizeof *pv);
        st = xt && yt && pv ? HR_OK : HR_ERROR(HR_ENOMEM, "out of memory");
        for (int li = 0; li < 15 && !st; li++) {
            double lambda = pow(10.0, -12 + li);
            double sse = 0;
            for (size_t f = 0; f < folds && !st; f++) {
                size_t mt = 0, mv = 0;
                for (size_t i = 0; i < m; i++)
                    if (i % folds != f) {
                        memcpy(xt + mt * n, r->x + i * n, n * sizeof *xt);
                        memcpy(yt + mt * q, r->y + i * q, q * sizeof *yt);
                        mt++;
                    }
                st = hr_linreg_ridge(xt, mt, n, yt, q, bias, lambda, wts);
                for (size_t i = f; i < m && !st; i += folds, mv++) {
                    st = hr_linreg_predict(r->x + i * n, 1, n, wts, q, bias, pv);
                    for (size_t k = 0; k < q; k++)
                        sse += (pv[k] - r->y[i * q + k]) * (pv[k] - r->y[i * q + k]);
                }
            }
            if (!st && sse < best) {
                best = sse;
                best_lambda = lambda;
            }
        }
        free(xt);
        free(yt);
        free(pv);
        r->lambda = best_lambda;
        if (!st)
            st = hr_linreg_ridge(r->x, m, n, r->y, q, bias, best_lambda, wts);
    }
    if (!st)
        st = hr_linreg_predict(r->x, m, n, wts, q, bias, r->pred);
    if (!st && r->nheld)
        st = hr_linreg_predict(r->xh, (size_t)r->nheld, n, wts, q, bias, r->predh);
    free(wts);
    return st;
}

static int evaluate(hr_worker *w, int flags, hr_result *res)
{
    const hr_experiment *e = w->exp;
    const hr_task *t = w->task;
    const hr_section *ro = e->sec[HR_SEC_READOUT], *fit = e->sec[HR_SEC_FITNESS];
    int ncols;
    int st = feature_columns(w, &ncols);
    if (st)
        return st;
    double *xall = calloc(t->n_rows * (size_t)ncols, sizeof *xall);
    if (!xall)
        return HR_ERROR(HR_ENOMEM, "out of memory for the readout matrix");
    const char *fk = fit->kind;
    /* Separability fitness of per-sample tasks needs the training rows only. */
    int lean = (flags & HR_EVAL_FITNESS_ONLY) && strcmp(fk, "score") != 0;
    size_t nrows_run = lean ? t->washout + t->n_train : t->n_rows;
    st = read_rows(w, xall, ncols, res, flags & HR_EVAL_TRACES, nrows_run);
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
    double lambda = hr_section_num(fit, "lambda");
    res->det_abs = res->logdet = NAN;
    if (m == n && (st = hr_metric_det(res->x, n, &res->det_abs, &res->logdet, NULL)))
        return st;
    size_t rank;
    if ((st = hr_metric_logdet_gram(res->x, m, n, lambda, &res->logdet_gram)) ||
        (st = hr_metric_rank(res->x, m, n, 0, &rank)) ||
        (st = hr_metric_effective_rank(res->x, m, n, &res->gen_rank)) ||
        (st = hr_metric_condition(res->x, m, n, &res->cond)))
        return st;
    res->kernel_rank = (double)rank;
    if (lean) {
        res->nheld = 0;
        snprintf(res->score_name, sizeof res->score_name, "none");
        res->score = res->score_train = NAN;
        return separability_fitness(fk, res, m, n);
    }

    /* Trained readout and task score. */
    st = train_readout(fit, hr_section_int(ro, "bias"), res);
    if (st)
        return st;
    hr_task_score sc;
    if ((st = hr_task_score_kind(t->kind, res->y, res->pred, m, q, &sc)))
        return st;
    res->score_train = sc.value;
    snprintf(res->score_name, sizeof res->score_name, "%s", sc.name);
    res->score = sc.value;
    if (t->n_test && (st = hr_task_score_test(t, res->predh, &sc)) == HR_OK)
        res->score = sc.value;
    if (st)
        return st;

    if (strcmp(fk, "score") != 0)
        return separability_fitness(fk, res, m, n);
    res->fitness = sc.higher_is_better ? res->score : -res->score;
    return HR_OK;
}

int hr_worker_evaluate(hr_worker *w, const double *genome, int flags, hr_result *res)
{
    memset(res, 0, sizeof *res);
    res->fitness = -INFINITY;
    /* Start from the configured experiment so genes not in the genome keep
     * their configured values, then decode the genome. */
    for (int i = 0; i < HR_NSECTIONS; i++)
        if (w->exp->sec[i])
            hr_section_copy(w->exp->sec[i], w->base->sec[i]);
    memcpy(w->exp->genes, w->base->genes, sizeof w->exp->genes);
    int st = genome ? hr_experiment_set_genome(w->exp, genome, w->exp->ngenes) : HR_OK;
    if (!st)
        st = sync_worker(w);
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
    int st = sync_worker(w);
    if (snapshots && !w->sub->type->snapshot)
        snapshots = 0; /* nothing to show (the KdV probe traces are the output) */
    w->snapshots = snapshots;
    if (st)
        return st;
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
    const hr_section *enc = w->exp->sec[HR_SEC_ENCODER];
    *n = 0;
    if (t->stream)
        return HR_ERROR(HR_ENOTSUP, "amplitude descriptors need a per-sample task, not a stream");
    for (size_t r = t->washout; r < t->washout + t->n_train; r++) {
        hr_stimulus stim;
        int st = hr_encoder_encode(enc, t->input + r * t->n_in, (int)t->n_in, w->work, &stim);
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
