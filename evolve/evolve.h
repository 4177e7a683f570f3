/* evolve.h — the evolution engine: optimisers over real-valued genomes
 * (generational GA, MAP-Elites), generic over the fitness function, as
 * initialise / iterate / test with the whole state in one checkpointable
 * object, evaluated in parallel with results independent of thread count.
 *
 * Typical use (the CLI's shape):
 *
 *     hr_evo_config cfg;
 *     hr_evo_config_default(&cfg, HR_EVO_MAP_ELITES, ngenes);
 *     cfg.seed = 2385;
 *     hr_evo *evo;
 *     int resumed;
 *     status = hr_evo_open(&cfg, "out/checkpoint.bin", &evo, &resumed);
 *     hr_evo_evaluator ev = {.eval = my_fitness, .ctx = pipeline, .nthreads = 2};
 *     hr_evo_run_options opt = {.budget = {.max_evaluations = 10000},
 *                               .checkpoint = "out/checkpoint.bin",
 *                               .stop = &stop_flag, .progress = show, ...};
 *     status = hr_evo_run(evo, &ev, &opt, &why);    // HR_OK or HR_EINTERRUPT
 *     hr_evo_write_csv(evo, "out/archive.csv", gene_names);
 *     hr_evo_destroy(evo);
 *
 * Fitness is maximised. Genes live in per-gene bounds [lo_i, hi_i] ([0, 1] by
 * default; the pipeline maps gene g to target = lo + (hi - lo) g).
 *
 * Determinism: every random draw of individual i in generation (or batch) g
 * comes from hr_evo_rng_stream(seed, g, i); the new individuals are made
 * serially before evaluation and merged serially in index order after it, so
 * given a deterministic fitness function the run is a function of the
 * configuration alone: not of the thread count, not of interruptions and
 * resumptions. */
#ifndef HR_EVO_EVOLVE_H
#define HR_EVO_EVOLVE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/params.h"

/* Limits enforced by validation (they bound memory and checkpoint sizes). */
#define HR_EVO_MAX_GENES 65536L       /* genes per genome */
#define HR_EVO_MAX_DESC 16            /* descriptor dimensions */
#define HR_EVO_MAX_POPULATION 16777216L /* GA population, MAP-Elites batch */
#define HR_EVO_MAX_CELLS 16777216L    /* MAP-Elites grid cells in total */

/* The optimiser algorithms that ship with hydrores, by their id (the value
 * stored in checkpoints). Every algorithm is a registered kind of class
 * HR_CLASS_OPTIMIZER (evolve/evolve_internal.h's hr_optimizer_type), found
 * by this id or by its name; others (CMA-ES, NSGA-II) register further ids
 * the same way, so `kind` holds any registered id. */
enum hr_evo_kind {
    HR_EVO_GA = 1,         /* generational genetic algorithm */
    HR_EVO_MAP_ELITES = 2, /* MAP-Elites over a grid of descriptors */
};

/* Most objectives a multi-objective optimiser handles. */
#define HR_EVO_MAX_OBJ 8

/* Bytes of kind-specific parameters a configuration may carry. */
#define HR_EVO_MAX_PARAMS 1024

/* GA crossover operators (see evolve/operators.h). */
enum hr_evo_crossover {
    HR_EVO_BLX = 1, /* blend crossover BLX-alpha */
    HR_EVO_SBX = 2, /* simulated binary crossover, bounded */
};

/* Why a run stopped (hr_evo_test, hr_evo_run). */
enum hr_evo_stop {
    HR_EVO_CONTINUE = 0,        /* not stopped: the budget allows more */
    HR_EVO_MAX_EVALUATIONS = 1, /* evaluations >= max_evaluations */
    HR_EVO_MAX_GENERATIONS = 2, /* generations (batches) >= max_generations */
    HR_EVO_TIME_LIMIT = 3,      /* this session ran for >= time_limit seconds */
    HR_EVO_INTERRUPTED = 4,     /* the stop flag was raised */
};

/* The optimiser's configuration. Arrays are borrowed only during
 * hr_evo_create / hr_evo_load / hr_evo_open: the optimiser keeps copies.
 * Fill with hr_evo_config_default, then change what differs. Every field the
 * algorithm uses is part of the run's identity: a checkpoint resumes only
 * under a configuration equal in all of them (thread count and budget are
 * not here, so they may change between sessions). */
