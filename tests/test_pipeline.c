/* test_pipeline.c — settings tables, encoders, readout rules, experiment
 * files and the evaluation worker (trace cache, genome decoding). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "interface/config.h"
#include "base/status.h"
#include "reservoir/encoder.h"
#include "reservoir/experiment.h"
#include "reservoir/pipeline.h"
#include "base/params.h"
#include "reservoir/readout.h"
#include "tests/test_util.h"

static int setup(void **state)
{
    hr_init();
    return 0;
}

/* ---- params ---- */

static void test_params(void **state)
{
    hr_section *s = hr_section_create("readout", "default", hr_readout_params);
    assert_non_null(s);
    assert_string_equal(hr_section_str(s, "rule"), "floor");
    assert_status(hr_section_set_text(s, "t", " 41.5, 42.385\t50 ", "x.xml:3", 3), HR_OK);
    int n;
    const double *t = hr_section_list(s, "t", &n);
    assert_int_equal(n, 3);
    assert_rel(t[1], 42.385, 0);
    /* One list element, and appending one past the end. */
    assert_status(hr_section_set_number(s, "t1", 43.25, "--set"), HR_OK);
    assert_status(hr_section_set_number(s, "t3", 55.5, "--set"), HR_OK);
    t = hr_section_list(s, "t", &n);
    assert_int_equal(n, 4);
    assert_rel(t[1], 43.25, 0);
    assert_status(hr_section_set_number(s, "t9", 1, "--set"), HR_ERANGE);
    assert_non_null(strstr(hr_error_message(), "element 9 cannot be set"));
    /* Range, type and choice checks name the setting and the allowed range. */
    assert_status(hr_section_set_text(s, "t", "41 -2.5", "x.xml:7", 7), HR_ERANGE);
    assert_string_equal(hr_error_message(),
                        "x.xml:7: readout.t1 = -2.5 is out of range (allowed: up to 256 numbers, "
                        "each 0 .. 1000000)");
    assert_status(hr_section_set_text(s, "bias", "0.5", "x.xml:8", 8), HR_ERANGE);
    assert_non_null(strstr(hr_error_message(), "not an integer"));
    assert_status(hr_section_set_text(s, "rule", "spline", "x.xml:9", 9), HR_ERANGE);
    assert_non_null(strstr(hr_error_message(), "(allowed: floor,linear,cubic)"));
    assert_status(hr_section_set_text(s, "speed", "1", "x.xml:10", 10), HR_EINVAL);
    assert_non_null(strstr(hr_error_message(), "allowed: t, rule, bias"));
    assert_status(hr_section_set_text(s, "bias", "", "x.xml:11", 11), HR_EPARSE);
    assert_status(hr_section_set_text(s, "bias", "1 1", "x.xml:11", 11), HR_EPARSE);
    /* Formatting round-trips exactly. */
    char buf[256];
    hr_section_format(s, hr_section_find(s, "t"), buf, sizeof buf);
    hr_section *c = hr_section_clone(s);
    assert_status(hr_section_set_text(c, "t", buf, "round-trip", 0), HR_OK);
    const double *t2 = hr_section_list(c, "t", &n);
    for (int i = 0; i < n; i++)
        assert_true(t2[i] == t[i]);
    hr_section_destroy(c);
    hr_section_destroy(s);
    hr_section_destroy(NULL);
}

/* ---- encoders ---- */

static hr_section *encoder(const char *kind, const char *const *kv)
{
    hr_section *s = hr_section_create("encoder", kind, hr_encoder_params);
    for (; *kv; kv += 2)
        assert_status(hr_section_set_text(s, kv[0], kv[1], "test", 0), HR_OK);
    return s;
}

