/* test_lru.c — the diagonal linear recurrent unit (reservoir/lru.h): the
 * zero-order-hold discretisation against an independent ODE integration,
 * the impulse response against lambda^k B in closed form, stability (|lambda|
 * < 1 refused otherwise, kept after quantization), the ring initialisation,
 * outputs with a nonlinearity, pruning and op counters, the integer layer
 * against a hand-computed step, and the substrate. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_odeiv2.h>

#include "base/status.h"
#include "reservoir/lru.h"
#include "reservoir/substrate_digital.h"
#include "tests/test_util.h"

static int setup(void **state)
{
    hr_init();
    return 0;
}

/* dx/dt = lc x + bc u with u = 1, x complex as (re, im). */
typedef struct mode {
    double lr, li, br, bi;
} mode;

static int rhs(double t, const double y[], double f[], void *params)
{
    const mode *m = params;
    f[0] = m->lr * y[0] - m->li * y[1] + m->br;
    f[1] = m->lr * y[1] + m->li * y[0] + m->bi;
    return GSL_SUCCESS;
}

/* ZOH: the state after one step Delta of constant input u = 1 from x0 is
 * lambda x0 + b; checked against RK8(9) Prince-Dormand at 1e-13 relative
 * tolerance (so 1e-10 absolute is ample), for fast, slow, oscillating and
 * tiny (expm1 branch) modes, and lc = 0 (b = Delta bc). */
static void test_zoh(void **state)
{
    const double cases[][5] = {
        /* lc_re, lc_im, delta, bc_re, bc_im */
        {-0.3, 1.7, 0.8, 0.6, -0.4},
        {-2.5, 0.0, 0.1, 1.0, 0.0},
        {-0.01, 3.0, 1.0, -0.2, 0.9},
        {-1e-9, 2e-9, 0.5, 0.3, 0.3},
        {-0.7, -0.2, 2.0, 0.1, 0.5},
    };
    for (int c = 0; c < 5; c++) {
        mode m = {cases[c][0], cases[c][1], cases[c][3], cases[c][4]};
        double dt = cases[c][2];
        double lr, li, br, bi;
        hr_lru_zoh(m.lr, m.li, dt, m.br, m.bi, &lr, &li, &br, &bi);
        gsl_odeiv2_system sys = {rhs, NULL, 2, &m};
        gsl_odeiv2_driver *d = gsl_odeiv2_driver_alloc_y_new(&sys, gsl_odeiv2_step_rk8pd, 1e-3,
                                                             1e-14, 1e-13);
        double y[2] = {0.3, -0.2}, t = 0;
        assert_int_equal(gsl_odeiv2_driver_apply(d, &t, dt, y), GSL_SUCCESS);
        gsl_odeiv2_driver_free(d);
        double xr = lr * 0.3 - li * -0.2 + br, xi = lr * -0.2 + li * 0.3 + bi;
        assert_abs(xr, y[0], 1e-10);
        assert_abs(xi, y[1], 1e-10);
        assert_abs(hypot(lr, li), exp(m.lr * dt), 1e-15);
    }
    double lr, li, br, bi;
    hr_lru_zoh(0, 0, 0.25, 2, -1, &lr, &li, &br, &bi);
    assert_abs(lr, 1, 0);
    assert_abs(br, 0.5, 0);
    assert_abs(bi, -0.25, 0);
}

/* Impulse response: u = 1 at k = 0 then 0 gives x_k = lambda^k B; with
 * lambda = r e^{i theta}, lambda^k = r^k (cos k theta, sin k theta) in closed
 * form. 300 steps of one complex multiply each: error grows ~k eps, so
 * 1e-13 absolute on values of size <= 1. */
