/* test_sw_api.c — the shallow-water tank's API: every parameter and run
 * error provoked on purpose and its message checked, the runaway detector
 * (dry, Courant, non-finite: when and where), the bathymetry expression
 * language (values, error positions, a fuzz loop), the CSV loader (file:line
 * errors), drive signals, output bookkeeping, plan/execute reuse and the
 * bitwise independence of the results from the thread count (and from the
 * prefetching variant of the sweep). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/status.h"
#include "shallowwater/sw.h"
#include "shallowwater/sw_internal.h" /* white box: hr_sw.prefetch, min_cells */
#include "tests/test_util.h"

/* Fails unless the last error message contains `needle`. */
#define assert_msg(needle)                                                               \
    do {                                                                                 \
        if (!strstr(hr_error_message(), (needle))) {                                     \
            print_error("message \"%s\" lacks \"%s\"\n", hr_error_message(), (needle));  \
            _fail(__FILE__, __LINE__);                                                   \
        }                                                                                \
    } while (0)

static hr_sw_params small2d(void)
{
    hr_sw_params p = hr_sw_params_default();
    p.nx = 24;
    p.ny = 16;
    p.lx = 1.2;
    p.ly = 0.8;
    p.threads = 1;
    return p;
}

static int create_status(const hr_sw_params *p)
{
    hr_sw *s = (hr_sw *)&s; /* must be reset to NULL on failure */
    int st = hr_sw_create(&s, p);
    if (st)
        assert_null(s);
    hr_sw_destroy(s);
    return st;
}

/* ---- Parameters ---- */

static void test_defaults(void **state)
{
    hr_sw_params p = hr_sw_params_default();
    assert_int_equal(p.nx, 128);
    assert_int_equal(p.ny, 128);
    assert_rel(p.g, 9.81, 0);
    assert_rel(p.depth, 0.05, 0);
    assert_int_equal(p.precision, HR_SW_F64);
    p.threads = 1;
    hr_sw *s;
    assert_status(hr_sw_create(&s, &p), HR_OK);
    /* dt = cfl / (sqrt(g H) sqrt(1/dx^2 + 1/dy^2)) with cfl = 0.5. */
    double lim = 1 / (sqrt(9.81 * 0.05) * sqrt(2.0) * 128);
    assert_rel(hr_sw_dt_limit(s), lim, 1e-14);
    assert_rel(hr_sw_dt(s), 0.5 * lim, 1e-14);
    assert_rel(hr_sw_params_of(s)->dt, hr_sw_dt(s), 0);
    assert_int_equal(hr_sw_threads(s), 1);
    assert_int_equal(hr_sw_nx(s), 128);
    assert_rel(hr_sw_dx(s), 1.0 / 128, 1e-15);
    assert_rel(hr_sw_dy(s), 1.0 / 128, 1e-15);
    assert_rel(hr_sw_mass(s), 0, 0);
    hr_sw_destroy(s);
    /* NULL is harmless everywhere. */
    hr_sw_destroy(NULL);
    assert_int_equal(hr_sw_nx(NULL), 0);
    assert_rel(hr_sw_dt(NULL), 0, 0);
    assert_null(hr_sw_params_of(NULL));
    hr_sw_get_state(NULL, NULL, NULL, NULL);
    assert_status(hr_sw_create(NULL, &p), HR_EINVAL);
    assert_status(hr_sw_create(&s, NULL), HR_EINVAL);
    assert_null(s);
}

static void test_param_errors(void **state)
{
    hr_sw_params p;
#define BAD(field_assign, status, needle)                                                 \
    do {                                                                                  \
        p = small2d();                                                                    \
        field_assign;                                                                     \
        assert_int_equal(create_status(&p), (status));                                    \
        assert_msg(needle);                                                               \
    } while (0)
    BAD(p.nx = 3, HR_EINVAL, "nx = 3 cells is outside the allowed range [4, 65536]");
    BAD(p.ny = 2, HR_EINVAL, "ny = 2 cells is not allowed: use 1");
    BAD(p.nx = 65536; p.ny = 65536, HR_EINVAL, "too many");
    BAD(p.lx = -1, HR_EINVAL, "lx = -1 m must be finite and > 0");
    BAD(p.ly = NAN, HR_EINVAL, "ly = nan m");
    BAD(p.g = 0, HR_EINVAL, "g = 0 m/s^2 must be finite and > 0");
    BAD(p.drag = -0.1, HR_EINVAL, "drag r = -0.1 1/s must be finite and >= 0");
    BAD(p.viscosity = -2.385, HR_EINVAL, "viscosity = -2.385");
    BAD(p.cfl = 1.5, HR_EINVAL, "cfl = 1.5 must be in (0, 1]");
    BAD(p.cfl = 0, HR_EINVAL, "cfl = 0 must be in (0, 1]");
    BAD(p.dt = -1, HR_EINVAL, "dt = -1 s must be finite");
    BAD(p.precision = 7, HR_EINVAL, "precision = 7 is not a precision");
    BAD(p.threads = -1, HR_EINVAL, "threads = -1 is outside [0, 1024]");
    BAD(p.boundary[HR_SW_NORTH] = 9, HR_EINVAL, "boundary[north] = 9 is not a boundary");
    BAD(p.boundary[HR_SW_WEST] = HR_SW_PERIODIC, HR_EINVAL,
        "boundary[west] is periodic but boundary[east] is not");
    BAD(p.boundary[HR_SW_EAST] = HR_SW_SPONGE; p.sponge_width = 0, HR_EINVAL,
        "sponge_width = 0 m must be finite and > 0");
    BAD(p.boundary[HR_SW_EAST] = HR_SW_SPONGE; p.sponge_width = 0.07, HR_EINVAL,
        "sponge_width = 0.07 m on the east side is outside [2 cells, half the tank] = [0.1, "
        "0.6] m");
    BAD(p.boundary[HR_SW_SOUTH] = HR_SW_SPONGE; p.sponge_width = 0.5, HR_EINVAL,
        "on the south side");
    BAD(p.boundary[HR_SW_SOUTH] = HR_SW_SPONGE; p.sponge_strength = -1, HR_EINVAL,
        "sponge_strength = -1 1/s");
    BAD(p.depth_kind = 11, HR_EINVAL, "depth_kind = 11 is not a depth kind");
    BAD(p.depth_kind = HR_SW_DEPTH_FORMULA, HR_EINVAL, "depth_formula is NULL");
    BAD(p.depth_kind = HR_SW_DEPTH_ARRAY, HR_EINVAL, "depth_array is NULL");
    BAD(p.depth_kind = HR_SW_DEPTH_CSV, HR_EINVAL, "depth_csv is NULL");
    /* In 1D the south and north sides are ignored. */
    p = small2d();
    p.ny = 1;
    p.boundary[HR_SW_SOUTH] = 42;
    assert_int_equal(create_status(&p), HR_OK);
#undef BAD
}

