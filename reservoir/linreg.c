/* linreg.c — the trained linear readout: least squares w = V S⁺ Uᵀ y and
 * ridge w = V diag(s_i / (s_i^2 + λ)) Uᵀ y, the SVD form of
 * (XᵀX + λI)⁻¹ XᵀY, which lets one decomposition serve a whole λ grid;
 * λ chosen on validation data or by cross-validation; prediction. */
#include "reservoir/linreg.h"
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_permutation.h>
#include <gsl/gsl_vector.h>

#include "base/check.h"
#include "base/status.h"
#include "reservoir/linalg.h"

/* Checks the (x, y) training pair shared by the solvers. */
static int check_xy(const char *fn, const double *x, size_t m, size_t n, const double *y,
                    size_t q, const double *w)
{
    int st;
    if ((st = hr_check_matrix(fn, "x", x, m, n, "m", "n")) ||
        (st = hr_check_matrix(fn, "y", y, m, q, "m", "q")) || (st = hr_check_ptr(fn, "w", w)))
        return st;
    if (n == SIZE_MAX)
        return HR_ERROR(HR_EINVAL, "%s: n = %zu is too large", fn, n);
    return HR_OK;
}

/* w (p x q) = V diag(f) T with T = Uᵀ y (r x q); f_i from the singular
 * values: 1/s_i above the truncation tol for lambda == 0, else
 * s_i / (s_i^2 + lambda). tmp is r x q scratch. */
static int svd_apply(const svd *d, const gsl_matrix *t, double lambda, double tol,
                     gsl_matrix *tmp, gsl_matrix_view *wv)
{
    gsl_matrix_memcpy(tmp, t);
    for (size_t i = 0; i < d->r; i++) {
        double s = gsl_vector_get(d->s, i), f;
        if (lambda > 0)
            f = s / (s * s + lambda);
        else
            f = s > tol ? 1.0 / s : 0.0;
        gsl_vector_view row = gsl_matrix_row(tmp, i);
        gsl_vector_scale(&row.vector, f);
    }
    return gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, d->v, tmp, 0.0, &wv->matrix);
}

int hr_linreg_lstsq(const double *x, size_t m, size_t n, const double *y, size_t q,
                    int bias, double *w, size_t *rank)
{
    static const char fn[] = "hr_linreg_lstsq";
    int st = check_xy(fn, x, m, n, y, q, w);
    if (st)
        return st;
    size_t p = n + (bias ? 1 : 0);
    gsl_matrix *a = gsl_matrix_alloc(m, p);
    if (!a)
        return hr__nomem(fn, m, p);
    for (size_t i = 0; i < m; i++) {
        for (size_t j = 0; j < n; j++)
            gsl_matrix_set(a, i, j, x[i * n + j]);
        if (bias)
            gsl_matrix_set(a, i, n, 1.0);
    }
    svd d;
    if ((st = hr__svd_of(fn, a, &d)))
        return st;
    gsl_matrix *t = gsl_matrix_alloc(d.r, q), *tmp = gsl_matrix_alloc(d.r, q);
    if (!t || !tmp) {
        st = hr__nomem(fn, d.r, q);
        goto done;
    }
    gsl_matrix_const_view yv = gsl_matrix_const_view_array(y, m, q);
    gsl_matrix_view wv = gsl_matrix_view_array(w, p, q);
    double tol = hr__default_rtol(m, p) * gsl_vector_get(d.s, 0);
    int gs = gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, d.u, &yv.matrix, 0.0, t);
    if (gs == GSL_SUCCESS)
        gs = svd_apply(&d, t, 0.0, tol, tmp, &wv);
    if (gs != GSL_SUCCESS) {
        st = HR_ERROR(HR_ERANGE, "%s: BLAS failed (%s)", fn, gsl_strerror(gs));
        goto done;
    }
    if (rank)
        *rank = hr__count_above(d.s, hr__default_rtol(m, p));
done:
    gsl_matrix_free(t);
    gsl_matrix_free(tmp);
    hr__svd_free(&d);
    return st;
}

/* Ridge set-up shared by hr_linreg_ridge and hr_linreg_ridge_select: the
 * SVD of the (centred) training x and T = Uᵀ (centred) y. */
