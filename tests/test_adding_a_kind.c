/* test_adding_a_kind.c — the README's "Adding a kind" example, verbatim in
 * substance: a leaky-integrator substrate in a few lines, registered at run
 * time, then used through an experiment file like any built-in kind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "interface/config.h"
#include "reservoir/drive.h"
#include "reservoir/pipeline.h"
#include "tests/test_util.h"

typedef struct { double rate, dt; } leaky_settings;
#define T leaky_settings
static const hr_param_spec leaky_params[] = {
    HR_NUMBER_AT(T, rate, "rate", 0.5, 0, 1, "leak per step (0 <= rate <= 1: a doc with <, > and & must not break the schema)"),
    HR_NUMBER_AT(T, dt, "dt_out", 0.1, 1e-6, 1e3, "step (s)"),
    HR_PARAMS_END,
};
static int leaky_open(void *st, const hr_section *s) { hr_section_decode(s, st); return HR_OK; }
static int leaky_probes(const void *st, int *np, double *dt)
{
    *np = 1;
    *dt = ((const T *)st)->dt;
    return HR_OK;
}
static int leaky_run(void *st, const hr_stimulus *stim, hr_traces *tr)
{
    const T *k = st;
    int nch = hr_stimulus_channels(stim);
    double *u = malloc((size_t)tr->nt * (size_t)(nch ? nch : 1) * sizeof *u), x = 0;
    if (!u)
        return HR_ERROR(HR_ENOMEM, "out of memory");
    int e = hr_stimulus_sample(stim, k->dt, tr->nt, nch, u);
    for (int i = 0; !e && i < tr->nt; i++) {
        double in = 0;
        for (int c = 0; c < nch; c++)
            in += u[(size_t)i * (size_t)nch + (size_t)c];
        tr->data[i] = x = (1 - k->rate) * x + in;
    }
    free(u);
    return e;
}
static void leaky_close(void *st) {}
static const char *const example[] = {"rate=0.3", NULL};
static const hr_substrate_type hr_substrate_leaky = {
    .base = {HR_SUBSTRATE_VERSION, HR_CLASS_SUBSTRATE, "leaky", "a leaky integrator", leaky_params,
             0},
    .state_size = sizeof(T), .open = leaky_open, .probes = leaky_probes, .run = leaky_run,
    .close = leaky_close, .example = example, .example_sources = 1,
};
#undef T

static void test_new_substrate(void **state)
{
    assert_status(hr_substrate_register(&hr_substrate_leaky), HR_OK);
    static const char xml[] =
        "<experiment name=\"leaky-xnor\">\n"
        "  <substrate kind=\"leaky\"><rate>0.2</rate><dt_out>0.1</dt_out></substrate>\n"
        "  <encoder kind=\"amplitude\"><freq>0.7 1.3</freq><low>0.1 0.1</low>"
        "<high>1 1</high></encoder>\n"
        "  <readout><t>0.3 0.6 0.9 1.2</t></readout>\n"
        "  <task kind=\"xnor\"/>\n"
        "</experiment>\n";
    hr_experiment *e;
    assert_status(hr_config_load_memory(xml, sizeof xml - 1, "leaky.xml", &e), HR_OK);
    assert_status(hr_experiment_set(e, "substrate.rate", "0.25"), HR_OK);
    hr_worker *w;
    assert_status(hr_worker_create(&w, e), HR_OK);
    hr_result r;
    assert_status(hr_worker_evaluate(w, NULL, 0, &r), HR_OK);
    assert_int_equal(r.nrows, 4);
    assert_int_equal(r.ncols, 4);
    /* Pattern (0, 0): both inputs at amplitude 0.1; the first sample of X is
     * the integrator at t = 0.3 s (sample 3), computed here by hand. */
    double x = 0;
    for (int i = 0; i <= 3; i++)
        x = 0.75 * x + 0.1 * sin(2 * M_PI * 0.7 * 0.1 * i) + 0.1 * sin(2 * M_PI * 1.3 * 0.1 * i);
    assert_rel(r.x[0], x, 1e-12);
    /* A linear reservoir cannot separate XNOR: the response to (1, 1) is
     * (1, 0) + (0, 1) - (0, 0), so X has rank 3, not 4: its smallest singular
     * value is round-off, 1e-16 of the largest or so (bound 1e-10). */
    print_message("      condition number of X: %.3g\n", r.cond);
    assert_true(r.cond > 1e10);
    hr_result_free(&r);
    hr_worker_destroy(w);
    hr_experiment_destroy(e);
}

