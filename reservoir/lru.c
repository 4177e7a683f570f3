/* lru.c — the diagonal linear recurrent unit (equations in lru.h).
 *
 * Float step, per unit i (x = xr + i xi, lambda = lr + i li):
 *     xr <- lr xr - li xi + sum_c Re(B_ic) u_c
 *     xi <- lr xi + li xr + sum_c Im(B_ic) u_c
 *     y_h = g(sum_j (Re(C_hj) xr_j - Im(C_hj) xi_j) + sum_c D_hc u_c)
 *
 * Fixed point (state_bits = B > 0): lambda, B, C, D are codes with per-row
 * scales (a row's real and imaginary parts share its scale), the state and
 * outputs codes with F = B - 1 - I fraction bits, the inputs codes with Fu:
 *     xr_i <- sat(mul(qlr xr - qli xi, s_l) + mul(sum qBr u, s_B 2^(F - Fu)), B)
 *     xi_i <- sat(mul(qlr xi + qli xr, s_l) + mul(sum qBi u, s_B 2^(F - Fu)), B)
 *     y_h   = sat(mul(sum (qCr xr - qCi xi), s_C) + mul(sum qD u, s_D 2^(F - Fu)), B)
 * then g as an integer function of y (relu exactly; tanh, gelu rounded from
 * the real function, as a lookup table would hold them). Quantized lambdas
 * with |lambda| >= 1 have their codes moved toward zero until |lambda| < 1,
 * so the integer layer is stable too. */
#include "reservoir/lru.h"
#include "base/status.h"
#include "reservoir/esn.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A complex CSR matrix. */
typedef struct ccsr {
    int rows, cols;
    int *rp;          /* rows + 1 */
    int *rp2;         /* 2 rp: row pointers of the interleaved (re, im) values */
    int *col;         /* nnz */
    double *v;        /* 2 nnz interleaved re, im */
} ccsr;

static void ccsr_free(ccsr *a)
{
    free(a->rp);
    free(a->rp2);
    free(a->col);
    free(a->v);
    memset(a, 0, sizeof *a);
}

/* From dense re / im (rows x cols); entries with re = im = 0 are left out. */
static int ccsr_from_dense(const double *re, const double *im, int rows, int cols, ccsr *a)
{
    memset(a, 0, sizeof *a);
    size_t nnz = 0, total = (size_t)rows * (size_t)cols;
    for (size_t k = 0; k < total; k++)
        nnz += (re && re[k] != 0) || (im && im[k] != 0);
    a->rows = rows;
    a->cols = cols;
    a->rp = calloc((size_t)rows + 1, sizeof *a->rp);
    a->rp2 = calloc((size_t)rows + 1, sizeof *a->rp2);
    a->col = malloc((nnz ? nnz : 1) * sizeof *a->col);
    a->v = malloc((nnz ? 2 * nnz : 1) * sizeof *a->v);
    if (!a->rp || !a->rp2 || !a->col || !a->v) {
        ccsr_free(a);
        return HR_ERROR(HR_ENOMEM, "out of memory for a %d x %d complex matrix", rows, cols);
    }
    size_t n = 0;
    for (int i = 0; i < rows; i++) {
        for (int j = 0; j < cols; j++) {
            size_t k = (size_t)i * (size_t)cols + (size_t)j;
            double r = re ? re[k] : 0, c = im ? im[k] : 0;
            if (r != 0 || c != 0) {
                a->col[n] = j;
                a->v[2 * n] = r;
                a->v[2 * n + 1] = c;
                n++;
            }
        }
        a->rp[i + 1] = (int)n;
        a->rp2[i + 1] = 2 * (int)n;
    }
    return HR_OK;
}

static size_t ccsr_nnz(const ccsr *a) { return (size_t)a->rp[a->rows]; }

struct hr_lru {
    int n, m, h;       /* units, inputs, outputs */
    int nonlin;        /* g */
    double *lam;       /* 2n interleaved (re, im), as used */
    int *lrow;         /* 0, 2, 4, ...: lambda as n rows of (re, im) */
    ccsr b, c;         /* B (n x m), C (h x n), values as used */
    double *d;         /* D (h x m) dense, as used */
    int *drow;         /* 0, m, 2m, ...: D's row pointers */
    size_t dnnz;       /* nonzeros of D */
    double *xr, *xi, *y, *tr, *ti; /* state, outputs, scratch */
    /* Quantization (ql.code == NULL: float). */
    hr_qtensor ql, qb, qc, qd;
    int bits;
    /* Fixed point. */
    int fixed, sbits, sfrac, ufrac, round;
    unsigned long round_seed;
    gsl_rng *rng;
    hr_fx_mult *ml, *mb, *mc, *md;
    int32_t *xqr, *xqi, *uq, *yq, *tqr, *tqi;
};

