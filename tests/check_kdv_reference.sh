#!/bin/sh
# check_kdv_reference.sh — the KdV solver against the reference data in
# tests/reference/kdv (see its README.md): probe series within 1e-3, |det X|
# within 20% of det_abs_converged at the default settings and within 1% with
# --accurate; then the tool's input errors (missing or malformed files must
# exit 2 with file:line, never crash).
# Environment: BUILD (the build folder, e.g. build or build/san).
set -u
BUILD=${BUILD:-build}
TOOL="$BUILD/tests/kdv_reference"
REF=tests/reference/kdv
fail=0

"$TOOL" "$REF" || { echo "check_kdv_reference: default settings FAILED"; fail=1; }
echo
"$TOOL" "$REF" --accurate || { echo "check_kdv_reference: --accurate FAILED"; fail=1; }
echo

# expect_usage_error NAME WANT DIR: the tool must exit 2 and say WANT.
expect_usage_error() {
    out=$("$TOOL" "$3" 2>&1 >/dev/null)
    rc=$?
    if [ "$rc" -ne 2 ] || ! printf '%s' "$out" | grep -qF "$2"; then
        echo "check_kdv_reference: $1: exit $rc, message '$out' (wanted exit 2 and '$2')"
        fail=1
    else
        echo "ok: $1: $out"
    fi
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kdvref.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

expect_usage_error "missing directory" "cases.csv: cannot open" "$tmp/nonexistent"

mkdir "$tmp/a"
cp "$REF/cases.csv" "$REF/packets.csv" "$REF/probe.csv" "$tmp/a/"
sed '3s/,0\.0002944[0-9]*,/,notanumber,/' "$REF/cases.csv" >"$tmp/a/cases.csv"
expect_usage_error "malformed det_abs" "cases.csv:3:" "$tmp/a"

cp "$REF/cases.csv" "$tmp/a/"
grep -v '^amp1,2,' "$REF/packets.csv" >"$tmp/a/packets.csv"
expect_usage_error "missing pattern" "case amp1 has no pattern 2" "$tmp/a"

cp "$REF/packets.csv" "$tmp/a/"
sed '5s/$/,0.5/' "$REF/probe.csv" >"$tmp/a/probe.csv"
expect_usage_error "extra field" "probe.csv:5: expected 4 comma-separated fields" "$tmp/a"

head -n 2000 "$REF/probe.csv" >"$tmp/a/probe.csv"
expect_usage_error "truncated probe series" "case amp0 pattern 1 has 998 samples" "$tmp/a"

exit $fail