static void test_encoder_amplitude_frequency_phase(void **state)
{
    const char *kv[] = {"freq", "0.3 0.6", "low", "-0.05 0.1", "high", "0.4 0.2385", "amp",
                        "0.3 0.2", "phase", "0.5 1.5", NULL};
    hr_stimulus st;
    double in[2] = {0.25, 1.0};
    hr_section *e = encoder("amplitude", kv);
    assert_status(hr_encoder_encode(e, in, 2, NULL, &st), HR_OK);
    assert_int_equal(st.nsources, 2);
    /* low + (high - low) x, in absolute value (abs = 1, the reference's rule). */
    assert_rel(st.sources[0].amplitude, fabs(-0.05 + 0.45 * 0.25), 1e-15);
    assert_rel(st.sources[1].amplitude, 0.2385, 1e-15);
    assert_rel(st.sources[1].frequency, 0.6, 0);
    assert_status(hr_section_set_text(e, "abs", "0", "test", 0), HR_OK);
    in[0] = 0;
    assert_status(hr_encoder_encode(e, in, 2, NULL, &st), HR_OK);
    assert_rel(st.sources[0].amplitude, -0.05, 0);
    hr_section_destroy(e);

    e = encoder("frequency", kv);
    in[0] = 0.5;
    assert_status(hr_encoder_encode(e, in, 2, NULL, &st), HR_OK);
    assert_rel(st.sources[0].frequency, 0.175, 1e-15);
    assert_rel(st.sources[1].frequency, 0.2385, 1e-15);
    assert_rel(st.sources[0].amplitude, 0.3, 0);
    hr_section_destroy(e);

    e = encoder("phase", kv);
    assert_status(hr_encoder_encode(e, in, 2, NULL, &st), HR_OK);
    assert_rel(st.sources[0].phase, 0.175, 1e-15);
    assert_rel(st.sources[1].frequency, 0.6, 0);
    assert_rel(st.sources[1].amplitude, 0.2, 0);
    hr_section_destroy(e);

    /* Too few values for the number of inputs: a clear error. */
    const char *short_kv[] = {"freq", "0.3", "low", "0", "high", "1", NULL};
    e = encoder("amplitude", short_kv);
    assert_status(hr_encoder_encode(e, in, 2, NULL, &st), HR_EINVAL);
    assert_non_null(strstr(hr_error_message(), "encoder.low has 1 values but amplitude encoding "
                                                "of 2 inputs needs 2"));
    hr_section_destroy(e);
}

static void test_encoder_digits_stream(void **state)
{
    const char *kv[] = {"scale", "0.05 0.04 0.03 0.02 0.01 0.005", "freq",
                        "0.1 0.2 0.3 0.4 0.5 0.6", NULL};
    hr_section *e = encoder("digits", kv);
    hr_stimulus st;
    double x = 0.28571; /* digits 0,2,8,5,7,1 (the reference README's rule) */
    assert_status(hr_encoder_encode(e, &x, 1, NULL, &st), HR_OK);
    const int d[6] = {0, 2, 8, 5, 7, 1};
    const double sc[6] = {0.05, 0.04, 0.03, 0.02, 0.01, 0.005};
    assert_int_equal(st.nsources, 6);
    for (int j = 0; j < 6; j++) {
        assert_rel(st.sources[j].amplitude, sc[j] * d[j], 1e-15);
        assert_rel(st.sources[j].frequency, 0.1 * (j + 1), 1e-15);
    }
    x = 1.5;
    assert_int_not_equal(hr_encoder_encode(e, &x, 1, NULL, &st), HR_OK);
    assert_non_null(strstr(hr_error_message(), "1.5"));
    hr_section_destroy(e);

    const char *skv[] = {"amp", "0.002 -0.001", "low", "-1", "high", "1", "step", "0.25", NULL};
    e = encoder("stream", skv);
    double u[3] = {0, 0.5, 0.875}, work[3];
    assert_status(hr_encoder_encode(e, u, 3, work, &st), HR_OK);
    assert_int_equal(st.nsources, 2);
    assert_int_equal(st.sources[1].nsamples, 3);
    assert_ptr_equal(st.sources[0].samples, work);
    assert_rel(work[2], 0.75, 1e-15);
    assert_rel(st.sources[1].amplitude, -0.001, 0);
    assert_rel(st.sources[0].sample_dt, 0.25, 0);
    hr_section_destroy(e);
}

/* ---- readout ---- */

