#!/bin/sh
# check_nir_export.sh — `hydrores export CONFIG --nir FILE` end to end: the
# loihi-lif NARMA10 experiment is exported with its trained readout, the
# file is run through the pipeline as a `nir` substrate, and the graph's
# Output (the exported readout) must equal the chip's predictions until the
# first near-threshold rounding parts the runs (the mapping's error,
# reservoir/nir_export.h; for this config the first 8 readout rows agree to
# round-off), and still predict NARMA10 on the held-out rows. Then the
# command's errors: exit 2 and one line saying what is wrong.
# Environment: HYDRORES (the CLI binary).
set -u
H=${HYDRORES:-build/hydrores}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
ok() { echo "  ok   $1"; }
bad() { echo "  FAIL $1"; fail=1; }

CFG=configs/loihi-narma10.xml
SMALL="--set task.train=200 --set task.test=100"

if $H export $CFG --nir "$T/r.nir" $SMALL >"$T/out" 2>"$T/err"; then
    ok "export: $(cat "$T/out")"
else
    bad "export failed: $(cat "$T/err")"
fi
$H run $CFG --out "$T/chip" $SMALL --no-plots >/dev/null 2>"$T/err" || bad "run failed: $(cat "$T/err")"

# The same experiment with the graph as the substrate; its one probe is the
# readout's output (record=output), least squares on top is only a
# formality here: the comparison uses the probe value itself.
sed -e '/<substrate kind="loihi-lif">/,/<\/substrate>/c\
  <substrate kind="nir"> <file>'"$T"'/r.nir</file> <encoding>current</encoding> <input_scale>32</input_scale> <input_bits>8</input_bits> <record>output</record> </substrate>' \
    -e '/<genes>/,/<\/genes>/d' $CFG >"$T/nir.xml"
$H run "$T/nir.xml" --out "$T/nir" $SMALL --no-plots >/dev/null 2>"$T/err" || bad "run of the NIR graph failed: $(cat "$T/err")"

# readout.csv: chip: ..., target0, prediction0 (last two columns); nir: row, set, input0, x0, ...
awk -F, 'NR > 1 { print $(NF - 1) "," $NF }' "$T/chip/readout.csv" >"$T/chip.csv"
awk -F, 'NR > 1 { print $4 }' "$T/nir/readout.csv" >"$T/nir.csv"
paste -d, "$T/chip.csv" "$T/nir.csv" >"$T/both.csv"
res=$(awk -F, '
    { d = $2 - $3; if (d < 0) d = -d; s = $2 < 0 ? -$2 : $2; if (s < 1) s = 1
      if (first == "" && d > 1e-9 * s) first = NR - 1 }
    NR > 200 { n++; t = $1; e1 += ($2 - t)^2; e2 += ($3 - t)^2; sy += t; syy += t * t }
    END { var = syy / n - (sy / n)^2
          printf "%s %.4f %.4f\n", first == "" ? -1 : first, sqrt(e1 / n / var), sqrt(e2 / n / var) }' "$T/both.csv")
set -- $res
if [ "$1" -ge 8 ] || [ "$1" -eq -1 ]; then
    ok "NIR graph = chip for the first $1 readout rows (first difference), as measured (>= 8)"
else
    bad "NIR graph and chip part at readout row $1 (expected >= 8)"
fi
if awk "BEGIN { exit !($3 < 1) }"; then
    ok "held-out NRMSE: chip $2, exported graph $3 (< 1: it still predicts NARMA10)"
else
    bad "held-out NRMSE of the exported graph is $3 (chip $2)"
fi

# expect_error NAME PATTERN CMD...: exit 2, one stderr line matching PATTERN.
expect_error() {
    name=$1; pat=$2; shift 2
    "$@" >"$T/out" 2>"$T/err"; rc=$?
    lines=$(wc -l <"$T/err")
    if [ "$rc" -ne 2 ]; then bad "$name: exit $rc, expected 2"; cat "$T/err"; return; fi
    if [ "$lines" -ne 1 ]; then bad "$name: $lines lines on stderr, expected 1"; cat "$T/err"; return; fi
    if ! grep -Eq "$pat" "$T/err"; then bad "$name: message does not match '$pat':"; cat "$T/err"; return; fi
    ok "$name: $(cat "$T/err")"
}
expect_error "existing file" "r.nir exists \(use --force" $H export $CFG --nir "$T/r.nir"
expect_error "no --nir" "missing --nir FILE.nir" $H export $CFG
expect_error "other substrate" "substrate kind 'kdv' has no NIR export \(allowed: loihi-lif" $H export configs/xnor-amplitude.xml --nir "$T/k.nir"
expect_error "voltage readout" "a readout of substrate.trace = v has no NIR form" $H export $CFG --nir "$T/v.nir" --set substrate.trace=v $SMALL
expect_error "several readout times" "readout.t has 2 times" $H export $CFG --nir "$T/t.nir" --set readout.t1=0.09
expect_error "dv = 0" "dv = 0 \(no voltage leak\)" $H export $CFG --nir "$T/d.nir" --set substrate.dv=0 --set substrate.dv_max=-1 $SMALL
[ -e "$T/v.nir" ] || [ -e "$T/d.nir" ] && bad "a refused export left a file" || ok "refused exports wrote nothing"
exit $fail
