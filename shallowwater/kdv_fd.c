/* kdv_fd.c — finite-difference KdV solver: fourth-order central differences
 * in space, classical RK4 in time.
 *
 * # Equations
 *
 * The Korteweg–de Vries equation on the periodic domain [0, L),
 *
 *     u_t = -u u_x - nu u_xxx,
 *
 * with the nonlinear term in the skew-symmetric split form
 *
 *     u u_x = (1/3) [(u^2)_x + u u_x].
 *
 * # Discretisation
 *
 * Space: n equispaced points x_j = j dx, dx = L / n, periodic. With the
 * fourth-order central differences
 *
 *     D1 f_j = (f_{j-2} - 8 f_{j-1} + 8 f_{j+1} - f_{j+2}) / (12 dx),
 *     D3 f_j = (f_{j-3} - 8 f_{j-2} + 13 f_{j-1} - 13 f_{j+1} + 8 f_{j+2}
 *               - f_{j+3}) / (8 dx^3),
 *
 * the semi-discrete system is
 *
 *     du_j/dt = -(1/3) [D1(u^2)_j + u_j D1(u)_j] - nu D3(u)_j.
 *
 * D1 and D3 are skew-symmetric, so this conserves sum_j u_j and
 * sum_j u_j^2 exactly in continuous time (the split form is what makes the
 * quadratic invariant hold); the error is O(dx^4).
 *
 * Time: classical fourth-order Runge–Kutta. RK4 is stable for imaginary
 * eigenvalues |lambda dt| <= 2 sqrt 2. The symbols of D1 and D3 peak at
 * G1 / dx and G3 / dx^3 with G1 = max |8 sin t - sin 2t| / 6 = 1.37222 and
 * G3 = max |13 sin t - 8 sin 2t + sin 3t| / 4 = 4.60874, so the step must obey
 *
 *     dt <= 2.8 / (nu G3 / dx^3 + max|u| G1 / dx),
 *
 * checked at create (with max|u| = 0: the dispersive limit) and at each run
 * (with max|u0|). The dispersive part makes this a dt ~ dx^3 limit.
 *
 * # Probes
 *
 * Probe values are interpolated from the six nearest grid values by the
 * degree-5 Lagrange polynomial (error O(dx^6), below the scheme's O(dx^4)).
 *
 * # Accuracy and cost
 *
 * The short dispersive waves of the reference cases (k ~ 2-3, group speed
 * -3 nu k^2, which wrap around the domain to the probe) make the O(dx^4)
 * phase error of D3 the limit: probe errors against the reference reach
 * 2e-2 at the default n = 2048 (t <= 100) and 2e-3 at n = 4096 (t <= 60),
 * against 2e-4 for the spectral default, at ~17x the cost (the step must
 * shrink as dx^3). The scheme is an independent check of the spectral one
 * (tests/test_kdv.c measures its fourth-order convergence to it), not the
 * production solver.
 *
 * # Runaway detection
 *
 * sum_j (u_j - mean)^2 dx is tracked each step; a non-finite value or growth
 * past 4x its initial value stops the run with HR_EUNSTABLE.
 */
#include "shallowwater/kdv_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/status.h"

#define G1 1.372221979803 /* max over t of |8 sin t - sin 2t| / 6 */
#define G3 4.608742209354 /* max over t of |13 sin t - 8 sin 2t + sin 3t| / 4 */
#define RK4_IMAG_LIMIT 2.8 /* just inside RK4's 2 sqrt 2 on the imaginary axis */
/* The default dt is this fraction of the limit at max|u| = DEFAULT_UMAX. */
#define DEFAULT_SAFETY 0.8
#define DEFAULT_UMAX 4.0
#define GHOST 3

int hr_kdv__fd_default_n(int accurate) { return accurate ? 4096 : 2048; }

double hr_kdv__fd_dt_limit(const hr_kdv *s, double umax)
{
    double dx = s->dx;
    return RK4_IMAG_LIMIT / (s->p.nu * G3 / (dx * dx * dx) + umax * G1 / dx);
}

int hr_kdv__fd_init(hr_kdv *s)
{
    const int n = s->n;
    double lim = hr_kdv__fd_dt_limit(s, 0);
    if (s->p.dt == 0)
        s->p.dt = DEFAULT_SAFETY * hr_kdv__fd_dt_limit(s, DEFAULT_UMAX);
    else if (s->p.dt > lim)
        return HR_ERROR(HR_EINVAL, "kdv_create: dt = %g is past the FD stability limit "
                        "dt <= 2.8 dx^3 / (%.5f nu) = %g at n = %d, nu = %g (RK4 with "
                        "4th-order differences): lower dt or n", s->p.dt, G3, lim, n, s->p.nu);
    s->ug = malloc((size_t)(n + 2 * GHOST) * sizeof *s->ug);
    s->qg = malloc((size_t)(n + 2 * GHOST) * sizeof *s->qg);
    s->k = malloc((size_t)n * sizeof *s->k);
    s->acc = malloc((size_t)n * sizeof *s->acc);
    s->u1 = malloc((size_t)n * sizeof *s->u1);
    if (!s->ug || !s->qg || !s->k || !s->acc || !s->u1)
        return HR_ERROR(HR_ENOMEM, "kdv_create: out of memory for the FD solver (n = %d)", n);
    return HR_OK;
}

void hr_kdv__fd_fini(hr_kdv *s)
{
    free(s->ug);
    free(s->qg);
    free(s->k);
    free(s->acc);
    free(s->u1);
    s->ug = s->qg = s->k = s->acc = s->u1 = NULL;
}

