/* esn.c — the leaky echo state network (ReservoirPy 0.3.12's Reservoir,
 * equation "internal"):
 *
 *     pre(k+1) = W x(k) + W_in u(k+1) + b
 *     x(k+1)   = (1 - lr) x(k) + lr f(pre(k+1)),   f = tanh (or identity)
 *
 * Weights: W has round(c n^2) nonzeros at uniformly drawn positions
 * (scipy.sparse.random), values from the chosen distribution, multiplied by
 * sr / rho(W) with rho computed by ARPACK; W_in and b likewise with the
 * input connectivity, times input_scaling and bias_scaling.
 *
 * Fixed point (state_bits = B > 0, quant.h): weights are codes q with
 * per-row scales s, the state is codes x with F = B - 1 - I fraction bits,
 * the inputs codes with Fu fraction bits. One step, all in integers:
 *
 *     acc_i  = sum_j qW_ij x_j,  accu_i = sum_c qWin_ic u_c          (int64)
 *     pre_i  = mul(acc_i, sW_i) + mul(accu_i, sWin_i 2^(F - Fu)) + mul(qb_i, sb_i 2^F)
 *     pre_i  = saturate(pre_i, B + 4)                    (the activation table's domain)
 *     a_i    = saturate(round(f(pre_i 2^-F) 2^F), B)     (an integer function of pre_i:
 *                                                          what a lookup table holds)
 *     x_i   += mul(a_i - x_i, lr)  (x_i = a_i if lr = 1), saturated to B bits
 *
 * mul(v, m) = round(v M 2^-n) with m = M 2^-n (quant.h), rounded by the
 * chosen mode; stochastic rounding draws from a generator reset every run,
 * in the fixed order rows, then the terms above. */
#include "reservoir/esn.h"
#include "base/status.h"

#include <arpack.h>
#include <gsl/gsl_complex_math.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* ---- CSR ---- */

void hr_csr_free(hr_csr *a)
{
    if (!a)
        return;
    free(a->rowptr);
    free(a->col);
    free(a->val);
    memset(a, 0, sizeof *a);
}

static int csr_alloc(hr_csr *a, int rows, int cols, size_t nnz)
{
    memset(a, 0, sizeof *a);
    a->rows = rows;
    a->cols = cols;
    a->rowptr = calloc((size_t)rows + 1, sizeof *a->rowptr);
    a->col = malloc((nnz ? nnz : 1) * sizeof *a->col);
    a->val = malloc((nnz ? nnz : 1) * sizeof *a->val);
    if (!a->rowptr || !a->col || !a->val) {
        hr_csr_free(a);
        return HR_ERROR(HR_ENOMEM, "out of memory for a %d x %d sparse matrix (%zu nonzeros)",
                        rows, cols, nnz);
    }
    return HR_OK;
}

int hr_csr_from_dense(const double *d, int rows, int cols, hr_csr *out)
{
    size_t nnz = 0;
    for (size_t k = 0; k < (size_t)rows * (size_t)cols; k++)
        nnz += d[k] != 0;
    int st = csr_alloc(out, rows, cols, nnz);
    if (st)
        return st;
    size_t k = 0;
    for (int i = 0; i < rows; i++) {
        for (int j = 0; j < cols; j++) {
            double v = d[(size_t)i * (size_t)cols + (size_t)j];
            if (v != 0) {
                out->col[k] = j;
                out->val[k++] = v;
            }
        }
        out->rowptr[i + 1] = (int)k;
    }
    return HR_OK;
}

void hr_csr_to_dense(const hr_csr *a, double *d)
{
    memset(d, 0, (size_t)a->rows * (size_t)a->cols * sizeof *d);
    for (int i = 0; i < a->rows; i++)
        for (int k = a->rowptr[i]; k < a->rowptr[i + 1]; k++)
            d[(size_t)i * (size_t)a->cols + (size_t)a->col[k]] = a->val[k];
}

void hr_csr_compact(hr_csr *a)
{
    int k = 0, start = 0;
    for (int i = 0; i < a->rows; i++) {
        int end = a->rowptr[i + 1];
        for (int j = start; j < end; j++)
            if (a->val[j] != 0) {
                a->col[k] = a->col[j];
                a->val[k++] = a->val[j];
            }
        start = end;
        a->rowptr[i + 1] = k;
    }
}

