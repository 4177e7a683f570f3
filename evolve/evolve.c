/* evolve.c — the generic part of the evolution engine: configuration,
 * the optimiser object, parallel evaluation of a batch (iterate), the budget
 * test, the run driver, and access to the state.
 *
 * One iteration: the algorithm proposes a batch of genomes serially (each
 * from its own random stream), the batch is evaluated in parallel with
 * OpenMP (schedule(dynamic, 1): evaluations may take very different times),
 * then failures are logged and the batch merged serially in index order. */
#include "evolve/evolve.h"
#include "evolve/evolve_internal.h"
#include "base/status.h"

#include <errno.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int hr_optimizer_register(const hr_optimizer_type *t)
{
    if (!t || t->base.cls != HR_CLASS_OPTIMIZER)
        return HR_ERROR(HR_EINVAL, "hr_optimizer_register: not an optimiser table");
    if (t->base.version < 1 || t->base.version > HR_OPTIMIZER_VERSION)
        return HR_ERROR(HR_ENOTSUP, "optimiser '%s' has interface version %d (allowed: 1 .. %d)",
                        t->base.name ? t->base.name : "?", t->base.version, HR_OPTIMIZER_VERSION);
    if (t->id < 1 || !t->label || !t->unit || !t->defaults || !t->check || !t->save_config ||
        !t->load_config || !t->compare_config || !t->evaluations_after || !t->cells ||
        !t->create || !t->destroy || !t->init || !t->batch_max || !t->propose || !t->absorb ||
        !t->size || !t->individual || !t->save || !t->load || t->max_obj < 1)
        return HR_ERROR(HR_EINVAL, "optimiser '%s' lacks an id, a label or an operation",
                        t->base.name ? t->base.name : "?");
    if (hr__evo_type_of(t->id) && hr__evo_type_of(t->id) != t)
        return HR_ERROR(HR_EEXIST, "optimiser '%s': id %d is taken by '%s'", t->base.name, t->id,
                        hr__evo_type_of(t->id)->base.name);
    return hr_kind_register(&t->base);
}

const hr_optimizer_type *hr__evo_type_of(int kind)
{
    for (int i = 0; i < hr_kind_count(HR_CLASS_OPTIMIZER); i++) {
        const hr_optimizer_type *t = (const hr_optimizer_type *)hr_kind_at(HR_CLASS_OPTIMIZER, i);
        if (t->id == kind)
            return t;
    }
    return NULL;
}

const char *hr_evo_kind_name(int kind)
{
    const hr_optimizer_type *t = hr__evo_type_of(kind);
    return t ? t->base.name : "unknown";
}

const char *hr_evo_kind_label(int kind)
{
    const hr_optimizer_type *t = hr__evo_type_of(kind);
    return t ? t->label : "unknown";
}

void hr_evo_config_default(hr_evo_config *cfg, enum hr_evo_kind kind, int ngenes)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->kind = kind;
    cfg->ngenes = ngenes;
    cfg->seed = 1;
    cfg->mutation_sigma = 0.1;
    cfg->nobj = 1;
    cfg->population = 50;
    cfg->elites = 2;
    cfg->tournament = 3;
    cfg->crossover = HR_EVO_SBX;
    cfg->crossover_rate = 0.9;
    cfg->blx_alpha = 0.5;
    cfg->sbx_eta = 15.0;
    const hr_optimizer_type *t = hr__evo_type_of(kind);
    if (t)
        t->defaults(cfg);
}

int hr_evo_setup_from(hr_evo_setup *setup, const hr_section *settings, int ngenes)
{
    const hr_kind *k;
    int st = hr_kind_lookup(HR_CLASS_OPTIMIZER, settings->kind, &k);
    if (st)
        return st;
    const hr_optimizer_type *t = (const hr_optimizer_type *)k;
    hr_evo_config_default(&setup->cfg, (enum hr_evo_kind)t->id, ngenes);
    int i = hr_section_find(settings, "seed");
    if (i >= 0)
        setup->cfg.seed = (uint64_t)settings->val[(size_t)i * HR_PARAM_MAXLIST];
    i = hr_section_find(settings, "sigma");
    if (i >= 0)
        setup->cfg.mutation_sigma = settings->val[(size_t)i * HR_PARAM_MAXLIST];
    return t->configure ? t->configure(setup, settings) : HR_OK;
}

