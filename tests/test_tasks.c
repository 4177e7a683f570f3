/* test_tasks.c — task generators and scoring (tasks/tasks.h): the reference
 * study's XNOR and digits tasks exactly as its README states them, NARMA10
 * and memory-capacity streams checked against their definitions, the
 * Mackey-Glass integrator against an exact solution and its own
 * convergence order, determinism under a seed, and the error paths.
 * Tolerances: one-step recurrences 1e-14 relative (a few ulps on O(1)
 * values); statistics at 5 standard errors, stated where used. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "base/status.h"
#include "tasks/tasks.h"
#include "tests/test_util.h"

static int setup(void **state)
{
    hr_init();
    return 0;
}

static gsl_rng *rng_seeded(unsigned long seed)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, seed);
    return r;
}

static int tasks_equal(const hr_task *a, const hr_task *b)
{
    return a->n_rows == b->n_rows && a->n_in == b->n_in && a->n_out == b->n_out &&
           memcmp(a->input, b->input, a->n_rows * a->n_in * sizeof(double)) == 0 &&
           memcmp(a->target, b->target, a->n_rows * a->n_out * sizeof(double)) == 0;
}

/* ---- XNOR ------------------------------------------------------------------- */

static void test_xnor_patterns(void **state)
{
    hr_task *t;
    assert_status(hr_task_xnor(&t, 0, 0.0, 0, NULL), HR_OK);
    assert_int_equal(t->kind, HR_TASK_XNOR);
    assert_int_equal(t->stream, 0);
    assert_int_equal(t->n_in, 2);
    assert_int_equal(t->n_out, 1);
    assert_int_equal(t->washout, 0);
    assert_int_equal(t->n_train, 4);
    assert_int_equal(t->n_test, 0);
    const double in[8] = {0, 0, 0, 1, 1, 0, 1, 1}, out[4] = {1, 0, 0, 1};
    assert_memory_equal(t->input, in, sizeof in);
    assert_memory_equal(t->target, out, sizeof out);
    hr_task_free(t);
}

static void test_xnor_noisy(void **state)
{
    gsl_rng *r = rng_seeded(2385);
    hr_task *t, *u;
    assert_status(hr_task_xnor(&t, 25, 0.3, 1, r), HR_OK);
    assert_int_equal(t->n_test, 100);
    const double *ti = hr_task_test_input(t), *tt = hr_task_test_target(t);
    double dev = 0;
    for (size_t row = 0; row < 100; row++) {
        size_t p = row % 4;
        assert_true(tt[row] == t->target[p]);
        for (int j = 0; j < 2; j++) {
            double v = ti[row * 2 + j];
            assert_true(v >= 0 && v <= 1); /* clipped */
            dev += fabs(v - t->input[p * 2 + j]);
        }
    }
    assert_true(dev > 0); /* the noise is there */
    /* Same seed, same task; unclipped noise leaves [0, 1]. */
    gsl_rng_set(r, 2385);
    assert_status(hr_task_xnor(&u, 25, 0.3, 1, r), HR_OK);
    assert_true(tasks_equal(t, u));
    hr_task_free(u);
    gsl_rng_set(r, 2385);
    assert_status(hr_task_xnor(&u, 25, 0.3, 0, r), HR_OK);
    int outside = 0;
    for (size_t i = 8; i < u->n_rows * 2; i++)
        outside += u->input[i] < 0 || u->input[i] > 1;
    assert_true(outside > 0);
    /* Unclipped inputs are the clean pattern plus sigma N(0, 1), drawn row
     * by row, first input then second. */
    gsl_rng_set(r, 2385);
    for (size_t row = 4; row < u->n_rows; row++)
        for (size_t j = 0; j < 2; j++) {
            double want = u->input[(row % 4) * 2 + j] + gsl_ran_gaussian(r, 0.3);
            assert_true(u->input[row * 2 + j] == want);
        }
    hr_task_free(u);
    hr_task_free(t);
    gsl_rng_free(r);
}

/* ---- Digits --------------------------------------------------------------------- */

