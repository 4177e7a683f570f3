/* fitness_multi.h — the multi-objective fitness kind `multi`: a list of
 * named objectives (each maximised) taken from one evaluation, for NSGA-II,
 * and the count and names of the objectives any fitness section gives. */
#ifndef HR_FITNESS_MULTI_H
#define HR_FITNESS_MULTI_H

#include "base/params.h"
#include "reservoir/fitness.h"

/* The kind's table (registered in interface/builtins.c). */
extern const hr_fitness_type hr_fitness_multi;

/* The objectives a fitness section gives: their number into *nobj and, if
 * names is not NULL, their names (static strings, up to HR_MAX_OBJECTIVES).
 * For kind `multi` the names listed in its `objectives` setting (logdet,
 * det_abs, logdet_gram, score, score_train, rank, effective_rank, cond);
 * for any other kind its own objectives (one, named after the kind).
 * HR_EINVAL naming the setting and the allowed names for an unknown or
 * repeated name or an empty list; HR_EINVAL for an unknown kind. */
int hr_fitness_objectives(const hr_section *fitness, int *nobj, const char **names);

#endif
