/* kdv_spectral.c — pseudo-spectral KdV solver with ETDRK4 time stepping.
 *
 * # Equations
 *
 * The Korteweg–de Vries equation on the periodic domain [0, L),
 *
 *     u_t = -u u_x - nu u_xxx.
 *
 * A constant background c0 (the "frame", c0 = 1 = rho of the reference
 * study) is moved into the linear part: with w = u - c0,
 *
 *     u_t = -c0 u_x - nu u_xxx - (w^2 / 2)_x,
 *
 * which is the same equation (c0 u_x = c0 w_x), but the fast advection by the
 * background is now integrated exactly, leaving a slower nonlinear term.
 *
 * # Discretisation
 *
 * Space: Fourier collocation on n equispaced points x_j = j L / n. With
 * v_m = sum_j u_j exp(-i k_m x_j), k_m = 2 pi m / L (m = 0 .. n/2, FFTW's
 * unnormalised r2c transform), each mode obeys
 *
 *     dv_m/dt = L_m v_m + N_m(v),
 *     L_m = i (nu k_m^3 - c0 k_m),
 *     N_m = -(i k_m / 2) FFT[(u - c0)^2]_m,
 *
 * with the product formed on the grid (pseudo-spectral). The Nyquist mode
 * (m = n/2) is held at zero, as usual for odd derivatives. Dealiasing: the
 * nonlinear term is kept for modes m <= cut only (the 2/3 rule when enabled).
 *
 * Time: ETDRK4 of Cox & Matthews (J. Comput. Phys. 176, 2002) with the
 * coefficients evaluated by the contour integrals of Kassam & Trefethen
 * (SIAM J. Sci. Comput. 26, 2005): for step h, z = L_m h, E = e^z,
 * E2 = e^{z/2} and the phi-functions Q, f1, f2, f3 are means of their
 * defining expressions over 64 points on the circle |zeta - z| = 1, which
 * avoids the cancellation of the direct formulas at small |z|. A step is
 *
 *     a = E2 v + Q N(v)
 *     b = E2 v + Q N(a)
 *     c = E2 a + Q (2 N(b) - N(v))
 *     v <- E v + f1 N(v) + 2 f2 (N(a) + N(b)) + f3 N(c),
 *
 * fourth order in h; the linear part (dispersion and background advection)
 * is exact, so there is no dispersive stability limit.
 *
 * # Probes
 *
 * Probe values are the Fourier series of the grid field evaluated at the
 * probe (spectral interpolation), straight from v:
 *     u(x) = (1/n) [v_0 + 2 Re sum_{m=1}^{n/2-1} v_m e^{i k_m x}].
 *
 * # Runaway detection
 *
 * The integral of (u - mean)^2 is conserved by KdV. It is tracked each step
 * (Parseval); a non-finite value or growth past 4x its initial value stops
 * the run with HR_EUNSTABLE.
 */
#include "shallowwater/kdv_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "interface/status.h"

/* Points on the contour for the ETDRK4 coefficients. */
#define CONTOUR_POINTS 64

int hr_kdv__spectral_default_n(int accurate) { return accurate ? 1024 : 512; }

double hr_kdv__spectral_default_dt(int accurate) { return accurate ? 0.01 : 0.05; }

static fftw_complex *cmalloc(int n) { return fftw_malloc((size_t)n * sizeof(fftw_complex)); }

