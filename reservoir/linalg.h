/* linalg.h — internal to reservoir/: the thin SVD of any shape and the
 * helpers separability.c and linreg.c share (X = U S Vᵀ, thin: U m x r,
 * V p x r, r = min(m, p); for m < p it is applied to Xᵀ). Not a public API. */
#ifndef HR_LINALG_H
#define HR_LINALG_H

#include <stddef.h>

#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

typedef struct svd {
    size_t m, p, r; /* rows, columns, r = min(m, p) */
    gsl_matrix *u;  /* m x r left singular vectors */
    gsl_vector *s;  /* r singular values, descending */
    gsl_matrix *v;  /* p x r right singular vectors */
} svd;

/* HR_ENOMEM naming fn and an m x n workspace. */
int hr__nomem(const char *fn, size_t m, size_t n);

/* A gsl_matrix copy of the row-major m x n array a (NULL if out of memory). */
gsl_matrix *hr__matrix_copy(const double *a, size_t m, size_t n);

/* Frees the decomposition's parts (safe on a failed or freed one). */
void hr__svd_free(svd *d);

/* Decomposes a (m x p; always consumed: kept as U or freed), singular values
 * sorted descending with their vectors. */
int hr__svd_of(const char *fn, gsl_matrix *a, svd *d);

/* Singular values only, into a freshly allocated vector (*s). */
int hr__singular_values(const char *fn, const double *x, size_t m, size_t n, gsl_vector **s);

/* Number of singular values > rtol * s_max (s descending). */
size_t hr__count_above(const gsl_vector *s, double rtol);

/* max(m, n) * DBL_EPSILON (numpy's matrix_rank default). */
double hr__default_rtol(size_t m, size_t n);

#endif
