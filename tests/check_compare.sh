#!/bin/sh
# check_compare.sh — `hydrores compare` end to end, and its .npy files read
# back by Debian's numpy (/usr/bin/python3, python3-numpy):
#  - a compare file (2 variants x 2 tasks x a bits sweep = 8 cells) writes
#    compare.csv, compare.md and config.xml, every cell ok, 8-bit cells with
#    8-bit weights, the Pareto column set on at least one cell per task;
#  - `hydrores compare DIR/config.xml` reruns the same cells to the same scores;
#  - experiment files as cells (CONFIG1 CONFIG2), integer esn and lru, --npy:
#    numpy loads every array (format 1.0, little-endian) with the shapes
#    and dtypes documented, pred = X w + b from the exported readout weights,
#    the dequantized weights are scale x code exactly, |Lambda| < 1, the
#    traces hold the X columns;
#  - bad input: a missing --out, a sweep nobody has, an unknown element, an
#    existing folder without --force: exit 2 with a message.
set -u
H=${HYDRORES:-build/hydrores}
PY=/usr/bin/python3
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
ok() { echo "  ok   $1"; }
bad() { echo "  FAIL $1"; fail=1; }

$H compare tests/compare-small.xml --out "$T/c" --quiet >"$T/log" 2>&1 || { bad "compare failed"; cat "$T/log"; }
[ -s "$T/c/compare.csv" ] && [ -s "$T/c/compare.md" ] && [ -s "$T/c/config.xml" ] \
    && ok "writes compare.csv, compare.md, config.xml" || bad "missing outputs"
rows=$(($(wc -l <"$T/c/compare.csv") - 1))
[ "$rows" -eq 8 ] && ok "8 cells (2 variants x 2 tasks x 2 bit widths)" || bad "$rows cells, expected 8"
nok=$(awk -F, 'NR > 1 && $7 == "ok"' "$T/c/compare.csv" | wc -l)
[ "$nok" -eq 8 ] && ok "every cell ok" || bad "$nok of 8 cells ok"
awk -F, 'NR > 1 && $5 == "substrate.bits=8" && $18 != 8 { bad = 1 } END { exit bad }' "$T/c/compare.csv" \
    && ok "8-bit cells report 8-bit weights" || bad "weight bits of the 8-bit cells"
for task in narma10 memory; do
    n=$(awk -F, -v t=$task 'NR > 1 && $4 == t && $24 == 1' "$T/c/compare.csv" | wc -l)
    [ "$n" -ge 1 ] && ok "$task: $n cells on the Pareto front" || bad "$task: no Pareto front"
done
$H compare "$T/c/config.xml" --out "$T/again" --quiet >"$T/log" 2>&1 || { bad "rerun of config.xml failed"; cat "$T/log"; }
cut -d, -f2,9 "$T/c/compare.csv" >"$T/s1"; cut -d, -f2,9 "$T/again/compare.csv" >"$T/s2"
cmp -s "$T/s1" "$T/s2" && ok "DIR/config.xml reruns the same cells to the same scores" || { bad "rerun differs"; diff "$T/s1" "$T/s2"; }

# Two experiment files with integer arithmetic, --npy.
cat >"$T/esn.xml" <<'EOF'
<experiment name="esnint">
  <substrate kind="esn"> <units>20</units> <input_connectivity>1</input_connectivity> <input_scaling>0.3</input_scaling>
    <bits>8</bits> <scale>channel</scale> <state_bits>10</state_bits> <rounding>stochastic</rounding> </substrate>
  <encoder kind="stream"> <amp>1</amp> <low>0</low> <high>1</high> <step>1</step> </encoder>
  <readout> <t>0</t> <bias>1</bias> </readout>
  <task kind="narma10"> <washout>20</washout> <train>100</train> <test>50</test> </task>
  <fitness kind="score"> <readout>ridge</readout> </fitness>
</experiment>
EOF
cat >"$T/lru.xml" <<'EOF'
<experiment name="lruint">
  <substrate kind="lru"> <units>8</units> <outputs>12</outputs> <trace>output</trace> <density>0.5</density>
    <bits>6</bits> <state_bits>12</state_bits> </substrate>
  <encoder kind="stream"> <amp>1</amp> <low>0</low> <high>1</high> <step>1</step> </encoder>
  <readout> <t>0</t> <bias>1</bias> </readout>
  <task kind="memory"> <kmax>5</kmax> <washout>20</washout> <train>100</train> <test>50</test> </task>
  <fitness kind="score"> <readout>ridge</readout> </fitness>
