/* kdv_spectral.c — pseudo-spectral KdV solver with ETDRK4 time stepping.
 *
 * # Equations
 *
 * The Korteweg–de Vries equation on the periodic domain [0, L),
 *
 *     u_t = -u u_x - nu u_xxx.
 *
 * A constant c0 (the "frame") is moved into the linear part: with
 * w = u - c0, u u_x = c0 u_x + (w^2 / 2)_x, so
 *
 *     u_t = -c0 u_x - nu u_xxx - (w^2 / 2)_x,
 *
 * the same equation, with the advection at speed c0 integrated exactly and
 * only the advection relative to the frame left to the explicit part. Each
 * run takes c0 = (min u0 + max u0) / 2, which makes the largest |w| at t = 0
 * as small as it can be. (ETDRK4 keeps a solution that is steady in the
 * frame exactly, so the time-stepping error comes from motion relative to
 * the frame: on the reference cases this choice gives a 10x smaller error
 * than c0 = 0, and 3x smaller than c0 = 1, at the same step.)
 *
 * # Discretisation
 *
 * Space: Fourier collocation on n equispaced points x_j = j L / n. With
 * v_m = sum_j u_j exp(-i k_m x_j), k_m = 2 pi m / L (m = 0 .. n/2, the
 * unnormalised real FFT, computed as a complex FFT of n/2 points), each mode
 * obeys
 *
 *     dv_m/dt = L_m v_m + N_m(v),
 *     L_m = i (nu k_m^3 - c0 k_m),
 *     N_m = -(i k_m / 2) FFT[(u - c0)^2]_m,
 *
 * with the product formed on the grid (pseudo-spectral). The Nyquist mode
 * (m = n/2) is held at zero, as usual for odd derivatives. No dealiasing:
 * at the default n the spectrum has decayed to ~1e-9 of its peak by the
 * Nyquist wavenumber, so aliasing is below that; the 2/3 rule removes modes
 * the narrow solitons need (measured at n = 768: 10x larger errors).
 *
 * Time: ETDRK4 of Cox & Matthews (J. Comput. Phys. 176, 2002). For step h
 * and z = L_m h, with the phi-functions phi_j(z) = sum_k z^k / (k + j)!,
 *
 *     a = E2 v + Q N(v)
 *     b = E2 v + Q N(a)
 *     c = E2 a + Q (2 N(b) - N(v))
 *     v <- E v + f1 N(v) + 2 f2 (N(a) + N(b)) + f3 N(c),
 *
 *     E = e^z, E2 = e^{z/2}, Q = (h/2) phi_1(z/2),
 *     f1 = h (phi_1 - 3 phi_2 + 4 phi_3), f2 = h (phi_2 - 2 phi_3),
 *     f3 = h (4 phi_3 - phi_2).
 *
 * The phi-functions are summed as Taylor series for |z| < 1, where the
 * closed forms cancel (the difficulty Kassam & Trefethen's contour
 * integrals address, SIAM J. Sci. Comput. 26, 2005; the series give the same
 * coefficients to round-off and cost far less, so they can be remade per
 * run when the frame changes), and from the closed forms otherwise. The
 * scheme is fourth order in h; the linear part (dispersion and the frame's
 * advection) is exact, so there is no dispersive stability limit, only the
 * advective one |w| k_max h < ~2.8 of the explicit part.
 *
 * # Probes
 *
 * Probe values are the Fourier series of the grid field evaluated at the
 * probe (spectral interpolation), straight from v:
 *     u(x) = (1/n) [v_0 + 2 Re sum_{m=1}^{n/2-1} v_m e^{i k_m x}].
 *
 * # Accuracy and cost (the reference cases of tests/reference/kdv)
 *
 * Solitons taller than the initial one form (height 2.2 above the
 * background in case freq5); their spectrum falls as exp(-2.1 k), so n must
 * reach k_max = pi n / L ~ 8: probe errors against a converged solution
 * are 0.2 at n = 512, 7e-4 at n = 768, 7e-5 at n = 864 and 5e-6 at n = 1024
 * (L = 400, to t = 100). Their speed also sets the step: 2e-4 at h = 0.05,
 * 9e-6 at h = 0.02, 4e-3 at h = 0.1. Defaults: n = 1024 (a power of two,
 * FFTW's fastest size in that range), dt = 0.05; accurate: n = 1024,
 * dt = 0.02. A step costs four real FFT pairs (~4 us at n = 1024) plus
 * ~2.5 us of O(n) work: ~7 us, so a solve to t = 60 takes ~8 ms.
 *
 * # Runaway detection
 *
 * The integral of (u - mean)^2 is conserved by KdV. It is tracked each step
 * (Parseval); a non-finite value or growth past 4x its initial value stops
 * the run with HR_EUNSTABLE.
 */