static void test_digits_of_reference(void **state)
{
    /* The reference README: 0.14286 -> 0,1,4,2,8,6; 1.0 -> 1,0,0,0,0,0. */
    const double x[8] = {0, 0.14286, 0.28571, 0.42857, 0.57143, 0.71429, 0.85714, 1.0};
    const int want[8][HR_DIGITS_COUNT] = {
        {0, 0, 0, 0, 0, 0}, {0, 1, 4, 2, 8, 6}, {0, 2, 8, 5, 7, 1}, {0, 4, 2, 8, 5, 7},
        {0, 5, 7, 1, 4, 3}, {0, 7, 1, 4, 2, 9}, {0, 8, 5, 7, 1, 4}, {1, 0, 0, 0, 0, 0},
    };
    int d[HR_DIGITS_COUNT];
    for (int i = 0; i < 8; i++) {
        assert_status(hr_task_digits_of(x[i], d), HR_OK);
        assert_memory_equal(d, want[i], sizeof d);
    }
    /* Values whose x * 1e5 falls just below an integer in binary. */
    const double tricky[] = {0.29, 0.57, 0.99999, 0.123456, 0.5};
    const int tw[][HR_DIGITS_COUNT] = {{0, 2, 9, 0, 0, 0}, {0, 5, 7, 0, 0, 0},
                                       {0, 9, 9, 9, 9, 9}, {0, 1, 2, 3, 4, 6},
                                       {0, 5, 0, 0, 0, 0}};
    for (int i = 0; i < 5; i++) {
        assert_status(hr_task_digits_of(tricky[i], d), HR_OK);
        assert_memory_equal(d, tw[i], sizeof d);
    }
}

/* Every 5-decimal value k / 1e5 gives the digits of the integer k. */
static void test_digits_of_all(void **state)
{
    int d[HR_DIGITS_COUNT];
    for (int k = 0; k <= 100000; k++) {
        assert_int_equal(hr_task_digits_of(k / 1e5, d), HR_OK);
        int v = 0;
        for (int i = 0; i < HR_DIGITS_COUNT; i++)
            v = 10 * v + d[i];
        if (v != k)
            fail_msg("k = %d gave digits %d%d%d%d%d%d", k, d[0], d[1], d[2], d[3], d[4], d[5]);
    }
}

static void test_digits_task(void **state)
{
    hr_task *t;
    assert_status(hr_task_digits(&t, 8), HR_OK);
    assert_int_equal(t->kind, HR_TASK_DIGITS);
    assert_int_equal(t->n_in, 1);
    assert_int_equal(t->n_train, 8);
    assert_int_equal(t->n_test, 7);
    /* round(linspace(0, 1, 8), 5), exactly as literals. */
    const double x[8] = {0, 0.14286, 0.28571, 0.42857, 0.57143, 0.71429, 0.85714, 1.0};
    const double mid[7] = {0.07143, 0.21429, 0.35714, 0.5, 0.64286, 0.78571, 0.92857};
    for (int i = 0; i < 8; i++)
        assert_true(t->input[i] == x[i]);
    for (int i = 0; i < 7; i++) {
        double h = hr_task_test_input(t)[i];
        assert_true(h == mid[i]);
        assert_true(h > x[i] && h < x[i + 1]);
    }
    /* Targets: the sigmoid, checked through the identity
     * 1 / (1 + e^{-z}) = (1 + tanh(z / 2)) / 2 with z = 10 (x - 0.5). */
    for (size_t i = 0; i < t->n_rows; i++) {
        double xi = t->input[i];
        assert_rel(t->target[i], 0.5 * (1 + tanh(5 * (xi - 0.5))), 1e-14);
    }
    assert_rel(t->target[1], 1.0 / (1.0 + exp(3.5714)), 1e-14);
    assert_rel(t->target[8 + 3], 0.5, 1e-15); /* midpoint 0.5 */
    hr_task_free(t);

    /* Larger grids keep held-out inputs strictly between training inputs. */
    const size_t sizes[] = {2, 3, 101, 10001};
    for (int s = 0; s < 4; s++) {
        assert_status(hr_task_digits(&t, sizes[s]), HR_OK);
        for (size_t i = 0; i + 1 < sizes[s]; i++) {
            double h = hr_task_test_input(t)[i];
            assert_true(h > t->input[i] && h < t->input[i + 1]);
        }
        assert_true(t->input[0] == 0.0 && t->input[sizes[s] - 1] == 1.0);
        hr_task_free(t);
    }
}

/* ---- NARMA10 ------------------------------------------------------------------- */

/* The recurrence, evaluated from the task's own stored inputs and targets:
 * y(t) is target[t - 1] for t >= 1 and 0 before. */
