/* nsga2.c — NSGA-II (Deb, Pratap, Agarwal and Meyarivan 2002, IEEE TEC 6(2)),
 * every objective maximised.
 *
 * Generation 0: `population` genomes uniform in the bounds. Generation
 * g >= 1: child j (j < population) draws from stream (seed, g, j): two
 * parents by binary tournament (a lower front wins, then a larger crowding
 * distance, then the first drawn), with probability `crossover` the first
 * child of bounded SBX (eta_c) else a copy of the first parent, then bounded
 * polynomial mutation (Deb and Goyal 1996, as in NSGA-II's reference code):
 * each gene with probability `mutation`, u ~ U[0, 1), d1 = (x - lo)/(hi - lo),
 * d2 = (hi - x)/(hi - lo), q = 1/(eta_m + 1),
 *     u < 1/2:  dq = (2u + (1 - 2u)(1 - d1)^(eta_m+1))^q - 1
 *     else:     dq = 1 - (2(1 - u) + 2(u - 1/2)(1 - d2)^(eta_m+1))^q
 *     x' = clip(x + dq (hi - lo)).
 * Survival: parents and children (2N, parents first) are sorted into fronts
 * by the fast non-dominated sort (a dominates b if it is >= in every
 * objective and > in one); whole fronts are kept in order while they fit,
 * the front that does not fit is cut by crowding distance (largest first,
 * ties by position). Front and crowding of the new population are then
 * computed over it alone (so they are a function of the stored genomes and
 * objectives, and a checkpoint needs nothing else). Crowding distance per
 * front: the sum over objectives of (f_next - f_prev) / (f_max - f_min) of
 * the neighbours in that objective's order (ties by position), infinite at
 * the ends. A failed evaluation (objectives -inf) is dominated by every
 * success and has crowding 0. */
#include "evolve/nsga2.h"
#include "evolve/evolve_internal.h"
#include "evolve/operators.h"
#include "evolve/settings.h"
#include "base/status.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct sort_item {
    double key; /* the sort key */
    long index; /* tie-break: position */
};

struct nsga2_state {
    long size;          /* members: 0 before generation 0, else population */
    double *genomes;    /* 2 population x ngenes (the first `size` are the members) */
    double *obj;        /* 2 population x nobj */
    int *front;         /* 2 population: front of each */
    double *crowd;      /* 2 population: crowding distance */
    /* Scratch for the sort (2 population each). */
    long *count;        /* how many dominate each */
    int32_t *dom;       /* 2N x 2N: row i lists the ones i dominates */
    long *ndom;         /* their number */
    long *list;         /* members ordered by front */
    long *keep;         /* survivors */
    struct sort_item *key; /* sort keys */
    double *tmp_g, *tmp_o; /* 2 population x ngenes / nobj */
};

static int desc_cmp(const void *pa, const void *pb)
{
    const struct sort_item *a = pa, *b = pb;
    if (a->key > b->key)
        return -1;
    if (a->key < b->key)
        return 1;
    return (a->index > b->index) - (a->index < b->index);
}

static int asc_cmp(const void *pa, const void *pb)
{
    const struct sort_item *a = pa, *b = pb;
    if (a->key < b->key)
        return -1;
    if (a->key > b->key)
        return 1;
    return (a->index > b->index) - (a->index < b->index);
}

static int long_cmp(const void *pa, const void *pb)
{
    long a = *(const long *)pa, b = *(const long *)pb;
    return (a > b) - (a < b);
}

void hr_nsga2_params_default(hr_nsga2_params *p)
{
    p->population = 40;
    p->crossover = 0.9;
    p->eta_c = 15;
    p->eta_m = 20;
    p->mutation = 0;
}

static hr_nsga2_params params_of(const hr_evo_config *cfg)
{
    hr_nsga2_params p;
    if (cfg->params && cfg->params_size == sizeof p)
        memcpy(&p, cfg->params, sizeof p);
    else
        hr_nsga2_params_default(&p);
    return p;
}

static double mutation_of(const hr_evo_config *cfg)
{
    hr_nsga2_params p = params_of(cfg);
    return p.mutation > 0 ? p.mutation : 1.0 / cfg->ngenes;
}