/* A dry bathymetry is refused, naming the cell and its position. */
static void test_dry_bathymetry(void **state)
{
    hr_sw_params p = small2d();
    p.depth = 0;
    assert_int_equal(create_status(&p), HR_ERANGE);
    assert_msg("depth = 0 m must be finite and > 0 (dry cells are not supported)");

    /* The formula dips below 0 around x = 0.6, y = 0.4; the first dry cell
     * in row-major order is reported. */
    p = small2d();
    p.depth_kind = HR_SW_DEPTH_FORMULA;
    p.depth_formula = "0.05 - 0.1*exp(-((x-0.6)^2 + (y-0.4)^2)/0.01)";
    assert_int_equal(create_status(&p), HR_ERANGE);
    assert_msg("depth_formula is dry at cell (");
    assert_msg("dry cells are not supported");

    p.depth_formula = "0.05 + sqrt(x - 0.6)";
    assert_int_equal(create_status(&p), HR_EINVAL);
    assert_msg("depth_formula gives the depth H = "); /* nan or -nan */
    assert_msg("nan at cell (0, 0), x = 0.025 m, y = 0.025 m: it must be finite and > 0");

    p.depth_formula = "0.05 + ";
    assert_int_equal(create_status(&p), HR_EPARSE);
    assert_msg("depth_formula \"0.05 + \": expected a number, a name or '(' but the formula "
               "ended at character 8");

    double *H = malloc(24 * 16 * sizeof *H);
    for (int k = 0; k < 24 * 16; k++)
        H[k] = 0.04;
    H[1 * 24 + 2] = -0.01;
    p = small2d();
    p.depth_kind = HR_SW_DEPTH_ARRAY;
    p.depth_array = H;
    assert_int_equal(create_status(&p), HR_ERANGE);
    assert_msg("depth_array is dry at cell (2, 1), x = 0.125 m, y = 0.075 m: H = -0.01 m <= 0");
    H[1 * 24 + 2] = 0.03;
    hr_sw *s;
    assert_status(hr_sw_create(&s, &p), HR_OK);
    double *back = malloc(24 * 16 * sizeof *back);
    hr_sw_get_depth(s, back);
    assert_memory_equal(back, H, 24 * 16 * sizeof *H);
    hr_sw_destroy(s);
    free(back);
    free(H);
}

/* A requested step past the stability limit is an error naming the limit. */
static void test_dt_limit(void **state)
{
    hr_sw_params p = small2d();
    p.depth = 0.1;
    double dx = 0.05, lim = 1 / (sqrt(9.81 * 0.1) * sqrt(2 / (dx * dx)));
    p.dt = 1.01 * lim;
    assert_int_equal(create_status(&p), HR_ERANGE);
    char want[160];
    snprintf(want, sizeof want, "dt = %g s is past the stability limit %g s (allowed: 0 < dt "
             "<= %g s", p.dt, lim, lim);
    assert_msg(want);
    assert_msg("sqrt(g Hmax) = 0.990454 m/s on dx = 0.05 m, dy = 0.05 m");
    p.dt = 0.99 * lim;
    assert_int_equal(create_status(&p), HR_OK);
    /* Viscosity tightens the limit: 1/dt = 1/dt_wave + 1/dt_visc. */
    p.viscosity = 1e-3;
    double dtv = 1 / (2 * 1e-3 * 2 / (dx * dx));
    hr_sw *s;
    p.dt = 0;
    assert_status(hr_sw_create(&s, &p), HR_OK);
    assert_rel(hr_sw_dt_limit(s), 1 / (1 / lim + 1 / dtv), 1e-14);
    hr_sw_destroy(s);
    p.dt = 0.99 * lim;
    assert_int_equal(create_status(&p), HR_ERANGE);
    assert_msg("combined with the viscous limit");
}

/* ---- Runs ---- */