typedef struct hr_evo_config {
    enum hr_evo_kind kind;  /* the algorithm */
    int ngenes;             /* genes per genome, [1, HR_EVO_MAX_GENES] */
    const double *lo;       /* lower bound per gene (ngenes), or NULL: 0 */
    const double *hi;       /* upper bound per gene (ngenes), or NULL: 1;
                               finite, lo_i <= hi_i (equal fixes the gene) */
    uint64_t seed;          /* the run's seed: all randomness derives from it */
    int ndesc;              /* descriptor dimensions the evaluation returns:
                               [1, HR_EVO_MAX_DESC] for MAP-Elites,
                               [0, HR_EVO_MAX_DESC] for the GA (carried along) */
    double mutation_rate;   /* probability that a gene mutates, [0, 1];
                               1 mutates every gene (the reference) */
    double mutation_sigma;  /* Gaussian sigma as a fraction of the gene's range,
                               [0, 10]; reference 0.1 */

    /* Generational GA. */
    int population;         /* individuals per generation, [2, HR_EVO_MAX_POPULATION] */
    int elites;             /* best individuals copied unchanged, [0, population-1] */
    int tournament;         /* tournament size, [1, population] */
    enum hr_evo_crossover crossover; /* crossover operator */
    double crossover_rate;  /* probability a child comes from crossover, [0, 1] */
    double blx_alpha;       /* BLX-alpha's alpha, [0, 10] */
    double sbx_eta;         /* SBX distribution index, [0, 1000] */

    /* MAP-Elites. */
    int batch;              /* evaluations per batch, [1, HR_EVO_MAX_POPULATION];
                               the batch, not the thread count, fixes the result */
    long initial;           /* uniform random genomes before mutants start, >= 0 */
    const int *bins;        /* bins per descriptor dimension (ndesc), each >= 1;
                               product <= HR_EVO_MAX_CELLS */
    const double *desc_lo;  /* lower edge of the grid per dimension (ndesc) */
    const double *desc_hi;  /* upper edge per dimension (ndesc), > desc_lo */

    /* Any algorithm. */
    int nobj;               /* objectives per evaluation, [1, HR_EVO_MAX_OBJ]; the
                               single-objective algorithms need 1; "best" and the
                               fitness statistics are about objective 0 */
    const void *params;     /* the algorithm's own parameters (a struct it defines,
                               params_size <= HR_EVO_MAX_PARAMS bytes, copied), or
                               NULL; GA and MAP-Elites use the named fields above */
    size_t params_size;
} hr_evo_config;

/* The evaluation callback: computes the fitness (to maximise; nobj values
 * for a multi-objective optimiser) and, when the
 * optimiser has ndesc > 0, the descriptor (ndesc values; NULL when ndesc = 0)
 * of one genome (ngenes values in bounds, read-only). `worker` in
 * [0, nthreads) names the calling thread, so the callee can use per-worker
 * resources (one solver per worker) without locks; two calls never run at the
 * same time with the same worker. *fitness and descriptor[] arrive as NaN.
 * Returns 0 on success or a status with hr_error_set'd message; a non-zero
 * status, a non-finite fitness or a non-finite descriptor make the genome a
 * failure: fitness -INFINITY, logged, never stored in a MAP-Elites archive.
 * The result must depend on the genome only (not on the worker) for runs to
 * be reproducible. */
typedef int (*hr_evo_eval_fn)(void *ctx, int worker, const double *genome, double *fitness,
                              double *descriptor);

/* A log sink: receives one line (no trailing newline) per failed evaluation,
 * always from the calling (master) thread, in evaluation order. */
typedef void (*hr_evo_log_fn)(void *ctx, const char *line);

/* Room for one failed evaluation's message in a batch. */
#define HR_EVO_MSG 512

/* The batch between ask and tell: what the optimiser proposed and where the
 * evaluator puts the results. The arrays belong to the optimiser and stay
 * valid until the next ask or destroy. */
