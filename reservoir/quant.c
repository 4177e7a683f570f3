/* quant.c — magnitude pruning, post-training quantization and fixed-point
 * arithmetic (conventions in quant.h). Products and shifts are done in
 * 64- and 128-bit integers, so results are exact and the same on every
 * machine; the only floating point is in choosing scales and multipliers,
 * which happens once, when a network is set up. */
#include "reservoir/quant.h"
#include "base/status.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- Rounding of reals ---- */

static double round_real(double x, int mode, gsl_rng *rng)
{
    switch (mode) {
    case HR_ROUND_ZERO:
        return trunc(x);
    case HR_ROUND_STOCHASTIC:
        return floor(x + gsl_rng_uniform(rng));
    default:
        return round(x); /* ties away from zero */
    }
}

/* `nbits` (0 .. 127) uniformly random bits, 32 at a time (the generators
 * made here are mt19937, whose outputs are 32 bits). */
static unsigned __int128 random_bits(gsl_rng *rng, int nbits)
{
    unsigned __int128 r = 0;
    for (int got = 0; got < nbits; got += 32)
        r = (r << 32) | (unsigned __int128)(gsl_rng_get(rng) & 0xffffffffUL);
    if (nbits < 128)
        r &= (((unsigned __int128)1) << nbits) - 1;
    return r;
}

/* v 2^-s rounded by mode, in 128 bits (0 <= s <= 126). */
static __int128 rshift128(__int128 v, int s, int mode, gsl_rng *rng)
{
    if (s <= 0)
        return v;
    if (mode == HR_ROUND_STOCHASTIC)
        return (v + (__int128)random_bits(rng, s)) >> s; /* arithmetic shift: floor */
    unsigned __int128 mag = v < 0 ? (unsigned __int128)(-v) : (unsigned __int128)v;
    if (mode == HR_ROUND_NEAREST)
        mag = (mag + ((unsigned __int128)1 << (s - 1))) >> s;
    else
        mag >>= s;
    return v < 0 ? -(__int128)mag : (__int128)mag;
}

int64_t hr_fx_rshift(int64_t v, int s, int mode, gsl_rng *rng)
{
    if (s > 62)
        s = 62;
    return (int64_t)rshift128(v, s, mode, rng);
}

int32_t hr_fx_saturate(int64_t v, int bits)
{
    int64_t hi = ((int64_t)1 << (bits - 1)) - 1, lo = -((int64_t)1 << (bits - 1));
    return (int32_t)(v > hi ? hi : v < lo ? lo : v);
}

int32_t hr_fx_from_double(double x, int bits, int frac, int mode, gsl_rng *rng)
{
    if (isnan(x))
        return 0;
    double hi = ldexp(1.0, bits - 1) - 1, lo = -ldexp(1.0, bits - 1);
    double y = round_real(ldexp(x, frac), mode, rng);
    return (int32_t)(y > hi ? hi : y < lo ? lo : y);
}

int hr_fx_mult_make(double m, hr_fx_mult *out)
{
    if (!(m >= 0) || !isfinite(m) || m >= 2147483648.0)
        return HR_ERROR(HR_ERANGE, "fixed-point multiplier %g (allowed: 0 <= m < 2^31)", m);
    if (m == 0) {
        out->m = 0;
        out->shift = 0;
        return HR_OK;
    }
    int e;
    double f = frexp(m, &e); /* m = f 2^e, f in [0.5, 1) */
    int64_t mm = llround(ldexp(f, 31));
    if (mm == ((int64_t)1 << 31)) {
        mm >>= 1;
        e++;
    }
    out->m = (int32_t)mm;
    out->shift = 31 - e;
    return HR_OK;
}

int64_t hr_fx_mul(int64_t v, hr_fx_mult mu, int mode, gsl_rng *rng)
{
    __int128 p = (__int128)v * mu.m;
    __int128 r;
    if (mu.shift > 126)
        r = 0;
    else if (mu.shift < 0)
        r = p << -mu.shift;
    else
        r = rshift128(p, mu.shift, mode, rng);
    if (r > INT64_MAX)
        return INT64_MAX;
    if (r < INT64_MIN)
        return INT64_MIN;
    return (int64_t)r;
}