static double narma_y(const hr_task *t, long k)
{
    return k >= 1 ? t->target[k - 1] : 0.0;
}

static void test_narma10(void **state)
{
    gsl_rng *r = rng_seeded(2385);
    hr_narma10_params p = hr_task_narma10_defaults();
    hr_task *t, *u;
    assert_status(hr_task_narma10(&t, &p, r), HR_OK);
    assert_int_equal(t->stream, 1);
    assert_int_equal(t->n_rows, p.washout + p.n_train + p.n_test);
    assert_rel(t->target[0], 0.1, 1e-15); /* y(1) = 0.1 from rest */
    double mu = 0, m2 = 0;
    for (long k = 0; k < (long)t->n_rows; k++) {
        double uk = t->input[k];
        assert_true(uk >= 0 && uk < 0.5);
        mu += uk;
        m2 += uk * uk;
        double sum = 0;
        for (long i = 9; i >= 0; i--)
            sum += narma_y(t, k - i);
        double u9 = k >= 9 ? t->input[k - 9] : 0.0;
        double yk = narma_y(t, k);
        double want = 0.3 * yk + 0.05 * yk * sum + 1.5 * u9 * uk + 0.1;
        assert_rel(t->target[k], want, 1e-14);
        /* every term is >= 0 from rest, so y >= 0.1; stable runs stay < 1.5 */
        assert_true(t->target[k] >= 0.1 && t->target[k] < 1.5);
    }
    /* u ~ U[0, 0.5): mean 0.25 (standard error sqrt(1/48 / 3200) = 0.0026),
     * variance 1/48 (standard error 3.3e-4); 5 standard errors. */
    double n = (double)t->n_rows;
    mu /= n;
    double var = m2 / n - mu * mu;
    assert_abs(mu, 0.25, 0.013);
    assert_abs(var, 1.0 / 48.0, 1.7e-3);
    /* Same seed, same task; another seed, another task. */
    gsl_rng_set(r, 2385);
    assert_status(hr_task_narma10(&u, &p, r), HR_OK);
    assert_true(tasks_equal(t, u));
    hr_task_free(u);
    gsl_rng_set(r, 2386);
    assert_status(hr_task_narma10(&u, &p, r), HR_OK);
    assert_false(tasks_equal(t, u));
    hr_task_free(u);
    hr_task_free(t);
    gsl_rng_free(r);
}

/* The divergence guard: a first draw that breaks the bound is replaced. */
static void test_narma10_redraw(void **state)
{
    hr_narma10_params p = hr_task_narma10_defaults();
    p.washout = 0;
    p.n_train = 30;
    p.n_test = 0;
    gsl_rng *r = rng_seeded(77);
    gsl_rng *c = gsl_rng_clone(r);
    hr_task *first, *t;
    assert_status(hr_task_narma10(&first, &p, c), HR_OK);
    double ymax = 0;
    for (size_t k = 0; k < first->n_rows; k++)
        ymax = fmax(ymax, first->target[k]);
    p.bound = ymax * (1 - 1e-9); /* the first draw now counts as diverged */
    p.max_redraws = 10000;
    assert_status(hr_task_narma10(&t, &p, r), HR_OK);
    assert_false(tasks_equal(first, t));
    for (size_t k = 0; k < t->n_rows; k++)
        assert_true(t->target[k] <= p.bound);
    hr_task_free(t);
    hr_task_free(first);

    /* Inputs far too large: every draw diverges. */
    p = hr_task_narma10_defaults();
    p.u_hi = 2.385;
    p.max_redraws = 3;
    static hr_task sentinel;
    t = &sentinel; /* must be reset to NULL */
    assert_status(hr_task_narma10(&t, &p, r), HR_EUNSTABLE);
    assert_null(t);
    assert_non_null(strstr(hr_error_message(), "NARMA10"));
    gsl_rng_free(c);
    gsl_rng_free(r);
}

/* ---- Memory capacity ------------------------------------------------------------ */

