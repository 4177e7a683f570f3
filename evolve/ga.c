/* ga.c — the generational genetic algorithm.
 *
 * Generation 0: `population` genomes uniform in the bounds.
 * Generation g >= 1: the `elites` best of generation g-1 (by fitness, ties
 * by index) are copied unchanged (not re-evaluated); each of the other
 * population - elites children j draws from stream (seed, g, j): two parents
 * by tournament, with probability crossover_rate a crossover (BLX-alpha or
 * SBX; the first child is kept) else a copy of the first parent, then
 * Gaussian mutation. The new population is the elites followed by the
 * children in index order. Failed evaluations have fitness -INFINITY, so they
 * lose every tournament against a success and are never elites before one. */
#include "evolve/evolve_internal.h"
#include "evolve/operators.h"
#include "evolve/settings.h"
#include "base/status.h"

#include <stdlib.h>
#include <string.h>

struct ga_state {
    long size;            /* individuals held: 0 before generation 0, else population */
    double *genomes;      /* population * ngenes */
    double *fitness;      /* population */
    double *desc;         /* population * ndesc, NULL if ndesc = 0 */
    double *next_genomes; /* scratch for the next population */
    double *next_fitness;
    double *next_desc;
    long *order;          /* scratch: ranking */
};

/* One entry of a ranking. */
struct rank_item {
    double fitness; /* fitness, never NaN */
    long index;     /* position in the population */
};

static int rank_cmp(const void *pa, const void *pb)
{
    const struct rank_item *a = pa, *b = pb;
    if (a->fitness > b->fitness)
        return -1;
    if (a->fitness < b->fitness)
        return 1;
    return (a->index > b->index) - (a->index < b->index);
}

int hr__evo_rank(const double *fitness, long n, long *order)
{
    struct rank_item *items = malloc((size_t)(n > 0 ? n : 1) * sizeof *items);
    if (!items)
        return HR_ERROR(HR_ENOMEM, "GA: cannot allocate a ranking of %ld", n);
    for (long i = 0; i < n; i++) {
        items[i].fitness = fitness[i];
        items[i].index = i;
    }
    qsort(items, (size_t)n, sizeof *items, rank_cmp);
    for (long i = 0; i < n; i++)
        order[i] = items[i].index;
    free(items);
    return HR_OK;
}

static void ga_destroy(hr_evo *evo)
{
    struct ga_state *st = evo->state;
    if (!st)
        return;
    free(st->genomes);
    free(st->fitness);
    free(st->desc);
    free(st->next_genomes);
    free(st->next_fitness);
    free(st->next_desc);
    free(st->order);
    free(st);
    evo->state = NULL;
}

static int ga_create(hr_evo *evo)
{
    size_t pop = (size_t)evo->cfg.population, n = (size_t)evo->cfg.ngenes,
           nd = (size_t)evo->cfg.ndesc;
    struct ga_state *st = calloc(1, sizeof *st);
    if (!st)
        return HR_ERROR(HR_ENOMEM, "GA: cannot allocate the state");
    evo->state = st;
    st->genomes = calloc(pop * n, sizeof(double));
    st->fitness = calloc(pop, sizeof(double));
    st->next_genomes = calloc(pop * n, sizeof(double));
    st->next_fitness = calloc(pop, sizeof(double));
    st->order = calloc(pop, sizeof(long));
    if (nd) {
        st->desc = calloc(pop * nd, sizeof(double));
        st->next_desc = calloc(pop * nd, sizeof(double));
    }
    if (!st->genomes || !st->fitness || !st->next_genomes || !st->next_fitness || !st->order ||
        (nd && (!st->desc || !st->next_desc))) {
        ga_destroy(evo);
        return HR_ERROR(HR_ENOMEM, "GA: cannot allocate a population of %zu x %zu genes", pop,
                        n);
    }
    return HR_OK;
}

static void ga_init(hr_evo *evo)
{
    struct ga_state *st = evo->state;
    st->size = 0;
}

static long ga_batch_max(const hr_evo *evo) { return evo->cfg.population; }

static long ga_propose(hr_evo *evo, double *out)
{
    const hr_evo_config *c = &evo->cfg;
    struct ga_state *st = evo->state;
    size_t n = (size_t)c->ngenes;
    uint64_t gen = (uint64_t)evo->generations;
    hr_evo_rng rng;
    if (st->size == 0) {
        for (long i = 0; i < c->population; i++) {
            hr_evo_rng_stream(&rng, c->seed, gen, (uint64_t)i);
            hr_evo_uniform(&rng, c->ngenes, c->lo, c->hi, out + (size_t)i * n);
        }
        return c->population;
    }
    long nchild = c->population - c->elites;
    for (long j = 0; j < nchild; j++) {
        double *child = out + (size_t)j * n;
        hr_evo_rng_stream(&rng, c->seed, gen, (uint64_t)j);
        long a = hr_evo_tournament(&rng, st->size, st->fitness, c->tournament);
        long b = hr_evo_tournament(&rng, st->size, st->fitness, c->tournament);
        const double *pa = st->genomes + (size_t)a * n, *pb = st->genomes + (size_t)b * n;
        if (hr_evo_rng_uniform(&rng) < c->crossover_rate) {
            if (c->crossover == HR_EVO_BLX)
                hr_evo_crossover_blx(&rng, c->ngenes, c->lo, c->hi, c->blx_alpha, pa, pb,
                                     child, NULL);
            else
                hr_evo_crossover_sbx(&rng, c->ngenes, c->lo, c->hi, c->sbx_eta, pa, pb, child,
                                     NULL);
        } else {
            memcpy(child, pa, n * sizeof(double));
        }
        hr_evo_mutate_gaussian(&rng, c->ngenes, c->lo, c->hi, c->mutation_rate,
                               c->mutation_sigma, child);
    }
    return nchild;
}

