/* static_tasks.c — tasks whose rows are independent samples: XNOR and the
 * reference study's "digits" regression.
 *
 * XNOR: y = 1 if both bits are equal, else 0. It is not linearly separable
 * in the raw inputs, so a linear readout solves it only if the reservoir
 * supplies a nonlinear feature.
 *
 * Digits: an input x in [0, 1] is written with 5 decimals and its 6 digits
 * (integer digit first) scale 6 wave packets; the readout must learn the
 * sigmoid y = 1 / (1 + exp(-10 (x - 0.5))). All rounding is done on
 * integers k = x * 1e5 so no digit depends on floating-point round-off. */
#include "tasks/tasks.h"

#include <math.h>
#include <stdint.h>

#include <gsl/gsl_randist.h>

#include "base/status.h"
#include "tasks/task_impl.h"

/* ---- XNOR ---------------------------------------------------------------- */

static const double xnor_in[4][2] = {{0, 0}, {0, 1}, {1, 0}, {1, 1}};
static const double xnor_out[4] = {1, 0, 0, 1};

int hr_task_xnor(hr_task **out, size_t reps, double sigma, int clip, gsl_rng *rng)
{
    static const char fn[] = "hr_task_xnor";
    if (!out)
        return HR_ERROR(HR_EINVAL, "%s: out is NULL", fn);
    *out = NULL;
    if (!isfinite(sigma) || sigma < 0)
        return HR_ERROR(HR_EINVAL, "%s: sigma = %g must be finite and >= 0", fn, sigma);
    if (reps > (SIZE_MAX / sizeof(double)) / 16)
        return HR_ERROR(HR_EINVAL, "%s: reps = %zu is too large", fn, reps);
    if (reps > 0 && sigma > 0 && !rng)
        return HR_ERROR(HR_EINVAL, "%s: rng is NULL but reps = %zu and sigma = %g need "
                                   "random numbers",
                        fn, reps, sigma);
    hr_task *t = hr__task_alloc(fn, HR_TASK_XNOR, 0, 2, 1, 0, 4, 4 * reps);
    if (!t)
        return HR_ENOMEM;
    for (size_t row = 0; row < t->n_rows; row++) {
        size_t i = row % 4;
        for (size_t j = 0; j < 2; j++) {
            double v = xnor_in[i][j];
            if (row >= 4 && sigma > 0) {
                v += gsl_ran_gaussian(rng, sigma);
                if (clip)
                    v = v < 0 ? 0 : v > 1 ? 1 : v;
            }
            t->input[row * 2 + j] = v;
        }
        t->target[row] = xnor_out[i];
    }
    *out = t;
    return HR_OK;
}

/* ---- Digits -------------------------------------------------------------- */

int hr_task_digits_of(double x, int digits[HR_DIGITS_COUNT])
{
    if (!digits)
        return HR_ERROR(HR_EINVAL, "hr_task_digits_of: digits is NULL");
    if (!isfinite(x) || x < 0 || x > 1)
        return HR_ERROR(HR_EINVAL, "hr_task_digits_of: x = %g must be in [0, 1]", x);
    long k = lround(x * 1e5); /* 0 .. 100000 */
    digits[0] = (int)(k / 100000);
    long div = 10000;
    for (int i = 1; i < HR_DIGITS_COUNT; i++, div /= 10)
        digits[i] = (int)((k / div) % 10);
    return HR_OK;
}

double hr_task_digits_target(double x)
{
    return 1.0 / (1.0 + exp(-10.0 * (x - 0.5)));
}

/* round(num / den * 1e5), half up, for num / den in [0, 1]. */
static uint64_t round5(uint64_t num, uint64_t den)
{
    return (200000u * num + den) / (2u * den);
}

int hr_task_digits(hr_task **out, size_t n_train)
{
    static const char fn[] = "hr_task_digits";
    if (!out)
        return HR_ERROR(HR_EINVAL, "%s: out is NULL", fn);
    *out = NULL;
    if (n_train < 2 || n_train > 10001)
        return HR_ERROR(HR_EINVAL, "%s: n_train = %zu must be in [2, 10001] (reference: 8)",
                        fn, n_train);
    uint64_t segs = n_train - 1;
    hr_task *t = hr__task_alloc(fn, HR_TASK_DIGITS, 0, 1, 1, 0, n_train, n_train - 1);
    if (!t)
        return HR_ENOMEM;
    uint64_t prev = 0;
    for (uint64_t i = 0; i < n_train; i++) {
        uint64_t k = round5(i, segs);
        t->input[i] = (double)k / 1e5;
        t->target[i] = hr_task_digits_target(t->input[i]);
        if (i > 0) {
            /* midpoint (2i - 1) / (2 segs) between training inputs i-1 and i */
            uint64_t km = round5(2 * i - 1, 2 * segs);
            if (!(km > prev && km < k)) {
                hr_task_free(t);
                return HR_ERROR(HR_ERANGE,
                                "%s: held-out input %zu is not strictly between its "
                                "neighbours at 5 decimals (n_train = %zu)",
                                fn, (size_t)(i - 1), n_train);
            }
            size_t row = n_train + (size_t)(i - 1);
            t->input[row] = (double)km / 1e5;
            t->target[row] = hr_task_digits_target(t->input[row]);
        }
        prev = k;
    }
    *out = t;
    return HR_OK;
}
