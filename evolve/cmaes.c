/* cmaes.c — CMA-ES (Hansen 2016, "The CMA Evolution Strategy: A Tutorial",
 * arXiv:1604.00772) with IPOP restarts (Auger and Hansen 2005).
 *
 * Coordinates are normalised: y_i in [0, 1] is gene lo_i + (hi_i - lo_i) y_i.
 * One CMA generation with mean m, step size sigma and covariance C = B D^2 B^T:
 *
 *   y_k   = m + sigma B D z_k,       z_k ~ N(0, I),        k = 1 .. lambda
 *   evaluated at the repair x_k = clip(y_k, 0, 1) (every genome in bounds),
 *   ranked by the penalised fitness  f_k - gamma |y_k - x_k|^2,
 *   gamma = 2 IQR(f) / (sigma^2 mean(diag C))        (see "Bounds" below)
 *   m'    = sum_{i<=mu} w_i y_{i:lambda},  w_i ∝ ln((lambda+1)/2) - ln i,  mu = lambda/2
 *   p_s   = (1 - c_s) p_s + sqrt(c_s (2 - c_s) mu_eff) C^{-1/2} (m' - m) / sigma
 *   h_s   = |p_s| / sqrt(1 - (1 - c_s)^(2(g+1))) < (1.4 + 2/(n+1)) E|N(0,I)|
 *   p_c   = (1 - c_c) p_c + h_s sqrt(c_c (2 - c_c) mu_eff) (m' - m) / sigma
 *   C'    = (1 - c_1 - c_mu + c_1 (1 - h_s) c_c (2 - c_c)) C + c_1 p_c p_c^T
 *           + c_mu sum w_i (y_{i:lambda} - m)(y_{i:lambda} - m)^T / sigma^2
 *   sigma'= sigma exp(min(1, (c_s / d_s) (|p_s| / E|N(0,I)| - 1)))
 * with the tutorial's default c_s, d_s, c_c, c_1, c_mu; then C' = B D^2 B^T by
 * GSL's symmetric eigensolver (gsl_eigen_symmv, eigenvalues sorted).
 *
 * Restarts (IPOP): a run stops on TolFun (the best values of the last
 * 10 + 30 n / lambda generations and all of this generation within tolfun),
 * TolX, a condition number above 1e14, no effect of 0.1 sigma along an axis
 * or 0.2 sigma on a coordinate, sigma above 1e3, or a generation in which
 * every sample failed; the next run starts from a uniform random mean with
 * sigma0, C = I and lambda multiplied by incpop (up to `restarts` times).
 *
 * Bounds: repair and penalty, not resampling. The optima here are often on
 * a bound (a readout time at the edge of its window, an amplitude at its
 * maximum); with resampling the acceptance falls by half per active bound
 * and the step-size adaptation sees a truncated distribution. Evaluating the
 * clipped point and ranking with a quadratic penalty on the distance to it
 * keeps one evaluation per sample, every genome in bounds, and the mean
 * pulled back inside; gamma makes a sample one standard deviation outside
 * cost about two inter-quartile ranges of this generation's fitness, so the
 * penalty needs no scale from the user (in the spirit of Hansen et al. 2009,
 * IEEE TEC 13(1), section IV-B, without their adaptive per-coordinate weights).
 *
 * Batches: the engine's iteration is lambda0 evaluations (the first run's
 * lambda). A generation of a run with lambda = lambda0 * incpop^r spans
 * incpop^r batches: sample k of the generation is drawn in batch k / lambda0
 * as individual k mod lambda0 of that batch's stream (seed, batch, j), and
 * the update happens when the generation's last batch is absorbed. So the
 * evaluations of any number of batches are known from the configuration
 * (checkpoints check it) and a run resumes bit for bit from any batch. */
#include "evolve/cmaes.h"
#include "evolve/evolve_internal.h"
#include "evolve/operators.h"
#include "evolve/settings.h"
#include "base/status.h"

#include <gsl/gsl_eigen.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The stream index of a restart's random mean (never an individual's). */
#define MEAN_STREAM 0xFFFFFFFFFFFFFFFFULL
/* Largest population the state is sized for (checked in the configuration). */
#define MAX_LAMBDA HR_EVO_MAX_POPULATION

/* One entry of the ranking. */
struct rank_item {
    double f;   /* penalised fitness, -inf for failures */
    long index; /* sample index */
};

struct cmaes_state {
    int n;              /* genes */
    int lambda0;        /* the first run's lambda = the batch */
    long lambda_max;    /* the largest lambda a run can have (sizes the arrays) */

    /* The run (restart) and its constants, functions of (n, lambda). */
    int restart;        /* restarts done */
    int lambda, mu;     /* population and parents */
    double *w;          /* recombination weights (mu), sum 1 */
    double mueff, cs, ds, cc, c1, cmu, chin;

    /* The search distribution. */
    double sigma;       /* step size (normalised coordinates) */
    double *m;          /* mean (n) */
    double *ps, *pc;    /* evolution paths (n) */
    double *C;          /* covariance (n x n, row-major, symmetric) */
    double *B;          /* its eigenvectors (columns), n x n row-major */
    double *D;          /* square roots of its eigenvalues, ascending (n) */
    long gen;           /* generations completed in this run */
    long gen_total;     /* generations completed over all runs */
    enum hr_cmaes_stop last_stop; /* why the last restart happened */

