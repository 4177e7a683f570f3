#!/bin/sh
# check_evolve.sh — `hydrores evolve` end to end on the XNOR amplitude
# experiment (small budgets):
#  - an uninterrupted run and a run interrupted (SIGKILL, no chance to clean
#    up) then resumed end with byte-identical archive.csv and best.xml;
#  - SIGINT finishes the generation, checkpoints, exits 130, and resumes to
#    the same result;
#  - 1 and 2 threads give byte-identical results;
#  - `hydrores run DIR/best.xml` reproduces the best fitness exactly;
#  - a corrupt checkpoint is refused (exit 2) and left as it was;
#  - an existing --out is not replaced without --force.
set -u
H=${HYDRORES:-build/hydrores}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
ok() { echo "  ok   $1"; }
bad() { echo "  FAIL $1"; fail=1; }
C=configs/xnor-amplitude.xml
# The small, fast variant of tests/small_evolution.sh ($N evaluations).
. tests/small_evolution.sh
S="$SMALL --quiet"

$H evolve $C --out "$T/full" $S --max-evals $N --seed 7 --threads 2 >"$T/full.log" 2>&1 || { bad "uninterrupted run failed"; cat "$T/full.log"; }
[ -s "$T/full/archive.csv" ] && [ -s "$T/full/best.xml" ] && [ -s "$T/full/generations.csv" ] && [ -s "$T/full/summary.csv" ] \
    && ok "writes archive.csv, best.xml, generations.csv, summary.csv" || bad "missing outputs"
rows=$(($(wc -l <"$T/full/generations.csv") - 1))
[ "$rows" -eq $((N / 50)) ] && ok "generations.csv has one row per batch ($rows)" || bad "generations.csv has $rows rows, expected $((N / 50))"

# Thread-count independence.
$H evolve $C --out "$T/one" $S --max-evals $N --seed 7 --threads 1 >/dev/null 2>&1
if cmp -s "$T/full/archive.csv" "$T/one/archive.csv" && cmp -s "$T/full/best.xml" "$T/one/best.xml"; then
    ok "1 and 2 threads: identical archive.csv and best.xml"
else bad "1 and 2 threads differ"; fi

# Killed (SIGKILL) mid-run, then resumed.
$H evolve $C --out "$T/killed" $S --max-evals $N --seed 7 --threads 2 >/dev/null 2>&1 &
pid=$!
i=0
while [ $i -lt 600 ]; do
    g=$(($( { wc -l <"$T/killed/generations.csv"; } 2>/dev/null || echo 1) - 1))
    [ "$g" -ge 2 ] && break
    sleep 0.05; i=$((i + 1))
done
kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
g=$(($(wc -l <"$T/killed/generations.csv") - 1))
if [ "$g" -lt $((N / 50)) ]; then ok "killed after $g of $((N / 50)) batches"; else bad "the run finished before it could be killed"; fi
$H evolve $C --out "$T/killed" $S --max-evals $N --seed 7 --threads 2 --resume >"$T/resume.log" 2>&1 || { bad "resume failed"; cat "$T/resume.log"; }
if cmp -s "$T/full/archive.csv" "$T/killed/archive.csv" && cmp -s "$T/full/best.xml" "$T/killed/best.xml"; then
    ok "killed and resumed: identical to the uninterrupted run"
else bad "killed and resumed run differs from the uninterrupted one"; fi
cut -d, -f1,2 "$T/killed/generations.csv" >"$T/g1"; cut -d, -f1,2 "$T/full/generations.csv" >"$T/g2"
cmp -s "$T/g1" "$T/g2" && ok "generations.csv after resume has no repeated or missing rows" || bad "generations.csv rows differ after resume"

# SIGINT: finishes the batch, checkpoints, exits 130; resume completes.
$H evolve $C --out "$T/int" $S --max-evals $N --seed 7 --threads 2 >/dev/null 2>&1 &
pid=$!
i=0
while [ $i -lt 600 ]; do
    [ -s "$T/int/checkpoint.bin" ] && break
    sleep 0.05; i=$((i + 1))
done
kill -INT $pid; wait $pid; rc=$?
[ $rc -eq 130 ] && ok "SIGINT: exit 130 after checkpointing" || bad "SIGINT: exit $rc, expected 130"
$H evolve $C --out "$T/int" $S --max-evals $N --seed 7 --threads 2 --resume >/dev/null 2>&1
cmp -s "$T/full/archive.csv" "$T/int/archive.csv" && ok "interrupted (SIGINT) and resumed: identical" || bad "SIGINT-resumed run differs"

# best.xml reproduces the best fitness exactly.
best=$(awk -F, 'NR > 1 && $1 == "fitness" { print $3 }' "$T/full/summary.csv")
$H run "$T/full/best.xml" --out "$T/bestrun" >/dev/null 2>&1
again=$(awk -F, '$1 == "fitness" { print $2 }' "$T/bestrun/metrics.csv")
[ -n "$best" ] && [ "$best" = "$again" ] && ok "hydrores run best.xml reproduces fitness $best exactly" || bad "best.xml gives $again, evolve reported $best"

# A corrupt checkpoint is refused and kept as it was.
cp "$T/full/checkpoint.bin" "$T/ck.orig"
printf 'X' | dd of="$T/full/checkpoint.bin" bs=1 seek=100 conv=notrunc 2>/dev/null
cp "$T/full/checkpoint.bin" "$T/ck.bad"
$H evolve $C --out "$T/full" $S --max-evals $((N + 100)) --seed 7 --resume >"$T/out" 2>"$T/err"; rc=$?
if [ $rc -eq 2 ] && grep -q "corrupt" "$T/err" && cmp -s "$T/full/checkpoint.bin" "$T/ck.bad"; then
    ok "corrupt checkpoint refused (exit 2): $(head -1 "$T/err")"
else bad "corrupt checkpoint: exit $rc"; cat "$T/err"; fi
# Resuming with a different experiment is refused.
cp "$T/ck.orig" "$T/full/checkpoint.bin"
$H evolve $C --out "$T/full" $S --max-evals $N --seed 8 --resume >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 2 ] && grep -q "differs" "$T/err" && ok "resume with another seed refused" || { bad "resume with another seed: exit $rc"; cat "$T/err"; }
# No silent replacement.
$H evolve $C --out "$T/full" $S --max-evals $N >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 2 ] && grep -q "already exists" "$T/err" && ok "existing --out kept without --force" || bad "existing --out: exit $rc"
exit $fail