void hr_csr_gemv(const hr_csr *a, const double *restrict x, double *restrict y)
{
    const int *restrict rp = a->rowptr, *restrict col = a->col;
    const double *restrict val = a->val;
    for (int i = 0; i < a->rows; i++) {
        int k = rp[i], end = rp[i + 1];
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (; k + 4 <= end; k += 4) {
            s0 += val[k] * x[col[k]];
            s1 += val[k + 1] * x[col[k + 1]];
            s2 += val[k + 2] * x[col[k + 2]];
            s3 += val[k + 3] * x[col[k + 3]];
        }
        for (; k < end; k++)
            s0 += val[k] * x[col[k]];
        y[i] = (s0 + s1) + (s2 + s3);
    }
}

static double draw(int dist, gsl_rng *rng)
{
    switch (dist) {
    case HR_DIST_UNIFORM:
        return 2 * gsl_rng_uniform(rng) - 1;
    case HR_DIST_BERNOULLI:
        return gsl_rng_uniform(rng) < 0.5 ? 1.0 : -1.0;
    default:
        return gsl_ran_gaussian_ziggurat(rng, 1.0);
    }
}

int hr_csr_random(int rows, int cols, double density, int dist, gsl_rng *rng, hr_csr *out)
{
    memset(out, 0, sizeof *out);
    if (rows < 1 || cols < 1 || !(density > 0 && density <= 1))
        return HR_ERROR(HR_ERANGE, "random %d x %d matrix of density %g (allowed: shape >= 1, "
                        "density in (0, 1])", rows, cols, density);
    size_t total = (size_t)rows * (size_t)cols;
    size_t k = (size_t)llround(density * (double)total);
    if (k == 0)
        k = 1; /* ReservoirPy would give an empty matrix; one weight keeps the radius defined */
    /* Positions: a bitmap of the chosen ones (or, above half, of the left-out ones). */
    int invert = k > total / 2;
    size_t want = invert ? total - k : k;
    unsigned char *mark = calloc((total + 7) / 8, 1);
    if (!mark)
        return HR_ERROR(HR_ENOMEM, "out of memory drawing a %d x %d matrix", rows, cols);
    for (size_t got = 0; got < want;) {
        size_t p = (size_t)(gsl_rng_uniform(rng) * (double)total);
        if (p >= total)
            p = total - 1;
        if (!(mark[p >> 3] & (1u << (p & 7)))) {
            mark[p >> 3] |= (unsigned char)(1u << (p & 7));
            got++;
        }
    }
    int st = csr_alloc(out, rows, cols, k);
    if (st) {
        free(mark);
        return st;
    }
    size_t n = 0;
    for (int i = 0; i < rows; i++) {
        for (int j = 0; j < cols; j++) {
            size_t p = (size_t)i * (size_t)cols + (size_t)j;
            int on = (mark[p >> 3] >> (p & 7)) & 1;
            if (on != invert) {
                out->col[n] = j;
                out->val[n++] = draw(dist, rng);
            }
        }
        out->rowptr[i + 1] = (int)n;
    }
    free(mark);
    return HR_OK;
}

/* ---- Spectral radius ---- */

int hr_spectral_radius_dense(const double *a, int n, double *rho)
{
    gsl_matrix *m = gsl_matrix_alloc((size_t)n, (size_t)n);
    gsl_vector_complex *ev = gsl_vector_complex_alloc((size_t)n);
    gsl_eigen_nonsymm_workspace *w = gsl_eigen_nonsymm_alloc((size_t)n);
    int st = HR_OK;
    if (!m || !ev || !w) {
        st = HR_ERROR(HR_ENOMEM, "out of memory for a %d x %d eigenvalue problem", n, n);
    } else {
        memcpy(m->data, a, (size_t)n * (size_t)n * sizeof *a);
        gsl_eigen_nonsymm_params(0, 1, w); /* balance first */
        if (gsl_eigen_nonsymm(m, ev, w) != GSL_SUCCESS) {
            st = HR_ERROR(HR_ESINGULAR, "the dense eigensolver did not converge (n = %d)", n);
        } else {
            double r = 0;
            for (int i = 0; i < n; i++)
                r = fmax(r, gsl_complex_abs(gsl_vector_complex_get(ev, (size_t)i)));
            *rho = r;
        }
    }
    gsl_eigen_nonsymm_free(w);
    gsl_vector_complex_free(ev);
    gsl_matrix_free(m);
    return st;
}