static void test_memory_task(void **state)
{
    gsl_rng *r = rng_seeded(2385);
    hr_memory_params p = hr_task_memory_defaults();
    p.kmax = 7;
    p.washout = 10;
    p.n_train = 50;
    p.n_test = 40;
    hr_task *t, *u;
    assert_status(hr_task_memory(&t, &p, r), HR_OK);
    assert_int_equal(t->n_out, 7);
    for (size_t k = 0; k < t->n_rows; k++) {
        assert_true(t->input[k] >= -1 && t->input[k] < 1);
        for (size_t d = 1; d <= 7; d++)
            assert_true(t->target[k * 7 + d - 1] == (k >= d ? t->input[k - d] : 0.0));
    }
    gsl_rng_set(r, 2385);
    assert_status(hr_task_memory(&u, &p, r), HR_OK);
    assert_true(tasks_equal(t, u));
    hr_task_free(u);

    /* A perfect delay line (and any affine image of it) scores kmax. */
    const double *tt = hr_task_test_target(t);
    double pred[40 * 7], mc, per[7];
    for (int i = 0; i < 40 * 7; i++)
        pred[i] = 2.385 * tt[i] - 0.4;
    assert_status(hr_task_memory_capacity(tt, pred, 40, 7, &mc, per), HR_OK);
    assert_rel(mc, 7.0, 1e-13);
    for (int k = 0; k < 7; k++)
        assert_rel(per[k], 1.0, 1e-13);
    hr_task_score sc;
    assert_status(hr_task_score_test(t, pred, &sc), HR_OK);
    assert_string_equal(sc.name, "mc");
    assert_int_equal(sc.higher_is_better, 1);
    assert_rel(sc.value, 7.0, 1e-13);
    hr_task_free(t);
    gsl_rng_free(r);
}

/* A predictor with noise of the signal's own variance has r^2 = 1/2 per
 * delay: MC = kmax / 2. With 20000 rows each r^2 has standard error
 * ~0.004, so 10 delays sum to within 0.1 (> 5 standard errors). */
static void test_memory_capacity_noisy(void **state)
{
    enum { N = 20000, K = 10 };
    static double y[N * K], yh[N * K];
    gsl_rng *r = rng_seeded(31);
    for (int i = 0; i < N * K; i++) {
        y[i] = 2 * gsl_rng_uniform(r) - 1;
        yh[i] = y[i] + gsl_ran_gaussian(r, sqrt(1.0 / 3.0));
    }
    double mc;
    assert_status(hr_task_memory_capacity(y, yh, N, K, &mc, NULL), HR_OK);
    assert_abs(mc, 5.0, 0.1);
    gsl_rng_free(r);
}

/* ---- Mackey-Glass ------------------------------------------------------------------ */

/* For t <= tau the delayed term sees the constant history, so the equation
 * is linear: x(t) = c + (x0 - c) e^{-gamma t}, c = beta x0 / (gamma (1 + x0^n)).
 * RK4 with h = 0.1 is good to ~1e-11 there; 1e-9 leaves room. */
static void test_mackey_glass_exact(void **state)
{
    hr_mackey_glass_params p = hr_task_mackey_glass_defaults();
    p.washout = 0;
    p.n_train = 30;
    p.n_test = 0;
    hr_task *t;
    assert_status(hr_task_mackey_glass(&t, &p), HR_OK);
    double c = p.beta * p.x0 / (p.gamma * (1 + pow(p.x0, p.power)));
    for (int k = 0; k <= 17; k++)
        assert_abs(t->input[k], c + (p.x0 - c) * exp(-p.gamma * k), 1e-9);
    /* target row k is input row k + 1 */
    for (size_t k = 0; k + 1 < t->n_rows; k++)
        assert_true(t->target[k] == t->input[k + 1]);
    hr_task_free(t);
}

/* Halving the step must shrink the error 16-fold (fourth order) well past
 * the first delay interval, where the Hermite midpoint matters; and the
 * attractor stays in its known band. */
static void test_mackey_glass_order(void **state)
{
    const double dts[3] = {0.1, 0.05, 0.025};
    double v[3][2];
    hr_task *t;
    for (int i = 0; i < 3; i++) {
        hr_mackey_glass_params p = hr_task_mackey_glass_defaults();
        p.dt = dts[i];
        p.washout = 0;
        p.n_train = 120;
        p.n_test = 0;
        assert_status(hr_task_mackey_glass(&t, &p), HR_OK);
        v[i][0] = t->input[60];
        v[i][1] = t->input[119];
        hr_task_free(t);
    }
    for (int j = 0; j < 2; j++) {
        double ratio = (v[0][j] - v[1][j]) / (v[1][j] - v[2][j]);
        assert_true(ratio > 12 && ratio < 20); /* 16 for fourth order */
    }
    hr_mackey_glass_params p = hr_task_mackey_glass_defaults();
    assert_status(hr_task_mackey_glass(&t, &p), HR_OK);
    for (size_t k = t->washout; k < t->n_rows; k++)
        assert_true(t->input[k] > 0.3 && t->input[k] < 1.4);
    hr_task_free(t);
}

