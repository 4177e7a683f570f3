/* evolution.h — the glue between an experiment and the evolution engine
 * (evolve/, which knows nothing of reservoirs): the optimiser's
 * configuration from the <evolve> section, MAP-Elites descriptors (mean and
 * std of chosen genes or of the encoded amplitudes), and the fitness
 * function over a set of workers, one per evaluation thread. The command
 * line, the MPI evaluator and the tests all evolve through this. */
#ifndef HR_EVOLUTION_H
#define HR_EVOLUTION_H

#include "evolve/evolve.h"
#include "reservoir/pipeline.h"

typedef struct hr_evolution hr_evolution;

/* Sets up the evolution of experiment `e` (copied; --seed and similar
 * overrides already applied to it) with `nthreads` workers (>= 1; workers
 * of a serial substrate share one instance). HR_EINVAL for an experiment
 * with no genes to evolve or <evolve> settings the optimiser refuses (the
 * message says which, without the file name); substrate errors as
 * hr_worker_create. */
int hr_evolution_create(hr_evolution **out, const hr_experiment *e, int nthreads);

void hr_evolution_destroy(hr_evolution *ev);

/* The optimiser configuration (arrays owned by ev). */
const hr_evo_config *hr_evolution_config(const hr_evolution *ev);

/* The evaluator: the fitness function over the workers (worker i in
 * [0, nthreads) evaluates on worker i), with the OpenMP batch loop. Set
 * .log/.batch as needed. */
hr_evo_evaluator hr_evolution_evaluator(hr_evolution *ev);

/* The fitness function itself (hr_evo_eval_fn, ctx = ev): evaluates one
 * genome on worker `worker` with the fitness-only flags; a singular X
 * (fitness -inf) is a failure that says why. */
int hr_evolution_eval(void *ev, int worker, const double *genome, double *fitness,
                      double *descriptor);

/* Worker i (for the hand-selected-versus-evolved summary). */
hr_worker *hr_evolution_worker(hr_evolution *ev, int i);
int hr_evolution_nthreads(const hr_evolution *ev);

#endif