</experiment>
EOF
$H compare "$T/esn.xml" "$T/lru.xml" --out "$T/n" --npy --quiet >"$T/log" 2>&1 || { bad "compare of two experiment files failed"; cat "$T/log"; }
if ! $PY -c "import numpy" 2>/dev/null; then
    bad "Debian's python3-numpy is missing (make deps installs it)"
elif $PY - "$T/n" >"$T/py" 2>&1 <<'EOF'
import sys, numpy as np
d = sys.argv[1]
def load(name):
    with open(f"{d}/{name}.npy", "rb") as f:
        assert np.lib.format.read_magic(f) == (1, 0), name
    a = np.load(f"{d}/{name}.npy", allow_pickle=False)
    assert a.dtype.byteorder in "<=|", name
    return a
# cell 0: integer ESN, 20 units, 1 input, 100 training rows, 50 held out.
X, Xt, y, w = load("cell00_X"), load("cell00_X_test"), load("cell00_y"), load("cell00_readout_weights")
assert X.shape == (100, 20) and Xt.shape == (50, 20) and y.shape == (100, 1), (X.shape, Xt.shape)
assert w.shape == (21, 1)
for xs, p in ((X, "cell00_pred"), (Xt, "cell00_pred_test")):
    pred = load(p)
    err = np.abs(xs @ w[:-1] + w[-1] - pred).max()
    assert err < 1e-9, (p, err)
W, Wc, Ws = load("cell00_W"), load("cell00_W_code"), load("cell00_W_scale")
assert W.dtype == np.float64 and Wc.dtype == np.int32 and W.shape == (20, 20) and Ws.shape == (20,)
assert np.array_equal(W, Ws[:, None] * Wc), "W != scale x code"
assert np.abs(Wc).max() <= 127
Wi, Wic, Wis = load("cell00_W_in"), load("cell00_W_in_code"), load("cell00_W_in_scale")
assert Wi.shape == (20, 1) and np.array_equal(Wi, Wis[:, None] * Wic)
b, bc, bs = load("cell00_bias"), load("cell00_bias_code"), load("cell00_bias_scale")
assert np.array_equal(b, bs * bc)
assert list(load("cell00_fraction_bits")) == [8, 7]  # 10-bit state, 1 integer bit; inputs range 4
tr = load("cell00_traces")
assert tr.shape[:2] == (1, 20) and tr.shape[2] >= 170, tr.shape  # up to the last readout time (+2)
assert np.array_equal(tr[0, :, 20:120].T, X), "traces are the X columns"
assert np.all(np.abs(tr * 2**8 - np.round(tr * 2**8)) == 0), "states are codes x 2^-8"
# cell 1: integer LRU, 8 units, 12 outputs, 50% sparse B and C, 6-bit weights.
L, B, C, D = load("cell01_Lambda"), load("cell01_B"), load("cell01_C"), load("cell01_D")
assert L.dtype == np.complex128 and L.shape == (8,) and B.shape == (8, 1) and C.shape == (12, 8)
assert D.shape == (12, 1)
assert np.abs(L).max() < 1
Lc, Ls = load("cell01_Lambda_code"), load("cell01_Lambda_scale")
assert Lc.shape == (8, 2) and np.array_equal(L, Ls * (Lc[:, 0] + 1j * Lc[:, 1]))
Cc, Cs = load("cell01_C_code"), load("cell01_C_scale")
assert Cc.shape == (12, 8, 2) and np.array_equal(C, Cs[:, None] * (Cc[..., 0] + 1j * Cc[..., 1]))
assert np.abs(Cc).max() <= 31
assert np.count_nonzero(C) == 48, np.count_nonzero(C)  # round(0.5 x 96)
assert load("cell01_y").shape == (100, 5)
print("numpy", np.__version__, "ok")
EOF
then ok "numpy loads the .npy files: $(cat "$T/py")"
else bad "numpy check"; cat "$T/py"; fi

# The shipped comparison loads: 11 variants x 2 tasks.
n=$($H compare configs/compare-narma10.xml --list 2>"$T/err" | wc -l)
[ "$n" -eq 22 ] && ok "configs/compare-narma10.xml: 22 cells" || { bad "configs/compare-narma10.xml: $n cells"; cat "$T/err"; }
n=$($H compare tests/compare-small.xml --list --sweep substrate.density=1,0.5 2>"$T/err" | wc -l)
[ "$n" -eq 16 ] && ok "a second sweep multiplies the cells (16)" || { bad "two sweeps: $n cells"; cat "$T/err"; }

