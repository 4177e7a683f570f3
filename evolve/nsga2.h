/* nsga2.h — the NSGA-II optimiser (`evolve kind="nsga2"`): its parameters
 * (carried in hr_evo_config.params), the Pareto front of its population, and
 * the front.csv writer. The algorithm is evolve/nsga2.c. */
#ifndef HR_EVO_NSGA2_H
#define HR_EVO_NSGA2_H

#include "evolve/evolve.h"

/* The checkpoint id of NSGA-II (hr_evo_config.kind). */
#define HR_EVO_NSGA2 4

/* NSGA-II parameters (hr_evo_config.params, params_size = sizeof). The
 * number of objectives is hr_evo_config.nobj (2 .. HR_EVO_MAX_OBJ), each
 * maximised. */
typedef struct hr_nsga2_params {
    int population;   /* individuals, [4, 2000]; also the
                         offspring (evaluations) per generation */
    double crossover; /* probability that a child comes from SBX, [0, 1] */
    double eta_c;     /* SBX distribution index, [0, 1000] */
    double eta_m;     /* polynomial mutation distribution index, [0, 1000] */
    double mutation;  /* per-gene mutation probability, [0, 1]; 0: 1 / ngenes */
} hr_nsga2_params;

/* Fills *p with the defaults: population 40, crossover 0.9, eta_c 15,
 * eta_m 20, mutation 0 (1 / ngenes). */
void hr_nsga2_params_default(hr_nsga2_params *p);

/* The front (0: non-dominated) and crowding distance of population member
 * i in [0, hr_evo_size(evo)) (the order of hr_evo_individual), and all its
 * objectives (nobj values into obj, may be NULL). HR_OK, HR_ERANGE, or
 * HR_EINVAL if evo is not an NSGA-II optimiser. */
int hr_nsga2_member(const hr_evo *evo, long i, int *front, double *crowding, double *obj);

/* Writes the non-dominated members of the population (front 0) as CSV,
 * atomically, sorted by objective 0 (highest first, ties by index):
 *     index,<objective names>,crowding,<gene names>
 * objective_names: nobj column names or NULL (objective_0, ...); gene_names:
 * ngenes names or NULL (gene_0, ...). Failed members never appear. HR_EIO,
 * HR_ENOMEM, HR_EINVAL if evo is not an NSGA-II optimiser. */
int hr_nsga2_write_front(const hr_evo *evo, const char *path, const char *const *objective_names,
                         const char *const *gene_names);

#endif