static void nsga2_destroy(hr_evo *evo)
{
    struct nsga2_state *st = evo->state;
    if (!st)
        return;
    free(st->genomes);
    free(st->obj);
    free(st->front);
    free(st->crowd);
    free(st->count);
    free(st->dom);
    free(st->ndom);
    free(st->list);
    free(st->keep);
    free(st->key);
    free(st->tmp_g);
    free(st->tmp_o);
    free(st);
    evo->state = NULL;
}

static int nsga2_create(hr_evo *evo)
{
    struct nsga2_state *st = calloc(1, sizeof *st);
    if (!st)
        return HR_ERROR(HR_ENOMEM, "NSGA-II: cannot allocate the state");
    evo->state = st;
    size_t N2 = 2 * (size_t)params_of(&evo->cfg).population, n = (size_t)evo->cfg.ngenes,
           m = (size_t)evo->cfg.nobj;
    st->genomes = malloc(N2 * n * sizeof(double));
    st->obj = malloc(N2 * m * sizeof(double));
    st->front = malloc(N2 * sizeof(int));
    st->crowd = malloc(N2 * sizeof(double));
    st->count = malloc(N2 * sizeof(long));
    st->dom = malloc(N2 * N2 * sizeof(int32_t));
    st->ndom = malloc(N2 * sizeof(long));
    st->list = malloc(N2 * sizeof(long));
    st->keep = malloc(N2 * sizeof(long));
    st->key = malloc(N2 * sizeof(struct sort_item));
    st->tmp_g = malloc(N2 * n * sizeof(double));
    st->tmp_o = malloc(N2 * m * sizeof(double));
    if (!st->genomes || !st->obj || !st->front || !st->crowd || !st->count || !st->dom ||
        !st->ndom || !st->list || !st->keep || !st->key || !st->tmp_g || !st->tmp_o) {
        nsga2_destroy(evo);
        return HR_ERROR(HR_ENOMEM, "NSGA-II: cannot allocate a population of %zu (x 2) with %zu "
                        "genes", N2 / 2, n);
    }
    return HR_OK;
}

static void nsga2_init(hr_evo *evo)
{
    struct nsga2_state *st = evo->state;
    st->size = 0;
}

static long nsga2_batch_max(const hr_evo *evo) { return params_of(&evo->cfg).population; }

/* 1 if member a of obj dominates member b (maximising). */
static int dominates(const double *oa, const double *ob, int m)
{
    int better = 0;
    for (int k = 0; k < m; k++) {
        if (oa[k] < ob[k])
            return 0;
        if (oa[k] > ob[k])
            better = 1;
    }
    return better;
}

static int failed(const double *o, int m)
{
    for (int k = 0; k < m; k++)
        if (!isfinite(o[k]))
            return 1;
    return 0;
}

/* Fronts (st->front) of the first `count` entries of obj by the fast
 * non-dominated sort, and st->list = the entries ordered by front (by
 * position within a front). Returns the number of fronts. */
static int sort_fronts(struct nsga2_state *st, const double *obj, long count, int m)
{
    long N2 = count;
    for (long i = 0; i < N2; i++) {
        st->count[i] = 0;
        st->ndom[i] = 0;
    }
    for (long i = 0; i < N2; i++)
        for (long j = i + 1; j < N2; j++) {
            const double *oi = obj + (size_t)i * (size_t)m, *oj = obj + (size_t)j * (size_t)m;
            if (dominates(oi, oj, m)) {
                st->dom[(size_t)i * (size_t)N2 + (size_t)st->ndom[i]++] = (int32_t)j;
                st->count[j]++;
            } else if (dominates(oj, oi, m)) {
                st->dom[(size_t)j * (size_t)N2 + (size_t)st->ndom[j]++] = (int32_t)i;
                st->count[i]++;
            }
        }
    long head = 0, tail = 0;
    for (long i = 0; i < N2; i++)
        if (st->count[i] == 0) {
            st->front[i] = 0;
            st->list[tail++] = i;
        }
    int nfronts = 0;
    while (head < tail) {
        long end = tail;
        nfronts++;
        /* The next front, in position order: mark, then collect. */
        for (long q = head; q < end; q++) {
            long i = st->list[q];
            for (long d = 0; d < st->ndom[i]; d++) {
                long j = st->dom[(size_t)i * (size_t)N2 + (size_t)d];
                if (--st->count[j] == 0)
                    st->front[j] = nfronts;
            }
        }
        for (long j = 0; j < N2; j++)
            if (st->count[j] == 0 && st->front[j] == nfronts) {
                st->count[j] = -1; /* collected */
                st->list[tail++] = j;
            }
        for (long q = head; q < end; q++)
            st->count[st->list[q]] = -1;
        head = end;
    }
    return nfronts;
}

