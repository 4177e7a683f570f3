/* test_evolve_ops.c — the random generator and the variation operators:
 * known values, determinism of streams, distribution moments, and bounds
 * kept by every operator in many random trials, edges included. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "evolve/operators.h"
#include "evolve/rng.h"
#include "tests/test_util.h"

/* Published values: splitmix64 from state 0 gives 0xE220A8397B1DCDAF first;
 * xoshiro256** from state {1, 2, 3, 4} gives 11520, 0, 1509978240,
 * 1215971899390074240. */
static void test_rng_known_values(void **state)
{
    hr_evo_rng r;
    hr_evo_rng_seed(&r, 0);
    assert_true(r.s[0] == 0xE220A8397B1DCDAFULL);
    r.s[0] = 1;
    r.s[1] = 2;
    r.s[2] = 3;
    r.s[3] = 4;
    assert_true(hr_evo_rng_next(&r) == 11520ULL);
    assert_true(hr_evo_rng_next(&r) == 0ULL);
    assert_true(hr_evo_rng_next(&r) == 1509978240ULL);
    assert_true(hr_evo_rng_next(&r) == 1215971899390074240ULL);
}

static void test_rng_streams(void **state)
{
    hr_evo_rng a, b, c, d;
    hr_evo_rng_stream(&a, 2385, 7, 11);
    hr_evo_rng_stream(&b, 2385, 7, 11);
    hr_evo_rng_stream(&c, 2385, 11, 7);
    hr_evo_rng_stream(&d, 2386, 7, 11);
    int diff_c = 0, diff_d = 0;
    for (int i = 0; i < 100; i++) {
        uint64_t x = hr_evo_rng_next(&a);
        assert_true(x == hr_evo_rng_next(&b));
        diff_c += x != hr_evo_rng_next(&c);
        diff_d += x != hr_evo_rng_next(&d);
    }
    assert_true(diff_c > 95 && diff_d > 95);
    /* Neighbouring streams are uncorrelated: the mean of the first uniform
     * over 20000 consecutive individual indices is 1/2 within 4 sigma. */
    double sum = 0;
    for (int i = 0; i < 20000; i++) {
        hr_evo_rng_stream(&a, 1, 0, (uint64_t)i);
        sum += hr_evo_rng_uniform(&a);
    }
    assert_abs(sum / 20000, 0.5, 4 * sqrt(1.0 / 12 / 20000));
}

static void test_rng_moments(void **state)
{
    hr_evo_rng r;
    hr_evo_rng_seed(&r, 2385);
    const int n = 200000;
    double s1 = 0, s2 = 0, u1 = 0, umin = 1, umax = 0;
    long counts[7] = {0};
    for (int i = 0; i < n; i++) {
        double z = hr_evo_rng_gaussian(&r);
        assert_true(isfinite(z));
        s1 += z;
        s2 += z * z;
        double u = hr_evo_rng_uniform(&r);
        assert_true(u >= 0 && u < 1);
        u1 += u;
        umin = fmin(umin, u);
        umax = fmax(umax, u);
        uint64_t k = hr_evo_rng_below(&r, 7);
        assert_true(k < 7);
        counts[k]++;
    }
    assert_abs(s1 / n, 0, 4 / sqrt(n));
    assert_abs(s2 / n, 1, 4 * sqrt(2.0 / n));
    assert_abs(u1 / n, 0.5, 4 * sqrt(1.0 / 12 / n));
    assert_true(umin < 1e-4 && umax > 1 - 1e-4);
    for (int k = 0; k < 7; k++)
        assert_abs((double)counts[k] / n, 1.0 / 7, 4 * sqrt(1.0 / 7 * 6 / 7 / n));
    assert_true(hr_evo_rng_below(&r, 1) == 0 && hr_evo_rng_below(&r, 0) == 0);
}

static void test_clip(void **state)
{
    assert_true(hr_evo_clip(0.5, 0, 1) == 0.5);
    assert_true(hr_evo_clip(-0.1, 0, 1) == 0);
    assert_true(hr_evo_clip(1.1, 0, 1) == 1);
    assert_true(hr_evo_clip(NAN, -2, 3) == -2);
    assert_true(hr_evo_clip(INFINITY, -2, 3) == 3);
    assert_true(hr_evo_clip(-INFINITY, -2, 3) == -2);
    assert_true(hr_evo_clip(7, 2.385, 2.385) == 2.385);
}

#define MAXN 8

/* Asserts every gene of x is within its bounds (and not NaN). */
static void assert_in_bounds(const double *x, const double *lo, const double *hi, int n,
                             const char *what, long trial)
{
    for (int i = 0; i < n; i++)
        if (!(x[i] >= lo[i] && x[i] <= hi[i])) {
            print_error("%s, trial %ld: gene %d = %.17g outside [%.17g, %.17g]\n", what, trial,
                        i, x[i], lo[i], hi[i]);
            fail();
        }
}