static void test_impulse(void **state)
{
    const double r[] = {0.97, 0.5, 0.999}, th[] = {0.3, 2.9, -1.1};
    double lre[3], lim[3], bre[3] = {0.4, -1.2, 0.7}, bim[3] = {0.1, 0.0, -0.3};
    for (int i = 0; i < 3; i++) {
        lre[i] = r[i] * cos(th[i]);
        lim[i] = r[i] * sin(th[i]);
    }
    hr_lru *l;
    assert_status(hr_lru_create_from(&l, 3, 1, 0, lre, lim, bre, bim, NULL, NULL, NULL,
                                     HR_LRU_NONE, NULL),
                  HR_OK);
    for (int k = 0; k < 300; k++) {
        double u = k == 0 ? 1 : 0;
        hr_lru_step(l, &u);
        for (int i = 0; i < 3; i++) {
            double a = pow(r[i], k), c = cos(k * th[i]), s = sin(k * th[i]);
            double wr = a * (c * bre[i] - s * bim[i]), wi = a * (c * bim[i] + s * bre[i]);
            assert_abs(hr_lru_state_re(l)[i], wr, 1e-13);
            assert_abs(hr_lru_state_im(l)[i], wi, 1e-13);
        }
    }
    hr_lru_destroy(l);
}

/* |lambda| >= 1 is refused, from explicit values or from the ring; a
 * quantized lambda that would round onto the unit circle is pulled inside. */