typedef struct ridge_prep {
    size_t n, q;
    int bias;
    double tol;        /* truncation for lambda == 0 */
    svd d;             /* of x - mean(x) (bias) or x */
    gsl_matrix *t;     /* r x q: Uᵀ (y - mean(y)) */
    gsl_matrix *tmp;   /* r x q scratch */
    gsl_vector *xmean; /* n column means of x (bias only) */
    gsl_vector *ymean; /* q column means of y (bias only) */
} ridge_prep;

static void ridge_free(ridge_prep *r)
{
    hr__svd_free(&r->d);
    gsl_matrix_free(r->t);
    gsl_matrix_free(r->tmp);
    gsl_vector_free(r->xmean);
    gsl_vector_free(r->ymean);
}

static int ridge_init(const char *fn, const double *x, size_t m, size_t n, const double *y,
                      size_t q, int bias, ridge_prep *r)
{
    *r = (ridge_prep){.n = n, .q = q, .bias = bias != 0};
    gsl_matrix *a = hr__matrix_copy(x, m, n);
    gsl_matrix *yc = hr__matrix_copy(y, m, q);
    if (bias) {
        r->xmean = gsl_vector_calloc(n);
        r->ymean = gsl_vector_calloc(q);
    }
    if (!a || !yc || (bias && (!r->xmean || !r->ymean))) {
        gsl_matrix_free(a);
        gsl_matrix_free(yc);
        ridge_free(r);
        return hr__nomem(fn, m, n > q ? n : q);
    }
    if (bias) {
        for (size_t j = 0; j < n; j++) {
            gsl_vector_view c = gsl_matrix_column(a, j);
            double mean = 0;
            for (size_t i = 0; i < m; i++)
                mean += gsl_vector_get(&c.vector, i);
            mean /= (double)m;
            gsl_vector_set(r->xmean, j, mean);
            gsl_vector_add_constant(&c.vector, -mean);
        }
        for (size_t k = 0; k < q; k++) {
            gsl_vector_view c = gsl_matrix_column(yc, k);
            double mean = 0;
            for (size_t i = 0; i < m; i++)
                mean += gsl_vector_get(&c.vector, i);
            mean /= (double)m;
            gsl_vector_set(r->ymean, k, mean);
            gsl_vector_add_constant(&c.vector, -mean);
        }
    }
    int st = hr__svd_of(fn, a, &r->d);
    if (st) {
        gsl_matrix_free(yc);
        ridge_free(r);
        return st;
    }
    r->tol = hr__default_rtol(m, n) * gsl_vector_get(r->d.s, 0);
    r->t = gsl_matrix_alloc(r->d.r, q);
    r->tmp = gsl_matrix_alloc(r->d.r, q);
    if (!r->t || !r->tmp) {
        gsl_matrix_free(yc);
        ridge_free(r);
        return hr__nomem(fn, r->d.r, q);
    }
    int gs = gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, r->d.u, yc, 0.0, r->t);
    gsl_matrix_free(yc);
    if (gs != GSL_SUCCESS) {
        ridge_free(r);
        return HR_ERROR(HR_ERANGE, "%s: BLAS failed (%s)", fn, gsl_strerror(gs));
    }
    return HR_OK;
}

/* Weights ((n + bias) x q, row-major) for one lambda. */
static int ridge_weights(const char *fn, ridge_prep *r, double lambda, double *w)
{
    gsl_matrix_view wv = gsl_matrix_view_array(w, r->n, r->q);
    int gs = svd_apply(&r->d, r->t, lambda, r->tol, r->tmp, &wv);
    if (gs != GSL_SUCCESS)
        return HR_ERROR(HR_ERANGE, "%s: BLAS failed (%s)", fn, gsl_strerror(gs));
    if (r->bias) {
        for (size_t k = 0; k < r->q; k++) {
            double b = gsl_vector_get(r->ymean, k);
            for (size_t j = 0; j < r->n; j++)
                b -= gsl_vector_get(r->xmean, j) * w[j * r->q + k];
            w[r->n * r->q + k] = b;
        }
    }
    return HR_OK;
}

