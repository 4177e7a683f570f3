/* separability.c — what a readout matrix is worth: |det X|, log|det X|,
 * log det(XᵀX + λI), singular values, numerical and effective rank,
 * condition number.
 *
 * Determinants use GSL's LU decomposition with partial pivoting, P X = L U
 * with unit lower-triangular L, so det X = sign(P) prod u_ii. The product
 * is accumulated as a mantissa in [0.5, 1) and a binary exponent (frexp),
 * which neither underflows nor overflows for any n. Everything built on
 * singular values uses the thin SVD of linalg.h (Golub-Reinsch). */
#include "reservoir/separability.h"
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_permutation.h>
#include <gsl/gsl_vector.h>

#include "base/check.h"
#include "base/status.h"
#include "reservoir/linalg.h"

/* ---- Separability --------------------------------------------------------- */

int hr_metric_det(const double *x, size_t n, double *det_abs, double *log_det_abs,
                  int *sign)
{
    static const char fn[] = "hr_metric_det";
    int st = hr_check_matrix(fn, "x", x, n, n, "n", "n");
    if (st)
        return st;
    gsl_matrix *a = hr__matrix_copy(x, n, n);
    gsl_permutation *p = gsl_permutation_alloc(n);
    if (!a || !p) {
        gsl_matrix_free(a);
        gsl_permutation_free(p);
        return hr__nomem(fn, n, n);
    }
    int signum = 0;
    int gs = gsl_linalg_LU_decomp(a, p, &signum);
    if (gs != GSL_SUCCESS) {
        st = HR_ERROR(HR_ERANGE, "%s: LU decomposition of the %zu x %zu matrix failed (%s)",
                      fn, n, n, gsl_strerror(gs));
        goto done;
    }
    double mant = 1.0; /* |det| = mant * 2^expo, mant in [0.5, 1) */
    long expo = 0;
    int sgn = signum, singular = 0;
    for (size_t i = 0; i < n; i++) {
        double u = gsl_matrix_get(a, i, i);
        if (!isfinite(u)) {
            st = HR_ERROR(HR_ERANGE,
                          "%s: LU pivot u[%zu][%zu] = %g overflowed (entries too large "
                          "for double precision elimination)",
                          fn, i, i, u);
            goto done;
        }
        if (u == 0) {
            singular = 1;
            break;
        }
        if (u < 0)
            sgn = -sgn;
        int e;
        double f = frexp(fabs(u), &e); /* |u| = f 2^e, f in [0.5, 1) */
        expo += e;
        mant = frexp(mant * f, &e); /* renormalise the running product */
        expo += e;
    }
    if (singular) {
        if (det_abs)
            *det_abs = 0.0;
        if (log_det_abs)
            *log_det_abs = -INFINITY;
        if (sign)
            *sign = 0;
    } else {
        if (det_abs) {
            long ec = expo > INT_MAX / 2 ? INT_MAX / 2 : expo < INT_MIN / 2 ? INT_MIN / 2 : expo;
            *det_abs = ldexp(mant, (int)ec);
        }
        if (log_det_abs)
            *log_det_abs = log(mant) + (double)expo * M_LN2;
        if (sign)
            *sign = sgn;
    }
done:
    gsl_matrix_free(a);
    gsl_permutation_free(p);
    return st;
}

