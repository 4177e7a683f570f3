/* series_tasks.c — tasks whose rows are the time steps of one input
 * stream: NARMA10, linear memory capacity, Mackey-Glass prediction.
 *
 * NARMA10 (Atiya & Parlos 2000), from rest (y(t) = 0 for t <= 0, u(t) = 0
 * for t < 0):
 *     y(t+1) = 0.3 y(t) + 0.05 y(t) sum_{i=0..9} y(t-i) + 1.5 u(t-9) u(t) + 0.1.
 *
 * Memory capacity (Jaeger 2001): targets are the delayed inputs u(t-k),
 * k = 1..kmax; MC = sum_k r^2(u(t-k), yhat_k(t)).
 *
 * Mackey-Glass (1977), the tau = 17 chaotic benchmark:
 *     dx/dt = beta x(t - tau) / (1 + x(t - tau)^n) - gamma x(t),
 * x = x0 on [-tau, 0]. Classical RK4 with fixed step h, tau = d h with d an
 * integer, so the delayed value is a stored grid value at the stage times
 * t_k and t_k + h, and at t_k + h/2 it is the cubic Hermite midpoint of the
 * stored values and slopes, (x_j + x_{j+1}) / 2 + h (f_j - f_{j+1}) / 8,
 * O(h^4) accurate like the scheme. The slope jumps at t = 0 (the history is
 * constant); that jump, and its echoes at multiples of tau, fall on grid
 * points, so no interpolation straddles one. */
#include "tasks/tasks.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "base/status.h"
#include "tasks/score.h"
#include "tasks/task_impl.h"

static int check_uniform(const char *fn, double lo, double hi)
{
    if (!isfinite(lo) || !isfinite(hi) || !(lo < hi))
        return HR_ERROR(HR_EINVAL, "%s: input range [u_lo, u_hi) = [%g, %g) must be finite "
                                   "with u_lo < u_hi",
                        fn, lo, hi);
    return HR_OK;
}

/* ---- NARMA10 ---------------------------------------------------------------- */

hr_narma10_params hr_task_narma10_defaults(void)
{
    return (hr_narma10_params){.washout = 200, .n_train = 2000, .n_test = 1000,
                               .u_lo = 0.0, .u_hi = 0.5, .bound = 10.0,
                               .max_redraws = 100};
}

int hr_task_narma10(hr_task **out, const hr_narma10_params *p, gsl_rng *rng)
{
    static const char fn[] = "hr_task_narma10";
    int st;
    if (!out)
        return HR_ERROR(HR_EINVAL, "%s: out is NULL", fn);
    *out = NULL;
    if (!p || !rng)
        return HR_ERROR(HR_EINVAL, "%s: %s is NULL", fn, p ? "rng" : "p");
    if ((st = check_uniform(fn, p->u_lo, p->u_hi)))
        return st;
    if (p->n_train < 1)
        return HR_ERROR(HR_EINVAL, "%s: n_train = 0 must be >= 1", fn);
    if (!isfinite(p->bound) || !(p->bound > 0))
        return HR_ERROR(HR_EINVAL, "%s: bound = %g must be finite and > 0", fn, p->bound);
    if (p->max_redraws < 0)
        return HR_ERROR(HR_EINVAL, "%s: max_redraws = %d must be >= 0", fn, p->max_redraws);
    hr_task *t = hr__task_alloc(fn, HR_TASK_NARMA10, 1, 1, 1, p->washout, p->n_train,
                                p->n_test);
    if (!t)
        return HR_ENOMEM;
    size_t n = t->n_rows;
    double *u = t->input, *y1 = t->target; /* y1[t] = y(t+1) */
    for (int attempt = 0; attempt <= p->max_redraws; attempt++) {
        for (size_t k = 0; k < n; k++)
            u[k] = p->u_lo + (p->u_hi - p->u_lo) * gsl_rng_uniform(rng);
        int ok = 1;
        for (size_t k = 0; k < n && ok; k++) {
            /* y(k - i) = y1[k - i - 1] for k - i >= 1, else 0 */
            double yk = k >= 1 ? y1[k - 1] : 0.0, sum = 0.0;
            for (size_t i = 0; i < 10 && i + 1 <= k; i++)
                sum += y1[k - i - 1];
            double u9 = k >= 9 ? u[k - 9] : 0.0;
            double next = 0.3 * yk + 0.05 * yk * sum + 1.5 * u9 * u[k] + 0.1;
            y1[k] = next;
            if (!isfinite(next) || fabs(next) > p->bound)
                ok = 0;
        }
        if (ok) {
            *out = t;
            return HR_OK;
        }
    }
    hr_task_free(t);
    return HR_ERROR(HR_EUNSTABLE,
                    "%s: the NARMA10 recurrence exceeded |y| = %g in all %d draws of %zu "
                    "inputs (u in [%g, %g); raise bound or max_redraws, or narrow u)",
                    fn, p->bound, p->max_redraws + 1, n, p->u_lo, p->u_hi);
}