/* A kind with no settings at all (hydrores record's tap is one): the schema
 * gives it a plain <empty/> body, and the experiment loads and runs. Under the
 * sanitizer build this also guards a libxml2 2.9.14 leak that an <interleave>
 * holding only <empty/> set off (LeakSanitizer fails the test at exit). */
static const hr_param_spec bare_params[] = {HR_PARAMS_END};
/* Its behaviour is the leaky integrator's at fixed settings. */
static leaky_settings bare_fixed = {0.5, 0.1};
static int bare_open(void *st, const hr_section *s) { (void)st; (void)s; return HR_OK; }
static int bare_probes(const void *st, int *np, double *dt)
{
    (void)st;
    return leaky_probes(&bare_fixed, np, dt);
}
static int bare_run(void *st, const hr_stimulus *stim, hr_traces *tr)
{
    (void)st;
    return leaky_run(&bare_fixed, stim, tr);
}
static const char *const bare_example[] = {NULL};
static const hr_substrate_type hr_substrate_bare = {
    .base = {HR_SUBSTRATE_VERSION, HR_CLASS_SUBSTRATE, "bare", "a kind without settings",
             bare_params, 0},
    .state_size = 1, .open = bare_open, .probes = bare_probes, .run = bare_run,
    .close = leaky_close, .example = bare_example, .example_sources = 1,
};

static void test_kind_without_settings(void **state)
{
    (void)state;
    assert_status(hr_substrate_register(&hr_substrate_bare), HR_OK);
    static const char xml[] =
        "<experiment name=\"bare-xnor\">\n"
        "  <substrate kind=\"bare\"/>\n"
        "  <encoder kind=\"amplitude\"><freq>0.7 1.3</freq><low>0.1 0.1</low>"
        "<high>1 1</high></encoder>\n"
        "  <readout><t>0.3 0.6 0.9 1.2</t></readout>\n"
        "  <task kind=\"xnor\"/>\n"
        "</experiment>\n";
    /* Twice: the second parse of the schema is where a leak would accumulate. */
    for (int k = 0; k < 2; k++) {
        hr_experiment *e;
        assert_status(hr_config_load_memory(xml, sizeof xml - 1, "bare.xml", &e), HR_OK);
        hr_worker *w;
        assert_status(hr_worker_create(&w, e), HR_OK);
        hr_result r;
        assert_status(hr_worker_evaluate(w, NULL, 0, &r), HR_OK);
        assert_int_equal(r.nrows, 4);
        hr_result_free(&r);
        hr_worker_destroy(w);
        hr_experiment_destroy(e);
    }
    /* A setting the kind does not have is refused by the schema. */
    static const char bad[] =
        "<experiment><substrate kind=\"bare\"><rate>1</rate></substrate>"
        "<encoder kind=\"amplitude\"><freq>0.7 1.3</freq><low>0.1 0.1</low>"
        "<high>1 1</high></encoder><readout><t>0.3</t></readout><task kind=\"xnor\"/>"
        "</experiment>";
    hr_experiment *e = NULL;
    assert_int_not_equal(hr_config_load_memory(bad, sizeof bad - 1, "bad.xml", &e), HR_OK);
}

int main(void)
{
    hr_init();
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_new_substrate),
                                       cmocka_unit_test(test_kind_without_settings)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