hr_lru_params hr_lru_params_default(void)
{
    hr_lru_params p = {.units = 64, .inputs = 1, .outputs = 0, .init = HR_LRU_RING,
                       .r_min = 0.4, .r_max = 0.99, .theta_max = M_PI, .normalize = 1,
                       .a_min = 0.01, .a_max = 0.5, .w_max = M_PI, .delta = 1, .b_scale = 1,
                       .c_scale = 1, .d_scale = 0, .nonlin = HR_LRU_NONE, .seed = 1, .density = 1,
                       .input_density = 1};
    return p;
}

void hr_lru_zoh(double lc_re, double lc_im, double delta, double bc_re, double bc_im,
                double *l_re, double *l_im, double *b_re, double *b_im)
{
    double e = exp(lc_re * delta);
    *l_re = e * cos(lc_im * delta);
    *l_im = e * sin(lc_im * delta);
    double den = lc_re * lc_re + lc_im * lc_im;
    if (den == 0) {
        *b_re = delta * bc_re;
        *b_im = delta * bc_im;
        return;
    }
    /* g = (lambda - 1) / lc, computed with expm1 for small |lc delta|. */
    double nr = expm1(lc_re * delta) * cos(lc_im * delta) - 2 * sin(0.5 * lc_im * delta) *
                                                                sin(0.5 * lc_im * delta);
    double ni = *l_im;
    double gr = (nr * lc_re + ni * lc_im) / den, gi = (ni * lc_re - nr * lc_im) / den;
    *b_re = gr * bc_re - gi * bc_im;
    *b_im = gr * bc_im + gi * bc_re;
}

void hr_lru_destroy(hr_lru *l)
{
    if (!l)
        return;
    free(l->lam);
    free(l->lrow);
    ccsr_free(&l->b);
    ccsr_free(&l->c);
    free(l->d);
    free(l->drow);
    free(l->xr);
    free(l->xi);
    free(l->y);
    free(l->tr);
    free(l->ti);
    hr_qtensor_free(&l->ql);
    hr_qtensor_free(&l->qb);
    hr_qtensor_free(&l->qc);
    hr_qtensor_free(&l->qd);
    gsl_rng_free(l->rng);
    free(l->ml);
    free(l->mb);
    free(l->mc);
    free(l->md);
    free(l->xqr);
    free(l->xqi);
    free(l->uq);
    free(l->yq);
    free(l->tqr);
    free(l->tqi);
    free(l);
}

static double lam_abs(const double *lam, int i) { return hypot(lam[2 * i], lam[2 * i + 1]); }

