#!/bin/sh
# bench_mpi.sh — parallel efficiency of the evolution on this machine: the
# tank XNOR experiment at 160 x 80 cells (about 0.5 s per evaluation on one
# core), 48 evaluations of the GA (population 16), with one thread, with
# OpenMP on 2 threads, and with 2 MPI ranks of 1 thread each (rank 0 also
# evaluates). Efficiency = (rate / one-thread rate) / workers. Needs the MPI
# build (make mpi); skipped without it.
set -eu
H=${HYDRORES:-build/hydrores}
M=${HYDRORES_MPI:-build/mpi/hydrores}
if [ ! -x "$M" ] || ! command -v mpirun >/dev/null 2>&1; then
    echo "bench_mpi: no MPI build ($M): skipped (make mpi)"
    exit 0
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
S="--set substrate.nx=160 --set substrate.ny=80 --set evolve.kind=ga --set evolve.population=16 --max-evals 48 --quiet --no-plots --seed 2"
rate() { # NAME CMD...: prints the evaluation rate
    name=$1
    shift
    t0=$(date +%s.%N)
    "$@" >/dev/null 2>&1
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", 48 / (b - a) }'
}
r1=$(rate one $H evolve configs/tank-xnor.xml --out "$T/a" $S --threads 1)
r2=$(rate omp $H evolve configs/tank-xnor.xml --out "$T/b" $S --threads 2)
r3=$(rate mpi mpirun --oversubscribe --allow-run-as-root --mca btl self,vader -np 2 "$M" evolve configs/tank-xnor.xml --out "$T/c" $S --threads 1)
cmp -s "$T/a/archive.csv" "$T/c/archive.csv" && same=yes || same=NO
awk -v r1="$r1" -v r2="$r2" -v r3="$r3" -v same="$same" 'BEGIN {
    printf "evolution of tank-xnor at 160 x 80 cells, 48 evaluations (load: see uptime)\n";
    printf "  %-28s %8s %10s\n", "", "eval/s", "efficiency";
    printf "  %-28s %8.2f %10s\n", "1 process, 1 thread", r1, "1";
    printf "  %-28s %8.2f %9.0f%%\n", "1 process, 2 OpenMP threads", r2, 100 * r2 / r1 / 2;
    printf "  %-28s %8.2f %9.0f%%\n", "2 MPI ranks x 1 thread", r3, 100 * r3 / r1 / 2;
    printf "  MPI result identical to one process: %s\n", same;
}'
uptime
