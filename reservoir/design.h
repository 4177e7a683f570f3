/* design.h — choosing readout times (and probes) by experimental design
 * instead of evolution: D-optimal selection of the readout matrix's columns
 * from candidates (every sample of the traces at each probe, simulated once).
 *
 * The problem: m rows (training samples); N candidate readout times, each a
 * block of P columns (the probes' values at that time, x_{c,p} in R^m, the
 * pipeline's readout layout); choose k times S and q probes Q (all P unless
 * probes are being chosen) to maximise
 *
 *     f(S, Q) = log det(X_SQ^T X_SQ + lambda I_{kq}),
 *
 * X_SQ the m x kq matrix of the chosen columns. With lambda = 0 and kq = m
 * (square X) f = 2 log|det X|; lambda > 0 gives the ridge-regularised
 * D-criterion of non-square X (fitness logdet_gram). Methods:
 *
 *   greedy      add the time with the largest gain, det(S_c) of its Schur
 *               complement, k times (block pivoted Cholesky: every gain is
 *               kept up to date by rank-q updates, the matrix determinant
 *               lemma, no determinant is recomputed);
 *   exchange    from a start (greedy's), Fedorov's exchange: the best swap of
 *               a chosen time s for an unchosen c, by the closed form
 *               det ratio = det(A_ss) det(D_c + U_s^T A_ss^{-1} U_s)
 *               (A = (X^T X + lambda I)^{-1}, U = A X^T x_c, D_c the Schur
 *               complement of c), until no swap improves f;
 *   anneal      parallel tempering (replica-exchange Metropolis) over the
 *               times and, with q < P, the probes, directly on f (each move
 *               swaps one time or one probe), seeded;
 *   exhaustive  every k-subset of the times (small problems, for checks).
 *
 * Everything here is deterministic; random draws of the annealer come from
 * hr_evo_rng_stream(seed, sweep, replica). */
#ifndef HR_DESIGN_H
#define HR_DESIGN_H

#include <stdint.h>

#include "reservoir/pipeline.h"

/* Most readout times and probes a design chooses. */
#define HR_DESIGN_MAX_K 256
#define HR_DESIGN_MAX_PROBES 64
/* Most columns (times x probes) of the designed X. */
#define HR_DESIGN_MAX_COLS 1024

/* Candidate columns. */
typedef struct hr_design_problem {
    int m;           /* rows (training samples), >= 1 */
    int ncand;       /* candidate readout times N, >= 1 */
    int nprobes;     /* probes P per time, [1, HR_DESIGN_MAX_PROBES] */
    const double *x; /* columns: x[((size_t)c * P + p) * m + r] = probe p at time c,
                        row r (each column contiguous) */
    double lambda;   /* >= 0; lambda = 0 needs k q <= m */
} hr_design_problem;

/* What a method found and what it cost. */
typedef struct hr_design_result {
    int k;                          /* times chosen */
    int times[HR_DESIGN_MAX_K];     /* their candidate indices, ascending */
    int q;                          /* probes chosen */
    int probes[HR_DESIGN_MAX_PROBES]; /* their indices, ascending */
    double value;                   /* f(S, Q), recomputed from scratch (Cholesky) */
    long evaluations;               /* candidate objective evaluations: gains or swap
                                       ratios (rank-q updates) or full log dets */
    long moves;                     /* greedy: steps; exchange: swaps accepted;
                                       anneal: moves accepted; exhaustive: subsets */
    double seconds;                 /* wall time */
    double gains[HR_DESIGN_MAX_K];  /* greedy: the gain of each step in the order
                                       made (log det of the Schur complement, from
                                       the rank-q updates); they sum to value */
} hr_design_result;

/* Options of the annealer. */
typedef struct hr_design_anneal_opts {
    uint64_t seed;   /* random seed */
    int replicas;    /* temperatures, [1, 64] (1: plain simulated annealing at a
                        geometric schedule from t_hi to t_lo) */
    long sweeps;     /* sweeps; each replica makes `ncand` moves per sweep, >= 1 */
    double t_hi;     /* highest temperature (in units of f), or 0: the median |df| of
                        random moves from a random start */
    double t_lo;     /* lowest, or 0: t_hi / 1000 */
} hr_design_anneal_opts;

/* f(S, Q) for the given times (k) and probes (q; probes NULL: all P), by
 * GSL's Cholesky of X_SQ^T X_SQ + lambda I. HR_ESINGULAR if that matrix is
 * not positive definite (*value = -INFINITY), HR_EINVAL for bad indices. */
