/* test_metrics.c — separability measures, linear readout training and
 * scores (reservoir/metrics.h) against hand-computed values and
 * independent routes. Tolerances: results of a handful of floating-point
 * operations are checked to 1e-14 relative (a few ulps); results of a
 * backward-stable factorisation of a well-conditioned matrix (cond < 1e3)
 * to 1e-12; statistical checks state their own spread. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "base/status.h"
#include "reservoir/metrics.h"
#include "tests/test_util.h"

static int setup(void **state)
{
    hr_init();
    return 0;
}

/* Fills a with uniform values in [-1, 1) from a fixed seed. */
static void fill_random(double *a, size_t count, unsigned long seed)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, seed);
    for (size_t i = 0; i < count; i++)
        a[i] = 2.0 * gsl_rng_uniform(r) - 1.0;
    gsl_rng_free(r);
}

/* ---- Determinant ---------------------------------------------------------- */

static void test_det_hand(void **state)
{
    /* 2 x 2: 2.385 * 3.1 - 1.2 * 0.7 = 6.5535 */
    const double a[] = {2.385, 1.2, 0.7, 3.1};
    double d, ld;
    int sg;
    assert_status(hr_metric_det(a, 2, &d, &ld, &sg), HR_OK);
    assert_rel(d, 6.5535, 1e-14);
    assert_rel(ld, log(6.5535), 1e-14);
    assert_int_equal(sg, 1);

    /* Rows swapped: same |det|, negative sign. */
    const double b[] = {0.7, 3.1, 2.385, 1.2};
    assert_status(hr_metric_det(b, 2, &d, NULL, &sg), HR_OK);
    assert_rel(d, 6.5535, 1e-14);
    assert_int_equal(sg, -1);

    /* 3 x 3 by cofactor expansion along the first row. */
    const double c[] = {2.385, -1.1, 0.4, 0.3, 1.7, -2.2, 1.9, 0.6, 0.85};
    double cof = c[0] * (c[4] * c[8] - c[5] * c[7]) - c[1] * (c[3] * c[8] - c[5] * c[6]) +
                 c[2] * (c[3] * c[7] - c[4] * c[6]);
    double det;
    assert_status(hr_metric_det(c, 3, &det, NULL, &sg), HR_OK);
    assert_rel(sg * det, cof, 1e-14);

    /* 1 x 1. */
    const double e[] = {-2.385};
    assert_status(hr_metric_det(e, 1, &d, &ld, &sg), HR_OK);
    assert_rel(d, 2.385, 1e-15);
    assert_int_equal(sg, -1);
}

/* |det X| by LU must equal the product of the singular values (SVD): two
 * independent factorisations, so agreement to 1e-12 checks both. */
static void test_det_vs_svd(void **state)
{
    double x[36], s[6];
    fill_random(x, 36, 2385);
    double d, ld;
    assert_status(hr_metric_det(x, 6, &d, &ld, NULL), HR_OK);
    assert_status(hr_metric_singular_values(x, 6, 6, s), HR_OK);
    double prod = 1, logsum = 0;
    for (int i = 0; i < 6; i++) {
        prod *= s[i];
        logsum += log(s[i]);
    }
    assert_true(d > 1e-3);
    assert_rel(d, prod, 1e-12);
    assert_rel(ld, logsum, 1e-12);
}

/* Scaling an 8 x 8 matrix by c multiplies det by c^8: log|det| must stay
 * finite and exact however far |det| is outside the double range. */
static void test_det_tiny_and_huge(void **state)
{
    double a[64], x[64];
    fill_random(a, 64, 77);
    double d0, l0;
    assert_status(hr_metric_det(a, 8, &d0, &l0, NULL), HR_OK);
    const double scales[] = {3.1622776601683794e-38 /* |det| ~ 1e-300 */, 1e-40, 1e-60, 1e50};
    for (int k = 0; k < 4; k++) {
        double c = scales[k];
        for (int i = 0; i < 64; i++)
            x[i] = c * a[i];
        double d, l;
        assert_status(hr_metric_det(x, 8, &d, &l, NULL), HR_OK);
        double want = l0 + 8 * log(c);
        assert_true(isfinite(l));
        /* log c is exact to 1 ulp, so the sum is good to ~1e-15 of |want| */
        assert_rel(l, want, 1e-13);
        if (want > log(DBL_MAX))
            assert_true(isinf(d));
        else if (want < log(DBL_MIN) + log(DBL_EPSILON) - 1)
            assert_true(d == 0.0);
        else if (want > log(DBL_MIN))
            assert_rel(d, exp(want), 1e-12);
    }
    /* |det| ~ 1e-300: representable, so det_abs is accurate too. */
    const double diag[8] = {1e-37, 2.385e-38, 1e-37, 1e-38, 1e-37, 1e-38, 1e-37, 1e-38};
    memset(x, 0, sizeof x);
    double want = 1;
    for (int i = 0; i < 8; i++) {
        x[i * 9] = diag[i];
        want *= diag[i];
    }
    double d, l;
    assert_status(hr_metric_det(x, 8, &d, &l, NULL), HR_OK);
    assert_rel(d, want, 1e-14);
    assert_rel(l, log(want), 1e-14);
}