/* True if lo <= x <= hi (false for NaN). */
static int in_range(double x, double lo, double hi) { return x >= lo && x <= hi; }

int hr_evo_config_check(const hr_evo_config *cfg)
{
    if (!cfg)
        return HR_ERROR(HR_EINVAL, "evolution config: NULL");
    const hr_optimizer_type *t = hr__evo_type_of(cfg->kind);
    if (!t)
        return HR_ERROR(HR_EINVAL,
                        "evolution config: optimiser kind = %d is not %d (GA) or %d (MAP-Elites) "
                        "or another registered algorithm",
                        (int)cfg->kind, HR_EVO_GA, HR_EVO_MAP_ELITES);
    if (cfg->ngenes < 1 || cfg->ngenes > HR_EVO_MAX_GENES)
        return HR_ERROR(HR_EINVAL, "evolution config: ngenes = %d out of range [1, %ld]",
                        cfg->ngenes, HR_EVO_MAX_GENES);
    if ((cfg->lo == NULL) != (cfg->hi == NULL))
        return HR_ERROR(HR_EINVAL, "evolution config: gene bounds lo and hi must both be "
                                   "given or both NULL (for [0, 1])");
    if (cfg->lo) {
        for (int i = 0; i < cfg->ngenes; i++)
            if (!isfinite(cfg->lo[i]) || !isfinite(cfg->hi[i]) || !(cfg->lo[i] <= cfg->hi[i]))
                return HR_ERROR(HR_EINVAL,
                                "evolution config: gene %d bounds [%g, %g] must be finite "
                                "with lo <= hi",
                                i, cfg->lo[i], cfg->hi[i]);
    }
    int min_desc = t->min_desc;
    if (cfg->ndesc < min_desc || cfg->ndesc > HR_EVO_MAX_DESC)
        return HR_ERROR(HR_EINVAL, "evolution config: ndesc = %d out of range [%d, %d]",
                        cfg->ndesc, min_desc, HR_EVO_MAX_DESC);
    if (!in_range(cfg->mutation_rate, 0, 1))
        return HR_ERROR(HR_EINVAL, "evolution config: mutation_rate = %g out of range [0, 1]",
                        cfg->mutation_rate);
    if (!in_range(cfg->mutation_sigma, 0, 10))
        return HR_ERROR(HR_EINVAL,
                        "evolution config: mutation_sigma = %g out of range [0, 10] "
                        "(a fraction of each gene's range)",
                        cfg->mutation_sigma);
    if (cfg->nobj < 1 || cfg->nobj > t->max_obj)
        return HR_ERROR(HR_EINVAL, "evolution config: nobj = %d out of range [1, %d] for %s",
                        cfg->nobj, t->max_obj, t->label);
    if (cfg->params_size > HR_EVO_MAX_PARAMS || (cfg->params_size && !cfg->params))
        return HR_ERROR(HR_EINVAL, "evolution config: params_size = %zu (allowed: 0 .. %d, "
                        "with params given)", cfg->params_size, HR_EVO_MAX_PARAMS);
    return t->check(cfg);
}

static void *alloc_array(size_t n, size_t size)
{
    if (n == 0)
        return NULL;
    return calloc(n, size);
}

