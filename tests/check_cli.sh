#!/bin/sh
# check_cli.sh — the command line's contract on bad input: exit status 2, one
# line "FILE:LINE: what is wrong (allowed: ...)", nothing written into --out,
# an existing results folder never overwritten without --force. Also checks
# that configs/hydrores.rng is the schema the program generates.
set -u
H=${HYDRORES:-build/hydrores}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
ok() { echo "  ok   $1"; }
bad() { echo "  FAIL $1"; fail=1; }

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

good=configs/xnor-amplitude.xml
mk() { sed "$1" "$good" >"$T/$2"; }

expect_error "missing file" "^$T/nope.xml: cannot open" $H run "$T/nope.xml" --out "$T/o1"
printf '<experiment>\n  <substrate kind="kdv">\n</experiment>\n' >"$T/malformed.xml"
expect_error "malformed XML" "^$T/malformed.xml:3: .*\(allowed: well-formed XML\)" $H run "$T/malformed.xml" --out "$T/o1"
mk 's|<nu>0.333</nu>|<nu>0.333</nu><viscosity>2</viscosity>|' unknown.xml
expect_error "unknown element" "^$T/unknown.xml:[0-9]+: unknown element <viscosity> in <substrate kind=\"kdv\"> \(allowed: nu, length" $H run "$T/unknown.xml" --out "$T/o1"
mk 's|<nu>0.333</nu>|<nu>-2.385</nu>|' range.xml
expect_error "value out of range" "^$T/range.xml:[0-9]+: substrate.nu = -2.385 is out of range \(allowed: a number 0 \.\. 100\)" $H run "$T/range.xml" --out "$T/o1"
mk 's|<nu>0.333</nu>|<nu>abc</nu>|' nan.xml
expect_error "not a number" "^$T/nan.xml:[0-9]+: .*not a number" $H run "$T/nan.xml" --out "$T/o1"
mk 's|target="encoder.freq0"|target="encoder.wavelength0"|' gene.xml
expect_error "gene with no such target" "^$T/gene.xml:[0-9]+: gene 'a': encoder.wavelength0 is not a numeric setting .*\(allowed: amp, freq" $H run "$T/gene.xml" --out "$T/o1"
mk 's|target="readout.t0" lo="40" hi="60"|target="readout.t0" lo="-5" hi="60"|' generange.xml
expect_error "gene range outside the target's" "^$T/generange.xml:[0-9]+: gene 't0': range -5 .. 60 goes outside readout.t0 \(allowed: 0 .. 1000000\)" $H run "$T/generange.xml" --out "$T/o1"
mk 's|<substrate kind="kdv">|<substrate kind="bathtub">|' kind.xml
expect_error "unknown kind" "^$T/kind.xml:[0-9]+: <substrate kind=\"bathtub\"> is not a known kind \(allowed kinds: kdv" $H run "$T/kind.xml" --out "$T/o1"
mk 's|<rule>floor</rule>|<rule>nearest</rule>|' rule.xml
expect_error "bad choice" "^$T/rule.xml:[0-9]+: readout.rule = 'nearest' is not allowed \(allowed: floor,linear,cubic\)" $H run "$T/rule.xml" --out "$T/o1"
expect_error "--set unknown setting" "unknown setting substrate.mass .*\(allowed: nu" $H run "$good" --out "$T/o1" --set substrate.mass=3
expect_error "--set gene out of range" "allowed: 0 \.\. 1" $H run "$good" --out "$T/o1" --set a=1.5
expect_error "--genome too short" "allowed: exactly 10" $H run "$good" --out "$T/o1" --genome 0.1,0.2
expect_error "unknown command" "unknown command 'fly'" $H fly
expect_error "unknown option" "unknown option '--bogus'" $H run "$good" --out "$T/o1" --bogus
if [ -e "$T/o1" ] || ls "$T" | grep -q '\.tmp-'; then bad "failed runs left files in --out"; else ok "failed runs wrote nothing"; fi

# An existing results folder is kept without --force, replaced with it.
$H run "$good" --out "$T/res" >/dev/null 2>&1 && echo precious >"$T/res/keep.txt"
expect_error "existing --out" "already exists; results there are kept \(allowed: a new folder, or --force" $H run "$good" --out "$T/res"
if [ "$(cat "$T/res/keep.txt")" = precious ]; then ok "existing results untouched"; else bad "existing results changed"; fi
# --force never removes a file hydrores did not write: it names it instead.
expect_error "--force over a foreign file" "holds 1 file hydrores did not write \(keep.txt\), so --force will not replace it" $H run "$good" --out "$T/res" --force
if [ "$(cat "$T/res/keep.txt")" = precious ]; then ok "the foreign file is kept"; else bad "--force removed keep.txt"; fi
rm "$T/res/keep.txt"
if $H run "$good" --out "$T/res" --force >/dev/null 2>&1 && [ -f "$T/res/metrics.csv" ] && [ -f "$T/res/.hydrores" ]; then
    ok "--force replaces a folder of hydrores's files once results are complete"
