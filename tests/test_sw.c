/* test_sw.c — the shallow-water tank against known answers: lake at rest,
 * mass conservation, seiches in 1D and 2D, the linear wave speed and the
 * scheme's order, Stoker's dam break, drag decay, sponge absorption, and a
 * wave maker's frequency and (non)linearity. Each tolerance is stated with
 * the reason for it; the measured values are printed (run the binary to see
 * them). Grids are small so the whole file runs in about a second. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "shallowwater/sw.h"
#include "tests/test_util.h"

#define G 9.81

static hr_sw_params channel(int nx, double lx, double depth)
{
    hr_sw_params p = hr_sw_params_default();
    p.nx = nx;
    p.ny = 1;
    p.lx = lx;
    p.ly = 1.0;
    p.g = G;
    p.depth = depth;
    p.threads = 1;
    return p;
}

static hr_sw *make(const hr_sw_params *p)
{
    hr_sw *s = NULL;
    assert_status(hr_sw_create(&s, p), HR_OK);
    assert_non_null(s);
    return s;
}

/* Mean period between downward zero crossings of tr[k0 .. n-1] (sample
 * spacing dt), with linear interpolation of each crossing. The signal is
 * smooth and sampled at >= 30 points per period, where the interpolation error
 * of a crossing is O((omega dt)^3) of a period. */
static double crossing_period(const double *tr, int k0, int n, double dt, int *ncross)
{
    double first = -1, last = -1;
    int nc = 0;
    for (int k = k0 + 1; k < n; k++)
        if (tr[k - 1] > 0 && tr[k] <= 0) {
            double t = (k - 1 + tr[k - 1] / (tr[k - 1] - tr[k])) * dt;
            if (nc == 0)
                first = t;
            last = t;
            nc++;
        }
    if (ncross)
        *ncross = nc;
    return nc > 1 ? (last - first) / (nc - 1) : NAN;
}

/* ---- 1. Lake at rest ---- */

/* A lake at rest over a bumpy bed, with every term switched on (drag,
 * viscosity, a sponge, periodic sides), must stay at rest: eta is stored apart
 * from H, so the pressure gradient of a flat surface is exactly 0 and no
 * flux ever starts. Bound: 1e-12 (issue); the scheme gives exactly 0. */
static void lake_at_rest(enum hr_sw_precision prec, int ny)
{
    hr_sw_params p = hr_sw_params_default();
    p.nx = 48;
    p.ny = ny;
    p.lx = 1.2;
    p.ly = 0.9;
    p.depth_kind = HR_SW_DEPTH_FORMULA;
    p.depth_formula = "0.05 + 0.02*sin(7.3*x)*cos(5.1*y) + 0.01*exp(-((x-0.6)^2+(y-0.4)^2)/0.01)";
    p.drag = 0.05;
    p.viscosity = 1e-5;
    p.boundary[HR_SW_WEST] = p.boundary[HR_SW_EAST] = HR_SW_PERIODIC;
    p.boundary[HR_SW_NORTH] = HR_SW_SPONGE;
    p.sponge_width = 0.2;
    p.precision = prec;
    hr_sw *s = make(&p);
    const double dt = hr_sw_dt(s);
    double probe[4] = {0.31, 0.42, 1.1, 0.05}, tr[2 * 101];
    assert_status(hr_sw_run(s, 0, NULL, NULL, 2, probe, 1e4 * dt, 100 * dt, tr), HR_OK);
    assert_int_equal(hr_sw_steps(s), 10000);
    const int n = p.nx * p.ny;
    double *eta = malloc(3 * (size_t)n * sizeof *eta), *u = eta + n, *v = u + n;
    hr_sw_get_state(s, eta, u, v);
    double emax = 0, umax = 0;
    for (int k = 0; k < n; k++) {
        emax = fmax(emax, fabs(eta[k]));
        umax = fmax(umax, fmax(fabs(u[k]), fabs(v[k])));
    }
    for (int k = 0; k < 2 * 101; k++)
        emax = fmax(emax, fabs(tr[k]));
    printf("  lake at rest (%s, ny = %d): max |eta| = %g, max |u|,|v| = %g after %lld steps\n",
           prec == HR_SW_F32 ? "f32" : "f64", ny, emax, umax, hr_sw_steps(s));
    assert_true(emax < 1e-12);
    assert_true(umax < 1e-12);
    free(eta);
    hr_sw_destroy(s);
}

