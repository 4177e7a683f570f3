/* fitness.h — the last stage: what an evaluation is worth, as one or more
 * objectives to maximise. Fitness kinds are registered (class
 * HR_CLASS_FITNESS of base/registry.h). The section also holds the settings
 * of the trained linear readout (ridge lambda and its cross-validation),
 * which every kind shares: a kind's decoded settings struct starts with an
 * hr_fitness_common. */
#ifndef HR_FITNESS_H
#define HR_FITNESS_H

#include "base/registry.h"
#include "reservoir/pipeline.h"

#define HR_FITNESS_VERSION 1

/* Capability flags of a fitness kind (hr_kind.flags). */
enum hr_fitness_flags {
    /* Needs the held-out rows and the trained readout's score (so evolution
     * cannot skip them). */
    HR_FITNESS_NEEDS_SCORE = 1u << 0,
    /* Needs a square readout matrix (|det X|). */
    HR_FITNESS_SQUARE = 1u << 1,
    /* Needs the traces of every run, held-out rows included, in the result
     * (hr_result.traces, in task row order), e.g. to compare them with a
     * recording (interface/fitness_match.c). */
    HR_FITNESS_NEEDS_TRACES = 1u << 2,
};

/* How the linear readout is trained. */
enum hr_readout_training { HR_TRAIN_AUTO = 0, HR_TRAIN_RIDGE = 1, HR_TRAIN_LSTSQ = 2 };

/* The settings every fitness kind has (the start of its settings struct). */
typedef struct hr_fitness_common {
    double lambda;  /* lambda of log det(X^T X + lambda I) */
    int readout;    /* enum hr_readout_training */
    int ridge_lo;   /* cross-validated ridge: lambda from 10^ridge_lo ... */
    int ridge_decades; /* ... in this many decades (10^ridge_lo .. 10^(ridge_lo+decades-1)) */
    int folds;      /* k of k-fold cross-validation */
    int loo_max;    /* up to this many training rows: leave-one-out instead */
} hr_fitness_common;

/* The table a fitness kind implements. */
typedef struct hr_fitness_type {
    hr_kind base;          /* class HR_CLASS_FITNESS, flags hr_fitness_flags;
                              version HR_FITNESS_VERSION */
    size_t settings_size;  /* bytes of its settings struct (starts with hr_fitness_common) */
    int nobj;              /* objectives it returns, 1 .. HR_MAX_OBJECTIVES */
    /* The objectives (each maximised) of an evaluated result; a status if
     * the result does not allow them (a message saying why). */
    int (*compute)(const void *settings, const hr_result *r, double *objectives);
} hr_fitness_type;

/* The settings table of the built-in kinds (the common settings). */
extern const hr_param_spec hr_fitness_params[];

/* Registers a fitness kind (checks version and operations). */
int hr_fitness_register(const hr_fitness_type *t);

/* The kind `name`, or NULL. */
const hr_fitness_type *hr_fitness_find(const char *name);

#endif
