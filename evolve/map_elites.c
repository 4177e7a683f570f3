/* map_elites.c — MAP-Elites (Mouret and Clune 2015) as the reference ran it.
 *
 * The archive is a grid over descriptor space: per dimension d, `bins[d]`
 * equal bins over [desc_lo[d], desc_hi[d]] (values outside go to the edge
 * bins), cells numbered row-major. Batch b holds evaluations
 * e = b * batch + j, j in [0, batch); genome j draws from stream (seed, b, j):
 * uniform in the bounds while e < initial (or while the archive is empty),
 * else a copy of an elite chosen uniformly from the archive as it was at
 * the start of the batch, mutated with Gaussian noise (sigma = 0.1 of the
 * range on every gene in the reference) and clipped. After evaluation the
 * batch is merged in index order: a genome enters an empty cell, or replaces
 * the cell's elite if its fitness is strictly higher. Failed evaluations
 * never enter. Elites are kept in slots in the order their cells were first
 * filled; parents are drawn over slots. */
#include "evolve/evolve_internal.h"
#include "evolve/operators.h"
#include "evolve/settings.h"
#include "base/status.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct me_state {
    long ncells;        /* cells in the grid */
    int32_t *cell_slot; /* per cell: its elite's slot, or -1 when empty */
    long nfilled;       /* slots in use (cells filled) */
    long cap;           /* slots allocated */
    long *slot_cell;    /* per slot: its cell */
    double *fitness;    /* per slot: the elite's fitness */
    double *genomes;    /* per slot: the elite's genome (ngenes) */
    double *desc;       /* per slot: the elite's descriptor (ndesc) */
};

static void me_destroy(hr_evo *evo)
{
    struct me_state *st = evo->state;
    if (!st)
        return;
    free(st->cell_slot);
    free(st->slot_cell);
    free(st->fitness);
    free(st->genomes);
    free(st->desc);
    free(st);
    evo->state = NULL;
}

static int me_create(hr_evo *evo)
{
    struct me_state *st = calloc(1, sizeof *st);
    if (!st)
        return HR_ERROR(HR_ENOMEM, "MAP-Elites: cannot allocate the state");
    evo->state = st;
    st->ncells = 1;
    for (int d = 0; d < evo->cfg.ndesc; d++)
        st->ncells *= evo->cfg.bins[d];
    st->cell_slot = malloc((size_t)st->ncells * sizeof(int32_t));
    if (!st->cell_slot) {
        me_destroy(evo);
        return HR_ERROR(HR_ENOMEM, "MAP-Elites: cannot allocate a grid of %ld cells",
                        st->ncells);
    }
    return HR_OK;
}

static void me_init(hr_evo *evo)
{
    struct me_state *st = evo->state;
    for (long c = 0; c < st->ncells; c++)
        st->cell_slot[c] = -1;
    st->nfilled = 0;
}

static long me_batch_max(const hr_evo *evo) { return evo->cfg.batch; }

/* Makes room for `need` slots (at most ncells). HR_OK or HR_ENOMEM with the
 * archive unchanged (arrays already grown stay grown). */
static int me_reserve(hr_evo *evo, long need)
{
    struct me_state *st = evo->state;
    if (need > st->ncells)
        need = st->ncells;
    if (need <= st->cap)
        return HR_OK;
    long cap = st->cap * 2 > need ? st->cap * 2 : need;
    if (cap > st->ncells)
        cap = st->ncells;
    size_t n = (size_t)evo->cfg.ngenes, nd = (size_t)evo->cfg.ndesc, c = (size_t)cap;
    void *p;
    if (!(p = realloc(st->slot_cell, c * sizeof(long))))
        goto nomem;
    st->slot_cell = p;
    if (!(p = realloc(st->fitness, c * sizeof(double))))
        goto nomem;
    st->fitness = p;
    if (!(p = realloc(st->genomes, c * n * sizeof(double))))
        goto nomem;
    st->genomes = p;
    if (!(p = realloc(st->desc, c * nd * sizeof(double))))
        goto nomem;
    st->desc = p;
    st->cap = cap;
    return HR_OK;
nomem:
    return HR_ERROR(HR_ENOMEM, "MAP-Elites: cannot grow the archive to %ld elites", cap);
}

