/* linreg.h — the trained linear readout: least squares, ridge, ridge with
 * lambda chosen on validation data, prediction.
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
#ifndef HR_LINREG_H
#define HR_LINREG_H

#include <stddef.h>

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

/* Ridge with lambda chosen by k-fold cross-validation on (x, y) alone: row i
 * is in fold i mod folds (folds = m gives leave-one-out); for each fold one
 * SVD of the other rows serves the whole grid lambda_j = 10^(lo_exp + j),
 * j = 0 .. n_lambda-1, and the lambda with the smallest squared validation
 * error summed over the folds wins (ties: the smaller lambda). Outputs: w
 * ((n + bias) x q) trained on all m rows at that lambda, and *lambda.
 * 2 <= folds <= m. Costs folds + 1 SVDs, not folds x n_lambda. */
int hr_linreg_ridge_cv(const double *x, const double *y, size_t m, size_t n, size_t q,
                       int bias, size_t folds, int lo_exp, size_t n_lambda, double *w,
                       double *lambda);

/* yhat = x w (+ intercept row if bias != 0): x m x n, w (n + bias) x q,
 * yhat m x q (caller-allocated; must not alias x or w). */
int hr_linreg_predict(const double *x, size_t m, size_t n, const double *w, size_t q,
                      int bias, double *yhat);

#endif