/* ARPACK keeps its state in Fortran SAVE variables: one caller at a time. */
static pthread_mutex_t arpack_lock = PTHREAD_MUTEX_INITIALIZER;

/* 0 and *rho on success, -1 if ARPACK gave no converged eigenvalue. */
static int arpack_radius(const hr_csr *a, unsigned long seed, double *rho)
{
    a_int n = a->rows, nev = 3, ncv = 2 * nev + 18;
    if (ncv > n)
        ncv = n;
    a_int lworkl = 3 * ncv * ncv + 6 * ncv;
    double *resid = malloc((size_t)n * sizeof *resid);
    double *v = malloc((size_t)n * (size_t)ncv * sizeof *v);
    double *workd = malloc(3 * (size_t)n * sizeof *workd);
    double *workl = malloc((size_t)lworkl * sizeof *workl);
    double *workev = malloc(3 * (size_t)ncv * sizeof *workev);
    double dr[8], di[8];
    a_int *select = calloc((size_t)ncv, sizeof *select);
    int ok = -1;
    if (resid && v && workd && workl && workev && select) {
        gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
        if (rng) {
            gsl_rng_set(rng, seed);
            for (a_int i = 0; i < n; i++)
                resid[i] = 2 * gsl_rng_uniform(rng) - 1;
            gsl_rng_free(rng);
            a_int iparam[11] = {0}, ipntr[14] = {0};
            iparam[0] = 1;     /* exact shifts */
            iparam[2] = 20000; /* restarts */
            iparam[6] = 1;     /* mode 1: A x = lambda x */
            a_int ido = 0, info = 1; /* info 1: our start vector */
            pthread_mutex_lock(&arpack_lock);
            for (;;) {
                dnaupd_c(&ido, "I", n, "LM", nev, 0.0, resid, ncv, v, n, iparam, ipntr, workd,
                         workl, lworkl, &info);
                if (ido != -1 && ido != 1)
                    break;
                hr_csr_gemv(a, workd + ipntr[0] - 1, workd + ipntr[1] - 1);
            }
            if (info >= 0 && iparam[4] >= 1) {
                dneupd_c(0, "A", select, dr, di, v, n, 0.0, 0.0, workev, "I", n, "LM", nev, 0.0,
                         resid, ncv, v, n, iparam, ipntr, workd, workl, lworkl, &info);
                if (info == 0) {
                    double r = 0;
                    for (a_int i = 0; i < iparam[4] && i < nev + 1; i++)
                        r = fmax(r, hypot(dr[i], di[i]));
                    *rho = r;
                    ok = 0;
                }
            }
            pthread_mutex_unlock(&arpack_lock);
        }
    }
    free(resid);
    free(v);
    free(workd);
    free(workl);
    free(workev);
    free(select);
    return ok;
}

int hr_spectral_radius(const hr_csr *a, unsigned long seed, double *rho)
{
    if (a->rows != a->cols || a->rows < 1)
        return HR_ERROR(HR_EINVAL, "spectral radius of a %d x %d matrix (allowed: square)",
                        a->rows, a->cols);
    int n = a->rows;
    if (hr_csr_nnz(a) == 0) {
        *rho = 0;
        return HR_OK;
    }
    if (n >= 24 && arpack_radius(a, seed, rho) == 0)
        return HR_OK;
    if (n > 4000)
        return HR_ERROR(HR_ESINGULAR, "ARPACK found no eigenvalue of the %d x %d matrix W and it "
                        "is too large for the dense solver (allowed: n <= 4000)", n, n);
    double *d = malloc((size_t)n * (size_t)n * sizeof *d);
    if (!d)
        return HR_ERROR(HR_ENOMEM, "out of memory for a dense %d x %d matrix", n, n);
    hr_csr_to_dense(a, d);
    int st = hr_spectral_radius_dense(d, n, rho);
    free(d);
    return st;
}

/* Radii of drawn matrices, so genes that move the spectral radius or the
 * leak (which rescale, not redraw) cost no eigenvalue problem. */