/* Quantization and fixed point (after the parameters are final). */
static int lru_fix(hr_lru *l, const hr_fixed_spec *fx)
{
    if (!fx || fx->weights.bits == 0) {
        if (fx && fx->state_bits > 0)
            return HR_ERROR(HR_EINVAL, "lru: fixed-point state needs quantized weights "
                            "(allowed: bits 2 .. 16 with state_bits > 0)");
        return HR_OK;
    }
    gsl_rng *qr = NULL;
    if (fx->weights.round == HR_ROUND_STOCHASTIC) {
        if (!(qr = gsl_rng_alloc(gsl_rng_mt19937)))
            return HR_ERROR(HR_ENOMEM, "out of memory");
        gsl_rng_set(qr, fx->round_seed);
    }
    int st = hr_quantize(l->lam, l->lrow, l->n, &fx->weights, qr, &l->ql);
    if (!st)
        st = hr_quantize(l->b.v, l->b.rp2, l->n, &fx->weights, qr, &l->qb);
    if (!st)
        st = hr_quantize(l->c.v, l->c.rp2, l->h, &fx->weights, qr, &l->qc);
    if (!st)
        st = hr_quantize(l->d, l->drow, l->h, &fx->weights, qr, &l->qd);
    gsl_rng_free(qr);
    if (st)
        return st;
    l->bits = fx->weights.bits;
    /* Stability of the quantized lambdas. */
    for (int i = 0; i < l->n; i++) {
        int32_t *q = l->ql.code + 2 * i;
        double s = l->ql.scale[i];
        while (hypot(s * q[0], s * q[1]) >= 1) {
            for (int k = 0; k < 2; k++)
                q[k] += q[k] > 0 ? -1 : q[k] < 0 ? 1 : 0;
        }
    }
    hr_qtensor_dequantize(&l->ql, l->lrow, l->lam);
    hr_qtensor_dequantize(&l->qb, l->b.rp2, l->b.v);
    hr_qtensor_dequantize(&l->qc, l->c.rp2, l->c.v);
    hr_qtensor_dequantize(&l->qd, l->drow, l->d);
    if (fx->state_bits == 0)
        return HR_OK;
    int b = fx->state_bits;
    if (b < 4 || b > 32)
        return HR_ERROR(HR_ERANGE, "lru: state_bits = %d (allowed: 0 for float64, or 4 .. 32)", b);
    if (fx->state_int_bits < 0 || fx->state_int_bits > b - 2)
        return HR_ERROR(HR_ERANGE, "lru: state_int_bits = %d with %d-bit state (allowed: 0 .. %d)",
                        fx->state_int_bits, b, b - 2);
    if (!(fx->input_range > 0) || !isfinite(fx->input_range))
        return HR_ERROR(HR_ERANGE, "lru: input_range = %g (allowed: > 0)", fx->input_range);
    int ib = (int)ceil(log2(fx->input_range));
    if (ib < 0)
        ib = 0;
    if (ib > b - 2)
        return HR_ERROR(HR_ERANGE, "lru: input_range = %g needs %d integer bits of %d (allowed: "
                        "input_range <= 2^%d)", fx->input_range, ib, b, b - 2);
    l->fixed = 1;
    l->sbits = b;
    l->sfrac = b - 1 - fx->state_int_bits;
    l->ufrac = b - 1 - ib;
    l->round = fx->round;
    l->round_seed = fx->round_seed;
    size_t n = (size_t)l->n, h = (size_t)(l->h ? l->h : 1);
    l->ml = malloc(n * sizeof *l->ml);
    l->mb = malloc(n * sizeof *l->mb);
    l->mc = malloc(h * sizeof *l->mc);
    l->md = malloc(h * sizeof *l->md);
    l->xqr = calloc(n, sizeof *l->xqr);
    l->xqi = calloc(n, sizeof *l->xqi);
    l->tqr = calloc(n, sizeof *l->tqr);
    l->tqi = calloc(n, sizeof *l->tqi);
    l->uq = calloc((size_t)(l->m ? l->m : 1), sizeof *l->uq);
    l->yq = calloc(h, sizeof *l->yq);
    l->rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (!l->ml || !l->mb || !l->mc || !l->md || !l->xqr || !l->xqi || !l->tqr || !l->tqi ||
        !l->uq || !l->yq || !l->rng)
        return HR_ERROR(HR_ENOMEM, "out of memory");
    for (int i = 0; i < l->n; i++)
        if ((st = hr_fx_mult_make(l->ql.scale[i], &l->ml[i])) ||
            (st = hr_fx_mult_make(ldexp(l->qb.scale[i], l->sfrac - l->ufrac), &l->mb[i])))
            return hr_error_prefix(st, "lru fixed-point scales of unit %d", i);
    for (int k = 0; k < l->h; k++)
        if ((st = hr_fx_mult_make(l->qc.scale[k], &l->mc[k])) ||
            (st = hr_fx_mult_make(ldexp(l->qd.scale[k], l->sfrac - l->ufrac), &l->md[k])))
            return hr_error_prefix(st, "lru fixed-point scales of output %d", k);
    hr_lru_reset(l);
    return HR_OK;
}