static void test_det_singular(void **state)
{
    const double a[] = {2.385, 1.2, 4.77, 2.4}; /* row 2 = 2 row 1 */
    double d = -1, l = 0;
    int sg = 5;
    assert_status(hr_metric_det(a, 2, &d, &l, &sg), HR_OK);
    assert_true(d == 0.0);
    assert_true(isinf(l) && l < 0);
    assert_int_equal(sg, 0);
    const double z[9] = {0};
    assert_status(hr_metric_det(z, 3, &d, &l, &sg), HR_OK);
    assert_true(d == 0.0 && isinf(l));
}

/* ---- Gram log-determinant ------------------------------------------------ */

static void test_logdet_gram(void **state)
{
    /* m > n: against det(XᵀX + λI) formed by hand and factorised by LU. */
    double x[15], g[9];
    fill_random(x, 15, 11);
    const double lambda = 0.2385;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            double s = i == j ? lambda : 0.0;
            for (int k = 0; k < 5; k++)
                s += x[k * 3 + i] * x[k * 3 + j];
            g[i * 3 + j] = s;
        }
    double ld, lg;
    assert_status(hr_metric_det(g, 3, NULL, &ld, NULL), HR_OK);
    assert_status(hr_metric_logdet_gram(x, 5, 3, lambda, &lg), HR_OK);
    assert_rel(lg, ld, 1e-12);

    /* m < n: log det = (n - m) log λ + sum_i log(s_i^2 + λ) (the SVD route). */
    double w[8], s[2];
    fill_random(w, 8, 12);
    assert_status(hr_metric_singular_values(w, 2, 4, s), HR_OK);
    double want = 2 * log(lambda) + log(s[0] * s[0] + lambda) + log(s[1] * s[1] + lambda);
    assert_status(hr_metric_logdet_gram(w, 2, 4, lambda, &lg), HR_OK);
    assert_rel(lg, want, 1e-12);

    /* λ = 0 and m < n: XᵀX is singular. */
    assert_status(hr_metric_logdet_gram(w, 2, 4, 0.0, &lg), HR_OK);
    assert_true(isinf(lg) && lg < 0);

    /* Square X, λ = 0: log det(XᵀX) = 2 log|det X|. */
    double q[16];
    fill_random(q, 16, 13);
    assert_status(hr_metric_det(q, 4, NULL, &ld, NULL), HR_OK);
    assert_status(hr_metric_logdet_gram(q, 4, 4, 0.0, &lg), HR_OK);
    assert_rel(lg, 2 * ld, 1e-11); /* Gram squares cond: looser */
}

/* ---- Singular values and ranks ------------------------------------------- */

static void test_singular_values_diag(void **state)
{
    /* A permuted, sign-flipped diagonal: singular values are the sorted |d|. */
    const double x[] = {0, -0.5, 0, 2.385, 0, 0, 0, 0, 7.1, 0, 0, 0};
    double s[3];
    assert_status(hr_metric_singular_values(x, 4, 3, s), HR_OK);
    assert_rel(s[0], 7.1, 1e-15);
    assert_rel(s[1], 2.385, 1e-15);
    assert_rel(s[2], 0.5, 1e-15);
    /* The transpose (m < n) has the same singular values. */
    double xt[12];
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 3; j++)
            xt[j * 4 + i] = x[i * 3 + j];
    assert_status(hr_metric_singular_values(xt, 3, 4, s), HR_OK);
    assert_rel(s[0], 7.1, 1e-15);
    assert_rel(s[2], 0.5, 1e-15);
}

/* Applies the Householder reflection I - 2 v vᵀ / (vᵀ v) to the rows
 * (left) of the m x n row-major a: a stays exactly as well conditioned. */
static void reflect_rows(double *a, size_t m, size_t n, const double *v)
{
    double vv = 0;
    for (size_t i = 0; i < m; i++)
        vv += v[i] * v[i];
    for (size_t j = 0; j < n; j++) {
        double d = 0;
        for (size_t i = 0; i < m; i++)
            d += v[i] * a[i * n + j];
        for (size_t i = 0; i < m; i++)
            a[i * n + j] -= 2 * d / vv * v[i];
    }
}

/* A dense m x n matrix (m >= n) with known singular values s: Q1 [diag(s); 0] Q2ᵀ,
 * Q1 and Q2 products of three random Householder reflections each. */
