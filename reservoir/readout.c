/* readout.c — sampling traces at readout times. */
#include "reservoir/readout.h"
#include "base/status.h"

#include <math.h>
#include <string.h>

#define R hr_readout_settings
/* The rule's choices are in enum hr_readout_rule's order. */
const hr_param_spec hr_readout_params[] = {
    HR_LIST_AT(R, t, "t", 0, 1e6, HR_PARAM_MAXLIST,
               "readout times (per-sample runs: from the start; stream: offsets within a step)"),
    HR_CHOICE_AT(R, rule, "rule", "floor|linear|cubic", "floor",
                 "sampling rule: floor (the reference's), linear or cubic interpolation"),
    HR_INT_AT(R, bias, "bias", 0, 0, 1,
              "1: the trained linear readout has an (unregularised) intercept; X itself has no "
              "bias column"),
    HR_PARAMS_END,
};
#undef R

int hr_readout_rule_parse(const char *name)
{
    if (strcmp(name, "floor") == 0)
        return HR_READ_FLOOR;
    if (strcmp(name, "linear") == 0)
        return HR_READ_LINEAR;
    if (strcmp(name, "cubic") == 0)
        return HR_READ_CUBIC;
    return -1;
}

/* t / dt as the reference computes it: t * (1/dt), with 1/dt snapped to an
 * integer when it is one to round-off (dt = 0.1 -> 10). */
static double scaled_time(double t, double dt)
{
    double inv = 1.0 / dt;
    double r = nearbyint(inv);
    if (r >= 1 && fabs(inv - r) <= 1e-9 * r)
        inv = r;
    return t * inv;
}

int hr_readout_value(const hr_traces *tr, int probe, double t, enum hr_readout_rule rule,
                     double *out)
{
    const double *u = tr->data + (size_t)probe * (size_t)tr->nt;
    int nt = tr->nt;
    double s = scaled_time(t, tr->dt);
    if (!(t >= 0) || !isfinite(t) || s > (double)(nt - 1) + 1e-9)
        return HR_ERROR(HR_ERANGE, "readout time %g is outside the recorded traces (allowed: 0 .. %g)",
                        t, (nt - 1) * tr->dt);
    if (rule == HR_READ_FLOOR) {
        int i = (int)floor(s);
        if (i > nt - 1)
            i = nt - 1;
        *out = u[i];
        return HR_OK;
    }
    int i = (int)floor(s);
    if (i >= nt - 1)
        i = nt - 2;
    if (i < 0)
        i = 0;
    double f = s - i;
    if (rule == HR_READ_LINEAR || nt < 4) {
        *out = nt < 2 ? u[0] : u[i] + f * (u[i + 1] - u[i]);
        return HR_OK;
    }
    /* Cubic Lagrange through samples b-1, b, b+1, b+2, shifted inward at the ends. */
    int b = i;
    if (b < 1)
        b = 1;
    if (b > nt - 3)
        b = nt - 3;
    double x = s - b; /* position relative to sample b */
    double xm = x + 1, x1 = x - 1, x2 = x - 2;
    *out = -u[b - 1] * x * x1 * x2 / 6 + u[b] * xm * x1 * x2 / 2 - u[b + 1] * xm * x * x2 / 2 +
           u[b + 2] * xm * x * x1 / 6;
    return HR_OK;
}

int hr_readout_row(const hr_traces *tr, const double *times, int ntimes, double t0,
                   enum hr_readout_rule rule, int bias, double *row)
{
    for (int p = 0; p < tr->nprobes; p++)
        for (int j = 0; j < ntimes; j++) {
            int st = hr_readout_value(tr, p, t0 + times[j], rule, &row[p * ntimes + j]);
            if (st)
                return st;
        }
    if (bias)
        row[tr->nprobes * ntimes] = 1.0;
    return HR_OK;
}