int hr_linreg_ridge(const double *x, size_t m, size_t n, const double *y, size_t q,
                    int bias, double lambda, double *w)
{
    static const char fn[] = "hr_linreg_ridge";
    int st;
    if ((st = check_xy(fn, x, m, n, y, q, w)) || (st = hr_check_lambda(fn, "lambda", lambda)))
        return st;
    ridge_prep r;
    if ((st = ridge_init(fn, x, m, n, y, q, bias, &r)))
        return st;
    st = ridge_weights(fn, &r, lambda, w);
    ridge_free(&r);
    return st;
}

/* yhat = x w (+ bias row), no checks. */
static void predict(const double *x, size_t m, size_t n, const double *w, size_t q,
                    int bias, double *yhat)
{
    for (size_t i = 0; i < m; i++)
        for (size_t k = 0; k < q; k++) {
            double s = bias ? w[n * q + k] : 0.0;
            for (size_t j = 0; j < n; j++)
                s += x[i * n + j] * w[j * q + k];
            yhat[i * q + k] = s;
        }
}

int hr_linreg_ridge_select(const double *x_train, const double *y_train, size_t m_train,
                           const double *x_val, const double *y_val, size_t m_val,
                           size_t n, size_t q, int bias, double lambda_lo,
                           double lambda_hi, size_t n_lambda, double *w,
                           double *lambda, double *val_mse)
{
    static const char fn[] = "hr_linreg_ridge_select";
    int st;
    if ((st = hr_check_matrix(fn, "x_train", x_train, m_train, n, "m_train", "n")) ||
        (st = hr_check_matrix(fn, "y_train", y_train, m_train, q, "m_train", "q")) ||
        (st = hr_check_matrix(fn, "x_val", x_val, m_val, n, "m_val", "n")) ||
        (st = hr_check_matrix(fn, "y_val", y_val, m_val, q, "m_val", "q")) ||
        (st = hr_check_ptr(fn, "w", w)) || (st = hr_check_ptr(fn, "lambda", lambda)) ||
        (st = hr_check_size(fn, "n_lambda", n_lambda)))
        return st;
    if (!isfinite(lambda_lo) || !(lambda_lo > 0) || !isfinite(lambda_hi) ||
        !(lambda_hi >= lambda_lo))
        return HR_ERROR(HR_EINVAL,
                        "%s: lambda grid [%g, %g] must satisfy 0 < lambda_lo <= lambda_hi "
                        "< inf",
                        fn, lambda_lo, lambda_hi);
    if (n_lambda == 1 && lambda_hi != lambda_lo)
        return HR_ERROR(HR_EINVAL,
                        "%s: n_lambda = 1 needs lambda_lo == lambda_hi (got %g and %g)", fn,
                        lambda_lo, lambda_hi);
    size_t p = n + (bias ? 1 : 0);
    if (p > SIZE_MAX / sizeof(double) / q || m_val > SIZE_MAX / sizeof(double) / q)
        return HR_ERROR(HR_EINVAL, "%s: sizes too large", fn);
    double *wtry = malloc(p * q * sizeof *wtry);
    double *yhat = malloc(m_val * q * sizeof *yhat);
    if (!wtry || !yhat) {
        free(wtry);
        free(yhat);
        return hr__nomem(fn, m_val > p ? m_val : p, q);
    }
    ridge_prep r;
    if ((st = ridge_init(fn, x_train, m_train, n, y_train, q, bias, &r))) {
        free(wtry);
        free(yhat);
        return st;
    }
    double best_err = INFINITY, best_lambda = lambda_hi;
    int found = 0;
    double llo = log(lambda_lo), lhi = log(lambda_hi);
    /* From the largest lambda down: a strictly smaller error is needed to
     * move to a smaller lambda, so ties keep the larger one. */
    for (size_t k = n_lambda; k-- > 0;) {
        double lam; /* exact end points, log-spaced in between */
        if (k == 0)
            lam = lambda_lo;
        else if (k == n_lambda - 1)
            lam = lambda_hi;
        else
            lam = exp(llo + (lhi - llo) * (double)k / (double)(n_lambda - 1));
        if ((st = ridge_weights(fn, &r, lam, wtry)))
            goto done;
        predict(x_val, m_val, n, wtry, q, bias, yhat);
        double err = 0;
        for (size_t i = 0; i < m_val * q; i++) {
            double e = y_val[i] - yhat[i];
            err += e * e;
        }
        err /= (double)(m_val * q);
        if (!found || err < best_err) {
            found = 1;
            best_err = err;
            best_lambda = lam;
            for (size_t i = 0; i < p * q; i++)
                w[i] = wtry[i];
        }
    }
    if (!isfinite(best_err)) {
        st = HR_ERROR(HR_ERANGE, "%s: validation error is not finite (%g)", fn, best_err);
        goto done;
    }
    *lambda = best_lambda;
    if (val_mse)
        *val_mse = best_err;
done:
    ridge_free(&r);
    free(wtry);
    free(yhat);
    return st;
}