/* Crowding distances of the entries list[a..b) (one front) of obj. */
static void crowding(struct nsga2_state *st, const double *obj, const long *list, long a, long b,
                     int m, double *crowd)
{
    struct sort_item *it = st->key;
    long len = b - a;
    for (long q = a; q < b; q++)
        crowd[list[q]] = 0;
    if (len <= 0)
        return;
    if (failed(obj + (size_t)list[a] * (size_t)m, m))
        return; /* the failures' front (all failed: they are dominated by any success) */
    for (int k = 0; k < m; k++) {
        for (long q = 0; q < len; q++) {
            it[q].key = obj[(size_t)list[a + q] * (size_t)m + (size_t)k];
            it[q].index = list[a + q];
        }
        qsort(it, (size_t)len, sizeof *it, asc_cmp);
        double lo = it[0].key, hi = it[len - 1].key;
        crowd[it[0].index] = INFINITY;
        crowd[it[len - 1].index] = INFINITY;
        if (!(hi > lo))
            continue;
        for (long q = 1; q + 1 < len; q++)
            crowd[it[q].index] += (it[q + 1].key - it[q - 1].key) / (hi - lo);
    }
}

/* Front and crowding of the first `count` entries of obj (into st->front,
 * and crowd[]). */
static void rank_all(struct nsga2_state *st, const double *obj, long count, int m, double *crowd)
{
    sort_fronts(st, obj, count, m);
    long a = 0;
    while (a < count) {
        long b = a;
        while (b < count && st->front[st->list[b]] == st->front[st->list[a]])
            b++;
        crowding(st, obj, st->list, a, b, m, crowd);
        a = b;
    }
}

/* Binary tournament by front, then crowding, then the first drawn. */
static long tournament(hr_evo_rng *r, const struct nsga2_state *st)
{
    long a = (long)hr_evo_rng_below(r, (uint64_t)st->size);
    long b = (long)hr_evo_rng_below(r, (uint64_t)st->size);
    if (st->front[b] < st->front[a] || (st->front[b] == st->front[a] && st->crowd[b] > st->crowd[a]))
        return b;
    return a;
}

static void mutate_polynomial(hr_evo_rng *r, int n, const double *lo, const double *hi,
                              double rate, double eta, double *x)
{
    for (int i = 0; i < n; i++) {
        double coin = hr_evo_rng_uniform(r), u = hr_evo_rng_uniform(r);
        double a = lo[i], b = hi[i];
        if (!(coin < rate) || !(b > a))
            continue;
        double d1 = (x[i] - a) / (b - a), d2 = (b - x[i]) / (b - a), q = 1.0 / (eta + 1.0), dq;
        if (u < 0.5) {
            double v = 2 * u + (1 - 2 * u) * pow(1 - d1, eta + 1);
            dq = pow(v, q) - 1;
        } else {
            double v = 2 * (1 - u) + 2 * (u - 0.5) * pow(1 - d2, eta + 1);
            dq = 1 - pow(v, q);
        }
        x[i] = hr_evo_clip(x[i] + dq * (b - a), a, b);
    }
}

