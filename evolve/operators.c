/* operators.c — bounded variation and selection operators.
 *
 * Gaussian mutation: x' = clip(x + sigma (hi - lo) z, lo, hi), z ~ N(0, 1).
 * BLX-alpha: c ~ U[min(p1, p2) - alpha d, max(p1, p2) + alpha d], d = |p1 - p2|.
 * Bounded SBX: with y1 <= y2 and u ~ U[0, 1),
 *     beta  = 1 + 2 (y1 - lo) / (y2 - y1),  a = 2 - beta^-(eta+1),
 *     bq    = (u a)^(1/(eta+1))            if u <= 1/a,
 *             (1 / (2 - u a))^(1/(eta+1))  otherwise,
 *     c1    = ((y1 + y2) - bq (y2 - y1)) / 2,
 * and the same with beta = 1 + 2 (hi - y2) / (y2 - y1) for
 *     c2    = ((y1 + y2) + bq (y2 - y1)) / 2,
 * the children swapped with probability 1/2. */
#include "evolve/operators.h"

#include <math.h>

#define LO(i) (lo ? lo[(i)] : 0.0)
#define HI(i) (hi ? hi[(i)] : 1.0)

double hr_evo_clip(double x, double lo, double hi)
{
    if (!(x >= lo)) /* also catches NaN */
        return lo;
    if (x > hi)
        return hi;
    return x;
}

void hr_evo_uniform(hr_evo_rng *r, int n, const double *lo, const double *hi, double *x)
{
    for (int i = 0; i < n; i++) {
        double a = LO(i), b = HI(i);
        x[i] = hr_evo_clip(a + (b - a) * hr_evo_rng_uniform(r), a, b);
    }
}

void hr_evo_mutate_gaussian(hr_evo_rng *r, int n, const double *lo, const double *hi,
                            double rate, double sigma, double *x)
{
    for (int i = 0; i < n; i++) {
        if (rate < 1.0 && !(hr_evo_rng_uniform(r) < rate))
            continue;
        double a = LO(i), b = HI(i);
        x[i] = hr_evo_clip(x[i] + sigma * (b - a) * hr_evo_rng_gaussian(r), a, b);
    }
}

void hr_evo_crossover_blx(hr_evo_rng *r, int n, const double *lo, const double *hi,
                          double alpha, const double *p1, const double *p2, double *c1,
                          double *c2)
{
    for (int i = 0; i < n; i++) {
        double x1 = p1[i], x2 = p2[i];
        double mn = fmin(x1, x2), mx = fmax(x1, x2), d = mx - mn;
        double left = mn - alpha * d, width = (mx - mn) + 2 * alpha * d;
        double a = LO(i), b = HI(i);
        double u1 = hr_evo_rng_uniform(r), u2 = hr_evo_rng_uniform(r);
        c1[i] = hr_evo_clip(left + width * u1, a, b);
        if (c2)
            c2[i] = hr_evo_clip(left + width * u2, a, b);
    }
}

/* The spread factor bq for one side; `beta` measures the room to the bound. */
static double sbx_spread(double beta, double eta, double u)
{
    double alpha = 2.0 - pow(beta, -(eta + 1.0));
    if (u <= 1.0 / alpha)
        return pow(u * alpha, 1.0 / (eta + 1.0));
    return pow(1.0 / (2.0 - u * alpha), 1.0 / (eta + 1.0));
}

void hr_evo_crossover_sbx(hr_evo_rng *r, int n, const double *lo, const double *hi,
                          double eta, const double *p1, const double *p2, double *c1,
                          double *c2)
{
    for (int i = 0; i < n; i++) {
        double x1 = p1[i], x2 = p2[i], a = LO(i), b = HI(i);
        /* Three draws per gene whatever happens, so c1 is the same whether
         * c2 is wanted or not and each gene's draws are fixed. */
        double ucross = hr_evo_rng_uniform(r), u = hr_evo_rng_uniform(r),
               uswap = hr_evo_rng_uniform(r);
        double y1 = x1, y2 = x2;
        if (ucross < 0.5 && fabs(x1 - x2) > 1e-14 * fmax(1.0, b - a)) {
            double lo_p = fmin(x1, x2), hi_p = fmax(x1, x2), d = hi_p - lo_p;
            double bq1 = sbx_spread(1.0 + 2.0 * (lo_p - a) / d, eta, u);
            double bq2 = sbx_spread(1.0 + 2.0 * (b - hi_p) / d, eta, u);
            y1 = 0.5 * ((lo_p + hi_p) - bq1 * d);
            y2 = 0.5 * ((lo_p + hi_p) + bq2 * d);
            if (uswap < 0.5) {
                double t = y1;
                y1 = y2;
                y2 = t;
            }
        }
        c1[i] = hr_evo_clip(y1, a, b);
        if (c2)
            c2[i] = hr_evo_clip(y2, a, b);
    }
}

long hr_evo_tournament(hr_evo_rng *r, long npop, const double *fitness, int k)
{
    long best = (long)hr_evo_rng_below(r, (uint64_t)npop);
    for (int j = 1; j < k; j++) {
        long c = (long)hr_evo_rng_below(r, (uint64_t)npop);
        if (fitness[c] > fitness[best])
            best = c;
    }
    return best;
}