static hr_lru *lru_alloc(int n, int m, int h)
{
    hr_lru *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->n = n;
    l->m = m;
    l->h = h;
    size_t hs = (size_t)(h ? h : 1), ms = (size_t)(m ? m : 1);
    l->lam = calloc(2 * (size_t)n, sizeof *l->lam);
    l->lrow = malloc(((size_t)n + 1) * sizeof *l->lrow);
    l->d = calloc(hs * ms, sizeof *l->d);
    l->drow = malloc((hs + 1) * sizeof *l->drow);
    l->xr = calloc((size_t)n, sizeof *l->xr);
    l->xi = calloc((size_t)n, sizeof *l->xi);
    l->tr = calloc((size_t)n, sizeof *l->tr);
    l->ti = calloc((size_t)n, sizeof *l->ti);
    l->y = calloc(hs, sizeof *l->y);
    if (!l->lam || !l->lrow || !l->d || !l->drow || !l->xr || !l->xi || !l->tr || !l->ti || !l->y) {
        hr_lru_destroy(l);
        return NULL;
    }
    for (int i = 0; i <= n; i++)
        l->lrow[i] = 2 * i;
    for (int k = 0; k <= h; k++)
        l->drow[k] = k * m;
    return l;
}

static int check_lambda(const hr_lru *l)
{
    for (int i = 0; i < l->n; i++)
        if (!(lam_abs(l->lam, i) < 1))
            return HR_ERROR(HR_ERANGE, "lru: |lambda_%d| = %.17g (allowed: < 1, a stable layer)",
                            i, lam_abs(l->lam, i));
    return HR_OK;
}

static int finish(hr_lru *l, const double *bre, const double *bim, const double *cre,
                  const double *cim, const hr_fixed_spec *fx, hr_lru **out)
{
    int st = check_lambda(l);
    if (!st)
        st = ccsr_from_dense(bre, bim, l->n, l->m, &l->b);
    if (!st)
        st = ccsr_from_dense(cre, cim, l->h, l->n, &l->c);
    if (!st) {
        l->dnnz = 0;
        for (size_t k = 0; k < (size_t)l->h * (size_t)l->m; k++)
            l->dnnz += l->d[k] != 0;
        st = lru_fix(l, fx);
    }
    if (st) {
        hr_lru_destroy(l);
        return st;
    }
    *out = l;
    return HR_OK;
}

int hr_lru_create_from(hr_lru **out, int n, int m, int h, const double *l_re,
                       const double *l_im, const double *b_re, const double *b_im,
                       const double *c_re, const double *c_im, const double *d, int nonlin,
                       const hr_fixed_spec *fx)
{
    *out = NULL;
    if (n < 1 || m < 0 || h < 0)
        return HR_ERROR(HR_ERANGE, "lru with %d units, %d inputs, %d outputs (allowed: units >= 1)",
                        n, m, h);
    hr_lru *l = lru_alloc(n, m, h);
    if (!l)
        return HR_ERROR(HR_ENOMEM, "out of memory for an lru of %d units", n);
    l->nonlin = nonlin;
    for (int i = 0; i < n; i++) {
        l->lam[2 * i] = l_re[i];
        l->lam[2 * i + 1] = l_im ? l_im[i] : 0;
    }
    if (d)
        memcpy(l->d, d, (size_t)h * (size_t)m * sizeof *d);
    return finish(l, b_re, b_im, h ? c_re : NULL, h ? c_im : NULL, fx, out);
}

/* Prunes the complex dense matrix (re, im) to `density` by |entry|. */
static int prune_complex(double *re, double *im, size_t total, double density)
{
    double *mag = malloc((total ? total : 1) * sizeof *mag);
    if (!mag)
        return HR_ERROR(HR_ENOMEM, "out of memory pruning");
    for (size_t k = 0; k < total; k++)
        mag[k] = hypot(re[k], im[k]);
    size_t kept;
    int st = hr_prune_magnitude(mag, total, total, density, &kept);
    for (size_t k = 0; !st && k < total; k++)
        if (mag[k] == 0)
            re[k] = im[k] = 0;
    free(mag);
    return st;
}

