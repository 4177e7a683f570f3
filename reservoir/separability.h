/* separability.h — separability measures of a readout matrix X.
 *
 * Conventions shared by every function here:
 * - Matrices are row-major arrays of doubles with explicit sizes: X is m x n
 *   (m rows = samples, n columns = features), element (i, j) at x[i*n + j].
 *   Targets Y and predictions are m x q (q outputs per sample).
 * - Inputs are read only; outputs are caller-allocated and written only on
 *   success (except where a contract says otherwise).
 * - Every size must be >= 1, every pointer non-NULL (unless a contract says
 *   it may be NULL) and every input entry finite; otherwise HR_EINVAL with a
 *   message naming the function, the argument (and the first bad entry) and
 *   the allowed range. HR_ENOMEM if workspace cannot be allocated.
 * - Pure computation: no I/O and no shared state (apart from the calling
 *   thread's error record), so any function may run on several threads. */
#ifndef HR_SEPARABILITY_H
#define HR_SEPARABILITY_H

#include <stddef.h>

/* ---- Separability ------------------------------------------------------ */

/* Determinant of the square n x n matrix x by LU decomposition with partial
 * pivoting (GSL): |det| = prod |u_ii|, log|det| = sum log|u_ii|.
 * The product is accumulated as mantissa and binary exponent, so log|det|
 * is finite and accurate even when |det| is far outside the double range
 * (an 8 x 8 matrix with |det| ~ 1e-300 or 1e-400 still gets its log);
 * *det_abs then underflows to a subnormal or 0 (or overflows to +inf) as
 * the true value dictates.
 * Outputs (each may be NULL): *det_abs = |det x|, *log_det_abs = log|det x|,
 * *sign = sign of det x (+1, -1, or 0).
 * Exactly singular x (a zero pivot): returns HR_OK with *det_abs = 0,
 * *log_det_abs = -INFINITY, *sign = 0. HR_ERANGE if the elimination
 * overflows (entries near DBL_MAX). */
int hr_metric_det(const double *x, size_t n, double *det_abs, double *log_det_abs,
                  int *sign);

/* log det(XᵀX + λI) for any m x n matrix x (the n x n regularised Gram
 * matrix; m may be smaller than n), by Cholesky decomposition:
 * log det = 2 sum log l_ii. lambda must be finite and >= 0.
 * If the Gram matrix is not numerically positive definite (only possible
 * when lambda is 0 or negligible and x has rank < n, e.g. m < n), returns
 * HR_OK with *logdet = -INFINITY. Forming XᵀX squares the condition number:
 * for λ = 0 and ill-conditioned x prefer 2 * hr_metric_det (square x) or
 * the singular values. */
int hr_metric_logdet_gram(const double *x, size_t m, size_t n, double lambda,
                          double *logdet);

/* The min(m, n) singular values of x, in descending order, into s
 * (caller-allocated, min(m, n) doubles). Golub-Reinsch SVD (GSL, after a QR
 * step), backward stable: errors below a small multiple of eps * s_max. An
 * all-zero x gives all-zero s. */
int hr_metric_singular_values(const double *x, size_t m, size_t n, double *s);

/* Relative tolerance meaning "the default" for hr_metric_rank and the
 * least-squares truncation: max(m, n) * DBL_EPSILON (numpy's matrix_rank). */
#define HR_METRIC_RTOL_DEFAULT 0.0

/* Numerical rank of x: the number of singular values s_i > rtol * s_max.
 * rtol must be finite and >= 0; 0 (HR_METRIC_RTOL_DEFAULT) selects
 * max(m, n) * DBL_EPSILON, which counts directions that are exactly
 * independent up to round-off. Measured data (noisy simulations, a real
 * tank) need a larger rtol, e.g. the relative noise level.
 * Kernel rank and generalisation rank (Legenstein & Maass 2007) are both
 * this number: kernel rank for a matrix whose rows are states from distinct
 * inputs (higher is better), generalisation rank for rows from noisy copies
 * of the same inputs (lower is better). An all-zero x has rank 0. */
int hr_metric_rank(const double *x, size_t m, size_t n, double rtol, size_t *rank);

/* Effective rank (Roy & Vetterli 2007): with the singular values s_i
 * normalised to a distribution p_i = s_i / sum_j s_j (L1 normalisation,
 * not s_i^2), erank = exp(-sum_i p_i log p_i), 0 log 0 = 0.
 * 1 <= erank <= min(m, n); it equals k for k equal non-zero singular values
 * and varies smoothly as they spread. An all-zero x has erank 0. */
int hr_metric_effective_rank(const double *x, size_t m, size_t n, double *erank);

/* 2-norm condition number s_max / s_min over the min(m, n) singular values
 * of x. Returns HR_OK with *cond = INFINITY if s_min is 0 (singular, or an
 * all-zero x). */
int hr_metric_condition(const double *x, size_t m, size_t n, double *cond);

#endif
