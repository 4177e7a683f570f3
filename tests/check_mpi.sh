#!/bin/sh
# check_mpi.sh — evolution across MPI ranks (Open MPI, the MPI build): the
# results are those of one process, byte for byte, for any number of ranks
# and threads; a run stopped at 3 ranks resumes at 2; a rank killed mid-run
# ends the job with a message and an intact checkpoint, from which one
# process resumes to the uninterrupted result; SIGTERM to mpirun stops
# cleanly with a checkpoint. Environment: HYDRORES (the normal binary),
# HYDRORES_MPI (the MPI build's binary; skipped, and said so, if unset).
set -u
H=${HYDRORES:-build/hydrores}
M=${HYDRORES_MPI:-}
if [ -z "$M" ]; then
    echo "  skip MPI checks: no MPI build here (the sanitizer build has none)"
    exit 0
fi
if [ ! -x "$M" ] || ! command -v mpirun >/dev/null 2>&1; then
    echo "  FAIL the MPI build ($M) or mpirun is missing (make deps installs openmpi-bin and libopenmpi-dev)"
    exit 1
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
ok() { echo "  ok   $1"; }
bad() { echo "  FAIL $1"; fail=1; }
MR="mpirun --oversubscribe --allow-run-as-root --mca btl self,vader"
C=configs/xnor-amplitude.xml
S="--set substrate.n=256 --set evolve.random=100 --set evolve.batch=50 --set evolve.bins=10 --quiet --no-plots"
N=400
# same A B: archive.csv, best.xml and generations.csv without its timing columns.
same() {
    cmp -s "$1/archive.csv" "$2/archive.csv" && cmp -s "$1/best.xml" "$2/best.xml" &&
        [ "$(cut -d, -f1-10 "$1/generations.csv")" = "$(cut -d, -f1-10 "$2/generations.csv")" ]
}

$H evolve $C --out "$T/one" $S --seed 5 --max-evals $N --threads 1 >/dev/null 2>&1 || bad "the one-process run failed"
for th in 1 2; do
    $MR -np 3 "$M" evolve $C --out "$T/np3t$th" $S --seed 5 --max-evals $N --threads $th >"$T/log" 2>&1 ||
        { bad "mpirun -np 3 --threads $th failed: $(tail -3 "$T/log")"; continue; }
    same "$T/one" "$T/np3t$th" && ok "3 ranks x $th thread(s): byte-identical to one process" ||
        bad "3 ranks x $th thread(s) differ from one process"
done

# The progress line counts every rank's evaluations, not only rank 0's
# (which did about half of them here: the count stopped at 187 of 400).
HR_PROGRESS_EVERY=0.05 $MR -np 3 "$M" evolve $C --out "$T/hb" $(echo "$S" | sed 's/--quiet//') --seed 5 \
    --max-evals $N --threads 1 >/dev/null 2>"$T/hb.err"
k=$(grep -o "evals [0-9]*/$N" "$T/hb.err" | tr -dc '0-9/\n' | cut -d/ -f1 | sort -n | tail -1)
[ -n "$k" ] && [ "$k" -ge $((N * 3 / 4)) ] && ok "the progress line counts the other ranks' evaluations ($k of $N at its last report)" ||
    bad "the progress line reached ${k:-no count} of $N evaluations"

# Stopped at 3 ranks (time limit), resumed at 2.
$MR -np 3 "$M" evolve $C --out "$T/part" $S --seed 5 --max-evals $N --threads 1 --time-limit 0.01 >/dev/null 2>&1
g=$(($(wc -l <"$T/part/generations.csv") - 1))
$MR -np 2 "$M" evolve --resume "$T/part" --quiet --no-plots --threads 1 >/dev/null 2>&1 || bad "resume at 2 ranks failed"
[ "$g" -lt $((N / 50)) ] && same "$T/one" "$T/part" && ok "stopped at 3 ranks after $g batches, resumed at 2: the uninterrupted result" ||
    bad "resume across rank counts differs"

# A rank killed mid-run: the job ends non-zero, the checkpoint is intact.
$MR -np 3 "$M" evolve $C --out "$T/killed" $S --seed 5 --max-evals 4000 --threads 1 >"$T/k.log" 2>&1 &
job=$!
i=0
while [ $i -lt 400 ] && [ ! -f "$T/killed/checkpoint.bin" ]; do sleep 0.05; i=$((i + 1)); done
sleep 0.5
victim=$(pgrep -f "^$M evolve $C --out $T/killed" | sort -n | tail -1)
[ -n "$victim" ] && kill -9 "$victim"
wait $job
rc=$?
[ $rc -ne 0 ] && grep -qiE "signal|killed|exited" "$T/k.log" && ok "a rank killed mid-run: the job ends (exit $rc) with mpirun's message" ||
    bad "a killed rank did not end the job (exit $rc)"
$H evolve --resume "$T/killed" --max-evals $N --quiet --no-plots --threads 1 >"$T/r.log" 2>&1
if [ $? -eq 0 ]; then
    same "$T/one" "$T/killed" && ok "... and one process resumes from its checkpoint to the uninterrupted result" ||
        bad "the resume after a killed rank differs"
else
    # Killed beyond the budget's batches: the budget cannot shrink; compare the prefix instead.
    bad "resume after the killed rank failed: $(tail -2 "$T/r.log")"
fi

# SIGTERM to mpirun: rank 0 finishes the batch and checkpoints.
$MR -np 2 "$M" evolve $C --out "$T/term" $S --seed 5 --max-evals 4000 --threads 1 >"$T/t.log" 2>&1 &
job=$!
i=0
while [ $i -lt 400 ] && [ ! -f "$T/term/checkpoint.bin" ]; do sleep 0.05; i=$((i + 1)); done
kill -TERM $job
wait $job
grep -q "continue with: .*evolve --resume $T/term" "$T/t.log" && [ -f "$T/term/archive.csv" ] &&
    ok "SIGTERM to mpirun: a clean stop with a checkpoint and a resume hint" || bad "SIGTERM to mpirun: $(tail -2 "$T/t.log")"
exit $fail
