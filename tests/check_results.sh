#!/bin/sh
# check_results.sh — result folders users can trust (issue 17): each check
# is one of the defects found by trying the tool as a new user would, run as
# that user would run it.
set -u
H=${HYDRORES:-build/hydrores}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
ok() { echo "  ok   $1"; }
bad() { echo "  FAIL $1"; fail=1; }
C=configs/xnor-amplitude.xml
. tests/small_evolution.sh
S="$SMALL --quiet --no-plots"
# expect NAME STATUS REGEX CMD...: CMD exits with STATUS and stderr matches REGEX.
expect() {
    name=$1 want=$2 re=$3
    shift 3
    "$@" >"$T/out" 2>"$T/err"
    got=$?
    if [ "$got" -eq "$want" ] && grep -Eq "$re" "$T/err" "$T/out"; then ok "$name"
    else bad "$name (exit $got, expected $want; stderr: $(head -c 300 "$T/err"))"; fi
}
# same A B: every file of folder A equals the one in B, and no file was added.
same() { diff -r "$1" "$2" >/dev/null 2>&1; }

$H evolve $C --out "$T/A" $S --seed 7 --max-evals $N >/dev/null 2>&1 || bad "a short evolution failed"

# 1. A refused resume (corrupt checkpoint) leaves every file as it was.
cp -a "$T/A" "$T/G"
python3 -c "p='$T/G/checkpoint.bin';b=bytearray(open(p,'rb').read());b[len(b)//2]^=1;open(p,'wb').write(b)"
cp -a "$T/G" "$T/G0"
expect "a corrupt checkpoint refuses the resume" 2 "corrupt" $H evolve --resume "$T/G" --max-evals 400 --quiet
same "$T/G" "$T/G0" && ok "the refused resume left every file byte-identical" || bad "the refused resume changed the folder: $(diff -rq "$T/G" "$T/G0" | head -2)"

# 2. A budget below what was done is refused; the folder stays true.
cp -a "$T/A" "$T/B"
expect "--resume with a smaller budget is refused" 2 "has done $N evaluations already.*--max-evals $N or more" $H evolve --resume "$T/B" --max-evals 100 --quiet
same "$T/A" "$T/B" && ok "... and changes nothing" || bad "the refused budget changed the folder"

# 3. The printed resume hint works (seed and --set taken from the folder).
$H evolve $C --out "$T/whole" $S --seed 3 --max-evals $N --set substrate.delta=21 >/dev/null 2>&1
$H evolve $C --out "$T/hint" $S --seed 3 --max-evals $N --set substrate.delta=21 --time-limit 0.01 >"$T/hint.out" 2>&1
cmd=$(sed -n 's/^continue with: //p' "$T/hint.out")
if [ -n "$cmd" ] && [ -f "$T/hint/checkpoint.bin" ] && sh -c "$cmd --quiet --no-plots" >/dev/null 2>&1 &&
    cmp -s "$T/whole/archive.csv" "$T/hint/archive.csv"; then
    ok "the printed hint ($cmd) resumes to the uninterrupted result"
else bad "the resume hint '$cmd' does not work"; fi

# 4. A folder being written is locked; a second process is refused by pid.
# (small batches: the first checkpoint comes fast even in the sanitizer build
# on a loaded machine; a long budget keeps it running while we knock)
$H evolve $C --out "$T/L" --set substrate.n=256 --set evolve.random=4000 --set evolve.batch=4 --quiet --no-plots --max-evals 100000 --threads 1 >/dev/null 2>&1 &
pid=$!
i=0
while [ $i -lt 1200 ] && [ ! -f "$T/L/checkpoint.bin" ]; do sleep 0.05; i=$((i + 1)); done
expect "a second process on a running folder is refused" 2 "in use by process $pid" $H evolve --resume "$T/L" --quiet
kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null

# 5. A gene past the end of a list, and two genes on one target.
sed 's#target="readout.t3"#target="readout.t4"#' $C >"$T/t4.xml"
expect "a gene one past the end of a list" 2 "has 4 elements, so readout.t4 does not exist \(allowed: t0 \.\. t3" $H run "$T/t4.xml" --out "$T/o5"
sed 's#target="readout.t3"#target="readout.t2"#' $C >"$T/twice.xml"
expect "two genes on one target" 2 "already the target of gene 't2'" $H run "$T/twice.xml" --out "$T/o5b"
[ ! -e "$T/o5" ] && [ ! -e "$T/o5b" ] && ok "... and nothing written" || bad "a refused run wrote a folder"