int hr_metric_logdet_gram(const double *x, size_t m, size_t n, double lambda,
                          double *logdet)
{
    static const char fn[] = "hr_metric_logdet_gram";
    int st;
    if ((st = hr_check_matrix(fn, "x", x, m, n, "m", "n")) ||
        (st = hr_check_lambda(fn, "lambda", lambda)) || (st = hr_check_ptr(fn, "logdet", logdet)))
        return st;
    gsl_matrix_const_view xv = gsl_matrix_const_view_array(x, m, n);
    gsl_matrix *g = gsl_matrix_alloc(n, n);
    if (!g)
        return hr__nomem(fn, n, n);
    int gs = gsl_blas_dsyrk(CblasLower, CblasTrans, 1.0, &xv.matrix, 0.0, g);
    if (gs != GSL_SUCCESS) {
        gsl_matrix_free(g);
        return HR_ERROR(HR_ERANGE, "%s: forming XᵀX failed (%s)", fn, gsl_strerror(gs));
    }
    for (size_t i = 0; i < n; i++) {
        gsl_matrix_set(g, i, i, gsl_matrix_get(g, i, i) + lambda);
        for (size_t j = 0; j <= i; j++)
            if (!isfinite(gsl_matrix_get(g, i, j))) {
                gsl_matrix_free(g);
                return HR_ERROR(HR_ERANGE,
                                "%s: XᵀX + λI overflowed at [%zu][%zu] (entries of x "
                                "too large)",
                                fn, i, j);
            }
    }
    gs = gsl_linalg_cholesky_decomp1(g);
    if (gs == GSL_EDOM) {
        *logdet = -INFINITY; /* not numerically positive definite */
    } else if (gs != GSL_SUCCESS) {
        gsl_matrix_free(g);
        return HR_ERROR(HR_ERANGE, "%s: Cholesky decomposition failed (%s)", fn,
                        gsl_strerror(gs));
    } else {
        double sum = 0;
        for (size_t i = 0; i < n; i++)
            sum += log(gsl_matrix_get(g, i, i));
        *logdet = 2.0 * sum;
    }
    gsl_matrix_free(g);
    return HR_OK;
}

int hr_metric_singular_values(const double *x, size_t m, size_t n, double *s)
{
    static const char fn[] = "hr_metric_singular_values";
    int st;
    if ((st = hr_check_matrix(fn, "x", x, m, n, "m", "n")) || (st = hr_check_ptr(fn, "s", s)))
        return st;
    gsl_vector *sv;
    if ((st = hr__singular_values(fn, x, m, n, &sv)))
        return st;
    for (size_t i = 0; i < sv->size; i++)
        s[i] = gsl_vector_get(sv, i);
    gsl_vector_free(sv);
    return HR_OK;
}

int hr_metric_rank(const double *x, size_t m, size_t n, double rtol, size_t *rank)
{
    static const char fn[] = "hr_metric_rank";
    int st;
    if ((st = hr_check_matrix(fn, "x", x, m, n, "m", "n")) ||
        (st = hr_check_ptr(fn, "rank", rank)))
        return st;
    if (!isfinite(rtol) || rtol < 0)
        return HR_ERROR(HR_EINVAL,
                        "%s: rtol = %g must be finite and >= 0 (0 selects the default "
                        "max(m, n) * DBL_EPSILON)",
                        fn, rtol);
    if (rtol == 0)
        rtol = hr__default_rtol(m, n);
    gsl_vector *sv;
    if ((st = hr__singular_values(fn, x, m, n, &sv)))
        return st;
    *rank = hr__count_above(sv, rtol);
    gsl_vector_free(sv);
    return HR_OK;
}

int hr_metric_effective_rank(const double *x, size_t m, size_t n, double *erank)
{
    static const char fn[] = "hr_metric_effective_rank";
    int st;
    if ((st = hr_check_matrix(fn, "x", x, m, n, "m", "n")) ||
        (st = hr_check_ptr(fn, "erank", erank)))
        return st;
    gsl_vector *sv;
    if ((st = hr__singular_values(fn, x, m, n, &sv)))
        return st;
    double total = 0;
    for (size_t i = 0; i < sv->size; i++)
        total += gsl_vector_get(sv, i);
    if (!(total > 0)) {
        *erank = 0.0;
    } else {
        double h = 0;
        for (size_t i = 0; i < sv->size; i++) {
            double p = gsl_vector_get(sv, i) / total;
            if (p > 0)
                h -= p * log(p);
        }
        *erank = exp(h);
    }
    gsl_vector_free(sv);
    return HR_OK;
}

int hr_metric_condition(const double *x, size_t m, size_t n, double *cond)
{
    static const char fn[] = "hr_metric_condition";
    int st;
    if ((st = hr_check_matrix(fn, "x", x, m, n, "m", "n")) || (st = hr_check_ptr(fn, "cond", cond)))
        return st;
    gsl_vector *sv;
    if ((st = hr__singular_values(fn, x, m, n, &sv)))
        return st;
    double smax = gsl_vector_get(sv, 0), smin = gsl_vector_get(sv, sv->size - 1);
    *cond = smin > 0 ? smax / smin : INFINITY;
    gsl_vector_free(sv);
    return HR_OK;
}

/* ---- Linear readout --------------------------------------------------------- */