/* ---- Quantization ---- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double pow2_up(double s) { return exp2(ceil(log2(s))); }

void hr_qtensor_free(hr_qtensor *q)
{
    if (!q)
        return;
    free(q->code);
    free(q->scale);
    free(q->split);
    memset(q, 0, sizeof *q);
}

int hr_quantize(const double *v, const int *rowptr, int nrows, const hr_qspec *spec,
                gsl_rng *rng, hr_qtensor *out)
{
    memset(out, 0, sizeof *out);
    if (spec->bits < 2 || spec->bits > 16)
        return HR_ERROR(HR_EINVAL, "weight bits = %d (allowed: 2 .. 16)", spec->bits);
    if (spec->outlier != HR_OUTLIER_NONE && spec->per_channel)
        return HR_ERROR(HR_EINVAL, "outlier handling (clip, split) works on per-tensor scales; "
                        "per-channel scales already give every row its own range (allowed: "
                        "outlier = none with per-channel scales)");
    if (spec->outlier != HR_OUTLIER_NONE && !(spec->outlier_ratio > 1))
        return HR_ERROR(HR_EINVAL, "outlier ratio %g (allowed: > 1)", spec->outlier_ratio);
    if (spec->round == HR_ROUND_STOCHASTIC && !rng)
        return HR_ERROR(HR_EINVAL, "stochastic rounding needs a random generator");
    size_t n = (size_t)rowptr[nrows];
    out->nrows = nrows;
    out->n = n;
    out->bits = spec->bits;
    out->code = malloc((n ? n : 1) * sizeof *out->code);
    out->scale = malloc((nrows ? (size_t)nrows : 1) * sizeof *out->scale);
    out->split = malloc((nrows ? (size_t)nrows : 1) * sizeof *out->split);
    double *rowmax = malloc((nrows ? (size_t)nrows : 1) * sizeof *rowmax);
    double *sorted = malloc((nrows ? (size_t)nrows : 1) * sizeof *sorted);
    if (!out->code || !out->scale || !out->split || !rowmax || !sorted) {
        free(rowmax);
        free(sorted);
        hr_qtensor_free(out);
        return HR_ERROR(HR_ENOMEM, "out of memory quantizing %zu weights", n);
    }
    double qmax = ldexp(1.0, spec->bits - 1) - 1;
    double tmax = 0;
    int nonempty = 0;
    for (int i = 0; i < nrows; i++) {
        double m = 0;
        for (int k = rowptr[i]; k < rowptr[i + 1]; k++)
            m = fmax(m, fabs(v[k]));
        rowmax[i] = m;
        tmax = fmax(tmax, m);
        if (rowptr[i + 1] > rowptr[i])
            sorted[nonempty++] = m;
        out->split[i] = 1;
    }
    if (spec->per_channel) {
        for (int i = 0; i < nrows; i++) {
            double s = rowmax[i] > 0 ? rowmax[i] / qmax : 1;
            out->scale[i] = spec->pow2 ? pow2_up(s) : s;
        }
    } else {
        double range = tmax;
        double median = 0;
        if (spec->outlier != HR_OUTLIER_NONE && nonempty > 0) {
            qsort(sorted, (size_t)nonempty, sizeof *sorted, cmp_double);
            median = nonempty % 2 ? sorted[nonempty / 2]
                                  : 0.5 * (sorted[nonempty / 2 - 1] + sorted[nonempty / 2]);
            if (median > 0) {
                double t = 0;
                for (int i = 0; i < nrows; i++)
                    if (rowmax[i] <= spec->outlier_ratio * median)
                        t = fmax(t, rowmax[i]);
                range = t;
            }
        }
        double s = range > 0 ? range / qmax : 1;
        if (spec->pow2)
            s = pow2_up(s);
        for (int i = 0; i < nrows; i++) {
            out->scale[i] = s;
            if (spec->outlier == HR_OUTLIER_SPLIT && rowmax[i] > s * qmax) {
                double k = ceil(rowmax[i] / (s * qmax) - 1e-12);
                if (spec->pow2)
                    k = pow2_up(k);
                out->split[i] = (int)k;
                out->scale[i] = k * s;
            }
        }
    }
    for (int i = 0; i < nrows; i++)
        for (int k = rowptr[i]; k < rowptr[i + 1]; k++) {
            double c = round_real(v[k] / out->scale[i], spec->round, rng);
            if (c > qmax || c < -qmax) {
                out->clipped++;
                c = c > 0 ? qmax : -qmax;
            }
            out->code[k] = (int32_t)c;
        }
    free(rowmax);
    free(sorted);
    return HR_OK;
}

void hr_qtensor_dequantize(const hr_qtensor *q, const int *rowptr, double *v)
{
    for (int i = 0; i < q->nrows; i++)
        for (int k = rowptr[i]; k < rowptr[i + 1]; k++)
            v[k] = q->scale[i] * q->code[k];
}

double hr_qtensor_ops(const hr_qtensor *q, const int *rowptr)
{
    double ops = 0;
    for (int i = 0; i < q->nrows; i++)
        ops += (double)(rowptr[i + 1] - rowptr[i]) * q->split[i];
    return ops;
}

/* ---- Pruning ---- */

typedef struct mag_index {
    double mag; /* |v| */
    size_t i;   /* position */
} mag_index;

static int cmp_mag(const void *a, const void *b)
{
    const mag_index *x = a, *y = b;
    if (x->mag != y->mag)
        return x->mag < y->mag ? 1 : -1; /* larger first */
    return (x->i > y->i) - (x->i < y->i);
}

int hr_prune_magnitude(double *v, size_t n, size_t total, double density, size_t *kept)
{
    if (!(density >= 0 && density <= 1))
        return HR_ERROR(HR_ERANGE, "density %g (allowed: 0 .. 1)", density);
    size_t nz = 0;
    for (size_t i = 0; i < n; i++)
        nz += v[i] != 0;
    size_t keep = (size_t)llround(density * (double)total);
    *kept = nz;
    if (keep >= nz)
        return HR_OK;
    mag_index *m = malloc((nz ? nz : 1) * sizeof *m);
    if (!m)
        return HR_ERROR(HR_ENOMEM, "out of memory pruning %zu weights", nz);
    size_t j = 0;
    for (size_t i = 0; i < n; i++)
        if (v[i] != 0)
            m[j++] = (mag_index){fabs(v[i]), i};
    qsort(m, nz, sizeof *m, cmp_mag);
    for (size_t k = keep; k < nz; k++)
        v[m[k].i] = 0;
    free(m);
    *kept = keep;
    return HR_OK;
}

/* ---- Storage ---- */

double hr_matrix_bytes(size_t rows, size_t cols, size_t nnz, int bits, size_t nscales)
{
    double dense = (double)rows * (double)cols * bits / 8.0;
    int ib = cols <= 256 ? 8 : cols <= 65536 ? 16 : 32;
    double csr = (double)nnz * (bits + ib) / 8.0 + (double)(rows + 1) * 4.0;
    return (dense < csr ? dense : csr) + 4.0 * (double)nscales;
}