typedef struct hr_evo_batch {
    long generation;       /* generation/batch index being evaluated */
    long count;            /* genomes in the batch */
    int ngenes, nobj, ndesc;
    const double *genomes; /* count x ngenes */
    double *fitness;       /* count x nobj, NaN until evaluated */
    double *desc;          /* count x ndesc (NULL if ndesc = 0), NaN until evaluated */
    int *status;           /* per genome: 0 ok, else the failure's status */
    int *done;             /* per genome: 1 once evaluated (a skipped one stays 0) */
    char *msg;             /* per genome: HR_EVO_MSG bytes, the failure's reason */
} hr_evo_batch;

/* A batch evaluator: evaluates genomes [0, count) of `batch` (in any order,
 * on any threads, ranks or machines), setting fitness, desc, status, done
 * and msg of each (hr_evo_batch_eval or hr_evo_batch_record do it right).
 * If *stop >= 2 (stop may be NULL) it may leave genomes not yet started
 * undone. Returns HR_OK, or a status if the evaluator itself broke (a lost
 * rank): the batch is then discarded. */
typedef int (*hr_evo_batch_fn)(void *ctx, hr_evo_batch *batch, volatile sig_atomic_t *stop);

/* How to evaluate. Not part of the run's identity (not checkpointed). */
typedef struct hr_evo_evaluator {
    hr_evo_eval_fn eval; /* the fitness function; required */
    void *ctx;           /* passed to eval */
    int nthreads;        /* OpenMP threads (workers), >= 1; 0 means 1 */
    hr_evo_log_fn log;   /* failure log, or NULL: lines go to stderr */
    void *log_ctx;       /* passed to log */
    hr_evo_batch_fn batch; /* how a batch is evaluated, or NULL: the OpenMP loop
                              (hr_evo_eval_openmp) over eval with nthreads */
    void *batch_ctx;     /* passed to batch */
} hr_evo_evaluator;

/* Evaluates genome i of the batch with ev->eval on worker `worker` and
 * records the result: fitness and descriptor, or the failure (a non-zero
 * status, a non-finite fitness or descriptor) with its reason. */
void hr_evo_batch_eval(hr_evo_batch *batch, long i, const hr_evo_evaluator *ev, int worker);

/* Records genome i's result obtained elsewhere (another MPI rank): status 0
 * with nobj fitness values and ndesc descriptor values, or a failure status
 * and its message (fitness and desc ignored). Non-finite values become a
 * failure, as in hr_evo_batch_eval. */
void hr_evo_batch_record(hr_evo_batch *batch, long i, int status, const double *fitness,
                         const double *desc, const char *msg);

/* The default batch evaluator: an OpenMP loop (schedule(dynamic, 1):
 * evaluations may take very different times) over ev->eval on ev->nthreads
 * threads. */
int hr_evo_eval_openmp(const hr_evo_evaluator *ev, hr_evo_batch *batch,
                       volatile sig_atomic_t *stop);

/* A log sink for hr_evo_evaluator.log that appends the line and a newline to
 * the FILE * given as ctx and flushes it. */
void hr_evo_log_to_file(void *file, const char *line);

/* The budget of a run; a limit of 0 means none. */
typedef struct hr_evo_budget {
    long max_evaluations; /* stop once this many evaluations are done (over all
                             sessions); checked between generations/batches,
                             so the last one may go beyond it */
    long max_generations; /* stop after this many generations (GA, the random
                             initial population is generation 0) or batches
                             (MAP-Elites), over all sessions */
    double time_limit;    /* stop after this many seconds of this session */
} hr_evo_budget;

/* A progress report, passed to the per-generation callback and used by the
 * formatter and the CSV writer. Fitness statistics are over the current
 * population (GA) or archive (MAP-Elites), finite values only, NaN when
 * there is none. */
typedef struct hr_evo_progress {
    enum hr_evo_kind kind;  /* the algorithm */
    long generation;        /* index of the generation/batch just completed (from 0) */
    long generations;       /* generations/batches completed (generation + 1) */
    long evaluations;       /* evaluations done, over all sessions */
    long failures;          /* failed evaluations among them */
    double best;            /* best fitness now held */
    double mean;            /* mean fitness now held */
    double worst;           /* worst finite fitness now held */
    double best_ever;       /* best fitness ever evaluated (-INFINITY if none) */
    long filled;            /* MAP-Elites: cells holding an elite; GA: population */
    long cells;             /* MAP-Elites: cells in the grid; GA: population */
    double coverage;        /* filled / cells */
    double qd_score;        /* sum of the held fitnesses (finite only) */
    double elapsed;         /* seconds of this session */
    double elapsed_total;   /* seconds over all sessions */
    double evals_per_s;     /* evaluations per second in this session */
    double eta;             /* seconds to the nearest budget limit, -1 unknown */
    long max_evaluations;   /* the budget, for display (0 none) */
    long max_generations;   /* the budget, for display (0 none) */
} hr_evo_progress;

