#!/bin/sh
# slurm-evolve.sh — an overnight evolution across a cluster with Slurm and
# Open MPI: 4 nodes, one MPI rank per node, every core of a node an OpenMP
# evaluation thread. Rank 0 runs the optimiser and writes every file; the
# other ranks evaluate. Submit with
#     sbatch configs/slurm-evolve.sh configs/tank-narma10.xml results/narma-evo
# and, if the job ended (time limit, a node lost), submit the same line with
# RESUME=1 to continue from the last checkpoint (any number of nodes):
#     RESUME=1 sbatch configs/slurm-evolve.sh configs/tank-narma10.xml results/narma-evo
#SBATCH --job-name=hydrores-evolve
#SBATCH --nodes=4
#SBATCH --ntasks-per-node=1
#SBATCH --cpus-per-task=32
#SBATCH --time=12:00:00
#SBATCH --signal=B:TERM@300
set -eu
CONFIG=$1
OUT=$2
HYDRORES=${HYDRORES:-build/mpi/hydrores}   # make MPI=1 PORTABLE=1 for mixed nodes
export OMP_NUM_THREADS=${SLURM_CPUS_PER_TASK:-1}
export OMP_PROC_BIND=spread OMP_PLACES=cores
# --signal above sends SIGTERM 5 minutes before the time limit: rank 0 then
# finishes the batch in flight, checkpoints and exits 130, so the next job
# resumes without losing work (size a batch to take well under 5 minutes).
if [ "${RESUME:-0}" = 1 ]; then
    exec srun --mpi=pmix "$HYDRORES" evolve --resume "$OUT" --threads "$OMP_NUM_THREADS"
else
    exec srun --mpi=pmix "$HYDRORES" evolve "$CONFIG" --out "$OUT" --threads "$OMP_NUM_THREADS"
fi
