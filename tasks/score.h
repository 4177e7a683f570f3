/* score.h — task scores of predictions against targets.
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
#ifndef HR_SCORE_H
#define HR_SCORE_H

#include <stddef.h>

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