static void test_lake_at_rest(void **state)
{
    lake_at_rest(HR_SW_F64, 40);
    lake_at_rest(HR_SW_F32, 40);
    lake_at_rest(HR_SW_F64, 1);
}

/* ---- 2. Mass ---- */

/* Closed walls, no sources or sponges: sum(eta) dx dy changes only by
 * round-off. A large hump (a/H = 0.3) over a bumpy bed makes the fluxes and
 * the advection fully nonlinear. Round-off per step is a few ulps of each
 * flux difference; summed over N cells and n steps it grows like
 * sqrt(N n) eps |eta| at worst, about 1e-13 of the mass scale sum|eta| dx dy
 * here, so 1e-12 (f64) bounds it with margin (measured: 2e-16). In f32
 * (eps = 6e-8) the same estimate is 1e-4; measured 1e-7, bound 1e-5. */
static void mass_conservation(enum hr_sw_precision prec, double tol)
{
    hr_sw_params p = hr_sw_params_default();
    p.nx = 40;
    p.ny = 36;
    p.lx = 1.0;
    p.ly = 0.9;
    p.depth_kind = HR_SW_DEPTH_FORMULA;
    p.depth_formula = "0.05 + 0.015*cos(9*x)*sin(6*y)";
    p.precision = prec;
    hr_sw *s = make(&p);
    const int n = p.nx * p.ny;
    double *eta = malloc((size_t)n * sizeof *eta);
    double scale = 0;
    for (int j = 0; j < p.ny; j++)
        for (int i = 0; i < p.nx; i++) {
            double x = (i + 0.5) * p.lx / p.nx, y = (j + 0.5) * p.ly / p.ny;
            eta[j * p.nx + i] = 0.015 * exp(-((x - 0.3) * (x - 0.3) + (y - 0.6) * (y - 0.6)) / 0.01);
            scale += fabs(eta[j * p.nx + i]) * (p.lx / p.nx) * (p.ly / p.ny);
        }
    hr_sw_state init = {eta, NULL, NULL};
    assert_status(hr_sw_run_from(s, &init, 0, NULL, NULL, 0, NULL, 0, 1, NULL), HR_OK);
    double m0 = hr_sw_mass(s);
    double t_end = 2000 * hr_sw_dt(s);
    assert_status(hr_sw_run_from(s, &init, 0, NULL, NULL, 0, NULL, t_end, t_end, NULL), HR_OK);
    double m1 = hr_sw_mass(s);
    printf("  mass (%s): %lld steps, drift %.3g of the mass scale %.4g m^3 (tolerance %g)\n",
           prec == HR_SW_F32 ? "f32" : "f64", hr_sw_steps(s), fabs(m1 - m0) / scale, scale, tol);
    assert_true(hr_sw_steps(s) >= 2000);
    assert_true(fabs(m1 - m0) <= tol * scale);
    free(eta);
    hr_sw_destroy(s);
}

static void test_mass(void **state)
{
    mass_conservation(HR_SW_F64, 1e-12);
    mass_conservation(HR_SW_F32, 1e-5);
}

/* ---- 3. Seiches ---- */

/* First mode of a closed basin L = 1 m, H = 0.05 m: period 2L / sqrt(gH) =
 * 2.855686 s. Started from eta = a cos(pi x / L) with a/H = 2e-4 (linear).
 * With 100 cells the discrete dispersion relation gives a period 4e-5 long,
 * so 0.1% (issue) holds with margin. */