static double *with_singular_values(size_t m, size_t n, const double *s, unsigned long seed)
{
    double *a = calloc(m * n, sizeof *a), *at = malloc(m * n * sizeof *at);
    double *v = malloc(m * sizeof *v);
    assert_non_null(a);
    assert_non_null(at);
    assert_non_null(v);
    for (size_t j = 0; j < n; j++)
        a[j * n + j] = s[j];
    for (int k = 0; k < 3; k++) {
        fill_random(v, m, seed + (unsigned long)k);
        reflect_rows(a, m, n, v); /* Q1 from the left */
    }
    for (int k = 0; k < 3; k++) { /* Q2ᵀ from the right: reflect the rows of aᵀ */
        for (size_t i = 0; i < m; i++)
            for (size_t j = 0; j < n; j++)
                at[j * m + i] = a[i * n + j];
        fill_random(v, n, seed + 10 + (unsigned long)k);
        reflect_rows(at, n, m, v);
        for (size_t i = 0; i < m; i++)
            for (size_t j = 0; j < n; j++)
                a[i * n + j] = at[j * m + i];
    }
    free(at);
    free(v);
    return a;
}

/* Singular values of readout matrices as wide as an ESN's or an LRU's (300
 * and 500 features) against their known values, in both orientations. GSL's
 * one-sided Jacobi, used until 2026-12-03, returned these with errors of 10%
 * to 100% (and GSL_SUCCESS) beyond about 250 columns; Golub-Reinsch is
 * backward stable: |ds| <= c eps s_max, so with s in [0.01, 1] (cond 100)
 * 1e-10 relative leaves a factor 1e3 over the ~1e-13 it reaches. */
static void test_singular_values_wide(void **state)
{
    static const size_t shape[][2] = {{600, 300}, {700, 500}};
    for (int c = 0; c < 2; c++) {
        size_t m = shape[c][0], n = shape[c][1];
        double *s = malloc(n * sizeof *s), *got = malloc(n * sizeof *got);
        double *at = malloc(m * n * sizeof *at);
        assert_non_null(s);
        assert_non_null(got);
        assert_non_null(at);
        for (size_t j = 0; j < n; j++)
            s[j] = pow(0.01, (double)j / (double)(n - 1)); /* 1 down to 0.01 */
        double *a = with_singular_values(m, n, s, 100 + (unsigned long)c);
        assert_status(hr_metric_singular_values(a, m, n, got), HR_OK);
        double worst = 0;
        for (size_t j = 0; j < n; j++)
            worst = fmax(worst, fabs(got[j] - s[j]) / s[j]);
        print_message("      %zu x %zu: worst relative error of the singular values %.2g\n",
                      m, n, worst);
        assert_true(worst < 1e-10);
        for (size_t i = 0; i < m; i++) /* the transpose (m < n) */
            for (size_t j = 0; j < n; j++)
                at[j * m + i] = a[i * n + j];
        assert_status(hr_metric_singular_values(at, n, m, got), HR_OK);
        for (size_t j = 0; j < n; j++)
            assert_true(fabs(got[j] - s[j]) / s[j] < 1e-10);
        /* Ridge on it solves the normal equations (XᵀX + λI) w = Xᵀy: residual
         * relative to |Xᵀy|, at cond(XᵀX + λI) <= 1e4, to 1e-9. */
        double *y = malloc(m * sizeof *y), *w = malloc(n * sizeof *w);
        assert_non_null(y);
        assert_non_null(w);
        fill_random(y, m, 7);
        const double lam = 1e-4;
        assert_status(hr_linreg_ridge(a, m, n, y, 1, 0, lam, w), HR_OK);
        double *xw = calloc(m, sizeof *xw), rmax = 0, bmax = 0;
        assert_non_null(xw);
        for (size_t i = 0; i < m; i++)
            for (size_t j = 0; j < n; j++)
                xw[i] += a[i * n + j] * w[j];
        for (size_t j = 0; j < n; j++) {
            double r = lam * w[j], b = 0;
            for (size_t i = 0; i < m; i++) {
                r += a[i * n + j] * xw[i];
                b += a[i * n + j] * y[i];
            }
            rmax = fmax(rmax, fabs(r - b));
            bmax = fmax(bmax, fabs(b));
        }
        assert_true(rmax / bmax < 1e-9);
        free(xw);
        free(y);
        free(w);
        free(a);
        free(at);
        free(s);
        free(got);
    }
}

static void test_rank_low_rank(void **state)
{
    /* X = A B with A 6 x 2 and B 2 x 5: rank 2. */
    double a[12], b[10], x[30];
    fill_random(a, 12, 21);
    fill_random(b, 10, 22);
    for (int i = 0; i < 6; i++)
        for (int j = 0; j < 5; j++)
            x[i * 5 + j] = a[i * 2] * b[j] + a[i * 2 + 1] * b[5 + j];
    size_t r;
    assert_status(hr_metric_rank(x, 6, 5, HR_METRIC_RTOL_DEFAULT, &r), HR_OK);
    assert_int_equal(r, 2);
    double xt[30]; /* the 5 x 6 transpose: same rank */
    for (int i = 0; i < 6; i++)
        for (int j = 0; j < 5; j++)
            xt[j * 6 + i] = x[i * 5 + j];
    assert_status(hr_metric_rank(xt, 5, 6, 0.0, &r), HR_OK);
    assert_int_equal(r, 2);
    double full[30];
    fill_random(full, 30, 23);
    assert_status(hr_metric_rank(full, 6, 5, 0.0, &r), HR_OK);
    assert_int_equal(r, 5);
    const double z[6] = {0};
    assert_status(hr_metric_rank(z, 2, 3, 0.0, &r), HR_OK);
    assert_int_equal(r, 0);
}