    /* The generation being sampled and evaluated. */
    long received;      /* samples absorbed so far (a multiple of lambda0) */
    double *y;          /* lambda_max x n: the unclipped samples */
    double *f;          /* lambda_max: their fitness (-inf: failed) */

    /* TolFun history: the best fitness of the last hlen generations. */
    int hlen;           /* its length in this run */
    int hcount;         /* values in it (<= hlen) */
    int hpos;           /* next slot */
    double *hist;       /* ring buffer (10 + 30 n / 2 values at most) */
    int hist_cap;

    /* The last complete generation (what the optimiser "holds"). */
    long held;          /* its size (0 before the first generation completes) */
    double *held_x;     /* lambda_max x n: its genomes, in gene units */
    double *held_f;     /* its fitness */

    /* Scratch. */
    double *fp;         /* lambda_max penalised fitness */
    long *order;        /* lambda_max ranking */
    struct rank_item *items; /* lambda_max */
    double *t1, *t2, *t3; /* n */
    gsl_eigen_symmv_workspace *eig;
    gsl_matrix *ea, *evec;
    gsl_vector *eval;
};

void hr_cmaes_params_default(hr_cmaes_params *p)
{
    p->lambda = 0;
    p->restarts = 9;
    p->incpop = 2;
    p->tolfun = 1e-12;
    p->tolx = 1e-12;
}

/* The parameters of a configuration (the defaults if it carries none). */
static hr_cmaes_params params_of(const hr_evo_config *cfg)
{
    hr_cmaes_params p;
    if (cfg->params && cfg->params_size == sizeof p)
        memcpy(&p, cfg->params, sizeof p);
    else
        hr_cmaes_params_default(&p);
    return p;
}

static int lambda0_of(const hr_evo_config *cfg)
{
    hr_cmaes_params p = params_of(cfg);
    if (p.lambda > 0)
        return p.lambda;
    return 4 + (int)floor(3.0 * log((double)cfg->ngenes));
}

/* lambda0 * incpop^r, r capped at restarts, as a long (no overflow: checked). */
static long lambda_of_run(const hr_evo_config *cfg, int restart)
{
    hr_cmaes_params p = params_of(cfg);
    long l = lambda0_of(cfg);
    int r = restart < p.restarts ? restart : p.restarts;
    for (int i = 0; i < r; i++)
        l *= p.incpop;
    return l;
}

/* The constants of a run of population lambda (the tutorial's defaults). */
static void set_constants(struct cmaes_state *st, int lambda)
{
    double n = st->n;
    st->lambda = lambda;
    st->mu = lambda / 2;
    double sum = 0, sum2 = 0;
    for (int i = 0; i < st->mu; i++) {
        st->w[i] = log((lambda + 1) / 2.0) - log(i + 1.0);
        sum += st->w[i];
    }
    for (int i = 0; i < st->mu; i++) {
        st->w[i] /= sum;
        sum2 += st->w[i] * st->w[i];
    }
    st->mueff = 1.0 / sum2;
    double me = st->mueff;
    st->cs = (me + 2) / (n + me + 5);
    st->ds = 1 + 2 * fmax(0, sqrt((me - 1) / (n + 1)) - 1) + st->cs;
    st->cc = (4 + me / n) / (n + 4 + 2 * me / n);
    st->c1 = 2 / ((n + 1.3) * (n + 1.3) + me);
    st->cmu = fmin(1 - st->c1, 2 * (me - 2 + 1 / me) / ((n + 2) * (n + 2) + me));
    st->chin = sqrt(n) * (1 - 1 / (4 * n) + 1 / (21 * n * n));
    st->hlen = 10 + (int)ceil(30.0 * n / lambda);
    if (st->hlen > st->hist_cap)
        st->hlen = st->hist_cap;
}

/* A fresh run: mean uniform from the stream (seed, batch, MEAN_STREAM),
 * sigma0, C = B = I, D = 1, paths zero, empty history. */
static void start_run(hr_evo *evo, int restart, uint64_t batch)
{
    struct cmaes_state *st = evo->state;
    size_t n = (size_t)st->n;
    st->restart = restart;
    set_constants(st, (int)lambda_of_run(&evo->cfg, restart));
    hr_evo_rng rng;
    hr_evo_rng_stream(&rng, evo->cfg.seed, batch, MEAN_STREAM);
    for (size_t i = 0; i < n; i++)
        st->m[i] = hr_evo_rng_uniform(&rng);
    st->sigma = evo->cfg.mutation_sigma;
    memset(st->ps, 0, n * sizeof(double));
    memset(st->pc, 0, n * sizeof(double));
    memset(st->C, 0, n * n * sizeof(double));
    memset(st->B, 0, n * n * sizeof(double));
    for (size_t i = 0; i < n; i++) {
        st->C[i * n + i] = 1;
        st->B[i * n + i] = 1;
        st->D[i] = 1;
    }
    st->gen = 0;
    st->received = 0;
    st->hcount = 0;
    st->hpos = 0;
}

static void cmaes_destroy(hr_evo *evo)
{
    struct cmaes_state *st = evo->state;
    if (!st)
        return;
    free(st->w);
    free(st->m);
    free(st->ps);
    free(st->pc);
    free(st->C);
    free(st->B);
    free(st->D);
    free(st->y);
    free(st->f);
    free(st->hist);
    free(st->held_x);
    free(st->held_f);
    free(st->fp);
    free(st->order);
    free(st->items);
    free(st->t1);
    free(st->t2);
    free(st->t3);
    if (st->eig)
        gsl_eigen_symmv_free(st->eig);
    if (st->ea)
        gsl_matrix_free(st->ea);
    if (st->evec)
        gsl_matrix_free(st->evec);
    if (st->eval)
        gsl_vector_free(st->eval);
    free(st);
    evo->state = NULL;
}