static void test_seiche_1d(void **state)
{
    const double L = 1, H = 0.05, T = 2 * L / sqrt(G * H);
    assert_rel(T, 2.855686, 1e-6);
    hr_sw_params p = channel(100, L, H);
    hr_sw *s = make(&p);
    double eta[100];
    for (int i = 0; i < 100; i++)
        eta[i] = 1e-5 * cos(M_PI * (i + 0.5) / 100);
    hr_sw_state init = {eta, NULL, NULL};
    const double dt_out = T / 200, t_end = 6 * T;
    int n = hr_sw_nout(t_end, dt_out);
    double *tr = malloc((size_t)n * sizeof *tr), probe[2] = {0.0, 0.0};
    assert_status(hr_sw_run_from(s, &init, 0, NULL, NULL, 1, probe, t_end, dt_out, tr), HR_OK);
    int nc;
    double per = crossing_period(tr, 0, n, dt_out, &nc);
    printf("  seiche 1D: period %.7f s vs %.7f s, relative error %.2e (tolerance 1e-3)\n", per,
           T, per / T - 1);
    assert_int_equal(nc, 6);
    assert_rel(per, T, 1e-3);
    free(tr);
    hr_sw_destroy(s);
}

/* The (1,1) mode of a closed 2D basin Lx = 1 m, Ly = 0.6 m, H = 0.05 m:
 * f = (sqrt(gH)/2) sqrt(1/Lx^2 + 1/Ly^2). On 50 x 30 cells (dx = dy = 2 cm)
 * the discrete relation puts f about 3.5e-4 low (mostly from the shorter y
 * wavelength), inside the 0.1% tolerance of the 1D case. In f64 and f32. */
static void seiche_2d(enum hr_sw_precision prec)
{
    const double Lx = 1, Ly = 0.6, H = 0.05;
    const double f = 0.5 * sqrt(G * H) * sqrt(1 / (Lx * Lx) + 1 / (Ly * Ly));
    hr_sw_params p = hr_sw_params_default();
    p.nx = 50;
    p.ny = 30;
    p.lx = Lx;
    p.ly = Ly;
    p.depth = H;
    p.precision = prec;
    hr_sw *s = make(&p);
    double *eta = malloc(50 * 30 * sizeof *eta);
    for (int j = 0; j < 30; j++)
        for (int i = 0; i < 50; i++)
            eta[j * 50 + i] = 1e-5 * cos(M_PI * (i + 0.5) / 50) * cos(M_PI * (j + 0.5) / 30);
    hr_sw_state init = {eta, NULL, NULL};
    const double dt_out = 1 / f / 100, t_end = 5.5 / f;
    int n = hr_sw_nout(t_end, dt_out);
    double *tr = malloc((size_t)n * sizeof *tr), probe[2] = {0.05, 0.05};
    assert_status(hr_sw_run_from(s, &init, 0, NULL, NULL, 1, probe, t_end, dt_out, tr), HR_OK);
    int nc;
    double per = crossing_period(tr, 0, n, dt_out, &nc);
    printf("  seiche 2D (1,1) %s: f = %.6f Hz vs %.6f Hz, relative error %.2e (tolerance "
           "1e-3)\n", prec == HR_SW_F32 ? "f32" : "f64", 1 / per, f, f * per - 1);
    assert_true(nc >= 5);
    assert_rel(1 / per, f, 1e-3);
    free(tr);
    free(eta);
    hr_sw_destroy(s);
}

static void test_seiche_2d(void **state)
{
    seiche_2d(HR_SW_F64);
    seiche_2d(HR_SW_F32);
}

/* ---- 4. Linear wave speed and the order of the scheme ---- */

/* A right-going linear wave (a/H = 1e-4) of `ppw` points per wavelength in a
 * periodic channel two wavelengths long, at Courant number 0.5. The probe
 * signal is a sinusoid of the discrete frequency omega; the phase speed is
 * omega / k. Returns the relative error against sqrt(gH) and, in *theory,
 * the error the forward-backward C-grid dispersion relation
 * sin(omega h / 2) = C sin(k dx / 2) predicts. */