static void test_rank_tolerance(void **state)
{
    const double x[] = {2.385, 0, 0, 0, 2.385e-3, 0, 0, 0, 2.385e-8};
    size_t r;
    assert_status(hr_metric_rank(x, 3, 3, 0.0, &r), HR_OK);
    assert_int_equal(r, 3);
    assert_status(hr_metric_rank(x, 3, 3, 1e-6, &r), HR_OK);
    assert_int_equal(r, 2);
    assert_status(hr_metric_rank(x, 3, 3, 1e-2, &r), HR_OK);
    assert_int_equal(r, 1);
}

static void test_effective_rank(void **state)
{
    /* Three equal singular values and a zero one: erank = 3. */
    const double x[] = {2.385, 0, 0, 0, 0, -2.385, 0, 0, 0, 0, 2.385, 0, 0, 0, 0, 0};
    double e;
    assert_status(hr_metric_effective_rank(x, 4, 4, &e), HR_OK);
    assert_rel(e, 3.0, 1e-14);
    /* s = (3, 1): p = (0.75, 0.25), erank = exp(-(0.75 ln 0.75 + 0.25 ln 0.25)). */
    const double y[] = {3, 0, 0, 1};
    assert_status(hr_metric_effective_rank(y, 2, 2, &e), HR_OK);
    assert_rel(e, 1.7547653506033232, 1e-14);
    const double z[4] = {0};
    assert_status(hr_metric_effective_rank(z, 2, 2, &e), HR_OK);
    assert_true(e == 0.0);
}

static void test_condition(void **state)
{
    const double x[] = {2.385, 0, 0, 0, 0.5, 0, 0, 0, 7.1};
    double c;
    assert_status(hr_metric_condition(x, 3, 3, &c), HR_OK);
    assert_rel(c, 14.2, 1e-14);
    const double s[] = {1, 2, 2, 4};
    assert_status(hr_metric_condition(s, 2, 2, &c), HR_OK);
    assert_true(isinf(c) || c > 1e15); /* exactly singular; round-off may leave s_min ~ 1e-16 */
    const double z[4] = {0};
    assert_status(hr_metric_condition(z, 2, 2, &c), HR_OK);
    assert_true(isinf(c));
}

/* ---- Least squares and ridge ------------------------------------------------- */

/* An exactly solvable overdetermined problem: y = X W + b. */
static void test_lstsq_exact(void **state)
{
    enum { M = 10, N = 3, Q = 2 };
    double x[M * N], y[M * Q], w[(N + 1) * Q];
    const double wt[N * Q] = {2.385, -1.25, 0.731, 3.3, -4.02, 0.17};
    const double bt[Q] = {0.615, -2.2};
    fill_random(x, M * N, 31);
    for (int i = 0; i < M; i++)
        for (int k = 0; k < Q; k++) {
            double s = bt[k];
            for (int j = 0; j < N; j++)
                s += x[i * N + j] * wt[j * Q + k];
            y[i * Q + k] = s;
        }
    size_t rank;
    assert_status(hr_linreg_lstsq(x, M, N, y, Q, 1, w, &rank), HR_OK);
    assert_int_equal(rank, N + 1);
    for (int i = 0; i < N * Q; i++)
        assert_abs(w[i], wt[i], 1e-10);
    for (int k = 0; k < Q; k++)
        assert_abs(w[N * Q + k], bt[k], 1e-10);

    /* Without bias, on y - b. */
    for (int i = 0; i < M; i++)
        for (int k = 0; k < Q; k++)
            y[i * Q + k] -= bt[k];
    assert_status(hr_linreg_lstsq(x, M, N, y, Q, 0, w, NULL), HR_OK);
    for (int i = 0; i < N * Q; i++)
        assert_abs(w[i], wt[i], 1e-10);

    /* Ridge with λ = 0 is the same least-squares fit. */
    double wr[N * Q];
    assert_status(hr_linreg_ridge(x, M, N, y, Q, 0, 0.0, wr), HR_OK);
    for (int i = 0; i < N * Q; i++)
        assert_abs(wr[i], wt[i], 1e-10);
}

