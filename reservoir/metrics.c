/* metrics.c — separability measures, linear readout training and scores.
 *
 * Determinants use GSL's LU decomposition with partial pivoting, P X = L U
 * with unit lower-triangular L, so det X = sign(P) prod u_ii. The product
 * is accumulated as a mantissa in [0.5, 1) and a binary exponent (frexp),
 * which neither underflows nor overflows for any n.
 *
 * Everything built on singular values uses GSL's one-sided Jacobi SVD
 * (X = U S Vᵀ, thin: U m x r, V n x r, r = min(m, n)); for m < n it is
 * applied to Xᵀ = U' S V'ᵀ, so U = V' and V = U'. Least squares is
 * w = V S⁺ Uᵀ y; ridge is w = V diag(s_i / (s_i^2 + λ)) Uᵀ y, the SVD form
 * of (XᵀX + λI)⁻¹ XᵀY, which lets one decomposition serve a whole λ grid. */
#include "reservoir/metrics.h"

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

#include "base/status.h"

/* ---- Argument checks ---------------------------------------------------- */

static int check_ptr(const char *fn, const char *arg, const void *p)
{
    if (!p)
        return HR_ERROR(HR_EINVAL, "%s: %s is NULL (must point to caller memory)", fn, arg);
    return HR_OK;
}

static int check_size(const char *fn, const char *arg, size_t v)
{
    if (v < 1)
        return HR_ERROR(HR_EINVAL, "%s: %s = 0 must be >= 1", fn, arg);
    return HR_OK;
}

/* Checks an m x n row-major matrix argument: pointer, sizes, overflow of
 * m * n, and that every entry is finite. */
static int check_matrix(const char *fn, const char *arg, const double *a, size_t m,
                        size_t n, const char *mname, const char *nname)
{
    int st;
    if ((st = check_ptr(fn, arg, a)) || (st = check_size(fn, mname, m)) ||
        (st = check_size(fn, nname, n)))
        return st;
    if (m > SIZE_MAX / sizeof(double) / n)
        return HR_ERROR(HR_EINVAL, "%s: %s x %s = %zu x %zu is too large", fn, mname,
                        nname, m, n);
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++)
            if (!isfinite(a[i * n + j]))
                return HR_ERROR(HR_EINVAL, "%s: %s[%zu][%zu] = %g must be finite", fn,
                                arg, i, j, a[i * n + j]);
    return HR_OK;
}

static int check_lambda(const char *fn, const char *arg, double lambda)
{
    if (!isfinite(lambda) || lambda < 0)
        return HR_ERROR(HR_EINVAL, "%s: %s = %g must be finite and >= 0", fn, arg, lambda);
    return HR_OK;
}

static int nomem(const char *fn, size_t m, size_t n)
{
    return HR_ERROR(HR_ENOMEM, "%s: cannot allocate a %zu x %zu workspace", fn, m, n);
}

/* A gsl_matrix copy of the row-major m x n array a (NULL if out of memory). */
static gsl_matrix *matrix_copy(const double *a, size_t m, size_t n)
{
    gsl_matrix *g = gsl_matrix_alloc(m, n);
    if (!g)
        return NULL;
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++)
            gsl_matrix_set(g, i, j, a[i * n + j]);
    return g;
}

/* ---- Thin SVD of any shape ---------------------------------------------- */

typedef struct svd {
    size_t m, p, r; /* rows, columns, r = min(m, p) */
    gsl_matrix *u;  /* m x r left singular vectors */
    gsl_vector *s;  /* r singular values, descending */
    gsl_matrix *v;  /* p x r right singular vectors */
} svd;

static void svd_free(svd *d)
{
    gsl_matrix_free(d->u);
    gsl_vector_free(d->s);
    gsl_matrix_free(d->v);
    d->u = d->v = NULL;
    d->s = NULL;
}