static long nsga2_propose(hr_evo *evo, double *out)
{
    const hr_evo_config *c = &evo->cfg;
    const struct nsga2_state *st = evo->state;
    hr_nsga2_params p = params_of(c);
    size_t n = (size_t)c->ngenes;
    double pm = mutation_of(c);
    hr_evo_rng rng;
    for (long j = 0; j < p.population; j++) {
        double *child = out + (size_t)j * n;
        hr_evo_rng_stream(&rng, c->seed, (uint64_t)evo->generations, (uint64_t)j);
        if (st->size == 0) {
            hr_evo_uniform(&rng, c->ngenes, c->lo, c->hi, child);
            continue;
        }
        long a = tournament(&rng, st), b = tournament(&rng, st);
        const double *pa = st->genomes + (size_t)a * n, *pb = st->genomes + (size_t)b * n;
        if (hr_evo_rng_uniform(&rng) < p.crossover)
            hr_evo_crossover_sbx(&rng, c->ngenes, c->lo, c->hi, p.eta_c, pa, pb, child, NULL);
        else
            memcpy(child, pa, n * sizeof(double));
        mutate_polynomial(&rng, c->ngenes, c->lo, c->hi, pm, p.eta_m, child);
    }
    return p.population;
}

static int nsga2_absorb(hr_evo *evo, long count, const double *genomes, const double *fitness,
                        const double *desc)
{
    const hr_evo_config *c = &evo->cfg;
    struct nsga2_state *st = evo->state;
    size_t n = (size_t)c->ngenes, m = (size_t)c->nobj;
    long N = params_of(c).population;
    if (count != N)
        return HR_ERROR(HR_EINVAL, "NSGA-II: %ld children for a population of %ld", count, N);
    if (st->size == 0) {
        memcpy(st->genomes, genomes, (size_t)N * n * sizeof(double));
        memcpy(st->obj, fitness, (size_t)N * m * sizeof(double));
        st->size = N;
        rank_all(st, st->obj, N, (int)m, st->crowd);
        return HR_OK;
    }
    /* Merge: parents then children. */
    memcpy(st->genomes + (size_t)N * n, genomes, (size_t)N * n * sizeof(double));
    memcpy(st->obj + (size_t)N * m, fitness, (size_t)N * m * sizeof(double));
    long N2 = 2 * N;
    rank_all(st, st->obj, N2, (int)m, st->crowd);
    /* Whole fronts while they fit, then the best-crowded of the next. */
    long kept = 0, a = 0;
    while (a < N2 && kept < N) {
        long b = a;
        while (b < N2 && st->front[st->list[b]] == st->front[st->list[a]])
            b++;
        if (kept + (b - a) <= N) {
            for (long q = a; q < b; q++)
                st->keep[kept++] = st->list[q];
        } else {
            struct sort_item *it = st->key;
            long len = b - a;
            for (long q = 0; q < len; q++) {
                it[q].key = st->crowd[st->list[a + q]];
                it[q].index = st->list[a + q];
            }
            qsort(it, (size_t)len, sizeof *it, desc_cmp);
            long need = N - kept;
            for (long q = 0; q < need; q++)
                st->keep[kept++] = it[q].index;
        }
        a = b;
    }
    /* The survivors in position order (parents before children). */
    for (long q = 0; q < N; q++)
        st->list[q] = st->keep[q];
    qsort(st->list, (size_t)N, sizeof(long), long_cmp);
    for (long q = 0; q < N; q++) {
        memcpy(st->tmp_g + (size_t)q * n, st->genomes + (size_t)st->list[q] * n,
               n * sizeof(double));
        memcpy(st->tmp_o + (size_t)q * m, st->obj + (size_t)st->list[q] * m, m * sizeof(double));
    }
    memcpy(st->genomes, st->tmp_g, (size_t)N * n * sizeof(double));
    memcpy(st->obj, st->tmp_o, (size_t)N * m * sizeof(double));
    st->size = N;
    rank_all(st, st->obj, N, (int)m, st->crowd);
    return HR_OK;
}

static long nsga2_size(const hr_evo *evo)
{
    const struct nsga2_state *st = evo->state;
    return st->size;
}

static void nsga2_individual(const hr_evo *evo, long i, const double **genome, double *fitness,
                             const double **desc, long *cell)
{
    const struct nsga2_state *st = evo->state;
    *genome = st->genomes + (size_t)i * (size_t)evo->cfg.ngenes;
    *fitness = st->obj[(size_t)i * (size_t)evo->cfg.nobj];
    *desc = NULL;
    *cell = -1;
}

