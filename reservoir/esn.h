/* esn.h — the leaky echo state network as ReservoirPy 0.3.12 defines it
 * (reservoirpy/nodes/reservoirs/base.py, forward_internal):
 *
 *     x(k+1) = (1 - lr) x(k) + lr f(W x(k) + W_in u(k+1) + b),   f = tanh
 *
 * W (n x n) sparse, drawn at a connectivity and rescaled to a spectral
 * radius that is computed (ARPACK), W_in (n x m) and b (n) with their own
 * connectivity and scalings, weights from a named distribution, seeded;
 * optionally pruned, quantized to b bits and run in fixed point
 * (reservoir/quant.h). Sparse matrices are CSR with a kernel of our own
 * (bench/bench_esn.c measures it against GSL's gsl_spblas_dgemv). */
#ifndef HR_ESN_H
#define HR_ESN_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "reservoir/quant.h"
#include "reservoir/substrate.h"

/* tanh(x) from basic IEEE operations only (no FMA, no table), so a loop of
 * it vectorizes and gives the same bits vectorized or not, in every build:
 * tanh = t / (t + 2), t = expm1(2|x|) by Cody-Waite reduction (2|x| = k ln2
 * + r, |r| <= ln2 / 2), a degree-13 Taylor polynomial of expm1(r) and
 * t = 2^k expm1(r) + (2^k - 1); |x| > 22 gives +-1. Within 3 ulp of glibc's
 * tanh over [-25, 25] (measured on 4e5 points), about 1.2 ns against 8.7
 * (bench figures in the README). NaN gives NaN. */
static inline double hr_tanh(double x)
{
    double a = fabs(x);
    a = a > 22 ? 22 : a;
    double y = 2 * a;
    const double magic = 6755399441055744.0; /* 1.5 x 2^52: rounds to an integer */
    double kd = y * 1.4426950408889634 + magic;
    uint64_t kb;
    memcpy(&kb, &kd, sizeof kb); /* k in the low bits */
    kd -= magic;
    double r = (y - kd * 6.93147180369123816490e-01) - kd * 1.90821492927058770002e-10;
    double p = 1.0 / 6227020800.0;
    p = p * r + 1.0 / 479001600.0;
    p = p * r + 1.0 / 39916800.0;
    p = p * r + 1.0 / 3628800.0;
    p = p * r + 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    double em = r + (r * r) * p;
    uint64_t sb = (kb + 1023) << 52; /* 2^k, 0 <= k <= 64 */
    double scale;
    memcpy(&scale, &sb, sizeof scale);
    double t = scale * em + (scale - 1.0);
    return copysign(t / (t + 2.0), x);
}

/* ---- Sparse matrices ---- */

/* A compressed-sparse-row matrix. */
typedef struct hr_csr {
    int rows, cols; /* shape */
    int *rowptr;    /* rows + 1 offsets into col and val */
    int *col;       /* column of each stored value */
    double *val;    /* stored values (explicit zeros allowed until hr_csr_compact) */
} hr_csr;

/* Frees the arrays (NULL allowed) and zeroes the struct. */
void hr_csr_free(hr_csr *a);

/* The rows x cols dense row-major matrix d as CSR (its nonzeros only). */
int hr_csr_from_dense(const double *d, int rows, int cols, hr_csr *out);

/* Writes the dense row-major rows x cols form of a into d. */
void hr_csr_to_dense(const hr_csr *a, double *d);

/* Drops stored zeros (after pruning). */
void hr_csr_compact(hr_csr *a);

/* Stored values. */
static inline size_t hr_csr_nnz(const hr_csr *a) { return (size_t)a->rowptr[a->rows]; }

/* y = A x (y of a->rows, x of a->cols; no aliasing). Row sums in a fixed
 * order (four partial sums, combined pairwise), so results are the same
 * every run. */
void hr_csr_gemv(const hr_csr *a, const double *x, double *y);

/* Weight distributions (ReservoirPy's mat_gen): normal N(0, 1), uniform
 * on [-1, 1), bernoulli +-1 with probability 1/2 each. */
enum hr_dist { HR_DIST_NORMAL = 0, HR_DIST_UNIFORM = 1, HR_DIST_BERNOULLI = 2 };
#define HR_DIST_CHOICES "normal|uniform|bernoulli"

/* A random rows x cols matrix with exactly round(density rows cols)
 * nonzeros at uniformly chosen distinct positions (as scipy.sparse.random,
 * which ReservoirPy uses), values from `dist`, drawn from rng (positions
 * first, then the values in row-major order). density in (0, 1]. */
int hr_csr_random(int rows, int cols, double density, int dist, gsl_rng *rng, hr_csr *out);

/* ---- Spectral radius ---- */

/* max |eigenvalue| of the square matrix a: ARPACK's implicitly restarted
 * Arnoldi (dnaupd/dneupd, the largest-magnitude eigenvalues, tolerance at
 * machine precision, a start vector from `seed`), which is not thread-safe,
 * so calls are serialised by a lock; GSL's dense nonsymmetric eigensolver
 * for n < 24 or if ARPACK does not converge (n <= 4000). HR_ESINGULAR if
 * neither gives an answer. */
