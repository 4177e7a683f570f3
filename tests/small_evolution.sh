# small_evolution.sh — sourced by check_evolve.sh, check_results.sh and
# cross_builds.sh: the small, fast XNOR-amplitude evolution they share.
# SMALL: a coarse KdV grid, 100 random genomes, then batches of 50; N: the
# evaluations to run, 300. Under the sanitizers (HR_SANITIZED=1, .ci/run's
# second pass) 200 on a 128-point grid: the random phase and two batches, the
# same code at a quarter of the sanitizers' 5-7x cost; the first pass checks
# the same at 256 points and 300 evaluations.
N=300
KN=256
[ "${HR_SANITIZED:-0}" = 1 ] && N=200 && KN=128
SMALL="--set substrate.n=$KN --set evolve.random=100 --set evolve.batch=50 --set evolve.bins=10"