static void test_run_errors(void **state)
{
    hr_sw_params p = small2d();
    hr_sw *s;
    assert_status(hr_sw_create(&s, &p), HR_OK);
    double tr[64], probe[2] = {0.5, 0.5};
    hr_sw_maker mk = {0.6, 0.4, 0.1, 0};
    hr_sw_signal sg;
    memset(&sg, 0, sizeof sg);
    sg.amplitude = 1e-3;
    sg.frequency = 2;
    assert_status(hr_sw_run(NULL, 0, NULL, NULL, 0, NULL, 1, 1, NULL), HR_EINVAL);
    assert_msg("solver is NULL");
    assert_status(hr_sw_run(s, 0, NULL, NULL, 0, NULL, -1, 1, NULL), HR_EINVAL);
    assert_msg("t_end = -1 s must be finite and >= 0");
    assert_status(hr_sw_run(s, 0, NULL, NULL, 0, NULL, 1, 0, NULL), HR_EINVAL);
    assert_msg("dt_out = 0 s must be finite and > 0");
    assert_status(hr_sw_run(s, 0, NULL, NULL, 0, NULL, 1e6, 1e-6, NULL), HR_EINVAL);
    assert_msg("output samples is too many (allowed: at most 1e9)");
    assert_status(hr_sw_run(s, -1, NULL, NULL, 0, NULL, 1, 1, NULL), HR_EINVAL);
    assert_msg("nmakers = -1 must be >= 0");
    assert_status(hr_sw_run(s, 1, &mk, NULL, 0, NULL, 1, 1, NULL), HR_EINVAL);
    assert_msg("nmakers = 1 but signals is NULL");
    assert_status(hr_sw_run(s, 0, NULL, NULL, 1, probe, 1, 1, NULL), HR_EINVAL);
    assert_msg("nprobes = 1 but traces is NULL");
    probe[0] = 1.3;
    assert_status(hr_sw_run(s, 0, NULL, NULL, 1, probe, 1, 1, tr), HR_EINVAL);
    assert_msg("probe 0 at x = 1.3 m is outside the tank (allowed: 0 <= x <= lx = 1.2 m)");
    probe[0] = 0.5;
    probe[1] = -0.1;
    assert_status(hr_sw_run(s, 0, NULL, NULL, 1, probe, 1, 1, tr), HR_EINVAL);
    assert_msg("probe 0 at y = -0.1 m is outside the tank");
    probe[1] = 0.5;
    mk.x = 2;
    assert_status(hr_sw_run(s, 1, &mk, &sg, 1, probe, 1, 1, tr), HR_EINVAL);
    assert_msg("maker 0 at x = 2 m is outside the tank (allowed: 0 <= x <= lx = 1.2 m)");
    mk.x = 0.6;
    mk.y = 0.9;
    assert_status(hr_sw_run(s, 1, &mk, &sg, 1, probe, 1, 1, tr), HR_EINVAL);
    assert_msg("maker 0 at y = 0.9 m is outside the tank (allowed: 0 <= y <= ly = 0.8 m)");
    mk.line = 1; /* a line maker has no y */
    assert_status(hr_sw_run(s, 1, &mk, &sg, 1, probe, 0.1, 0.1, tr), HR_OK);
    mk.line = 2;
    assert_status(hr_sw_run(s, 1, &mk, &sg, 1, probe, 1, 1, tr), HR_EINVAL);
    assert_msg("line = 2 must be 0 or 1");
    mk.line = 0;
    mk.y = 0.4;
    mk.sigma = 0.01;
    assert_status(hr_sw_run(s, 1, &mk, &sg, 1, probe, 1, 1, tr), HR_EINVAL);
    assert_msg("maker 0: sigma = 0.01 m must be finite and at least half a cell, 0.025 m");
    mk.sigma = 0.1;
    sg.duration = -1;
    assert_status(hr_sw_run(s, 1, &mk, &sg, 1, probe, 1, 1, tr), HR_EINVAL);
    assert_msg("sw_run: sw: signal 0: duration = -1 s must be finite and >= 0");
    sg.duration = 0;
    double eta[24 * 16] = {0};
    eta[5 * 24 + 7] = NAN;
    hr_sw_state init = {eta, NULL, NULL};
    assert_status(hr_sw_run_from(s, &init, 0, NULL, NULL, 1, probe, 1, 1, tr), HR_EINVAL);
    assert_msg("initial eta at cell (7, 5) is nan (must be finite)");
    hr_sw_destroy(s);
}