/* Underdetermined and rank-deficient: the minimum-norm solution. */
static void test_lstsq_min_norm(void **state)
{
    /* One equation, two unknowns: 2.385 a + 1.2 b = 3.1. Minimum norm:
     * (a, b) = 3.1 (2.385, 1.2) / (2.385^2 + 1.2^2). */
    const double x[] = {2.385, 1.2}, y[] = {3.1};
    double w[2];
    size_t rank;
    assert_status(hr_linreg_lstsq(x, 1, 2, y, 1, 0, w, &rank), HR_OK);
    assert_int_equal(rank, 1);
    double nn = 2.385 * 2.385 + 1.2 * 1.2;
    assert_rel(w[0], 3.1 * 2.385 / nn, 1e-14);
    assert_rel(w[1], 3.1 * 1.2 / nn, 1e-14);

    /* Two identical columns: the weight is split equally. */
    const double xd[] = {1.5, 1.5, -0.7, -0.7, 2.385, 2.385};
    const double yd[] = {3.0, -1.4, 4.77}; /* = 2 x */
    assert_status(hr_linreg_lstsq(xd, 3, 2, yd, 1, 0, w, &rank), HR_OK);
    assert_int_equal(rank, 1);
    assert_rel(w[0], 1.0, 1e-13);
    assert_rel(w[1], 1.0, 1e-13);
}

static void test_ridge_hand(void **state)
{
    /* One feature: w = sum x y / (sum x^2 + λ). */
    const double x[] = {1.5, -0.7, 2.385}, y[] = {3.1, -1.2, 4.4};
    double w[2];
    assert_status(hr_linreg_ridge(x, 3, 1, y, 1, 0, 0.8, w), HR_OK);
    assert_rel(w[0], 1.7320774038344318, 1e-14);

    /* One feature with an unregularised intercept: centred formula. */
    double mx = (1.5 - 0.7 + 2.385) / 3, my = (3.1 - 1.2 + 4.4) / 3, sxy = 0, sxx = 0;
    for (int i = 0; i < 3; i++) {
        sxy += (x[i] - mx) * (y[i] - my);
        sxx += (x[i] - mx) * (x[i] - mx);
    }
    assert_status(hr_linreg_ridge(x, 3, 1, y, 1, 1, 0.8, w), HR_OK);
    double slope = sxy / (sxx + 0.8);
    assert_rel(w[0], slope, 1e-13);
    assert_rel(w[1], my - slope * mx, 1e-13);

    /* Two features: (XᵀX + λI)⁻¹ XᵀY with the 2 x 2 inverse written out. */
    const double x2[] = {1.0, 0.5, -0.3, 2.385, 1.7, -1.1, 0.4, 0.9};
    const double y2[] = {1.2, -0.8, 2.0, 0.35};
    const double lam = 0.37;
    double a = lam, b = 0, d = lam, r0 = 0, r1 = 0;
    for (int i = 0; i < 4; i++) {
        a += x2[2 * i] * x2[2 * i];
        b += x2[2 * i] * x2[2 * i + 1];
        d += x2[2 * i + 1] * x2[2 * i + 1];
        r0 += x2[2 * i] * y2[i];
        r1 += x2[2 * i + 1] * y2[i];
    }
    double det = a * d - b * b;
    assert_status(hr_linreg_ridge(x2, 4, 2, y2, 1, 0, lam, w), HR_OK);
    assert_rel(w[0], (d * r0 - b * r1) / det, 1e-13);
    assert_rel(w[1], (a * r1 - b * r0) / det, 1e-13);
}

/* Ridge against the closed form solved by GSL's LU on a larger problem,
 * with more features than samples (XᵀX singular, XᵀX + λI not). */
static void test_ridge_closed_form(void **state)
{
    enum { M = 5, N = 7, Q = 2 };
    double x[M * N], y[M * Q], w[N * Q];
    fill_random(x, M * N, 41);
    fill_random(y, M * Q, 42);
    const double lam = 0.02385;
    assert_status(hr_linreg_ridge(x, M, N, y, Q, 0, lam, w), HR_OK);
    gsl_matrix *g = gsl_matrix_alloc(N, N);
    gsl_permutation *p = gsl_permutation_alloc(N);
    gsl_vector *rhs = gsl_vector_alloc(N), *sol = gsl_vector_alloc(N);
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            double s = i == j ? lam : 0;
            for (int k = 0; k < M; k++)
                s += x[k * N + i] * x[k * N + j];
            gsl_matrix_set(g, i, j, s);
        }
    int sg;
    assert_int_equal(gsl_linalg_LU_decomp(g, p, &sg), 0);
    for (int q = 0; q < Q; q++) {
        for (int i = 0; i < N; i++) {
            double s = 0;
            for (int k = 0; k < M; k++)
                s += x[k * N + i] * y[k * Q + q];
            gsl_vector_set(rhs, i, s);
        }
        assert_int_equal(gsl_linalg_LU_solve(g, p, rhs, sol), 0);
        /* cond(XᵀX + λI) ~ s_max^2 / λ ~ 1e3: 1e-10 absolute on O(1) weights */
        for (int i = 0; i < N; i++)
            assert_abs(w[i * Q + q], gsl_vector_get(sol, i), 1e-10);
    }
    gsl_matrix_free(g);
    gsl_permutation_free(p);
    gsl_vector_free(rhs);
    gsl_vector_free(sol);
}