typedef struct radius_key {
    int n, dist, rescale;
    double conn, density;
    unsigned long seed;
} radius_key;

#define RADIUS_CACHE 32
static struct {
    radius_key key;
    double rho;
} radius_cache[RADIUS_CACHE];
static int radius_count, radius_next;
static pthread_mutex_t radius_lock = PTHREAD_MUTEX_INITIALIZER;

static int radius_lookup(const radius_key *k, double *rho)
{
    int found = 0;
    pthread_mutex_lock(&radius_lock);
    for (int i = 0; i < radius_count && !found; i++)
        if (memcmp(&radius_cache[i].key, k, sizeof *k) == 0) {
            *rho = radius_cache[i].rho;
            found = 1;
        }
    pthread_mutex_unlock(&radius_lock);
    return found;
}

static void radius_store(const radius_key *k, double rho)
{
    pthread_mutex_lock(&radius_lock);
    radius_cache[radius_next].key = *k;
    radius_cache[radius_next].rho = rho;
    radius_next = (radius_next + 1) % RADIUS_CACHE;
    if (radius_count < RADIUS_CACHE)
        radius_count++;
    pthread_mutex_unlock(&radius_lock);
}

/* ---- The network ---- */

struct hr_esn {
    int n, m;          /* units, inputs */
    double lr;         /* leak rate */
    int act;           /* enum hr_activation */
    hr_csr w, win;     /* W and W_in (values as used) */
    double *b;         /* bias (n) */
    double *x, *pre, *pin; /* state, W x, W_in u */
    /* Quantization (qw.code == NULL: float weights). */
    hr_qtensor qw, qwin, qb;
    int *brow;         /* 0 .. n: the bias as an n x 1 matrix's row pointers */
    /* Fixed point (fixed == 0: float state). */
    int fixed;
    int sbits, sfrac, ufrac; /* state width, state and input fraction bits */
    int round;               /* enum hr_round */
    unsigned long round_seed;
    gsl_rng *rng;            /* stochastic rounding */
    hr_fx_mult *mw, *mwin, *mb, mlr;
    int32_t *xq, *uq;        /* state and input codes */
};

hr_esn_params hr_esn_params_default(void)
{
    hr_esn_params p = {.units = 100, .inputs = 1, .sr = 0.9, .lr = 1, .input_scaling = 1,
                       .bias_scaling = 1, .rc_connectivity = 0.1, .input_connectivity = 0.1,
                       .w_dist = HR_DIST_NORMAL, .win_dist = HR_DIST_BERNOULLI,
                       .bias_dist = HR_DIST_BERNOULLI, .activation = HR_ACT_TANH, .seed = 1,
                       .density = 1, .input_density = 1, .prune_rescale = 1};
    return p;
}

void hr_esn_destroy(hr_esn *e)
{
    if (!e)
        return;
    hr_csr_free(&e->w);
    hr_csr_free(&e->win);
    free(e->b);
    free(e->x);
    free(e->pre);
    free(e->pin);
    hr_qtensor_free(&e->qw);
    hr_qtensor_free(&e->qwin);
    hr_qtensor_free(&e->qb);
    free(e->brow);
    gsl_rng_free(e->rng);
    free(e->mw);
    free(e->mwin);
    free(e->mb);
    free(e->xq);
    free(e->uq);
    free(e);
}

static hr_esn *esn_alloc(int n, int m)
{
    hr_esn *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->n = n;
    e->m = m;
    e->b = calloc((size_t)n, sizeof *e->b);
    e->x = calloc((size_t)n, sizeof *e->x);
    e->pre = calloc((size_t)n, sizeof *e->pre);
    e->pin = calloc((size_t)n, sizeof *e->pin);
    e->brow = malloc(((size_t)n + 1) * sizeof *e->brow);
    if (!e->b || !e->x || !e->pre || !e->pin || !e->brow) {
        hr_esn_destroy(e);
        return NULL;
    }
    for (int i = 0; i <= n; i++)
        e->brow[i] = i;
    return e;
}