int hr_nsga2_member(const hr_evo *evo, long i, int *front, double *crowd, double *obj)
{
    if (!evo || evo->cfg.kind != HR_EVO_NSGA2 || !evo->state)
        return HR_ERROR(HR_EINVAL, "hr_nsga2_member: not an NSGA-II optimiser");
    const struct nsga2_state *st = evo->state;
    if (i < 0 || i >= st->size)
        return HR_ERROR(HR_ERANGE, "NSGA-II: member %ld out of range [0, %ld)", i, st->size);
    if (front)
        *front = st->front[i];
    if (crowd)
        *crowd = st->crowd[i];
    if (obj)
        memcpy(obj, st->obj + (size_t)i * (size_t)evo->cfg.nobj,
               (size_t)evo->cfg.nobj * sizeof(double));
    return HR_OK;
}

/* State payload: u64 size (0 or population); f64 genomes[size][ngenes],
 * f64 objectives[size][nobj]. Fronts and crowding are recomputed. */
static void nsga2_save(const hr_evo *evo, struct hr__evo_buf *b)
{
    const struct nsga2_state *st = evo->state;
    size_t n = (size_t)evo->cfg.ngenes, m = (size_t)evo->cfg.nobj, sz = (size_t)st->size;
    hr__evo_put_u64(b, (uint64_t)st->size);
    hr__evo_put_f64s(b, st->genomes, sz * n);
    hr__evo_put_f64s(b, st->obj, sz * m);
}

static int nsga2_load(hr_evo *evo, struct hr__evo_reader *r, const char *path)
{
    struct nsga2_state *st = evo->state;
    const hr_evo_config *c = &evo->cfg;
    size_t n = (size_t)c->ngenes, m = (size_t)c->nobj;
    long N = params_of(c).population;
    uint64_t size = hr__evo_get_u64(r);
    if (r->failed)
        return HR_OK;
    if ((size != 0 && size != (uint64_t)N) || (size == 0) != (evo->generations == 0))
        return HR_ERROR(HR_ECORRUPT, "checkpoint '%s' is corrupt: NSGA-II population %llu after "
                        "%ld generations (allowed: %ld, or 0 before the first)", path,
                        (unsigned long long)size, evo->generations, N);
    if ((r->len - r->pos) / 8 < size * (n + m)) {
        r->failed = 1; /* shorter than it claims: reported by the caller */
        return HR_OK;
    }
    hr__evo_get_f64s(r, st->genomes, (size_t)size * n);
    hr__evo_get_f64s(r, st->obj, (size_t)size * m);
    for (size_t i = 0; i < (size_t)size * n; i++) {
        size_t g = i % n;
        if (!(st->genomes[i] >= c->lo[g] && st->genomes[i] <= c->hi[g]))
            return HR_ERROR(HR_ECORRUPT, "checkpoint '%s' is corrupt: NSGA-II member %zu gene %zu "
                            "= %g is outside its bounds [%g, %g]", path, i / n, g,
                            st->genomes[i], c->lo[g], c->hi[g]);
    }
    for (size_t i = 0; i < (size_t)size; i++) {
        const double *o = st->obj + i * m;
        int bad = 0, fail = 1;
        for (size_t k = 0; k < m; k++) {
            bad |= isnan(o[k]) || o[k] == INFINITY;
            fail &= o[k] == -INFINITY;
        }
        if (bad || (failed(o, (int)m) && !fail))
            return HR_ERROR(HR_ECORRUPT, "checkpoint '%s' is corrupt: NSGA-II member %zu has "
                            "objectives that are neither finite nor a failure", path, i);
    }
    st->size = (long)size;
    if (size)
        rank_all(st, st->obj, (long)size, (int)m, st->crowd);
    return HR_OK;
}