int hr__evo_alloc(const hr_evo_config *cfg, hr_evo **out)
{
    size_t cap = 0; /* batch capacity, reported if an allocation fails */
    *out = NULL;
    hr_evo *evo = calloc(1, sizeof *evo);
    if (!evo)
        return HR_ERROR(HR_ENOMEM, "evolution: cannot allocate the optimiser");
    size_t n = (size_t)cfg->ngenes, nd = (size_t)cfg->ndesc;
    evo->cfg = *cfg;
    evo->ops = hr__evo_type_of(cfg->kind);
    evo->lo = alloc_array(n, sizeof(double));
    evo->hi = alloc_array(n, sizeof(double));
    evo->best_genome = alloc_array(n, sizeof(double));
    if (nd)
        evo->best_desc = alloc_array(nd, sizeof(double));
    if (!evo->lo || !evo->hi || !evo->best_genome || (nd && !evo->best_desc))
        goto nomem;
    for (size_t i = 0; i < n; i++) {
        evo->lo[i] = cfg->lo ? cfg->lo[i] : 0.0;
        evo->hi[i] = cfg->hi ? cfg->hi[i] : 1.0;
    }
    evo->cfg.lo = evo->lo;
    evo->cfg.hi = evo->hi;
    evo->cfg.bins = NULL;
    evo->cfg.desc_lo = NULL;
    evo->cfg.desc_hi = NULL;
    if (cfg->params_size) {
        evo->params = malloc(cfg->params_size);
        if (!evo->params)
            goto nomem;
        memcpy(evo->params, cfg->params, cfg->params_size);
        evo->cfg.params = evo->params;
    }
    if (cfg->bins && cfg->desc_lo && cfg->desc_hi && nd) {
        evo->bins = alloc_array(nd, sizeof(int));
        evo->desc_lo = alloc_array(nd, sizeof(double));
        evo->desc_hi = alloc_array(nd, sizeof(double));
        if (!evo->bins || !evo->desc_lo || !evo->desc_hi)
            goto nomem;
        memcpy(evo->bins, cfg->bins, nd * sizeof(int));
        memcpy(evo->desc_lo, cfg->desc_lo, nd * sizeof(double));
        memcpy(evo->desc_hi, cfg->desc_hi, nd * sizeof(double));
        evo->cfg.bins = evo->bins;
        evo->cfg.desc_lo = evo->desc_lo;
        evo->cfg.desc_hi = evo->desc_hi;
    }
    evo->batch_cap = evo->ops->batch_max(evo);
    cap = (size_t)evo->batch_cap;
    evo->batch_genomes = alloc_array(cap * n, sizeof(double));
    evo->batch_fitness = alloc_array(cap * (size_t)cfg->nobj, sizeof(double));
    if (nd)
        evo->batch_desc = alloc_array(cap * nd, sizeof(double));
    evo->batch_status = alloc_array(cap, sizeof(int));
    evo->batch_done = alloc_array(cap, sizeof(int));
    evo->batch_msg = alloc_array(cap, HR__EVO_MSG);
    if (!evo->batch_genomes || !evo->batch_fitness || (nd && !evo->batch_desc) ||
        !evo->batch_status || !evo->batch_done || !evo->batch_msg)
        goto nomem;
    evo->best_fitness = -INFINITY;
    *out = evo;
    return HR_OK;
nomem:
    hr_evo_destroy(evo);
    return HR_ERROR(HR_ENOMEM, "evolution: cannot allocate the optimiser (%zu genes, batch %zu)",
                    n, cap);
}

int hr_evo_create(const hr_evo_config *cfg, hr_evo **out)
{
    if (!out)
        return HR_ERROR(HR_EINVAL, "hr_evo_create: out is NULL");
    *out = NULL;
    int s = hr_evo_config_check(cfg);
    if (s)
        return s;
    hr_evo *evo;
    if ((s = hr__evo_alloc(cfg, &evo)))
        return s;
    if ((s = evo->ops->create(evo))) {
        hr_evo_destroy(evo);
        return s;
    }
    hr_evo_init(evo);
    *out = evo;
    return HR_OK;
}

void hr_evo_destroy(hr_evo *evo)
{
    if (!evo)
        return;
    if (evo->ops && evo->state)
        evo->ops->destroy(evo);
    free(evo->lo);
    free(evo->hi);
    free(evo->bins);
    free(evo->desc_lo);
    free(evo->desc_hi);
    free(evo->best_genome);
    free(evo->best_desc);
    free(evo->batch_genomes);
    free(evo->batch_fitness);
    free(evo->batch_desc);
    free(evo->batch_status);
    free(evo->batch_done);
    free(evo->batch_msg);
    free(evo->params);
    free(evo);
}

void hr_evo_init(hr_evo *evo)
{
    evo->generations = 0;
    evo->evaluations = 0;
    evo->failures = 0;
    evo->elapsed = 0;
    evo->has_best = 0;
    evo->best_fitness = -INFINITY;
    for (int i = 0; i < evo->cfg.ngenes; i++)
        evo->best_genome[i] = NAN;
    for (int d = 0; d < evo->cfg.ndesc; d++)
        evo->best_desc[d] = NAN;
    evo->ops->init(evo);
}

/* Checks a recorded result: a non-finite objective or descriptor makes it a
 * failure; a failure gets fitness -inf and NaN descriptors. */
