/* quant.h — unstructured sparsity and fixed point for the digital
 * reservoirs (esn, lru): magnitude pruning to a target density,
 * post-training quantization of weights to b bits, fixed-point arithmetic
 * with a stated width, rounding and saturation, and the storage cost of a
 * matrix at its bit width.
 *
 * Conventions (the ones integer accelerators and TFLite/gemmlowp use):
 *   - a weight w is stored as a signed code q with |q| <= 2^(b-1) - 1
 *     (symmetric, so -w quantizes to -q) and a scale s of its channel
 *     (a row of the matrix, i.e. an output unit): w ~ s q;
 *   - a fixed-point number of width B and F fraction bits is an integer c in
 *     [-2^(B-1), 2^(B-1) - 1] standing for c 2^-F; results outside saturate;
 *   - a real multiplier m > 0 (scale ratios, the leak rate) is M 2^-n with
 *     M in [2^30, 2^31), as gemmlowp does; power-of-two scales make it a
 *     pure shift, exactly.
 * Rounding of every right shift and every real-to-code conversion is one of:
 *   nearest     to the nearest integer, ties away from zero;
 *   zero        toward zero (truncation of the magnitude);
 *   stochastic  floor(v + r) with r uniform in [0, 1) from a seeded
 *               generator: unbiased, E[round(v)] = v. */
#ifndef HR_QUANT_H
#define HR_QUANT_H

#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

/* Rounding modes (see above). */
enum hr_round { HR_ROUND_NEAREST = 0, HR_ROUND_ZERO = 1, HR_ROUND_STOCHASTIC = 2 };
#define HR_ROUND_CHOICES "nearest|zero|stochastic"

/* Outlier handling of per-tensor scales. A row (channel) dominates when its
 * largest |w| exceeds `outlier_ratio` times the median over rows of the
 * rows' largest |w|. T is the largest row maximum among the rows that do
 * not dominate.
 *   none   the scale covers the largest |w| of the whole tensor;
 *   clip   the scale covers T; the dominating rows' large weights saturate;
 *   split  the scale s covers T; a dominating row of maximum r is split
 *          into k = ceil(r / T) copies of w / k (outlier channel
 *          splitting, Zhao et al. 2019), each on the same grid s, which is
 *          the same as that row having the scale k s: its k-fold operations
 *          and memory are counted. */
enum hr_outlier { HR_OUTLIER_NONE = 0, HR_OUTLIER_CLIP = 1, HR_OUTLIER_SPLIT = 2 };
#define HR_OUTLIER_CHOICES "none|clip|split"

/* How a matrix is quantized. */
typedef struct hr_qspec {
    int bits;             /* code width b, 2 .. 16 */
    int per_channel;      /* 1: one scale per row; 0: one per tensor */
    int pow2;             /* 1: scales rounded up to powers of two (shift-only hardware) */
    int outlier;          /* enum hr_outlier (per-tensor scales only) */
    double outlier_ratio; /* > 1: when a row dominates (see hr_outlier) */
    int round;            /* enum hr_round of the codes */
} hr_qspec;

/* A quantized matrix of n values grouped in rows (dense or CSR order). */
typedef struct hr_qtensor {
    int nrows;      /* rows (channels) */
    size_t n;       /* values */
    int bits;       /* code width */
    int32_t *code;  /* n codes, in the order of the values given */
    double *scale;  /* nrows scales: value k of row i is scale[i] * code[k] */
    int *split;     /* nrows split factors (1: not split; see HR_OUTLIER_SPLIT) */
    size_t clipped; /* values that saturated (clip, or T = 0 rows) */
} hr_qtensor;

/* Quantizes the n = rowptr[nrows] values v (row i holds v[rowptr[i] ..
 * rowptr[i+1]-1]) by `spec` into *out (allocated here; free with
 * hr_qtensor_free). rng is used only with HR_ROUND_STOCHASTIC (then it must
 * not be NULL). A row or tensor whose values are all 0 gets scale 1.
 * Error bound per value (tested): |w - s q| <= s/2 (nearest), < s (zero,
 * stochastic) for values inside the range the scale covers; clipped values
 * are off by |w| - s (2^(b-1) - 1). HR_EINVAL for a bad spec
 * (bits outside 2 .. 16, outlier handling with per-channel scales,
 * outlier_ratio <= 1). */