#include "shallowwater/kdv_internal.h"

/* No fused multiply-add in this file. GCC 12's vectoriser recognises the
 * interleaved complex products below (a c - b d, a d + b c) and emits
 * vfmaddsub/vfmsubadd even under -ffp-contract=off, so a build for a CPU with
 * FMA (-march=native, x86-64-v3) computed other bits than one without (the
 * sanitizer and portable builds). Without FMA here every build gives the same
 * bits; tests/check_builds.sh keeps FMA out of the library and CI compares
 * the builds' results. */
#if defined(__GNUC__) && !defined(__clang__) && (defined(__x86_64__) || defined(__i386__))
#pragma GCC target("no-fma", "no-avx512f")
#endif

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/status.h"

/* Defaults: see "Accuracy and cost" above. */
int hr_kdv__spectral_default_n(int accurate)
{
    (void)accurate;
    return 1024;
}

double hr_kdv__spectral_default_dt(int accurate) { return accurate ? 0.02 : 0.05; }

/* n doubles on a 64-byte boundary (a cache line, and the AVX-512 width):
 * fftw_malloc guarantees less here, and split-line loads made steps ~20%
 * slower when a block happened to land off a 64-byte boundary. Free with
 * free(). FFTW only needs the arrays it executes on aligned like the ones it
 * planned with, which holds as all are 64-byte aligned. */
static double *dmalloc(size_t n)
{
    size_t bytes = (n * sizeof(double) + 63) / 64 * 64;
    return aligned_alloc(64, bytes);
}

int hr_kdv__spectral_init(hr_kdv *s)
{
    const int n = s->n, nc = n / 2 + 1;
    s->nc = nc;
    if (s->p.dt == 0)
        s->p.dt = hr_kdv__spectral_default_dt(s->p.accurate);
    /* No dealiasing (see the header): every mode below Nyquist gets the
     * nonlinear term. */
    s->cut = n / 2 - 1;

    /* Fourteen complex arrays of nc values, interleaved (re, im), in one
     * block, each starting on a 64-byte boundary of it: FFTW's new-array
     * execute needs the arrays it is given aligned as the planning ones. */
    double **arr[] = {&s->v,  &s->tmp, &s->e2v, &s->a,   &s->fv,  &s->fa,  &s->fb, &s->fc,
                      &s->E,  &s->E2,  &s->Qg,  &s->f1g, &s->f2g, &s->f3g, &s->zs, &s->twr};
    const int narr = (int)(sizeof arr / sizeof arr[0]);
    const size_t stride = ((size_t)2 * nc + 7) / 8 * 8;
    s->wr = dmalloc((size_t)n);
    s->cw = dmalloc(stride * narr);
    if (!s->wr || !s->cw)
        return HR_ERROR(HR_ENOMEM, "kdv_create: out of memory for the spectral solver (n = %d)",
                        n);
    for (int i = 0; i < narr; i++)
        *arr[i] = s->cw + (size_t)i * stride;

    for (int m = 0; m < nc; m++) {
        s->twr[2 * m] = cos(2 * M_PI * m / n);
        s->twr[2 * m + 1] = sin(2 * M_PI * m / n);
    }

    /* FFTW's planner is not thread-safe: plan inside one named critical
     * section so solvers may also be created from OpenMP threads.
     * FFTW_ESTIMATE picks the plan without timing, so the same n always
     * gives the same plan and bitwise the same results, run after run. */
    const int M = n / 2;
#pragma omp critical(hr_fftw_planner)
    {
        s->fwd = fftw_plan_dft_1d(M, (fftw_complex *)s->wr, (fftw_complex *)s->zs, FFTW_FORWARD,
                                  FFTW_ESTIMATE);
        s->bwd = fftw_plan_dft_1d(M, (fftw_complex *)s->zs, (fftw_complex *)s->wr,
                                  FFTW_BACKWARD, FFTW_ESTIMATE);
    }
    if (!s->fwd || !s->bwd)
        return HR_ERROR(HR_ENOMEM, "kdv_create: FFTW could not plan n = %d", n);
    s->coef_h = 0;
    s->frame = NAN;
    return HR_OK;
}