# 6. A failed hand-selected baseline has no numbers in summary.csv.
# (a soliton of height 0.7: the hand-selected packets of 0.4 exceed half of it)
$H evolve $C --out "$T/F" $S --max-evals 100 --set substrate.phi=0.7 --set substrate.ks=0.41854 >"$T/f.out" 2>&1
if grep -q '^det_abs,,' "$T/F/summary.csv" && grep -q '^fitness,,' "$T/F/summary.csv" && grep -q "hand-selected failed:" "$T/f.out"; then
    ok "summary.csv leaves a failed baseline empty and the table says why"
else bad "summary.csv invents numbers for a failed baseline: $(sed -n 2p "$T/F/summary.csv")"; fi

# 7. run removes its temporary folder on SIGTERM; stale ones are cleaned.
$H run configs/tank-narma10.xml --out "$T/R" --set task.train=4000 --no-plots >/dev/null 2>&1 &
pid=$!
i=0
while [ $i -lt 200 ] && ! ls -d "$T"/R.tmp-* >/dev/null 2>&1; do sleep 0.02; i=$((i + 1)); done
kill -TERM $pid; wait $pid 2>/dev/null
if ls -d "$T"/R.tmp-* >/dev/null 2>&1; then bad "run left $(ls -d "$T"/R.tmp-*) on SIGTERM"; else ok "run on SIGTERM leaves no temporary folder"; fi
mkdir "$T/S.tmp-999999" "$T/S.old-999998" && echo x >"$T/S.tmp-999999/traces.csv"
$H run $C --out "$T/S" --quiet --no-plots >/dev/null 2>&1
[ ! -e "$T/S.tmp-999999" ] && [ ! -e "$T/S.old-999998" ] && ok "stale temporary folders of gone processes are removed" || bad "stale temporary folders stay"

# 8. A setting given twice is reported at the second one's line.
awk '/<nu>/ { print; print "    <nu>0.4</nu>"; next } { print }' $C >"$T/dup.xml"
line=$(grep -n '<nu>0.4</nu>' "$T/dup.xml" | cut -d: -f1)
expect "a duplicated setting at its line" 2 "dup.xml:$line: <nu> is set twice" $H run "$T/dup.xml" --out "$T/o8"

# 9. --force never removes a file hydrores did not write.
mkdir "$T/u" && echo data >"$T/u/notes.txt" && cp $C "$T/u/config.xml"
expect "--force on a folder with foreign files (run)" 2 "not a hydrores results folder|did not write" $H run $C --out "$T/u" --force
cp -a "$T/A" "$T/A9" && echo mine >"$T/A9/notes.txt"
expect "--force on a folder with foreign files (evolve)" 2 "holds 1 file hydrores did not write \(notes.txt\)" $H evolve $C --out "$T/A9" $S --force --max-evals 100
[ -f "$T/u/notes.txt" ] && [ -f "$T/A9/notes.txt" ] && ok "... the foreign files are kept" || bad "--force deleted a foreign file"

# 10. evolve --force keeps the old results until the new run has a checkpoint.
cp -a "$T/A" "$T/E"
$H evolve $C --out "$T/E" --force --seed 8 --set substrate.accurate=1 --set evolve.random=400 --set evolve.batch=400 --quiet --no-plots --max-evals 400 >/dev/null 2>&1 &
pid=$!
sleep 1
kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
cmp -s "$T/A/archive.csv" "$T/E/archive.csv" && cmp -s "$T/A/checkpoint.bin" "$T/E/checkpoint.bin" &&
    ok "evolve --force killed early: the old results are intact" || bad "evolve --force lost the old results"
$H evolve $C --out "$T/E" --force --seed 8 $S --max-evals 100 >/dev/null 2>&1
[ ! -e "$T"/E.tmp-$pid ] && grep -q 'seed>8<' "$T/E/config.xml" && ok "... and a completed --force replaces them, leaving no temporary folder" || bad "evolve --force did not replace the folder"

# 12. Thread counts are checked before anything is built or written.
expect "--threads 5000 is refused at once" 2 "allowed: 1 \.\. 4096" $H evolve $C --out "$T/o12" --threads 5000
[ ! -e "$T/o12" ] && ok "... leaving no folder" || bad "--threads 5000 left a folder"