/* The population sorted by front, then crowding (largest first), then index. */
static int sorted_members(const hr_evo *evo, long **out)
{
    const struct nsga2_state *st = evo->state;
    long N = st->size;
    struct sort_item *it = malloc((size_t)(N > 0 ? N : 1) * sizeof *it);
    long *order = malloc((size_t)(N > 0 ? N : 1) * sizeof *order);
    if (!it || !order) {
        free(it);
        free(order);
        return HR_ERROR(HR_ENOMEM, "NSGA-II: out of memory");
    }
    /* Key: -front * big + crowding rank within the front: sort twice instead. */
    for (long i = 0; i < N; i++) {
        it[i].key = st->crowd[i];
        it[i].index = i;
    }
    qsort(it, (size_t)N, sizeof *it, desc_cmp);
    long k = 0;
    int maxf = 0;
    for (long i = 0; i < N; i++)
        maxf = st->front[i] > maxf ? st->front[i] : maxf;
    for (int f = 0; f <= maxf; f++)
        for (long i = 0; i < N; i++)
            if (st->front[it[i].index] == f)
                order[k++] = it[i].index;
    free(it);
    *out = order;
    return HR_OK;
}

/* archive.csv: the population by front and crowding,
 *     front,crowding,index,objective_0..objective_{M-1},<gene names> */
static int nsga2_write_csv(const hr_evo *evo, FILE *f, const char *const *gene_names)
{
    const struct nsga2_state *st = evo->state;
    int n = evo->cfg.ngenes, m = evo->cfg.nobj;
    long *order = NULL;
    int s = sorted_members(evo, &order);
    if (s)
        return s;
    fprintf(f, "front,crowding,index");
    for (int k = 0; k < m; k++)
        fprintf(f, ",objective_%d", k);
    hr__evo_csv_gene_header(f, evo, gene_names);
    fprintf(f, "\n");
    for (long q = 0; q < st->size; q++) {
        long i = order[q];
        fprintf(f, "%d,%.17g,%ld", st->front[i], st->crowd[i], i);
        hr__evo_csv_values(f, st->obj + (size_t)i * (size_t)m, m);
        hr__evo_csv_values(f, st->genomes + (size_t)i * (size_t)n, n);
        fprintf(f, "\n");
    }
    free(order);
    return HR_OK;
}

int hr_nsga2_write_front(const hr_evo *evo, const char *path, const char *const *objective_names,
                         const char *const *gene_names)
{
    if (!evo || !path || evo->cfg.kind != HR_EVO_NSGA2 || !evo->state)
        return HR_ERROR(HR_EINVAL, "hr_nsga2_write_front: not an NSGA-II optimiser");
    const struct nsga2_state *st = evo->state;
    int n = evo->cfg.ngenes, m = evo->cfg.nobj;
    struct sort_item *it = malloc((size_t)(st->size > 0 ? st->size : 1) * sizeof *it);
    char *text = NULL;
    size_t len = 0;
    FILE *f = it ? open_memstream(&text, &len) : NULL;
    if (!f) {
        free(it);
        return HR_ERROR(HR_ENOMEM, "front CSV '%s': out of memory", path);
    }
    long k = 0;
    for (long i = 0; i < st->size; i++)
        if (st->front[i] == 0 && !failed(st->obj + (size_t)i * (size_t)m, m)) {
            it[k].key = st->obj[(size_t)i * (size_t)m];
            it[k++].index = i;
        }
    qsort(it, (size_t)k, sizeof *it, desc_cmp);
    fprintf(f, "index");
    for (int j = 0; j < m; j++) {
        if (objective_names && objective_names[j])
            fprintf(f, ",%s", objective_names[j]);
        else
            fprintf(f, ",objective_%d", j);
    }
    fprintf(f, ",crowding");
    hr__evo_csv_gene_header(f, evo, gene_names);
    fprintf(f, "\n");
    for (long q = 0; q < k; q++) {
        long i = it[q].index;
        fprintf(f, "%ld", i);
        hr__evo_csv_values(f, st->obj + (size_t)i * (size_t)m, m);
        fprintf(f, ",%.17g", st->crowd[i]);
        hr__evo_csv_values(f, st->genomes + (size_t)i * (size_t)n, n);
        fprintf(f, "\n");
    }
    free(it);
    int s = fclose(f) ? HR_ERROR(HR_ENOMEM, "front CSV '%s': out of memory", path) : HR_OK;
    if (!s)
        s = hr_write_atomic(path, text, len, "front CSV");
    free(text);
    return s;
}