/* ---- Scoring and names ---------------------------------------------------------------- */

static void test_scoring(void **state)
{
    hr_task_score s;
    const double y[4] = {1, 0, 0, 1}, good[4] = {0.9, 0.1, 0.4, 0.6}, half[4] = {0.9, 0.6,
                                                                                0.4, 0.2};
    assert_status(hr_task_score_kind(HR_TASK_XNOR, y, good, 4, 1, &s), HR_OK);
    assert_string_equal(s.name, "accuracy");
    assert_true(s.value == 1.0 && s.higher_is_better == 1);
    assert_status(hr_task_score_kind(HR_TASK_XNOR, y, half, 4, 1, &s), HR_OK);
    assert_true(s.value == 0.5);
    const double z[4] = {2.385, 1.0, -0.5, 3.2}, zh[4] = {2.1, 1.3, -0.2, 2.9};
    for (int k = HR_TASK_DIGITS; k <= HR_TASK_MACKEY_GLASS; k += 1) {
        if (k == HR_TASK_MEMORY)
            continue;
        assert_status(hr_task_score_kind((enum hr_task_kind)k, z, zh, 4, 1, &s), HR_OK);
        assert_string_equal(s.name, "nrmse");
        assert_int_equal(s.higher_is_better, 0);
        assert_rel(s.value, 0.21056744359194962, 1e-14);
    }
    /* Held-out scoring of the digits task: predicting the targets is 0. */
    hr_task *t;
    assert_status(hr_task_digits(&t, 8), HR_OK);
    assert_status(hr_task_score_test(t, hr_task_test_target(t), &s), HR_OK);
    assert_true(s.value == 0.0);
    hr_task_free(t);
    /* An XNOR task with no held-out rows cannot be scored. */
    assert_status(hr_task_xnor(&t, 0, 0, 0, NULL), HR_OK);
    assert_status(hr_task_score_test(t, y, &s), HR_EINVAL);
    hr_task_free(t);

    /* Names round-trip. */
    for (int k = 0; k < HR_TASK_KIND_COUNT; k++) {
        enum hr_task_kind kind;
        assert_status(hr_task_kind_parse(hr_task_kind_name((enum hr_task_kind)k), &kind),
                      HR_OK);
        assert_int_equal(kind, k);
    }
    assert_string_equal(hr_task_kind_name(HR_TASK_MACKEY_GLASS), "mackey-glass");
    assert_string_equal(hr_task_kind_name(HR_TASK_KIND_COUNT), "unknown");
}

/* ---- Error paths ----------------------------------------------------------------------- */