static int cmaes_create(hr_evo *evo)
{
    struct cmaes_state *st = calloc(1, sizeof *st);
    if (!st)
        return HR_ERROR(HR_ENOMEM, "CMA-ES: cannot allocate the state");
    evo->state = st;
    hr_cmaes_params p = params_of(&evo->cfg);
    size_t n = (size_t)evo->cfg.ngenes;
    st->n = (int)n;
    st->lambda0 = lambda0_of(&evo->cfg);
    st->lambda_max = lambda_of_run(&evo->cfg, p.restarts);
    size_t lm = (size_t)st->lambda_max;
    st->hist_cap = 10 + (int)ceil(30.0 * (double)n / 2.0);
    st->w = malloc(lm * sizeof(double));
    st->m = malloc(n * sizeof(double));
    st->ps = malloc(n * sizeof(double));
    st->pc = malloc(n * sizeof(double));
    st->C = malloc(n * n * sizeof(double));
    st->B = malloc(n * n * sizeof(double));
    st->D = malloc(n * sizeof(double));
    st->y = malloc(lm * n * sizeof(double));
    st->f = malloc(lm * sizeof(double));
    st->hist = malloc((size_t)st->hist_cap * sizeof(double));
    st->held_x = malloc(lm * n * sizeof(double));
    st->held_f = malloc(lm * sizeof(double));
    st->fp = malloc(lm * sizeof(double));
    st->order = malloc(lm * sizeof(long));
    st->items = malloc(lm * sizeof *st->items);
    st->t1 = malloc(n * sizeof(double));
    st->t2 = malloc(n * sizeof(double));
    st->t3 = malloc(n * sizeof(double));
    st->eig = gsl_eigen_symmv_alloc(n);
    st->ea = gsl_matrix_alloc(n, n);
    st->evec = gsl_matrix_alloc(n, n);
    st->eval = gsl_vector_alloc(n);
    if (!st->w || !st->m || !st->ps || !st->pc || !st->C || !st->B || !st->D || !st->y ||
        !st->f || !st->hist || !st->held_x || !st->held_f || !st->fp || !st->order ||
        !st->items || !st->t1 || !st->t2 || !st->t3 || !st->eig || !st->ea || !st->evec || !st->eval) {
        cmaes_destroy(evo);
        return HR_ERROR(HR_ENOMEM, "CMA-ES: cannot allocate the state for %zu genes and "
                        "populations up to %zu", n, lm);
    }
    return HR_OK;
}

static void cmaes_init(hr_evo *evo)
{
    struct cmaes_state *st = evo->state;
    st->held = 0;
    st->gen_total = 0;
    st->last_stop = HR_CMAES_RUNNING;
    start_run(evo, 0, 0);
}

static long cmaes_batch_max(const hr_evo *evo) { return lambda0_of(&evo->cfg); }

static long cmaes_propose(hr_evo *evo, double *out)
{
    const hr_evo_config *c = &evo->cfg;
    struct cmaes_state *st = evo->state;
    size_t n = (size_t)st->n;
    hr_evo_rng rng;
    for (long j = 0; j < st->lambda0; j++) {
        double *y = st->y + (size_t)(st->received + j) * n, *z = st->t1;
        hr_evo_rng_stream(&rng, c->seed, (uint64_t)evo->generations, (uint64_t)j);
        for (size_t i = 0; i < n; i++)
            z[i] = st->D[i] * hr_evo_rng_gaussian(&rng);
        for (size_t i = 0; i < n; i++) {
            double s = 0;
            for (size_t k = 0; k < n; k++)
                s += st->B[i * n + k] * z[k];
            y[i] = st->m[i] + st->sigma * s;
        }
        double *x = out + (size_t)j * n;
        for (size_t i = 0; i < n; i++)
            x[i] = hr_evo_clip(c->lo[i] + (c->hi[i] - c->lo[i]) * hr_evo_clip(y[i], 0, 1),
                               c->lo[i], c->hi[i]);
    }
    return st->lambda0;
}

static int rank_cmp(const void *pa, const void *pb)
{
    const struct rank_item *a = pa, *b = pb;
    if (a->f > b->f)
        return -1;
    if (a->f < b->f)
        return 1;
    return (a->index > b->index) - (a->index < b->index);
}