static void finish_one(hr_evo_batch *b, long i, int s)
{
    double *f = b->fitness + (size_t)i * (size_t)b->nobj;
    double *d = b->ndesc ? b->desc + (size_t)i * (size_t)b->ndesc : NULL;
    char *msg = b->msg + (size_t)i * HR_EVO_MSG;
    for (int k = 0; s == 0 && k < b->nobj; k++)
        if (!isfinite(f[k])) {
            s = HR_ERANGE;
            if (b->nobj == 1)
                snprintf(msg, HR_EVO_MSG, "fitness = %g is not finite", f[k]);
            else
                snprintf(msg, HR_EVO_MSG, "objective %d = %g is not finite", k, f[k]);
        }
    for (int k = 0; s == 0 && k < b->ndesc; k++)
        if (!isfinite(d[k])) {
            s = HR_ERANGE;
            snprintf(msg, HR_EVO_MSG, "descriptor %d = %g is not finite", k, d[k]);
        }
    if (s != 0) {
        for (int k = 0; k < b->nobj; k++)
            f[k] = -INFINITY;
        for (int k = 0; k < b->ndesc; k++)
            d[k] = NAN;
    }
    b->status[i] = s;
    b->done[i] = 1;
}

void hr_evo_batch_eval(hr_evo_batch *b, long i, const hr_evo_evaluator *ev, int worker)
{
    const double *g = b->genomes + (size_t)i * (size_t)b->ngenes;
    double *f = b->fitness + (size_t)i * (size_t)b->nobj;
    double *d = b->ndesc ? b->desc + (size_t)i * (size_t)b->ndesc : NULL;
    char *msg = b->msg + (size_t)i * HR_EVO_MSG;
    hr_error_clear();
    int s = ev->eval(ev->ctx, worker, g, f, d);
    if (s != 0) {
        const char *m = hr_error_message();
        snprintf(msg, HR_EVO_MSG, "%s: %s", hr_status_name(s), m[0] ? m : hr_strerror(s));
    }
    finish_one(b, i, s);
}

void hr_evo_batch_record(hr_evo_batch *b, long i, int status, const double *fitness,
                         const double *desc, const char *msg)
{
    double *f = b->fitness + (size_t)i * (size_t)b->nobj;
    double *d = b->ndesc ? b->desc + (size_t)i * (size_t)b->ndesc : NULL;
    char *m = b->msg + (size_t)i * HR_EVO_MSG;
    m[0] = '\0';
    if (status != 0)
        snprintf(m, HR_EVO_MSG, "%s", msg && msg[0] ? msg : hr_strerror(status));
    for (int k = 0; k < b->nobj; k++)
        f[k] = status == 0 && fitness ? fitness[k] : NAN;
    for (int k = 0; k < b->ndesc; k++)
        d[k] = status == 0 && desc ? desc[k] : NAN;
    finish_one(b, i, status);
}

static int check_evaluator(const hr_evo_evaluator *ev, int *nthreads)
{
    if (!ev || (!ev->eval && !ev->batch))
        return HR_ERROR(HR_EINVAL, "evolution: no evaluation function given");
    int nt = ev->nthreads == 0 ? 1 : ev->nthreads;
    if (nt < 1 || nt > 4096)
        return HR_ERROR(HR_EINVAL, "evolution: nthreads = %d out of range [1, 4096]",
                        ev->nthreads);
    *nthreads = nt;
    return HR_OK;
}

void hr_evo_log_to_file(void *file, const char *line)
{
    FILE *f = file ? file : stderr;
    fprintf(f, "%s\n", line);
    fflush(f);
}

int hr_evo_eval_openmp(const hr_evo_evaluator *ev, hr_evo_batch *b, volatile sig_atomic_t *stop)
{
    int nt;
    int s = check_evaluator(ev, &nt);
    if (s)
        return s;
    if (!ev->eval)
        return HR_ERROR(HR_EINVAL, "evolution: the OpenMP evaluator needs an evaluation function");
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt)
    for (long i = 0; i < b->count; i++) {
        if (stop && *stop >= 2)
            continue;
        hr_evo_batch_eval(b, i, ev, omp_get_thread_num());
    }
    return HR_OK;
}

/* The batch view of evo's buffers for `count` genomes. */
static void batch_view(hr_evo *evo, long count, hr_evo_batch *b)
{
    b->generation = evo->generations;
    b->count = count;
    b->ngenes = evo->cfg.ngenes;
    b->nobj = evo->cfg.nobj;
    b->ndesc = evo->cfg.ndesc;
    b->genomes = evo->batch_genomes;
    b->fitness = evo->batch_fitness;
    b->desc = evo->batch_desc;
    b->status = evo->batch_status;
    b->done = evo->batch_done;
    b->msg = evo->batch_msg;
}