/* Decomposes a (m x p; always consumed: kept as U or freed). */
static int svd_of(const char *fn, gsl_matrix *a, svd *d)
{
    size_t m = a->size1, p = a->size2;
    d->m = m;
    d->p = p;
    d->r = m < p ? m : p;
    d->u = d->v = NULL;
    d->s = gsl_vector_alloc(d->r);
    gsl_matrix *work = a, *q = NULL;
    if (m < p) {
        work = gsl_matrix_alloc(p, m);
        if (work)
            gsl_matrix_transpose_memcpy(work, a);
        gsl_matrix_free(a);
    }
    q = gsl_matrix_alloc(d->r, d->r);
    if (!d->s || !work || !q) {
        gsl_vector_free(d->s);
        d->s = NULL;
        gsl_matrix_free(work);
        gsl_matrix_free(q);
        return nomem(fn, m, p);
    }
    int gs = gsl_linalg_SV_decomp_jacobi(work, q, d->s);
    if (gs != GSL_SUCCESS) {
        gsl_vector_free(d->s);
        d->s = NULL;
        gsl_matrix_free(work);
        gsl_matrix_free(q);
        return HR_ERROR(HR_ERANGE, "%s: SVD of the %zu x %zu matrix failed (%s)", fn, m, p,
                        gsl_strerror(gs));
    }
    if (m >= p) {
        d->u = work;
        d->v = q;
    } else {
        d->u = q;
        d->v = work;
    }
    /* Jacobi sorts descending already; make sure, permuting vectors alike. */
    for (size_t i = 0; i < d->r; i++) {
        size_t best = i;
        for (size_t k = i + 1; k < d->r; k++)
            if (gsl_vector_get(d->s, k) > gsl_vector_get(d->s, best))
                best = k;
        if (best != i) {
            gsl_vector_swap_elements(d->s, i, best);
            gsl_matrix_swap_columns(d->u, i, best);
            gsl_matrix_swap_columns(d->v, i, best);
        }
    }
    return HR_OK;
}

/* Singular values only, into a freshly allocated vector (*s). */
static int singular_values(const char *fn, const double *x, size_t m, size_t n,
                           gsl_vector **s)
{
    *s = NULL;
    gsl_matrix *a = matrix_copy(x, m, n);
    if (!a)
        return nomem(fn, m, n);
    svd d;
    int st = svd_of(fn, a, &d);
    if (st)
        return st;
    *s = d.s;
    d.s = NULL;
    svd_free(&d);
    return HR_OK;
}

/* Number of singular values > rtol * s_max (s descending). */
static size_t count_above(const gsl_vector *s, double rtol)
{
    double smax = s->size ? gsl_vector_get(s, 0) : 0;
    size_t r = 0;
    if (!(smax > 0))
        return 0;
    for (size_t i = 0; i < s->size; i++)
        if (gsl_vector_get(s, i) > rtol * smax)
            r++;
    return r;
}

static double default_rtol(size_t m, size_t n)
{
    return (double)(m > n ? m : n) * DBL_EPSILON;
}

/* ---- Separability --------------------------------------------------------- */

