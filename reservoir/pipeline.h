/* pipeline.h — evaluating an experiment, stage by stage:
 *
 *   task ──samples──▶ encoder ──stimulus──▶ substrate ──traces──▶ readout ──X──▶ fitness
 *   tasks/task_kind.h  reservoir/encoder.h   reservoir/substrate.h reservoir/readout.h
 *                                                                  reservoir/linreg.h
 *                                                                  reservoir/fitness.h
 *
 * A worker is one evaluation context (one per thread): its own substrate
 * instance (or, for a HR_SUBSTRATE_SERIAL kind, a share of one instance
 * whose runs are queued behind a lock), a copy of the experiment to decode
 * genomes into, each part's settings decoded into typed structs, and a small
 * trace cache keyed by stimulus (genes that only move readout times cost no
 * new simulation; off for HR_SUBSTRATE_NONDETERMINISTIC kinds). */
#ifndef HR_PIPELINE_H
#define HR_PIPELINE_H

#include "reservoir/experiment.h"
#include "tasks/tasks.h"

/* Most objectives a fitness kind may return. */
#define HR_MAX_OBJECTIVES 8

/* Everything one evaluation produces. Arrays are owned by the result. */
typedef struct hr_result {
    int nrows, ncols;      /* readout matrix X: training samples x features */
    double *x;             /* nrows * ncols */
    int nheld;             /* held-out rows */
    double *xh;            /* nheld * ncols */
    int nin;               /* input values per sample */
    double *in, *inh;      /* training / held-out inputs (nrows x nin, nheld x nin) */
    int nout;              /* targets per sample */
    double *y, *yh;        /* training / held-out targets */
    double *pred, *predh;  /* trained linear readout's predictions */
    double *weights;       /* trained readout weights, (ncols + bias) x nout, row-major
                              (rows: features, then the intercept if bias); NULL if
                              no readout was trained */
    int bias;              /* 1: the last row of weights is the intercept */
    double det_abs;        /* |det X| (square X; NaN otherwise) */
    double logdet;         /* log|det X| (square X; NaN otherwise) */
    double logdet_gram;    /* log det(X^T X + lambda I) */
    double kernel_rank;    /* numerical rank of X */
    double gen_rank;       /* effective rank (Roy & Vetterli) */
    double cond;           /* condition number of X */
    double lambda;         /* ridge lambda used (0: least squares) */
    char score_name[16];   /* "accuracy", "nrmse" or "mc" ("none": not scored) */
    int score_higher;      /* 1 if a higher score is better */
    double score_train;    /* score on the training samples */
    double score;          /* score on held-out samples (training if none) */
    double fitness;        /* the configured fitness (maximised): objectives[0] */
    int nobj;              /* objectives of the fitness kind */
    double objectives[HR_MAX_OBJECTIVES]; /* each maximised */
    hr_traces *traces;     /* per simulated run (ntraces), if kept */
    int ntraces;
    double **snapshots;    /* per run: the surface at its end (snap_nx * snap_ny), if asked */
    int snap_nx, snap_ny;
} hr_result;

void hr_result_free(hr_result *r);

typedef struct hr_worker hr_worker;

/* Creates a worker for experiment `e` (copied). Serial (opens a substrate). */
int hr_worker_create(hr_worker **out, const hr_experiment *e);

/* Creates a worker like hr_worker_create, but if the substrate kind is
 * HR_SUBSTRATE_SERIAL it shares `peer`'s instance (runs queued behind one
 * lock) instead of opening another. peer may be NULL. */
int hr_worker_create_peer(hr_worker **out, const hr_experiment *e, hr_worker *peer);

void hr_worker_destroy(hr_worker *w);

enum hr_eval_flags {
    HR_EVAL_TRACES = 1,      /* keep the traces of every run in the result */
    HR_EVAL_FITNESS_ONLY = 2 /* only what the fitness needs: with a separability fitness
                                the held-out rows are not simulated and no readout is
                                trained (what evolution uses) */
};

/* Evaluates with the given genome (NULL: the experiment as configured);
 * flags from hr_eval_flags. On failure the result's fitness is -INFINITY. */
int hr_worker_evaluate(hr_worker *w, const double *genome, int flags, hr_result *res);

/* Runs the substrate on every stimulus of the task (as configured) and
 * returns the traces (no readout, no metrics); with `snapshots`, also the
 * surface at the end of every run (substrates that have one). */
int hr_worker_simulate(hr_worker *w, int snapshots, hr_result *res);

/* The encoded source amplitudes of all training samples for the genome of
 * the last evaluate (the reference's regression descriptor): up to `max`
 * values into out, their number in *n. */
int hr_worker_amplitudes(hr_worker *w, double *out, int max, int *n);

/* Cache statistics: lookups and hits since creation. */
void hr_worker_cache_stats(const hr_worker *w, long *lookups, long *hits);

/* The experiment as the worker holds it (genome applied after an evaluate). */
const hr_experiment *hr_worker_experiment(const hr_worker *w);

/* The worker's open substrate (shared for a serial kind), e.g. for its
 * costs, probe info or weights. Valid until the worker is destroyed or the
 * next evaluate re-opens it. */
const hr_substrate *hr_worker_substrate(const hr_worker *w);

/* The worker's task (as last made). */
const hr_task *hr_worker_task(const hr_worker *w);

#endif