int hr_evo_ask(hr_evo *evo, hr_evo_batch *batch)
{
    long count = evo->ops->propose(evo, evo->batch_genomes);
    int nd = evo->cfg.ndesc, no = evo->cfg.nobj;
    for (long i = 0; i < count; i++) {
        for (int k = 0; k < no; k++)
            evo->batch_fitness[(size_t)i * (size_t)no + (size_t)k] = NAN;
        for (int k = 0; k < nd; k++)
            evo->batch_desc[(size_t)i * (size_t)nd + (size_t)k] = NAN;
        evo->batch_status[i] = 0;
        evo->batch_done[i] = 0;
        evo->batch_msg[(size_t)i * HR__EVO_MSG] = '\0';
    }
    evo->batch_count = count;
    batch_view(evo, count, batch);
    return HR_OK;
}

int hr_evo_tell(hr_evo *evo, const hr_evo_evaluator *ev)
{
    long count = evo->batch_count, done = 0;
    for (long i = 0; i < count; i++)
        done += evo->batch_done[i];
    if (done < count)
        return HR_ERROR(HR_EINTERRUPT,
                        "generation %ld abandoned on request after %ld of %ld evaluations "
                        "(a resume redoes it)",
                        evo->generations, done, count);
    int s = evo->ops->absorb(evo, count, evo->batch_genomes, evo->batch_fitness,
                             evo->batch_desc);
    if (s)
        return s;
    size_t n = (size_t)evo->cfg.ngenes;
    int nd = evo->cfg.ndesc, no = evo->cfg.nobj;
    for (long i = 0; i < count; i++) {
        if (evo->batch_status[i] != 0) {
            char line[HR__EVO_MSG + 128];
            snprintf(line, sizeof line,
                     "evolution: evaluation %ld (generation %ld, individual %ld) failed, "
                     "fitness set to -inf: %s",
                     evo->evaluations + i, evo->generations, i,
                     evo->batch_msg + (size_t)i * HR__EVO_MSG);
            if (ev && ev->log)
                ev->log(ev->log_ctx, line);
            else
                hr_evo_log_to_file(stderr, line);
            evo->failures++;
            continue;
        }
        double f0 = evo->batch_fitness[(size_t)i * (size_t)no];
        if (f0 > evo->best_fitness) {
            evo->has_best = 1;
            evo->best_fitness = f0;
            memcpy(evo->best_genome, evo->batch_genomes + (size_t)i * n, n * sizeof(double));
            if (nd)
                memcpy(evo->best_desc, evo->batch_desc + (size_t)i * (size_t)nd,
                       (size_t)nd * sizeof(double));
        }
    }
    evo->evaluations += count;
    evo->generations++;
    evo->batch_count = 0;
    return HR_OK;
}

int hr_evo_iterate(hr_evo *evo, const hr_evo_evaluator *ev, volatile sig_atomic_t *stop)
{
    int nt;
    int s = check_evaluator(ev, &nt);
    if (s)
        return s;
    hr_evo_batch b;
    hr_evo_ask(evo, &b);
    s = ev->batch ? ev->batch(ev->batch_ctx, &b, stop) : hr_evo_eval_openmp(ev, &b, stop);
    if (s) {
        evo->batch_count = 0;
        return s;
    }
    return hr_evo_tell(evo, ev);
}

enum hr_evo_stop hr_evo_test(const hr_evo *evo, const hr_evo_budget *b, double elapsed)
{
    if (!b)
        return HR_EVO_CONTINUE;
    if (b->max_evaluations > 0 && evo->evaluations >= b->max_evaluations)
        return HR_EVO_MAX_EVALUATIONS;
    if (b->max_generations > 0 && evo->generations >= b->max_generations)
        return HR_EVO_MAX_GENERATIONS;
    if (b->time_limit > 0 && elapsed >= b->time_limit)
        return HR_EVO_TIME_LIMIT;
    return HR_EVO_CONTINUE;
}