static int dbl_cmp(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

/* The q-quantile of the sorted v[0..n) (linear interpolation). */
static double quantile(const double *v, long n, double q)
{
    double pos = q * (double)(n - 1);
    long i = (long)floor(pos);
    if (i >= n - 1)
        return v[n - 1];
    return v[i] + (pos - (double)i) * (v[i + 1] - v[i]);
}

/* Ranks the generation by penalised fitness into st->order; returns the
 * number of finite fitness values. */
static long rank_generation(struct cmaes_state *st)
{
    size_t n = (size_t)st->n, lam = (size_t)st->lambda;
    struct rank_item *items = st->items;
    /* gamma from the inter-quartile range of the finite values. */
    long nf = 0;
    for (size_t k = 0; k < lam; k++)
        if (isfinite(st->f[k]))
            st->fp[nf++] = st->f[k];
    double gamma = 0;
    if (nf > 0) {
        qsort(st->fp, (size_t)nf, sizeof(double), dbl_cmp);
        double iqr = quantile(st->fp, nf, 0.75) - quantile(st->fp, nf, 0.25);
        double med = quantile(st->fp, nf, 0.5);
        if (!(iqr > 0))
            iqr = fmax(1e-9 * fabs(med), 1e-300);
        double cbar = 0;
        for (size_t i = 0; i < n; i++)
            cbar += st->C[i * n + i];
        cbar /= (double)n;
        gamma = 2 * iqr / (st->sigma * st->sigma * cbar);
        if (!isfinite(gamma))
            gamma = 1e300;
    }
    for (size_t k = 0; k < lam; k++) {
        double f = st->f[k];
        if (isfinite(f)) {
            const double *y = st->y + k * n;
            double d2 = 0;
            for (size_t i = 0; i < n; i++) {
                double d = y[i] - hr_evo_clip(y[i], 0, 1);
                d2 += d * d;
            }
            if (d2 > 0)
                f -= gamma * d2;
            if (!isfinite(f))
                f = -1e308; /* far outside: below every finite, above failures */
        } else {
            f = -INFINITY;
        }
        items[k].f = f;
        items[k].index = (long)k;
    }
    qsort(items, lam, sizeof *items, rank_cmp);
    for (size_t k = 0; k < lam; k++)
        st->order[k] = items[k].index;
    return nf;
}

/* C = B diag(D^2) B^T by GSL's eigensolver; returns 0, or 1 if the matrix
 * is not positive definite or not finite (D is then clamped). */
static int eigen(struct cmaes_state *st)
{
    size_t n = (size_t)st->n;
    int bad = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            double v = st->C[i * n + j];
            if (!isfinite(v))
                bad = 1;
            gsl_matrix_set(st->ea, i, j, v);
        }
    if (bad)
        return 1;
    if (gsl_eigen_symmv(st->ea, st->eval, st->evec, st->eig) != GSL_SUCCESS)
        return 1;
    gsl_eigen_symmv_sort(st->eval, st->evec, GSL_EIGEN_SORT_VAL_ASC);
    double emax = gsl_vector_get(st->eval, n - 1);
    for (size_t k = 0; k < n; k++) {
        double e = gsl_vector_get(st->eval, k);
        if (!(e > 0) || !isfinite(e)) {
            bad = 1;
            e = fmax(emax, 1e-300) * 1e-20;
        }
        st->D[k] = sqrt(e);
        for (size_t i = 0; i < n; i++)
            st->B[i * n + k] = gsl_matrix_get(st->evec, i, k);
    }
    return bad;
}

/* The update after the generation's last sample, then the stop tests;
 * returns the reason to restart, or HR_CMAES_RUNNING. Allocates nothing. */
static enum hr_cmaes_stop update(hr_evo *evo)
{
    struct cmaes_state *st = evo->state;
    const hr_cmaes_params p = params_of(&evo->cfg);
    const hr_evo_config *c = &evo->cfg;
    size_t n = (size_t)st->n, lam = (size_t)st->lambda, mu = (size_t)st->mu;
    long nfinite = rank_generation(st);

    /* Hold this generation (gene units). */
    for (size_t k = 0; k < lam; k++) {
        for (size_t i = 0; i < n; i++)
            st->held_x[k * n + i] = hr_evo_clip(
                c->lo[i] + (c->hi[i] - c->lo[i]) * hr_evo_clip(st->y[k * n + i], 0, 1), c->lo[i],
                c->hi[i]);
        st->held_f[k] = st->f[k];
    }
    st->held = (long)lam;
    st->gen++;
    st->gen_total++;
    if (nfinite == 0)
        return HR_CMAES_DIVERGED;

    /* Mean. */
    double *mold = st->t1, *yw = st->t2, *btyw = st->t3;
    memcpy(mold, st->m, n * sizeof(double));
    for (size_t i = 0; i < n; i++) {
        double v = 0;
        for (size_t r = 0; r < mu; r++)
            v += st->w[r] * st->y[(size_t)st->order[r] * n + i];
        st->m[i] = v;
    }
    for (size_t i = 0; i < n; i++)
        yw[i] = (st->m[i] - mold[i]) / st->sigma;

    /* Step-size path, with C^{-1/2} yw = B D^{-1} B^T yw. */
    for (size_t k = 0; k < n; k++) {
        double v = 0;
        for (size_t i = 0; i < n; i++)
            v += st->B[i * n + k] * yw[i];
        btyw[k] = v / st->D[k];
    }
    double a = sqrt(st->cs * (2 - st->cs) * st->mueff), psn = 0;
    for (size_t i = 0; i < n; i++) {
        double v = 0;
        for (size_t k = 0; k < n; k++)
            v += st->B[i * n + k] * btyw[k];
        st->ps[i] = (1 - st->cs) * st->ps[i] + a * v;
        psn += st->ps[i] * st->ps[i];
    }
    psn = sqrt(psn);
    double hs_den = sqrt(1 - pow(1 - st->cs, 2 * (double)st->gen));
    int hsig = psn / hs_den / st->chin < 1.4 + 2.0 / ((double)n + 1);