static int ga_absorb(hr_evo *evo, long count, const double *genomes, const double *fitness,
                     const double *desc)
{
    const hr_evo_config *c = &evo->cfg;
    struct ga_state *st = evo->state;
    size_t n = (size_t)c->ngenes, nd = (size_t)c->ndesc;
    if (st->size == 0) {
        memcpy(st->genomes, genomes, (size_t)count * n * sizeof(double));
        memcpy(st->fitness, fitness, (size_t)count * sizeof(double));
        if (nd)
            memcpy(st->desc, desc, (size_t)count * nd * sizeof(double));
        st->size = count;
        return HR_OK;
    }
    int s = hr__evo_rank(st->fitness, st->size, st->order);
    if (s)
        return s;
    long e = c->elites;
    for (long k = 0; k < e; k++) {
        size_t src = (size_t)st->order[k];
        memcpy(st->next_genomes + (size_t)k * n, st->genomes + src * n, n * sizeof(double));
        st->next_fitness[k] = st->fitness[src];
        if (nd)
            memcpy(st->next_desc + (size_t)k * nd, st->desc + src * nd, nd * sizeof(double));
    }
    memcpy(st->next_genomes + (size_t)e * n, genomes, (size_t)count * n * sizeof(double));
    memcpy(st->next_fitness + e, fitness, (size_t)count * sizeof(double));
    if (nd)
        memcpy(st->next_desc + (size_t)e * nd, desc, (size_t)count * nd * sizeof(double));
    double *t = st->genomes;
    st->genomes = st->next_genomes;
    st->next_genomes = t;
    t = st->fitness;
    st->fitness = st->next_fitness;
    st->next_fitness = t;
    t = st->desc;
    st->desc = st->next_desc;
    st->next_desc = t;
    st->size = e + count;
    return HR_OK;
}

static long ga_size(const hr_evo *evo)
{
    const struct ga_state *st = evo->state;
    return st->size;
}

static void ga_individual(const hr_evo *evo, long i, const double **genome, double *fitness,
                          const double **desc, long *cell)
{
    const struct ga_state *st = evo->state;
    size_t n = (size_t)evo->cfg.ngenes, nd = (size_t)evo->cfg.ndesc;
    *genome = st->genomes + (size_t)i * n;
    *fitness = st->fitness[i];
    *desc = nd ? st->desc + (size_t)i * nd : NULL;
    *cell = -1;
}

/* State payload: u64 size; if size > 0: f64 genomes[size][ngenes],
 * f64 fitness[size], f64 desc[size][ndesc]. */
static void ga_save(const hr_evo *evo, struct hr__evo_buf *b)
{
    const struct ga_state *st = evo->state;
    size_t n = (size_t)evo->cfg.ngenes, nd = (size_t)evo->cfg.ndesc, sz = (size_t)st->size;
    hr__evo_put_u64(b, (uint64_t)st->size);
    hr__evo_put_f64s(b, st->genomes, sz * n);
    hr__evo_put_f64s(b, st->fitness, sz);
    if (nd)
        hr__evo_put_f64s(b, st->desc, sz * nd);
}

static int ga_load(hr_evo *evo, struct hr__evo_reader *r, const char *path)
{
    struct ga_state *st = evo->state;
    size_t n = (size_t)evo->cfg.ngenes, nd = (size_t)evo->cfg.ndesc;
    uint64_t size = hr__evo_get_u64(r);
    if (r->failed)
        return HR_OK; /* reported by the caller as truncated payload */
    if (size != 0 && size != (uint64_t)evo->cfg.population)
        return HR_ERROR(HR_ECORRUPT,
                        "checkpoint '%s' is corrupt: GA population size %llu is neither 0 nor "
                        "the configured %d",
                        path, (unsigned long long)size, evo->cfg.population);
    if (size > 0 && evo->generations == 0)
        return HR_ERROR(HR_ECORRUPT,
                        "checkpoint '%s' is corrupt: a GA population but 0 generations", path);
    st->size = (long)size;
    hr__evo_get_f64s(r, st->genomes, (size_t)size * n);
    hr__evo_get_f64s(r, st->fitness, (size_t)size);
    if (nd)
        hr__evo_get_f64s(r, st->desc, (size_t)size * nd);
    for (size_t i = 0; i < (size_t)size * n && !r->failed; i++) {
        size_t g = i % n;
        if (!(st->genomes[i] >= evo->lo[g] && st->genomes[i] <= evo->hi[g]))
            return HR_ERROR(HR_ECORRUPT,
                            "checkpoint '%s' is corrupt: GA individual %zu gene %zu = %g is "
                            "outside its bounds [%g, %g]",
                            path, i / n, g, st->genomes[i], evo->lo[g], evo->hi[g]);
    }
    return HR_OK;
}