int hr_metric_det(const double *x, size_t n, double *det_abs, double *log_det_abs,
                  int *sign)
{
    static const char fn[] = "hr_metric_det";
    int st = check_matrix(fn, "x", x, n, n, "n", "n");
    if (st)
        return st;
    gsl_matrix *a = matrix_copy(x, n, n);
    gsl_permutation *p = gsl_permutation_alloc(n);
    if (!a || !p) {
        gsl_matrix_free(a);
        gsl_permutation_free(p);
        return nomem(fn, n, n);
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
    if ((st = check_matrix(fn, "x", x, m, n, "m", "n")) ||
        (st = check_lambda(fn, "lambda", lambda)) || (st = check_ptr(fn, "logdet", logdet)))
        return st;
    gsl_matrix_const_view xv = gsl_matrix_const_view_array(x, m, n);
    gsl_matrix *g = gsl_matrix_alloc(n, n);
    if (!g)
        return nomem(fn, n, n);
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
    if ((st = check_matrix(fn, "x", x, m, n, "m", "n")) || (st = check_ptr(fn, "s", s)))
        return st;
    gsl_vector *sv;
    if ((st = singular_values(fn, x, m, n, &sv)))
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
    if ((st = check_matrix(fn, "x", x, m, n, "m", "n")) ||
        (st = check_ptr(fn, "rank", rank)))
        return st;
    if (!isfinite(rtol) || rtol < 0)
        return HR_ERROR(HR_EINVAL,
                        "%s: rtol = %g must be finite and >= 0 (0 selects the default "
                        "max(m, n) * DBL_EPSILON)",
                        fn, rtol);
    if (rtol == 0)
        rtol = default_rtol(m, n);
    gsl_vector *sv;
    if ((st = singular_values(fn, x, m, n, &sv)))
        return st;
    *rank = count_above(sv, rtol);
    gsl_vector_free(sv);
    return HR_OK;
}

int hr_metric_effective_rank(const double *x, size_t m, size_t n, double *erank)
{
    static const char fn[] = "hr_metric_effective_rank";
    int st;
    if ((st = check_matrix(fn, "x", x, m, n, "m", "n")) ||
        (st = check_ptr(fn, "erank", erank)))
        return st;
    gsl_vector *sv;
    if ((st = singular_values(fn, x, m, n, &sv)))
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
    if ((st = check_matrix(fn, "x", x, m, n, "m", "n")) || (st = check_ptr(fn, "cond", cond)))
        return st;
    gsl_vector *sv;
    if ((st = singular_values(fn, x, m, n, &sv)))
        return st;
    double smax = gsl_vector_get(sv, 0), smin = gsl_vector_get(sv, sv->size - 1);
    *cond = smin > 0 ? smax / smin : INFINITY;
    gsl_vector_free(sv);
    return HR_OK;
}

/* ---- Linear readout --------------------------------------------------------- */

/* Checks the (x, y) training pair shared by the solvers. */
static int check_xy(const char *fn, const double *x, size_t m, size_t n, const double *y,
                    size_t q, const double *w)
{
    int st;
    if ((st = check_matrix(fn, "x", x, m, n, "m", "n")) ||
        (st = check_matrix(fn, "y", y, m, q, "m", "q")) || (st = check_ptr(fn, "w", w)))
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
        return nomem(fn, m, p);
    for (size_t i = 0; i < m; i++) {
        for (size_t j = 0; j < n; j++)
            gsl_matrix_set(a, i, j, x[i * n + j]);
        if (bias)
            gsl_matrix_set(a, i, n, 1.0);
    }
    svd d;
    if ((st = svd_of(fn, a, &d)))
        return st;
    gsl_matrix *t = gsl_matrix_alloc(d.r, q), *tmp = gsl_matrix_alloc(d.r, q);
    if (!t || !tmp) {
        st = nomem(fn, d.r, q);
        goto done;
    }
    gsl_matrix_const_view yv = gsl_matrix_const_view_array(y, m, q);
    gsl_matrix_view wv = gsl_matrix_view_array(w, p, q);
    double tol = default_rtol(m, p) * gsl_vector_get(d.s, 0);
    int gs = gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, d.u, &yv.matrix, 0.0, t);
    if (gs == GSL_SUCCESS)
        gs = svd_apply(&d, t, 0.0, tol, tmp, &wv);
    if (gs != GSL_SUCCESS) {
        st = HR_ERROR(HR_ERANGE, "%s: BLAS failed (%s)", fn, gsl_strerror(gs));
        goto done;
    }
    if (rank)
        *rank = count_above(d.s, default_rtol(m, p));
done:
    gsl_matrix_free(t);
    gsl_matrix_free(tmp);
    svd_free(&d);
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
    svd_free(&r->d);
    gsl_matrix_free(r->t);
    gsl_matrix_free(r->tmp);
    gsl_vector_free(r->xmean);
    gsl_vector_free(r->ymean);
}