long hr_evo_cell_of(const hr_evo *evo, const double *desc, int *bin)
{
    const hr_evo_config *c = &evo->cfg;
    if (evo->ops != &hr_optimizer_map_elites)
        return -1;
    long cell = 0;
    for (int d = 0; d < c->ndesc; d++) {
        double x = desc[d];
        if (!isfinite(x))
            return -1;
        double t = (x - c->desc_lo[d]) / (c->desc_hi[d] - c->desc_lo[d]) * c->bins[d];
        long b = t <= 0 ? 0 : t >= c->bins[d] ? c->bins[d] - 1 : (long)t;
        if (b > c->bins[d] - 1) /* t just below bins rounding up */
            b = c->bins[d] - 1;
        if (bin)
            bin[d] = (int)b;
        cell = cell * c->bins[d] + b;
    }
    return cell;
}

int hr_evo_cell(const hr_evo *evo, long cell, double *genome, double *fitness,
                double *descriptor)
{
    if (evo->ops != &hr_optimizer_map_elites)
        return -1;
    const struct me_state *st = evo->state;
    if (cell < 0 || cell >= st->ncells)
        return -1;
    long s = st->cell_slot[cell];
    if (s < 0)
        return 0;
    size_t n = (size_t)evo->cfg.ngenes, nd = (size_t)evo->cfg.ndesc;
    if (genome)
        memcpy(genome, st->genomes + (size_t)s * n, n * sizeof(double));
    if (fitness)
        *fitness = st->fitness[s];
    if (descriptor)
        memcpy(descriptor, st->desc + (size_t)s * nd, nd * sizeof(double));
    return 1;
}

static long me_propose(hr_evo *evo, double *out)
{
    const hr_evo_config *c = &evo->cfg;
    const struct me_state *st = evo->state;
    size_t n = (size_t)c->ngenes;
    uint64_t b = (uint64_t)evo->generations;
    hr_evo_rng rng;
    for (long j = 0; j < c->batch; j++) {
        double *g = out + (size_t)j * n;
        long e = evo->generations * (long)c->batch + j;
        hr_evo_rng_stream(&rng, c->seed, b, (uint64_t)j);
        if (e < c->initial || st->nfilled == 0) {
            hr_evo_uniform(&rng, c->ngenes, c->lo, c->hi, g);
        } else {
            uint64_t k = hr_evo_rng_below(&rng, (uint64_t)st->nfilled);
            memcpy(g, st->genomes + (size_t)k * n, n * sizeof(double));
            hr_evo_mutate_gaussian(&rng, c->ngenes, c->lo, c->hi, c->mutation_rate,
                                   c->mutation_sigma, g);
        }
    }
    return c->batch;
}

/* Puts (genome, fitness, desc) into `cell` if it is empty or the fitness is
 * strictly higher than the elite's. Room for a new slot must exist. */
static void me_insert(hr_evo *evo, long cell, const double *genome, double fitness,
                      const double *desc)
{
    struct me_state *st = evo->state;
    size_t n = (size_t)evo->cfg.ngenes, nd = (size_t)evo->cfg.ndesc;
    long s = st->cell_slot[cell];
    if (s < 0) {
        s = st->nfilled++;
        st->cell_slot[cell] = (int32_t)s;
        st->slot_cell[s] = cell;
    } else if (!(fitness > st->fitness[s])) {
        return;
    }
    st->fitness[s] = fitness;
    memcpy(st->genomes + (size_t)s * n, genome, n * sizeof(double));
    memcpy(st->desc + (size_t)s * nd, desc, nd * sizeof(double));
}