static void test_signals(void **state)
{
    hr_sw_signal s;
    memset(&s, 0, sizeof s);
    s.amplitude = 2.385;
    s.frequency = 1.7;
    s.phase = 0.4;
    assert_rel(hr_sw_signal_eval(&s, 0.3), 2.385 * sin(2 * M_PI * 1.7 * 0.3 + 0.4), 1e-15);
    assert_rel(hr_sw_signal_eval(NULL, 0.3), 0, 0);
    s.start = 1;
    s.ramp = 0.5;
    s.duration = 2;
    assert_rel(hr_sw_signal_eval(&s, 0.99), 0, 0);
    /* Halfway up the raised-cosine ramp the envelope is 1/2. */
    assert_rel(hr_sw_signal_eval(&s, 1.25), 0.5 * 2.385 * sin(2 * M_PI * 1.7 * 1.25 + 0.4),
               1e-14);
    assert_rel(hr_sw_signal_eval(&s, 2.0), 2.385 * sin(2 * M_PI * 1.7 * 2.0 + 0.4), 1e-14);
    assert_rel(hr_sw_signal_eval(&s, 2.75), 0.5 * 2.385 * sin(2 * M_PI * 1.7 * 2.75 + 0.4),
               1e-14);
    assert_rel(hr_sw_signal_eval(&s, 3.01), 0, 0);
    /* A stream: samples at start + k sample_dt, linear in between, 0 after. */
    double smp[3] = {0, 1, 3};
    memset(&s, 0, sizeof s);
    s.amplitude = 2;
    s.start = 1;
    s.nsamples = 3;
    s.samples = smp;
    s.sample_dt = 0.5;
    assert_rel(hr_sw_signal_eval(&s, 0.5), 0, 0);
    assert_rel(hr_sw_signal_eval(&s, 1.25), 1.0, 1e-15);
    assert_rel(hr_sw_signal_eval(&s, 1.75), 4.0, 1e-15);
    assert_rel(hr_sw_signal_eval(&s, 2.0), 6.0, 1e-15);
    assert_rel(hr_sw_signal_eval(&s, 2.01), 0, 0);
    assert_status(hr_sw_signal_check(&s, 3), HR_OK);

    /* Every check. */
    hr_sw_signal b;
#define BADSIG(assign, needle)                                                            \
    do {                                                                                  \
        memset(&b, 0, sizeof b);                                                          \
        assign;                                                                           \
        assert_status(hr_sw_signal_check(&b, 4) == HR_EINVAL ? HR_OK : HR_EINVAL, HR_OK); \
        assert_msg(needle);                                                               \
    } while (0)
    BADSIG(b.amplitude = INFINITY, "signal 4: amplitude = inf m/s must be finite");
    BADSIG(b.start = -1, "signal 4: start = -1 s must be finite and >= 0");
    BADSIG(b.ramp = -1, "signal 4: ramp = -1 s must be finite and >= 0");
    BADSIG(b.duration = 1; b.ramp = 0.6,
           "signal 4: ramp = 0.6 s is too long for duration = 1 s (allowed: 0 <= ramp <= "
           "duration / 2 = 0.5 s)");
    BADSIG(b.nsamples = -2, "signal 4: nsamples = -2 must be >= 0");
    BADSIG(b.nsamples = 2, "signal 4: nsamples = 2 but samples is NULL");
    BADSIG(b.nsamples = 2; b.samples = smp, "signal 4: sample_dt = 0 s must be finite and > 0");
    BADSIG(b.frequency = -1, "signal 4: frequency = -1 Hz must be finite and >= 0");
    BADSIG(b.phase = NAN, "signal 4: phase = nan rad must be finite");
    smp[1] = NAN;
    BADSIG(b.nsamples = 3; b.samples = smp; b.sample_dt = 1, "samples[1] = nan is not finite");
    assert_status(hr_sw_signal_check(NULL, 1), HR_EINVAL);
#undef BADSIG
}

/* Output bookkeeping, from-rest reuse of one solver, a stream-driven maker. */
static void test_outputs_and_reuse(void **state)
{
    assert_int_equal(hr_sw_nout(1.0, 0.1), 11);
    assert_int_equal(hr_sw_nout(0.3, 0.1), 4);
    assert_int_equal(hr_sw_nout(0.0, 0.1), 1);
    assert_int_equal(hr_sw_nout(-1, 0.1), 0);
    assert_int_equal(hr_sw_nout(1, 0), 0);

    hr_sw_params p = small2d();
    p.ny = 1;
    p.lx = 2;
    p.nx = 80;
    p.boundary[HR_SW_EAST] = HR_SW_SPONGE;
    p.sponge_width = 0.4;
    hr_sw *s;
    assert_status(hr_sw_create(&s, &p), HR_OK);
    hr_sw_maker mk = {0.5, 0, 0.05, 0};
    double stream[5] = {0, 1, -1, 0.5, 0};
    hr_sw_signal sg[2];
    memset(sg, 0, sizeof sg);
    sg[0].amplitude = 1e-3;
    sg[0].nsamples = 5;
    sg[0].samples = stream;
    sg[0].sample_dt = 0.1;
    sg[1].amplitude = 2e-3;
    sg[1].frequency = 2.0;
    sg[1].ramp = 0.2;
    double probe[2] = {1.0, 0}, a[31], b[31], a2[31];
    assert_status(hr_sw_run(s, 1, &mk, &sg[0], 1, probe, 3.0, 0.1, a), HR_OK);
    assert_int_equal(hr_sw_steps(s), 30 * (long long)ceil(0.1 / hr_sw_dt(s) - 1e-9));
    assert_rel(hr_sw_time(s), 3.0, 1e-12);
    assert_rel(a[0], 0, 0);
    assert_true(fabs(a[8]) > 1e-5); /* the pulse passes the probe at t ~ 0.8 s */
    assert_status(hr_sw_run(s, 1, &mk, &sg[1], 1, probe, 3.0, 0.1, b), HR_OK);
    assert_status(hr_sw_run(s, 1, &mk, &sg[0], 1, probe, 3.0, 0.1, a2), HR_OK);
    assert_memory_equal(a, a2, sizeof a);
    assert_true(memcmp(a, b, sizeof a) != 0);
    /* t_end = 0: just the initial value. */
    double one = 1;
    assert_status(hr_sw_run(s, 1, &mk, &sg[1], 1, probe, 0, 0.1, &one), HR_OK);
    assert_rel(one, 0, 0);
    assert_int_equal(hr_sw_steps(s), 0);
    hr_sw_destroy(s);
}

