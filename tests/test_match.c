/* test_match.c — the digital twin's error (interface/match.h) and fitness
 * kind `match` through the pipeline:
 *  - E = 0 for the recorded traces themselves, E = eps exactly for traces
 *    scaled by 1 + eps, E = 1 for zeros; from skips samples; traces at
 *    another spacing are resampled; mismatched runs and probes are refused;
 *  - `match` on tests/tank/tiny.xml against a recording of itself (made
 *    here with hr_worker_simulate, the same stimuli in the same order) is
 *    -0 exactly at the recorded settings and lower anywhere else along a
 *    scan of the drag and of the depth: the maximum is at the truth. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/status.h"
#include "interface/config.h"
#include "interface/match.h"
#include "reservoir/pipeline.h"
#include "tests/test_util.h"

static char path[96];

static hr_recording *two_runs(double dt, int nt)
{
    hr_recording *r;
    assert_status(hr_recording_create(&r, 2, dt), HR_OK);
    double *tr = malloc(2 * (size_t)nt * sizeof *tr);
    hr_stimulus s;
    memset(&s, 0, sizeof s);
    s.t_end = (nt - 1) * dt;
    for (int run = 0; run < 2; run++) {
        for (int p = 0; p < 2; p++)
            for (int k = 0; k < nt; k++)
                tr[p * nt + k] = (1 + run) * sin(2 * M_PI * 1.5 * k * dt + p);
        assert_status(hr_recording_add(r, &s, tr, nt, NULL, 1, 1, NAN), HR_OK);
    }
    free(tr);
    return r;
}

static void test_error(void **state)
{
    hr_recording *r = two_runs(0.02, 101);
    hr_traces t[2];
    for (int i = 0; i < 2; i++) {
        t[i] = (hr_traces){.nprobes = 2, .nt = 101, .dt = 0.02};
        t[i].data = malloc(202 * sizeof(double));
        memcpy(t[i].data, r->runs[i].traces, 202 * sizeof(double));
    }
    hr_match_result m;
    assert_status(hr_match_error(r, t, 2, 0, &m), HR_OK);
    assert_true(m.error == 0);
    assert_int_equal(m.samples, 2 * 2 * 101);
    /* Scaled by 1 + eps: E = eps (to round-off). */
    for (int i = 0; i < 2; i++)
        for (int k = 0; k < 202; k++)
            t[i].data[k] *= 1.002385;
    assert_status(hr_match_error(r, t, 2, 0, &m), HR_OK);
    assert_rel(m.error, 0.002385, 1e-10);
    /* Zeros: E = 1. */
    memset(t[1].data, 0, 202 * sizeof(double));
    memset(t[0].data, 0, 202 * sizeof(double));
    assert_status(hr_match_error(r, t, 2, 0, &m), HR_OK);
    assert_rel(m.error, 1, 1e-15);
    /* from: only samples at t >= from are compared (run 1 spoiled before). */
    memcpy(t[0].data, r->runs[0].traces, 202 * sizeof(double));
    memcpy(t[1].data, r->runs[1].traces, 202 * sizeof(double));
    for (int k = 0; k < 50; k++)
        t[1].data[k] = 7;
    assert_status(hr_match_error(r, t, 2, 1.0, &m), HR_OK);
    assert_true(m.error == 0);
    assert_int_equal(m.samples, 2 * 2 * 51);
    /* Refused. */
    assert_status(hr_match_error(r, t, 1, 0, &m), HR_EINVAL);
    assert_non_null(strstr(hr_error_message(), "made 1 runs, the recording has 2"));
    t[0].nprobes = 1;
    assert_status(hr_match_error(r, t, 2, 0, &m), HR_EINVAL);
    t[0].nprobes = 2;
    assert_status(hr_match_error(r, t, 2, 5, &m), HR_EINVAL);
    assert_non_null(strstr(hr_error_message(), "nothing after from"));
    free(t[0].data);
    free(t[1].data);
    /* Another spacing: traces at 0.005 s to 2.5 s resampled onto the
     * recording's 0.02 s to 2 s; away from the start (from = 0.2 s, past
     * 8 lobes) a 1.5 Hz sinusoid comes through the band-limited kernel to
     * within its pass-band ripple (test_tank_proto measures ~1e-4). */
    for (int i = 0; i < 2; i++) {
        t[i] = (hr_traces){.nprobes = 2, .nt = 501, .dt = 0.005};
        t[i].data = malloc(1002 * sizeof(double));
        for (int p = 0; p < 2; p++)
            for (int k = 0; k < 501; k++)
                t[i].data[p * 501 + k] = (1 + i) * sin(2 * M_PI * 1.5 * k * 0.005 + p);
    }
    assert_status(hr_match_error(r, t, 2, 0.2, &m), HR_OK);
    print_message("      0.005 s traces against a 0.02 s recording: E = %.2g\n", m.error);
    assert_true(m.error < 1e-3);
    assert_int_equal(m.samples, 2 * 2 * 91);
    free(t[0].data);
    free(t[1].data);
    hr_recording_destroy(r);
}