/* ---- Memory capacity ---------------------------------------------------------- */

hr_memory_params hr_task_memory_defaults(void)
{
    return (hr_memory_params){.kmax = 40, .washout = 200, .n_train = 2000, .n_test = 1000,
                              .u_lo = -1.0, .u_hi = 1.0};
}

int hr_task_memory(hr_task **out, const hr_memory_params *p, gsl_rng *rng)
{
    static const char fn[] = "hr_task_memory";
    int st;
    if (!out)
        return HR_ERROR(HR_EINVAL, "%s: out is NULL", fn);
    *out = NULL;
    if (!p || !rng)
        return HR_ERROR(HR_EINVAL, "%s: %s is NULL", fn, p ? "rng" : "p");
    if ((st = check_uniform(fn, p->u_lo, p->u_hi)))
        return st;
    if (p->kmax < 1)
        return HR_ERROR(HR_EINVAL, "%s: kmax = 0 must be >= 1", fn);
    if (p->washout < p->kmax)
        return HR_ERROR(HR_EINVAL, "%s: washout = %zu must be >= kmax = %zu", fn, p->washout,
                        p->kmax);
    if (p->n_train < 1)
        return HR_ERROR(HR_EINVAL, "%s: n_train = 0 must be >= 1", fn);
    hr_task *t = hr__task_alloc(fn, HR_TASK_MEMORY, 1, 1, p->kmax, p->washout, p->n_train,
                                p->n_test);
    if (!t)
        return HR_ENOMEM;
    size_t kmax = p->kmax;
    for (size_t k = 0; k < t->n_rows; k++)
        t->input[k] = p->u_lo + (p->u_hi - p->u_lo) * gsl_rng_uniform(rng);
    for (size_t k = 0; k < t->n_rows; k++)
        for (size_t d = 1; d <= kmax; d++)
            t->target[k * kmax + d - 1] = k >= d ? t->input[k - d] : 0.0;
    *out = t;
    return HR_OK;
}

int hr_task_memory_capacity(const double *target, const double *pred, size_t n, size_t kmax,
                            double *mc, double *per_delay)
{
    static const char fn[] = "hr_task_memory_capacity";
    if (!target || !pred || !mc)
        return HR_ERROR(HR_EINVAL, "%s: %s is NULL", fn,
                        !target ? "target" : !pred ? "pred" : "mc");
    if (kmax < 1)
        return HR_ERROR(HR_EINVAL, "%s: kmax = 0 must be >= 1", fn);
    if (n < 2)
        return HR_ERROR(HR_EINVAL, "%s: n = %zu rows must be >= 2", fn, n);
    double sum = 0;
    for (size_t k = 0; k < kmax; k++) {
        double r2;
        int st = hr_score_r2(target + k, pred + k, n, kmax, &r2);
        if (st)
            return hr_error_prefix(st, "%s: delay %zu", fn, k + 1);
        if (per_delay)
            per_delay[k] = r2;
        sum += r2;
    }
    *mc = sum;
    return HR_OK;
}

/* ---- Mackey-Glass ----------------------------------------------------------- */

hr_mackey_glass_params hr_task_mackey_glass_defaults(void)
{
    return (hr_mackey_glass_params){.tau = 17.0, .beta = 0.2, .gamma = 0.1, .power = 10.0,
                                    .x0 = 1.2, .dt = 0.1, .sample_dt = 1.0, .horizon = 1,
                                    .washout = 500, .n_train = 2000, .n_test = 1000};
}

/* a / b as a positive integer, if it is one to within 1e-9 relative. */
static long integer_ratio(double a, double b)
{
    double r = a / b;
    long k = lround(r);
    if (k < 1 || fabs(r - (double)k) > 1e-9 * (double)k)
        return 0;
    return k;
}

static double mg_rhs(const hr_mackey_glass_params *p, double x, double xd)
{
    return p->beta * xd / (1.0 + pow(xd, p->power)) - p->gamma * x;
}

