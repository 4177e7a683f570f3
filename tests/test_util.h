/* test_util.h — assertion helpers for cmocka 1.1.5 (Debian 12), whose
 * assert_float_equal casts to float: compare doubles here instead, in the
 * manner of GSL's gsl_test_rel. Include after <cmocka.h>. */
#ifndef HR_TEST_UTIL_H
#define HR_TEST_UTIL_H

#include <math.h>
#include <stdio.h>

/* Fails unless |actual - expected| <= tol * |expected| (or <= tol when
 * expected is 0). NaN never passes. */
#define assert_rel(actual, expected, tol) \
    hr__assert_rel((actual), (expected), (tol), #actual, __FILE__, __LINE__)

/* Fails unless |actual - expected| <= tol. NaN never passes. */
#define assert_abs(actual, expected, tol) \
    hr__assert_abs((actual), (expected), (tol), #actual, __FILE__, __LINE__)

static inline void hr__assert_rel(double a, double e, double tol, const char *expr,
                                  const char *file, int line)
{
    double scale = fabs(e) > 0 ? fabs(e) : 1.0;
    double err = fabs(a - e) / scale;
    if (!(err <= tol)) {
        print_error("%s = %.17g, expected %.17g: relative error %.3g > %.3g\n",
                    expr, a, e, err, tol);
        _fail(file, line);
    }
}

static inline void hr__assert_abs(double a, double e, double tol, const char *expr,
                                  const char *file, int line)
{
    double err = fabs(a - e);
    if (!(err <= tol)) {
        print_error("%s = %.17g, expected %.17g: absolute error %.3g > %.3g\n",
                    expr, a, e, err, tol);
        _fail(file, line);
    }
}

/* Fails unless `status` is `expected`; prints the error message otherwise. */
#define assert_status(status, expected)                                         \
    do {                                                                       \
        int hr__s = (status);                                                  \
        if (hr__s != (expected)) {                                             \
            print_error("%s returned %d (%s), expected %d: %s\n", #status,      \
                        hr__s, hr_status_name(hr__s), (int)(expected),          \
                        hr_error_message());                                   \
            _fail(__FILE__, __LINE__);                                         \
        }                                                                      \
    } while (0)

#endif