static double phase_speed_error(int ppw, double *theory)
{
    const double H = 0.05, c = sqrt(G * H), lambda = 0.5;
    const int nx = 2 * ppw;
    const double dx = lambda / ppw, k = 2 * M_PI / lambda, C = 0.5;
    hr_sw_params p = channel(nx, 2 * lambda, H);
    p.boundary[HR_SW_WEST] = p.boundary[HR_SW_EAST] = HR_SW_PERIODIC;
    p.dt = C * dx / c;
    hr_sw *s = make(&p);
    double *eta = malloc(2 * (size_t)nx * sizeof *eta), *u = eta + nx;
    const double a = 5e-6;
    for (int i = 0; i < nx; i++) {
        eta[i] = a * cos(k * (i + 0.5) * dx);
        u[i] = sqrt(G / H) * a * cos(k * i * dx);
    }
    hr_sw_state init = {eta, u, NULL};
    const double period = lambda / c, dt_out = p.dt, t_end = 12 * period;
    int n = hr_sw_nout(t_end, dt_out);
    double *tr = malloc((size_t)n * sizeof *tr), probe[2] = {0.3 * lambda, 0};
    assert_status(hr_sw_run_from(s, &init, 0, NULL, NULL, 1, probe, t_end, dt_out, tr), HR_OK);
    double per = crossing_period(tr, 0, n, dt_out, NULL);
    double speed = lambda / per;
    double omega_d = 2 / p.dt * asin(C * sin(k * dx / 2));
    *theory = omega_d / k / c - 1;
    free(tr);
    free(eta);
    hr_sw_destroy(s);
    return speed / c - 1;
}

/* At 20 points per wavelength the speed must be within 0.5% of sqrt(gH)
 * (issue; theory: -0.31%). The measured error must match the discrete
 * dispersion relation to 1e-4 (the crossing estimate is good to ~1e-6) and
 * shrink at second order: the ratio of errors at N and 2N points per
 * wavelength, log2, must lie in [1.9, 2.1] (asymptotically 2). */
static void test_wave_speed(void **state)
{
    double th20, e20 = phase_speed_error(20, &th20);
    printf("  wave speed at 20 points/wavelength: error %.4f%% (theory %.4f%%, tolerance "
           "0.5%%)\n", 100 * e20, 100 * th20);
    assert_true(fabs(e20) < 5e-3);
    assert_abs(e20, th20, 1e-4);
    double prev = NAN;
    for (int ppw = 10; ppw <= 80; ppw *= 2) {
        double th, e = phase_speed_error(ppw, &th);
        assert_abs(e, th, 1e-4);
        if (ppw > 10) {
            double order = log2(prev / e);
            printf("  dispersion error %2d -> %2d points/wavelength: %.3e -> %.3e, order %.3f\n",
                   ppw / 2, ppw, fabs(prev), fabs(e), order);
            assert_true(order > 1.9 && order < 2.1);
        }
        prev = e;
    }
}

/* ---- 5. Stoker's dam break ---- */

/* Stoker's solution for h_L > h_R > 0 at rest: c_m = sqrt(g h_m) solves the
 * shock conditions with u_m = 2 (c_L - c_m) behind the rarefaction. */
static void stoker(double hl, double hr, double *hm, double *um, double *speed)
{
    double cl = sqrt(G * hl), cm = 0.5 * (cl + sqrt(G * hr));
    for (int it = 0; it < 200; it++) {
        double f[2];
        for (int q = 0; q < 2; q++) {
            double c = cm + q * 1e-8, h = c * c / G, u = 2 * (cl - c), s = h * u / (h - hr);
            f[q] = s * h * u - (h * u * u + 0.5 * G * (h * h - hr * hr));
        }
        double step = f[0] / ((f[1] - f[0]) / 1e-8);
        cm -= step;
        if (fabs(step) < 1e-15)
            break;
    }
    *hm = cm * cm / G;
    *um = 2 * (cl - cm);
    *speed = *hm * *um / (*hm - hr);
}

static double stoker_h(double xi, double hl, double hm, double um, double s)
{
    double cl = sqrt(G * hl), cm = sqrt(G * hm);
    if (xi < -cl)
        return hl;
    if (xi < um - cm) {
        double c = (2 * cl - xi) / 3;
        return c * c / G;
    }
    return xi < s ? hm : 0.5;
}

/* h_L = 1, h_R = 0.5 over H = 0.75 in a 10 m channel, dam at 5 m, t = 1 s.
 * Checks: the analytic middle state and shock speed (issue: 0.726920,
 * 2.957918, to 1e-6); the L1 error of h decreasing under each refinement
 * 250 -> 2000 cells (a first-order scheme at a shock: observed order >= 0.6);
 * on the finest grid the plateau depth within 1e-4 relative and the shock
 * (where h crosses (h_m + h_R)/2) within 2 cells of 5 + s t — the momentum
 * conservative advection is what puts it there. */