# 13. Two signals in generation 0: interrupted, exit 130, and a hint.
$H evolve $C --out "$T/I" --set substrate.accurate=1 --set evolve.random=400 --set evolve.batch=400 --no-plots --max-evals 400 >"$T/i.out" 2>&1 &
pid=$!
i=0
while [ $i -lt 200 ] && ! ls -d "$T"/I.tmp-* >/dev/null 2>&1; do sleep 0.05; i=$((i + 1)); done
sleep 0.3
kill -TERM $pid; sleep 0.2; kill -TERM $pid
wait $pid
rc=$?
if [ $rc -eq 130 ] && grep -q "interrupted" "$T/i.out" && grep -q "continue with: .*evolve --resume $T/I" "$T/i.out"; then
    ok "two signals in generation 0: exit 130, 'interrupted', a resume hint"
else bad "two signals in generation 0: exit $rc, $(tail -2 "$T/i.out")"; fi

# 14. --genome and --set of a gene together are refused.
expect "--genome with --set of a gene" 2 "both set gene 'a'" $H run $C --out "$T/o14" --genome 0.1,0.2,0.3,0.1,0.2,0.3,0.1,0.2,0.3,0.4 --set a=0.5

# 15. One bound for the tank's size, from the solver.
expect "substrate.nx beyond the solver's limit" 2 "nx = 100000 is out of range \(allowed: an integer 4 \.\. 65536\)" $H run configs/tank-xnor.xml --out "$T/o15" --set substrate.nx=100000

# Smaller things.
expect "evolve --set of a gene's target" 2 "gene 't0' evolves readout.t0" $H evolve $C --out "$T/o16" --set readout.t0=55
expect "--max-evals 0" 2 "would evaluate nothing \(allowed: >= 1\)" $H evolve $C --out "$T/o17" --max-evals 0
expect "--seed above 2^32 - 1" 2 "allowed: 0 \.\. 4294967295" $H evolve $C --out "$T/o18" --seed 4294967296
long=$(printf '%070d' 0)
sed "s/name=\"xnor-amplitude\"/name=\"n$long\"/" $C >"$T/long.xml"
expect "an experiment name too long" 2 "has 71 characters \(allowed: 1 \.\. 63\)" $H run "$T/long.xml" --out "$T/o19"
big=$(printf '%0200d' 1)
expect "a 200-digit number" 2 "too long for a number" $H run $C --out "$T/o20" --set "substrate.nu=$big"
expect "two readout times in one output sample" 0 "read the same sample" $H run $C --out "$T/o21" --set readout.t1=42.05 --quiet --no-plots
grep -v 'name="t3"' $C >"$T/far.xml"
expect "a readout time far outside the genes' window" 0 "t3 = 100 is far outside the window 40 \.\. 60" $H run "$T/far.xml" --out "$T/o22" --set readout.t3=100 --quiet --no-plots
head -1 "$T/A/archive.csv" | grep -q ',encoder.freq0,encoder.freq1,encoder.low0' && ok "archive.csv has the genes' targets in physical units" || bad "archive.csv lacks target columns"
HR_PROGRESS_EVERY=0.3 $H evolve $C --out "$T/P" --set substrate.n=$KN --set evolve.random=$N --set evolve.batch=$N --max-evals $N --no-plots >/dev/null 2>"$T/p.err"
grep -Eq "^evals [0-9]+/$N " "$T/p.err" && ok "progress lines when stderr is not a terminal" || bad "no progress lines into a pipe: $(head -c 200 "$T/p.err")"
# Every column of every CSV is documented in 'hydrores help outputs'.
$H help outputs >"$T/help"
$H run $C --out "$T/doc" --quiet --no-plots >/dev/null 2>&1
undoc=""
for f in "$T/doc/readout.csv" "$T/doc/runs.csv" "$T/A/generations.csv" "$T/A/archive.csv" "$T/A/summary.csv" "$T/doc/metrics.csv"; do
    for c in $(head -1 "$f" | tr ',' ' '); do
        case $c in *.*) grep -q "one per gene target" "$T/help" && continue ;; esac
        base=$(echo "$c" | sed 's/[0-9]*$//; s/_[0-9]*$/_D/; s/^run[0-9]*_probe[0-9]*$/runK_probeJ/')
        case $base in x|input|target|prediction) base="${base}" ;; esac
        grep -Fq "$base" "$T/help" || undoc="$undoc $c"
    done
done
for n in $(cut -d, -f1 "$T/doc/metrics.csv" | tail -n +2 | sed 's/accuracy/SCORE/'); do grep -Fq "$n" "$T/help" || undoc="$undoc $n"; done
[ -z "$undoc" ] && ok "every CSV column is in 'hydrores help outputs'" || bad "undocumented columns:$undoc"

exit $fail