int hr_design_logdet(const hr_design_problem *pr, const int *times, int k, const int *probes,
                     int q, double *value);

/* Greedy selection of k times with the probes given (NULL: all). HR_EINVAL
 * (k out of [1, min(N, HR_DESIGN_MAX_K)], lambda = 0 with k q > m),
 * HR_ESINGULAR (no k times with a non-singular X), HR_ENOMEM. */
int hr_design_greedy(const hr_design_problem *pr, int k, const int *probes, int q,
                     hr_design_result *out);

/* Fedorov exchange from out->times (k of them, e.g. greedy's; out->probes,
 * out->q as chosen) until no single swap raises f by more than 1e-10; at
 * most max_swaps swaps (0: no limit but N k). Errors as greedy. */
int hr_design_exchange(const hr_design_problem *pr, hr_design_result *out, long max_swaps);

/* Greedy, then exchange from its result, then exchange from starts - 1
 * random starts (from hr_evo_rng_stream(seed, start, 0); singular ones are
 * skipped); the best of all in *out, the evaluations and moves of all
 * summed. starts >= 1; errors as greedy. */
int hr_design_search(const hr_design_problem *pr, int k, const int *probes, int q, int starts,
                     uint64_t seed, hr_design_result *out);

/* The exchange's swap table for the times (k distinct) and probes given:
 * ratio[s * N + c] = f(S with times[s] replaced by c) - f(S) by the closed
 * form (rank-q updates of A = G_S^{-1}), -INFINITY where c is in S. (What
 * hr_design_exchange maximises; public for checking against recomputed
 * determinants.) HR_ESINGULAR if G_S is singular. */
int hr_design_swap_table(const hr_design_problem *pr, const int *times, int k, const int *probes,
                         int q, double *ratio);

/* Parallel tempering over k times and q probes (q = P: the probes are
 * fixed). HR_EINVAL, HR_ENOMEM; HR_ESINGULAR if no state it saw was
 * non-singular. */
int hr_design_anneal(const hr_design_problem *pr, int k, int q, const hr_design_anneal_opts *opt,
                     hr_design_result *out);

/* Every k-subset of the times (probes given, NULL: all), if there are at
 * most max_subsets of them; HR_ERANGE otherwise. */
int hr_design_exhaustive(const hr_design_problem *pr, int k, const int *probes, int q,
                         double max_subsets, hr_design_result *out);

/* --- From an experiment --- */

/* The candidates of an experiment: every sample of its traces (one
 * simulation of each task row through the worker's substrate) inside the
 * time window [t_lo, t_hi] (t_hi < t_lo: the whole traces), read with the
 * experiment's readout rule at the time it will be written back (the
 * floor rule: the middle of the sample, (j + 1/2) dt, so floor() finds
 * sample j exactly; the interpolating rules: j dt). */
typedef struct hr_design_candidates {
    hr_design_problem problem; /* over the training rows (x owned here) */
    double *xall;              /* the same for all task rows: ((c P + p) n_rows + r) */
    int nrows_all;             /* task rows (washout, training, held-out) */
    int first_train;           /* index of the first training row */
    double *times;             /* ncand candidate times */
    double dt;                 /* trace sample spacing */
    int simulations;           /* substrate runs made */
} hr_design_candidates;

/* Builds the candidates for the experiment of worker `w` (per-sample tasks;
 * a stream encoding is HR_ENOTSUP). lambda as in hr_design_problem. */
int hr_design_candidates_make(hr_worker *w, double t_lo, double t_hi, double lambda,
                              hr_design_candidates *out);

void hr_design_candidates_free(hr_design_candidates *c);

/* The readout window the experiment's genes allow: the union of the ranges
 * of the genes whose target is a readout time; HR_ERANGE if none. */
int hr_design_gene_window(const hr_experiment *e, double *t_lo, double *t_hi);

/* A copy of `e` with the design's readout times (sorted) and, if it chose
 * probes, the substrate's probe lists (every list setting named probe*
 * with one value per probe) cut to them; genes that set readout times get
 * the value of their new time (or none, if the time is outside their
 * range). NULL with an error recorded on failure. */
hr_experiment *hr_design_apply(const hr_experiment *e, const hr_design_candidates *c,
                               const hr_design_result *r);

#endif
