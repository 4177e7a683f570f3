#!/bin/sh
# check_loihi_reference.sh — reservoir/loihi.c against the vectors Lava's own
# bit-accurate models computed (tests/reference/loihi: ours, with the
# generator tests/gen_loihi_reference.py; tests/reference/loihi-shared: the
# project's shared set, copied so CI has it): every value of every step must
# be identical. Then a changed value must be caught (exit 1, naming step,
# neuron and both values) and malformed inputs must exit 2 with file:line.
# Environment: BUILD (the build folder, e.g. build or build/san).
set -u
BUILD=${BUILD:-build}
TOOL="$BUILD/tests/loihi_reference"
fail=0

for d in tests/reference/loihi tests/reference/loihi-shared; do
    "$TOOL" "$d" || { echo "check_loihi_reference: $d FAILED"; fail=1; }
    echo
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/loihiref.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

# expect RC WANT DIR: the tool must exit RC and print WANT (stdout or stderr).
expect() {
    out=$("$TOOL" "$3" 2>&1)
    rc=$?
    if [ "$rc" -ne "$1" ] || ! printf '%s' "$out" | grep -qF "$2"; then
        echo "check_loihi_reference: exit $rc, output '$out' (wanted exit $1 and '$2')"
        fail=1
    else
        echo "ok: $(printf '%s' "$out" | grep -F "$2" | head -n 1)"
    fi
}

REF=tests/reference/loihi
fresh() { rm -rf "$tmp/a"; mkdir "$tmp/a"; cp "$REF"/* "$tmp/a/"; }

# A changed voltage, spike and sigma-delta message are caught exactly.
fresh
awk -F, 'NR == 1000 { $4 = $4 + 1 } { print }' OFS=, "$REF/res64.trace.csv" >"$tmp/a/res64.trace.csv"
expect 1 "case res64: FIRST MISMATCH at step 16, neuron 38: v = " "$tmp/a"
fresh
awk -F, 'NR == 2 { $5 = 1 - $5 } { print }' OFS=, "$REF/ff5.trace.csv" >"$tmp/a/ff5.trace.csv"
expect 1 "case ff5: FIRST MISMATCH at step 1, neuron 0: spike = 0 here, 1 in the reference" "$tmp/a"
fresh
awk -F, 'NR == 101 { $7 = $7 + 1 } { print }' OFS=, "$REF/sdn_lru.trace.csv" >"$tmp/a/sdn_lru.trace.csv"
expect 1 "case sdn_lru: FIRST MISMATCH at step 9, neuron 3: s_out = " "$tmp/a"

expect 2 "cases.csv: cannot open (nor cases_sdn.csv)" "$tmp/nonexistent"
fresh
sed '3s/,311,/,notanumber,/' "$REF/cases.csv" >"$tmp/a/cases.csv"
expect 2 "cases.csv:3: du = 'notanumber' is not an integer" "$tmp/a"
fresh
sed '2s/,1200,/,4096,/' "$REF/cases.csv" >"$tmp/a/cases.csv"
expect 2 "cases.csv:2: du = 4096 (allowed: 0 .. 4095)" "$tmp/a"
fresh
head -n 1000 "$REF/res64.trace.csv" >"$tmp/a/res64.trace.csv"
expect 2 "res64.trace.csv: no row for step 16, neuron 39" "$tmp/a"
fresh
sed '5s/$/,7/' "$REF/ff5.trace.csv" >"$tmp/a/ff5.trace.csv"
expect 2 "ff5.trace.csv:5: 6 comma-separated fields (expected 5)" "$tmp/a"
fresh
sed '3s/^/x/' "$REF/signs.w_rec.csv" >"$tmp/a/signs.w_rec.csv"
expect 2 "signs.w_rec.csv:3: row index = 'x" "$tmp/a"
fresh
rm "$tmp/a/wrap.bias.csv"
expect 2 "wrap.bias.csv: cannot open" "$tmp/a"
fresh
sed '2s/,fixed,/,float,/' "$REF/cases_sdn.csv" >"$tmp/a/cases_sdn.csv"
expect 2 "cases_sdn.csv:2: model = 'float' (allowed: fixed, corrected)" "$tmp/a"
fresh
sed '1s/u,v/v,u/' "$REF/bias_const.trace.csv" >"$tmp/a/bias_const.trace.csv"
expect 2 "bias_const.trace.csv:1: header 'step,neuron,v,u,spike' (expected 'step,neuron,u,v,spike')" "$tmp/a"
exit $fail
