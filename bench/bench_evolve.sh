#!/bin/sh
# bench_evolve.sh — the reference study's search protocol, timed: MAP-Elites
# with 2,000 uniform random genomes then 8,000 mutants (sigma 0.1 on every
# gene) on XNOR with amplitude encoding, descriptors (mean, std) of genes
# c..f on a 50 x 50 grid, fitness |det X| as the reference, all cores.
# The reference code needs ~10,000 x 19 s of CPU for this (hours on 12
# workers); the target is under 5 minutes on a 2-core machine.
# Usage: bench/bench_evolve.sh [HYDRORES] [EVALUATIONS]
set -eu
H=${1:-${HYDRORES:-build/hydrores}}
N=${2:-10000}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
threads=$(nproc)
start=$(date +%s.%N)
$H evolve configs/xnor-amplitude.xml --out "$T/run" --quiet --max-evals "$N" \
    --set evolve.random=2000 --set evolve.batch=100 --set evolve.bins=50 \
    --set evolve.descriptor=genes --set evolve.descriptor_genes="2 3 4 5" --set evolve.seed=1 \
    >"$T/log" 2>&1 || { cat "$T/log"; exit 1; }
end=$(date +%s.%N)
awk -v s="$start" -v e="$end" -v n="$N" -v th="$threads" 'BEGIN {
    t = e - s;
    printf "MAP-Elites, reference protocol (%d evaluations, XNOR amplitude, %d threads)\n", n, th;
    printf "  wall time              %8.1f s   (target < 300 s)\n", t;
    printf "  evaluations per second %8.1f\n", n / t;
    printf "  reference CPU time     %8.0f s   (%d x 19 s)\n", n * 19, n;
    printf "  speed-up vs reference  %8.0f x   (CPU-seconds of the reference / wall seconds here)\n", n * 19 / t;
}'
grep -E "^\s+(\|det X\||fitness)" "$T/log" | sed 's/^/  /'
awk -F, 'NR > 1 { filled = $8; cov = $9 } END { printf "  archive                %8d cells filled (%.1f%% of 2500)\n", filled, 100 * cov }' "$T/run/generations.csv"
