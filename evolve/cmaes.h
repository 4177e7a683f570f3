/* cmaes.h — the CMA-ES optimiser (`evolve kind="cmaes"`): its parameters
 * (carried in hr_evo_config.params) and a view of its state for tests and
 * reports. The algorithm is evolve/cmaes.c. */
#ifndef HR_EVO_CMAES_H
#define HR_EVO_CMAES_H

#include "evolve/evolve.h"

/* The checkpoint id of CMA-ES (hr_evo_config.kind). */
#define HR_EVO_CMAES 3

/* CMA-ES parameters (hr_evo_config.params, params_size = sizeof). The
 * initial step size is hr_evo_config.mutation_sigma (a fraction of each
 * gene's range; `sigma` in the <evolve> section). */
typedef struct hr_cmaes_params {
    int lambda;    /* offspring of the first run, [2, 100000]; 0: 4 + floor(3 ln n).
                      It is also the batch (evaluations per iteration of the
                      engine): a restart's lambda * incpop^r spans incpop^r batches */
    int restarts;  /* most IPOP restarts that enlarge the population, [0, 20]; later
                      restarts keep the last population size */
    int incpop;    /* population factor per restart, [1, 10] (IPOP: 2) */
    double tolfun; /* restart when the best values of the last 10 + 30 n / lambda
                      generations and all of this one lie within tolfun, [0, 1e6] */
    double tolx;   /* restart when sigma * max(sqrt(C_ii), |p_c,i|) < tolx (in
                      fractions of the gene ranges), [0, 1] */
} hr_cmaes_params;

/* Fills *p with the defaults: lambda 0 (automatic), 9 restarts, incpop 2,
 * tolfun 1e-12, tolx 1e-12. */
void hr_cmaes_params_default(hr_cmaes_params *p);

/* Why a CMA-ES run restarted (hr_cmaes_info.last_stop). */
enum hr_cmaes_stop {
    HR_CMAES_RUNNING = 0,   /* no restart yet */
    HR_CMAES_TOLFUN = 1,    /* the fitness values stopped changing */
    HR_CMAES_TOLX = 2,      /* the step size fell below tolx */
    HR_CMAES_CONDITION = 3, /* the covariance's condition number passed 1e14 */
    HR_CMAES_NOEFFECT = 4,  /* a step of 0.1 sigma along an axis or coordinate no
                               longer moves the mean */
    HR_CMAES_DIVERGED = 5,  /* sigma grew beyond 1e3 gene ranges, or every
                               sample of a generation failed */
};

/* A view of a CMA-ES optimiser's state. */
typedef struct hr_cmaes_info {
    int restart;           /* restarts done (0: the first run) */
    int lambda;            /* population of the current run */
    int mu;                /* parents recombined */
    long generation;       /* CMA generations completed in the current run */
    long generations_total;/* CMA generations completed over all runs */
    double sigma;          /* step size (fraction of the gene ranges) */
    double axis_ratio;     /* sqrt of the covariance's condition number */
    enum hr_cmaes_stop last_stop; /* why the last restart happened */
    const double *mean;    /* the mean in normalised coordinates ([0, 1] per gene
                              inside the bounds), ngenes values owned by the optimiser */
} hr_cmaes_info;

/* Fills *info for a CMA-ES optimiser. HR_OK, or HR_EINVAL if evo is not one. */
int hr_cmaes_info_get(const hr_evo *evo, hr_cmaes_info *info);

#endif
