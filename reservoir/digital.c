/* digital.c — the settings and input sampling the digital substrates share. */
#include "reservoir/digital.h"
#include "base/status.h"
#include "reservoir/drive.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int hr_digital_fixed(const hr_digital_settings *d, const char *kind, hr_fixed_spec *fx)
{
    memset(fx, 0, sizeof *fx);
    int bits = (int)lround(d->bits), sbits = (int)lround(d->state_bits);
    if (bits == 1)
        return HR_ERROR(HR_ERANGE, "substrate.bits = %g rounds to 1 (allowed: 0 for float64, or "
                        "2 .. 16)", d->bits);
    if (sbits > 0 && sbits < 4)
        return HR_ERROR(HR_ERANGE, "substrate.state_bits = %g rounds to %d (allowed: 0 for "
                        "float64, or 4 .. 32)", d->state_bits, sbits);
    if (sbits > 0 && bits == 0)
        return HR_ERROR(HR_EINVAL, "%s: fixed-point state (substrate.state_bits = %d) needs "
                        "quantized weights (allowed: substrate.bits 2 .. 16 with state_bits > 0)",
                        kind, sbits);
    if (sbits > 0 && d->state_int_bits > sbits - 2)
        return HR_ERROR(HR_ERANGE, "substrate.state_int_bits = %d with %d-bit state (allowed: "
                        "0 .. %d)", d->state_int_bits, sbits, sbits - 2);
    if (bits > 0 && d->scale == 1 && d->outlier != HR_OUTLIER_NONE)
        return HR_ERROR(HR_EINVAL, "%s: substrate.outlier = %s needs per-tensor scales "
                        "(allowed: scale = tensor, or outlier = none with scale = channel)", kind,
                        d->outlier == HR_OUTLIER_CLIP ? "clip" : "split");
    fx->weights.bits = bits;
    fx->weights.per_channel = d->scale == 1;
    fx->weights.pow2 = d->pow2;
    fx->weights.outlier = d->outlier;
    fx->weights.outlier_ratio = d->outlier_ratio;
    fx->weights.round = d->rounding;
    fx->state_bits = sbits;
    fx->state_int_bits = d->state_int_bits;
    fx->input_range = d->input_range;
    fx->round = d->rounding;
    fx->round_seed = (unsigned long)d->round_seed;
    return HR_OK;
}

int hr_digital_probes(const hr_digital_settings *d, int n, const char *kind, int **out,
                      int *count)
{
    *out = NULL;
    *count = 0;
    int np = d->probes.n > 0 ? d->probes.n : d->nprobes > 0 ? d->nprobes : n;
    if (d->probes.n == 0 && np > n)
        return HR_ERROR(HR_ERANGE, "%s: substrate.nprobes = %d but there are %d units (allowed: "
                        "0 .. %d)", kind, np, n, n);
    int *p = malloc((size_t)np * sizeof *p);
    if (!p)
        return HR_ERROR(HR_ENOMEM, "out of memory for %d probes", np);
    for (int i = 0; i < np; i++) {
        if (d->probes.n > 0) {
            double v = d->probes.v[i];
            if (v != floor(v) || v < 0 || v >= n) {
                free(p);
                return HR_ERROR(HR_ERANGE, "%s: substrate.probes%d = %g is not a unit (allowed: "
                                "whole numbers 0 .. %d)", kind, i, v, n - 1);
            }
            p[i] = (int)v;
        } else {
            p[i] = i;
        }
    }
    *out = p;
    *count = np;
    return HR_OK;
}

int hr_digital_inputs(const hr_stimulus *stim, double dt, int nt, int m, double **buf,
                      size_t *cap)
{
    size_t need = (size_t)nt * (size_t)(m > 0 ? m : 1);
    if (need > *cap) {
        double *b = realloc(*buf, need * sizeof *b);
        if (!b)
            return HR_ERROR(HR_ENOMEM, "out of memory for %d input steps", nt);
        *buf = b;
        *cap = need;
    }
    return hr_stimulus_sample(stim, dt, nt, m, *buf);
}
