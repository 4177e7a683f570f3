/* check.c — argument checks shared by the numeric modules. */
#include "base/check.h"
#include "base/status.h"

#include <math.h>
#include <stdint.h>

int hr_check_ptr(const char *fn, const char *arg, const void *p)
{
    if (!p)
        return HR_ERROR(HR_EINVAL, "%s: %s is NULL (must point to caller memory)", fn, arg);
    return HR_OK;
}

int hr_check_size(const char *fn, const char *arg, size_t v)
{
    if (v < 1)
        return HR_ERROR(HR_EINVAL, "%s: %s = 0 must be >= 1", fn, arg);
    return HR_OK;
}

/* Checks an m x n row-major matrix argument: pointer, sizes, overflow of
 * m * n, and that every entry is finite. */
int hr_check_matrix(const char *fn, const char *arg, const double *a, size_t m,
                        size_t n, const char *mname, const char *nname)
{
    int st;
    if ((st = hr_check_ptr(fn, arg, a)) || (st = hr_check_size(fn, mname, m)) ||
        (st = hr_check_size(fn, nname, n)))
        return st;
    if (m > SIZE_MAX / sizeof(double) / n)
        return HR_ERROR(HR_EINVAL, "%s: %s x %s = %zu x %zu is too large", fn, mname,
                        nname, m, n);
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++)
            if (!isfinite(a[i * n + j]))
                return HR_ERROR(HR_EINVAL, "%s: %s[%zu][%zu] = %g must be finite", fn,
                                arg, i, j, a[i * n + j]);
    return HR_OK;
}

int hr_check_lambda(const char *fn, const char *arg, double lambda)
{
    if (!isfinite(lambda) || lambda < 0)
        return HR_ERROR(HR_EINVAL, "%s: %s = %g must be finite and >= 0", fn, arg, lambda);
    return HR_OK;
}