/* Seconds to the nearest budget limit at this rate, or -1. */
static double eta_of(const hr_evo *evo, const hr_evo_budget *b, double elapsed, long evals,
                     long gens)
{
    double eta = -1;
    if (elapsed <= 0)
        return -1;
    if (b->max_evaluations > 0 && evals > 0) {
        double rem = (double)(b->max_evaluations - evo->evaluations);
        double t = rem <= 0 ? 0 : rem / ((double)evals / elapsed);
        eta = t;
    }
    if (b->max_generations > 0 && gens > 0) {
        double rem = (double)(b->max_generations - evo->generations);
        double t = rem <= 0 ? 0 : rem * elapsed / (double)gens;
        if (eta < 0 || t < eta)
            eta = t;
    }
    if (b->time_limit > 0) {
        double t = fmax(0, b->time_limit - elapsed);
        if (eta < 0 || t < eta)
            eta = t;
    }
    return eta;
}

/* Saves a checkpoint; on failure keeps the message, prefixed. */
static int run_save(hr_evo *evo, const char *path)
{
    int s = hr_evo_save(evo, path);
    if (s)
        hr_error_prefix(s, "evolution stopped after generation %ld", evo->generations - 1);
    return s;
}

int hr_evo_run(hr_evo *evo, const hr_evo_evaluator *ev, const hr_evo_run_options *opt,
               enum hr_evo_stop *why)
{
    if (why)
        *why = HR_EVO_CONTINUE;
    if (!evo || !opt)
        return HR_ERROR(HR_EINVAL, "hr_evo_run: evo and opt must not be NULL");
    int nt;
    int s = check_evaluator(ev, &nt);
    if (s)
        return s;
    const hr_evo_budget *b = &opt->budget;
    if (b->max_evaluations < 0 || b->max_generations < 0 || !(b->time_limit >= 0))
        return HR_ERROR(HR_EINVAL,
                        "evolution budget: max_evaluations = %ld, max_generations = %ld, "
                        "time_limit = %g must be >= 0 (0: no limit)",
                        b->max_evaluations, b->max_generations, b->time_limit);
    if (b->max_evaluations == 0 && b->max_generations == 0 && b->time_limit == 0 && !opt->stop)
        return HR_ERROR(HR_EINVAL, "evolution budget: no limit (max_evaluations, "
                                   "max_generations, time_limit) and no stop flag: the run "
                                   "would never end");
    if (opt->checkpoint_every < 0)
        return HR_ERROR(HR_EINVAL, "evolution: checkpoint_every = %d must be >= 0 (0: 1)",
                        opt->checkpoint_every);
    long every = opt->checkpoint_every > 0 ? opt->checkpoint_every : 1;

    double t0 = now_seconds(), base = evo->elapsed;
    long evals0 = evo->evaluations, gens0 = evo->generations;
    long last_periodic = evo->generations, saved_at = -1;
    enum hr_evo_stop reason = HR_EVO_CONTINUE;
    int status = HR_OK;
    for (;;) {
        double el = now_seconds() - t0;
        reason = hr_evo_test(evo, b, el);
        if (reason != HR_EVO_CONTINUE)
            break;
        if (opt->stop && *opt->stop) {
            reason = HR_EVO_INTERRUPTED;
            break;
        }
        s = hr_evo_iterate(evo, ev, opt->stop);
        if (s == HR_EINTERRUPT) {
            reason = HR_EVO_INTERRUPTED;
            break;
        }
        if (s) {
            status = s;
            break;
        }
        el = now_seconds() - t0;
        evo->elapsed = base + el;
        if (opt->checkpoint && evo->generations - last_periodic >= every) {
            if ((s = run_save(evo, opt->checkpoint)))
                return s;
            last_periodic = saved_at = evo->generations;
        }
        if (opt->progress) {
            hr_evo_progress p;
            hr_evo_summary(evo, &p);
            long evals = evo->evaluations - evals0, gens = evo->generations - gens0;
            p.elapsed = el;
            p.evals_per_s = el > 0 ? (double)evals / el : 0;
            p.eta = eta_of(evo, b, el, evals, gens);
            p.max_evaluations = b->max_evaluations;
            p.max_generations = b->max_generations;
            opt->progress(opt->progress_ctx, &p);
        }
    }
    evo->elapsed = base + (now_seconds() - t0);
    if (opt->checkpoint && saved_at != evo->generations) {
        /* Keep an iteration error's message if the save succeeds. */
        char kept[1024];
        snprintf(kept, sizeof kept, "%s", hr_error_message());
        if ((s = run_save(evo, opt->checkpoint)))
            return status ? status : s;
        if (status)
            hr_error_set(status, __FILE__, __LINE__, "%s", kept);
    }
    if (why)
        *why = reason;
    if (status)
        return status;
    if (reason == HR_EVO_INTERRUPTED)
        return HR_ERROR(HR_EINTERRUPT, "evolution interrupted after %ld generations, "
                                       "%ld evaluations%s",
                        evo->generations, evo->evaluations,
                        opt->checkpoint ? " (checkpointed)" : "");
    return HR_OK;
}

