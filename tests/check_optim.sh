#!/bin/sh
# check_optim.sh — the new optimisers and the readout design end to end
# (small budgets, a coarse KdV grid):
#  - evolve kind=cmaes: 1 and 2 threads byte-identical; killed (SIGKILL) and
#    resumed ends byte-identical to the uninterrupted run; best.xml reproduces
#    the best fitness;
#  - evolve kind=nsga2 with a multi-objective fitness (log|det X| and the
#    condition number): archive.csv has the fronts and both objectives,
#    resumes byte-identically;
#  - design: best.xml run by `hydrores run` gives metrics.csv's log|det X|
#    exactly; the exchange is at least greedy's; bad options exit 2 with the
#    allowed values; an existing --out is kept.
set -u
H=${HYDRORES:-build/hydrores}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
ok() { echo "  ok   $1"; }
bad() { echo "  FAIL $1"; fail=1; }

# A variant of an experiment with its <evolve> (and optionally <fitness>)
# section replaced.
variant() { # src dst evolve-xml [fitness-xml]
    python3 - "$1" "$2" "$3" "${4:-}" <<'EOF'
import re, sys
src, dst, evo, fit = sys.argv[1:5]
s = open(src).read()
s = re.sub(r'<evolve kind=.*?</evolve>', evo, s, flags=re.S)
if fit:
    s = re.sub(r'<fitness kind="[^"]*"\s*/>', fit, s)
open(dst, 'w').write(s)
EOF
}

variant configs/xnor-amplitude.xml "$T/cma.xml" '<evolve kind="cmaes"><evaluations>72</evaluations><lambda>6</lambda><sigma>0.2</sigma><tolfun>0.5</tolfun></evolve>'
# Coarse grid; one noisy repetition per pattern for the held-out score.
S="--set substrate.n=256 --set task.repetitions=1 --quiet"
E="$S --no-plots"
$H evolve "$T/cma.xml" --out "$T/c2" $E --threads 2 >"$T/c2.log" 2>&1 || { bad "cmaes run failed"; cat "$T/c2.log"; }
$H evolve "$T/cma.xml" --out "$T/c1" $E --threads 1 >/dev/null 2>&1
cmp -s "$T/c1/archive.csv" "$T/c2/archive.csv" && cmp -s "$T/c1/best.xml" "$T/c2/best.xml" \
    && ok "cmaes: 1 and 2 threads identical" || bad "cmaes: 1 and 2 threads differ"
rows=$(($(wc -l <"$T/c2/generations.csv") - 1))
[ "$rows" -eq 12 ] && ok "cmaes: one generations.csv row per batch of lambda = 6 ($rows)" || bad "cmaes: $rows rows, expected 12"

$H evolve "$T/cma.xml" --out "$T/ck" $E --threads 2 >/dev/null 2>&1 &
pid=$!
i=0
while [ $i -lt 600 ]; do
    g=$(($( { wc -l <"$T/ck/generations.csv"; } 2>/dev/null || echo 1) - 1))
    [ "$g" -ge 4 ] && break
    sleep 0.02; i=$((i + 1))
done
kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
g=$(($(wc -l <"$T/ck/generations.csv") - 1))
[ "$g" -lt 12 ] && ok "cmaes: killed after $g of 12 batches" || bad "cmaes: finished before the kill"
$H evolve "$T/cma.xml" --out "$T/ck" $E --threads 2 --resume >"$T/r.log" 2>&1 || { bad "cmaes resume failed"; cat "$T/r.log"; }
cmp -s "$T/c2/archive.csv" "$T/ck/archive.csv" && cmp -s "$T/c2/best.xml" "$T/ck/best.xml" \
    && ok "cmaes: killed and resumed identical to uninterrupted" || bad "cmaes: resumed run differs"
best=$(awk -F, '$1 == "fitness" { print $3 }' "$T/c2/summary.csv")
$H run "$T/c2/best.xml" --out "$T/c2run" >/dev/null 2>&1
again=$(awk -F, '$1 == "fitness" { print $2 }' "$T/c2run/metrics.csv")
[ -n "$best" ] && [ "$best" = "$again" ] && ok "cmaes: run best.xml reproduces fitness $best" || bad "cmaes: best.xml gives $again, evolve said $best"

variant configs/xnor-amplitude.xml "$T/ns.xml" '<evolve kind="nsga2"><evaluations>48</evaluations><population>8</population></evolve>' \
    '<fitness kind="multi"><objectives>logdet cond</objectives></fitness>'
$H evolve "$T/ns.xml" --out "$T/n1" $E --threads 2 >"$T/n1.log" 2>&1 || { bad "nsga2 run failed"; cat "$T/n1.log"; }
head -1 "$T/n1/archive.csv" | grep -q "^front,crowding,index,objective_0,objective_1,a,b," \
    && ok "nsga2: archive.csv has front, crowding and both objectives" || bad "nsga2: archive.csv header: $(head -1 "$T/n1/archive.csv" | cut -c1-80)"
