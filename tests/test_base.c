/* test_base.c — the ground layer and its seams: the kind registry, the run
 * log, and the stimulus sampling every digital substrate uses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "base/registry.h"
#include "base/status.h"
#include "reservoir/drive.h"
#include "tests/test_util.h"

static const hr_param_spec no_params[] = {HR_PARAMS_END};

static void test_registry(void **state)
{
    /* The built-ins are there after hr_init, in registration order. */
    assert_non_null(hr_kind_find(HR_CLASS_SUBSTRATE, "kdv"));
    assert_non_null(hr_kind_find(HR_CLASS_SUBSTRATE, "tank"));
    assert_null(hr_kind_find(HR_CLASS_SUBSTRATE, "nope"));
    char names[256];
    assert_non_null(strstr(hr_kind_names(HR_CLASS_SUBSTRATE, names, sizeof names), "kdv, tank"));
    const hr_kind *k;
    assert_status(hr_kind_lookup(HR_CLASS_SUBSTRATE, "nope", &k), HR_EINVAL);
    assert_non_null(strstr(hr_error_message(), "allowed: kdv, tank"));

    /* A new kind registers once; a second table of the same name is refused. */
    static const hr_kind mine = {1, HR_CLASS_TASK, "test-kind-2385", "a test", no_params, 0};
    static const hr_kind twin = {1, HR_CLASS_TASK, "test-kind-2385", "a twin", no_params, 0};
    int n = hr_kind_count(HR_CLASS_TASK);
    assert_status(hr_kind_register(&mine), HR_OK);
    assert_status(hr_kind_register(&mine), HR_OK); /* the same table: a no-op */
    assert_int_equal(hr_kind_count(HR_CLASS_TASK), n + 1);
    assert_ptr_equal(hr_kind_at(HR_CLASS_TASK, n), &mine);
    assert_status(hr_kind_register(&twin), HR_EEXIST);
    static const hr_kind bad_version = {0, HR_CLASS_TASK, "v0", "", no_params, 0};
    static const hr_kind bad_class = {1, HR_CLASS_COUNT, "c", "", no_params, 0};
    assert_status(hr_kind_register(&bad_version), HR_EINVAL);
    assert_status(hr_kind_register(&bad_class), HR_EINVAL);
    assert_status(hr_kind_register(NULL), HR_EINVAL);
    assert_null(hr_kind_at(HR_CLASS_TASK, 10000));
    assert_string_equal(hr_class_name(HR_CLASS_OPTIMIZER), "evolve");
}

static char last_line[4096];
static void keep_line(void *ctx, const char *line)
{
    (*(int *)ctx)++;
    snprintf(last_line, sizeof last_line, "%s", line);
}

static void test_log(void **state)
{
    int count = 0;
    hr_log_set_sink(keep_line, &count);
    hr_log("tank said %s, retry %d", "hello", 2);
    hr_log_set_sink(NULL, NULL);
    assert_int_equal(count, 1);
    /* "YYYY-MM-DDTHH:MM:SS.mmmZ message" */
    assert_int_equal(strlen(last_line), 25 + strlen("tank said hello, retry 2"));
    assert_int_equal(last_line[10], 'T');
    assert_int_equal(last_line[23], 'Z');
    assert_string_equal(last_line + 25, "tank said hello, retry 2");
}

static void test_drive(void **state)
{
    /* Source 1: sin(2 pi 0.7 t + 0.3) * 2.385 into channel 1; channel 0 idle
     * but a stream of 4 samples 0.5 s apart (linear in between) on channel 2. */
    static const double stream[4] = {1, -1, 3, 0.5};
    hr_stimulus s;
    memset(&s, 0, sizeof s);
    s.nsources = 2;
    s.sources[0] = (hr_source){.index = 1, .amplitude = 2.385, .frequency = 0.7, .phase = 0.3};
    s.sources[1] = (hr_source){.index = 2, .amplitude = 2, .nsamples = 4, .samples = stream,
                               .sample_dt = 0.5};
    assert_int_equal(hr_stimulus_channels(&s), 3);
    double u[8 * 3];
    assert_status(hr_stimulus_sample(&s, 0.25, 8, 3, u), HR_OK);
    for (int k = 0; k < 8; k++) {
        double t = 0.25 * k;
        assert_abs(u[k * 3 + 0], 0, 0);
        assert_rel(u[k * 3 + 1], 2.385 * sin(2 * M_PI * 0.7 * t + 0.3), 1e-14);
    }
    assert_abs(u[0 * 3 + 2], 2 * 1, 1e-15);
    assert_abs(u[1 * 3 + 2], 2 * 0, 1e-15);  /* halfway between 1 and -1 */
    assert_abs(u[2 * 3 + 2], 2 * -1, 1e-15);
    assert_abs(u[5 * 3 + 2], 2 * 1.75, 1e-15); /* halfway between 3 and 0.5 */
    assert_abs(u[6 * 3 + 2], 2 * 0.5, 1e-15);
    assert_abs(u[7 * 3 + 2], 0, 0);          /* past the last sample */
    assert_status(hr_stimulus_sample(&s, 0.25, 8, 2, u), HR_ERANGE);
    assert_status(hr_stimulus_sample(&s, 0, 8, 3, u), HR_EINVAL);
}

int main(void)
{
    hr_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry),
        cmocka_unit_test(test_log),
        cmocka_unit_test(test_drive),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