/* ---- Configuration ---- */

/* The decoded <evolve kind="nsga2"> section. */
typedef struct nsga2_settings {
    long seed;        /* random seed */
    long evaluations; /* budget */
    double sigma;     /* unused (NSGA-II mutates polynomially) */
    int population;
    double crossover, eta_c, eta_m, mutation;
} nsga2_settings;

#define S nsga2_settings
static const hr_param_spec nsga2_table[] = {
    HR_EVO_COMMON_PARAMS(S),
    HR_INT_AT(S, population, "population", 40, 4, 2000,
              "individuals, and children (evaluations) per generation"),
    HR_NUMBER_AT(S, crossover, "crossover", 0.9, 0, 1, "probability a child comes from SBX"),
    HR_NUMBER_AT(S, eta_c, "eta_c", 15, 0, 1000, "SBX distribution index"),
    HR_NUMBER_AT(S, eta_m, "eta_m", 20, 0, 1000, "polynomial mutation distribution index"),
    HR_NUMBER_AT(S, mutation, "mutation", 0, 0, 1, "per-gene mutation probability (0: 1/genes)"),
    HR_PARAMS_END,
};
#undef S

static void nsga2_defaults(hr_evo_config *cfg)
{
    static const hr_nsga2_params def = {40, 0.9, 15, 20, 0};
    cfg->ndesc = 0;
    cfg->nobj = 2;
    cfg->params = &def;
    cfg->params_size = sizeof def;
}

static int nsga2_configure(hr_evo_setup *setup, const hr_section *settings)
{
    nsga2_settings e;
    hr_section_decode(settings, &e);
    hr_nsga2_params p = {.population = e.population, .crossover = e.crossover,
                         .eta_c = e.eta_c, .eta_m = e.eta_m, .mutation = e.mutation};
    memcpy(setup->params, &p, sizeof p);
    setup->cfg.params = setup->params;
    setup->cfg.params_size = sizeof p;
    setup->cfg.ndesc = 0;
    return HR_OK;
}

static int in_range(double x, double lo, double hi) { return x >= lo && x <= hi; }

static int nsga2_check(const hr_evo_config *cfg)
{
    if (cfg->params_size != 0 && cfg->params_size != sizeof(hr_nsga2_params))
        return HR_ERROR(HR_EINVAL, "NSGA-II config: params_size = %zu (allowed: 0 or %zu, an "
                        "hr_nsga2_params)", cfg->params_size, sizeof(hr_nsga2_params));
    hr_nsga2_params p = params_of(cfg);
    if (cfg->nobj < 2)
        return HR_ERROR(HR_EINVAL, "NSGA-II config: nobj = %d (allowed: 2 .. %d objectives; give "
                        "the experiment a multi-objective fitness, e.g. <fitness kind=\"multi\">"
                        "<objectives>logdet score</objectives></fitness>)", cfg->nobj,
                        HR_EVO_MAX_OBJ);
    /* The sort keeps a (2 population)^2 table of 32-bit indices (64 MB at 2000). */
    if (p.population < 4 || p.population > 2000)
        return HR_ERROR(HR_EINVAL, "NSGA-II config: population = %d out of range [4, 2000]",
                        p.population);
    if (!in_range(p.crossover, 0, 1) || !in_range(p.eta_c, 0, 1000) ||
        !in_range(p.eta_m, 0, 1000) || !in_range(p.mutation, 0, 1))
        return HR_ERROR(HR_EINVAL, "NSGA-II config: crossover = %g (allowed [0, 1]), eta_c = %g, "
                        "eta_m = %g (allowed [0, 1000]), mutation = %g (allowed [0, 1])",
                        p.crossover, p.eta_c, p.eta_m, p.mutation);
    if (cfg->ndesc != 0)
        return HR_ERROR(HR_EINVAL, "NSGA-II config: ndesc = %d (allowed: 0)", cfg->ndesc);
    return HR_OK;
}