/* A Bayesian problem with a known best λ: weights w ~ N(0, s_w^2 I), noise
 * ~ N(0, s_e^2), so the posterior mean (the best predictor on average) is
 * ridge with λ* = s_e^2 / s_w^2 = 100. Q = 60 independent outputs average
 * the validation curve, so the chosen λ must be within a factor 10. */
static void test_ridge_select(void **state)
{
    enum { N = 20, MT = 40, MV = 400, Q = 60 };
    const double sw = 0.2, se = 2.0, lstar = (se * se) / (sw * sw);
    static double xt[MT * N], yt[MT * Q], xv[MV * N], yv[MV * Q], wt[N * Q];
    double w[(N + 1) * Q], w2[(N + 1) * Q];
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 2385);
    for (int i = 0; i < N * Q; i++)
        wt[i] = gsl_ran_gaussian(r, sw);
    for (int i = 0; i < MT * N; i++)
        xt[i] = gsl_ran_gaussian(r, 1.0);
    for (int i = 0; i < MV * N; i++)
        xv[i] = gsl_ran_gaussian(r, 1.0);
    for (int pass = 0; pass < 2; pass++) {
        const double *x = pass ? xv : xt;
        double *y = pass ? yv : yt;
        int m = pass ? MV : MT;
        for (int i = 0; i < m; i++)
            for (int k = 0; k < Q; k++) {
                double s = 1.5 + gsl_ran_gaussian(r, se); /* intercept 1.5 */
                for (int j = 0; j < N; j++)
                    s += x[i * N + j] * wt[j * Q + k];
                y[i * Q + k] = s;
            }
    }
    gsl_rng_free(r);
    double lam, mse;
    assert_status(hr_linreg_ridge_select(xt, yt, MT, xv, yv, MV, N, Q, 1, 1e-3, 1e6, 37, w,
                                         &lam, &mse),
                  HR_OK);
    assert_true(lam >= lstar / 10 && lam <= lstar * 10);
    /* The returned weights are plain ridge at the chosen λ... */
    assert_status(hr_linreg_ridge(xt, MT, N, yt, Q, 1, lam, w2), HR_OK);
    for (int i = 0; i < (N + 1) * Q; i++)
        assert_abs(w[i], w2[i], 1e-12);
    /* ...and the reported error is their validation MSE. */
    static double yhat[MV * Q];
    double mse2;
    assert_status(hr_linreg_predict(xv, MV, N, w, Q, 1, yhat), HR_OK);
    assert_status(hr_score_mse(yv, yhat, MV * Q, &mse2), HR_OK);
    assert_rel(mse, mse2, 1e-12);
    /* The noise floor is s_e^2 = 4: the best fit cannot beat it by much. */
    assert_true(mse > 0.9 * se * se && mse < 2 * se * se);

    /* A one-point grid returns that λ. */
    assert_status(hr_linreg_ridge_select(xt, yt, MT, xv, yv, MV, N, Q, 0, 2.385, 2.385, 1, w,
                                         &lam, NULL),
                  HR_OK);
    assert_true(lam == 2.385);
}

static void test_predict(void **state)
{
    const double x[] = {1.0, 2.385, -0.5, 0.25};            /* 2 x 2 */
    const double w[] = {2.0, -1.0, 0.5, 3.0, 0.1, -0.2};    /* 3 x 2 with bias row */
    double yh[4];
    assert_status(hr_linreg_predict(x, 2, 2, w, 2, 1, yh), HR_OK);
    assert_rel(yh[0], 1.0 * 2.0 + 2.385 * 0.5 + 0.1, 1e-15);
    assert_rel(yh[1], 1.0 * -1.0 + 2.385 * 3.0 - 0.2, 1e-15);
    assert_rel(yh[2], -0.5 * 2.0 + 0.25 * 0.5 + 0.1, 1e-15);
    assert_rel(yh[3], -0.5 * -1.0 + 0.25 * 3.0 - 0.2, 1e-15);
    assert_status(hr_linreg_predict(x, 2, 2, w, 2, 0, yh), HR_OK);
    assert_rel(yh[0], 1.0 * 2.0 + 2.385 * 0.5, 1e-15);
}

/* ---- Scores ---------------------------------------------------------------- */

