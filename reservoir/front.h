/* front.h — the Pareto front of a multi-objective evolution as front.csv,
 * with the objectives named after the experiment's fitness section. */
#ifndef HR_FRONT_H
#define HR_FRONT_H

#include "evolve/evolve.h"
#include "reservoir/experiment.h"

/* Writes DIR/front.csv (atomically) if evo is an NSGA-II optimiser: its
 * non-dominated interfaces, best objective 0 first,
 *     index,<objective names>,crowding,<gene names>
 * objective names from e's fitness section (fitness.objectives of kind
 * multi), gene names from e's genes. For any other optimiser it writes
 * nothing and returns HR_OK. HR_EIO, HR_ENOMEM, HR_EINVAL (a fitness
 * section hr_fitness_objectives refuses). */
int hr_front_write(const hr_evo *evo, const hr_experiment *e, const char *dir);

#endif