/* Quantizes the weights and sets up fixed point (after W, W_in, b are final). */
static int esn_fix(hr_esn *e, const hr_fixed_spec *fx)
{
    if (!fx)
        return HR_OK;
    int st;
    if (fx->state_bits > 0 && fx->weights.bits == 0)
        return HR_ERROR(HR_EINVAL, "fixed-point state (state_bits = %d) needs quantized weights "
                        "(allowed: bits 2 .. 16 with state_bits > 0)", fx->state_bits);
    if (fx->weights.bits) {
        gsl_rng *qr = NULL;
        if (fx->weights.round == HR_ROUND_STOCHASTIC) {
            if (!(qr = gsl_rng_alloc(gsl_rng_mt19937)))
                return HR_ERROR(HR_ENOMEM, "out of memory");
            gsl_rng_set(qr, fx->round_seed);
        }
        st = hr_quantize(e->w.val, e->w.rowptr, e->n, &fx->weights, qr, &e->qw);
        if (!st)
            st = hr_quantize(e->win.val, e->win.rowptr, e->n, &fx->weights, qr, &e->qwin);
        if (!st)
            st = hr_quantize(e->b, e->brow, e->n, &fx->weights, qr, &e->qb);
        gsl_rng_free(qr);
        if (st)
            return st;
        hr_qtensor_dequantize(&e->qw, e->w.rowptr, e->w.val);
        hr_qtensor_dequantize(&e->qwin, e->win.rowptr, e->win.val);
        hr_qtensor_dequantize(&e->qb, e->brow, e->b);
    }
    if (fx->state_bits == 0)
        return HR_OK;
    int b = fx->state_bits;
    if (b < 4 || b > 32)
        return HR_ERROR(HR_ERANGE, "state_bits = %d (allowed: 0 for float64, or 4 .. 32)", b);
    if (fx->state_int_bits < 0 || fx->state_int_bits > b - 2)
        return HR_ERROR(HR_ERANGE, "state_int_bits = %d with %d-bit state (allowed: 0 .. %d)",
                        fx->state_int_bits, b, b - 2);
    if (!(fx->input_range > 0) || !isfinite(fx->input_range))
        return HR_ERROR(HR_ERANGE, "input_range = %g (allowed: > 0)", fx->input_range);
    int ib = (int)ceil(log2(fx->input_range));
    if (ib < 0)
        ib = 0;
    if (ib > b - 2)
        return HR_ERROR(HR_ERANGE, "input_range = %g needs %d integer bits of the %d-bit inputs "
                        "(allowed: input_range <= 2^%d)", fx->input_range, ib, b, b - 2);
    e->fixed = 1;
    e->sbits = b;
    e->sfrac = b - 1 - fx->state_int_bits;
    e->ufrac = b - 1 - ib;
    e->round = fx->round;
    e->round_seed = fx->round_seed;
    e->mw = malloc((size_t)e->n * sizeof *e->mw);
    e->mwin = malloc((size_t)e->n * sizeof *e->mwin);
    e->mb = malloc((size_t)e->n * sizeof *e->mb);
    e->xq = calloc((size_t)e->n, sizeof *e->xq);
    e->uq = calloc((size_t)e->m, sizeof *e->uq);
    e->rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (!e->mw || !e->mwin || !e->mb || !e->xq || !e->uq || !e->rng)
        return HR_ERROR(HR_ENOMEM, "out of memory");
    for (int i = 0; i < e->n; i++) {
        if ((st = hr_fx_mult_make(e->qw.scale[i], &e->mw[i])) ||
            (st = hr_fx_mult_make(ldexp(e->qwin.scale[i], e->sfrac - e->ufrac), &e->mwin[i])) ||
            (st = hr_fx_mult_make(ldexp(e->qb.scale[i], e->sfrac), &e->mb[i])))
            return hr_error_prefix(st, "fixed-point scales of unit %d", i);
    }
    if ((st = hr_fx_mult_make(e->lr, &e->mlr)))
        return st;
    hr_esn_reset(e);
    return HR_OK;
}

static int check_common(int n, int m, double lr)
{
    if (n < 1 || m < 0)
        return HR_ERROR(HR_ERANGE, "esn with %d units and %d inputs (allowed: units >= 1, "
                        "inputs >= 0)", n, m);
    if (!(lr > 0 && lr <= 1))
        return HR_ERROR(HR_ERANGE, "leak rate lr = %g (allowed: 0 < lr <= 1)", lr);
    return HR_OK;
}

