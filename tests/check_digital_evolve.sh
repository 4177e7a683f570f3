#!/bin/sh
# check_digital_evolve.sh — evolution works on the digital reservoirs: genes
# on the ESN's spectral radius, leak, input scaling, pruned density and
# weight bits (configs/esn-narma10.xml, small budget and task), and on the
# LRU's ring radius, density and bits; each run finishes with a best
# genome, the evaluations really vary the substrate (more than one distinct
# fitness), and `hydrores run DIR/best.xml` reproduces the best fitness
# exactly.
set -u
H=${HYDRORES:-build/hydrores}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
ok() { echo "  ok   $1"; }
bad() { echo "  FAIL $1"; fail=1; }

small="--set task.washout=30 --set task.train=150 --set task.test=80 --set evolve.population=8 --quiet"
check() { # name config extra-args
    name=$1; cfg=$2; shift 2
    $H evolve "$cfg" --out "$T/$name" $small --max-evals 16 --seed 3 --threads 2 "$@" >"$T/$name.log" 2>&1 \
        || { bad "$name: evolve failed"; cat "$T/$name.log"; return; }
    [ -s "$T/$name/best.xml" ] && ok "$name: evolve wrote best.xml" || { bad "$name: no best.xml"; return; }
    distinct=$(awk -F, 'NR > 1 { print $0 }' "$T/$name/generations.csv" | wc -l)
    best=$(awk -F, 'NR > 1 && $1 == "fitness" { print $3 }' "$T/$name/summary.csv")
    $H run "$T/$name/best.xml" --out "$T/$name-run" >/dev/null 2>&1
    again=$(awk -F, '$1 == "fitness" { print $2 }' "$T/$name-run/metrics.csv")
    [ -n "$best" ] && [ "$best" = "$again" ] && ok "$name: run best.xml reproduces fitness $best exactly ($distinct generations)" \
        || bad "$name: best.xml gives '$again', evolve reported '$best'"
    nd=$(awk -F, 'NR > 1 { print $3 }' "$T/$name/archive.csv" | sort -u | wc -l)
    [ "$nd" -gt 1 ] && ok "$name: $nd distinct fitness values in the population" || bad "$name: every evaluation gave the same fitness"
}
check esn configs/esn-narma10.xml

cat >"$T/lru.xml" <<'X'
<experiment name="lru-memory">
  <substrate kind="lru"> <units>24</units> <outputs>32</outputs> <trace>output</trace> <nonlinearity>tanh</nonlinearity> </substrate>
  <encoder kind="stream"> <amp>1</amp> <low>0</low> <high>1</high> <step>1</step> </encoder>
  <readout> <t>0</t> <bias>1</bias> </readout>
  <task kind="memory"> <kmax>10</kmax> </task>
  <fitness kind="score"> <readout>ridge</readout> </fitness>
  <evolve kind="ga"/>
  <genes>
    <gene name="r_max" target="substrate.r_max" lo="0.5" hi="0.999"/>
    <gene name="density" target="substrate.density" lo="0.1" hi="1"/>
    <gene name="bits" target="substrate.bits" lo="3" hi="12"/>
  </genes>
</experiment>
X
check lru "$T/lru.xml"
exit $fail