int hr_kdv__spectral_init(hr_kdv *s)
{
    const int n = s->n, nc = n / 2 + 1;
    s->nc = nc;
    if (s->p.dt == 0)
        s->p.dt = hr_kdv__spectral_default_dt(s->p.accurate);
    s->frame = 1.0;
    /* Dealiasing: the 2/3 rule keeps |m| <= n/3. */
    s->cut = n / 2 - 1;
    {
        const char *e = getenv("HR_KDV_DEALIAS");
        if (e && atoi(e))
            s->cut = n / 3;
        e = getenv("HR_KDV_FRAME");
        if (e)
            s->frame = atof(e);
    }

    s->wr = fftw_malloc((size_t)n * sizeof(double));
    s->v = cmalloc(nc);
    s->tmp = cmalloc(nc);
    s->nv = cmalloc(nc);
    s->na = cmalloc(nc);
    s->nb = cmalloc(nc);
    s->nc4 = cmalloc(nc);
    s->a = cmalloc(nc);
    s->b = cmalloc(nc);
    s->c = cmalloc(nc);
    double complex *coef = malloc((size_t)nc * 8 * sizeof *coef);
    if (!s->wr || !s->v || !s->tmp || !s->nv || !s->na || !s->nb || !s->nc4 || !s->a ||
        !s->b || !s->c || !coef) {
        free(coef);
        return HR_ERROR(HR_ENOMEM, "kdv_create: out of memory for the spectral solver (n = %d)",
                        n);
    }
    s->lin = coef;
    s->g = coef + nc;
    s->E = coef + 2 * nc;
    s->E2 = coef + 3 * nc;
    s->Q = coef + 4 * nc;
    s->f1 = coef + 5 * nc;
    s->f2 = coef + 6 * nc;
    s->f3 = coef + 7 * nc;

    /* FFTW's planner is not thread-safe: plan inside one named critical
     * section so solvers may also be created from OpenMP threads.
     * FFTW_ESTIMATE picks the plan without timing, so the same n always
     * gives the same plan and bitwise the same results. */
#pragma omp critical(hr_fftw_planner)
    {
        s->r2c = fftw_plan_dft_r2c_1d(n, s->wr, s->tmp, FFTW_ESTIMATE);
        s->c2r = fftw_plan_dft_c2r_1d(n, s->tmp, s->wr, FFTW_ESTIMATE);
    }
    if (!s->r2c || !s->c2r)
        return HR_ERROR(HR_ENOMEM, "kdv_create: FFTW could not plan n = %d", n);

    const double nu = s->p.nu, L = s->p.length;
    for (int m = 0; m < nc; m++) {
        double k = 2 * M_PI * m / L;
        if (m == n / 2)
            k = 0; /* Nyquist mode: odd derivatives vanish there */
        s->lin[m] = I * (nu * k * k * k - s->frame * k);
        s->g[m] = m <= s->cut ? -I * k / (2.0 * (double)n * (double)n) : 0;
    }
    s->coef_h = 0;
    return HR_OK;
}

void hr_kdv__spectral_fini(hr_kdv *s)
{
    if (s->r2c || s->c2r) {
#pragma omp critical(hr_fftw_planner)
        {
            if (s->r2c)
                fftw_destroy_plan(s->r2c);
            if (s->c2r)
                fftw_destroy_plan(s->c2r);
        }
    }
    s->r2c = s->c2r = NULL;
    fftw_free(s->wr);
    fftw_free(s->v);
    fftw_free(s->tmp);
    fftw_free(s->nv);
    fftw_free(s->na);
    fftw_free(s->nb);
    fftw_free(s->nc4);
    fftw_free(s->a);
    fftw_free(s->b);
    fftw_free(s->c);
    free(s->lin);
    s->wr = NULL;
    s->v = s->tmp = s->nv = s->na = s->nb = s->nc4 = s->a = s->b = s->c = NULL;
    s->lin = NULL;
}

/* ETDRK4 coefficients for step h (Kassam & Trefethen's contour means). */
static void make_coefficients(hr_kdv *s, double h)
{
    double complex r[CONTOUR_POINTS];
    for (int j = 0; j < CONTOUR_POINTS; j++)
        r[j] = cexp(I * M_PI * (2 * j + 1) / CONTOUR_POINTS);
    for (int m = 0; m < s->nc; m++) {
        double complex lh = s->lin[m] * h;
        s->E[m] = cexp(lh);
        s->E2[m] = cexp(lh / 2);
        double complex q = 0, a = 0, b = 0, c = 0;
        for (int j = 0; j < CONTOUR_POINTS; j++) {
            double complex z = lh + r[j], ez = cexp(z), ez2 = cexp(z / 2);
            double complex z2 = z * z, z3 = z2 * z;
            q += (ez2 - 1) / z;
            a += (-4 - z + ez * (4 - 3 * z + z2)) / z3;
            b += (2 + z + ez * (z - 2)) / z3;
            c += (-4 - 3 * z - z2 + ez * (4 - z)) / z3;
        }
        s->Q[m] = h * q / CONTOUR_POINTS;
        s->f1[m] = h * a / CONTOUR_POINTS;
        s->f2[m] = h * b / CONTOUR_POINTS;
        s->f3[m] = h * c / CONTOUR_POINTS;
    }
    s->coef_h = h;
}

/* out = N(in) = g * FFT[(u - c0)^2]; in is left intact. */
static void nonlinear(hr_kdv *s, const fftw_complex *in, fftw_complex *out)
{
    const int n = s->n, nc = s->nc;
    memcpy(s->tmp, in, (size_t)nc * sizeof *s->tmp);
    s->tmp[0] -= (double)n * s->frame; /* c2r gives n (u - c0) */
    fftw_execute_dft_c2r(s->c2r, s->tmp, s->wr);
    double *w = s->wr;
    for (int j = 0; j < n; j++)
        w[j] *= w[j];
    fftw_execute_dft_r2c(s->r2c, s->wr, out);
    const double complex *g = s->g;
    for (int m = 0; m < nc; m++)
        out[m] *= g[m];
}