/* The runaway detector: what went wrong, when and where. */
static void test_runaway(void **state)
{
    hr_sw_params p = small2d();
    p.ny = 1;
    p.nx = 50;
    p.lx = 1;
    hr_sw *s;
    assert_status(hr_sw_create(&s, &p), HR_OK);
    double probe[2] = {0.5, 0}, tr[11];
    hr_sw_maker mk = {0.31, 0, 0.04, 0};
    hr_sw_signal sg;
    memset(&sg, 0, sizeof sg);

    /* A maker that drains 1 m/s pulls the surface below the bed. */
    sg.amplitude = -1.0;
    sg.frequency = 0;
    sg.phase = M_PI / 2;
    assert_status(hr_sw_run(s, 1, &mk, &sg, 1, probe, 1.0, 0.1, tr), HR_EUNSTABLE);
    assert_msg("sw_run: the tank ran dry at t = 0.0625 s (step 5): the depth H + eta = ");
    assert_msg(" m <= 0 at cell 15, x = 0.31 m (dry cells are not supported");
    assert_int_equal(hr_sw_steps(s), 5);
    assert_rel(hr_sw_time(s), 0.0625, 1e-15);

    /* Filling at 3 m/s deepens the tank until sqrt(g h) outruns dt. */
    sg.amplitude = 3;
    assert_status(hr_sw_run(s, 1, &mk, &sg, 1, probe, 1.0, 0.1, tr), HR_EUNSTABLE);
    assert_msg("sw_run: the flow outran the time step at t = 0.05 s (step 4): at cell 17, "
               "x = 0.35 m, the speed |u| + |v| + sqrt(g h) = ");
    assert_msg("(allowed: <= 1); dt = 0.0125 s, this flow needs dt <= ");

    /* An absurd source is caught at the first step. */
    sg.amplitude = 1e300;
    assert_status(hr_sw_run(s, 1, &mk, &sg, 1, probe, 1.0, 0.1, tr), HR_EUNSTABLE);
    assert_msg("sw_run: the flow outran the time step at t = 0.0125 s (step 1)");
    assert_int_equal(hr_sw_steps(s), 1);
    /* In float32 it overflows to inf: a non-finite state, caught at once. */
    hr_sw *s32;
    p.precision = HR_SW_F32;
    assert_status(hr_sw_create(&s32, &p), HR_OK);
    sg.amplitude = 1e60;
    assert_status(hr_sw_run(s32, 1, &mk, &sg, 1, probe, 1.0, 0.1, tr), HR_EUNSTABLE);
    assert_msg("sw_run: the state became non-finite at t = 0.0125 s (step 1), first at cell ");
    hr_sw_destroy(s32);

    /* An initial state past the Courant limit is refused before stepping. */
    double u[50];
    for (int i = 0; i < 50; i++)
        u[i] = 20.0;
    hr_sw_state init = {NULL, u, NULL};
    assert_status(hr_sw_run_from(s, &init, 0, NULL, NULL, 1, probe, 1.0, 0.1, tr),
                  HR_EUNSTABLE);
    assert_msg("sw_run: the initial state is not usable: sw_run: the flow outran the time "
               "step at t = 0 s (step 0)");
    hr_sw_destroy(s);
}

/* ---- Bitwise reproducibility across thread counts ---- */

/* The signals of the runs below: a sine, a ramped sine with a phase and a
 * sample stream. */
static const double stream4[4] = {1, -0.5, 0.25, 1};

static void three_signals(hr_sw_signal sg[3])
{
    memset(sg, 0, 3 * sizeof *sg);
    sg[0].amplitude = 0.05;
    sg[0].frequency = 1.3;
    sg[1].amplitude = 0.02;
    sg[1].frequency = 2.1;
    sg[1].phase = 1;
    sg[1].ramp = 0.1;
    sg[2].amplitude = 0.04;
    sg[2].nsamples = 4;
    sg[2].samples = stream4;
    sg[2].sample_dt = 0.2;
}

/* A nonlinear 2D run with every feature (bumpy bed, drag, viscosity, sponge,
 * periodic sides, point, line and stream makers) on 1, 2 and 3 threads: the
 * traces and the final state must agree to the last bit. */
static void run_threads(enum hr_sw_precision prec, int pery, int threads, int prefetch,
                        double *tr, double *st)
{
    hr_sw_params p = hr_sw_params_default();
    p.nx = 40;
    p.ny = 31; /* uneven blocks on 2 and 3 threads */
    p.lx = 1.0;
    p.ly = 0.75;
    p.depth_kind = HR_SW_DEPTH_FORMULA;
    p.depth_formula = "0.05 + 0.01*sin(6*x)*cos(4*y)";
    p.drag = 0.03;
    p.viscosity = 2e-5;
    p.boundary[HR_SW_WEST] = p.boundary[HR_SW_EAST] = HR_SW_PERIODIC;
    if (pery) {
        p.boundary[HR_SW_SOUTH] = p.boundary[HR_SW_NORTH] = HR_SW_PERIODIC;
    } else {
        p.boundary[HR_SW_NORTH] = HR_SW_SPONGE;
        p.sponge_width = 0.15;
    }
    p.precision = prec;
    p.threads = threads;
    hr_sw *s;
    assert_status(hr_sw_create(&s, &p), HR_OK);
    /* White box: on this small grid, force the threads (a run would use one)
     * and, if asked, the prefetching sweep (chosen for grids larger than the
     * last-level cache). */
    s->min_cells = 1;
    s->prefetch = prefetch;
    hr_sw_maker mk[3] = {{0.3, 0.05, 0.05, 0}, {0.7, 0, 0.04, 1}, {0.5, 0.5, 0.06, 0}};
    hr_sw_signal sg[3];
    three_signals(sg);
    double probe[6] = {0.1, 0.1, 0.55, 0.7, 0.99, 0.37};
    assert_status(hr_sw_run(s, 3, mk, sg, 3, probe, 1.2, 0.05, tr), HR_OK);
    hr_sw_get_state(s, st, st + 1240, st + 2480);
    hr_sw_destroy(s);
}