int hr_task_mackey_glass(hr_task **out, const hr_mackey_glass_params *p)
{
    static const char fn[] = "hr_task_mackey_glass";
    if (!out)
        return HR_ERROR(HR_EINVAL, "%s: out is NULL", fn);
    *out = NULL;
    if (!p)
        return HR_ERROR(HR_EINVAL, "%s: p is NULL", fn);
    if (!isfinite(p->tau) || !(p->tau > 0) || !isfinite(p->dt) || !(p->dt > 0) ||
        !isfinite(p->sample_dt) || !(p->sample_dt > 0))
        return HR_ERROR(HR_EINVAL, "%s: tau = %g, dt = %g, sample_dt = %g must be finite and "
                                   "> 0",
                        fn, p->tau, p->dt, p->sample_dt);
    if (!isfinite(p->beta) || p->beta < 0 || !isfinite(p->gamma) || p->gamma < 0 ||
        !isfinite(p->power) || !(p->power > 0) || !isfinite(p->x0) || p->x0 < 0)
        return HR_ERROR(HR_EINVAL,
                        "%s: beta = %g, gamma = %g, x0 = %g must be finite and >= 0, power "
                        "= %g finite and > 0",
                        fn, p->beta, p->gamma, p->x0, p->power);
    long d = integer_ratio(p->tau, p->dt), s = integer_ratio(p->sample_dt, p->dt);
    if (!d || !s)
        return HR_ERROR(HR_EINVAL,
                        "%s: tau / dt = %g and sample_dt / dt = %g must be positive integers",
                        fn, p->tau / p->dt, p->sample_dt / p->dt);
    if (p->horizon < 1 || p->n_train < 1)
        return HR_ERROR(HR_EINVAL, "%s: horizon = %zu and n_train = %zu must be >= 1", fn,
                        p->horizon, p->n_train);
    hr_task *t = hr__task_alloc(fn, HR_TASK_MACKEY_GLASS, 1, 1, 1, p->washout, p->n_train,
                                p->n_test);
    if (!t)
        return HR_ENOMEM;
    size_t samples = t->n_rows + p->horizon; /* rows 0 .. n_rows-1+horizon */
    if (samples < t->n_rows || samples - 1 > (SIZE_MAX / sizeof(double) - (size_t)d - 1) /
                                                 (size_t)s / 2) {
        hr_task_free(t);
        return HR_ERROR(HR_EINVAL, "%s: series of %zu samples is too long", fn, samples);
    }
    size_t nsteps = (samples - 1) * (size_t)s, off = (size_t)d;
    /* xs[j + off] = x(j h), fs[j + off] = dx/dt at j h (right slope), j = -d .. nsteps */
    double *xs = malloc((nsteps + off + 1) * sizeof *xs);
    double *fs = malloc((nsteps + off + 1) * sizeof *fs);
    if (!xs || !fs) {
        free(xs);
        free(fs);
        hr_task_free(t);
        return HR_ERROR(HR_ENOMEM, "%s: cannot allocate %zu steps", fn, nsteps);
    }
    const double h = p->dt;
    for (size_t j = 0; j < off; j++) {
        xs[j] = p->x0; /* history, constant */
        fs[j] = 0.0;
    }
    xs[off] = p->x0;
    int st = HR_OK;
    for (size_t k = 0; k < nsteps; k++) {
        size_t i = k + off; /* index of t_k; delayed index i - off = k */
        double x = xs[i];
        double xd0 = xs[k], xd1 = xs[k + 1];
        double k1 = mg_rhs(p, x, xd0);
        fs[i] = k1; /* before the midpoint: with d = 1 it is fs[k + 1] */
        double xdh;
        if (k + 1 <= off) /* delayed interval inside the constant history */
            xdh = p->x0;
        else
            xdh = 0.5 * (xd0 + xd1) + h * (fs[k] - fs[k + 1]) / 8.0;
        double k2 = mg_rhs(p, x + 0.5 * h * k1, xdh);
        double k3 = mg_rhs(p, x + 0.5 * h * k2, xdh);
        double k4 = mg_rhs(p, x + h * k3, xd1);
        xs[i + 1] = x + h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4);
        if (!isfinite(xs[i + 1])) {
            st = HR_ERROR(HR_EUNSTABLE, "%s: x became %g at t = %g (dt = %g too large?)", fn,
                          xs[i + 1], (double)(k + 1) * h, h);
            break;
        }
    }
    if (st == HR_OK) {
        for (size_t r = 0; r < t->n_rows; r++) {
            t->input[r] = xs[off + r * (size_t)s];
            t->target[r] = xs[off + (r + p->horizon) * (size_t)s];
        }
        *out = t;
    } else {
        hr_task_free(t);
    }
    free(xs);
    free(fs);
    return st;
}
