/* evolve_internal.h — the inside of the evolution engine: the optimiser
 * object and its helpers. Not for use outside evolve/ and its tests; an
 * algorithm's own file needs only evolve/optimizer.h and this. */
#ifndef HR_EVO_INTERNAL_H
#define HR_EVO_INTERNAL_H

#include "evolve/optimizer.h"
#include "base/atomic.h"

#include <stdint.h>
#include <stdio.h>

/* The optimiser object. */
struct hr_evo {
    hr_evo_config cfg;             /* configuration; arrays point to the copies below */
    double *lo, *hi;               /* gene bounds (ngenes) */
    int *bins;                     /* MAP-Elites bins per dimension (ndesc), or NULL */
    double *desc_lo, *desc_hi;     /* MAP-Elites grid edges (ndesc), or NULL */
    const hr_optimizer_type *ops;  /* the algorithm */
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
    double *batch_fitness;         /* batch_cap * nobj */
    long batch_count;              /* genomes asked in the batch in flight (0: none) */
    unsigned char *params;         /* copy of cfg.params (params_size bytes) */
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