    /* Covariance path and matrix. */
    double b = hsig ? sqrt(st->cc * (2 - st->cc) * st->mueff) : 0;
    for (size_t i = 0; i < n; i++)
        st->pc[i] = (1 - st->cc) * st->pc[i] + b * yw[i];
    double dh = hsig ? 0 : st->c1 * st->cc * (2 - st->cc);
    double keep = 1 - st->c1 - st->cmu + dh;
    double s2 = st->sigma * st->sigma;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j <= i; j++) {
            double rmu = 0;
            for (size_t r = 0; r < mu; r++) {
                const double *y = st->y + (size_t)st->order[r] * n;
                rmu += st->w[r] * (y[i] - mold[i]) * (y[j] - mold[j]);
            }
            double v = keep * st->C[i * n + j] + st->c1 * st->pc[i] * st->pc[j] +
                       st->cmu * rmu / s2;
            st->C[i * n + j] = v;
            st->C[j * n + i] = v;
        }

    /* Step size. */
    double e = (st->cs / st->ds) * (psn / st->chin - 1);
    st->sigma *= exp(fmin(1.0, e));

    int bad = eigen(st);

    /* History of the best values. */
    double best = -INFINITY, worst = INFINITY;
    for (size_t k = 0; k < lam; k++)
        if (isfinite(st->f[k])) {
            best = fmax(best, st->f[k]);
            worst = fmin(worst, st->f[k]);
        }
    st->hist[st->hpos] = best;
    st->hpos = (st->hpos + 1) % st->hlen;
    if (st->hcount < st->hlen)
        st->hcount++;

    /* Stop tests. */
    if (bad || !(st->sigma > 0) || !isfinite(st->sigma))
        return HR_CMAES_CONDITION;
    double dmax = st->D[n - 1], dmin = st->D[0];
    if (st->sigma * dmax > 1e3)
        return HR_CMAES_DIVERGED;
    if ((dmax / dmin) * (dmax / dmin) > 1e14)
        return HR_CMAES_CONDITION;
    if (st->hcount >= st->hlen) {
        double hmax = best, hmin = worst;
        for (int k = 0; k < st->hcount; k++) {
            hmax = fmax(hmax, st->hist[k]);
            hmin = fmin(hmin, st->hist[k]);
        }
        if (hmax - hmin <= p.tolfun)
            return HR_CMAES_TOLFUN;
    }
    int tolx = 1;
    for (size_t i = 0; i < n && tolx; i++)
        if (st->sigma * sqrt(st->C[i * n + i]) >= p.tolx || st->sigma * fabs(st->pc[i]) >= p.tolx)
            tolx = 0;
    if (tolx)
        return HR_CMAES_TOLX;
    size_t ax = (size_t)(st->gen % (long)n);
    int axis = 1, coord = 0;
    for (size_t i = 0; i < n && axis; i++)
        if (st->m[i] + 0.1 * st->sigma * st->D[ax] * st->B[i * n + ax] != st->m[i])
            axis = 0;
    for (size_t i = 0; i < n && !coord; i++)
        if (st->m[i] + 0.2 * st->sigma * sqrt(st->C[i * n + i]) == st->m[i])
            coord = 1;
    return axis || coord ? HR_CMAES_NOEFFECT : HR_CMAES_RUNNING;
}

static int cmaes_absorb(hr_evo *evo, long count, const double *genomes, const double *fitness,
                        const double *desc)
{
    struct cmaes_state *st = evo->state;
    if (count != st->lambda0 || st->received + count > st->lambda)
        return HR_ERROR(HR_EINVAL, "CMA-ES: %ld samples for a generation of %d (%ld absorbed, "
                        "batches of %d)", count, st->lambda, st->received, st->lambda0);
    for (long j = 0; j < count; j++)
        st->f[st->received + j] = fitness[j];
    st->received += count;
    if (st->received < st->lambda)
        return HR_OK;
    enum hr_cmaes_stop why = update(evo);
    st->received = 0;
    if (why != HR_CMAES_RUNNING) {
        st->last_stop = why;
        start_run(evo, st->restart + 1, (uint64_t)evo->generations);
    }
    return HR_OK;
}

static long cmaes_size(const hr_evo *evo)
{
    const struct cmaes_state *st = evo->state;
    return st->held;
}

static void cmaes_individual(const hr_evo *evo, long i, const double **genome, double *fitness,
                             const double **desc, long *cell)
{
    const struct cmaes_state *st = evo->state;
    *genome = st->held_x + (size_t)i * (size_t)st->n;
    *fitness = st->held_f[i];
    *desc = NULL;
    *cell = -1;
}

/* State payload:
 *   u32 restart, u32 last_stop, u64 gen, u64 gen_total, f64 sigma,
 *   f64 m[n], f64 ps[n], f64 pc[n], f64 C[n][n], f64 B[n][n], f64 D[n],
 *   u64 received, f64 y[received][n], f64 f[received],
 *   u32 hcount, u32 hpos, f64 hist[hcount],
 *   u64 held, f64 held_x[held][n], f64 held_f[held]. */