# Bad input.
$H compare tests/compare-small.xml >"$T/out" 2>"$T/err"; rc=$?
[ $rc -eq 2 ] && grep -q "out DIR" "$T/err" && ok "missing --out: exit 2" || bad "missing --out: exit $rc"
$H compare tests/compare-small.xml --out "$T/x" --sweep substrate.nosuch=1,2 >"$T/out" 2>"$T/err"; rc=$?
[ $rc -eq 2 ] && grep -q "no cell has" "$T/err" && ok "sweep of an unknown setting: exit 2 ($(cat "$T/err"))" || { bad "unknown sweep: exit $rc"; cat "$T/err"; }
printf '<compare><bogus/></compare>\n' >"$T/bad.xml"
$H compare "$T/bad.xml" --out "$T/x" >"$T/out" 2>"$T/err"; rc=$?
[ $rc -eq 2 ] && grep -q "unknown element <bogus>" "$T/err" && ok "unknown element: exit 2" || { bad "unknown element: exit $rc"; cat "$T/err"; }
printf '<compare><variant label="a b"/><task label="t"/></compare>\n' >"$T/bad.xml"
$H compare "$T/bad.xml" --out "$T/x" >"$T/out" 2>"$T/err"; rc=$?
[ $rc -eq 2 ] && grep -q "label" "$T/err" && ok "bad label: exit 2" || { bad "bad label: exit $rc"; cat "$T/err"; }
printf 'not xml' >"$T/bad.xml"
$H compare "$T/bad.xml" --out "$T/x" >"$T/out" 2>"$T/err"; rc=$?
[ $rc -eq 2 ] && ok "not XML: exit 2" || { bad "not XML: exit $rc"; cat "$T/err"; }
$H compare tests/compare-small.xml --out "$T/c" >"$T/out" 2>"$T/err"; rc=$?
[ $rc -eq 2 ] && grep -q "already exists" "$T/err" && ok "existing --out kept without --force" || { bad "existing --out: exit $rc"; cat "$T/err"; }

# Fuzz the compare-file reader (a total reader: every input gets exit 0 or
# 2 with a message, never a crash or another status): 200 mutants of
# tests/compare-small.xml, fixed seed (byte flips, truncations, duplicated
# and dropped lines, odd attribute values), through --list.
if $PY - "$T/fz" <<'EOF'
import os, random, sys
d = sys.argv[1]; os.makedirs(d)
src = open("tests/compare-small.xml", "rb").read()
rnd = random.Random(11)
lines = src.split(b"\n")
for i in range(200):
    k = i % 5
    if k == 0:
        b = bytearray(src)
        for _ in range(rnd.randint(1, 8)):
            b[rnd.randrange(len(b))] = rnd.randrange(256)
        out = bytes(b)
    elif k == 1:
        out = src[: rnd.randrange(len(src))]
    elif k == 2:
        l = lines[:]; j = rnd.randrange(len(l)); l.insert(j, l[rnd.randrange(len(l))]); out = b"\n".join(l)
    elif k == 3:
        l = lines[:]; del l[rnd.randrange(len(l))]; out = b"\n".join(l)
    else:
        vals = [b"", b"-1", b"1e999", b"nan", b"a b", b"x" * 300, b"substrate.", b".", b"=", b"0,,"]
        out = src.replace(b'values="0 8"', b'values="' + rnd.choice(vals) + b'"', 1) \
                 .replace(b'label="esn30"', b'label="' + rnd.choice(vals) + b'"', 1) \
                 .replace(b'name="encoder.low0"', b'name="' + rnd.choice(vals) + b'"', 1)
    open(f"{d}/m{i:03d}.xml", "wb").write(out)
EOF
then
    bad_rc=0
    for f in "$T"/fz/m*.xml; do
        $H compare "$f" --list >/dev/null 2>"$T/fz.err"; rc=$?
        if [ $rc -ne 0 ] && [ $rc -ne 2 ]; then bad_rc=$((bad_rc + 1)); echo "    $f: exit $rc"; head -3 "$T/fz.err"; fi
        if [ $rc -eq 2 ] && [ ! -s "$T/fz.err" ]; then bad_rc=$((bad_rc + 1)); echo "    $f: exit 2 without a message"; fi
    done
    [ $bad_rc -eq 0 ] && ok "200 mutated compare files: exit 0 or 2 with a message" || bad "$bad_rc mutants crashed or exited oddly"
else bad "could not make the fuzz inputs"; fi
exit $fail