static int me_absorb(hr_evo *evo, long count, const double *genomes, const double *fitness,
                     const double *desc)
{
    struct me_state *st = evo->state;
    size_t n = (size_t)evo->cfg.ngenes, nd = (size_t)evo->cfg.ndesc;
    int s = me_reserve(evo, st->nfilled + count);
    if (s)
        return s;
    for (long j = 0; j < count; j++) {
        if (!isfinite(fitness[j]))
            continue;
        const double *d = desc + (size_t)j * nd;
        long cell = hr_evo_cell_of(evo, d, NULL);
        if (cell < 0)
            continue;
        me_insert(evo, cell, genomes + (size_t)j * n, fitness[j], d);
    }
    return HR_OK;
}

static long me_size(const hr_evo *evo)
{
    const struct me_state *st = evo->state;
    return st->nfilled;
}

static void me_individual(const hr_evo *evo, long i, const double **genome, double *fitness,
                          const double **desc, long *cell)
{
    const struct me_state *st = evo->state;
    size_t n = (size_t)evo->cfg.ngenes, nd = (size_t)evo->cfg.ndesc;
    *genome = st->genomes + (size_t)i * n;
    *fitness = st->fitness[i];
    *desc = st->desc + (size_t)i * nd;
    *cell = st->slot_cell[i];
}

/* State payload: u64 nfilled, then per slot in slot order: u64 cell,
 * f64 fitness, f64 desc[ndesc], f64 genome[ngenes]. */
static void me_save(const hr_evo *evo, struct hr__evo_buf *b)
{
    const struct me_state *st = evo->state;
    size_t n = (size_t)evo->cfg.ngenes, nd = (size_t)evo->cfg.ndesc;
    hr__evo_put_u64(b, (uint64_t)st->nfilled);
    for (long s = 0; s < st->nfilled; s++) {
        hr__evo_put_u64(b, (uint64_t)st->slot_cell[s]);
        hr__evo_put_f64(b, st->fitness[s]);
        hr__evo_put_f64s(b, st->desc + (size_t)s * nd, nd);
        hr__evo_put_f64s(b, st->genomes + (size_t)s * n, n);
    }
}

static int me_load(hr_evo *evo, struct hr__evo_reader *r, const char *path)
{
    struct me_state *st = evo->state;
    size_t n = (size_t)evo->cfg.ngenes, nd = (size_t)evo->cfg.ndesc;
    uint64_t nfilled = hr__evo_get_u64(r);
    if (r->failed)
        return HR_OK; /* reported by the caller as a truncated payload */
    if (nfilled > (uint64_t)st->ncells)
        return HR_ERROR(HR_ECORRUPT,
                        "checkpoint '%s' is corrupt: %llu elites in a grid of %ld cells", path,
                        (unsigned long long)nfilled, st->ncells);
    if (nfilled > 0 && (uint64_t)(r->len - r->pos) / (8 * (2 + n + nd)) < nfilled)
        return HR_OK; /* shorter than it claims: truncated, reported by the caller */
    int s = me_reserve(evo, (long)nfilled);
    if (s)
        return s;
    double *g = malloc((n + nd) * sizeof(double));
    if (!g)
        return HR_ERROR(HR_ENOMEM, "MAP-Elites: out of memory loading '%s'", path);
    double *d = g + n;
    for (uint64_t k = 0; k < nfilled && !r->failed; k++) {
        uint64_t cell = hr__evo_get_u64(r);
        double f = hr__evo_get_f64(r);
        hr__evo_get_f64s(r, d, nd);
        hr__evo_get_f64s(r, g, n);
        if (r->failed)
            break;
        const char *fault = NULL;
        if (cell >= (uint64_t)st->ncells)
            fault = "cell index outside the grid";
        else if (st->cell_slot[cell] >= 0)
            fault = "cell listed twice";
        else if (!isfinite(f))
            fault = "fitness not finite";
        else if (hr_evo_cell_of(evo, d, NULL) != (long)cell)
            fault = "descriptor does not fall in its cell";
        for (size_t i = 0; !fault && i < n; i++)
            if (!(g[i] >= evo->lo[i] && g[i] <= evo->hi[i]))
                fault = "gene outside its bounds";
        if (fault) {
            free(g);
            return HR_ERROR(HR_ECORRUPT, "checkpoint '%s' is corrupt: elite %llu (cell %llu): %s",
                            path, (unsigned long long)k, (unsigned long long)cell, fault);
        }
        me_insert(evo, (long)cell, g, f, d);
    }
    free(g);
    return HR_OK;
}