static void test_stability(void **state)
{
    double lre[] = {0.6}, lim[] = {0.8}, b[] = {1};
    hr_lru *l;
    assert_status(hr_lru_create_from(&l, 1, 1, 0, lre, lim, b, NULL, NULL, NULL, NULL, 0, NULL),
                  HR_ERANGE);
    hr_lru_params p = hr_lru_params_default();
    p.r_max = 1.0;
    assert_status(hr_lru_create(&l, &p, NULL), HR_ERANGE);
    p = hr_lru_params_default();
    p.init = HR_LRU_ZOH;
    p.a_min = 0;
    assert_status(hr_lru_create(&l, &p, NULL), HR_ERANGE);
    /* 0.9999 at 4 bits (codes up to 7), power-of-two scale 2^-2 (0.9999 / 7
     * rounded up): code round(3.9996) = 4, lambda = 1 exactly; the code is
     * moved to 3 (|lambda| = 0.75). */
    double l1[] = {0.9999, 0.5}, l2[] = {0, 0.5}, b2[] = {1, 1};
    hr_fixed_spec fx = {.weights = {.bits = 4, .pow2 = 1}};
    assert_status(hr_lru_create_from(&l, 2, 1, 0, l1, l2, b2, NULL, NULL, NULL, NULL, 0, &fx),
                  HR_OK);
    assert_abs(hr_lru_max_abs_lambda(l), 0.75, 0); /* the other mode: 2 x 0.25 (1 + i), 0.707 */
    int32_t cr[2];
    assert_status(hr_lru_codes(l, cr, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
                  HR_OK);
    assert_int_equal(cr[0], 3);
    hr_lru_destroy(l);
    /* The zoh draw is stable for any rates and steps. */
    p = hr_lru_params_default();
    p.init = HR_LRU_ZOH;
    p.a_min = 1e-6;
    p.a_max = 1e-3;
    p.delta = 100;
    assert_status(hr_lru_create(&l, &p, NULL), HR_OK);
    assert_true(hr_lru_max_abs_lambda(l) < 1);
    hr_lru_destroy(l);
}

/* Ring: every |lambda| in [r_min, r_max], every phase in [0, theta_max];
 * |lambda|^2 uniform: its mean over 4000 units is (r_min^2 + r_max^2) / 2
 * within 5 standard errors; B rows normalised: E|B_i|^2 = 1 - |lambda_i|^2
 * (1 input), so the mean of |B_i|^2 / (1 - |lambda_i|^2) is 1 (chi-square
 * with 2 degrees of freedom over 2: sd 1/sqrt(4000)). */
static void test_ring(void **state)
{
    hr_lru_params p = hr_lru_params_default();
    p.units = 4000;
    p.r_min = 0.5;
    p.r_max = 0.95;
    p.theta_max = 1.2;
    hr_lru *l;
    assert_status(hr_lru_create(&l, &p, NULL), HR_OK);
    double *lr = malloc(4000 * sizeof *lr), *li = malloc(4000 * sizeof *li);
    double *br = malloc(4000 * sizeof *br), *bi = malloc(4000 * sizeof *bi);
    hr_lru_matrices(l, lr, li, br, bi, NULL, NULL, NULL);
    double m2 = 0, g = 0;
    for (int i = 0; i < 4000; i++) {
        double a = hypot(lr[i], li[i]), t = atan2(li[i], lr[i]);
        assert_true(a >= 0.5 - 1e-15 && a <= 0.95 + 1e-15);
        assert_true(t >= -1e-15 && t <= 1.2 + 1e-15);
        m2 += a * a;
        g += (br[i] * br[i] + bi[i] * bi[i]) / (1 - a * a);
    }
    double want = (0.25 + 0.9025) / 2, se = (0.9025 - 0.25) / sqrt(12.0 * 4000);
    assert_abs(m2 / 4000, want, 5 * se);
    assert_abs(g / 4000, 1, 5 / sqrt(4000.0));
    free(lr);
    free(li);
    free(br);
    free(bi);
    hr_lru_destroy(l);
}

/* Outputs y = g(Re(C x) + D u) after one step from rest (x = B u), by hand:
 * lambda = 0.5 i, B = [1 + 2i, -1], C = [[0.5 - i, 2]], D = [0.25], u = 0.4:
 * x = [0.4 + 0.8i, -0.4]; Re(C x) = 0.5 x 0.4 + 0.8 - 0.8 = 0.2;
 * + D u = 0.1: y = tanh(0.3); relu(0.3) = 0.3. */
static void test_outputs(void **state)
{
    double lre[] = {0, 0.3}, lim[] = {0.5, 0}, bre[] = {1, -1}, bim[] = {2, 0};
    double cre[] = {0.5, 2}, cim[] = {-1, 0}, d[] = {0.25};
    const int g[] = {HR_LRU_TANH, HR_LRU_RELU, HR_LRU_GELU};
    const double want[] = {tanh(0.3), 0.3, 0.5 * 0.3 * (1 + erf(0.3 / sqrt(2.0)))};
    for (int t = 0; t < 3; t++) {
        hr_lru *l;
        assert_status(hr_lru_create_from(&l, 2, 1, 1, lre, lim, bre, bim, cre, cim, d, g[t], NULL),
                      HR_OK);
        double u = 0.4;
        hr_lru_step(l, &u);
        assert_abs(hr_lru_output(l)[0], want[t], 1e-15);
        hr_lru_destroy(l);
    }
}

/* Costs: 4 real MACs per lambda, 2 per nonzero of B and C, 1 per nonzero of
 * D; pruning C (density) and B (input_density) to 10% leaves round(0.1 x
 * entries) nonzeros each. */
static void test_costs_prune(void **state)
{
    hr_lru_params p = hr_lru_params_default();
    p.units = 50;
    p.inputs = 2;
    p.outputs = 40;
    p.d_scale = 1;
    hr_lru *dense, *sparse;
    assert_status(hr_lru_create(&dense, &p, NULL), HR_OK);
    p.density = 0.1;
    p.input_density = 0.1;
    assert_status(hr_lru_create(&sparse, &p, NULL), HR_OK);
    hr_costs c;
    hr_lru_costs(dense, &c);
    assert_abs(c.synaptic_ops, 4 * 50 + 2 * 100 + 2 * 2000 + 80, 0);
    assert_abs(c.state_bytes, 2 * 50 * 8, 0);
    hr_lru_costs(sparse, &c);
    assert_abs(c.synaptic_ops, 4 * 50 + 2 * 10 + 2 * 200 + 80, 0);
    hr_lru_destroy(dense);
    hr_lru_destroy(sparse);
}

/* Integer layer, 8 bits, per-tensor power-of-two scales, F = 5 (2 integer
 * bits), inputs range 2 (Fu = 6). lambda = 0.5 + 0.25i: scale 2^-7 (0.5/127
 * rounded up), codes (64, 32); B = [1]: scale 2^-6, code 64 (im 0);
 * u = 0.5: code 32.
 * Step 1: x = B u: re = 64 x 32 x 2^-6 x 2^(5-6) = 16 (0.5), im 0.
 * Step 2: lambda x: re = (64 x 16 - 32 x 0) / 128 = 8, im = (64 x 0 + 32 x 16)
 *         / 128 = 4; plus B u = 16: x = (24, 4).
 * Step 3: re = (64 x 24 - 32 x 4) / 128 + 16 = 11 + 16 = 27,
 *         im = (64 x 4 + 32 x 24) / 128 = 8. */
static void test_integer_lru(void **state)
{
    double lre[] = {0.5}, lim[] = {0.25}, b[] = {1};
    hr_fixed_spec fx = {.weights = {.bits = 8, .pow2 = 1}, .state_bits = 8, .state_int_bits = 2,
                        .input_range = 2};
    hr_lru *l;
    assert_status(hr_lru_create_from(&l, 1, 1, 0, lre, lim, b, NULL, NULL, NULL, NULL, 0, &fx),
                  HR_OK);
    assert_int_equal(hr_lru_state_frac(l), 5);
    const double want[3][2] = {{16, 0}, {24, 4}, {27, 8}};
    double u = 0.5;
    for (int k = 0; k < 3; k++) {
        hr_lru_step(l, &u);
        assert_abs(hr_lru_state_re(l)[0], want[k][0] / 32, 0);
        assert_abs(hr_lru_state_im(l)[0], want[k][1] / 32, 0);
    }
    int32_t cr, ci;
    double s;
    assert_status(hr_lru_codes(l, &cr, &ci, &s, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
                  HR_OK);
    assert_int_equal(cr, 64);
    assert_int_equal(ci, 32);
    assert_abs(s, ldexp(1, -7), 0);
    hr_lru_destroy(l);
}

/* The substrate: traces are Re / Im of the probed units (or outputs) of the
 * layer driven by the sampled stimulus. */
static void test_substrate(void **state)
{
    const hr_substrate_type *t = hr_substrate_lookup("lru", NULL, 0);
    assert_non_null(t);
    hr_section *s = hr_section_create("substrate", "lru", t->base.params);
    assert_status(hr_section_set_text(s, "units", "16", "test", 0), HR_OK);
    assert_status(hr_section_set_text(s, "probes", "2 5", "test", 0), HR_OK);
    hr_substrate *sub;
    assert_status(hr_substrate_open(&sub, s), HR_OK);
    hr_stimulus stim;
    memset(&stim, 0, sizeof stim);
    stim.nsources = 1;
    stim.sources[0].amplitude = 1.3;
    stim.sources[0].frequency = 0.05;
    stim.t_end = 30;
    hr_traces tr;
    assert_status(hr_substrate_run(sub, &stim, &tr), HR_OK);
    assert_int_equal(tr.nprobes, 4);
    assert_int_equal(tr.nt, 31);
    hr_lru_params p = hr_lru_params_default();
    p.units = 16;
    hr_lru *l;
    assert_status(hr_lru_create(&l, &p, NULL), HR_OK);
    for (int k = 0; k < 31; k++) {
        double u = 1.3 * sin(2 * M_PI * 0.05 * k);
        hr_lru_step(l, &u);
        assert_abs(tr.data[0 * 31 + k], hr_lru_state_re(l)[2], 1e-15);
        assert_abs(tr.data[3 * 31 + k], hr_lru_state_im(l)[5], 1e-15);
    }
    hr_probe_info info;
    assert_status(hr_substrate_probe_info(sub, 3, &info), HR_OK);
    assert_string_equal(info.name, "unit5.im");
    hr_lru_destroy(l);
    free(tr.data);
    hr_substrate_close(sub);
    assert_status(hr_section_set_text(s, "trace", "output", "test", 0), HR_OK);
    assert_status(hr_substrate_open(&sub, s), HR_EINVAL);
    hr_section_destroy(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zoh),
        cmocka_unit_test(test_impulse),
        cmocka_unit_test(test_stability),
        cmocka_unit_test(test_ring),
        cmocka_unit_test(test_outputs),
        cmocka_unit_test(test_costs_prune),
        cmocka_unit_test(test_integer_lru),
        cmocka_unit_test(test_substrate),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