front=$(awk -F, 'NR > 1 && $1 == 0' "$T/n1/archive.csv" | wc -l)
[ "$front" -ge 1 ] && ok "nsga2: $front non-dominated interfaces" || bad "nsga2: empty front"
fr=$(($(wc -l <"$T/n1/front.csv" 2>/dev/null || echo 0) - 1))
head -1 "$T/n1/front.csv" 2>/dev/null | grep -q "^index,logdet,cond,crowding,a,b" && [ "$fr" = "$front" ] \
    && ok "nsga2: front.csv names the objectives and holds the $front front-0 interfaces" \
    || bad "nsga2: front.csv: $(head -1 "$T/n1/front.csv" 2>&1 | cut -c1-80), $fr rows for $front"
$H evolve "$T/ns.xml" --out "$T/n2" $E --threads 1 --max-evals 24 >/dev/null 2>&1
$H evolve "$T/ns.xml" --out "$T/n2" $E --threads 2 --resume >/dev/null 2>&1
cmp -s "$T/n1/archive.csv" "$T/n2/archive.csv" && ok "nsga2: stopped at 24, resumed to 48: identical" || bad "nsga2: resumed run differs"

# Design.
$H design configs/xnor-amplitude.xml --out "$T/d" $S --method all --sweeps 20 >"$T/d.log" 2>&1 || { bad "design failed"; cat "$T/d.log"; }
[ -s "$T/d/best.xml" ] && [ -s "$T/d/design.csv" ] && [ -s "$T/d/times.csv" ] && [ -s "$T/d/metrics.csv" ] \
    && ok "design writes best.xml, design.csv, times.csv, metrics.csv" || bad "design: missing outputs"
$H run "$T/d/best.xml" --out "$T/drun" >/dev/null 2>&1
a=$(awk -F, '$1 == "logdet" { print $2 }' "$T/d/metrics.csv"); b=$(awk -F, '$1 == "logdet" { print $2 }' "$T/drun/metrics.csv")
[ -n "$a" ] && [ "$a" = "$b" ] && ok "design: run best.xml reproduces log|det X| = $a" || bad "design: best.xml gives $b, design said $a"
awk -F, '$1 == "greedy" { g = $4 } $1 == "exchange" { x = $4 } END { exit !(x >= g) }' "$T/d/design.csv" \
    && ok "design: exchange >= greedy" || bad "design: exchange below greedy"
$H design configs/xnor-amplitude.xml --out "$T/d" $S >"$T/o" 2>"$T/e"; rc=$?
[ $rc -eq 2 ] && grep -q "already exists" "$T/e" && ok "design: an existing --out is kept (exit 2)" || bad "design: existing --out: exit $rc"
$H design configs/xnor-amplitude.xml --out "$T/x" --method best >"$T/o" 2>"$T/e"; rc=$?
[ $rc -eq 2 ] && grep -q "allowed: greedy, exchange, anneal, exhaustive, all" "$T/e" && ok "design: bad --method refused: $(cat "$T/e")" || bad "design: bad --method: exit $rc"
$H design configs/xnor-amplitude.xml --out "$T/x" --k 5 $S >"$T/o" 2>"$T/e"; rc=$?
[ $rc -eq 2 ] && grep -q "needs a square readout matrix: 5 times x 1 probes for 4 training rows (allowed: --k 4" "$T/e" \
    && ok "design: 5 times for 4 rows refused under fitness logdet" || bad "design: --k 5: exit $rc $(cat "$T/e")"
$H design configs/xnor-amplitude.xml --out "$T/g" --k 5 $S --set fitness.kind=logdet_gram --lambda 0 >"$T/o" 2>"$T/e"; rc=$?
[ $rc -eq 2 ] && grep -q "5 columns for 4 rows" "$T/e" && ok "design: lambda 0 with 5 columns for 4 rows refused" || bad "design: --lambda 0 --k 5: exit $rc $(cat "$T/e")"
$H design configs/xnor-amplitude.xml --out "$T/g" --k 6 $S --set fitness.kind=logdet_gram --sweeps 20 >"$T/o" 2>"$T/e" \
    && grep -q "^logdet_gram," "$T/g/metrics.csv" && ok "design: 6 times under logdet_gram (lambda 1e-8)" || bad "design: logdet_gram --k 6 failed: $(cat "$T/e")"
$H design configs/tank-narma10.xml --out "$T/x" >"$T/o" 2>"$T/e"; rc=$?
[ $rc -eq 2 ] && grep -q "time series" "$T/e" && ok "design: a stream task refused" || bad "design: narma10: exit $rc $(cat "$T/e")"
[ ! -e "$T/x" ] && ok "design: nothing left behind by failed runs" || bad "design: a failed run left $T/x"
exit $fail
