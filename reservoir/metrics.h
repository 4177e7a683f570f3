/* metrics.h — what a readout matrix is worth: separability measures
 * (|det X|, log|det X|, log det(XᵀX + λI), singular values, numerical and
 * effective rank, condition number), linear readout training (least
 * squares, ridge, ridge with λ chosen on validation data), prediction, and
 * scores (accuracy, MSE, NRMSE, squared correlation).
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
#ifndef HR_METRICS_H
#define HR_METRICS_H

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
 * (caller-allocated, min(m, n) doubles). One-sided Jacobi SVD (GSL), which
 * gets small singular values to high relative accuracy. An all-zero x gives
 * all-zero s. */
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

/* ---- Linear readout ---------------------------------------------------- */

/* The readout weights w are (n + bias) x q, row-major: row j < n holds the
 * weights of feature j for the q outputs; with bias != 0 the last row holds
 * the intercepts. Prediction: yhat = x w[0..n-1] + w[n] (if bias). */

/* Least squares w = argmin ||A w - y||_F, A = x (bias == 0) or x with a
 * column of ones appended (bias != 0), by SVD: w = A⁺ y with singular
 * values <= max(m, n+bias) * DBL_EPSILON * s_max treated as zero. Works for
 * any shape: overdetermined (m > n) gives the least-squares fit,
 * underdetermined or rank-deficient gives the minimum-norm solution (over
 * the whole of w, intercept included). Never fails on singular input.
 * y: m x q targets; w: (n + bias) x q output. rank (may be NULL) receives
 * the numerical rank of A used. */
int hr_linreg_lstsq(const double *x, size_t m, size_t n, const double *y, size_t q,
                    int bias, double *w, size_t *rank);

/* Ridge regression w = (XᵀX + λI)⁻¹ XᵀY with λ finite and >= 0.
 * With bias != 0 the intercept is not regularised: x and y are centred on
 * their column means, the formula above gives the feature weights, and the
 * intercept is mean(y) - mean(x) w. Computed from the SVD of the (centred)
 * x as w = V diag(s_i / (s_i^2 + λ)) Uᵀ y, which equals the closed form for
 * λ > 0 and is the minimum-norm least-squares solution for λ = 0 (small
 * singular values truncated as in hr_linreg_lstsq). Never fails on
 * singular input. */
int hr_linreg_ridge(const double *x, size_t m, size_t n, const double *y, size_t q,
                    int bias, double lambda, double *w);

/* Ridge with λ chosen on validation data: trains on (x_train, y_train) for
 * each of n_lambda values log-spaced from lambda_lo to lambda_hi
 * (0 < lambda_lo <= lambda_hi, both finite; n_lambda >= 1, and
 * lambda_lo == lambda_hi when n_lambda == 1), scores each on (x_val, y_val)
 * by the mean squared error over all m_val * q entries, and keeps the
 * λ with the smallest error (ties go to the larger λ, the simpler model).
 * One SVD of the training data serves the whole grid.
 * Outputs: w ((n + bias) x q) trained on the training data only at the
 * chosen λ, *lambda the chosen λ, *val_mse (may be NULL) its validation MSE. */
int hr_linreg_ridge_select(const double *x_train, const double *y_train, size_t m_train,
                           const double *x_val, const double *y_val, size_t m_val,
                           size_t n, size_t q, int bias, double lambda_lo,
                           double lambda_hi, size_t n_lambda, double *w,
                           double *lambda, double *val_mse);

/* yhat = x w (+ intercept row if bias != 0): x m x n, w (n + bias) x q,
 * yhat m x q (caller-allocated; must not alias x or w). */
int hr_linreg_predict(const double *x, size_t m, size_t n, const double *w, size_t q,
                      int bias, double *yhat);

/* ---- Scores ------------------------------------------------------------ */

/* How predictions become class decisions in hr_score_accuracy. */
enum hr_accuracy_kind {
    HR_ACC_BINARY = 0, /* targets 0 or 1; yhat >= 0.5 means 1; every entry scored */
    HR_ACC_SIGN = 1,   /* targets -1 or +1; yhat >= 0 means +1; every entry scored */
    HR_ACC_ARGMAX = 2  /* one-hot rows: a row is right when argmax yhat = argmax y
                          (first index on ties); one decision per row */
};

/* Fraction of correct decisions, in [0, 1]. y and yhat are m x q.
 * HR_ACC_BINARY and HR_ACC_SIGN score all m * q entries independently and
 * require every target to be exactly 0/1 (resp. -1/+1); HR_ACC_ARGMAX
 * scores m rows and needs targets with a unique maximum per row (one-hot). */
int hr_score_accuracy(const double *y, const double *yhat, size_t m, size_t q,
                      enum hr_accuracy_kind kind, double *acc);

/* Mean squared error mean((y - yhat)^2) over count entries. */
int hr_score_mse(const double *y, const double *yhat, size_t count, double *mse);

/* Normalised root mean squared error
 *     sqrt(mean((y - yhat)^2)) / std(y),
 * std the population standard deviation (divisor count) of the targets,
 * so predicting the target mean scores 1 and a perfect fit 0. For a
 * multi-output y pass count = m * q: all entries are pooled. HR_ERANGE if
 * the targets are constant (std = 0, NRMSE undefined) or count < 2. */
int hr_score_nrmse(const double *y, const double *yhat, size_t count, double *nrmse);

/* Squared Pearson correlation r^2 between a[k * stride] and b[k * stride],
 * k = 0 .. count-1 (stride >= 1 lets columns of row-major matrices be
 * compared in place). count >= 2. If either series is constant there is no
 * measurable linear relation and *r2 = 0. */
int hr_score_r2(const double *a, const double *b, size_t count, size_t stride, double *r2);

#endif