static void test_dam_break(void **state)
{
    const double hl = 1, hr = 0.5, L = 10, x0 = 5, t = 1;
    double hm, um, s;
    stoker(hl, hr, &hm, &um, &s);
    assert_abs(hm, 0.726920, 1e-6);
    assert_abs(s, 2.957918, 1e-6);
    double prev = INFINITY;
    for (int nx = 250; nx <= 2000; nx *= 2) {
        hr_sw_params p = channel(nx, L, 0.75);
        hr_sw *sv = make(&p);
        const double dx = L / nx;
        double *eta = malloc((size_t)nx * sizeof *eta);
        for (int i = 0; i < nx; i++)
            eta[i] = (i + 0.5) * dx < x0 ? hl - 0.75 : hr - 0.75;
        hr_sw_state init = {eta, NULL, NULL};
        assert_status(hr_sw_run_from(sv, &init, 0, NULL, NULL, 0, NULL, t, t, NULL), HR_OK);
        hr_sw_get_state(sv, eta, NULL, NULL);
        double l1 = 0, xs = NAN, half = 0.5 * (hm + hr);
        for (int i = 0; i < nx; i++) {
            double x = (i + 0.5) * dx, h = eta[i] + 0.75;
            l1 += fabs(h - stoker_h((x - x0) / t, hl, hm, um, s)) * dx;
            double hp = i > 0 ? eta[i - 1] + 0.75 : h;
            if (i > 0 && hp >= half && h < half)
                xs = x - dx + dx * (hp - half) / (hp - h);
        }
        int imid = (int)((x0 + 0.5 * ((um - sqrt(G * hm)) + s) * t) / dx);
        double hplat = eta[imid] + 0.75;
        printf("  dam break %4d cells: L1 error %.4e m^2%s", nx, l1,
               isfinite(prev) ? "" : "\n");
        if (isfinite(prev))
            printf(", order %.2f; plateau %.6f (h_m %.6f), shock at %.5f m (%.5f m)\n",
                   log2(prev / l1), hplat, hm, xs, x0 + s * t);
        if (isfinite(prev))
            assert_true(log2(prev / l1) >= 0.6);
        if (nx == 2000) {
            assert_rel(hplat, hm, 1e-4);
            assert_abs(xs, x0 + s * t, 2 * dx);
        }
        prev = l1;
        free(eta);
        hr_sw_destroy(sv);
    }
}

/* ---- 6. Drag ---- */

/* A standing wave in a closed basin with linear drag r decays as
 * exp(-r t / 2). The drag is integrated exactly (a factor exp(-r h) per
 * step), which makes the discrete decay exactly exp(-r t / 2) too; the
 * measured rate (a fit through successive maxima, each refined by a parabola
 * through three samples) must be within 0.5% of r / 2. */
static void test_drag(void **state)
{
    const double L = 1, H = 0.05, r = 0.2;
    hr_sw_params p = channel(64, L, H);
    p.drag = r;
    hr_sw *s = make(&p);
    double eta[64];
    for (int i = 0; i < 64; i++)
        eta[i] = 1e-5 * cos(M_PI * (i + 0.5) / 64);
    hr_sw_state init = {eta, NULL, NULL};
    const double T = 2 * L / sqrt(G * H), dt_out = T / 400, t_end = 8 * T;
    int n = hr_sw_nout(t_end, dt_out);
    double *tr = malloc((size_t)n * sizeof *tr), probe[2] = {0, 0};
    assert_status(hr_sw_run_from(s, &init, 0, NULL, NULL, 1, probe, t_end, dt_out, tr), HR_OK);
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    int np = 0;
    for (int k = 1; k + 1 < n; k++) {
        if (!(tr[k] > tr[k - 1] && tr[k] >= tr[k + 1] && tr[k] > 0))
            continue;
        double d = 0.5 * (tr[k - 1] - tr[k + 1]) / (tr[k - 1] - 2 * tr[k] + tr[k + 1]);
        double tp = (k + d) * dt_out;
        double vp = tr[k] - 0.25 * (tr[k - 1] - tr[k + 1]) * d;
        double y = log(vp);
        sx += tp, sy += y, sxx += tp * tp, sxy += tp * y;
        np++;
    }
    double slope = (np * sxy - sx * sy) / (np * sxx - sx * sx);
    printf("  drag r = %g: decay rate %.6f 1/s vs r/2 = %.6f from %d maxima, relative error "
           "%.2e (tolerance 5e-3)\n", r, -slope, r / 2, np, -slope / (r / 2) - 1);
    assert_true(np >= 6);
    assert_rel(-slope, r / 2, 5e-3);
    free(tr);
    hr_sw_destroy(s);
}