static void test_accuracy(void **state)
{
    const double y[] = {1, 0, 0, 1}, yh[] = {0.73, 0.5, 0.2, 0.49};
    double acc;
    /* decisions 1, 1, 0, 0: right, wrong, right, wrong */
    assert_status(hr_score_accuracy(y, yh, 4, 1, HR_ACC_BINARY, &acc), HR_OK);
    assert_true(acc == 0.5);
    const double ys[] = {1, -1, -1, 1}, yhs[] = {2.385, -0.1, 0.0, 0.3};
    assert_status(hr_score_accuracy(ys, yhs, 4, 1, HR_ACC_SIGN, &acc), HR_OK);
    assert_true(acc == 0.75); /* 0.0 counts as +1: wrong */
    /* One-hot, 3 rows of 3 classes: rows 0 and 2 right. */
    const double yo[] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
    const double yho[] = {0.9, 0.2, -0.1, 0.6, 0.3, 0.1, 0.2, 0.2, 2.385};
    assert_status(hr_score_accuracy(yo, yho, 3, 3, HR_ACC_ARGMAX, &acc), HR_OK);
    assert_rel(acc, 2.0 / 3.0, 1e-15);
}

static void test_mse_nrmse_r2(void **state)
{
    const double y[] = {2.385, 1.0, -0.5, 3.2}, yh[] = {2.1, 1.3, -0.2, 2.9};
    double v;
    /* errors 0.285, -0.3, -0.3, 0.3: MSE = (0.081225 + 3 * 0.09) / 4 */
    assert_status(hr_score_mse(y, yh, 4, &v), HR_OK);
    assert_rel(v, 0.08780625, 1e-14);
    /* std(y) = sqrt(1.98035468...) (population) */
    assert_status(hr_score_nrmse(y, yh, 4, &v), HR_OK);
    assert_rel(v, 0.21056744359194962, 1e-14);
    /* Predicting the mean scores 1. */
    const double mean[] = {1.52125, 1.52125, 1.52125, 1.52125};
    assert_status(hr_score_nrmse(y, mean, 4, &v), HR_OK);
    assert_rel(v, 1.0, 1e-14);
    /* r^2 of an affine map is 1; against a constant it is 0. */
    const double aff[] = {2.385 * 2.385 - 1, 2.385 - 1, -0.5 * 2.385 - 1, 3.2 * 2.385 - 1};
    assert_status(hr_score_r2(y, aff, 4, 1, &v), HR_OK);
    assert_rel(v, 1.0, 1e-14);
    const double c[] = {2.385, 2.385, 2.385, 2.385};
    assert_status(hr_score_r2(y, c, 4, 1, &v), HR_OK);
    assert_true(v == 0.0);
    /* Hand value: a = (1, 2, 3), b = (1, 3, 2): r = 0.5. Stride 2 reads every
     * other entry. */
    const double ab[] = {1, 1, 2, 3, 3, 2};
    assert_status(hr_score_r2(ab, ab + 1, 3, 2, &v), HR_OK);
    assert_rel(v, 0.25, 1e-14);
}

/* ---- Error paths --------------------------------------------------------------- */