static void cmaes_save(const hr_evo *evo, struct hr__evo_buf *b)
{
    const struct cmaes_state *st = evo->state;
    size_t n = (size_t)st->n;
    hr__evo_put_u32(b, (uint32_t)st->restart);
    hr__evo_put_u32(b, (uint32_t)st->last_stop);
    hr__evo_put_u64(b, (uint64_t)st->gen);
    hr__evo_put_u64(b, (uint64_t)st->gen_total);
    hr__evo_put_f64(b, st->sigma);
    hr__evo_put_f64s(b, st->m, n);
    hr__evo_put_f64s(b, st->ps, n);
    hr__evo_put_f64s(b, st->pc, n);
    hr__evo_put_f64s(b, st->C, n * n);
    hr__evo_put_f64s(b, st->B, n * n);
    hr__evo_put_f64s(b, st->D, n);
    hr__evo_put_u64(b, (uint64_t)st->received);
    hr__evo_put_f64s(b, st->y, (size_t)st->received * n);
    hr__evo_put_f64s(b, st->f, (size_t)st->received);
    hr__evo_put_u32(b, (uint32_t)st->hcount);
    hr__evo_put_u32(b, (uint32_t)st->hpos);
    hr__evo_put_f64s(b, st->hist, (size_t)st->hcount);
    hr__evo_put_u64(b, (uint64_t)st->held);
    hr__evo_put_f64s(b, st->held_x, (size_t)st->held * n);
    hr__evo_put_f64s(b, st->held_f, (size_t)st->held);
}

#define CORRUPT(...) HR_ERROR(HR_ECORRUPT, __VA_ARGS__)

static int all_finite(const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return 0;
    return 1;
}

static int cmaes_load(hr_evo *evo, struct hr__evo_reader *r, const char *path)
{
    struct cmaes_state *st = evo->state;
    const hr_evo_config *c = &evo->cfg;
    size_t n = (size_t)st->n;
    uint32_t restart = hr__evo_get_u32(r), last_stop = hr__evo_get_u32(r);
    uint64_t gen = hr__evo_get_u64(r), gen_total = hr__evo_get_u64(r);
    double sigma = hr__evo_get_f64(r);
    if (r->failed)
        return HR_OK; /* reported by the caller as truncated */
    if (restart > 1000000 || last_stop > HR_CMAES_DIVERGED || gen > gen_total ||
        gen_total > (uint64_t)evo->generations || !(sigma > 0) || !isfinite(sigma) ||
        (restart == 0) != (last_stop == HR_CMAES_RUNNING))
        return CORRUPT("checkpoint '%s' is corrupt: CMA-ES restart %u, stop %u, generation "
                       "%llu of %llu, sigma %g are inconsistent",
                       path, restart, last_stop, (unsigned long long)gen,
                       (unsigned long long)gen_total, sigma);
    set_constants(st, (int)lambda_of_run(c, (int)restart));
    st->restart = (int)restart;
    st->last_stop = (enum hr_cmaes_stop)last_stop;
    st->gen = (long)gen;
    st->gen_total = (long)gen_total;
    st->sigma = sigma;
    hr__evo_get_f64s(r, st->m, n);
    hr__evo_get_f64s(r, st->ps, n);
    hr__evo_get_f64s(r, st->pc, n);
    if (!r->failed && (r->len - r->pos) / 8 < 2 * n * n + n)
        r->failed = 1; /* shorter than it claims */
    if (r->failed)
        return HR_OK;
    hr__evo_get_f64s(r, st->C, n * n);
    hr__evo_get_f64s(r, st->B, n * n);
    hr__evo_get_f64s(r, st->D, n);
    uint64_t received = hr__evo_get_u64(r);
    if (r->failed)
        return HR_OK;
    if (!all_finite(st->m, n) || !all_finite(st->ps, n) || !all_finite(st->pc, n) ||
        !all_finite(st->C, n * n) || !all_finite(st->B, n * n) || !all_finite(st->D, n))
        return CORRUPT("checkpoint '%s' is corrupt: CMA-ES distribution not finite", path);
    for (size_t k = 0; k < n; k++) {
        if (!(st->D[k] > 0))
            return CORRUPT("checkpoint '%s' is corrupt: CMA-ES axis length %zu = %g", path, k,
                           st->D[k]);
        for (size_t j = 0; j < k; j++)
            if (st->C[k * n + j] != st->C[j * n + k])
                return CORRUPT("checkpoint '%s' is corrupt: CMA-ES covariance not symmetric",
                               path);
    }
    if (received >= (uint64_t)st->lambda || received % (uint64_t)st->lambda0 != 0)
        return CORRUPT("checkpoint '%s' is corrupt: CMA-ES has %llu samples of a generation of "
                       "%d in batches of %d", path, (unsigned long long)received, st->lambda,
                       st->lambda0);
    st->received = (long)received;
    if ((r->len - r->pos) / 8 < received * (n + 1)) {
        r->failed = 1;
        return HR_OK;
    }
    hr__evo_get_f64s(r, st->y, (size_t)received * n);
    hr__evo_get_f64s(r, st->f, (size_t)received);
    if (!all_finite(st->y, (size_t)received * n))
        return CORRUPT("checkpoint '%s' is corrupt: CMA-ES sample not finite", path);
    for (size_t k = 0; k < received; k++)
        if (isnan(st->f[k]) || st->f[k] == INFINITY)
            return CORRUPT("checkpoint '%s' is corrupt: CMA-ES fitness %zu = %g", path, k,
                           st->f[k]);
    uint32_t hcount = hr__evo_get_u32(r), hpos = hr__evo_get_u32(r);
    if (r->failed)
        return HR_OK;
    if (hcount > (uint32_t)st->hlen || hpos >= (uint32_t)st->hlen ||
        (hcount < (uint32_t)st->hlen && hpos != hcount) || hcount > gen)
        return CORRUPT("checkpoint '%s' is corrupt: CMA-ES history %u/%u at %u", path, hcount,
                       st->hlen, hpos);
    st->hcount = (int)hcount;
    st->hpos = (int)hpos;
    hr__evo_get_f64s(r, st->hist, hcount);
    uint64_t held = hr__evo_get_u64(r);
    if (r->failed)
        return HR_OK;
    if (held > (uint64_t)st->lambda_max || (held == 0) != (gen_total == 0) ||
        (held > 0 && held != (uint64_t)lambda_of_run(c, (int)restart) &&
         held != (uint64_t)lambda_of_run(c, (int)restart - 1)))
        return CORRUPT("checkpoint '%s' is corrupt: CMA-ES holds %llu individuals", path,
                       (unsigned long long)held);
    if ((r->len - r->pos) / 8 < held * (n + 1)) {
        r->failed = 1;
        return HR_OK;
    }
    st->held = (long)held;
    hr__evo_get_f64s(r, st->held_x, (size_t)held * n);
    hr__evo_get_f64s(r, st->held_f, (size_t)held);
    for (size_t k = 0; k < (size_t)held * n; k++) {
        size_t g = k % n;
        if (!(st->held_x[k] >= c->lo[g] && st->held_x[k] <= c->hi[g]))
            return CORRUPT("checkpoint '%s' is corrupt: CMA-ES individual %zu gene %zu = %g "
                           "outside its bounds [%g, %g]", path, k / n, g, st->held_x[k],
                           c->lo[g], c->hi[g]);
    }
    return HR_OK;
}