static void test_errors(void **state)
{
    hr_task *t;
    gsl_rng *r = rng_seeded(1);
    int d[HR_DIGITS_COUNT];
    assert_status(hr_task_xnor(NULL, 0, 0, 0, NULL), HR_EINVAL);
    assert_status(hr_task_xnor(&t, 3, -0.1, 0, r), HR_EINVAL);
    assert_null(t);
    assert_status(hr_task_xnor(&t, 3, NAN, 0, r), HR_EINVAL);
    assert_status(hr_task_xnor(&t, 3, 0.1, 0, NULL), HR_EINVAL);
    assert_non_null(strstr(hr_error_message(), "rng"));

    assert_status(hr_task_digits_of(-0.1, d), HR_EINVAL);
    assert_non_null(strstr(hr_error_message(), "[0, 1]"));
    assert_status(hr_task_digits_of(1.00001, d), HR_EINVAL);
    assert_status(hr_task_digits_of(NAN, d), HR_EINVAL);
    assert_status(hr_task_digits_of(0.5, NULL), HR_EINVAL);
    assert_status(hr_task_digits(&t, 1), HR_EINVAL);
    assert_status(hr_task_digits(&t, 10002), HR_EINVAL);
    assert_status(hr_task_digits(NULL, 8), HR_EINVAL);

    hr_narma10_params np = hr_task_narma10_defaults();
    assert_status(hr_task_narma10(&t, &np, NULL), HR_EINVAL);
    assert_status(hr_task_narma10(&t, NULL, r), HR_EINVAL);
    np.u_lo = 0.5;
    np.u_hi = 0.2385;
    assert_status(hr_task_narma10(&t, &np, r), HR_EINVAL);
    np = hr_task_narma10_defaults();
    np.n_train = 0;
    assert_status(hr_task_narma10(&t, &np, r), HR_EINVAL);
    np = hr_task_narma10_defaults();
    np.bound = -1;
    assert_status(hr_task_narma10(&t, &np, r), HR_EINVAL);
    np = hr_task_narma10_defaults();
    np.max_redraws = -1;
    assert_status(hr_task_narma10(&t, &np, r), HR_EINVAL);

    hr_memory_params mp = hr_task_memory_defaults();
    mp.washout = mp.kmax - 1;
    assert_status(hr_task_memory(&t, &mp, r), HR_EINVAL);
    assert_non_null(strstr(hr_error_message(), "washout"));
    mp = hr_task_memory_defaults();
    mp.kmax = 0;
    assert_status(hr_task_memory(&t, &mp, r), HR_EINVAL);
    mp = hr_task_memory_defaults();
    mp.u_hi = INFINITY;
    assert_status(hr_task_memory(&t, &mp, r), HR_EINVAL);
    double mc;
    const double y[4] = {1, 2, 3, 4};
    assert_status(hr_task_memory_capacity(y, y, 1, 1, &mc, NULL), HR_EINVAL);
    assert_status(hr_task_memory_capacity(y, y, 4, 0, &mc, NULL), HR_EINVAL);
    assert_status(hr_task_memory_capacity(y, NULL, 4, 1, &mc, NULL), HR_EINVAL);

    hr_mackey_glass_params gp = hr_task_mackey_glass_defaults();
    gp.dt = 0.3; /* 17 / 0.3 is not an integer */
    assert_status(hr_task_mackey_glass(&t, &gp), HR_EINVAL);
    assert_non_null(strstr(hr_error_message(), "tau / dt"));
    gp = hr_task_mackey_glass_defaults();
    gp.sample_dt = 0.25;
    assert_status(hr_task_mackey_glass(&t, &gp), HR_EINVAL);
    gp = hr_task_mackey_glass_defaults();
    gp.tau = -17;
    assert_status(hr_task_mackey_glass(&t, &gp), HR_EINVAL);
    gp = hr_task_mackey_glass_defaults();
    gp.x0 = -1.2;
    assert_status(hr_task_mackey_glass(&t, &gp), HR_EINVAL);
    gp = hr_task_mackey_glass_defaults();
    gp.horizon = 0;
    assert_status(hr_task_mackey_glass(&t, &gp), HR_EINVAL);
    assert_status(hr_task_mackey_glass(&t, NULL), HR_EINVAL);

    hr_task_score s;
    assert_status(hr_task_score_kind(HR_TASK_NARMA10, y, y, 2, 2, &s), HR_EINVAL);
    assert_status(hr_task_score_kind(HR_TASK_KIND_COUNT, y, y, 4, 1, &s), HR_EINVAL);
    assert_status(hr_task_score_kind(HR_TASK_NARMA10, y, y, 4, 1, NULL), HR_EINVAL);
    const double c[4] = {2.385, 2.385, 2.385, 2.385};
    assert_status(hr_task_score_kind(HR_TASK_NARMA10, c, y, 4, 1, &s), HR_ERANGE);
    assert_non_null(strstr(hr_error_message(), "narma10"));
    assert_status(hr_task_score_test(NULL, y, &s), HR_EINVAL);
    enum hr_task_kind kind;
    assert_status(hr_task_kind_parse("narma20", &kind), HR_EINVAL);
    assert_status(hr_task_kind_parse(NULL, &kind), HR_EINVAL);
    hr_task_free(NULL);
    gsl_rng_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xnor_patterns),
        cmocka_unit_test(test_xnor_noisy),
        cmocka_unit_test(test_digits_of_reference),
        cmocka_unit_test(test_digits_of_all),
        cmocka_unit_test(test_digits_task),
        cmocka_unit_test(test_narma10),
        cmocka_unit_test(test_narma10_redraw),
        cmocka_unit_test(test_memory_task),
        cmocka_unit_test(test_memory_capacity_noisy),
        cmocka_unit_test(test_mackey_glass_exact),
        cmocka_unit_test(test_mackey_glass_order),
        cmocka_unit_test(test_scoring),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