int hr_esn_create_from(hr_esn **out, int n, int m, const double *w, const double *win,
                       const double *b, double lr, int activation, const hr_fixed_spec *fx)
{
    *out = NULL;
    int st = check_common(n, m, lr);
    if (st)
        return st;
    hr_esn *e = esn_alloc(n, m);
    if (!e)
        return HR_ERROR(HR_ENOMEM, "out of memory for an esn of %d units", n);
    e->lr = lr;
    e->act = activation;
    st = hr_csr_from_dense(w, n, n, &e->w);
    if (!st) {
        if (win) {
            st = hr_csr_from_dense(win, n, m, &e->win);
        } else if (!(st = csr_alloc(&e->win, n, m, 0))) {
            for (int i = 0; i <= n; i++)
                e->win.rowptr[i] = 0;
        }
    }
    if (!st && b)
        memcpy(e->b, b, (size_t)n * sizeof *b);
    if (!st)
        st = esn_fix(e, fx);
    if (st) {
        hr_esn_destroy(e);
        return st;
    }
    *out = e;
    return HR_OK;
}

static void csr_scale(hr_csr *a, double s)
{
    for (size_t k = 0; k < hr_csr_nnz(a); k++)
        a->val[k] *= s;
}

/* The spectral radius of the drawn (unscaled, possibly pruned) W, cached. */
static int base_radius(const hr_esn_params *p, const hr_csr *w, double density, double *rho)
{
    radius_key k;
    memset(&k, 0, sizeof k);
    k.n = p->units;
    k.dist = p->w_dist;
    k.rescale = p->prune_rescale;
    k.conn = p->rc_connectivity;
    k.density = density;
    k.seed = p->seed;
    if (radius_lookup(&k, rho))
        return HR_OK;
    int st = hr_spectral_radius(w, p->seed, rho);
    if (!st)
        radius_store(&k, *rho);
    return st;
}

static int prune(hr_csr *a, double density, const char *what)
{
    size_t kept;
    int st = hr_prune_magnitude(a->val, hr_csr_nnz(a), (size_t)a->rows * (size_t)a->cols,
                                density, &kept);
    if (st)
        return hr_error_prefix(st, "pruning %s", what);
    hr_csr_compact(a);
    return HR_OK;
}

int hr_esn_create(hr_esn **out, const hr_esn_params *p, const hr_fixed_spec *fx)
{
    *out = NULL;
    int st = check_common(p->units, p->inputs, p->lr);
    if (st)
        return st;
    if (!(p->sr > 0) || !isfinite(p->sr))
        return HR_ERROR(HR_ERANGE, "spectral radius sr = %g (allowed: > 0)", p->sr);
    if (!(p->density >= 0 && p->density <= 1) || !(p->input_density >= 0 && p->input_density <= 1))
        return HR_ERROR(HR_ERANGE, "density %g / input_density %g (allowed: 0 .. 1)", p->density,
                        p->input_density);
    hr_esn *e = esn_alloc(p->units, p->inputs);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (!e || !rng) {
        hr_esn_destroy(e);
        gsl_rng_free(rng);
        return HR_ERROR(HR_ENOMEM, "out of memory for an esn of %d units", p->units);
    }
    e->lr = p->lr;
    e->act = p->activation;
    int n = p->units, m = p->inputs;
    gsl_rng_set(rng, p->seed);
    st = hr_csr_random(n, n, p->rc_connectivity, p->w_dist, rng, &e->w);
    double rho = 0;
    int pruning = p->density < p->rc_connectivity;
    if (!st && pruning && p->prune_rescale)
        st = prune(&e->w, p->density, "W");
    if (!st)
        st = base_radius(p, &e->w, pruning && p->prune_rescale ? p->density : 1, &rho);
    if (!st) {
        if (!(rho > 1e-300))
            st = HR_ERROR(HR_ESINGULAR, "W has spectral radius 0 (nilpotent): it cannot be "
                          "rescaled to sr = %g (allowed: a larger connectivity or density)", p->sr);
        else
            csr_scale(&e->w, p->sr / rho);
    }
    if (!st && pruning && !p->prune_rescale)
        st = prune(&e->w, p->density, "W");
    if (!st && m > 0) {
        gsl_rng_set(rng, p->seed + 1);
        st = hr_csr_random(n, m, p->input_connectivity, p->win_dist, rng, &e->win);
        if (!st) {
            csr_scale(&e->win, p->input_scaling);
            if (p->input_density < 1)
                st = prune(&e->win, p->input_density, "W_in");
        }
    } else if (!st) {
        st = csr_alloc(&e->win, n, 0, 0);
    }
    if (!st && p->bias_scaling != 0) {
        hr_csr bias;
        gsl_rng_set(rng, p->seed + 2);
        st = hr_csr_random(n, 1, p->input_connectivity, p->bias_dist, rng, &bias);
        if (!st) {
            for (int i = 0; i < n; i++)
                for (int k = bias.rowptr[i]; k < bias.rowptr[i + 1]; k++)
                    e->b[i] = p->bias_scaling * bias.val[k];
            hr_csr_free(&bias);
        }
    }
    gsl_rng_free(rng);
    if (!st)
        st = esn_fix(e, fx);
    if (st) {
        hr_esn_destroy(e);
        return st;
    }
    *out = e;
    return HR_OK;
}