/* ---- Configuration ---- */

/* The decoded <evolve kind="cmaes"> section. */
typedef struct cmaes_settings {
    long seed;        /* random seed */
    long evaluations; /* budget */
    double sigma;     /* initial step size */
    int lambda;       /* 0: automatic */
    int restarts;
    int incpop;
    double tolfun, tolx;
} cmaes_settings;

#define S cmaes_settings
static const hr_param_spec cmaes_table[] = {
    HR_EVO_COMMON_PARAMS(S),
    HR_INT_AT(S, lambda, "lambda", 0, 0, 100000,
              "offspring per generation of the first run (0: 4 + floor(3 ln n)); also the "
              "batch of evaluations between checkpoints"),
    HR_INT_AT(S, restarts, "restarts", 9, 0, 20,
              "IPOP restarts that multiply the population by incpop"),
    HR_INT_AT(S, incpop, "incpop", 2, 1, 10, "population factor per restart"),
    HR_NUMBER_AT(S, tolfun, "tolfun", 1e-12, 0, 1e6,
                 "restart when the recent best fitness values lie within tolfun"),
    HR_NUMBER_AT(S, tolx, "tolx", 1e-12, 0, 1,
                 "restart when the step size (fraction of the gene ranges) is below tolx"),
    HR_PARAMS_END,
};
#undef S

static void cmaes_defaults(hr_evo_config *cfg)
{
    static const hr_cmaes_params def = {0, 9, 2, 1e-12, 1e-12};
    cfg->ndesc = 0;
    cfg->params = &def;
    cfg->params_size = sizeof def;
}

static int cmaes_configure(hr_evo_setup *setup, const hr_section *settings)
{
    cmaes_settings e;
    hr_section_decode(settings, &e);
    hr_cmaes_params p = {.lambda = e.lambda, .restarts = e.restarts, .incpop = e.incpop,
                         .tolfun = e.tolfun, .tolx = e.tolx};
    if (p.lambda == 0)
        p.lambda = 4 + (int)floor(3.0 * log((double)setup->cfg.ngenes));
    memcpy(setup->params, &p, sizeof p);
    setup->cfg.params = setup->params;
    setup->cfg.params_size = sizeof p;
    setup->cfg.ndesc = 0;
    return HR_OK;
}

static int cmaes_check(const hr_evo_config *cfg)
{
    if (cfg->params_size != 0 && cfg->params_size != sizeof(hr_cmaes_params))
        return HR_ERROR(HR_EINVAL, "CMA-ES config: params_size = %zu (allowed: 0 or %zu, an "
                        "hr_cmaes_params)", cfg->params_size, sizeof(hr_cmaes_params));
    hr_cmaes_params p = params_of(cfg);
    if (p.lambda != 0 && (p.lambda < 2 || p.lambda > 100000))
        return HR_ERROR(HR_EINVAL, "CMA-ES config: lambda = %d out of range [2, 100000] (or 0: "
                        "automatic)", p.lambda);
    if (p.restarts < 0 || p.restarts > 20)
        return HR_ERROR(HR_EINVAL, "CMA-ES config: restarts = %d out of range [0, 20]",
                        p.restarts);
    if (p.incpop < 1 || p.incpop > 10)
        return HR_ERROR(HR_EINVAL, "CMA-ES config: incpop = %d out of range [1, 10]", p.incpop);
    if (!(p.tolfun >= 0 && p.tolfun <= 1e6) || !(p.tolx >= 0 && p.tolx <= 1))
        return HR_ERROR(HR_EINVAL, "CMA-ES config: tolfun = %g (allowed [0, 1e6]), tolx = %g "
                        "(allowed [0, 1])", p.tolfun, p.tolx);
    if (!(cfg->mutation_sigma > 0))
        return HR_ERROR(HR_EINVAL, "CMA-ES config: sigma = %g must be > 0 (the initial step "
                        "size, a fraction of each gene's range)", cfg->mutation_sigma);
    if (cfg->ndesc != 0)
        return HR_ERROR(HR_EINVAL, "CMA-ES config: ndesc = %d (allowed: 0, CMA-ES uses no "
                        "descriptors)", cfg->ndesc);
    double lmax = lambda0_of(cfg);
    for (int r = 0; r < p.restarts; r++)
        lmax *= p.incpop;
    if (lmax > MAX_LAMBDA || lmax * cfg->ngenes > 1e8)
        return HR_ERROR(HR_EINVAL, "CMA-ES config: the largest population, lambda %d x incpop "
                        "%d ^ restarts %d = %.0f, is too large for %d genes (allowed: at most %ld "
                        "and 1e8 / ngenes); lower restarts or incpop", lambda0_of(cfg), p.incpop,
                        p.restarts, lmax, cfg->ngenes, MAX_LAMBDA);
    return HR_OK;
}