/* ---- Configuration ---- */

static void ga_defaults(hr_evo_config *cfg)
{
    cfg->ndesc = 0;
    cfg->mutation_rate = cfg->ngenes > 0 ? 1.0 / cfg->ngenes : 1.0;
}

/* The <evolve> section: BLX crossover as the reference-style GA. */
static int ga_configure(hr_evo_setup *setup, const hr_section *settings)
{
    hr_evo_settings e;
    hr_section_decode(settings, &e);
    hr_evo_config *c = &setup->cfg;
    c->population = e.population;
    c->tournament = e.tournament;
    c->elites = e.elites;
    c->crossover = HR_EVO_BLX;
    c->crossover_rate = e.crossover;
    c->blx_alpha = e.alpha;
    c->mutation_rate = e.mutation;
    c->ndesc = 0;
    return HR_OK;
}

static int in_range(double x, double lo, double hi) { return x >= lo && x <= hi; }

static int ga_check(const hr_evo_config *cfg)
{
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

static void ga_save_config(const hr_evo_config *c, struct hr__evo_buf *b)
{
    hr__evo_put_u32(b, (uint32_t)c->population);
    hr__evo_put_u32(b, (uint32_t)c->elites);
    hr__evo_put_u32(b, (uint32_t)c->tournament);
    hr__evo_put_u32(b, (uint32_t)c->crossover);
    hr__evo_put_f64(b, c->crossover_rate);
    hr__evo_put_f64(b, c->blx_alpha);
    hr__evo_put_f64(b, c->sbx_eta);
}

static int ga_load_config(hr_evo_config *c, struct hr__evo_reader *r,
                          struct hr__evo_config_arrays *a, const char *path)
{
    c->population = (int)hr__evo_get_u32(r);
    c->elites = (int)hr__evo_get_u32(r);
    c->tournament = (int)hr__evo_get_u32(r);
    c->crossover = (enum hr_evo_crossover)hr__evo_get_u32(r);
    c->crossover_rate = hr__evo_get_f64(r);
    c->blx_alpha = hr__evo_get_f64(r);
    c->sbx_eta = hr__evo_get_f64(r);
    return HR_OK;
}

static int ga_compare_config(const char *path, const hr_evo_config *s, const hr_evo_config *e)
{
    if (s->population != e->population)
        return HR__EVO_DIFF(path, "%d", "population", s->population, e->population);
    if (s->elites != e->elites)
        return HR__EVO_DIFF(path, "%d", "elites", s->elites, e->elites);
    if (s->tournament != e->tournament)
        return HR__EVO_DIFF(path, "%d", "tournament", s->tournament, e->tournament);
    if (s->crossover != e->crossover)
        return HR__EVO_DIFF(path, "%d", "crossover", (int)s->crossover, (int)e->crossover);
    if (s->crossover_rate != e->crossover_rate)
        return HR__EVO_DIFF(path, "%.17g", "crossover_rate", s->crossover_rate,
                            e->crossover_rate);
    if (s->crossover == HR_EVO_BLX && s->blx_alpha != e->blx_alpha)
        return HR__EVO_DIFF(path, "%.17g", "blx_alpha", s->blx_alpha, e->blx_alpha);
    if (s->crossover == HR_EVO_SBX && s->sbx_eta != e->sbx_eta)
        return HR__EVO_DIFF(path, "%.17g", "sbx_eta", s->sbx_eta, e->sbx_eta);
    return HR_OK;
}

static long ga_evaluations_after(const hr_evo_config *c, long g)
{
    return g == 0 ? 0 : c->population + (g - 1) * (long)(c->population - c->elites);
}

static long ga_cells(const hr_evo_config *c) { return c->population; }

const hr_optimizer_type hr_optimizer_ga = {
    .base = {.version = HR_OPTIMIZER_VERSION, .cls = HR_CLASS_OPTIMIZER, .name = "ga",
             .doc = "generational genetic algorithm: tournament selection, BLX-alpha "
                    "crossover, Gaussian mutation, elitism",
             .params = hr_evo_params},
    .id = HR_EVO_GA,
    .label = "GA",
    .unit = "gen",
    .min_desc = 0,
    .max_obj = 1,
    .defaults = ga_defaults,
    .configure = ga_configure,
    .check = ga_check,
    .save_config = ga_save_config,
    .load_config = ga_load_config,
    .compare_config = ga_compare_config,
    .evaluations_after = ga_evaluations_after,
    .cells = ga_cells,
    .create = ga_create,
    .destroy = ga_destroy,
    .init = ga_init,
    .batch_max = ga_batch_max,
    .propose = ga_propose,
    .absorb = ga_absorb,
    .size = ga_size,
    .individual = ga_individual,
    .save = ga_save,
    .load = ga_load,
};