int hr_lru_create(hr_lru **out, const hr_lru_params *p, const hr_fixed_spec *fx)
{
    *out = NULL;
    int n = p->units, m = p->inputs, h = p->outputs;
    if (n < 1 || m < 0 || h < 0)
        return HR_ERROR(HR_ERANGE, "lru with %d units, %d inputs, %d outputs (allowed: units >= 1)",
                        n, m, h);
    if (p->init == HR_LRU_RING &&
        !(p->r_min >= 0 && p->r_min <= p->r_max && p->r_max < 1))
        return HR_ERROR(HR_ERANGE, "lru ring r_min = %g, r_max = %g (allowed: 0 <= r_min <= r_max "
                        "< 1)", p->r_min, p->r_max);
    if (p->init == HR_LRU_ZOH && !(p->a_min > 0 && p->a_min <= p->a_max && p->delta > 0))
        return HR_ERROR(HR_ERANGE, "lru zoh a_min = %g, a_max = %g, delta = %g (allowed: 0 < a_min "
                        "<= a_max, delta > 0: decaying modes)", p->a_min, p->a_max, p->delta);
    if (!(p->density >= 0 && p->density <= 1) || !(p->input_density >= 0 && p->input_density <= 1))
        return HR_ERROR(HR_ERANGE, "lru density %g, input_density %g (allowed: 0 .. 1)",
                        p->density, p->input_density);
    hr_lru *l = lru_alloc(n, m, h);
    size_t nb = (size_t)n * (size_t)m, nc = (size_t)h * (size_t)n;
    double *bre = calloc(nb ? nb : 1, sizeof *bre), *bim = calloc(nb ? nb : 1, sizeof *bim);
    double *cre = calloc(nc ? nc : 1, sizeof *cre), *cim = calloc(nc ? nc : 1, sizeof *cim);
    double *lc = malloc(2 * (size_t)n * sizeof *lc);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    int st = HR_OK;
    if (!l || !bre || !bim || !cre || !cim || !lc || !rng) {
        st = HR_ERROR(HR_ENOMEM, "out of memory for an lru of %d units", n);
        goto done;
    }
    l->nonlin = p->nonlin;
    gsl_rng_set(rng, p->seed);
    for (int i = 0; i < n; i++) {
        double u1 = gsl_rng_uniform(rng), u2 = gsl_rng_uniform(rng);
        if (p->init == HR_LRU_RING) {
            double r = sqrt(u1 * (p->r_max * p->r_max - p->r_min * p->r_min) + p->r_min * p->r_min);
            double th = u2 * p->theta_max;
            l->lam[2 * i] = r * cos(th);
            l->lam[2 * i + 1] = r * sin(th);
        } else {
            lc[2 * i] = -(p->a_min + (p->a_max - p->a_min) * u1);
            lc[2 * i + 1] = u2 * p->w_max;
        }
    }
    double sb = m > 0 ? p->b_scale / sqrt(2.0 * m) : 0, sc = p->c_scale / sqrt(2.0 * n);
    for (int i = 0; i < n; i++)
        for (int c = 0; c < m; c++) {
            size_t k = (size_t)i * (size_t)m + (size_t)c;
            double re = sb * gsl_ran_gaussian_ziggurat(rng, 1.0);
            double im = sb * gsl_ran_gaussian_ziggurat(rng, 1.0);
            if (p->init == HR_LRU_ZOH) {
                double lr, li;
                hr_lru_zoh(lc[2 * i], lc[2 * i + 1], p->delta, re, im, &lr, &li, &bre[k], &bim[k]);
                l->lam[2 * i] = lr;
                l->lam[2 * i + 1] = li;
            } else {
                double g = p->normalize ? sqrt(1 - (l->lam[2 * i] * l->lam[2 * i] +
                                                    l->lam[2 * i + 1] * l->lam[2 * i + 1]))
                                        : 1;
                bre[k] = g * re;
                bim[k] = g * im;
            }
        }
    if (p->init == HR_LRU_ZOH && m == 0)
        for (int i = 0; i < n; i++) {
            double br, bi;
            hr_lru_zoh(lc[2 * i], lc[2 * i + 1], p->delta, 0, 0, &l->lam[2 * i],
                       &l->lam[2 * i + 1], &br, &bi);
        }
    for (size_t k = 0; k < nc; k++) {
        cre[k] = sc * gsl_ran_gaussian_ziggurat(rng, 1.0);
        cim[k] = sc * gsl_ran_gaussian_ziggurat(rng, 1.0);
    }
    for (size_t k = 0; k < (size_t)h * (size_t)m; k++)
        l->d[k] = p->d_scale != 0 ? p->d_scale * gsl_ran_gaussian_ziggurat(rng, 1.0) : 0;
    if ((p->input_density < 1 && (st = prune_complex(bre, bim, nb, p->input_density))) ||
        (p->density < 1 && (st = prune_complex(cre, cim, nc, p->density))))
        goto done;
    st = finish(l, bre, bim, cre, cim, fx, out);
    l = NULL; /* finish owns it */
done:
    hr_lru_destroy(l);
    free(bre);
    free(bim);
    free(cre);
    free(cim);
    free(lc);
    gsl_rng_free(rng);
    return st;
}