static void test_readout_rules(void **state)
{
    /* u(t) = cubic polynomial sampled every 0.1: the cubic rule is exact,
     * linear has an O(dt^2) error, floor returns the sample floor(10 t). */
    enum { NT = 601 };
    double data[NT];
    for (int k = 0; k < NT; k++) {
        double t = k * 0.1;
        data[k] = 0.002 * t * t * t - 0.1 * t * t + 0.7 * t + 1.3;
    }
    hr_traces tr = {.nprobes = 1, .nt = NT, .dt = 0.1, .data = data};
    double v, t = 42.385;
    double exact = 0.002 * t * t * t - 0.1 * t * t + 0.7 * t + 1.3;
    assert_status(hr_readout_value(&tr, 0, t, HR_READ_FLOOR, &v), HR_OK);
    assert_true(v == data[423]);
    assert_status(hr_readout_value(&tr, 0, t, HR_READ_CUBIC, &v), HR_OK);
    assert_rel(v, exact, 1e-12);
    assert_status(hr_readout_value(&tr, 0, t, HR_READ_LINEAR, &v), HR_OK);
    /* Linear interpolation error bound: |u''| max / 8 * dt^2. */
    double upp = fabs(0.012 * t - 0.2);
    assert_abs(v, exact, upp / 8 * 0.01 * 1.01);
    assert_true(fabs(v - exact) > 1e-6); /* and it really is inexact */
    /* The floor rule equals the reference's floor(10 t) even where t/dt
     * rounds differently: t = 40 + 20 * 0.115 = 42.3 -> index 423. */
    t = 40 + 20 * 0.115;
    assert_status(hr_readout_value(&tr, 0, t, HR_READ_FLOOR, &v), HR_OK);
    assert_true(v == data[(int)floor(t * 10)]);
    /* Out of the recorded range: an error naming the range. */
    assert_status(hr_readout_value(&tr, 0, 60.2, HR_READ_FLOOR, &v), HR_ERANGE);
    assert_non_null(strstr(hr_error_message(), "allowed: 0 .. 60"));
    assert_status(hr_readout_value(&tr, 0, -1, HR_READ_LINEAR, &v), HR_ERANGE);
    /* Rows are probe-major, with an optional trailing 1. */
    double two[2 * NT];
    memcpy(two, data, sizeof data);
    for (int k = 0; k < NT; k++)
        two[NT + k] = -data[k];
    hr_traces tr2 = {.nprobes = 2, .nt = NT, .dt = 0.1, .data = two};
    double times[2] = {1.0, 2.5}, row[5];
    assert_status(hr_readout_row(&tr2, times, 2, 10, HR_READ_FLOOR, 1, row), HR_OK);
    assert_true(row[0] == data[110] && row[1] == data[125]);
    assert_true(row[2] == -data[110] && row[3] == -data[125]);
    assert_true(row[4] == 1.0);
}

/* ---- experiment files ---- */

static const char *xml_template =
    "<experiment name=\"t\">\n"
    "  <substrate kind=\"kdv\"><n>256</n></substrate>\n"
    "  <encoder kind=\"amplitude\"><freq>0.3 0.6</freq><low>0.05 0.05</low>"
    "<high>0.4 0.4</high></encoder>\n"
    "  <readout><t>42 47 52 57</t></readout>\n"
    "  <task kind=\"xnor\"/>\n"
    "  <genes>\n"
    "    <gene name=\"c\" target=\"encoder.low0\" lo=\"0\" hi=\"0.45\"/>\n"
    "    <gene name=\"t3\" target=\"readout.t3\" lo=\"40\" hi=\"60\" value=\"0.5\"/>\n"
    "  </genes>\n"
    "</experiment>\n";

static void test_config_memory(void **state)
{
    hr_experiment *e;
    assert_status(hr_config_load_memory(xml_template, strlen(xml_template), "mem.xml", &e), HR_OK);
    assert_int_equal(e->ngenes, 2);
    /* t3 has a configured gene value: 40 + 20 * 0.5. */
    int n;
    const double *t = hr_section_list(e->sec[HR_SEC_READOUT], "t", &n);
    assert_rel(t[3], 50, 0);
    assert_status(hr_experiment_set(e, "c", "0.5"), HR_OK);
    assert_rel(hr_section_list(e->sec[HR_SEC_ENCODER], "low", &n)[0], 0.225, 1e-15);
    /* --set of a gene's target is refused while the gene sets it. */
    assert_status(hr_experiment_set(e, "readout.t3", "45"), HR_EINVAL);
    assert_non_null(strstr(hr_error_message(), "gene 't3' sets this target"));
    hr_experiment_destroy(e);

    /* Errors carry FILE:LINE. */
    const char *bad = "<experiment>\n<substrate kind=\"kdv\">\n<nu>1</nu>\n<wind>3</wind>\n"
                      "</substrate>\n</experiment>\n";
    assert_status(hr_config_load_memory(bad, strlen(bad), "bad.xml", &e), HR_EPARSE);
    assert_null(e);
    assert_non_null(strstr(hr_error_message(), "bad.xml:4: unknown element <wind>"));
    const char *trunc = "<experiment>\n<substrate kind=\"kdv\">\n";
    assert_status(hr_config_load_memory(trunc, strlen(trunc), "trunc.xml", &e), HR_EPARSE);
    assert_non_null(strstr(hr_error_message(), "trunc.xml:"));
    /* Missing required section. */
    const char *noenc = "<experiment>\n<substrate kind=\"kdv\"/>\n<task kind=\"xnor\"/>\n"
                        "<readout><t>42</t></readout>\n</experiment>\n";
    assert_int_not_equal(hr_config_load_memory(noenc, strlen(noenc), "noenc.xml", &e), HR_OK);
    assert_non_null(strstr(hr_error_message(), "noenc.xml"));
}