/* Random bounds of several kinds, including degenerate and extreme ones. */
static void random_bounds(hr_evo_rng *r, int n, double *lo, double *hi)
{
    for (int i = 0; i < n; i++) {
        switch (hr_evo_rng_below(r, 7)) {
        case 0:
            lo[i] = 0;
            hi[i] = 1;
            break;
        case 1:
            lo[i] = -5.12;
            hi[i] = 5.12;
            break;
        case 2:
            lo[i] = hi[i] = 2.385; /* a fixed gene */
            break;
        case 3:
            lo[i] = 1e-300;
            hi[i] = 3e-300;
            break;
        case 4:
            lo[i] = -1e308; /* hi - lo overflows to infinity */
            hi[i] = 1e308;
            break;
        case 5:
            lo[i] = 1.0;
            hi[i] = nextafter(1.0, 2.0); /* one ulp wide */
            break;
        default: {
            double a = 200 * hr_evo_rng_uniform(r) - 100, b = 200 * hr_evo_rng_uniform(r) - 100;
            lo[i] = fmin(a, b);
            hi[i] = fmax(a, b);
        }
        }
    }
}

/* Parents at the bounds, equal, or anywhere inside. */
static void random_parent(hr_evo_rng *r, int n, const double *lo, const double *hi, double *x)
{
    for (int i = 0; i < n; i++) {
        switch (hr_evo_rng_below(r, 4)) {
        case 0:
            x[i] = lo[i];
            break;
        case 1:
            x[i] = hi[i];
            break;
        default:
            x[i] = hr_evo_clip(lo[i] + (hi[i] - lo[i]) * hr_evo_rng_uniform(r), lo[i], hi[i]);
        }
    }
}

static void test_operators_keep_bounds(void **state)
{
    static const double sigmas[] = {0, 0.1, 1, 10, 1e6, 1e300};
    static const double rates[] = {0, 0.3, 1};
    static const double alphas[] = {0, 0.5, 5, 1e300};
    static const double etas[] = {0, 2, 15, 1000};
    hr_evo_rng r, op;
    hr_evo_rng_seed(&r, 4242);
    double lo[MAXN], hi[MAXN], p1[MAXN], p2[MAXN], c1[MAXN], c2[MAXN];
    for (long trial = 0; trial < 20000; trial++) {
        int n = 1 + (int)hr_evo_rng_below(&r, MAXN);
        random_bounds(&r, n, lo, hi);
        random_parent(&r, n, lo, hi, p1);
        if (hr_evo_rng_below(&r, 5) == 0)
            memcpy(p2, p1, sizeof p1); /* equal parents */
        else
            random_parent(&r, n, lo, hi, p2);
        hr_evo_rng_stream(&op, 1, (uint64_t)trial, 0);

        hr_evo_uniform(&op, n, lo, hi, c1);
        assert_in_bounds(c1, lo, hi, n, "uniform", trial);

        memcpy(c1, p1, sizeof c1);
        hr_evo_mutate_gaussian(&op, n, lo, hi, rates[trial % 3], sigmas[trial % 6], c1);
        assert_in_bounds(c1, lo, hi, n, "gaussian mutation", trial);

        hr_evo_crossover_blx(&op, n, lo, hi, alphas[trial % 4], p1, p2, c1, c2);
        assert_in_bounds(c1, lo, hi, n, "BLX child 1", trial);
        assert_in_bounds(c2, lo, hi, n, "BLX child 2", trial);

        hr_evo_crossover_sbx(&op, n, lo, hi, etas[trial % 4], p1, p2, c1, c2);
        assert_in_bounds(c1, lo, hi, n, "SBX child 1", trial);
        assert_in_bounds(c2, lo, hi, n, "SBX child 2", trial);

        /* In place: children aliasing the parents. */
        memcpy(c1, p1, sizeof c1);
        memcpy(c2, p2, sizeof c2);
        hr_evo_crossover_sbx(&op, n, lo, hi, etas[trial % 4], c1, c2, c1, c2);
        assert_in_bounds(c1, lo, hi, n, "SBX in place", trial);
        hr_evo_crossover_blx(&op, n, lo, hi, alphas[trial % 4], c1, c2, c1, NULL);
        assert_in_bounds(c1, lo, hi, n, "BLX in place", trial);
    }
}

/* NULL bounds mean [0, 1]. */
static void test_operators_default_bounds(void **state)
{
    hr_evo_rng r;
    hr_evo_rng_seed(&r, 77);
    double p1[6] = {0, 1, 0, 1, 0.5, 0.2385}, p2[6] = {1, 0, 0, 1, 0.5, 0.9}, c[6], d[6];
    for (int t = 0; t < 5000; t++) {
        memcpy(c, p1, sizeof c);
        hr_evo_mutate_gaussian(&r, 6, NULL, NULL, 1.0, 0.5, c);
        hr_evo_crossover_sbx(&r, 6, NULL, NULL, 0.0, c, p2, d, NULL);
        hr_evo_crossover_blx(&r, 6, NULL, NULL, 2.0, d, p1, c, d);
        for (int i = 0; i < 6; i++)
            assert_true(c[i] >= 0 && c[i] <= 1 && d[i] >= 0 && d[i] <= 1);
    }
}

