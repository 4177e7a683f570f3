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

static const int default_bins[2] = {50, 50};
static const double default_desc_lo[2] = {0.0, 0.0};
static const double default_desc_hi[2] = {1.0, 1.0};

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static const struct hr__evo_ops *ops_of(enum hr_evo_kind kind)
{
    switch (kind) {
    case HR_EVO_GA:
        return &hr__evo_ga_ops;
    case HR_EVO_MAP_ELITES:
        return &hr__evo_map_elites_ops;
    }
    return NULL;
}

void hr_evo_config_default(hr_evo_config *cfg, enum hr_evo_kind kind, int ngenes)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->kind = kind;
    cfg->ngenes = ngenes;
    cfg->lo = NULL;
    cfg->hi = NULL;
    cfg->seed = 1;
    cfg->mutation_sigma = 0.1;
    if (kind == HR_EVO_MAP_ELITES) {
        cfg->ndesc = 2;
        cfg->mutation_rate = 1.0;
        cfg->batch = 100;
        cfg->initial = 2000;
        cfg->bins = default_bins;
        cfg->desc_lo = default_desc_lo;
        cfg->desc_hi = default_desc_hi;
    } else {
        cfg->ndesc = 0;
        cfg->mutation_rate = ngenes > 0 ? 1.0 / ngenes : 1.0;
    }
    cfg->population = 50;
    cfg->elites = 2;
    cfg->tournament = 3;
    cfg->crossover = HR_EVO_SBX;
    cfg->crossover_rate = 0.9;
    cfg->blx_alpha = 0.5;
    cfg->sbx_eta = 15.0;
}

/* True if lo <= x <= hi (false for NaN). */
static int in_range(double x, double lo, double hi) { return x >= lo && x <= hi; }