int hr_esn_units(const hr_esn *e) { return e->n; }
int hr_esn_inputs(const hr_esn *e) { return e->m; }

void hr_esn_reset(hr_esn *e)
{
    memset(e->x, 0, (size_t)e->n * sizeof *e->x);
    if (e->fixed) {
        memset(e->xq, 0, (size_t)e->n * sizeof *e->xq);
        gsl_rng_set(e->rng, e->round_seed);
    }
}

void hr_esn_set_state(hr_esn *e, const double *x)
{
    for (int i = 0; i < e->n; i++) {
        if (e->fixed) {
            e->xq[i] = hr_fx_from_double(x[i], e->sbits, e->sfrac, HR_ROUND_NEAREST, NULL);
            e->x[i] = ldexp(e->xq[i], -e->sfrac);
        } else {
            e->x[i] = x[i];
        }
    }
}

static void step_float(hr_esn *e, const double *u)
{
    int n = e->n;
    double *restrict pre = e->pre, *restrict x = e->x;
    const double *restrict pin = e->pin, *restrict b = e->b;
    hr_csr_gemv(&e->w, x, pre);
    if (e->m > 0)
        hr_csr_gemv(&e->win, u, e->pin);
    else
        memset(e->pin, 0, (size_t)n * sizeof *e->pin);
    double lr = e->lr, keep = 1 - lr;
    if (e->act == HR_ACT_TANH) {
#pragma omp simd
        for (int i = 0; i < n; i++)
            x[i] = keep * x[i] + lr * hr_tanh(pre[i] + pin[i] + b[i]);
    } else {
#pragma omp simd
        for (int i = 0; i < n; i++)
            x[i] = keep * x[i] + lr * (pre[i] + pin[i] + b[i]);
    }
}

static void step_fixed(hr_esn *e, const double *u)
{
    int n = e->n, rm = e->round;
    gsl_rng *rng = e->rng;
    for (int c = 0; c < e->m; c++)
        e->uq[c] = hr_fx_from_double(u[c], e->sbits, e->ufrac, rm, rng);
    const int *rp = e->w.rowptr, *col = e->w.col, *rpi = e->win.rowptr, *coli = e->win.col;
    const int32_t *qw = e->qw.code, *qi = e->qwin.code;
    int32_t *xnew = (int32_t *)e->pre; /* scratch: n int32 fit in n doubles */
    int prebits = e->sbits + 4 > 48 ? 48 : e->sbits + 4;
    for (int i = 0; i < n; i++) {
        int64_t acc = 0, accu = 0;
        for (int k = rp[i]; k < rp[i + 1]; k++)
            acc += (int64_t)qw[k] * e->xq[col[k]];
        for (int k = rpi[i]; k < rpi[i + 1]; k++)
            accu += (int64_t)qi[k] * e->uq[coli[k]];
        int64_t pre = hr_fx_mul(acc, e->mw[i], rm, rng) + hr_fx_mul(accu, e->mwin[i], rm, rng) +
                      hr_fx_mul(e->qb.code[i], e->mb[i], rm, rng);
        pre = hr_fx_saturate(pre, prebits);
        int32_t a;
        if (e->act == HR_ACT_TANH)
            a = hr_fx_from_double(hr_tanh(ldexp((double)pre, -e->sfrac)), e->sbits, e->sfrac, rm, rng);
        else
            a = hr_fx_saturate(pre, e->sbits);
        if (e->lr == 1)
            xnew[i] = a;
        else
            xnew[i] = hr_fx_saturate(
                e->xq[i] + hr_fx_mul((int64_t)a - e->xq[i], e->mlr, rm, rng), e->sbits);
    }
    for (int i = 0; i < n; i++) {
        e->xq[i] = xnew[i];
        e->x[i] = ldexp(e->xq[i], -e->sfrac);
    }
}