int hr_quantize(const double *v, const int *rowptr, int nrows, const hr_qspec *spec,
                gsl_rng *rng, hr_qtensor *out);

/* Frees the arrays of a quantized tensor (NULL allowed) and zeroes it. */
void hr_qtensor_free(hr_qtensor *q);

/* Sets v[k] = scale[row of k] * code[k] for all n values (the dequantized
 * weights a float simulation of the quantized network uses). */
void hr_qtensor_dequantize(const hr_qtensor *q, const int *rowptr, double *v);

/* Operation count of the quantized matrix: sum over rows of
 * (values in the row) x split factor. */
double hr_qtensor_ops(const hr_qtensor *q, const int *rowptr);

/* Keeps the `keep` = round(density * total) values of largest magnitude
 * among the n values (total = rows x cols of the matrix they belong to, so
 * density is nonzeros / entries), sets the others to 0, and returns the
 * number of nonzeros left in *kept. Ties are broken by position (earlier
 * kept), so the result is deterministic. density in [0, 1]; density >= the
 * current density changes nothing. */
int hr_prune_magnitude(double *v, size_t n, size_t total, double density, size_t *kept);

/* ---- Fixed point ---- */

/* v 2^-s rounded by `mode` (s >= 0, s <= 62); rng only for stochastic. */
int64_t hr_fx_rshift(int64_t v, int s, int mode, gsl_rng *rng);

/* v saturated to a signed `bits`-wide integer [-2^(bits-1), 2^(bits-1)-1]
 * (bits 2 .. 32). */
int32_t hr_fx_saturate(int64_t v, int bits);

/* x (real) as a fixed-point code of width bits and frac fraction bits:
 * saturate(round(x 2^frac)) by `mode`. NaN gives 0. */
int32_t hr_fx_from_double(double x, int bits, int frac, int mode, gsl_rng *rng);

/* A real multiplier m >= 0 as M 2^-shift (M in [2^30, 2^31), or M = 0 for
 * m = 0), so that hr_fx_mul(v, mu) ~ m v in integers. */
typedef struct hr_fx_mult {
    int32_t m;  /* M */
    int shift;  /* n (may exceed 62 for tiny m: the product is then 0) */
} hr_fx_mult;

/* The multiplier nearest m (relative error <= 2^-31). HR_ERANGE if m < 0,
 * not finite, or >= 2^31. */
int hr_fx_mult_make(double m, hr_fx_mult *out);

/* round(v M 2^-shift) by `mode`, computed exactly in 128-bit integers.
 * The result is clamped to int64 range. */
int64_t hr_fx_mul(int64_t v, hr_fx_mult mu, int mode, gsl_rng *rng);

/* Quantization and fixed point of a whole network (the digital substrates'
 * settings; all 0: float64 throughout). */
typedef struct hr_fixed_spec {
    hr_qspec weights;         /* weights.bits = 0: float64 weights */
    int state_bits;           /* 0: float64 state; else 4 .. 32, the width of state and activations */
    int state_int_bits;       /* integer bits of the state format (fraction = width - 1 - this) */
    double input_range;       /* inputs saturate at +-2^ceil(log2(input_range)) */
    int round;                /* enum hr_round of the state arithmetic */
    unsigned long round_seed; /* seed of stochastic rounding, reset by every run */
} hr_fixed_spec;

/* ---- Storage ---- */

/* Bytes to store a rows x cols matrix with nnz nonzeros at `bits` per
 * value (64 for float64): the smaller of dense (rows x cols values) and CSR
 * (nnz values, nnz column indices of ceil(log2(cols)) bits rounded up to
 * 8, 16 or 32, rows + 1 row pointers of 32 bits), plus `nscales` scales of
 * 32 bits. */
double hr_matrix_bytes(size_t rows, size_t cols, size_t nnz, int bits, size_t nscales);

#endif
