/* test_sw_frames.c — the frame output of a tank run (hr_sw_output.frame):
 * frames arrive at the promised output times, and each is the state a run
 * that stops at that time ends with, bit for bit, on 1 and 2 threads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "shallowwater/sw.h"
#include "tests/test_util.h"

#define NX 48
#define NY 24

typedef struct frames {
    int n;             /* frames seen */
    double t[16];      /* their times */
    double eta[16][NX * NY];
} frames;

static void keep(void *ctx, const hr_sw *s, double t)
{
    frames *f = ctx;
    if (f->n >= 16)
        return;
    f->t[f->n] = t;
    hr_sw_get_state(s, f->eta[f->n], NULL, NULL);
    f->n++;
}

static void run_frames(int threads)
{
    hr_sw_params p = hr_sw_params_default();
    p.nx = NX;
    p.ny = NY;
    p.ly = 0.5;
    p.threads = threads;
    p.drag = 0.1;
    hr_sw *s;
    assert_status(hr_sw_create(&s, &p), HR_OK);
    hr_sw_maker mk = {0.3, 0.2, 0.05, 0};
    hr_sw_signal sg = {.amplitude = 2e-3, .frequency = 2.385};
    double probe[2] = {0.6, 0.3}, tr[64];
    static frames f;
    memset(&f, 0, sizeof f);
    hr_sw_forcing fo = {.nmakers = 1, .makers = &mk, .signals = &sg};
    hr_sw_output out = {.t_end = 0.5, .dt_out = 0.05, .nprobes = 1, .probe_xy = probe,
                        .traces = tr, .frame_every = 3, .frame = keep, .frame_ctx = &f};
    assert_status(hr_sw_run_with(s, NULL, &fo, &out), HR_OK);
    /* Outputs 0 .. 10, frames at 0, 3, 6, 9. */
    assert_int_equal(f.n, 4);
    static double eta[NX * NY];
    for (int i = 0; i < f.n; i++) {
        assert_rel(f.t[i], 0.15 * i, 1e-12);
        hr_sw_output upto = out;
        upto.t_end = f.t[i];
        upto.frame_every = 0;
        assert_status(hr_sw_run_with(s, NULL, &fo, &upto), HR_OK);
        hr_sw_get_state(s, eta, NULL, NULL);
        assert_memory_equal(eta, f.eta[i], sizeof eta);
    }
    double energy = 0;
    for (int k = 0; k < NX * NY; k++)
        energy += f.eta[3][k] * f.eta[3][k];
    assert_true(energy > 0); /* the waves moved */
    out.frame = NULL;
    assert_status(hr_sw_run_with(s, NULL, &fo, &out), HR_EINVAL);
    hr_sw_destroy(s);
}

static void test_frames_one_thread(void **state) { run_frames(1); }
static void test_frames_two_threads(void **state) { run_frames(2); }

int main(void)
{
    hr_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frames_one_thread),
        cmocka_unit_test(test_frames_two_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
