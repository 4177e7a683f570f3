/* check.h — argument checks shared by the numeric modules (separability,
 * linear readout, scores): each returns HR_OK or raises HR_EINVAL naming the
 * function `fn`, the argument and the allowed range. */
#ifndef HR_CHECK_H
#define HR_CHECK_H

#include <stddef.h>

/* p must not be NULL. */
int hr_check_ptr(const char *fn, const char *arg, const void *p);

/* v must be >= 1. */
int hr_check_size(const char *fn, const char *arg, size_t v);

/* An m x n row-major matrix: pointer, sizes >= 1, m * n without overflow,
 * every entry finite. `mname`/`nname` name the sizes in messages. */
int hr_check_matrix(const char *fn, const char *arg, const double *a, size_t m, size_t n,
                    const char *mname, const char *nname);

/* A ridge parameter: finite and >= 0. */
int hr_check_lambda(const char *fn, const char *arg, double lambda);

#endif
