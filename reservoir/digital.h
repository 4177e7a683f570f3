/* digital.h — what the digital substrates (esn, lru) share: the settings of
 * sampling, probes, pruning, quantization and fixed point (one table
 * fragment, so both kinds spell them the same and a sweep over
 * substrate.bits or substrate.density means the same thing for both), and
 * turning a stimulus into their input sequence (reservoir/drive.h). */
#ifndef HR_DIGITAL_H
#define HR_DIGITAL_H

#include "base/params.h"
#include "reservoir/quant.h"
#include "reservoir/substrate.h"

/* The shared settings, decoded (hr_section_decode). */
typedef struct hr_digital_settings {
    double dt;            /* step of the input sequence in stimulus time (s) */
    hr_plist probes;      /* unit indices traced (empty: see nprobes) */
    int nprobes;          /* 0: every unit; k: the first k (when probes is empty) */
    double density;       /* magnitude pruning target (nonzeros / entries) */
    double bits;          /* weight bits (0: float64; rounded to an integer 2 .. 16) */
    int scale;            /* 0 per-tensor, 1 per-channel scales */
    int pow2;             /* 1: power-of-two scales */
    int outlier;          /* enum hr_outlier */
    double outlier_ratio; /* when a row dominates */
    double state_bits;    /* 0: float64 state; else rounded to an integer 4 .. 32 */
    int state_int_bits;   /* integer bits of the state format */
    double input_range;   /* saturation of the input codes */
    int rounding;         /* enum hr_round */
    int round_seed;       /* seed of stochastic rounding */
} hr_digital_settings;

/* The table entries of the shared settings, for a kind's typed struct T
 * whose member `f` is an hr_digital_settings; `ib` is the default of
 * state_int_bits and `dens` that of density. */
#define HR_DIGITAL_PARAMS(T, f, ib, dens)                                                        \
    HR_NUMBER_AT(T, f.dt, "dt", 1, 1e-9, 1e6,                                                    \
                 "time between updates in stimulus time (s): input k is the stimulus at k dt"), \
    HR_LIST_AT(T, f.probes, "probes", 0, 1e7, HR_PARAM_MAXLIST,                                  \
               "units traced (empty: the first nprobes, or all)"),                              \
    HR_INT_AT(T, f.nprobes, "nprobes", 0, 0, 10000000,                                           \
              "with probes empty: trace the first nprobes units (0: all)"),                     \
    HR_NUMBER_AT(T, f.density, "density", dens, 0, 1,                                            \
                 "magnitude pruning to this density (nonzeros / entries) per matrix"),          \
    HR_NUMBER_AT(T, f.bits, "bits", 0, 0, 16,                                                    \
                 "weight bits, rounded (0: float64; 2 .. 16: quantized, symmetric)"),           \
    HR_CHOICE_AT(T, f.scale, "scale", "tensor|channel", "tensor",                                \
                 "quantization scales: one per matrix or one per row (output unit)"),           \
    HR_INT_AT(T, f.pow2, "pow2", 0, 0, 1, "1: power-of-two scales (shift-only hardware)"),      \
    HR_CHOICE_AT(T, f.outlier, "outlier", HR_OUTLIER_CHOICES, "none",                            \
                 "per-tensor scales: clip or split the rows whose range dominates"),            \
    HR_NUMBER_AT(T, f.outlier_ratio, "outlier_ratio", 4, 1.000001, 1e9,                          \
                 "a row dominates when its largest weight exceeds this x the median row's"),    \
    HR_NUMBER_AT(T, f.state_bits, "state_bits", 0, 0, 32,                                        \
                 "fixed-point state and activations, rounded (0: float64; 4 .. 32 bits)"),      \
    HR_INT_AT(T, f.state_int_bits, "state_int_bits", ib, 0, 30,                                  \
              "integer bits of the state format (fraction bits = state_bits - 1 - this)"),      \
    HR_NUMBER_AT(T, f.input_range, "input_range", 4, 1e-6, 1e9,                                  \
                 "fixed point: inputs saturate at +-2^ceil(log2(input_range))"),                \
    HR_CHOICE_AT(T, f.rounding, "rounding", HR_ROUND_CHOICES, "nearest",                         \
                 "rounding of codes and of every fixed-point shift"),                           \
    HR_INT_AT(T, f.round_seed, "round_seed", 1, 0, 2147483647,                                   \
              "seed of stochastic rounding (reset every run)")

/* Checks the shared settings and fills the quantization spec. `kind`
 * names the substrate in messages. */
int hr_digital_fixed(const hr_digital_settings *d, const char *kind, hr_fixed_spec *fx);

/* The units to trace: from d->probes, or the first nprobes, or all `n`.
 * *out (malloc'd, caller frees) receives *count indices. HR_ERANGE for an
 * index outside [0, n). */
int hr_digital_probes(const hr_digital_settings *d, int n, const char *kind, int **out,
                      int *count);

/* Samples the stimulus into an input sequence of nt steps of m channels at
 * d->dt (reservoir/drive.h), into *buf (grown with realloc as needed; the
 * caller frees it). */
int hr_digital_inputs(const hr_stimulus *stim, double dt, int nt, int m, double **buf,
                      size_t *cap);

#endif