int hr_lru_units(const hr_lru *l) { return l->n; }
int hr_lru_inputs(const hr_lru *l) { return l->m; }
int hr_lru_outputs(const hr_lru *l) { return l->h; }
int hr_lru_bits(const hr_lru *l) { return l->bits; }
int hr_lru_state_frac(const hr_lru *l) { return l->fixed ? l->sfrac : -1; }

void hr_lru_reset(hr_lru *l)
{
    memset(l->xr, 0, (size_t)l->n * sizeof *l->xr);
    memset(l->xi, 0, (size_t)l->n * sizeof *l->xi);
    memset(l->y, 0, (size_t)(l->h ? l->h : 1) * sizeof *l->y);
    if (l->fixed) {
        memset(l->xqr, 0, (size_t)l->n * sizeof *l->xqr);
        memset(l->xqi, 0, (size_t)l->n * sizeof *l->xqi);
        gsl_rng_set(l->rng, l->round_seed);
    }
}

static double nonlin(int g, double y)
{
    switch (g) {
    case HR_LRU_TANH:
        return hr_tanh(y);
    case HR_LRU_RELU:
        return y > 0 ? y : 0;
    case HR_LRU_GELU:
        return 0.5 * y * (1 + erf(y * M_SQRT1_2));
    default:
        return y;
    }
}

static void step_float(hr_lru *l, const double *u)
{
    for (int i = 0; i < l->n; i++) {
        double lr = l->lam[2 * i], li = l->lam[2 * i + 1];
        double sr = lr * l->xr[i] - li * l->xi[i], si = lr * l->xi[i] + li * l->xr[i];
        for (int k = l->b.rp[i]; k < l->b.rp[i + 1]; k++) {
            double uc = u[l->b.col[k]];
            sr += l->b.v[2 * k] * uc;
            si += l->b.v[2 * k + 1] * uc;
        }
        l->xr[i] = sr;
        l->xi[i] = si;
    }
    for (int h = 0; h < l->h; h++) {
        double s = 0;
        for (int k = l->c.rp[h]; k < l->c.rp[h + 1]; k++) {
            int j = l->c.col[k];
            s += l->c.v[2 * k] * l->xr[j] - l->c.v[2 * k + 1] * l->xi[j];
        }
        if (l->dnnz)
            for (int c = 0; c < l->m; c++)
                s += l->d[(size_t)h * (size_t)l->m + (size_t)c] * u[c];
        l->y[h] = nonlin(l->nonlin, s);
    }
}

static void step_fixed(hr_lru *l, const double *u)
{
    int rm = l->round, B = l->sbits, F = l->sfrac;
    gsl_rng *rng = l->rng;
    for (int c = 0; c < l->m; c++)
        l->uq[c] = hr_fx_from_double(u[c], B, l->ufrac, rm, rng);
    const int32_t *ql = l->ql.code, *qb = l->qb.code, *qc = l->qc.code, *qd = l->qd.code;
    for (int i = 0; i < l->n; i++) {
        int64_t ar = (int64_t)ql[2 * i] * l->xqr[i] - (int64_t)ql[2 * i + 1] * l->xqi[i];
        int64_t ai = (int64_t)ql[2 * i] * l->xqi[i] + (int64_t)ql[2 * i + 1] * l->xqr[i];
        int64_t br = 0, bi = 0;
        for (int k = l->b.rp[i]; k < l->b.rp[i + 1]; k++) {
            int64_t uc = l->uq[l->b.col[k]];
            br += qb[2 * k] * uc;
            bi += qb[2 * k + 1] * uc;
        }
        l->tqr[i] = hr_fx_saturate(hr_fx_mul(ar, l->ml[i], rm, rng) + hr_fx_mul(br, l->mb[i], rm, rng), B);
        l->tqi[i] = hr_fx_saturate(hr_fx_mul(ai, l->ml[i], rm, rng) + hr_fx_mul(bi, l->mb[i], rm, rng), B);
    }
    for (int i = 0; i < l->n; i++) {
        l->xqr[i] = l->tqr[i];
        l->xqi[i] = l->tqi[i];
        l->xr[i] = ldexp(l->xqr[i], -F);
        l->xi[i] = ldexp(l->xqi[i], -F);
    }
    for (int h = 0; h < l->h; h++) {
        int64_t acc = 0, accd = 0;
        for (int k = l->c.rp[h]; k < l->c.rp[h + 1]; k++) {
            int j = l->c.col[k];
            acc += (int64_t)qc[2 * k] * l->xqr[j] - (int64_t)qc[2 * k + 1] * l->xqi[j];
        }
        for (int c = 0; l->dnnz && c < l->m; c++)
            accd += (int64_t)qd[(size_t)h * (size_t)l->m + (size_t)c] * l->uq[c];
        int32_t y = hr_fx_saturate(hr_fx_mul(acc, l->mc[h], rm, rng) +
                                   hr_fx_mul(accd, l->md[h], rm, rng), B);
        if (l->nonlin == HR_LRU_RELU)
            y = y > 0 ? y : 0;
        else if (l->nonlin != HR_LRU_NONE)
            y = hr_fx_from_double(nonlin(l->nonlin, ldexp(y, -F)), B, F, rm, rng);
        l->yq[h] = y;
        l->y[h] = ldexp(y, -F);
    }
}