/* ---- the worker ---- */

static void test_worker_cache_and_genome(void **state)
{
    hr_experiment *e;
    assert_status(hr_config_load_memory(xml_template, strlen(xml_template), "mem.xml", &e), HR_OK);
    hr_worker *w;
    assert_status(hr_worker_create(&w, e), HR_OK);
    hr_result r1, r2, r3;
    double g[2] = {0.2385, 0.5};
    assert_status(hr_worker_evaluate(w, g, HR_EVAL_FITNESS_ONLY, &r1), HR_OK);
    long lookups, hits;
    hr_worker_cache_stats(w, &lookups, &hits);
    assert_int_equal(lookups, 4);
    assert_int_equal(hits, 0);
    /* Moving a readout time only: four cache hits, no new simulation. */
    g[1] = 0.75;
    assert_status(hr_worker_evaluate(w, g, HR_EVAL_FITNESS_ONLY, &r2), HR_OK);
    hr_worker_cache_stats(w, &lookups, &hits);
    assert_int_equal(hits, 4);
    assert_true(r1.x[0] == r2.x[0] && r1.x[3] != r2.x[3]);
    /* Same genome again: bit-identical result, as a fresh worker gives. */
    g[1] = 0.5;
    assert_status(hr_worker_evaluate(w, g, HR_EVAL_FITNESS_ONLY, &r3), HR_OK);
    assert_true(r3.fitness == r1.fitness);
    hr_result_free(&r3);
    hr_worker *w2;
    assert_status(hr_worker_create(&w2, e), HR_OK);
    assert_status(hr_worker_evaluate(w2, g, HR_EVAL_FITNESS_ONLY, &r3), HR_OK);
    assert_true(r3.fitness == r1.fitness);
    assert_true(isfinite(r1.fitness) && r1.fitness == r1.logdet);
    assert_rel(exp(r1.logdet), r1.det_abs, 1e-12);
    /* A genome out of range is an error with the worst fitness. */
    hr_result_free(&r3);
    g[0] = 1.5;
    assert_status(hr_worker_evaluate(w2, g, 0, &r3), HR_ERANGE);
    assert_true(r3.fitness == -INFINITY);
    hr_result_free(&r1);
    hr_result_free(&r2);
    hr_result_free(&r3);
    hr_worker_destroy(w);
    hr_worker_destroy(w2);
    hr_experiment_destroy(e);
}

/* L2 deviation of run 3's trace (pattern (1,1)) from 10 x run 0's (0,0). */
static double scaling_deviation(const hr_result *r)
{
    double num = 0, den = 0;
    for (int k = 0; k < r->traces[0].nt; k++) {
        double a = r->traces[3].data[k], b = 10 * r->traces[0].data[k];
        num += (a - b) * (a - b);
        den += a * a;
    }
    return den > 0 ? sqrt(num / den) : INFINITY;
}

/* The tank substrate through the pipeline: per-sample (XNOR, amplitude) and
 * stream (NARMA10) modes on a small 1D channel. */