int hr_linreg_ridge_cv(const double *x, const double *y, size_t m, size_t n, size_t q,
                       int bias, size_t folds, int lo_exp, size_t n_lambda, double *w,
                       double *lambda)
{
    static const char fn[] = "hr_linreg_ridge_cv";
    int st;
    if ((st = check_xy(fn, x, m, n, y, q, w)) || (st = hr_check_ptr(fn, "lambda", lambda)) ||
        (st = hr_check_size(fn, "n_lambda", n_lambda)))
        return st;
    if (folds < 2 || folds > m)
        return HR_ERROR(HR_EINVAL, "%s: folds = %zu (allowed: 2 .. m = %zu)", fn, folds, m);
    size_t p = n + (bias ? 1 : 0);
    double *xt = malloc(m * n * sizeof *xt), *yt = malloc(m * q * sizeof *yt);
    double *wt = malloc(p * q * sizeof *wt), *pv = malloc(q * sizeof *pv);
    double *sse = calloc(n_lambda, sizeof *sse);
    if (!xt || !yt || !wt || !pv || !sse) {
        st = hr__nomem(fn, m, n > q ? n : q);
        goto done;
    }
    for (size_t f = 0; f < folds && !st; f++) {
        size_t mt = 0;
        for (size_t i = 0; i < m; i++)
            if (i % folds != f) {
                memcpy(xt + mt * n, x + i * n, n * sizeof *xt);
                memcpy(yt + mt * q, y + i * q, q * sizeof *yt);
                mt++;
            }
        ridge_prep r;
        if ((st = ridge_init(fn, xt, mt, n, yt, q, bias, &r)))
            break;
        for (size_t li = 0; li < n_lambda && !st; li++) {
            if ((st = ridge_weights(fn, &r, pow(10.0, lo_exp + (double)li), wt)))
                break;
            for (size_t i = f; i < m; i += folds) {
                predict(x + i * n, 1, n, wt, q, bias, pv);
                for (size_t k = 0; k < q; k++) {
                    double d = pv[k] - y[i * q + k];
                    sse[li] += d * d;
                }
            }
        }
        ridge_free(&r);
    }
    if (!st) {
        double best = INFINITY, best_lambda = pow(10.0, lo_exp);
        for (size_t li = 0; li < n_lambda; li++)
            if (sse[li] < best) {
                best = sse[li];
                best_lambda = pow(10.0, lo_exp + (double)li);
            }
        *lambda = best_lambda;
        st = hr_linreg_ridge(x, m, n, y, q, bias, best_lambda, w);
    }
done:
    free(xt);
    free(yt);
    free(wt);
    free(pv);
    free(sse);
    return st;
}

int hr_linreg_predict(const double *x, size_t m, size_t n, const double *w, size_t q,
                      int bias, double *yhat)
{
    static const char fn[] = "hr_linreg_predict";
    int st;
    if ((st = hr_check_matrix(fn, "x", x, m, n, "m", "n")) || (st = hr_check_size(fn, "q", q)) ||
        (st = hr_check_ptr(fn, "yhat", yhat)))
        return st;
    if (n == SIZE_MAX)
        return HR_ERROR(HR_EINVAL, "%s: n = %zu is too large", fn, n);
    if ((st = hr_check_matrix(fn, "w", w, n + (bias ? 1 : 0), q, "n + bias", "q")))
        return st;
    predict(x, m, n, w, q, bias, yhat);
    return HR_OK;
}

