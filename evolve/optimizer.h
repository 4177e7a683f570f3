/* optimizer.h — writing an optimisation algorithm for hydrores: the table
 * it fills (registered as a kind of class HR_CLASS_OPTIMIZER, the GSL
 * gsl_rng_type style) and the little-endian serialisation helpers of the
 * checkpoint format it writes its state with. An algorithm is one file in
 * evolve/ (see ga.c, map_elites.c) plus one line in interface/builtins.c.
 * The optimiser object itself (struct hr_evo) is in evolve_internal.h. */
#ifndef HR_EVO_OPTIMIZER_H
#define HR_EVO_OPTIMIZER_H

#include "base/registry.h"
#include "evolve/evolve.h"

#include <stdint.h>
#include <stdio.h>

/* Room for one failed evaluation's message. */
#define HR__EVO_MSG HR_EVO_MSG

/* A growable byte buffer that records allocation failure instead of
 * reporting it at every call (check `failed` once at the end). */
struct hr__evo_buf {
    unsigned char *data; /* bytes written so far */
    size_t len;          /* bytes used */
    size_t cap;          /* bytes allocated */
    int failed;          /* set once an allocation failed */
};

/* A bounds-checked reader over a byte range; `failed` is set (and zeros
 * returned) once a read would pass the end. */
struct hr__evo_reader {
    const unsigned char *data; /* the payload */
    size_t len;                /* its length */
    size_t pos;                /* next byte to read */
    int failed;                /* set once a read ran past the end */
};

void hr__evo_put_u32(struct hr__evo_buf *b, uint32_t v);
void hr__evo_put_u64(struct hr__evo_buf *b, uint64_t v);
void hr__evo_put_f64(struct hr__evo_buf *b, double v);
void hr__evo_put_f64s(struct hr__evo_buf *b, const double *v, size_t n);
uint32_t hr__evo_get_u32(struct hr__evo_reader *r);
uint64_t hr__evo_get_u64(struct hr__evo_reader *r);
double hr__evo_get_f64(struct hr__evo_reader *r);
void hr__evo_get_f64s(struct hr__evo_reader *r, double *v, size_t n);

/* Arrays of a configuration read from a checkpoint (owned by the reader). */
struct hr__evo_config_arrays {
    double *lo, *hi, *desc_lo, *desc_hi; /* ngenes, ngenes, ndesc, ndesc */
    int *bins;                           /* ndesc */
    unsigned char *params;               /* params_size bytes */
};

#define HR_OPTIMIZER_VERSION 1

/* An algorithm: a registered kind (class HR_CLASS_OPTIMIZER) whose table
 * holds everything particular to it: its defaults, its settings and their
 * check, its part of the checkpoint, and the operations on its state. All
 * run on the master thread. `evo->state` belongs to the algorithm. */
typedef struct hr_optimizer_type {
    hr_kind base;      /* class HR_CLASS_OPTIMIZER; name ("ga"); params: its <evolve>
                          settings table; version HR_OPTIMIZER_VERSION */
    int id;            /* its hr_evo_config.kind, stored in checkpoints (1 GA, 2 MAP-Elites) */
    const char *label; /* for messages ("GA") */
    const char *unit;  /* what one iteration is called ("gen", "batch") */
    int min_desc;      /* descriptor dimensions it needs (MAP-Elites 1) */
    int max_obj;       /* objectives it handles (1: single-objective) */

    /* Sets its own defaults in *cfg (the generic ones are set already). */
    void (*defaults)(hr_evo_config *cfg);
    /* Reads its settings from an <evolve> section into *cfg (arrays into
     * *setup's storage). NULL: it has no settings beyond seed and sigma. */
    int (*configure)(hr_evo_setup *setup, const hr_section *settings);
    /* Checks its fields of *cfg (the generic ones are checked already). */
    int (*check)(const hr_evo_config *cfg);
    /* Its part of the checkpoint's configuration, written / read back /
     * compared with the configuration a resume asks for (HR_EINVAL naming
     * the first field that differs, as "checkpoint 'p' was written with X =
     * a, the configuration has X = b; ..."). */
    void (*save_config)(const hr_evo_config *cfg, struct hr__evo_buf *b);
    int (*load_config)(hr_evo_config *cfg, struct hr__evo_reader *r,
                       struct hr__evo_config_arrays *a, const char *path);
    int (*compare_config)(const char *path, const hr_evo_config *stored,
                          const hr_evo_config *expected);
    /* Evaluations done after `generations` iterations (checks a checkpoint). */
    long (*evaluations_after)(const hr_evo_config *cfg, long generations);
    /* Slots of its archive for the coverage statistic (cells, population). */
    long (*cells)(const hr_evo_config *cfg);
    /* Optional: writes the held individuals as CSV (header line first);
     * NULL: the population ranked by fitness (rank,index,fitness,...). */
    int (*write_csv)(const hr_evo *evo, FILE *f, const char *const *gene_names);

    /* Allocates evo->state for evo->cfg, in the initial state. HR_ENOMEM. */
    int (*create)(hr_evo *evo);
    /* Frees evo->state (may be NULL). */
    void (*destroy)(hr_evo *evo);
    /* Returns the state to the initial one. */
    void (*init)(hr_evo *evo);
    /* The most genomes one iteration proposes (sizes the batch buffers). */
    long (*batch_max)(const hr_evo *evo);
    /* Writes this iteration's new genomes (generation evo->generations) to
     * genomes[count * ngenes]; returns count. Genome i draws only from
     * hr_evo_rng_stream(seed, generation, i). */
    long (*propose)(hr_evo *evo, double *genomes);
    /* Merges the evaluated batch (fitness count x nobj, -INFINITY for
     * failures) into the state, in index order. HR_OK or HR_ENOMEM with the
     * state unchanged. */
    int (*absorb)(hr_evo *evo, long count, const double *genomes, const double *fitness,
                  const double *desc);
    /* Individuals held, and access to them (see hr_evo_size/individual). */
    long (*size)(const hr_evo *evo);
    void (*individual)(const hr_evo *evo, long i, const double **genome, double *fitness,
                       const double **desc, long *cell);
    /* Appends the state to a checkpoint payload / reads it back (HR_ECORRUPT
     * with a message naming `path` and the fault, HR_ENOMEM). */
    void (*save)(const hr_evo *evo, struct hr__evo_buf *b);
    int (*load)(hr_evo *evo, struct hr__evo_reader *r, const char *path);
} hr_optimizer_type;

/* Registers an algorithm (checks its version and operations). */
int hr_optimizer_register(const hr_optimizer_type *t);

/* The registered algorithm of id `kind`, or NULL. */
const hr_optimizer_type *hr__evo_type_of(int kind);

/* CSV helpers shared by the writers: ",name" per gene (gene_N if no names)
 * and ",%.17g" per value. */
void hr__evo_csv_gene_header(FILE *f, const hr_evo *evo, const char *const *gene_names);
void hr__evo_csv_values(FILE *f, const double *v, int n);

extern const hr_optimizer_type hr_optimizer_ga;
extern const hr_optimizer_type hr_optimizer_map_elites;

/* Shared by the algorithms' compare_config: raises the "written with X = a,
 * the configuration has X = b" error. */
#define HR__EVO_DIFF(path, fmt, name, sv, ev)                                                \
    HR_ERROR(HR_EINVAL,                                                                      \
             "checkpoint '%s' was written with %s = " fmt ", the configuration has %s = " fmt \
             "; resume with the same settings or start a new run",                            \
             path, name, sv, name, ev)

#endif