int hr_spectral_radius(const hr_csr *a, unsigned long seed, double *rho);

/* The same by GSL's dense eigensolver (gsl_eigen_nonsymm) on a dense n x n
 * row-major matrix: the independent check of the tests. */
int hr_spectral_radius_dense(const double *a, int n, double *rho);

/* ---- The network ---- */

enum hr_activation { HR_ACT_TANH = 0, HR_ACT_IDENTITY = 1 };

/* How the network is generated (names as ReservoirPy's Reservoir). */
typedef struct hr_esn_params {
    int units;                 /* n */
    int inputs;                /* m, input channels */
    double sr;                 /* spectral radius W is rescaled to (> 0) */
    double lr;                 /* leak rate in (0, 1] */
    double input_scaling;      /* W_in = input_scaling x draws */
    double bias_scaling;       /* b = bias_scaling x draws (0: no bias) */
    double rc_connectivity;    /* density of W when drawn */
    double input_connectivity; /* density of W_in and of b when drawn */
    int w_dist, win_dist, bias_dist; /* enum hr_dist (ReservoirPy: normal, bernoulli, bernoulli) */
    int activation;            /* enum hr_activation */
    unsigned long seed;        /* W from seed, W_in from seed + 1, b from seed + 2 */
    double density;            /* magnitude pruning of W to this density (1: none) */
    double input_density;      /* magnitude pruning of W_in to this density (1: none) */
    int prune_rescale;         /* 1: rescale W to sr after pruning; 0: prune after rescaling */
} hr_esn_params;

/* ReservoirPy's defaults: 100 units, 1 input, sr 0.9 (ReservoirPy has none),
 * lr 1, scalings 1, connectivities 0.1, normal W, bernoulli W_in and b,
 * tanh, seed 1, no pruning, prune_rescale 1. */
hr_esn_params hr_esn_params_default(void);

typedef struct hr_esn hr_esn;

/* Draws a network (W rescaled to p->sr, then pruned and quantized as asked)
 * and sets it up for fixed point if fx->state_bits > 0 (fx may be NULL:
 * float64). Statuses: HR_EINVAL / HR_ERANGE for bad settings, HR_ENOMEM,
 * HR_ESINGULAR if no spectral radius could be computed. */
int hr_esn_create(hr_esn **out, const hr_esn_params *p, const hr_fixed_spec *fx);

/* A network from explicit dense weights (row-major: W n x n, W_in n x m,
 * b n, or NULL for none), as given (no rescaling): tests and cross-checks. */
int hr_esn_create_from(hr_esn **out, int n, int m, const double *w, const double *win,
                       const double *b, double lr, int activation, const hr_fixed_spec *fx);

/* Frees; NULL allowed. */
void hr_esn_destroy(hr_esn *e);

/* Units and inputs. */
int hr_esn_units(const hr_esn *e);
int hr_esn_inputs(const hr_esn *e);

/* The state back to 0 (and the stochastic rounding stream to its seed). */
void hr_esn_reset(hr_esn *e);

/* Sets the state (n values; fixed point: rounded to the state format). */
void hr_esn_set_state(hr_esn *e, const double *x);

/* One update with input u (m values). */
void hr_esn_step(hr_esn *e, const double *u);

/* The state (n values; in fixed point the codes times 2^-frac). Valid until
 * the next step. */
const double *hr_esn_state(const hr_esn *e);

/* The integer state codes (fixed point only; NULL otherwise). */
const int32_t *hr_esn_state_codes(const hr_esn *e);

/* Runs `nsteps` inputs u (nsteps x m, row-major) from the current state,
 * writing unit probes[p] after step k into out[p * nsteps + k]. */
void hr_esn_run(hr_esn *e, const double *u, int nsteps, const int *probes, int nprobes,
                double *out);

/* What a step costs (synaptic operations = stored nonzeros of W and W_in
 * times their split factors; memory at the bit widths, see hr_matrix_bytes). */
void hr_esn_costs(const hr_esn *e, hr_costs *c);

/* The matrices as used: W (CSR, dequantized values if quantized), W_in,
 * b (n values), and the quantized tensors (NULL unless quantized; codes
 * in the CSR order of W / W_in). Valid while e lives. */
const hr_csr *hr_esn_w(const hr_esn *e);
const hr_csr *hr_esn_win(const hr_esn *e);
const double *hr_esn_bias(const hr_esn *e);
const hr_qtensor *hr_esn_qw(const hr_esn *e);
const hr_qtensor *hr_esn_qwin(const hr_esn *e);
const hr_qtensor *hr_esn_qbias(const hr_esn *e);

/* Fraction bits of the state and of the inputs (fixed point; -1 if float). */
int hr_esn_state_frac(const hr_esn *e);
int hr_esn_input_frac(const hr_esn *e);

#endif