/* The per-generation callback: called on the master thread after each
 * generation/batch (after its checkpoint, if one was due). */
typedef void (*hr_evo_progress_fn)(void *ctx, const hr_evo_progress *p);

/* Options of hr_evo_run. Zero-initialise, then set what is wanted. */
typedef struct hr_evo_run_options {
    hr_evo_budget budget;         /* at least one limit, or a stop flag */
    const char *checkpoint;       /* checkpoint path, or NULL for none */
    int checkpoint_every;         /* generations/batches between checkpoints
                                     (0 means 1); one is always written at the end */
    volatile sig_atomic_t *stop;  /* stop flag or NULL: 1 finishes the current
                                     generation/batch, checkpoints, returns
                                     HR_EINTERRUPT; >= 2 also abandons the batch
                                     in flight (skips evaluations not yet started,
                                     discards it: a resume redoes it) */
    hr_evo_progress_fn progress;  /* per-generation callback, or NULL */
    void *progress_ctx;           /* passed to progress */
} hr_evo_run_options;

/* An optimiser: configuration, state, counters. Opaque. */
typedef struct hr_evo hr_evo;

/* Fills *cfg with defaults for `kind` and `ngenes` genes in [0, 1], seed 1.
 * GA: population 50, 2 elites, tournament 3, SBX (eta 15) at rate 0.9,
 * BLX alpha 0.5, Gaussian mutation rate 1/ngenes, sigma 0.1.
 * MAP-Elites (the reference): 2000 initial random genomes, batches of 100,
 * sigma 0.1 on every gene, 2 descriptors on 50 x 50 bins over [0, 1]^2
 * (static arrays; point bins/desc_lo/desc_hi elsewhere to change them). */
void hr_evo_config_default(hr_evo_config *cfg, enum hr_evo_kind kind, int ngenes);

/* Checks *cfg; HR_OK, or HR_EINVAL naming the field, its value and the
 * allowed range. */
int hr_evo_config_check(const hr_evo_config *cfg);

/* Creates an optimiser in its initial state (no generation done). On
 * success *out owns it (free with hr_evo_destroy); on failure *out is NULL.
 * HR_EINVAL for a bad configuration, HR_ENOMEM. */
int hr_evo_create(const hr_evo_config *cfg, hr_evo **out);

/* Frees the optimiser; NULL is a no-op. */
void hr_evo_destroy(hr_evo *evo);

/* Initialise: returns the optimiser to its initial state (forgets every
 * evaluation, counter and elite; keeps the configuration). */
void hr_evo_init(hr_evo *evo);

/* Ask: proposes the next generation/batch (serially, each genome from its
 * own random stream) and fills *batch with it, results unset. HR_OK. */
int hr_evo_ask(hr_evo *evo, hr_evo_batch *batch);

/* Tell: merges the asked batch, all of it evaluated, into the state in index
 * order, logs each failure through ev->log (ev may be NULL: stderr), and
 * counts the generation. HR_EINTERRUPT (state unchanged) if some genome was
 * not evaluated; HR_ENOMEM with the state unchanged. */
int hr_evo_tell(hr_evo *evo, const hr_evo_evaluator *ev);

/* Iterate: one generation (GA) or batch (MAP-Elites): ask, evaluate with
 * ev's batch evaluator (the OpenMP loop by default), tell. Makes the new
 * genomes, evaluates them with ev (in parallel), merges them into the state.
 * A failed evaluation never stops it. `stop` may be NULL; if *stop >= 2
 * evaluations not yet started are skipped and the batch is discarded (state
 * unchanged, HR_EINTERRUPT). HR_OK, HR_EINVAL (bad evaluator), HR_ENOMEM;
 * the state is unchanged on any error. */