/* ---- Configuration ---- */

static const int default_bins[2] = {50, 50};
static const double default_desc_lo[2] = {0.0, 0.0};
static const double default_desc_hi[2] = {1.0, 1.0};

/* The reference: 2000 random genomes, batches of 100, sigma 0.1 on every
 * gene, 2 descriptors on 50 x 50 bins over [0, 1]^2. */
static void me_defaults(hr_evo_config *cfg)
{
    cfg->ndesc = 2;
    cfg->mutation_rate = 1.0;
    cfg->batch = 100;
    cfg->initial = 2000;
    cfg->bins = default_bins;
    cfg->desc_lo = default_desc_lo;
    cfg->desc_hi = default_desc_hi;
}

static int me_configure(hr_evo_setup *setup, const hr_section *settings)
{
    hr_evo_settings e;
    hr_section_decode(settings, &e);
    hr_evo_config *c = &setup->cfg;
    c->mutation_rate = 1.0; /* the reference mutates every gene */
    c->initial = e.random;
    c->batch = e.batch;
    c->ndesc = 2;
    for (int d = 0; d < 2; d++) {
        setup->bins[d] = e.bins;
        setup->desc_lo[d] = e.lo;
        setup->desc_hi[d] = e.hi;
    }
    c->bins = setup->bins;
    c->desc_lo = setup->desc_lo;
    c->desc_hi = setup->desc_hi;
    return HR_OK;
}