void hr_lru_step(hr_lru *l, const double *u)
{
    if (l->fixed)
        step_fixed(l, u);
    else
        step_float(l, u);
}

const double *hr_lru_state_re(const hr_lru *l) { return l->xr; }
const double *hr_lru_state_im(const hr_lru *l) { return l->xi; }
const double *hr_lru_output(const hr_lru *l) { return l->y; }

void hr_lru_run(hr_lru *l, const double *u, int nsteps, int what, const int *idx, int nidx,
                double *out)
{
    for (int k = 0; k < nsteps; k++) {
        hr_lru_step(l, u + (size_t)k * (size_t)l->m);
        for (int p = 0; p < nidx; p++) {
            if (what == HR_LRU_TRACE_OUTPUT) {
                out[(size_t)p * (size_t)nsteps + (size_t)k] = l->y[idx[p]];
            } else {
                out[(size_t)(2 * p) * (size_t)nsteps + (size_t)k] = l->xr[idx[p]];
                out[(size_t)(2 * p + 1) * (size_t)nsteps + (size_t)k] = l->xi[idx[p]];
            }
        }
    }
}

double hr_lru_max_abs_lambda(const hr_lru *l)
{
    double r = 0;
    for (int i = 0; i < l->n; i++)
        r = fmax(r, lam_abs(l->lam, i));
    return r;
}

/* Scales stored: n (or h) per-row scales unless every row has the same. */
static size_t nscales(const hr_qtensor *q)
{
    if (!q->code || q->nrows == 0)
        return 0;
    for (int i = 1; i < q->nrows; i++)
        if (q->scale[i] != q->scale[0])
            return (size_t)q->nrows;
    return 1;
}

void hr_lru_costs(const hr_lru *l, hr_costs *c)
{
    int quant = l->ql.code != NULL;
    int wb = quant ? l->bits : 64;
    size_t nl = 0;
    for (int i = 0; i < l->n; i++)
        nl += l->lam[2 * i] != 0 || l->lam[2 * i + 1] != 0;
    double ops_b = quant ? hr_qtensor_ops(&l->qb, l->b.rp2) : 2.0 * (double)ccsr_nnz(&l->b);
    double ops_c = quant ? hr_qtensor_ops(&l->qc, l->c.rp2) : 2.0 * (double)ccsr_nnz(&l->c);
    c->synaptic_ops = 4.0 * (double)nl + ops_b + ops_c + (double)l->dnnz;
    c->messages = NAN;
    c->neuron_updates = l->n;
    /* Complex entries are two values each: count B and C as n x 2m and h x 2n. */
    c->weight_bytes = hr_matrix_bytes((size_t)l->n, 2, 2 * nl, wb, nscales(&l->ql)) +
                      hr_matrix_bytes((size_t)l->n, 2 * (size_t)l->m, (size_t)ops_b, wb,
                                      nscales(&l->qb)) +
                      hr_matrix_bytes((size_t)l->h, 2 * (size_t)l->n, (size_t)ops_c, wb,
                                      nscales(&l->qc)) +
                      hr_matrix_bytes((size_t)l->h, (size_t)l->m, l->dnnz, wb, nscales(&l->qd));
    int sb = l->fixed ? l->sbits : 64;
    c->state_bytes = 2.0 * l->n * sb / 8.0;
    c->weight_bits = wb;
    c->state_bits = sb;
}