/* Sum over modes 1..n/2-1 of 2 |v_m|^2: n times the sum of (u_j - mean)^2. */
static double variance(const hr_kdv *s)
{
    double e = 0;
    for (int m = 1; m < s->nc - 1; m++) {
        double re = creal(s->v[m]), im = cimag(s->v[m]);
        e += re * re + im * im;
    }
    return 2 * e;
}

/* Probe twiddles tw[p][m] = c_m e^{i k_m x_p} / n with c_0 = 1, c_m = 2. */
static int make_twiddles(hr_kdv *s, const hr_kdv_output *out)
{
    const int nc = s->nc, np = out->nprobes;
    int status = hr_kdv__probe_ws(s, (size_t)np * nc * sizeof(double complex) + 1);
    if (status)
        return status;
    double complex *tw = s->probe_ws;
    const double L = s->p.length;
    for (int p = 0; p < np; p++) {
        double x = out->probes[p];
        for (int m = 0; m < nc; m++) {
            /* Reduce m x / L to [0, 1) before forming the angle, so large m
             * lose no accuracy. */
            double frac = fmod((double)m * x, L) / L;
            double c = m == 0 ? 1.0 : m == nc - 1 ? 0.0 : 2.0;
            tw[(size_t)p * nc + m] = c / s->n * cexp(I * 2 * M_PI * frac);
        }
    }
    return HR_OK;
}

static void record(hr_kdv *s, const hr_kdv__plan *pl, int k, double *traces)
{
    const int nc = s->nc, np = pl->out->nprobes;
    const double complex *tw = s->probe_ws;
    for (int p = 0; p < np; p++) {
        const double complex *t = tw + (size_t)p * nc;
        double sum = 0;
        for (int m = 0; m < nc; m++)
            sum += creal(s->v[m]) * creal(t[m]) - cimag(s->v[m]) * cimag(t[m]);
        traces[(size_t)p * pl->nout + k] = sum;
    }
}

static void step(hr_kdv *s)
{
    const int nc = s->nc;
    fftw_complex *v = s->v, *a = s->a, *b = s->b, *c = s->c;
    fftw_complex *nv = s->nv, *na = s->na, *nb = s->nb, *ncc = s->nc4;
    const double complex *E = s->E, *E2 = s->E2, *Q = s->Q;
    const double complex *f1 = s->f1, *f2 = s->f2, *f3 = s->f3;

    nonlinear(s, v, nv);
    for (int m = 0; m < nc; m++)
        a[m] = E2[m] * v[m] + Q[m] * nv[m];
    nonlinear(s, a, na);
    for (int m = 0; m < nc; m++)
        b[m] = E2[m] * v[m] + Q[m] * na[m];
    nonlinear(s, b, nb);
    for (int m = 0; m < nc; m++)
        c[m] = E2[m] * a[m] + Q[m] * (2 * nb[m] - nv[m]);
    nonlinear(s, c, ncc);
    for (int m = 0; m < nc; m++)
        v[m] = E[m] * v[m] + f1[m] * nv[m] + 2 * f2[m] * (na[m] + nb[m]) + f3[m] * ncc[m];
}

int hr_kdv__spectral_run(hr_kdv *s, const double *u0, const hr_kdv__plan *pl,
                         double *traces)
{
    const int n = s->n;
    int status = make_twiddles(s, pl->out);
    if (status)
        return status;
    if (s->coef_h != pl->h)
        make_coefficients(s, pl->h);

    memcpy(s->wr, u0, (size_t)n * sizeof *s->wr);
    fftw_execute_dft_r2c(s->r2c, s->wr, s->v);
    s->v[s->nc - 1] = 0; /* Nyquist mode */
    const double var0 = variance(s);
    const double floor_ = 1e-24 * creal(s->v[0]) * creal(s->v[0]) + 1e-300;

    record(s, pl, 0, traces);
    for (int k = 1; k < pl->nout && status == HR_OK; k++) {
        for (int i = 0; i < pl->substeps; i++) {
            step(s);
            double var = variance(s);
            if (!(isfinite(var) && var <= 4 * var0 + floor_)) {
                double t = ((k - 1) * pl->substeps + i + 1) * pl->h;
                status = hr_kdv__check_runaway(s, t, var / n * s->dx, var0 / n * s->dx,
                                               floor_ / n * s->dx);
                break;
            }
        }
        if (status == HR_OK)
            record(s, pl, k, traces);
    }

    /* The final field on the grid. */
    memcpy(s->tmp, s->v, (size_t)s->nc * sizeof *s->tmp);
    fftw_execute_dft_c2r(s->c2r, s->tmp, s->wr);
    for (int j = 0; j < n; j++)
        s->u[j] = s->wr[j] / n;
    return status;
}