static int me_check(const hr_evo_config *cfg)
{
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

static void me_save_config(const hr_evo_config *c, struct hr__evo_buf *b)
{
    size_t nd = (size_t)c->ndesc;
    hr__evo_put_u32(b, (uint32_t)c->batch);
    hr__evo_put_u64(b, (uint64_t)c->initial);
    for (size_t d = 0; d < nd; d++)
        hr__evo_put_u32(b, (uint32_t)c->bins[d]);
    hr__evo_put_f64s(b, c->desc_lo, nd);
    hr__evo_put_f64s(b, c->desc_hi, nd);
}

static int me_load_config(hr_evo_config *c, struct hr__evo_reader *r,
                          struct hr__evo_config_arrays *a, const char *path)
{
    size_t nd = (size_t)c->ndesc;
    c->batch = (int)hr__evo_get_u32(r);
    c->initial = (long)hr__evo_get_u64(r);
    a->bins = malloc((nd ? nd : 1) * sizeof(int));
    a->desc_lo = malloc((nd ? nd : 1) * sizeof(double));
    a->desc_hi = malloc((nd ? nd : 1) * sizeof(double));
    if (!a->bins || !a->desc_lo || !a->desc_hi)
        return HR_ERROR(HR_ENOMEM, "out of memory reading checkpoint '%s'", path);
    for (size_t d = 0; d < nd; d++)
        a->bins[d] = (int)hr__evo_get_u32(r);
    hr__evo_get_f64s(r, a->desc_lo, nd);
    hr__evo_get_f64s(r, a->desc_hi, nd);
    c->bins = a->bins;
    c->desc_lo = a->desc_lo;
    c->desc_hi = a->desc_hi;
    return HR_OK;
}

static int me_compare_config(const char *path, const hr_evo_config *s, const hr_evo_config *e)
{
    char name[64];
    if (s->batch != e->batch)
        return HR__EVO_DIFF(path, "%d", "batch", s->batch, e->batch);
    if (s->initial != e->initial)
        return HR__EVO_DIFF(path, "%ld", "initial", s->initial, e->initial);
    for (int d = 0; d < s->ndesc; d++) {
        if (s->bins[d] != e->bins[d]) {
            snprintf(name, sizeof name, "bins[%d]", d);
            return HR__EVO_DIFF(path, "%d", name, s->bins[d], e->bins[d]);
        }
        if (s->desc_lo[d] != e->desc_lo[d]) {
            snprintf(name, sizeof name, "desc_lo[%d]", d);
            return HR__EVO_DIFF(path, "%.17g", name, s->desc_lo[d], e->desc_lo[d]);
        }
        if (s->desc_hi[d] != e->desc_hi[d]) {
            snprintf(name, sizeof name, "desc_hi[%d]", d);
            return HR__EVO_DIFF(path, "%.17g", name, s->desc_hi[d], e->desc_hi[d]);
        }
    }
    return HR_OK;
}

static long me_evaluations_after(const hr_evo_config *c, long g) { return g * (long)c->batch; }

static long me_cells(const hr_evo_config *c)
{
    long cells = 1;
    for (int k = 0; k < c->ndesc; k++)
        cells *= c->bins[k];
    return cells;
}

/* The archive in cell order. */
static int me_write_csv(const hr_evo *evo, FILE *f, const char *const *gene_names)
{
    const hr_evo_config *c = &evo->cfg;
    int n = c->ngenes, nd = c->ndesc;
    double *g = malloc((size_t)(n + nd + 1) * sizeof(double));
    int *bin = malloc((size_t)(nd + 1) * sizeof(int));
    if (!g || !bin) {
        free(g);
        free(bin);
        return HR_ERROR(HR_ENOMEM, "archive CSV: out of memory");
    }
    double *d = g + n;
    fprintf(f, "cell");
    for (int k = 0; k < nd; k++)
        fprintf(f, ",bin_%d", k);
    for (int k = 0; k < nd; k++)
        fprintf(f, ",desc_%d", k);
    fprintf(f, ",fitness");
    hr__evo_csv_gene_header(f, evo, gene_names);
    fprintf(f, "\n");
    long cells = me_cells(c);
    for (long cell = 0; cell < cells; cell++) {
        double fit;
        if (hr_evo_cell(evo, cell, g, &fit, d) != 1)
            continue;
        hr_evo_cell_of(evo, d, bin);
        fprintf(f, "%ld", cell);
        for (int k = 0; k < nd; k++)
            fprintf(f, ",%d", bin[k]);
        hr__evo_csv_values(f, d, nd);
        fprintf(f, ",%.17g", fit);
        hr__evo_csv_values(f, g, n);
        fprintf(f, "\n");
    }
    free(g);
    free(bin);
    return HR_OK;
}

const hr_optimizer_type hr_optimizer_map_elites = {
    .base = {.version = HR_OPTIMIZER_VERSION, .cls = HR_CLASS_OPTIMIZER, .name = "map-elites",
             .doc = "MAP-Elites over a grid of two descriptors (the reference study's search)",
             .params = hr_evo_params},
    .id = HR_EVO_MAP_ELITES,
    .label = "MAP-Elites",
    .unit = "batch",
    .min_desc = 1,
    .max_obj = 1,
    .defaults = me_defaults,
    .configure = me_configure,
    .check = me_check,
    .save_config = me_save_config,
    .load_config = me_load_config,
    .compare_config = me_compare_config,
    .evaluations_after = me_evaluations_after,
    .cells = me_cells,
    .write_csv = me_write_csv,
    .create = me_create,
    .destroy = me_destroy,
    .init = me_init,
    .batch_max = me_batch_max,
    .propose = me_propose,
    .absorb = me_absorb,
    .size = me_size,
    .individual = me_individual,
    .save = me_save,
    .load = me_load,
};