static void test_errors(void **state)
{
    const double x[] = {1, 2, 3, 4};
    const double nanx[] = {1, 2, NAN, 4};
    double v, w[4];
    size_t r;

    assert_status(hr_metric_det(NULL, 2, &v, NULL, NULL), HR_EINVAL);
    assert_status(hr_metric_det(x, 0, &v, NULL, NULL), HR_EINVAL);
    assert_non_null(strstr(hr_error_message(), "n = 0"));
    assert_status(hr_metric_det(nanx, 2, &v, NULL, NULL), HR_EINVAL);
    assert_non_null(strstr(hr_error_message(), "x[1][0]"));
    const double infx[] = {1, INFINITY, 3, 4};
    assert_status(hr_metric_det(infx, 2, &v, NULL, NULL), HR_EINVAL);
    /* Entries near DBL_MAX overflow the elimination. */
    const double big[] = {1e308, 1e308, -1e308, 1e308};
    assert_status(hr_metric_det(big, 2, &v, NULL, NULL), HR_ERANGE);

    assert_status(hr_metric_logdet_gram(x, 2, 2, -2.385, &v), HR_EINVAL);
    assert_non_null(strstr(hr_error_message(), "lambda = -2.385"));
    assert_status(hr_metric_logdet_gram(x, 2, 2, NAN, &v), HR_EINVAL);
    assert_status(hr_metric_logdet_gram(x, 2, 2, INFINITY, &v), HR_EINVAL);
    assert_status(hr_metric_logdet_gram(x, 2, 2, 1.0, NULL), HR_EINVAL);
    assert_status(hr_metric_logdet_gram(x, 0, 2, 1.0, &v), HR_EINVAL);

    assert_status(hr_metric_singular_values(x, 2, 2, NULL), HR_EINVAL);
    assert_status(hr_metric_rank(x, 2, 2, -1e-3, &r), HR_EINVAL);
    assert_status(hr_metric_rank(x, 2, 2, NAN, &r), HR_EINVAL);
    assert_status(hr_metric_rank(nanx, 2, 2, 0, &r), HR_EINVAL);
    assert_status(hr_metric_effective_rank(x, 2, 0, &v), HR_EINVAL);
    assert_status(hr_metric_condition(x, 2, 2, NULL), HR_EINVAL);

    assert_status(hr_linreg_lstsq(x, 2, 2, NULL, 1, 0, w, NULL), HR_EINVAL);
    assert_status(hr_linreg_lstsq(x, 2, 2, x, 0, 0, w, NULL), HR_EINVAL);
    assert_status(hr_linreg_lstsq(nanx, 2, 2, x, 1, 0, w, NULL), HR_EINVAL);
    assert_status(hr_linreg_lstsq(x, 2, 2, x, 1, 0, NULL, NULL), HR_EINVAL);
    assert_status(hr_linreg_ridge(x, 2, 2, x, 1, 0, -0.5, w), HR_EINVAL);
    assert_status(hr_linreg_ridge(x, 2, 2, nanx, 2, 0, 0.5, w), HR_EINVAL);
    assert_non_null(strstr(hr_error_message(), "y[1][0]"));
    assert_status(hr_linreg_ridge_select(x, x, 2, x, x, 2, 2, 1, 0, 0.0, 1.0, 5, w, &v, NULL),
                  HR_EINVAL); /* lambda_lo must be > 0 */
    assert_status(hr_linreg_ridge_select(x, x, 2, x, x, 2, 2, 1, 0, 2.0, 1.0, 5, w, &v, NULL),
                  HR_EINVAL); /* lo > hi */
    assert_status(hr_linreg_ridge_select(x, x, 2, x, x, 2, 2, 1, 0, 1.0, 2.0, 1, w, &v, NULL),
                  HR_EINVAL); /* one point, two values */
    assert_status(hr_linreg_ridge_select(x, x, 2, x, x, 2, 2, 1, 0, 1.0, 2.0, 0, w, &v, NULL),
                  HR_EINVAL);
    assert_status(hr_linreg_ridge_select(x, x, 2, nanx, x, 2, 2, 1, 0, 1.0, 2.0, 3, w, &v,
                                         NULL),
                  HR_EINVAL);
    assert_status(hr_linreg_ridge_select(x, x, 2, x, x, 2, 2, 1, 0, 1.0, 2.0, 3, w, NULL,
                                         NULL),
                  HR_EINVAL);
    assert_status(hr_linreg_predict(x, 2, 2, NULL, 1, 0, w), HR_EINVAL);
    assert_status(hr_linreg_predict(x, 2, 2, nanx, 1, 1, w), HR_EINVAL);

    const double y01[] = {1, 0.5}, yh[] = {1, 0};
    assert_status(hr_score_accuracy(y01, yh, 2, 1, HR_ACC_BINARY, &v), HR_EINVAL);
    assert_non_null(strstr(hr_error_message(), "y[1][0] = 0.5"));
    assert_status(hr_score_accuracy(y01, yh, 2, 1, (enum hr_accuracy_kind)7, &v), HR_EINVAL);
    const double tie[] = {1, 1};
    assert_status(hr_score_accuracy(tie, yh, 1, 2, HR_ACC_ARGMAX, &v), HR_EINVAL);
    assert_status(hr_score_accuracy(y01, yh, 2, 1, HR_ACC_SIGN, &v), HR_EINVAL);
    const double c[] = {2.385, 2.385, 2.385};
    assert_status(hr_score_nrmse(c, c, 3, &v), HR_ERANGE);
    assert_status(hr_score_nrmse(c, c, 1, &v), HR_ERANGE);
    assert_status(hr_score_mse(c, NULL, 3, &v), HR_EINVAL);
    assert_status(hr_score_mse(c, nanx, 3, &v), HR_EINVAL);
    assert_status(hr_score_r2(c, c, 1, 1, &v), HR_EINVAL);
    assert_status(hr_score_r2(c, c, 3, 0, &v), HR_EINVAL);
    assert_status(hr_score_r2(c, nanx, 3, 1, &v), HR_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_det_hand),
        cmocka_unit_test(test_det_vs_svd),
        cmocka_unit_test(test_det_tiny_and_huge),
        cmocka_unit_test(test_det_singular),
        cmocka_unit_test(test_logdet_gram),
        cmocka_unit_test(test_singular_values_diag),
        cmocka_unit_test(test_rank_low_rank),
        cmocka_unit_test(test_rank_tolerance),
        cmocka_unit_test(test_effective_rank),
        cmocka_unit_test(test_condition),
        cmocka_unit_test(test_lstsq_exact),
        cmocka_unit_test(test_lstsq_min_norm),
        cmocka_unit_test(test_ridge_hand),
        cmocka_unit_test(test_ridge_closed_form),
        cmocka_unit_test(test_ridge_select),
        cmocka_unit_test(test_predict),
        cmocka_unit_test(test_singular_values_wide),
        cmocka_unit_test(test_accuracy),
        cmocka_unit_test(test_mse_nrmse_r2),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