/* Behaviour, not only bounds: no-ops do nothing, BLX-0 stays between the
 * parents, SBX of equal parents returns them, mutation spreads as sigma. */
static void test_operator_semantics(void **state)
{
    hr_evo_rng r;
    hr_evo_rng_seed(&r, 99);
    double lo[3] = {-1, 0, 10}, hi[3] = {1, 1, 20};
    double p1[3] = {-0.3, 0.2385, 12}, p2[3] = {0.7, 0.9, 11}, c1[3], c2[3];

    memcpy(c1, p1, sizeof c1);
    hr_evo_mutate_gaussian(&r, 3, lo, hi, 1.0, 0.0, c1);
    assert_memory_equal(c1, p1, sizeof c1);
    hr_evo_mutate_gaussian(&r, 3, lo, hi, 0.0, 0.5, c1);
    assert_memory_equal(c1, p1, sizeof c1);

    for (int t = 0; t < 2000; t++) {
        hr_evo_crossover_blx(&r, 3, lo, hi, 0.0, p1, p2, c1, c2);
        for (int i = 0; i < 3; i++) {
            assert_true(c1[i] >= fmin(p1[i], p2[i]) && c1[i] <= fmax(p1[i], p2[i]));
            assert_true(c2[i] >= fmin(p1[i], p2[i]) && c2[i] <= fmax(p1[i], p2[i]));
        }
        hr_evo_crossover_sbx(&r, 3, lo, hi, 15, p1, p1, c1, c2);
        assert_memory_equal(c1, p1, sizeof c1);
        assert_memory_equal(c2, p1, sizeof c2);
    }

    /* Mutation of the middle of [0, 1] with sigma 0.01: the spread of the
     * result is 0.01 within 5%. */
    double s2 = 0;
    const int n = 20000;
    for (int t = 0; t < n; t++) {
        double x = 0.5;
        hr_evo_mutate_gaussian(&r, 1, NULL, NULL, 1.0, 0.01, &x);
        s2 += (x - 0.5) * (x - 0.5);
    }
    assert_rel(sqrt(s2 / n), 0.01, 0.05);

    /* SBX children's mean equals the parents' mean (away from bounds, the
     * distribution is symmetric): within 4 sigma over many trials. */
    double a = 0.4, b = 0.6, sum = 0;
    for (int t = 0; t < n; t++) {
        hr_evo_crossover_sbx(&r, 1, NULL, NULL, 2.0, &a, &b, c1, c2);
        sum += c1[0] + c2[0];
    }
    assert_abs(sum / (2 * n), 0.5, 0.01);

    /* Mutation rate: about `rate` of the genes move. */
    double x[100], y[100];
    for (int i = 0; i < 100; i++)
        x[i] = y[i] = 0.5;
    hr_evo_mutate_gaussian(&r, 100, NULL, NULL, 0.3, 0.1, y);
    int moved = 0;
    for (int i = 0; i < 100; i++)
        moved += x[i] != y[i];
    assert_true(moved > 10 && moved < 50);
}

static void test_tournament(void **state)
{
    hr_evo_rng r;
    hr_evo_rng_seed(&r, 5);
    double fit[10] = {0.1, -INFINITY, 3.5, 2.385, -7, 0, 1, 3.4, -INFINITY, 2};
    /* k = 1 is uniform; a large k almost always finds the best (index 2). */
    long counts[10] = {0}, best = 0;
    for (int t = 0; t < 10000; t++) {
        long i = hr_evo_tournament(&r, 10, fit, 1);
        assert_true(i >= 0 && i < 10);
        counts[i]++;
        best += hr_evo_tournament(&r, 10, fit, 40) == 2;
    }
    for (int i = 0; i < 10; i++)
        assert_true(counts[i] > 850 && counts[i] < 1150);
    assert_true(best > 9800);
    /* A tournament never picks a failure (-inf) when a success was drawn:
     * with k = 2 over {fail, 0}, index 0 wins unless both draws hit it. */
    double two[2] = {-INFINITY, 0};
    long wins = 0;
    for (int t = 0; t < 4000; t++)
        wins += hr_evo_tournament(&r, 2, two, 2) == 1;
    assert_abs(wins / 4000.0, 0.75, 0.03);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rng_known_values),
        cmocka_unit_test(test_rng_streams),
        cmocka_unit_test(test_rng_moments),
        cmocka_unit_test(test_clip),
        cmocka_unit_test(test_operators_keep_bounds),
        cmocka_unit_test(test_operators_default_bounds),
        cmocka_unit_test(test_operator_semantics),
        cmocka_unit_test(test_tournament),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