/* ---- 7. Sponge ---- */

/* A right-going packet, eta = a exp(-(x - x0)^2 / (2 s^2)) cos(k (x - x0))
 * with a/H = 2e-3, enters a 1 m sponge at the east end of a 6 m channel (west
 * wall). After 20 s (the packet and any reflection have crossed the channel
 * three times) the energy left in the whole channel, sponge included, must be
 * at most 5% of the initial energy (issue: >= 95% absorbed), for a
 * wavelength half the sponge width and for one equal to it (the harder,
 * longer wave). Measured: ~0.2% and ~2.4%. */
static double sponge_left(double lambda)
{
    const double L = 6, H = 0.05, x0 = 2, sg = 0.3, a = 1e-4, k = 2 * M_PI / lambda;
    hr_sw_params p = channel(600, L, H);
    p.boundary[HR_SW_EAST] = HR_SW_SPONGE;
    p.sponge_width = 1.0;
    hr_sw *s = make(&p);
    const double dx = L / 600;
    double eta[600], u[600];
    for (int i = 0; i < 600; i++) {
        double x = (i + 0.5) * dx, xf = i * dx;
        eta[i] = a * exp(-(x - x0) * (x - x0) / (2 * sg * sg)) * cos(k * (x - x0));
        u[i] = sqrt(G / H) * a * exp(-(xf - x0) * (xf - x0) / (2 * sg * sg)) * cos(k * (xf - x0));
    }
    hr_sw_state init = {eta, u, NULL};
    assert_status(hr_sw_run_from(s, &init, 0, NULL, NULL, 0, NULL, 0, 1, NULL), HR_OK);
    double e0 = hr_sw_energy(s);
    assert_status(hr_sw_run_from(s, &init, 0, NULL, NULL, 0, NULL, 20, 20, NULL), HR_OK);
    double e1 = hr_sw_energy(s);
    hr_sw_destroy(s);
    return e1 / e0;
}

static void test_sponge(void **state)
{
    double short_wave = sponge_left(0.5), long_wave = sponge_left(1.0);
    printf("  sponge 1 m: energy left %.3f%% (wavelength 0.5 m), %.3f%% (1 m); tolerance 5%%\n",
           100 * short_wave, 100 * long_wave);
    assert_true(short_wave <= 0.05);
    assert_true(long_wave <= 0.05);
}

/* ---- 8. Wave makers ---- */

/* Two point makers in a 4 m channel with sponges at both ends, driven at
 * f1 = 1.5 Hz and f2 = 2.5 Hz; a probe 0.9 m down the channel. Returns the
 * probe traces of maker 1 alone, maker 2 alone, and both. `rel` sets the
 * source strength so the waves are about rel * H high. */
enum { MK_N = 1501 };
static const double MK_DT = 0.01, MK_T = 15.0;