/* tests/tank/tiny.xml with fitness match of `file`. */
static hr_experiment *tiny(const char *file)
{
    FILE *f = fopen("tests/tank/tiny.xml", "r");
    assert_non_null(f);
    static char text[16384], out[17000];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    char *at = strstr(text, "<fitness kind=\"logdet\"/>");
    assert_non_null(at);
    *at = '\0';
    snprintf(out, sizeof out, "%s<fitness kind=\"match\"><file>%s</file></fitness>%s", text, file,
             at + strlen("<fitness kind=\"logdet\"/>"));
    hr_experiment *e;
    assert_status(hr_config_load_memory(out, strlen(out), "tiny-match.xml", &e), HR_OK);
    return e;
}

static double fitness_at(hr_experiment *e, const char *name, double v)
{
    char text[32];
    snprintf(text, sizeof text, "%.17g", v);
    assert_status(hr_experiment_set(e, name, text), HR_OK);
    hr_worker *w;
    assert_status(hr_worker_create(&w, e), HR_OK);
    hr_result r;
    assert_status(hr_worker_evaluate(w, NULL, HR_EVAL_FITNESS_ONLY, &r), HR_OK);
    double fit = r.fitness;
    assert_int_equal(r.ntraces, 12); /* all rows, held-out included */
    hr_result_free(&r);
    hr_worker_destroy(w);
    return fit;
}

static void test_pipeline(void **state)
{
    /* The recording: the experiment's own traces, in pipeline order. */
    hr_experiment *e = tiny(path);
    hr_worker *w;
    assert_status(hr_worker_create(&w, e), HR_OK);
    hr_result sim;
    assert_status(hr_worker_simulate(w, 0, &sim), HR_OK);
    assert_int_equal(sim.ntraces, 12);
    hr_recording *rec;
    assert_status(hr_recording_create(&rec, sim.traces[0].nprobes, sim.traces[0].dt), HR_OK);
    hr_stimulus none;
    memset(&none, 0, sizeof none);
    for (int i = 0; i < sim.ntraces; i++) {
        none.t_end = (sim.traces[i].nt - 1) * sim.traces[i].dt;
        assert_status(hr_recording_add(rec, &none, sim.traces[i].data, sim.traces[i].nt, NULL, 1,
                                       1, NAN), HR_OK);
    }
    assert_status(hr_recording_write(rec, path), HR_OK);
    hr_recording_destroy(rec);
    hr_result_free(&sim);
    hr_worker_destroy(w);

    double at_truth = fitness_at(e, "substrate.drag", 0.05);
    assert_true(at_truth == 0);
    /* Either side of the truth, the error grows the further away. */
    const double below[] = {0.04, 0.02, 0.0}, above[] = {0.06, 0.1, 0.3};
    double fb = 0, fa = 0;
    for (int i = 0; i < 3; i++) {
        double b = fitness_at(e, "substrate.drag", below[i]);
        double a = fitness_at(e, "substrate.drag", above[i]);
        print_message("      drag %.2f: match %.4g; drag %.2f: match %.4g\n", below[i], b,
                      above[i], a);
        assert_true(b < fb && a < fa);
        fb = b;
        fa = a;
    }
    fitness_at(e, "substrate.drag", 0.05);
    const double dbelow[] = {0.049, 0.045}, dabove[] = {0.051, 0.055};
    fb = fa = 0;
    for (int i = 0; i < 2; i++) {
        double b = fitness_at(e, "substrate.depth", dbelow[i]);
        double a = fitness_at(e, "substrate.depth", dabove[i]);
        print_message("      depth %.3f: match %.4g; depth %.3f: match %.4g\n", dbelow[i], b,
                      dabove[i], a);
        assert_true(b < fb && a < fa);
        fb = b;
        fa = a;
    }
    hr_experiment_destroy(e);

    /* No recording: the evaluation fails with the reason. */
    e = tiny("/nonexistent/rec.h5");
    assert_status(hr_worker_create(&w, e), HR_OK);
    hr_result r;
    assert_status(hr_worker_evaluate(w, NULL, HR_EVAL_FITNESS_ONLY, &r), HR_EINVAL);
    assert_non_null(strstr(hr_error_message(), "fitness.file"));
    hr_result_free(&r);
    hr_worker_destroy(w);
    hr_experiment_destroy(e);
}

static int setup(void **state)
{
    hr_init();
    snprintf(path, sizeof path, "/tmp/hr-match-test-%d.h5", (int)getpid());
    return 0;
}

static int teardown(void **state)
{
    unlink(path);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_error),
        cmocka_unit_test(test_pipeline),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