static void test_threads_bitwise(void **state)
{
    enum { NT = 3 * 25, NS = 3 * 1240 };
    double *buf = malloc(2 * (NT + NS) * sizeof *buf);
    double *tr1 = buf, *st1 = tr1 + NT, *tr2 = st1 + NS, *st2 = tr2 + NT;
    for (int prec = 0; prec < 2; prec++)
        for (int pery = 0; pery < 2; pery++) {
            run_threads(prec, pery, 1, 0, tr1, st1);
            double m = 0;
            for (int k = 0; k < NS / 3; k++)
                m = fmax(m, fabs(st1[k]));
            assert_true(m > 1e-3); /* a nonlinear state: |eta| > 2% of H */
            for (int th = 1; th <= 3; th++)
                for (int pf = th == 1; pf <= 1; pf++) {
                    run_threads(prec, pery, th, pf, tr2, st2);
                    assert_memory_equal(tr1, tr2, NT * sizeof *tr1);
                    assert_memory_equal(st1, st2, NS * sizeof *st1);
                }
        }
    free(buf);
}

/* ---- The fused row kernel against the portable loops ---- */

/* One run of a configuration with the fused kernel on or off (white box:
 * hr_sw.fused); traces into tr (3 probes x 13 outputs), state into st. */
struct fcfg {
    enum hr_sw_precision prec;
    int nx, bc, visc, makers, threads, prefetch;
};

static void run_fused(const struct fcfg *c, int fused, double *tr, double *st)
{
    hr_sw_params p = hr_sw_params_default();
    p.nx = c->nx;
    p.ny = 13;
    p.lx = 1.0;
    p.ly = 0.5;
    p.depth_kind = HR_SW_DEPTH_FORMULA;
    p.depth_formula = "0.05 + 0.01*sin(6*x)*cos(4*y)";
    p.drag = 0.03;
    p.viscosity = c->visc ? 2e-5 : 0;
    if (c->bc == 0) { /* periodic in x, a sponge to the north */
        p.boundary[HR_SW_WEST] = p.boundary[HR_SW_EAST] = HR_SW_PERIODIC;
        p.boundary[HR_SW_NORTH] = HR_SW_SPONGE;
    } else if (c->bc == 1) { /* periodic in y, a sponge to the east */
        p.boundary[HR_SW_SOUTH] = p.boundary[HR_SW_NORTH] = HR_SW_PERIODIC;
        p.boundary[HR_SW_EAST] = HR_SW_SPONGE;
    } /* else walls all round */
    p.sponge_width = 0.15;
    p.precision = c->prec;
    p.threads = c->threads;
    hr_sw *s;
    assert_status(hr_sw_create(&s, &p), HR_OK);
    s->min_cells = 1;
    s->prefetch = c->prefetch;
    s->fused = fused;
    /* Makers 0: a point, a line and a stream-driven point (every row has a
     * source); 1: one point maker near the west wall (most rows have none). */
    hr_sw_maker mk[3] = {{0.3, 0.1, 0.05, 0}, {0.7, 0, 0.04, 1}, {0.02, 0.3, 0.06, 0}};
    hr_sw_signal sg[3];
    three_signals(sg);
    const hr_sw_maker *m = c->makers ? mk + 2 : mk;
    const hr_sw_signal *g = c->makers ? sg + 2 : sg;
    double probe[6] = {0.1, 0.1, 0.55, 0.4, 0.99, 0.25};
    assert_status(hr_sw_run(s, c->makers ? 1 : 3, m, g, 3, probe, 0.6, 0.05, tr), HR_OK);
    const size_t n = (size_t)p.nx * p.ny;
    hr_sw_get_state(s, st, st + n, st + 2 * n);
    hr_sw_destroy(s);
}

/* The fused kernel (built where the compiler targets AVX-512) must give the
 * portable loops' results to the last bit: it does the same arithmetic in
 * the same order. Over both precisions, row lengths from below its minimum
 * (4 vectors) through every tail length class, walls, periodic sides and
 * sponges, viscosity, rows with and without sources, threads and prefetch. */
static void test_fused_bitwise(void **state)
{
#ifdef __AVX512F__
    /* This build has the fused kernel: the test below exercises it. */
    assert_int_equal(hr_sw_fused_width(HR_SW_F64), 8);
    assert_int_equal(hr_sw_fused_width(HR_SW_F32), 16);
#else
    assert_int_equal(hr_sw_fused_width(HR_SW_F64), 0);
    print_message("no AVX-512: no fused kernel in this build, both runs are the portable loops\n");
#endif
    enum { NT = 3 * 13, NMAX = 203 * 13 };
    /* Tails (nx mod the vector width, 8 or 16) of 0 to 15 columns; 31 is
     * below the minimum in f64, all below 64 in f32. */
    const int nxs[] = {31, 32, 37, 64, 71, 77, 110, 133, 203};
    double *buf = malloc(2 * (NT + 3 * NMAX) * sizeof *buf);
    double *tr1 = buf, *st1 = tr1 + NT, *tr2 = st1 + 3 * NMAX, *st2 = tr2 + NT;
    int k = 0;
    for (int prec = 0; prec < 2; prec++)
        for (size_t q = 0; q < sizeof nxs / sizeof *nxs; q++)
            for (int bc = 0; bc < 3; bc++)
                for (int visc = 0; visc < 2; visc++)
                    for (int makers = 0; makers < 2; makers++, k++) {
                        struct fcfg c = {prec ? HR_SW_F32 : HR_SW_F64, nxs[q], bc, visc, makers,
                                         1 + k % 2, (k / 2) % 2};
                        run_fused(&c, 0, tr1, st1);
                        run_fused(&c, 1, tr2, st2);
                        const size_t ns = 3 * (size_t)c.nx * 13;
                        double m = 0;
                        for (size_t i = 0; i < ns / 3; i++)
                            m = fmax(m, fabs(st1[i]));
                        assert_true(m > 1e-4); /* the makers have stirred it */
                        if (memcmp(tr1, tr2, NT * sizeof *tr1) ||
                            memcmp(st1, st2, ns * sizeof *st1))
                            fail_msg("fused != portable: %s nx=%d bc=%d visc=%d makers=%d "
                                     "threads=%d prefetch=%d",
                                     prec ? "f32" : "f64", c.nx, bc, visc, makers, c.threads,
                                     c.prefetch);
                    }
    free(buf);
}