static void maker_runs(double rel, double *a, double *b, double *ab)
{
    const double H = 0.05, c = sqrt(G * H), sigma = 0.05;
    hr_sw_params p = channel(400, 4.0, H);
    p.boundary[HR_SW_EAST] = p.boundary[HR_SW_WEST] = HR_SW_SPONGE;
    p.sponge_width = 1.0;
    hr_sw *s = make(&p);
    /* A line source of strength s0 radiates waves of height
     * s0 sigma sqrt(2 pi) / (2c) exp(-k^2 sigma^2 / 2) each way. */
    const double s0 = 2 * c * rel * H / (sigma * sqrt(2 * M_PI));
    hr_sw_maker mk[2] = {{1.8, 0, sigma, 0}, {2.2, 0, sigma, 0}};
    hr_sw_signal on[2], sa[2], sb[2], off;
    memset(&off, 0, sizeof off);
    memset(on, 0, sizeof on);
    on[0].amplitude = on[1].amplitude = s0;
    on[0].frequency = 1.5;
    on[1].frequency = 2.5;
    on[1].phase = 0.3;
    on[0].ramp = on[1].ramp = 0.5;
    sa[0] = on[0], sa[1] = off;
    sb[0] = off, sb[1] = on[1];
    double probe[2] = {2.7, 0};
    assert_int_equal(hr_sw_nout(MK_T, MK_DT), MK_N);
    assert_status(hr_sw_run(s, 2, mk, sa, 1, probe, MK_T, MK_DT, a), HR_OK);
    assert_status(hr_sw_run(s, 2, mk, sb, 1, probe, MK_T, MK_DT, b), HR_OK);
    assert_status(hr_sw_run(s, 2, mk, on, 1, probe, MK_T, MK_DT, ab), HR_OK);
    hr_sw_destroy(s);
}

/* || ab - a - b || / || ab || over t >= 2 s (after the first waves arrive). */
static double superposition_residual(const double *a, const double *b, const double *ab)
{
    double num = 0, den = 0;
    for (int k = 200; k < MK_N; k++) {
        double d = ab[k] - a[k] - b[k];
        num += d * d;
        den += ab[k] * ab[k];
    }
    return sqrt(num / den);
}

static double peak(const double *x, int k0)
{
    double m = 0;
    for (int k = k0; k < MK_N; k++)
        m = fmax(m, fabs(x[k]));
    return m;
}

/* The probe oscillates at the drive frequency: downward crossings over
 * 5..15 s (15 periods) give it to within 1e-3 (a slow drift of the mean level
 * from the sources' net mass biases short windows by ~2e-4). At a/H ~ 0.1%
 * superposition holds: the residual is O(a/H) (quadratic terms) times the
 * propagation distance in wavelengths, measured 0.65%, bound 2%. At
 * a/H ~ 10% it visibly fails: measured ~58%, bound > 20%, and it grows about
 * linearly with the amplitude (ratio > 30 for 100x the amplitude). */
static void test_wave_maker(void **state)
{
    double *buf = malloc(6 * MK_N * sizeof *buf);
    double *a = buf, *b = a + MK_N, *ab = b + MK_N;
    double *A = ab + MK_N, *B = A + MK_N, *AB = B + MK_N;
    maker_runs(0.001, a, b, ab);
    maker_runs(0.1, A, B, AB);
    int nc;
    double fa = 1 / crossing_period(a, 500, MK_N, MK_DT, &nc);
    double fb = 1 / crossing_period(b, 500, MK_N, MK_DT, NULL);
    double small = superposition_residual(a, b, ab), large = superposition_residual(A, B, AB);
    printf("  wave maker: probe frequencies %.5f Hz (1.5), %.5f Hz (2.5); wave height "
           "%.3f%% and %.2f%% of H\n", fa, fb, 100 * peak(ab, 200) / 0.05,
           100 * peak(AB, 200) / 0.05);
    printf("  superposition residual %.3e at a/H ~ 0.1%% (bound 2e-2), %.3e at ~10%% (bound "
           "> 0.2)\n", small, large);
    assert_true(nc >= 14);
    assert_rel(fa, 1.5, 1e-3);
    assert_rel(fb, 2.5, 1e-3);
    assert_true(peak(a, 200) > 0.0005 * 0.05 && peak(a, 200) < 0.002 * 0.05);
    assert_true(peak(A, 200) > 0.05 * 0.05 && peak(A, 200) < 0.2 * 0.05);
    assert_true(small < 2e-2);
    assert_true(large > 0.2);
    assert_true(large / small > 30);
    free(buf);
}

int main(void)
{
    hr_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lake_at_rest), cmocka_unit_test(test_mass),
        cmocka_unit_test(test_seiche_1d),    cmocka_unit_test(test_seiche_2d),
        cmocka_unit_test(test_wave_speed),   cmocka_unit_test(test_dam_break),
        cmocka_unit_test(test_drag),         cmocka_unit_test(test_sponge),
        cmocka_unit_test(test_wave_maker),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
