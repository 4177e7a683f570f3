/* evolve_internal.h — the inside of the evolution engine: the optimiser
 * object, the table each algorithm fills (the GSL gsl_rng_type style), and
 * the little-endian serialisation helpers of the checkpoint format. Not for
 * use outside evolve/ and its tests. */
#ifndef HR_EVO_INTERNAL_H
#define HR_EVO_INTERNAL_H

#include "evolve/evolve.h"
#include "base/atomic.h"

#include <stdint.h>
#include <stdio.h>

/* Room for one failed evaluation's message. */
#define HR__EVO_MSG 512

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

/* An algorithm: a const table of operations on hr_evo's state, versioned so
 * it can grow (like SQLite's sqlite3_io_methods). All run on the master
 * thread. `evo->state` belongs to the algorithm. */
struct hr__evo_ops {
    int version;      /* 1 */
    const char *name; /* "ga", "map-elites" */
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
    /* Merges the evaluated batch (fitness -INFINITY for failures) into the
     * state, in index order. HR_OK or HR_ENOMEM with the state unchanged. */
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
};

extern const struct hr__evo_ops hr__evo_ga_ops;
extern const struct hr__evo_ops hr__evo_map_elites_ops;

/* The optimiser object. */
struct hr_evo {
    hr_evo_config cfg;             /* configuration; arrays point to the copies below */
    double *lo, *hi;               /* gene bounds (ngenes) */
    int *bins;                     /* MAP-Elites bins per dimension (ndesc), or NULL */
    double *desc_lo, *desc_hi;     /* MAP-Elites grid edges (ndesc), or NULL */
    const struct hr__evo_ops *ops; /* the algorithm */
    void *state;                   /* the algorithm's state */

    long generations;              /* generations/batches completed */
    long evaluations;              /* evaluations done */
    long failures;                 /* failed evaluations among them */
    double elapsed;                /* seconds of hr_evo_run in finished sessions */
    int has_best;                  /* 1 once an evaluation succeeded */
    double best_fitness;           /* best fitness ever (-INFINITY if none) */
    double *best_genome;           /* its genome (ngenes) */
    double *best_desc;             /* its descriptor (ndesc, NULL if 0) */

    long batch_cap;                /* capacity of the batch buffers */
    double *batch_genomes;         /* batch_cap * ngenes */
    double *batch_fitness;         /* batch_cap */
    double *batch_desc;            /* batch_cap * ndesc (NULL if 0) */
    int *batch_status;             /* per individual: 0 ok, else the status */
    int *batch_done;               /* per individual: evaluated (not skipped) */
    char *batch_msg;               /* batch_cap * HR__EVO_MSG failure messages */
};

/* Allocates a zeroed optimiser with copies of cfg's arrays (cfg checked by
 * the caller) and the best/batch buffers, without the algorithm state.
 * Used by hr_evo_create and hr_evo_load. */
int hr__evo_alloc(const hr_evo_config *cfg, hr_evo **out);

/* Writes to order[0..n) the indices sorted by fitness, best first, ties by
 * index (fitness never NaN). HR_OK or HR_ENOMEM. */
int hr__evo_rank(const double *fitness, long n, long *order);

#endif