int hr_evo_config_check(const hr_evo_config *cfg)
{
    if (!cfg)
        return HR_ERROR(HR_EINVAL, "evolution config: NULL");
    if (!ops_of(cfg->kind))
        return HR_ERROR(HR_EINVAL,
                        "evolution config: optimiser kind = %d is not %d (GA) or %d (MAP-Elites)",
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
    int min_desc = cfg->kind == HR_EVO_MAP_ELITES ? 1 : 0;
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
    if (cfg->kind == HR_EVO_GA) {
        if (cfg->population < 2 || cfg->population > HR_EVO_MAX_POPULATION)
            return HR_ERROR(HR_EINVAL, "GA config: population = %d out of range [2, %ld]",
                            cfg->population, HR_EVO_MAX_POPULATION);
        if (cfg->elites < 0 || cfg->elites > cfg->population - 1)
            return HR_ERROR(HR_EINVAL, "GA config: elites = %d out of range [0, %d] "
                                       "(population - 1)",
                            cfg->elites, cfg->population - 1);
        if (cfg->tournament < 1 || cfg->tournament > cfg->population)
            return HR_ERROR(HR_EINVAL, "GA config: tournament = %d out of range [1, %d] "
                                       "(population)",
                            cfg->tournament, cfg->population);
        if (cfg->crossover != HR_EVO_BLX && cfg->crossover != HR_EVO_SBX)
            return HR_ERROR(HR_EINVAL, "GA config: crossover = %d is not %d (BLX) or %d (SBX)",
                            (int)cfg->crossover, HR_EVO_BLX, HR_EVO_SBX);
        if (!in_range(cfg->crossover_rate, 0, 1))
            return HR_ERROR(HR_EINVAL, "GA config: crossover_rate = %g out of range [0, 1]",
                            cfg->crossover_rate);
        if (!in_range(cfg->blx_alpha, 0, 10))
            return HR_ERROR(HR_EINVAL, "GA config: blx_alpha = %g out of range [0, 10]",
                            cfg->blx_alpha);
        if (!in_range(cfg->sbx_eta, 0, 1000))
            return HR_ERROR(HR_EINVAL, "GA config: sbx_eta = %g out of range [0, 1000]",
                            cfg->sbx_eta);
        return HR_OK; /* the GA ignores batch, initial and the grid */
    }
    if (cfg->batch < 1 || cfg->batch > HR_EVO_MAX_POPULATION)
        return HR_ERROR(HR_EINVAL, "MAP-Elites config: batch = %d out of range [1, %ld]",
                        cfg->batch, HR_EVO_MAX_POPULATION);
    if (cfg->initial < 0)
        return HR_ERROR(HR_EINVAL, "MAP-Elites config: initial = %ld must be >= 0",
                        cfg->initial);
    if (!cfg->bins || !cfg->desc_lo || !cfg->desc_hi)
        return HR_ERROR(HR_EINVAL, "MAP-Elites config: bins, desc_lo and desc_hi must be "
                                   "given (ndesc = %d values each)",
                        cfg->ndesc);
    long cells = 1;
    for (int d = 0; d < cfg->ndesc; d++) {
        if (cfg->bins[d] < 1 || cfg->bins[d] > HR_EVO_MAX_CELLS)
            return HR_ERROR(HR_EINVAL, "MAP-Elites config: bins[%d] = %d out of range [1, %ld]",
                            d, cfg->bins[d], HR_EVO_MAX_CELLS);
        cells *= cfg->bins[d];
        if (cells > HR_EVO_MAX_CELLS)
            return HR_ERROR(HR_EINVAL, "MAP-Elites config: the grid has more than %ld cells "
                                       "(product of bins over the first %d dimensions)",
                            HR_EVO_MAX_CELLS, d + 1);
        if (!isfinite(cfg->desc_lo[d]) || !isfinite(cfg->desc_hi[d]) ||
            !(cfg->desc_lo[d] < cfg->desc_hi[d]))
            return HR_ERROR(HR_EINVAL,
                            "MAP-Elites config: descriptor %d range [%g, %g] must be finite "
                            "with lo < hi",
                            d, cfg->desc_lo[d], cfg->desc_hi[d]);
    }
    return HR_OK;
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
    evo->ops = ops_of(cfg->kind);
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
    if (cfg->kind == HR_EVO_MAP_ELITES) {
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
    evo->batch_fitness = alloc_array(cap, sizeof(double));
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

/* Evaluates genome i of the batch on the calling thread; records the result,
 * or the failure and its reason. */
static void evaluate_one(hr_evo *evo, const hr_evo_evaluator *ev, long i, int worker)
{
    int n = evo->cfg.ngenes, nd = evo->cfg.ndesc;
    const double *g = evo->batch_genomes + (size_t)i * (size_t)n;
    double *f = evo->batch_fitness + i;
    double *d = nd ? evo->batch_desc + (size_t)i * (size_t)nd : NULL;
    char *msg = evo->batch_msg + (size_t)i * HR__EVO_MSG;
    hr_error_clear();
    int s = ev->eval(ev->ctx, worker, g, f, d);
    if (s != 0) {
        const char *m = hr_error_message();
        snprintf(msg, HR__EVO_MSG, "%s: %s", hr_status_name(s), m[0] ? m : hr_strerror(s));
    } else if (!isfinite(*f)) {
        s = HR_ERANGE;
        snprintf(msg, HR__EVO_MSG, "fitness = %g is not finite", *f);
    } else {
        for (int k = 0; k < nd; k++)
            if (!isfinite(d[k])) {
                s = HR_ERANGE;
                snprintf(msg, HR__EVO_MSG, "descriptor %d = %g is not finite", k, d[k]);
                break;
            }
    }
    if (s != 0) {
        *f = -INFINITY;
        for (int k = 0; k < nd; k++)
            d[k] = NAN;
    }
    evo->batch_status[i] = s;
    evo->batch_done[i] = 1;
}

static int check_evaluator(const hr_evo_evaluator *ev, int *nthreads)
{
    if (!ev || !ev->eval)
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

int hr_evo_iterate(hr_evo *evo, const hr_evo_evaluator *ev, volatile sig_atomic_t *stop)
{
    int nt;
    int s = check_evaluator(ev, &nt);
    if (s)
        return s;
    long count = evo->ops->propose(evo, evo->batch_genomes);
    int nd = evo->cfg.ndesc;
    for (long i = 0; i < count; i++) {
        evo->batch_fitness[i] = NAN;
        for (int k = 0; k < nd; k++)
            evo->batch_desc[(size_t)i * (size_t)nd + (size_t)k] = NAN;
        evo->batch_status[i] = 0;
        evo->batch_done[i] = 0;
        evo->batch_msg[(size_t)i * HR__EVO_MSG] = '\0';
    }

#pragma omp parallel for schedule(dynamic, 1) num_threads(nt)
    for (long i = 0; i < count; i++) {
        if (stop && *stop >= 2)
            continue;
        evaluate_one(evo, ev, i, omp_get_thread_num());
    }

    long done = 0;
    for (long i = 0; i < count; i++)
        done += evo->batch_done[i];
    if (done < count)
        return HR_ERROR(HR_EINTERRUPT,
                        "generation %ld abandoned on request after %ld of %ld evaluations "
                        "(a resume redoes it)",
                        evo->generations, done, count);

    if ((s = evo->ops->absorb(evo, count, evo->batch_genomes, evo->batch_fitness,
                              evo->batch_desc)))
        return s;

    size_t n = (size_t)evo->cfg.ngenes;
    for (long i = 0; i < count; i++) {
        if (evo->batch_status[i] != 0) {
            char line[HR__EVO_MSG + 128];
            snprintf(line, sizeof line,
                     "evolution: evaluation %ld (generation %ld, individual %ld) failed, "
                     "fitness set to -inf: %s",
                     evo->evaluations + i, evo->generations, i,
                     evo->batch_msg + (size_t)i * HR__EVO_MSG);
            if (ev->log)
                ev->log(ev->log_ctx, line);
            else
                hr_evo_log_to_file(stderr, line);
            evo->failures++;
            continue;
        }
        if (evo->batch_fitness[i] > evo->best_fitness) {
            evo->has_best = 1;
            evo->best_fitness = evo->batch_fitness[i];
            memcpy(evo->best_genome, evo->batch_genomes + (size_t)i * n, n * sizeof(double));
            if (nd)
                memcpy(evo->best_desc, evo->batch_desc + (size_t)i * (size_t)nd,
                       (size_t)nd * sizeof(double));
        }
    }
    evo->evaluations += count;
    evo->generations++;
    return HR_OK;
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
    if (evo->cfg.kind == HR_EVO_MAP_ELITES) {
        long cells = 1;
        for (int k = 0; k < evo->cfg.ndesc; k++)
            cells *= evo->cfg.bins[k];
        p->cells = cells;
    } else {
        p->cells = evo->cfg.population;
    }
    p->coverage = p->cells > 0 ? (double)p->filled / (double)p->cells : 0;
}