static void test_tank_pipeline(void **state)
{
    const char *xnor =
        "<experiment>\n"
        "<substrate kind=\"tank\"><nx>60</nx><lx>1</lx><depth>0.05</depth><east>sponge</east>"
        "<maker_x>0.1 0.2</maker_x><probe_x>0.5 0.7</probe_x><dt_out>0.01</dt_out></substrate>\n"
        "<encoder kind=\"amplitude\"><freq>2 3</freq><low>0.00002 0.00002</low>"
        "<high>0.0002 0.0002</high><duration>1 1</duration><ramp>0.2</ramp></encoder>\n"
        "<readout><t>1.2 1.6</t><rule>linear</rule></readout>\n"
        "<task kind=\"xnor\"/>\n</experiment>\n";
    hr_experiment *e;
    assert_status(hr_config_load_memory(xnor, strlen(xnor), "tank.xml", &e), HR_OK);
    hr_worker *w;
    hr_result r;
    assert_status(hr_worker_create(&w, e), HR_OK);
    assert_status(hr_worker_evaluate(w, NULL, HR_EVAL_TRACES, &r), HR_OK);
    assert_int_equal(r.nrows, 4);
    assert_int_equal(r.ncols, 4); /* 2 probes x 2 times */
    assert_int_equal(r.ntraces, 4);
    /* Waves reached the probes (mm-scale), and the four patterns differ. */
    assert_true(fabs(r.x[0]) > 1e-9 && fabs(r.x[0]) < 1e-4);
    assert_true(r.det_abs > 0 && r.kernel_rank == 4);
    /* Pattern (0,0) drives both makers at 0.02 mm/s, (1,1) at 0.2 mm/s:
     * waves of a/H ~ 0.02%. The response is linear up to corrections of
     * order a/H (times ~10 here: the nonlinear phase shift accumulates over
     * a few wavelengths), so trace (1,1) is 10 x trace (0,0) to 0.5% in the
     * L2 norm; ten times the amplitudes make the deviation ten times larger
     * (first-order nonlinearity), between 5x and 15x. */
    double dev_small = scaling_deviation(&r);
    assert_abs(dev_small, 0, 0.005);
    hr_result_free(&r);
    assert_status(hr_experiment_set(e, "encoder.low", "0.0002 0.0002"), HR_OK);
    assert_status(hr_experiment_set(e, "encoder.high", "0.002 0.002"), HR_OK);
    hr_worker_destroy(w);
    assert_status(hr_worker_create(&w, e), HR_OK);
    assert_status(hr_worker_evaluate(w, NULL, HR_EVAL_TRACES, &r), HR_OK);
    double ratio = scaling_deviation(&r) / dev_small;
    assert_true(ratio > 5 && ratio < 15);
    hr_result_free(&r);
    hr_worker_destroy(w);
    hr_experiment_destroy(e);

    const char *narma =
        "<experiment>\n"
        "<substrate kind=\"tank\"><nx>60</nx><lx>1</lx><depth>0.05</depth><east>sponge</east>"
        "<maker_x>0.1</maker_x><probe_x>0.2 0.4 0.6</probe_x><dt_out>0.01</dt_out></substrate>\n"
        "<encoder kind=\"stream\"><amp>0.05</amp><low>-1</low><high>3</high><step>0.1</step>"
        "</encoder>\n"
        "<readout><t>0 0.05</t><rule>linear</rule><bias>1</bias></readout>\n"
        "<task kind=\"narma10\"><washout>20</washout><train>60</train><test>30</test></task>\n"
        "<fitness kind=\"score\"/>\n</experiment>\n";
    assert_status(hr_config_load_memory(narma, strlen(narma), "narma.xml", &e), HR_OK);
    assert_status(hr_worker_create(&w, e), HR_OK);
    assert_status(hr_worker_evaluate(w, NULL, HR_EVAL_TRACES, &r), HR_OK);
    assert_int_equal(r.nrows, 60);
    assert_int_equal(r.nheld, 30);
    assert_int_equal(r.ncols, 6);
    assert_int_equal(r.ntraces, 1); /* one run for the whole stream */
    assert_string_equal(r.score_name, "nrmse");
    assert_true(isfinite(r.score) && r.fitness == -r.score);
    hr_result_free(&r);
    hr_worker_destroy(w);
    hr_experiment_destroy(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_params),
        cmocka_unit_test(test_encoder_amplitude_frequency_phase),
        cmocka_unit_test(test_encoder_digits_stream),
        cmocka_unit_test(test_readout_rules),
        cmocka_unit_test(test_config_memory),
        cmocka_unit_test(test_worker_cache_and_genome),
        cmocka_unit_test(test_tank_pipeline),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