/* ---- The expression language ---- */

static double eval(const char *text, double x, double y)
{
    hr_sw_expr *e;
    assert_status(hr_sw_expr_compile(&e, text), HR_OK);
    double v = hr_sw_expr_eval(e, x, y);
    hr_sw_expr_free(e);
    return v;
}

static void test_expr_values(void **state)
{
    assert_rel(eval("1 + 2*3", 0, 0), 7, 0);
    assert_rel(eval("-2^2", 0, 0), -4, 0);
    assert_rel(eval("2^3^2", 0, 0), 512, 0);
    assert_rel(eval("2^-1", 0, 0), 0.5, 0);
    assert_rel(eval("(1 + 2) * 3", 0, 0), 9, 0);
    assert_rel(eval("8/4/2", 0, 0), 1, 0);
    assert_rel(eval("7-2-1", 0, 0), 4, 0);
    assert_rel(eval("- -3 + +1", 0, 0), 4, 0);
    assert_rel(eval(".5 + 1. + 1e-3*1000 + 2.5E+1", 0, 0), 27.5, 1e-15);
    assert_rel(eval("x*y + x", 2.385, -1.5), 2.385 * -1.5 + 2.385, 1e-15);
    assert_rel(eval("min(x, y) + max(x,y)", 2.385, 0.7), 3.085, 1e-15);
    assert_rel(eval("abs(-1.5) + sqrt(4) + exp(0) + log(1) + tanh(0)", 0, 0), 4.5, 1e-15);
    assert_rel(eval("sin(pi/2) + cos(0) + tan(0)", 0, 0), 2, 1e-15);
    assert_rel(eval("0.05 + 0.01*exp(-((x-0.5)^2)/0.01)", 0.6, 0),
               0.05 + 0.01 * exp(-0.01 / 0.01), 1e-15);
    assert_true(isnan(hr_sw_expr_eval(NULL, 0, 0)));
    hr_sw_expr_free(NULL);
}

static void expr_error(const char *text, const char *needle)
{
    hr_sw_expr *e = (hr_sw_expr *)&e;
    assert_status(hr_sw_expr_compile(&e, text) == HR_EPARSE ? HR_OK : HR_EPARSE, HR_OK);
    assert_null(e);
    assert_msg(needle);
}

static void test_expr_errors(void **state)
{
    expr_error("", "empty formula: expected an expression at character 1");
    expr_error("   ", "empty formula");
    expr_error("1 +", "expected a number, a name or '(' but the formula ended at character 4");
    expr_error("2*)", "expected a number, a name or '(' at character 3 (near \")\")");
    expr_error("foo(1)", "unknown name (allowed: x, y, pi, sin, cos, tan, exp, log, sqrt, tanh, "
               "abs, min, max) at character 1 (near \"foo(1)\")");
    expr_error("x + sinx", "unknown name");
    expr_error("sin 1", "expected '(' after a function name at character 5");
    expr_error("(1+2", "expected ')' to close the '(' opened earlier at character 5");
    expr_error("1 2", "unexpected character after a complete expression (a missing operator?) "
               "at character 3");
    expr_error("x(2)", "at character 2");
    expr_error("1)", "unmatched ')' at character 2");
    expr_error("min(1)", "expected ',' (this function takes 2 arguments) at character 6");
    expr_error("sin(1, 2)", "expected ')' (this function takes 1 argument) at character 6");
    expr_error("1e", "expected the digits of an exponent at character 3");
    expr_error("1e999", "number out of range at character 1");
    expr_error("x $ y", "at character 3");
    char deep[200];
    memset(deep, '(', 150);
    strcpy(deep + 150, "1");
    expr_error(deep, "nested too deeply (at most 64 levels)");
    memset(deep, '-', 150);
    strcpy(deep + 150, "1");
    expr_error(deep, "nested too deeply");
    assert_status(hr_sw_expr_compile(NULL, "1"), HR_EINVAL);
    hr_sw_expr *e;
    assert_status(hr_sw_expr_compile(&e, NULL), HR_EINVAL);
}

/* Fuzz the parser: random strings over its alphabet and random mutations of
 * valid formulas must compile (and evaluate) or fail with HR_EPARSE — never
 * crash, hang or leak (the sanitizer build checks the last two). */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static unsigned rnd(unsigned n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (unsigned)(rng_state % n);
}

