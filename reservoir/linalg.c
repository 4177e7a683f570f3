/* linalg.c — the thin SVD of any shape (GSL's Golub-Reinsch) and the
 * small matrix helpers the separability measures and the linear readout
 * share. */
#include "reservoir/linalg.h"
#include "base/status.h"

#include <float.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>

int hr__nomem(const char *fn, size_t m, size_t n)
{
    return HR_ERROR(HR_ENOMEM, "%s: cannot allocate a %zu x %zu workspace", fn, m, n);
}

/* A gsl_matrix copy of the row-major m x n array a (NULL if out of memory). */
gsl_matrix *hr__matrix_copy(const double *a, size_t m, size_t n)
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

void hr__svd_free(svd *d)
{
    gsl_matrix_free(d->u);
    gsl_vector_free(d->s);
    gsl_matrix_free(d->v);
    d->u = d->v = NULL;
    d->s = NULL;
}

/* Decomposes a (m x p; always consumed: kept as U or freed). */
int hr__svd_of(const char *fn, gsl_matrix *a, svd *d)
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
    /* Golub-Reinsch after a QR step (GSL's SV_decomp_mod, for tall matrices):
     * backward stable, |ds| <= c eps s_max. Not GSL's one-sided Jacobi, which
     * this used until 2026-12-03: beyond about 250 columns (an ESN's or an
     * LRU's readout) it returned singular values 10-100% off with
     * GSL_SUCCESS, and took 5x longer (1000 x 500: 8.0 s against 1.6 s;
     * tests/test_metrics.c, test_singular_values_wide). */
    gsl_matrix *xw = gsl_matrix_alloc(d->r, d->r);
    gsl_vector *vw = gsl_vector_alloc(d->r);
    if (!d->s || !work || !q || !xw || !vw) {
        gsl_vector_free(d->s);
        d->s = NULL;
        gsl_matrix_free(work);
        gsl_matrix_free(q);
        gsl_matrix_free(xw);
        gsl_vector_free(vw);
        return hr__nomem(fn, m, p);
    }
    int gs = gsl_linalg_SV_decomp_mod(work, xw, q, d->s, vw);
    gsl_matrix_free(xw);
    gsl_vector_free(vw);
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
    /* GSL sorts descending already; make sure, permuting vectors alike. */
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
int hr__singular_values(const char *fn, const double *x, size_t m, size_t n,
                           gsl_vector **s)
{
    *s = NULL;
    gsl_matrix *a = hr__matrix_copy(x, m, n);
    if (!a)
        return hr__nomem(fn, m, n);
    svd d;
    int st = hr__svd_of(fn, a, &d);
    if (st)
        return st;
    *s = d.s;
    d.s = NULL;
    hr__svd_free(&d);
    return HR_OK;
}

/* Number of singular values > rtol * s_max (s descending). */
size_t hr__count_above(const gsl_vector *s, double rtol)
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

double hr__default_rtol(size_t m, size_t n)
{
    return (double)(m > n ? m : n) * DBL_EPSILON;
}

