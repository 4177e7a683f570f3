/* test_status.c — the status table and the per-thread error record. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <omp.h>

#include "base/status.h"
#include "tests/test_util.h"

static void test_messages(void **state)
{
    assert_string_equal(hr_strerror(HR_OK), "success");
    assert_string_equal(hr_status_name(HR_EINVAL), "EINVAL");
    assert_string_equal(hr_strerror(-1), "unknown status");
    assert_string_equal(hr_strerror(HR_STATUS_COUNT), "unknown status");
    for (int s = 0; s < HR_STATUS_COUNT; s++)
        assert_true(strlen(hr_strerror(s)) > 0);
}

static int raise_einval(double nu)
{
    return HR_ERROR(HR_EINVAL, "nu = %g must be >= 0", nu);
}

static void test_error_record(void **state)
{
    hr_error_clear();
    assert_string_equal(hr_error_message(), "");
    assert_int_equal(raise_einval(-2.385), HR_EINVAL);
    assert_string_equal(hr_error_message(), "nu = -2.385 must be >= 0");
    assert_non_null(strstr(hr_error_where(), "test_status.c:"));
    assert_int_equal(hr_error_prefix(HR_EINVAL, "case %s", "amp0"), HR_EINVAL);
    assert_string_equal(hr_error_message(), "case amp0: nu = -2.385 must be >= 0");
}

/* Each thread keeps its own message: a failure on one OpenMP worker must not
 * overwrite another's. */
static void test_error_per_thread(void **state)
{
    int ok = 1;
#pragma omp parallel num_threads(2) reduction(&& : ok)
    {
        int id = omp_get_thread_num();
        hr_error_set(HR_ERANGE, "x", id, "thread %d", id);
#pragma omp barrier
        char want[32];
        snprintf(want, sizeof want, "thread %d", id);
        ok = strcmp(hr_error_message(), want) == 0;
    }
    assert_true(ok);
}

/* hr_init turns GSL's aborting handler off: a singular LU solve returns a
 * code instead of aborting the process. */
static void test_gsl_handler_off(void **state)
{
    hr_init();
    gsl_matrix *m = gsl_matrix_calloc(2, 2);
    gsl_permutation *p = gsl_permutation_alloc(2);
    gsl_vector *b = gsl_vector_calloc(2), *x = gsl_vector_calloc(2);
    int sign;
    gsl_linalg_LU_decomp(m, p, &sign);
    int status = gsl_linalg_LU_solve(m, p, b, x);
    assert_int_not_equal(status, GSL_SUCCESS);
    gsl_matrix_free(m);
    gsl_permutation_free(p);
    gsl_vector_free(b);
    gsl_vector_free(x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_messages),
        cmocka_unit_test(test_error_record),
        cmocka_unit_test(test_error_per_thread),
        cmocka_unit_test(test_gsl_handler_off),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
