/* resample.c — linear and Lanczos-windowed sinc resampling (resample.h). */
#include "interface/resample.h"
#include "base/status.h"

#include <math.h>

static double sinc(double u)
{
    if (fabs(u) < 1e-12)
        return 1;
    double p = M_PI * u;
    return sin(p) / p;
}

int hr_resample(const double *x, int n, int xs, double dt_in, double *y, int m, int ys,
                double dt_out, enum hr_resample_method method)
{
    if (n < 1 || m < 0 || !(dt_in > 0) || !(dt_out > 0) || !isfinite(dt_in) || !isfinite(dt_out))
        return HR_ERROR(HR_EINVAL, "resample: %d samples at %g s to %d at %g s (allowed: n >= 1, "
                        "spacings > 0)", n, dt_in, m, dt_out);
    if (dt_in == dt_out) {
        for (int j = 0; j < m; j++)
            y[(long)j * ys] = x[(long)(j < n ? j : n - 1) * xs];
        return HR_OK;
    }
    if (method == HR_RESAMPLE_LINEAR) {
        for (int j = 0; j < m; j++) {
            double s = j * dt_out / dt_in;
            int k = (int)floor(s);
            if (k >= n - 1) {
                y[(long)j * ys] = x[(long)(n - 1) * xs];
                continue;
            }
            double f = s - k;
            y[(long)j * ys] = (1 - f) * x[(long)k * xs] + f * x[(long)(k + 1) * xs];
        }
        return HR_OK;
    }
    double T = dt_in > dt_out ? dt_in : dt_out;
    double reach = HR_RESAMPLE_LOBES * T;
    for (int j = 0; j < m; j++) {
        double t = j * dt_out;
        int k0 = (int)ceil((t - reach) / dt_in), k1 = (int)floor((t + reach) / dt_in);
        double sw = 0, sx = 0;
        for (int k = k0; k <= k1; k++) {
            double u = (t - k * dt_in) / T;
            if (fabs(u) >= HR_RESAMPLE_LOBES)
                continue;
            double w = sinc(u) * sinc(u / HR_RESAMPLE_LOBES);
            int kc = k < 0 ? 0 : k >= n ? n - 1 : k;
            sw += w;
            sx += w * x[(long)kc * xs];
        }
        y[(long)j * ys] = sx / sw;
    }
    return HR_OK;
}