int hr_evo_open(const hr_evo_config *cfg, const char *checkpoint, hr_evo **out, int *resumed)
{
    if (resumed)
        *resumed = 0;
    if (checkpoint) {
        FILE *f = fopen(checkpoint, "rb");
        if (f) {
            fclose(f);
            int s = hr_evo_load(checkpoint, cfg, out);
            if (s == HR_OK && resumed)
                *resumed = 1;
            return s;
        }
        if (errno != ENOENT)
            return HR_ERROR(HR_EIO, "cannot open checkpoint '%s': %s", checkpoint,
                            strerror(errno));
    }
    return hr_evo_create(cfg, out);
}

const hr_evo_config *hr_evo_get_config(const hr_evo *evo) { return &evo->cfg; }
long hr_evo_generations(const hr_evo *evo) { return evo->generations; }
long hr_evo_evaluations(const hr_evo *evo) { return evo->evaluations; }
long hr_evo_failures(const hr_evo *evo) { return evo->failures; }
double hr_evo_elapsed(const hr_evo *evo) { return evo->elapsed; }

int hr_evo_best(const hr_evo *evo, double *genome, double *fitness, double *descriptor)
{
    if (fitness)
        *fitness = evo->best_fitness;
    if (!evo->has_best)
        return HR_ERROR(HR_ERANGE, "evolution: no successful evaluation yet");
    if (genome)
        memcpy(genome, evo->best_genome, (size_t)evo->cfg.ngenes * sizeof(double));
    if (descriptor && evo->cfg.ndesc)
        memcpy(descriptor, evo->best_desc, (size_t)evo->cfg.ndesc * sizeof(double));
    return HR_OK;
}

long hr_evo_size(const hr_evo *evo) { return evo->ops->size(evo); }

int hr_evo_individual(const hr_evo *evo, long i, double *genome, double *fitness,
                      double *descriptor, long *cell)
{
    long size = evo->ops->size(evo);
    if (i < 0 || i >= size)
        return HR_ERROR(HR_ERANGE, "evolution: individual %ld out of range [0, %ld)", i, size);
    const double *g, *d;
    double f;
    long c;
    evo->ops->individual(evo, i, &g, &f, &d, &c);
    if (genome)
        memcpy(genome, g, (size_t)evo->cfg.ngenes * sizeof(double));
    if (fitness)
        *fitness = f;
    if (descriptor && evo->cfg.ndesc)
        memcpy(descriptor, d, (size_t)evo->cfg.ndesc * sizeof(double));
    if (cell)
        *cell = c;
    return HR_OK;
}

void hr_evo_summary(const hr_evo *evo, hr_evo_progress *p)
{
    memset(p, 0, sizeof *p);
    p->kind = evo->cfg.kind;
    p->generations = evo->generations;
    p->generation = evo->generations - 1;
    p->evaluations = evo->evaluations;
    p->failures = evo->failures;
    p->best_ever = evo->best_fitness;
    p->elapsed_total = evo->elapsed;
    p->eta = -1;
    long size = evo->ops->size(evo), nfinite = 0;
    double best = -INFINITY, worst = INFINITY, sum = 0;
    for (long i = 0; i < size; i++) {
        const double *g, *d;
        double f;
        long c;
        evo->ops->individual(evo, i, &g, &f, &d, &c);
        if (!isfinite(f))
            continue;
        nfinite++;
        sum += f;
        best = fmax(best, f);
        worst = fmin(worst, f);
    }
    p->best = nfinite ? best : NAN;
    p->worst = nfinite ? worst : NAN;
    p->mean = nfinite ? sum / (double)nfinite : NAN;
    p->qd_score = sum;
    p->filled = size;
    p->cells = evo->ops->cells(&evo->cfg);
    p->coverage = p->cells > 0 ? (double)p->filled / (double)p->cells : 0;
}
