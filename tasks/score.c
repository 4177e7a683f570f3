/* score.c — task scores: accuracy, MSE, NRMSE, squared correlation. */
#include "tasks/score.h"
#include "base/check.h"
#include "base/status.h"

#include <math.h>
#include <stdint.h>

static int check_pair(const char *fn, const double *y, const double *yhat, size_t m,
                      size_t q, const char *mname, const char *qname)
{
    int st;
    if ((st = hr_check_matrix(fn, "y", y, m, q, mname, qname)) ||
        (st = hr_check_matrix(fn, "yhat", yhat, m, q, mname, qname)))
        return st;
    return HR_OK;
}

int hr_score_accuracy(const double *y, const double *yhat, size_t m, size_t q,
                      enum hr_accuracy_kind kind, double *acc)
{
    static const char fn[] = "hr_score_accuracy";
    int st;
    if ((st = check_pair(fn, y, yhat, m, q, "m", "q")) || (st = hr_check_ptr(fn, "acc", acc)))
        return st;
    size_t right = 0, total;
    switch (kind) {
    case HR_ACC_BINARY:
    case HR_ACC_SIGN: {
        double lo = kind == HR_ACC_BINARY ? 0.0 : -1.0, hi = 1.0;
        double thr = kind == HR_ACC_BINARY ? 0.5 : 0.0;
        total = m * q;
        for (size_t i = 0; i < total; i++) {
            if (y[i] != lo && y[i] != hi)
                return HR_ERROR(HR_EINVAL, "%s: target y[%zu][%zu] = %g must be %g or %g",
                                fn, i / q, i % q, y[i], lo, hi);
            int want = y[i] == hi, got = yhat[i] >= thr;
            right += want == got;
        }
        break;
    }
    case HR_ACC_ARGMAX:
        total = m;
        for (size_t i = 0; i < m; i++) {
            size_t ty = 0, ty2 = 0, tp = 0;
            for (size_t k = 1; k < q; k++) {
                if (y[i * q + k] > y[i * q + ty])
                    ty = k;
                if (yhat[i * q + k] > yhat[i * q + tp])
                    tp = k;
            }
            /* a unique target maximum: no other entry equals it */
            for (size_t k = 0; k < q; k++)
                if (k != ty && y[i * q + k] == y[i * q + ty])
                    ty2 = 1;
            if (ty2 || q < 2)
                return HR_ERROR(HR_EINVAL,
                                "%s: target row %zu has no unique maximum (argmax accuracy "
                                "needs one-hot rows with q >= 2; q = %zu)",
                                fn, i, q);
            right += ty == tp;
        }
        break;
    default:
        return HR_ERROR(HR_EINVAL, "%s: kind = %d must be HR_ACC_BINARY (0), HR_ACC_SIGN (1) "
                                   "or HR_ACC_ARGMAX (2)",
                        fn, (int)kind);
    }
    *acc = (double)right / (double)total;
    return HR_OK;
}

int hr_score_mse(const double *y, const double *yhat, size_t count, double *mse)
{
    static const char fn[] = "hr_score_mse";
    int st;
    if ((st = check_pair(fn, y, yhat, count, 1, "count", "1")) ||
        (st = hr_check_ptr(fn, "mse", mse)))
        return st;
    double s = 0;
    for (size_t i = 0; i < count; i++) {
        double e = y[i] - yhat[i];
        s += e * e;
    }
    *mse = s / (double)count;
    return HR_OK;
}

int hr_score_nrmse(const double *y, const double *yhat, size_t count, double *nrmse)
{
    static const char fn[] = "hr_score_nrmse";
    int st;
    if ((st = check_pair(fn, y, yhat, count, 1, "count", "1")) ||
        (st = hr_check_ptr(fn, "nrmse", nrmse)))
        return st;
    if (count < 2)
        return HR_ERROR(HR_ERANGE, "%s: count = %zu must be >= 2 (std of one target is 0)",
                        fn, count);
    double mean = 0, var = 0, se = 0;
    for (size_t i = 0; i < count; i++)
        mean += y[i];
    mean /= (double)count;
    for (size_t i = 0; i < count; i++) {
        double d = y[i] - mean, e = y[i] - yhat[i];
        var += d * d;
        se += e * e;
    }
    var /= (double)count;
    if (!(var > 0))
        return HR_ERROR(HR_ERANGE,
                        "%s: the %zu targets are constant (std = 0); NRMSE is undefined",
                        fn, count);
    *nrmse = sqrt(se / (double)count) / sqrt(var);
    return HR_OK;
}

int hr_score_r2(const double *a, const double *b, size_t count, size_t stride, double *r2)
{
    static const char fn[] = "hr_score_r2";
    int st;
    if ((st = hr_check_ptr(fn, "a", a)) || (st = hr_check_ptr(fn, "b", b)) ||
        (st = hr_check_ptr(fn, "r2", r2)) || (st = hr_check_size(fn, "stride", stride)))
        return st;
    if (count < 2)
        return HR_ERROR(HR_EINVAL, "%s: count = %zu must be >= 2", fn, count);
    if (count - 1 > (SIZE_MAX / sizeof(double) - 1) / stride)
        return HR_ERROR(HR_EINVAL, "%s: count * stride too large", fn);
    double ma = 0, mb = 0;
    for (size_t k = 0; k < count; k++) {
        double u = a[k * stride], v = b[k * stride];
        if (!isfinite(u) || !isfinite(v))
            return HR_ERROR(HR_EINVAL, "%s: a[%zu] = %g, b[%zu] = %g must be finite", fn,
                            k * stride, u, k * stride, v);
        ma += u;
        mb += v;
    }
    ma /= (double)count;
    mb /= (double)count;
    double saa = 0, sbb = 0, sab = 0;
    for (size_t k = 0; k < count; k++) {
        double u = a[k * stride] - ma, v = b[k * stride] - mb;
        saa += u * u;
        sbb += v * v;
        sab += u * v;
    }
    if (!(saa > 0) || !(sbb > 0)) {
        *r2 = 0.0;
        return HR_OK;
    }
    double r = sab / sqrt(saa * sbb);
    *r2 = r * r > 1.0 ? 1.0 : r * r;
    return HR_OK;
}
