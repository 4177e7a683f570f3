/* operators.h — variation and selection operators on real-valued genomes with
 * per-gene bounds [lo_i, hi_i]. Every operator leaves every gene inside its
 * bounds (results are clipped; a NaN produced by arithmetic becomes lo_i).
 *
 * Conventions: `n` genes; `lo` and `hi` are arrays of n finite bounds with
 * lo_i <= hi_i, or NULL for [0, 1] (both NULL or both given); all randomness
 * comes from the caller's generator `r`, so the result is a function of the
 * generator state and the inputs. Children may alias parents. */
#ifndef HR_EVO_OPERATORS_H
#define HR_EVO_OPERATORS_H

#include "evolve/rng.h"

/* x clipped to [lo, hi]; NaN gives lo. */
double hr_evo_clip(double x, double lo, double hi);

/* Fills x[0..n) with genes drawn uniformly in [lo_i, hi_i). */
void hr_evo_uniform(hr_evo_rng *r, int n, const double *lo, const double *hi, double *x);

/* Gaussian mutation in place: each gene, with probability `rate` (every gene
 * when rate >= 1, no draw spent on the coin), gets x_i += sigma (hi_i - lo_i) z,
 * z ~ N(0, 1), then is clipped to [lo_i, hi_i]. sigma is a fraction of the
 * gene's range (0.1 on [0, 1] is the reference's sigma = 0.1). */
void hr_evo_mutate_gaussian(hr_evo_rng *r, int n, const double *lo, const double *hi,
                            double rate, double sigma, double *x);

/* Blend crossover BLX-alpha (Eshelman and Schaffer 1993): for each gene,
 * with d = |p1_i - p2_i|, each child gene is uniform in
 * [min - alpha d, max + alpha d], then clipped. alpha >= 0 (0.5 is usual).
 * c2 may be NULL when only one child is wanted (c1's draws are the same). */
void hr_evo_crossover_blx(hr_evo_rng *r, int n, const double *lo, const double *hi,
                          double alpha, const double *p1, const double *p2, double *c1,
                          double *c2);

/* Simulated binary crossover, bounded form (Deb and Agrawal 1995, as in
 * NSGA-II and DEAP's cxSimulatedBinaryBounded): each gene is crossed with
 * probability 1/2; the spread factor's distribution has index eta >= 0
 * (larger eta: children nearer the parents) and is truncated so children
 * stay within the bounds. c2 may be NULL. */
void hr_evo_crossover_sbx(hr_evo_rng *r, int n, const double *lo, const double *hi,
                          double eta, const double *p1, const double *p2, double *c1,
                          double *c2);

/* Tournament selection: draws k >= 1 indices uniformly (with replacement)
 * from [0, npop) and returns the one with the highest fitness (the first
 * drawn among equals). npop >= 1. */
long hr_evo_tournament(hr_evo_rng *r, long npop, const double *fitness, int k);

#endif