/* out = du/dt at the field `in` (n values). */
static void rhs(hr_kdv *s, const double *in, double *out)
{
    const int n = s->n;
    double *ug = s->ug + GHOST, *qg = s->qg + GHOST;
    memcpy(ug, in, (size_t)n * sizeof *ug);
    for (int i = 1; i <= GHOST; i++) {
        ug[-i] = in[n - i];
        ug[n - 1 + i] = in[i - 1];
    }
    for (int j = -GHOST; j < n + GHOST; j++)
        qg[j] = ug[j] * ug[j];
    const double c1 = 1.0 / (12 * s->dx * 3); /* D1 and the 1/3 of the split form */
    const double c3 = s->p.nu / (8 * s->dx * s->dx * s->dx);
    for (int j = 0; j < n; j++) {
        double d1u = ug[j - 2] - 8 * ug[j - 1] + 8 * ug[j + 1] - ug[j + 2];
        double d1q = qg[j - 2] - 8 * qg[j - 1] + 8 * qg[j + 1] - qg[j + 2];
        double d3u = ug[j - 3] - 8 * ug[j - 2] + 13 * ug[j - 1] - 13 * ug[j + 1] +
                     8 * ug[j + 2] - ug[j + 3];
        out[j] = -c1 * (d1q + ug[j] * d1u) - c3 * d3u;
    }
}

static void step(hr_kdv *s, double h)
{
    const int n = s->n;
    double *u = s->u, *u1 = s->u1, *k = s->k, *acc = s->acc;
    rhs(s, u, k);
    for (int j = 0; j < n; j++) {
        acc[j] = k[j];
        u1[j] = u[j] + 0.5 * h * k[j];
    }
    rhs(s, u1, k);
    for (int j = 0; j < n; j++) {
        acc[j] += 2 * k[j];
        u1[j] = u[j] + 0.5 * h * k[j];
    }
    rhs(s, u1, k);
    for (int j = 0; j < n; j++) {
        acc[j] += 2 * k[j];
        u1[j] = u[j] + h * k[j];
    }
    rhs(s, u1, k);
    for (int j = 0; j < n; j++)
        u[j] += h / 6 * (acc[j] + k[j]);
}

/* Per probe: the index of the grid point left of it, then 6 weights. */
#define PW 7

static int make_weights(hr_kdv *s, const hr_kdv_output *out)
{
    int status = hr_kdv__probe_ws(s, (size_t)out->nprobes * PW * sizeof(double) + 1);
    if (status)
        return status;
    double *w = s->probe_ws;
    for (int p = 0; p < out->nprobes; p++) {
        double r = out->probes[p] / s->dx;
        double i0 = floor(r), t = r - i0;
        w[p * PW] = i0;
        for (int o = -2; o <= 3; o++) {
            double l = 1;
            for (int q = -2; q <= 3; q++)
                if (q != o)
                    l *= (t - q) / (o - q);
            w[p * PW + 1 + o + 2] = l;
        }
    }
    return HR_OK;
}

static void record(hr_kdv *s, const hr_kdv__plan *pl, int k, double *traces)
{
    const int n = s->n;
    const double *w = s->probe_ws;
    for (int p = 0; p < pl->out->nprobes; p++) {
        int i0 = (int)w[p * PW];
        double sum = 0;
        for (int o = -2; o <= 3; o++) {
            int j = ((i0 + o) % n + n) % n;
            sum += w[p * PW + 1 + o + 2] * s->u[j];
        }
        traces[(size_t)p * pl->nout + k] = sum;
    }
}

static double variance(const hr_kdv *s, double mean)
{
    double e = 0;
    for (int j = 0; j < s->n; j++) {
        double d = s->u[j] - mean;
        e += d * d;
    }
    return e * s->dx;
}

int hr_kdv__fd_run(hr_kdv *s, const double *u0, const hr_kdv__plan *pl, double *traces)
{
    const int n = s->n;
    double umax = 0, mean = 0;
    for (int j = 0; j < n; j++) {
        if (fabs(u0[j]) > umax)
            umax = fabs(u0[j]);
        mean += u0[j];
    }
    mean /= n;
    double lim = hr_kdv__fd_dt_limit(s, umax);
    if (pl->h > lim)
        return HR_ERROR(HR_EINVAL, "kdv_run: dt = %g is past the FD stability limit %g for "
                        "max|u0| = %g at n = %d, nu = %g (dt <= 2.8 / (%.5f nu / dx^3 + "
                        "%.5f max|u0| / dx)): lower dt or n",
                        pl->h, lim, umax, n, s->p.nu, G3, G1);
    int status = make_weights(s, pl->out);
    if (status)
        return status;
    memcpy(s->u, u0, (size_t)n * sizeof *s->u);
    const double var0 = variance(s, mean);
    const double floor_ = 1e-24 * mean * mean * s->p.length + 1e-300;

    record(s, pl, 0, traces);
    for (int k = 1; k < pl->nout && status == HR_OK; k++) {
        for (int i = 0; i < pl->substeps; i++) {
            step(s, pl->h);
            double var = variance(s, mean);
            if (!(isfinite(var) && var <= 4 * var0 + floor_)) {
                double t = ((k - 1) * pl->substeps + i + 1) * pl->h;
                status = hr_kdv__check_runaway(s, t, var, var0, floor_);
                break;
            }
        }
        if (status == HR_OK)
            record(s, pl, k, traces);
    }
    return status;
}