int hr_evo_iterate(hr_evo *evo, const hr_evo_evaluator *ev, volatile sig_atomic_t *stop);

/* Test: whether the budget is used up, given the seconds this session has
 * run; HR_EVO_CONTINUE (0) if not. NULL budget: never stops. */
enum hr_evo_stop hr_evo_test(const hr_evo *evo, const hr_evo_budget *budget, double elapsed);

/* The run driver: iterates until the budget is used up or the stop flag is
 * raised, checkpointing every checkpoint_every generations and at the end,
 * calling the progress callback after each generation. *why (may be NULL)
 * gets the reason. Returns HR_OK (budget reached), HR_EINTERRUPT (stop
 * flag; state checkpointed), HR_EINVAL (no limit and no stop flag; bad
 * evaluator), HR_EIO (a checkpoint could not be written: the previous one is
 * intact, the run stops), HR_ENOMEM. */
int hr_evo_run(hr_evo *evo, const hr_evo_evaluator *ev, const hr_evo_run_options *opt,
               enum hr_evo_stop *why);

/* --- Algorithms as registered kinds --- */

/* A configuration with the storage its arrays point into, filled from an
 * <evolve> section by hr_evo_setup_from. */
typedef struct hr_evo_setup {
    hr_evo_config cfg;                /* the configuration */
    int bins[HR_EVO_MAX_DESC];        /* storage for cfg.bins */
    double desc_lo[HR_EVO_MAX_DESC];  /* storage for cfg.desc_lo */
    double desc_hi[HR_EVO_MAX_DESC];  /* storage for cfg.desc_hi */
    _Alignas(16) unsigned char params[HR_EVO_MAX_PARAMS]; /* storage for cfg.params */
} hr_evo_setup;

/* Fills setup->cfg for `ngenes` genes (bounds [0, 1]) from a settings
 * section whose kind names a registered algorithm: that algorithm's
 * defaults, then its settings (seed, sigma, population, ...). HR_EINVAL for
 * an unknown kind or settings it refuses (the message says which). */
int hr_evo_setup_from(hr_evo_setup *setup, const hr_section *settings, int ngenes);

/* The algorithm's name ("ga", "map-elites") and the label used in messages
 * ("GA", "MAP-Elites") of a kind id; "unknown" if none is registered. */
const char *hr_evo_kind_name(int kind);
const char *hr_evo_kind_label(int kind);

/* --- Checkpoints (format in evolve/checkpoint.c's header comment) --- */

/* Writes the whole state to `path` atomically: a temporary file in the same
 * directory, written, flushed and fsync'd, renamed over `path`, then the
 * directory fsync'd. On failure (HR_EIO, HR_ENOMEM) the file at `path`, if
 * any, is untouched and the temporary file removed. */
int hr_evo_save(const hr_evo *evo, const char *path);

/* Reads a checkpoint into a new optimiser (*out, NULL on failure). If
 * `expect` is not NULL the checkpoint's configuration must equal it in every
 * field its algorithm uses (HR_EINVAL naming the first field that differs);
 * NULL accepts the stored configuration. HR_EIO (cannot open or read),
 * HR_ECORRUPT (bad magic, truncated, checksum mismatch, inconsistent
 * content: the message names the file and the fault), HR_ENOTSUP (a format
 * version this build does not read), HR_ENOMEM. */
int hr_evo_load(const char *path, const hr_evo_config *expect, hr_evo **out);

/* Resumes from `checkpoint` if that file exists (hr_evo_load with cfg as
 * expect, *resumed = 1), else creates a fresh optimiser (*resumed = 0).
 * checkpoint may be NULL (always fresh). A corrupt checkpoint is an error,
 * never silently replaced. */
int hr_evo_open(const hr_evo_config *cfg, const char *checkpoint, hr_evo **out, int *resumed);

/* --- Access --- */

/* The optimiser's configuration (arrays owned by evo, valid until destroy). */
const hr_evo_config *hr_evo_get_config(const hr_evo *evo);

/* Generations (GA) or batches (MAP-Elites) completed. */
long hr_evo_generations(const hr_evo *evo);

/* Evaluations done, and failed evaluations among them. */
long hr_evo_evaluations(const hr_evo *evo);
long hr_evo_failures(const hr_evo *evo);