void hr_kdv__spectral_fini(hr_kdv *s)
{
    if (s->fwd || s->bwd) {
#pragma omp critical(hr_fftw_planner)
        {
            if (s->fwd)
                fftw_destroy_plan(s->fwd);
            if (s->bwd)
                fftw_destroy_plan(s->bwd);
        }
    }
    s->fwd = s->bwd = NULL;
    free(s->wr);
    free(s->cw);
    s->wr = s->cw = NULL;
}

/* Taylor coefficients 1/(k + 3)!, k = 0 .. TAYLOR - 1: for |z| < 1 the
 * remainder of the phi_3 series is below 1e-25. */
#define TAYLOR 23

/* phi_1, phi_2, phi_3 of z, given ez = e^z: phi_j(z) = sum_k z^k / (k + j)!,
 * by the Taylor series for |z| < 1 and by phi_{j+1} = (phi_j - 1/j!) / z
 * otherwise (which loses at most about one digit at |z| = 1). */
static void phis(double complex z, double complex ez, const double *inv, double complex *p1,
                 double complex *p2, double complex *p3)
{
    if (cabs(z) < 1) {
        double complex t = 0;
        for (int k = TAYLOR - 1; k >= 0; k--)
            t = t * z + inv[k];
        *p3 = t;
        *p2 = 0.5 + z * t;
        *p1 = 1 + z * *p2;
    } else {
        *p1 = (ez - 1) / z;
        *p2 = (*p1 - 1) / z;
        *p3 = (*p2 - 0.5) / z;
    }
}

/* The linear operator, nonlinear factor and ETDRK4 coefficients for step h
 * in the frame c0 (Cox & Matthews; with z = L_m h,
 *     Q = (h/2) phi_1(z/2),  f1 = h (phi_1 - 3 phi_2 + 4 phi_3),
 *     f2 = h (phi_2 - 2 phi_3),  f3 = h (4 phi_3 - phi_2),
 * each multiplied by the nonlinear factor g_m = -i k_m / (2 n^2)). About
 * 0.1 ms at n = 1024: remade only when h or c0 change. */
static void make_coefficients(hr_kdv *s, double h, double c0)
{
    const int n = s->n;
    const double nu = s->p.nu, L = s->p.length;
    double inv[TAYLOR], f = 6;
    for (int k = 0; k < TAYLOR; k++) {
        inv[k] = 1 / f;
        f *= k + 4;
    }
    for (int m = 0; m < s->nc; m++) {
        double k = 2 * M_PI * m / L;
        if (m == n / 2)
            k = 0; /* Nyquist mode: odd derivatives vanish there */
        double complex lin = I * (nu * k * k * k - c0 * k);
        double complex g = m <= s->cut ? -I * k / (2.0 * (double)n * (double)n) : 0;
        double complex z = lin * h, ez = cexp(z), ez2 = cexp(z / 2);
        double complex p1, p2, p3, q1, q2, q3;
        phis(z, ez, inv, &p1, &p2, &p3);
        phis(z / 2, ez2, inv, &q1, &q2, &q3);
        double complex c[6] = {ez, ez2, g * h / 2 * q1, g * h * (p1 - 3 * p2 + 4 * p3),
                               g * h * (p2 - 2 * p3), g * h * (4 * p3 - p2)};
        double *dst[6] = {s->E, s->E2, s->Qg, s->f1g, s->f2g, s->f3g};
        for (int i = 0; i < 6; i++) {
            dst[i][2 * m] = creal(c[i]);
            dst[i][2 * m + 1] = cimag(c[i]);
        }
    }
    s->coef_h = h;
    s->frame = c0;
}

