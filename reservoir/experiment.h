/* experiment.h — an experiment and the pipeline that evaluates it:
 *
 *   task --samples--> encoder --stimulus--> substrate --traces--> readout --X--> fitness
 *                        ^                      ^                    ^
 *                        +---- genome, decoded by the genes ---------+
 *
 * An experiment is a set of sections (substrate, encoder, readout, task,
 * fitness, evolve), each a table of settings (params.h), plus genes
 * {name, target, lo, hi}: gene value g in [0, 1] sets target = lo + (hi - lo) g.
 * Experiments are built from XML files by interface/config.h, or in code. */
#ifndef HR_EXPERIMENT_H
#define HR_EXPERIMENT_H

#include "base/params.h"
#include "reservoir/substrate.h"

enum hr_section_id {
    HR_SEC_SUBSTRATE = 0,
    HR_SEC_ENCODER,
    HR_SEC_READOUT,
    HR_SEC_TASK,
    HR_SEC_FITNESS,
    HR_SEC_EVOLVE,
    HR_SEC_OUTPUT,
    HR_NSECTIONS
};

/* Section names in file order: "substrate", "encoder", ... */
extern const char *const hr_sections[HR_NSECTIONS];

#define HR_MAX_GENES 128

typedef struct hr_gene {
    char name[32];    /* gene name ("a", "t0", "g12") */
    char target[64];  /* "section.setting[I]" or "none" (an unused gene) */
    int section;      /* resolved section id (-1 for "none") */
    char setting[48]; /* setting name within the section ("low0") */
    int spec_index;   /* resolved: the target's entry in its section's table (-1: none) */
    int elem;         /* resolved: the element of a list target (0 for scalars) */
    double lo, hi;    /* target = lo + (hi - lo) g */
    double value;     /* configured g in [0, 1], or NaN: leave the target as set */
    int line;         /* line in the experiment file (0 if none) */
} hr_gene;

typedef struct hr_experiment {
    char file[512];                 /* the experiment file ("" if built in code) */
    char name[64];                  /* experiment name */
    hr_section *sec[HR_NSECTIONS];  /* sections (owned; NULL if absent) */
    int ngenes;                     /* number of genes */
    hr_gene genes[HR_MAX_GENES];    /* genes in declaration order */
} hr_experiment;

/* Allocates an empty experiment (all sections NULL). */
hr_experiment *hr_experiment_create(void);

/* Deep copy, or NULL on allocation failure. */
hr_experiment *hr_experiment_clone(const hr_experiment *e);

/* Frees; NULL is allowed. */
void hr_experiment_destroy(hr_experiment *e);

/* The settings table for section `id` of kind `kind`, or NULL (and the allowed
 * kinds in `kinds`). */
const hr_param_spec *hr_experiment_spec(int id, const char *kind, char *kinds, size_t size);

/* Creates section `id` of `kind` with its defaults (replacing any). */
int hr_experiment_add_section(hr_experiment *e, int id, const char *kind);

/* Adds a gene after checking that its target is a numeric setting and that
 * lo and hi are inside the target's allowed range. */
int hr_experiment_add_gene(hr_experiment *e, const char *name, const char *target, double lo,
                           double hi, double value, int line);

/* Sets "section.setting[I]" or a gene name (value g in [0, 1]) from text, as
 * `--set NAME=VALUE` does. */
int hr_experiment_set(hr_experiment *e, const char *name, const char *value);

/* Sets every gene's value from a genome (ngenes values in [0, 1]). */
int hr_experiment_set_genome(hr_experiment *e, const double *genome, int n);

/* Applies the genes whose value is set to their targets (range-checked).
 * Idempotent: targets are recomputed from lo, hi and the gene value. */
int hr_experiment_apply_genes(hr_experiment *e);

/* Adds the optional sections the experiment lacks, with their defaults
 * (fitness logdet, evolve map-elites, output), so no user of an experiment
 * needs a fallback for a missing one. */
int hr_experiment_complete(hr_experiment *e);

/* Checks the experiment is complete and consistent (required sections,
 * encoder fits task, readout times inside the traces...). */
int hr_experiment_check(const hr_experiment *e);

#endif