void hr_esn_step(hr_esn *e, const double *u)
{
    if (e->fixed)
        step_fixed(e, u);
    else
        step_float(e, u);
}

const double *hr_esn_state(const hr_esn *e) { return e->x; }
const int32_t *hr_esn_state_codes(const hr_esn *e) { return e->fixed ? e->xq : NULL; }

void hr_esn_run(hr_esn *e, const double *u, int nsteps, const int *probes, int nprobes,
                double *out)
{
    for (int k = 0; k < nsteps; k++) {
        hr_esn_step(e, u + (size_t)k * (size_t)e->m);
        for (int p = 0; p < nprobes; p++)
            out[(size_t)p * (size_t)nsteps + (size_t)k] = e->x[probes[p]];
    }
}

void hr_esn_costs(const hr_esn *e, hr_costs *c)
{
    int quant = e->qw.code != NULL;
    int wb = quant ? e->qw.bits : 64;
    double ops_w = quant ? hr_qtensor_ops(&e->qw, e->w.rowptr) : (double)hr_csr_nnz(&e->w);
    double ops_in = quant ? hr_qtensor_ops(&e->qwin, e->win.rowptr) : (double)hr_csr_nnz(&e->win);
    size_t extra_w = 0, extra_in = 0, nb = 0;
    for (int i = 0; quant && i < e->n; i++) {
        extra_w += (size_t)e->qw.split[i] - 1;
        extra_in += (size_t)e->qwin.split[i] - 1;
    }
    for (int i = 0; i < e->n; i++)
        nb += e->b[i] != 0;
    /* Scales: one per row with per-channel or split scales, else one per tensor. */
    size_t sw = 0, sin = 0, sb = 0;
    if (quant) {
        int chan = 0;
        for (int i = 1; i < e->n; i++)
            chan |= e->qw.scale[i] != e->qw.scale[0];
        sw = chan ? (size_t)e->n : 1;
        sin = sw;
        sb = sw;
    }
    c->synaptic_ops = ops_w + ops_in;
    c->messages = NAN;
    c->neuron_updates = e->n;
    c->weight_bytes = hr_matrix_bytes((size_t)e->n + extra_w, (size_t)e->n, (size_t)ops_w, wb, sw) +
                      hr_matrix_bytes((size_t)e->n + extra_in, (size_t)e->m, (size_t)ops_in, wb, sin) +
                      hr_matrix_bytes((size_t)e->n, 1, nb, wb, sb);
    int sbits = e->fixed ? e->sbits : 64;
    c->state_bytes = (double)e->n * sbits / 8.0;
    c->weight_bits = wb;
    c->state_bits = sbits;
}

const hr_csr *hr_esn_w(const hr_esn *e) { return &e->w; }
const hr_csr *hr_esn_win(const hr_esn *e) { return &e->win; }
const double *hr_esn_bias(const hr_esn *e) { return e->b; }
const hr_qtensor *hr_esn_qw(const hr_esn *e) { return e->qw.code ? &e->qw : NULL; }
const hr_qtensor *hr_esn_qwin(const hr_esn *e) { return e->qw.code ? &e->qwin : NULL; }
const hr_qtensor *hr_esn_qbias(const hr_esn *e) { return e->qw.code ? &e->qb : NULL; }
int hr_esn_state_frac(const hr_esn *e) { return e->fixed ? e->sfrac : -1; }
int hr_esn_input_frac(const hr_esn *e) { return e->fixed ? e->ufrac : -1; }