static void cmaes_save_config(const hr_evo_config *cfg, struct hr__evo_buf *b)
{
    hr_cmaes_params p = params_of(cfg);
    hr__evo_put_u32(b, (uint32_t)lambda0_of(cfg));
    hr__evo_put_u32(b, (uint32_t)p.restarts);
    hr__evo_put_u32(b, (uint32_t)p.incpop);
    hr__evo_put_f64(b, p.tolfun);
    hr__evo_put_f64(b, p.tolx);
}

static int cmaes_load_config(hr_evo_config *cfg, struct hr__evo_reader *r,
                             struct hr__evo_config_arrays *a, const char *path)
{
    hr_cmaes_params p;
    p.lambda = (int)hr__evo_get_u32(r);
    p.restarts = (int)hr__evo_get_u32(r);
    p.incpop = (int)hr__evo_get_u32(r);
    p.tolfun = hr__evo_get_f64(r);
    p.tolx = hr__evo_get_f64(r);
    a->params = malloc(sizeof p);
    if (!a->params)
        return HR_ERROR(HR_ENOMEM, "out of memory reading checkpoint '%s'", path);
    memcpy(a->params, &p, sizeof p);
    cfg->params = a->params;
    cfg->params_size = sizeof p;
    if (!r->failed && p.lambda < 2)
        return HR_ERROR(HR_ECORRUPT, "checkpoint '%s' is corrupt: CMA-ES lambda %d", path,
                        p.lambda);
    return HR_OK;
}

static int cmaes_compare_config(const char *path, const hr_evo_config *s, const hr_evo_config *e)
{
    hr_cmaes_params ps = params_of(s), pe = params_of(e);
    if (lambda0_of(s) != lambda0_of(e))
        return HR__EVO_DIFF(path, "%d", "lambda", lambda0_of(s), lambda0_of(e));
    if (ps.restarts != pe.restarts)
        return HR__EVO_DIFF(path, "%d", "restarts", ps.restarts, pe.restarts);
    if (ps.incpop != pe.incpop)
        return HR__EVO_DIFF(path, "%d", "incpop", ps.incpop, pe.incpop);
    if (ps.tolfun != pe.tolfun)
        return HR__EVO_DIFF(path, "%.17g", "tolfun", ps.tolfun, pe.tolfun);
    if (ps.tolx != pe.tolx)
        return HR__EVO_DIFF(path, "%.17g", "tolx", ps.tolx, pe.tolx);
    return HR_OK;
}

static long cmaes_evaluations_after(const hr_evo_config *cfg, long g)
{
    long l = lambda0_of(cfg);
    return g < 0 || g > LONG_MAX / l ? -1 : g * l; /* -1: a count no run reaches */
}

static long cmaes_cells(const hr_evo_config *cfg) { return lambda0_of(cfg); }

int hr_cmaes_info_get(const hr_evo *evo, hr_cmaes_info *info)
{
    if (!evo || evo->cfg.kind != HR_EVO_CMAES || !evo->state)
        return HR_ERROR(HR_EINVAL, "hr_cmaes_info_get: not a CMA-ES optimiser");
    const struct cmaes_state *st = evo->state;
    info->restart = st->restart;
    info->lambda = st->lambda;
    info->mu = st->mu;
    info->generation = st->gen;
    info->generations_total = st->gen_total;
    info->sigma = st->sigma;
    info->axis_ratio = st->D[st->n - 1] / st->D[0];
    info->last_stop = st->last_stop;
    info->mean = st->m;
    return HR_OK;
}

const hr_optimizer_type hr_optimizer_cmaes = {
    .base = {.version = HR_OPTIMIZER_VERSION, .cls = HR_CLASS_OPTIMIZER, .name = "cmaes",
             .doc = "CMA-ES with IPOP restarts (bounds by repair and a quadratic penalty); sigma "
                    "is the initial step size",
             .params = cmaes_table},
    .id = HR_EVO_CMAES,
    .label = "CMA-ES",
    .unit = "batch",
    .min_desc = 0,
    .max_obj = 1,
    .defaults = cmaes_defaults,
    .configure = cmaes_configure,
    .check = cmaes_check,
    .save_config = cmaes_save_config,
    .load_config = cmaes_load_config,
    .compare_config = cmaes_compare_config,
    .evaluations_after = cmaes_evaluations_after,
    .cells = cmaes_cells,
    .create = cmaes_create,
    .destroy = cmaes_destroy,
    .init = cmaes_init,
    .batch_max = cmaes_batch_max,
    .propose = cmaes_propose,
    .absorb = cmaes_absorb,
    .size = cmaes_size,
    .individual = cmaes_individual,
    .save = cmaes_save,
    .load = cmaes_load,
};