/* Its part of the configuration: u32 nobj (the generic part does not hold
 * it), u32 population, f64 crossover, f64 eta_c, f64 eta_m, f64 mutation. */
static void nsga2_save_config(const hr_evo_config *cfg, struct hr__evo_buf *b)
{
    hr_nsga2_params p = params_of(cfg);
    hr__evo_put_u32(b, (uint32_t)cfg->nobj);
    hr__evo_put_u32(b, (uint32_t)p.population);
    hr__evo_put_f64(b, p.crossover);
    hr__evo_put_f64(b, p.eta_c);
    hr__evo_put_f64(b, p.eta_m);
    hr__evo_put_f64(b, p.mutation);
}

static int nsga2_load_config(hr_evo_config *cfg, struct hr__evo_reader *r,
                             struct hr__evo_config_arrays *a, const char *path)
{
    hr_nsga2_params p;
    cfg->nobj = (int)hr__evo_get_u32(r);
    p.population = (int)hr__evo_get_u32(r);
    p.crossover = hr__evo_get_f64(r);
    p.eta_c = hr__evo_get_f64(r);
    p.eta_m = hr__evo_get_f64(r);
    p.mutation = hr__evo_get_f64(r);
    a->params = malloc(sizeof p);
    if (!a->params)
        return HR_ERROR(HR_ENOMEM, "out of memory reading checkpoint '%s'", path);
    memcpy(a->params, &p, sizeof p);
    cfg->params = a->params;
    cfg->params_size = sizeof p;
    return HR_OK;
}

static int nsga2_compare_config(const char *path, const hr_evo_config *s, const hr_evo_config *e)
{
    hr_nsga2_params ps = params_of(s), pe = params_of(e);
    if (ps.population != pe.population)
        return HR__EVO_DIFF(path, "%d", "population", ps.population, pe.population);
    if (ps.crossover != pe.crossover)
        return HR__EVO_DIFF(path, "%.17g", "crossover", ps.crossover, pe.crossover);
    if (ps.eta_c != pe.eta_c)
        return HR__EVO_DIFF(path, "%.17g", "eta_c", ps.eta_c, pe.eta_c);
    if (ps.eta_m != pe.eta_m)
        return HR__EVO_DIFF(path, "%.17g", "eta_m", ps.eta_m, pe.eta_m);
    if (ps.mutation != pe.mutation)
        return HR__EVO_DIFF(path, "%.17g", "mutation", ps.mutation, pe.mutation);
    return HR_OK;
}

static long nsga2_evaluations_after(const hr_evo_config *cfg, long g)
{
    long N = params_of(cfg).population;
    return g < 0 || g > LONG_MAX / N ? -1 : g * N; /* -1: a count no run reaches */
}

static long nsga2_cells(const hr_evo_config *cfg) { return params_of(cfg).population; }

const hr_optimizer_type hr_optimizer_nsga2 = {
    .base = {.version = HR_OPTIMIZER_VERSION, .cls = HR_CLASS_OPTIMIZER, .name = "nsga2",
             .doc = "NSGA-II over several objectives (a multi-objective fitness): non-dominated "
                    "sort, crowding distance, binary tournament, SBX, polynomial mutation",
             .params = nsga2_table},
    .id = HR_EVO_NSGA2,
    .label = "NSGA-II",
    .unit = "gen",
    .min_desc = 0,
    .max_obj = HR_EVO_MAX_OBJ,
    .defaults = nsga2_defaults,
    .configure = nsga2_configure,
    .check = nsga2_check,
    .save_config = nsga2_save_config,
    .load_config = nsga2_load_config,
    .compare_config = nsga2_compare_config,
    .evaluations_after = nsga2_evaluations_after,
    .cells = nsga2_cells,
    .write_csv = nsga2_write_csv,
    .create = nsga2_create,
    .destroy = nsga2_destroy,
    .init = nsga2_init,
    .batch_max = nsga2_batch_max,
    .propose = nsga2_propose,
    .absorb = nsga2_absorb,
    .size = nsga2_size,
    .individual = nsga2_individual,
    .save = nsga2_save,
    .load = nsga2_load,
};