else bad "--force did not replace the folder"; fi

# --force never replaces a folder hydrores did not write.
mkdir -p "$T/mine/sub" && echo data >"$T/mine/notes.txt"
expect_error "--force on a foreign folder" "is not a hydrores results folder, so --force will not replace it" $H run "$good" --out "$T/mine" --force
[ -f "$T/mine/notes.txt" ] && ok "foreign folder untouched" || bad "foreign folder changed"

# Output files exist with headers.
for f in config.xml readout.csv metrics.csv traces.csv; do
    [ -s "$T/res/$f" ] && ok "writes $f" || bad "missing $f"
done
grep -q '^name,value$' "$T/res/metrics.csv" && grep -q '^det_abs,' "$T/res/metrics.csv" && grep -q '^logdet,' "$T/res/metrics.csv" && grep -q '^accuracy,' "$T/res/metrics.csv" \
    && ok "metrics.csv has det_abs, logdet, accuracy" || bad "metrics.csv lacks required rows"

# The resolved config reproduces the run exactly.
if $H run "$T/res/config.xml" --out "$T/res2" >/dev/null 2>&1 && cmp -s "$T/res/metrics.csv" "$T/res2/metrics.csv"; then
    ok "config.xml reproduces metrics.csv bit for bit"
else bad "config.xml does not reproduce the run"; fi

# --set on a setting and a gene changes the result; the same --set twice agrees.
$H run "$good" --out "$T/s1" --set readout.t3=58.5 >/dev/null 2>&1
$H run "$good" --out "$T/s2" --set t3=0.925 >/dev/null 2>&1
if cmp -s "$T/s1/metrics.csv" "$T/s2/metrics.csv" && ! cmp -s "$T/s1/metrics.csv" "$T/res/metrics.csv"; then
    ok "--set readout.t3=58.5 equals --set t3=0.925 (40 + 20 * 0.925) and differs from the default"
else bad "--set of a setting and of its gene disagree"; fi

# The shipped schema is the generated one, and every shipped config validates.
$H schema >"$T/schema.rng"
if cmp -s "$T/schema.rng" configs/hydrores.rng; then ok "configs/hydrores.rng is current"; else bad "configs/hydrores.rng differs from 'hydrores schema' (regenerate it)"; fi
# xmllint is a declared dependency (libxml2-utils): its absence is a failure.
if command -v xmllint >/dev/null 2>&1; then
    for c in configs/*.xml; do
        # Compare files (<compare> of variants and tasks) are checked by check_compare.sh.
        grep -q '^<compare' "$c" && continue
        xmllint --noout --relaxng configs/hydrores.rng "$c" 2>/dev/null && ok "$c validates (xmllint)" || bad "$c does not validate"
    done
else
    bad "xmllint is missing (Debian libxml2-utils, installed by make deps): the shipped configs were not validated"
fi
# simulate: traces for every run; for the tank, the surface after every run.
if $H simulate configs/tank-xnor.xml --out "$T/sim" --set substrate.nx=40 --set substrate.ny=20 >/dev/null 2>&1 \
    && [ "$(head -1 "$T/sim/traces.csv" | tr ',' '\n' | wc -l)" -eq $((1 + 36 * 2)) ] \
    && [ "$(grep -vc '^#' "$T/sim/snapshot_run35.csv")" -eq 20 ] \
    && [ "$(sed -n 2p "$T/sim/snapshot_run35.csv" | tr ',' '\n' | wc -l)" -eq 40 ]; then
    ok "simulate (tank): traces of 36 runs x 2 probes, 20 x 40 surface snapshots"
else bad "simulate (tank) outputs"; fi
# info says which tank kernel the build has.
$H info 2>&1 | grep -Eq '^tank +(fused AVX-512|portable loops)' \
    && ok "info names the tank kernel" || bad "info names the tank kernel"
# Every subcommand has --help.
for c in info run simulate evolve schema; do
    $H $c --help >/dev/null 2>&1 && ok "hydrores $c --help" || bad "hydrores $c --help"
done
exit $fail