static int ridge_init(const char *fn, const double *x, size_t m, size_t n, const double *y,
                      size_t q, int bias, ridge_prep *r)
{
    *r = (ridge_prep){.n = n, .q = q, .bias = bias != 0};
    gsl_matrix *a = matrix_copy(x, m, n);
    gsl_matrix *yc = matrix_copy(y, m, q);
    if (bias) {
        r->xmean = gsl_vector_calloc(n);
        r->ymean = gsl_vector_calloc(q);
    }
    if (!a || !yc || (bias && (!r->xmean || !r->ymean))) {
        gsl_matrix_free(a);
        gsl_matrix_free(yc);
        ridge_free(r);
        return nomem(fn, m, n > q ? n : q);
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
    int st = svd_of(fn, a, &r->d);
    if (st) {
        gsl_matrix_free(yc);
        ridge_free(r);
        return st;
    }
    r->tol = default_rtol(m, n) * gsl_vector_get(r->d.s, 0);
    r->t = gsl_matrix_alloc(r->d.r, q);
    r->tmp = gsl_matrix_alloc(r->d.r, q);
    if (!r->t || !r->tmp) {
        gsl_matrix_free(yc);
        ridge_free(r);
        return nomem(fn, r->d.r, q);
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
    if ((st = check_xy(fn, x, m, n, y, q, w)) || (st = check_lambda(fn, "lambda", lambda)))
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
    if ((st = check_matrix(fn, "x_train", x_train, m_train, n, "m_train", "n")) ||
        (st = check_matrix(fn, "y_train", y_train, m_train, q, "m_train", "q")) ||
        (st = check_matrix(fn, "x_val", x_val, m_val, n, "m_val", "n")) ||
        (st = check_matrix(fn, "y_val", y_val, m_val, q, "m_val", "q")) ||
        (st = check_ptr(fn, "w", w)) || (st = check_ptr(fn, "lambda", lambda)) ||
        (st = check_size(fn, "n_lambda", n_lambda)))
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
        return nomem(fn, m_val > p ? m_val : p, q);
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

int hr_linreg_predict(const double *x, size_t m, size_t n, const double *w, size_t q,
                      int bias, double *yhat)
{
    static const char fn[] = "hr_linreg_predict";
    int st;
    if ((st = check_matrix(fn, "x", x, m, n, "m", "n")) || (st = check_size(fn, "q", q)) ||
        (st = check_ptr(fn, "yhat", yhat)))
        return st;
    if (n == SIZE_MAX)
        return HR_ERROR(HR_EINVAL, "%s: n = %zu is too large", fn, n);
    if ((st = check_matrix(fn, "w", w, n + (bias ? 1 : 0), q, "n + bias", "q")))
        return st;
    predict(x, m, n, w, q, bias, yhat);
    return HR_OK;
}

/* ---- Scores ----------------------------------------------------------------- */

static int check_pair(const char *fn, const double *y, const double *yhat, size_t m,
                      size_t q, const char *mname, const char *qname)
{
    int st;
    if ((st = check_matrix(fn, "y", y, m, q, mname, qname)) ||
        (st = check_matrix(fn, "yhat", yhat, m, q, mname, qname)))
        return st;
    return HR_OK;
}

int hr_score_accuracy(const double *y, const double *yhat, size_t m, size_t q,
                      enum hr_accuracy_kind kind, double *acc)
{
    static const char fn[] = "hr_score_accuracy";
    int st;
    if ((st = check_pair(fn, y, yhat, m, q, "m", "q")) || (st = check_ptr(fn, "acc", acc)))
        return st;
    size_t right = 0, total;
    switch (kind) {
    case HR_ACC_BINARY:
    case HR_ACC_SIGN: {
        double lo = kind == HR_ACC_BINARY ? 0.0 : -1.0, hi = 1.0;
        double thr = kind == HR_ACC_BINARY ? 0.5 : 0.0;
        total = m * q;
        for (size_t i = 0; i < total; i++) {
            if (y[i] != lo && y[i] != hi)
                return HR_ERROR(HR_EINVAL, "%s: target y[%zu][%zu] = %g must be %g or %g",
                                fn, i / q, i % q, y[i], lo, hi);
            int want = y[i] == hi, got = yhat[i] >= thr;
            right += want == got;
        }
        break;
    }
    case HR_ACC_ARGMAX:
        total = m;
        for (size_t i = 0; i < m; i++) {
            size_t ty = 0, ty2 = 0, tp = 0;
            for (size_t k = 1; k < q; k++) {
                if (y[i * q + k] > y[i * q + ty])
                    ty = k;
                if (yhat[i * q + k] > yhat[i * q + tp])
                    tp = k;
            }
            /* a unique target maximum: no other entry equals it */
            for (size_t k = 0; k < q; k++)
                if (k != ty && y[i * q + k] == y[i * q + ty])
                    ty2 = 1;
            if (ty2 || q < 2)
                return HR_ERROR(HR_EINVAL,
                                "%s: target row %zu has no unique maximum (argmax accuracy "
                                "needs one-hot rows with q >= 2; q = %zu)",
                                fn, i, q);
            right += ty == tp;
        }
        break;
    default:
        return HR_ERROR(HR_EINVAL, "%s: kind = %d must be HR_ACC_BINARY (0), HR_ACC_SIGN (1) "
                                   "or HR_ACC_ARGMAX (2)",
                        fn, (int)kind);
    }
    *acc = (double)right / (double)total;
    return HR_OK;
}

int hr_score_mse(const double *y, const double *yhat, size_t count, double *mse)
{
    static const char fn[] = "hr_score_mse";
    int st;
    if ((st = check_pair(fn, y, yhat, count, 1, "count", "1")) ||
        (st = check_ptr(fn, "mse", mse)))
        return st;
    double s = 0;
    for (size_t i = 0; i < count; i++) {
        double e = y[i] - yhat[i];
        s += e * e;
    }
    *mse = s / (double)count;
    return HR_OK;
}

int hr_score_nrmse(const double *y, const double *yhat, size_t count, double *nrmse)
{
    static const char fn[] = "hr_score_nrmse";
    int st;
    if ((st = check_pair(fn, y, yhat, count, 1, "count", "1")) ||
        (st = check_ptr(fn, "nrmse", nrmse)))
        return st;
    if (count < 2)
        return HR_ERROR(HR_ERANGE, "%s: count = %zu must be >= 2 (std of one target is 0)",
                        fn, count);
    double mean = 0, var = 0, se = 0;
    for (size_t i = 0; i < count; i++)
        mean += y[i];
    mean /= (double)count;
    for (size_t i = 0; i < count; i++) {
        double d = y[i] - mean, e = y[i] - yhat[i];
        var += d * d;
        se += e * e;
    }
    var /= (double)count;
    if (!(var > 0))
        return HR_ERROR(HR_ERANGE,
                        "%s: the %zu targets are constant (std = 0); NRMSE is undefined",
                        fn, count);
    *nrmse = sqrt(se / (double)count) / sqrt(var);
    return HR_OK;
}

int hr_score_r2(const double *a, const double *b, size_t count, size_t stride, double *r2)
{
    static const char fn[] = "hr_score_r2";
    int st;
    if ((st = check_ptr(fn, "a", a)) || (st = check_ptr(fn, "b", b)) ||
        (st = check_ptr(fn, "r2", r2)) || (st = check_size(fn, "stride", stride)))
        return st;
    if (count < 2)
        return HR_ERROR(HR_EINVAL, "%s: count = %zu must be >= 2", fn, count);
    if (count - 1 > (SIZE_MAX / sizeof(double) - 1) / stride)
        return HR_ERROR(HR_EINVAL, "%s: count * stride too large", fn);
    double ma = 0, mb = 0;
    for (size_t k = 0; k < count; k++) {
        double u = a[k * stride], v = b[k * stride];
        if (!isfinite(u) || !isfinite(v))
            return HR_ERROR(HR_EINVAL, "%s: a[%zu] = %g, b[%zu] = %g must be finite", fn,
                            k * stride, u, k * stride, v);
        ma += u;
        mb += v;
    }
    ma /= (double)count;
    mb /= (double)count;
    double saa = 0, sbb = 0, sab = 0;
    for (size_t k = 0; k < count; k++) {
        double u = a[k * stride] - ma, v = b[k * stride] - mb;
        saa += u * u;
        sbb += v * v;
        sab += u * v;
    }
    if (!(saa > 0) || !(sbb > 0)) {
        *r2 = 0.0;
        return HR_OK;
    }
    double r = sab / sqrt(saa * sbb);
    *r2 = r * r > 1.0 ? 1.0 : r * r;
    return HR_OK;
}
