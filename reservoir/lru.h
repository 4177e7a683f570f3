/* lru.h — a diagonal linear recurrent unit (Orvieto et al. 2023, "LRU")
 * or S5-style layer (Smith et al. 2023) as a reservoir:
 *
 *     x_k = Lambda x_{k-1} + B u_k,    y_k = g(Re(C x_k) + D u_k)
 *
 * x complex (n units), Lambda complex diagonal with |lambda| < 1 (enforced),
 * B (n x m) complex, C (h x n) complex, D (h x m) real, g elementwise
 * (identity, tanh, relu or gelu: the deep-reservoir variant). The issue's
 * x(k+1) = Lambda x(k) + B u(k) is the same system with x_k = x(k+1).
 * Initialisation:
 *   ring  |lambda| drawn so that lambda is uniform on the ring
 *         r_min <= |lambda| <= r_max (|lambda|^2 uniform), phase uniform in
 *         [0, theta_max]; B rows normalised by gamma = sqrt(1 - |lambda|^2)
 *         (the LRU's normalisation) if asked;
 *   zoh   continuous-time Lambda_c = -a + i w (a uniform in [a_min, a_max],
 *         w uniform in [0, w_max]) discretised with step Delta by zero-order
 *         hold, as S5: Lambda = exp(Lambda_c Delta),
 *         B = Lambda_c^-1 (Lambda - 1) B_c.
 * B, B_c ~ (N(0,1) + i N(0,1)) b_scale / sqrt(2 m), C ~ (N(0,1) + i N(0,1))
 * c_scale / sqrt(2 n), D ~ N(0,1) d_scale. Pruning (C to density, B to
 * input_density, by |entry|),
 * quantization and fixed point as reservoir/quant.h, with Lambda, B, C, D
 * quantized per unit row (real and imaginary parts share a row's scale). */
#ifndef HR_LRU_H
#define HR_LRU_H

#include <stdint.h>

#include "reservoir/quant.h"
#include "reservoir/substrate.h"

enum hr_lru_init { HR_LRU_RING = 0, HR_LRU_ZOH = 1 };
enum hr_lru_nonlin { HR_LRU_NONE = 0, HR_LRU_TANH = 1, HR_LRU_RELU = 2, HR_LRU_GELU = 3 };
#define HR_LRU_NONLIN_CHOICES "none|tanh|relu|gelu"

/* How the layer is drawn. */
typedef struct hr_lru_params {
    int units;        /* n (complex) */
    int inputs;       /* m */
    int outputs;      /* h (0: no C, D) */
    int init;         /* enum hr_lru_init */
    double r_min, r_max, theta_max; /* ring: 0 <= r_min <= r_max < 1, theta_max in [0, 2 pi] */
    int normalize;    /* ring: 1 = B rows times sqrt(1 - |lambda|^2) */
    double a_min, a_max, w_max, delta; /* zoh: 0 < a_min <= a_max, w_max >= 0, Delta > 0 */
    double b_scale, c_scale, d_scale;  /* scalings of the draws */
    int nonlin;       /* enum hr_lru_nonlin, g */
    unsigned long seed;
    double density;   /* magnitude pruning of C (1: none) */
    double input_density; /* magnitude pruning of B (1: none) */
} hr_lru_params;

/* 64 units, 1 input, 0 outputs, ring [0.4, 0.99], theta_max pi,
 * normalised; zoh a in [0.01, 0.5], w_max pi, Delta 1; b_scale 1,
 * c_scale 1, d_scale 0, no nonlinearity, seed 1, no pruning (densities 1). */
hr_lru_params hr_lru_params_default(void);

/* Zero-order hold of one mode: lambda = exp(lc delta), b = (lambda - 1) / lc
 * bc (b = delta bc when lc = 0). Exposed for the tests. */
void hr_lru_zoh(double lc_re, double lc_im, double delta, double bc_re, double bc_im,
                double *l_re, double *l_im, double *b_re, double *b_im);

typedef struct hr_lru hr_lru;

/* Draws a layer and sets up quantization / fixed point (fx may be NULL).
 * HR_ERANGE for a bad setting or an unstable Lambda (|lambda| >= 1). */
int hr_lru_create(hr_lru **out, const hr_lru_params *p, const hr_fixed_spec *fx);

/* A layer from explicit values (arrays of re / im parts; C, D may be NULL
 * with h = 0): tests. |lambda| >= 1 is refused (HR_ERANGE). */
int hr_lru_create_from(hr_lru **out, int n, int m, int h, const double *l_re,
                       const double *l_im, const double *b_re, const double *b_im,
                       const double *c_re, const double *c_im, const double *d, int nonlin,
                       const hr_fixed_spec *fx);

void hr_lru_destroy(hr_lru *l);

int hr_lru_units(const hr_lru *l);
int hr_lru_inputs(const hr_lru *l);
int hr_lru_outputs(const hr_lru *l);

/* State back to 0 (and the stochastic rounding stream to its seed). */
void hr_lru_reset(hr_lru *l);

/* One step with input u (m values). */
void hr_lru_step(hr_lru *l, const double *u);

/* State (re, im: n values each) and outputs (h values) after the last step
 * (fixed point: the codes times 2^-frac). */
const double *hr_lru_state_re(const hr_lru *l);
const double *hr_lru_state_im(const hr_lru *l);
const double *hr_lru_output(const hr_lru *l);

/* What is traced: Re and Im of state units, or outputs. */
enum hr_lru_trace { HR_LRU_TRACE_STATE = 0, HR_LRU_TRACE_OUTPUT = 1 };

/* Runs nsteps inputs (nsteps x m) from the current state. For STATE, probe
 * p is Re x_{idx[p/2]} (p even) or Im (p odd) and nprobes = 2 x the units
 * listed; for OUTPUT probe p is y_{idx[p]}. out[p * nsteps + k]. */
void hr_lru_run(hr_lru *l, const double *u, int nsteps, int what, const int *idx, int nidx,
                double *out);

/* Costs of a step: 4 real multiply-accumulates per nonzero lambda, 2 per
 * nonzero of B and of C, 1 per nonzero of D; memory at the bit widths. */
void hr_lru_costs(const hr_lru *l, hr_costs *c);

/* Largest |lambda| as used (after quantization): < 1. */
double hr_lru_max_abs_lambda(const hr_lru *l);

/* The parameters as used (dequantized), dense: lambda (n), B (n x m),
 * C (h x n) as re / im arrays, D (h x m). Any pointer may be NULL. */
void hr_lru_matrices(const hr_lru *l, double *l_re, double *l_im, double *b_re, double *b_im,
                     double *c_re, double *c_im, double *d);

/* The weight codes and scales (quantized layers only; HR_ENOTSUP
 * otherwise), dense: lambda codes (n re, n im) with n per-unit scales;
 * B codes (n x m re, im) with n row scales; C codes (h x n re, im) with h
 * row scales; D codes (h x m) with h row scales. Value = scale of the row x
 * code. Any pointer may be NULL. */
int hr_lru_codes(const hr_lru *l, int32_t *l_re, int32_t *l_im, double *l_scale, int32_t *b_re,
                 int32_t *b_im, double *b_scale, int32_t *c_re, int32_t *c_im, double *c_scale,
                 int32_t *d, double *d_scale);

/* Weight bits (0: float64). */
int hr_lru_bits(const hr_lru *l);

/* Fraction bits of the state (-1 if float). */
int hr_lru_state_frac(const hr_lru *l);

#endif