/* Seconds spent in hr_evo_run over all earlier sessions (restored from a
 * checkpoint; informational, not part of the result). */
double hr_evo_elapsed(const hr_evo *evo);

/* The best genome ever evaluated: copies it to genome (ngenes, may be NULL),
 * its fitness to *fitness and descriptor to descriptor (ndesc, may be NULL).
 * Ties keep the earliest. HR_OK, or HR_ERANGE if no evaluation succeeded yet
 * (*fitness = -INFINITY then). */
int hr_evo_best(const hr_evo *evo, double *genome, double *fitness, double *descriptor);

/* Individuals held: the population (GA; 0 before generation 0) or the
 * filled cells (MAP-Elites). */
long hr_evo_size(const hr_evo *evo);

/* Individual i in [0, hr_evo_size): GA: population member i; MAP-Elites:
 * the elite of the i-th cell to have been filled (the archive's own order,
 * in which mutation parents are drawn; hr_evo_cell gives cell order). Any output may be NULL; *cell gets the
 * cell index (MAP-Elites) or -1 (GA). HR_OK or HR_ERANGE. */
int hr_evo_individual(const hr_evo *evo, long i, double *genome, double *fitness,
                      double *descriptor, long *cell);

/* MAP-Elites: the cell of a descriptor: per dimension bin
 * floor((d - lo) / (hi - lo) * bins), clamped to [0, bins - 1] (values
 * outside the grid go to the edge bins), combined row-major (dimension 0
 * slowest). bin (ndesc, may be NULL) gets the per-dimension bins. Returns
 * the cell index, or -1 for a non-finite descriptor or a GA. */
long hr_evo_cell_of(const hr_evo *evo, const double *descriptor, int *bin);

/* MAP-Elites: the elite of `cell`: returns 1 and fills the outputs (any may
 * be NULL) if the cell is filled, 0 if empty, -1 if out of range or GA. */
int hr_evo_cell(const hr_evo *evo, long cell, double *genome, double *fitness,
                double *descriptor);

/* Fills *p's state fields (kind, generation(s), evaluations, failures,
 * fitness statistics, filled, cells, coverage, qd_score, elapsed_total);
 * timing and budget fields are zero (hr_evo_run fills them). */
void hr_evo_summary(const hr_evo *evo, hr_evo_progress *p);

/* Writes the held individuals as CSV, atomically (like hr_evo_save).
 * MAP-Elites: the archive in cell order,
 *     cell,bin_0..bin_{D-1},desc_0..desc_{D-1},fitness,<gene names>
 * GA: the population sorted by fitness (best first, ties by index),
 *     rank,index,fitness,desc_0..,<gene names>
 * gene_names: ngenes column names, or NULL for gene_0, gene_1, ...
 * Numbers are printed with %.17g (they read back exactly). HR_EIO, HR_ENOMEM. */
int hr_evo_write_csv(const hr_evo *evo, const char *path, const char *const *gene_names);

/* --- Progress display and generations.csv --- */

/* Formats a one-line progress display (no newline) into buf, e.g.
 *   "gen 41/100  evals 4200/10000  best 0.8123  mean 0.402  worst 0.0011
 *    fill 38.2%  51.3 ev/s  0:01:22  ETA 0:01:53"
 * Returns what snprintf returns (the length it wanted). */
int hr_evo_progress_format(const hr_evo_progress *p, char *buf, size_t size);

/* The header line (no newline) of generations.csv. */
const char *hr_evo_csv_header(void);

/* Opens generations.csv for appending rows. keep_below < 0: creates or
 * truncates it and writes the header. keep_below >= 0 (a resume; pass
 * hr_evo_generations(evo)): keeps the header and the rows whose generation
 * is < keep_below (rows written after the checkpoint, and a torn last line,
 * are dropped, so a resumed run does not repeat rows), rewriting the file
 * atomically; creates it if missing. HR_EIO, HR_EPARSE (existing file with
 * another header), HR_ENOMEM. *out is NULL on failure. */
int hr_evo_csv_open(const char *path, long keep_below, FILE **out);

/* Appends one row for *p and flushes. HR_OK or HR_EIO. */
int hr_evo_csv_row(FILE *f, const hr_evo_progress *p);

#endif