/* Real FFTs of length n through complex FFTs of length M = n/2 (the
 * classic packing; FFTW's own r2c/c2r are slower here with FFTW_ESTIMATE
 * plans). A real array x of n values is the complex array z_j = x_{2j} +
 * i x_{2j+1} of M values. With X the unnormalised spectrum of x (m = 0..M)
 * and w = e^{2 pi i / n}:
 *     to_grid:     Y_m = (X_m + conj X_{M-m}) + i w^m (X_m - conj X_{M-m}),
 *                  z = IFFT_M(Y) (unnormalised) gives n x, like FFTW's c2r;
 *     to_spectrum: Z = FFT_M(z), X_m = (Z_m + conj Z_{M-m}) / 2
 *                  - i w^{-m} (Z_m - conj Z_{M-m}) / 2 (Z_M = Z_0),
 *                  like FFTW's r2c. */

/* x = n (field of X), where X_0 is taken as X_0 - shift. Leaves X intact. */
static void to_grid(hr_kdv *s, const double *restrict X, double shift, double *x)
{
    const int M = s->n / 2;
    double *restrict y = s->zs;
    const double *restrict w = s->twr;
#pragma omp simd
    for (int m = 1; m < M; m++) {
        double ar = X[2 * m], ai = X[2 * m + 1];
        double br = X[2 * (M - m)], bi = -X[2 * (M - m) + 1];
        double dr = ar - br, di = ai - bi; /* X_m - conj X_{M-m} */
        double er = w[2 * m] * dr - w[2 * m + 1] * di, ei = w[2 * m] * di + w[2 * m + 1] * dr;
        y[2 * m] = ar + br - ei;
        y[2 * m + 1] = ai + bi + er;
    }
    {
        double ar = X[0] - shift, ai = X[1], br = X[2 * M], bi = -X[2 * M + 1];
        y[0] = ar + br - (ai - bi);
        y[1] = ai + bi + (ar - br);
    }
    fftw_execute_dft(s->bwd, (fftw_complex *)y, (fftw_complex *)x);
}

/* X = FFT(x) (M + 1 modes) of the real array x (n values). */
static void to_spectrum(hr_kdv *s, double *x, double *restrict X)
{
    const int M = s->n / 2;
    double *restrict z = s->zs;
    const double *restrict w = s->twr;
    fftw_execute_dft(s->fwd, (fftw_complex *)x, (fftw_complex *)z);
#pragma omp simd
    for (int m = 1; m < M; m++) {
        double ar = z[2 * m], ai = z[2 * m + 1];
        double br = z[2 * (M - m)], bi = -z[2 * (M - m) + 1];
        double dr = ar - br, di = ai - bi; /* Z_m - conj Z_{M-m} */
        /* -i conj(w^m) d = -i (wr - i wi)(dr + i di) */
        double pr = w[2 * m] * dr + w[2 * m + 1] * di, pi = w[2 * m] * di - w[2 * m + 1] * dr;
        X[2 * m] = 0.5 * (ar + br + pi);
        X[2 * m + 1] = 0.5 * (ai + bi - pr);
    }
    X[0] = z[0] + z[1];
    X[1] = 0;
    X[2 * M] = z[0] - z[1];
    X[2 * M + 1] = 0;
}

/* out = FFT[n^2 (u - c0)^2] of the field whose spectrum is `in`. */
static void nonlinear(hr_kdv *s, const double *in, double *out)
{
    const int n = s->n;
    to_grid(s, in, (double)n * s->frame, s->wr);
    double *restrict w = s->wr;
#pragma omp simd
    for (int j = 0; j < n; j++)
        w[j] *= w[j];
    to_spectrum(s, s->wr, out);
}

