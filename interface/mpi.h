/* mpi.h — evolution across machines with MPI (Open MPI; the build with
 * `make MPI=1`, binary build/mpi/hydrores). Rank 0 runs the command, the
 * optimiser and every file; the other ranks only evaluate. Within a batch,
 * genomes go out in chunks to whichever rank asks (a work queue: evaluation
 * times differ), each rank evaluating its chunk on its OpenMP threads with
 * its own workers and trace caches, and rank 0 evaluating too on threads of
 * its own while its main thread serves the queue. Results are put back by
 * index, so an MPI run is byte-identical to a one-process run of the same
 * seed, for any number of ranks and threads. A serial substrate (one
 * physical tank) stays one queue on rank 0.
 *
 * Without MPI (the normal build) these are stubs: one rank, nothing sent. */
#ifndef HR_MPI_H
#define HR_MPI_H

#include "evolve/evolve.h"
#include "reservoir/experiment.h"
#include <stdatomic.h>

/* Starts MPI if this build has it (from main). Returns this process's rank. */
int hr_mpi_init(int *argc, char ***argv);

/* This process's rank and the number of ranks (0 and 1 without MPI). */
int hr_mpi_rank(void);
int hr_mpi_size(void);

/* Rank 0, `evolve`, once everything is checked: sends the resolved
 * experiment and the threads per rank to the other ranks, which set up
 * their workers and wait for work. The evaluations other ranks finish are
 * added to *counted as their results arrive (for the progress line; NULL:
 * not counted); rank 0's own go through its evaluator as without MPI. */
int hr_mpi_evolve_begin(const hr_experiment *e, int threads, atomic_long *counted);

/* The batch evaluator of an MPI evolution (hr_evo_evaluator.batch, with
 * ctx = the per-genome evaluator rank 0 evaluates with locally). */
int hr_mpi_batch(void *ctx, hr_evo_batch *batch, volatile sig_atomic_t *stop);

/* Ranks > 0: receive the experiment, evaluate chunks until rank 0 is done.
 * Returns the process exit status. */
int hr_mpi_worker_main(void);

/* Ends the MPI part of a command (rank 0: tells the other ranks to stop,
 * whether or not the evolution began) and MPI itself. */
void hr_mpi_finish(void);

#endif