static void test_expr_fuzz(void **state)
{
    static const char alphabet[] = "0123456789.eE+-*/^(),xy pisncoxqrtahbmlx\t$";
    static const char *seeds[] = {
        "0.05 + 0.01*exp(-((x-0.5)^2)/0.01)", "min(x, y)^2 - -sqrt(abs(x))",
        "sin(pi*x)*cos(2*pi*y) + tanh(x/0.1)", "1e-3*(x+y)/(1+x^2)",
    };
    char buf[96];
    int ok = 0, bad = 0;
    for (int it = 0; it < 20000; it++) {
        size_t len;
        if (it % 2) {
            len = rnd(48);
            for (size_t k = 0; k < len; k++)
                buf[k] = alphabet[rnd(sizeof alphabet - 1)];
        } else {
            const char *sd = seeds[rnd(4)];
            len = strlen(sd);
            memcpy(buf, sd, len);
            for (int m = 0, nm = 1 + (int)rnd(4); m < nm; m++) {
                size_t at = rnd((unsigned)len + 1);
                int kind = (int)rnd(3);
                if (kind == 0 && len > 0 && at < len) /* delete */
                    memmove(buf + at, buf + at + 1, len - at - 1), len--;
                else if (kind == 1 && len + 1 < sizeof buf) /* insert */
                    memmove(buf + at + 1, buf + at, len - at), buf[at] = alphabet[rnd(40)],
                                                               len++;
                else if (at < len) /* replace */
                    buf[at] = alphabet[rnd(sizeof alphabet - 1)];
            }
        }
        buf[len] = '\0';
        hr_sw_expr *e;
        int st = hr_sw_expr_compile(&e, buf);
        if (st == HR_OK) {
            (void)hr_sw_expr_eval(e, 0.3, 0.7);
            hr_sw_expr_free(e);
            ok++;
        } else {
            assert_int_equal(st, HR_EPARSE);
            assert_null(e);
            assert_non_null(strstr(hr_error_message(), "at character"));
            bad++;
        }
    }
    printf("  fuzz: %d formulas compiled, %d refused with a position\n", ok, bad);
    assert_true(ok > 100 && bad > 100);
}

/* ---- CSV ---- */

static char csv_path[64];

static void write_csv(const char *text)
{
    FILE *f = fopen(csv_path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void csv_error(const char *text, int status, const char *needle)
{
    write_csv(text);
    double *H = (double *)&H;
    int nx = -1, ny = -1;
    assert_int_equal(hr_sw_depth_from_csv(csv_path, &H, &nx, &ny), status);
    assert_null(H);
    char want[256];
    snprintf(want, sizeof want, "%s%s", csv_path, needle);
    assert_msg(want);
}

static void test_csv(void **state)
{
    snprintf(csv_path, sizeof csv_path, "/tmp/hr_test_sw_%ld.csv", (long)getpid());
    write_csv("# depth grid\n\n0.05, 0.06,0.07 ,0.08\r\n  0.04,0.05,0.06,0.07\n# end\n"
              "0.1,0.2,0.3,0.4\n");
    double *H;
    int nx, ny;
    assert_status(hr_sw_depth_from_csv(csv_path, &H, &nx, &ny), HR_OK);
    assert_int_equal(nx, 4);
    assert_int_equal(ny, 3);
    assert_rel(H[0], 0.05, 0);
    assert_rel(H[3], 0.08, 0);
    assert_rel(H[4], 0.04, 0);
    assert_rel(H[11], 0.4, 0);
    free(H);

    /* The grid must match nx, ny; then the solver uses it. */
    hr_sw_params p = hr_sw_params_default();
    p.threads = 1;
    p.depth_kind = HR_SW_DEPTH_CSV;
    p.depth_csv = csv_path;
    p.nx = 4;
    p.ny = 4;
    assert_int_equal(create_status(&p), HR_EINVAL);
    assert_msg("holds 3 rows of 4 values but the grid is ny = 4 rows of nx = 4 cells");
    write_csv("0.05,0.06,0.07,0.08\n0.04,0.05,0.06,0.07\n0.1,0.2,0.3,0.4\n0.1,0.1,0.1,0.1\n");
    hr_sw *s;
    assert_status(hr_sw_create(&s, &p), HR_OK);
    double back[16];
    hr_sw_get_depth(s, back);
    assert_rel(back[9], 0.2, 0);
    hr_sw_destroy(s);

    csv_error("0.05,0.06\n0.05,abc\n", HR_EPARSE, ":2: column 2: 'abc' is not a number");
    csv_error("0.05,0.06\n\n0.05\n", HR_EPARSE,
              ":3: 1 values, but the first row (line 1) has 2 (every row must have the same "
              "count)");
    csv_error("# c\n0.05,0.0\n", HR_ERANGE,
              ":2: column 2: depth 0 m <= 0 is dry (dry cells are not supported");
    csv_error("0.05,nan\n", HR_EPARSE, ":1: column 2: nan is not a finite number");
    csv_error("0.05 x\n", HR_EPARSE, ":1: column 1: unexpected 'x' after a value");
    csv_error("0.05,\n", HR_EPARSE, ":1: column 2: '' is not a number");
    csv_error("# only a comment\n\n", HR_EPARSE, ": no data rows");
    write_csv("0.05,0.06\n0.05,-1\n");
    assert_int_equal(create_status(&p), HR_ERANGE);
    assert_msg(":2: column 2: depth -1 m <= 0 is dry");
    remove(csv_path);
    assert_status(hr_sw_depth_from_csv(csv_path, &H, &nx, &ny), HR_EIO);
    assert_msg(": cannot open the depth grid: No such file or directory");
    assert_status(hr_sw_depth_from_csv(NULL, &H, &nx, &ny), HR_EINVAL);
    assert_status(hr_sw_depth_from_csv(csv_path, NULL, &nx, &ny), HR_EINVAL);
}

int main(void)
{
    hr_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),        cmocka_unit_test(test_param_errors),
        cmocka_unit_test(test_dry_bathymetry),  cmocka_unit_test(test_dt_limit),
        cmocka_unit_test(test_run_errors),      cmocka_unit_test(test_signals),
        cmocka_unit_test(test_outputs_and_reuse), cmocka_unit_test(test_runaway),
        cmocka_unit_test(test_threads_bitwise), cmocka_unit_test(test_fused_bitwise),
        cmocka_unit_test(test_expr_values),
        cmocka_unit_test(test_expr_errors),     cmocka_unit_test(test_expr_fuzz),
        cmocka_unit_test(test_csv),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