/* x * y for interleaved complex values. */
#define MULR(x, y, m) ((x)[2 * (m)] * (y)[2 * (m)] - (x)[2 * (m) + 1] * (y)[2 * (m) + 1])
#define MULI(x, y, m) ((x)[2 * (m)] * (y)[2 * (m) + 1] + (x)[2 * (m) + 1] * (y)[2 * (m)])

/* Sums are split over LANES accumulators (term m into m mod LANES) and
 * combined pairwise in a fixed order: a vectorised reduction would add in an
 * order set by the vector width, so AVX-512, AVX2, SSE and the sanitizer
 * build would differ in the last bits. */
#define LANES 8

static double fixed_sum(const double *acc)
{
    return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

/* One ETDRK4 step; returns sum over modes 1..n/2-1 of 2 |v_m|^2 afterwards
 * (n times the sum of (u_j - mean)^2 on the grid). The stage values are
 * formed in s->tmp, the input of the next nonlinear term. */
static double step(hr_kdv *s)
{
    const int nc = s->nc;
    double *restrict v = s->v, *restrict t = s->tmp, *restrict e2v = s->e2v;
    double *restrict a = s->a, *restrict fv = s->fv, *restrict fa = s->fa;
    double *restrict fb = s->fb, *restrict fc = s->fc;
    const double *restrict E = s->E, *restrict E2 = s->E2, *restrict Q = s->Qg;
    const double *restrict f1 = s->f1g, *restrict f2 = s->f2g, *restrict f3 = s->f3g;

    nonlinear(s, v, fv);
#pragma omp simd
    for (int m = 0; m < nc; m++) {
        double er = MULR(E2, v, m), ei = MULI(E2, v, m);
        e2v[2 * m] = er;
        e2v[2 * m + 1] = ei;
        t[2 * m] = a[2 * m] = er + MULR(Q, fv, m);
        t[2 * m + 1] = a[2 * m + 1] = ei + MULI(Q, fv, m);
    }
    nonlinear(s, t, fa);
#pragma omp simd
    for (int m = 0; m < nc; m++) {
        t[2 * m] = e2v[2 * m] + MULR(Q, fa, m);
        t[2 * m + 1] = e2v[2 * m + 1] + MULI(Q, fa, m);
    }
    nonlinear(s, t, fb);
#pragma omp simd
    for (int m = 0; m < nc; m++) {
        double dr = 2 * fb[2 * m] - fv[2 * m], di = 2 * fb[2 * m + 1] - fv[2 * m + 1];
        t[2 * m] = MULR(E2, a, m) + Q[2 * m] * dr - Q[2 * m + 1] * di;
        t[2 * m + 1] = MULI(E2, a, m) + Q[2 * m] * di + Q[2 * m + 1] * dr;
    }
    nonlinear(s, t, fc);
    /* Eight partial sums in a fixed order (lane k takes m = k mod 8), so the
     * result is the same bits whatever vector width the compiler uses. */
    double acc[LANES] = {0};
#pragma omp simd
    for (int m = 0; m < nc; m++) {
        double sr = fa[2 * m] + fb[2 * m], si = fa[2 * m + 1] + fb[2 * m + 1];
        double vr = MULR(E, v, m) + MULR(f1, fv, m) + 2 * (f2[2 * m] * sr - f2[2 * m + 1] * si) +
                    MULR(f3, fc, m);
        double vi = MULI(E, v, m) + MULI(f1, fv, m) + 2 * (f2[2 * m] * si + f2[2 * m + 1] * sr) +
                    MULI(f3, fc, m);
        v[2 * m] = vr;
        v[2 * m + 1] = vi;
        acc[m % LANES] += vr * vr + vi * vi;
    }
    double var = fixed_sum(acc);
    /* Take out the mean mode; the Nyquist mode stays 0 (its factors vanish). */
    var -= v[0] * v[0] + v[1] * v[1];
    return 2 * var;
}

/* Sum over modes 1..n/2-1 of 2 |v_m|^2. */
static double variance(const hr_kdv *s)
{
    double e = 0;
    for (int m = 1; m < s->nc - 1; m++)
        e += s->v[2 * m] * s->v[2 * m] + s->v[2 * m + 1] * s->v[2 * m + 1];
    return 2 * e;
}

/* Probe twiddles tw[p][m] = c_m e^{i k_m x_p} / n with c_0 = 1, c_m = 2 and
 * the Nyquist term dropped (that mode is held at zero). */
static int make_twiddles(hr_kdv *s, const hr_kdv_output *out)
{
    const int nc = s->nc, np = out->nprobes;
    int status = hr_kdv__probe_ws(s, (size_t)np * nc * 2 * sizeof(double) + 1);
    if (status)
        return status;
    double *tw = s->probe_ws;
    const double L = s->p.length;
    for (int p = 0; p < np; p++) {
        double x = out->probes[p];
        for (int m = 0; m < nc; m++) {
            /* Reduce m x / L to [0, 1) before forming the angle, so large m
             * lose no accuracy. */
            double frac = fmod((double)m * x, L) / L;
            double c = (m == 0 ? 1.0 : m == nc - 1 ? 0.0 : 2.0) / s->n;
            tw[((size_t)p * nc + m) * 2] = c * cos(2 * M_PI * frac);
            tw[((size_t)p * nc + m) * 2 + 1] = c * sin(2 * M_PI * frac);
        }
    }
    return HR_OK;
}

static void record(hr_kdv *s, const hr_kdv__plan *pl, int k, double *traces)
{
    const int nc = s->nc, np = pl->out->nprobes;
    const double *tw = s->probe_ws, *v = s->v;
    for (int p = 0; p < np; p++) {
        const double *t = tw + (size_t)p * nc * 2;
        double acc[LANES] = {0};
        for (int m = 0; m < nc; m++)
            acc[m % LANES] += v[2 * m] * t[2 * m] - v[2 * m + 1] * t[2 * m + 1];
        traces[(size_t)p * pl->nout + k] = fixed_sum(acc);
    }
}

int hr_kdv__spectral_run(hr_kdv *s, const double *u0, const hr_kdv__plan *pl,
                         double *traces)
{
    const int n = s->n;
    int status = make_twiddles(s, pl->out);
    if (status)
        return status;

    /* The frame: the middle of the initial range of u, which minimises the
     * largest |u - c0| left to the explicit nonlinear term at t = 0. */
    double umin = u0[0], umax = u0[0];
    for (int j = 1; j < n; j++) {
        if (u0[j] < umin)
            umin = u0[j];
        if (u0[j] > umax)
            umax = u0[j];
    }
    double c0 = 0.5 * (umin + umax);
    if (s->coef_h != pl->h || s->frame != c0)
        make_coefficients(s, pl->h, c0);

    memcpy(s->wr, u0, (size_t)n * sizeof *s->wr);
    to_spectrum(s, s->wr, s->v);
    s->v[2 * (s->nc - 1)] = s->v[2 * (s->nc - 1) + 1] = 0; /* Nyquist mode */
    const double var0 = variance(s);
    const double floor_ = 1e-24 * s->v[0] * s->v[0] + 1e-300;
    const double to_integral = s->dx / n; /* var -> integral of (u - mean)^2 */

    record(s, pl, 0, traces);
    for (int k = 1; k < pl->nout && status == HR_OK; k++) {
        for (int i = 0; i < pl->substeps; i++) {
            double var = step(s);
            if (!(isfinite(var) && var <= 4 * var0 + floor_)) {
                double t = ((k - 1) * pl->substeps + i + 1) * pl->h;
                status = hr_kdv__check_runaway(s, t, var * to_integral, var0 * to_integral,
                                               floor_ * to_integral);
                break;
            }
        }
        if (status == HR_OK)
            record(s, pl, k, traces);
    }

    /* The final field on the grid. */
    to_grid(s, s->v, 0, s->wr);
    for (int j = 0; j < n; j++)
        s->u[j] = s->wr[j] / n;
    return status;
}