void hr_lru_matrices(const hr_lru *l, double *l_re, double *l_im, double *b_re, double *b_im,
                     double *c_re, double *c_im, double *d)
{
    for (int i = 0; i < l->n; i++) {
        if (l_re)
            l_re[i] = l->lam[2 * i];
        if (l_im)
            l_im[i] = l->lam[2 * i + 1];
    }
    size_t nb = (size_t)l->n * (size_t)l->m, nc = (size_t)l->h * (size_t)l->n;
    if (b_re)
        memset(b_re, 0, nb * sizeof *b_re);
    if (b_im)
        memset(b_im, 0, nb * sizeof *b_im);
    for (int i = 0; i < l->n; i++)
        for (int k = l->b.rp[i]; k < l->b.rp[i + 1]; k++) {
            size_t at = (size_t)i * (size_t)l->m + (size_t)l->b.col[k];
            if (b_re)
                b_re[at] = l->b.v[2 * k];
            if (b_im)
                b_im[at] = l->b.v[2 * k + 1];
        }
    if (c_re)
        memset(c_re, 0, nc * sizeof *c_re);
    if (c_im)
        memset(c_im, 0, nc * sizeof *c_im);
    for (int h = 0; h < l->h; h++)
        for (int k = l->c.rp[h]; k < l->c.rp[h + 1]; k++) {
            size_t at = (size_t)h * (size_t)l->n + (size_t)l->c.col[k];
            if (c_re)
                c_re[at] = l->c.v[2 * k];
            if (c_im)
                c_im[at] = l->c.v[2 * k + 1];
        }
    if (d)
        memcpy(d, l->d, (size_t)l->h * (size_t)l->m * sizeof *d);
}

int hr_lru_codes(const hr_lru *l, int32_t *l_re, int32_t *l_im, double *l_scale, int32_t *b_re,
                 int32_t *b_im, double *b_scale, int32_t *c_re, int32_t *c_im, double *c_scale,
                 int32_t *d, double *d_scale)
{
    if (!l->ql.code)
        return HR_ERROR(HR_ENOTSUP, "lru: the layer is not quantized (substrate.bits = 0)");
    for (int i = 0; i < l->n; i++) {
        if (l_re)
            l_re[i] = l->ql.code[2 * i];
        if (l_im)
            l_im[i] = l->ql.code[2 * i + 1];
        if (l_scale)
            l_scale[i] = l->ql.scale[i];
        if (b_scale)
            b_scale[i] = l->qb.scale[i];
    }
    size_t nb = (size_t)l->n * (size_t)l->m, nc = (size_t)l->h * (size_t)l->n;
    if (b_re)
        memset(b_re, 0, nb * sizeof *b_re);
    if (b_im)
        memset(b_im, 0, nb * sizeof *b_im);
    for (int i = 0; i < l->n; i++)
        for (int k = l->b.rp[i]; k < l->b.rp[i + 1]; k++) {
            size_t at = (size_t)i * (size_t)l->m + (size_t)l->b.col[k];
            if (b_re)
                b_re[at] = l->qb.code[2 * k];
            if (b_im)
                b_im[at] = l->qb.code[2 * k + 1];
        }
    if (c_re)
        memset(c_re, 0, nc * sizeof *c_re);
    if (c_im)
        memset(c_im, 0, nc * sizeof *c_im);
    for (int h = 0; h < l->h; h++) {
        if (c_scale)
            c_scale[h] = l->qc.scale[h];
        if (d_scale)
            d_scale[h] = l->qd.scale[h];
        for (int k = l->c.rp[h]; k < l->c.rp[h + 1]; k++) {
            size_t at = (size_t)h * (size_t)l->n + (size_t)l->c.col[k];
            if (c_re)
                c_re[at] = l->qc.code[2 * k];
            if (c_im)
                c_im[at] = l->qc.code[2 * k + 1];
        }
    }
    if (d)
        memcpy(d, l->qd.code, (size_t)l->h * (size_t)l->m * sizeof *d);
    return HR_OK;
}
