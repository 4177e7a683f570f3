#!/bin/sh
# check_tank.sh — a real tank behind the substrate interface, end to end on
# the command line:
#  - `hydrores tank serve` speaks the protocol on stdio; bad flags exit 2;
#  - `run` through the process driver gives the in-process tank's results
#    bit for bit (configs/tank-live-example.xml against configs/tank-xnor.xml);
#  - `record` of a simulated tank, then `run` on its replay: readout.csv and
#    metrics.csv byte-identical to the direct run;
#  - the recording's layout as h5py sees it (format, version, units on every
#    dataset, shapes), and the shipped replay example runs;
#  - a stimulus that is not in a recording, and corrupt, truncated,
#    wrong-version and damaged recordings: a clear error, exit 2;
#  - `record --import` of lab CSV files written from a recording gives back
#    the same traces;
#  - an evolution of 200 evaluations against the emulator with mixed faults,
#    a hang and a controller crash completes with every generation and every
#    failed evaluation in failures.log with its reason;
#  - the same evolution with recoverable faults, SIGKILLed mid-run and
#    resumed, ends byte-identical to an uninterrupted run and to a fault-free
#    one; no emulator is left behind.
set -u
H=${HYDRORES:-build/hydrores}
export HYDRORES="$H"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
ok() { echo "  ok   $1"; }
bad() { echo "  FAIL $1"; fail=1; }
same() { cmp -s "$1" "$2"; }

# --- The emulator on stdio.
printf '{"op":"hello","protocol":1,"client":"sh"}\n{"op":"reset","id":1,"settle_s":0}\n{"op":"bye"}\n' \
    | $H tank serve tests/tank/tiny.xml >"$T/serve.out" 2>"$T/serve.err"
if grep -q '"op":"hello"' "$T/serve.out" && grep -q '"op":"ready","id":1' "$T/serve.out"; then
    ok "tank serve answers hello and reset on stdio"
else bad "tank serve: $(cat "$T/serve.out" "$T/serve.err")"; fi
$H tank serve tests/tank/tiny.xml --drop 2 </dev/null >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 2 ] && grep -q "allowed: RATE in 0 .. 1" "$T/err" && ok "a bad fault flag exits 2: $(head -1 "$T/err")" || bad "bad fault flag: exit $rc"
$H tank serve </dev/null >/dev/null 2>&1; [ $? -eq 2 ] && ok "tank serve without CONFIG exits 2" || bad "tank serve without CONFIG"

# --- The process driver against the in-process tank.
# (the training patterns only: the 2D tank is the slow part under the sanitizers)
$H run configs/tank-xnor.xml --out "$T/sim" --set task.repetitions=0 >/dev/null 2>&1 || bad "run configs/tank-xnor.xml failed"
$H run configs/tank-live-example.xml --out "$T/live" --set task.repetitions=0 >/dev/null 2>"$T/live.err" || { bad "run configs/tank-live-example.xml failed"; cat "$T/live.err"; }
if same "$T/sim/readout.csv" "$T/live/readout.csv" && same "$T/sim/metrics.csv" "$T/live/metrics.csv"; then
    ok "configs/tank-live-example.xml (process driver + emulator) = configs/tank-xnor.xml, bit for bit"
else bad "the live example differs from the simulated tank"; fi

# --- Record and replay.
$H run tests/tank/tiny.xml --out "$T/direct" >/dev/null 2>&1
$H record tests/tank/tiny.xml --out "$T/rec" >"$T/rec.out" 2>&1 || { bad "record failed"; cat "$T/rec.out"; }
awk -v f="$T/rec/recording.h5" '/<substrate kind="tank">/ { print "  <substrate kind=\"replay\"> <file>" f "</file> </substrate>"; skip = 1 }
    !skip { print } /<\/substrate>/ { skip = 0 }' tests/tank/tiny.xml >"$T/replay.xml"
$H run "$T/replay.xml" --out "$T/replayed" >/dev/null 2>"$T/replay.err" || { bad "replay run failed"; cat "$T/replay.err"; }
if same "$T/direct/readout.csv" "$T/replayed/readout.csv" && same "$T/direct/metrics.csv" "$T/replayed/metrics.csv"; then
    ok "replay of a recording: readout.csv and metrics.csv byte-identical to the recorded run"
else bad "the replayed run differs from the recorded one"; fi
runs=$(awk '/recorded/ { print $2 }' "$T/rec.out")
[ "$runs" = 12 ] && ok "record ran all 12 stimuli (4 training, 8 held-out)" || bad "record ran $runs stimuli, expected 12"

# Missing stimulus.
$H run "$T/replay.xml" --out "$T/miss" --set encoder.high0=0.021 >/dev/null 2>"$T/err"; rc=$?
if [ $rc -eq 2 ] && grep -q "is not in the recording" "$T/err" && grep -q "amplitude 0.021" "$T/err"; then
    ok "a stimulus not in the recording: exit 2, named: $(cut -c1-110 "$T/err")..."
else bad "missing stimulus: exit $rc: $(cat "$T/err")"; fi

# The layout as h5py users see it.
if $PY - "$T/rec/recording.h5" >"$T/h5.out" 2>&1 <<'EOF'
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
assert f.attrs["format"].decode() == "hydrores-tank-recording"
assert int(f.attrs["format_version"]) == 1
tr = f["traces"]
assert tr.shape == (12, 2, int(f["runs/length"][0])), tr.shape
assert abs(float(f.attrs["dt_s"]) - 0.02) < 1e-15 and float(tr.attrs["sample_rate_hz"]) == 50
def walk(name, obj):
    if isinstance(obj, h5py.Dataset):
        assert "units" in obj.attrs, name
f.visititems(walk)
assert f["traces"].attrs["units"].decode() == "m"
assert f["sources/frequency"].attrs["units"].decode() == "Hz"
run = f["sources/run"][...]
assert list(run[:4]) == [0, 0, 1, 1]
assert list(f["sources/maker"][:2]) == [0, 1]
assert f["probes/name"][...].astype(str).tolist() == ["probe0", "probe1"]
assert np.allclose(f["probes/x"][...], [0.5, 0.7])
assert np.isfinite(tr[...]).all() and (f["spread"][...] == 0).all()
assert f.attrs["substrate_kind"].decode() == "tank" and "<experiment" in f.attrs["config_xml"].decode()
print("ok")
EOF
then ok "h5py reads the layout: format, version, units on every dataset, shapes, sources, probes"
else bad "h5py layout check: $(cat "$T/h5.out")"; fi

# Broken recordings: exit 2 with a clear message.
printf 'not hdf5\n' >"$T/text.h5"
head -c 5000 "$T/rec/recording.h5" >"$T/trunc.h5"
cp "$T/rec/recording.h5" "$T/v2.h5"; cp "$T/rec/recording.h5" "$T/damaged.h5"
$PY - "$T/v2.h5" "$T/damaged.h5" <<'EOF'
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "r+") as f:
    f.attrs.modify("format_version", np.int32(2))
with h5py.File(sys.argv[2], "r+") as f:
    f["traces"][3, 1, 10] += 1e-6
EOF
for c in "text:not an HDF5 file" "trunc:corrupt recording" "v2:format version 2 (allowed: 1" "damaged:checksum"; do
    f=${c%%:*}; want=${c#*:}
    sed "s|$T/rec/recording.h5|$T/$f.h5|" "$T/replay.xml" >"$T/r-$f.xml"
    $H run "$T/r-$f.xml" --out "$T/o-$f" >/dev/null 2>"$T/err"; rc=$?
    [ $rc -eq 2 ] && grep -q "$want" "$T/err" && ok "$f recording: exit 2: $(cut -c1-100 "$T/err")" || bad "$f recording: exit $rc: $(cat "$T/err")"
done

# Import of lab CSV files: one per run plus a manifest.
$PY - "$T/rec/recording.h5" "$T/lab" <<'EOF'
import sys, os, h5py
f = h5py.File(sys.argv[1], "r"); d = sys.argv[2]; os.makedirs(d)
dt = float(f.attrs["dt_s"]); names = f["probes/name"][...].astype(str)
src = f["sources"]
with open(d + "/manifest.csv", "w") as m:
    m.write("file,maker,amplitude,frequency_hz,phase,start_s,duration_s,ramp_s,t_end_s\n")
    for s in range(len(src["run"])):
        i = int(src["run"][s])
        m.write("run%02d.csv,%d,%r,%r,%r,%r,%r,%r,%r\n" % (i, src["maker"][s], src["amplitude"][s],
                src["frequency"][s], src["phase"][s], src["start"][s], src["duration"][s],
                src["ramp"][s], f["runs/t_end"][i]))
for i in range(f["traces"].shape[0]):
    n = int(f["runs/length"][i])
    with open(d + "/run%02d.csv" % i, "w") as r:
        r.write("t," + ",".join(names) + "\n")
        for k in range(n):
            r.write("%.6f," % (k * dt) + ",".join(repr(float(f["traces"][i, p, k])) for p in range(len(names))) + "\n")
with open(d + "/probes.csv", "w") as p:
    p.write("name,x_m,y_m\nprobe0,0.5,0.05\nprobe1,0.7,0.05\n")
EOF
$H record --import "$T/lab/manifest.csv" --probes "$T/lab/probes.csv" --out "$T/imp" >"$T/imp.out" 2>&1 || { bad "import failed"; cat "$T/imp.out"; }
if $PY - "$T/rec/recording.h5" "$T/imp/recording.h5" <<'EOF'
import sys, h5py, numpy as np
a = h5py.File(sys.argv[1], "r"); b = h5py.File(sys.argv[2], "r")
assert (a["traces"][...] == b["traces"][...]).all()
assert abs(float(a.attrs["dt_s"]) - float(b.attrs["dt_s"])) < 1e-12
for k in ("maker", "amplitude", "frequency", "run"):
    assert (a["sources/" + k][...] == b["sources/" + k][...]).all(), k
assert b.attrs["substrate_kind"].decode() == "import" and b["probes/x"][1] == 0.7
EOF
then ok "record --import of per-run CSVs and a manifest gives back the recorded traces and stimuli"
else bad "the imported recording differs"; fi
printf 'file,maker,amplitude\nrun00.csv,0,abc\n' >"$T/lab/bad.csv"
$H record --import "$T/lab/bad.csv" --out "$T/imp2" >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 2 ] && grep -q "bad.csv:2: amplitude = 'abc' is not a finite number" "$T/err" && ok "a bad manifest: exit 2 with FILE:LINE" || bad "bad manifest: exit $rc $(cat "$T/err")"

# The shipped replay example.
$H run configs/tank-replay-example.xml --out "$T/ex" >"$T/ex.out" 2>&1 && ok "configs/tank-replay-example.xml runs as shipped" || { bad "replay example"; cat "$T/ex.out"; }

# --- Calibration: record the emulator (noise 1e-5 m) at depth 0.05 m and
# drag 0.05 /s, fit a simulator that starts at 0.04 m and 0.15 /s. Depth sets
# the wave speed, so it is pinned (within 1%); drag only damps the waves a
# little over the 2 s of a run, so it is found within 0.03 /s.
TANK_FAULTS="--noise 1e-5 --seed 2" $H record tests/tank/tiny-process.xml --out "$T/twin-rec" >/dev/null 2>&1 || bad "record of the noisy emulator failed"
$H evolve tests/tank/tiny-calibrate.xml --out "$T/twin" --set fitness.file="$T/twin-rec/recording.h5" --quiet >"$T/twin.out" 2>&1 || { bad "calibration failed"; cat "$T/twin.out"; }
depth=$(sed -n 's|.*<depth>\(.*\)</depth>.*|\1|p' "$T/twin/best.xml")
drag=$(sed -n 's|.*<drag>\(.*\)</drag>.*|\1|p' "$T/twin/best.xml")
awk -v d="$depth" -v r="$drag" 'BEGIN { exit !(d > 0.0495 && d < 0.0505 && r > 0.02 && r < 0.08) }' \
    && ok "calibration recovers depth $depth (true 0.05) and drag $drag (true 0.05)" || bad "calibration found depth $depth, drag $drag"

# --- Evolution against the emulator with mixed faults and a crash.
S="$T/emu.state"
TANK_FAULTS="--drop .05 --nan .03 --garbage .03 --error .03 --wrong-id .03 --short-row .02 --hang @57 --crash-after 150 --state $S" \
    $H evolve tests/tank/tiny-evolve.xml --out "$T/evo" --threads 2 --quiet >"$T/evo.out" 2>"$T/evo.err"; rc=$?
gens=$(($(wc -l <"$T/evo/generations.csv") - 1))
consecutive=$(awk -F, 'NR > 1 && $1 != NR - 2 { bad = 1 } END { print bad ? 0 : 1 }' "$T/evo/generations.csv")
last=$(awk -F, 'END { print $2 }' "$T/evo/generations.csv")
failed=$(sed -n 's/.* evaluations (\([0-9]*\) failed).*/\1/p' "$T/evo.out")
nlog=$(wc -l <"$T/evo/failures.log")
tankfail=$(grep -c "tank: stimulus" "$T/evo/failures.log")
[ $rc -eq 0 ] && [ "$consecutive" -eq 1 ] && [ "$last" -eq 200 ] && ok "200 evaluations with mixed faults: completed, all $gens generations, none lost" || bad "faulty evolution: exit $rc, $gens generations, last at $last evaluations"
[ -n "$failed" ] && [ "$failed" -eq "$nlog" ] && [ "$tankfail" -gt 0 ] && ok "every failed evaluation ($failed) is in failures.log with its reason ($tankfail tank faults given up)" || bad "failures.log has $nlog lines, $failed failed"
grep -q "exited with status 3" "$T/evo.err" && grep -q "restarting the controller" "$T/evo.err" && ok "the controller crash was logged and the controller restarted" || bad "no crash and restart in the log"
grep -q "no answer within 0.5 s" "$T/evo.err" && ok "the hang timed out and was logged" || bad "no hang in the log"
n=$(grep -c "tank fault: " "$T/evo.err"); [ "$n" -gt 50 ] && ok "$n faults logged with time and stimulus" || bad "only $n faults logged"

# --- SIGKILL and resume, against the same seeded emulator (recoverable
# faults), 120 evaluations (7 generations).
F="--drop .05 --nan .05 --garbage .03 --error .03 --latency 0.002 --crash-after 100"
run_evo() { TANK_FAULTS="$2" $H evolve tests/tank/tiny-evolve.xml --out "$1" --threads 2 --quiet --set substrate.tries=12 --max-evals 120 $3 >"$1.log" 2>&1; }
run_evo "$T/clean" "" "" || bad "fault-free evolution failed"
run_evo "$T/full" "$F --state $T/s1" "" || bad "uninterrupted faulty evolution failed"
TANK_FAULTS="$F --state $T/s2" $H evolve tests/tank/tiny-evolve.xml --out "$T/killed" --threads 2 --quiet --set substrate.tries=12 --max-evals 120 >/dev/null 2>&1 &
pid=$!
i=0
while [ $i -lt 600 ]; do
    g=$(($( { wc -l <"$T/killed/generations.csv"; } 2>/dev/null || echo 1) - 1))
    [ "$g" -ge 3 ] && break
    sleep 0.02; i=$((i + 1))
done
kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
g=$(($(wc -l <"$T/killed/generations.csv") - 1))
[ "$g" -lt 7 ] && ok "killed (SIGKILL) after $g of 7 generations" || bad "the run finished before it could be killed"
sleep 0.3
left=$(ps -eo args | grep -c "[t]ank serve tests/tank/tiny.xml .*$T/s2")
[ "$left" -eq 0 ] && ok "no emulator left behind after the SIGKILL" || bad "$left emulators left behind"
run_evo "$T/killed" "$F --state $T/s2" "--resume" || { bad "resume failed"; cat "$T/killed.log"; }
if same "$T/full/archive.csv" "$T/killed/archive.csv" && same "$T/full/best.xml" "$T/killed/best.xml"; then
    ok "killed and resumed: archive.csv and best.xml identical to the uninterrupted run"
else bad "killed and resumed run differs"; fi
if same "$T/full/archive.csv" "$T/clean/archive.csv" && same "$T/full/best.xml" "$T/clean/best.xml"; then
    ok "and identical to the fault-free run (every fault was retried away)"
else bad "faulty run differs from the fault-free one"; fi
run_evo "$T/one" "$F --state $T/s3" "--threads 1" || bad "one-thread faulty evolution failed"
if same "$T/full/archive.csv" "$T/one/archive.csv" && same "$T/full/best.xml" "$T/one/best.xml"; then
    ok "and identical to a one-thread run (runs queued onto one tank behind its lock)"
else bad "one thread and two threads differ"; fi
! grep -q "tank:" "$T/full/failures.log" && ok "no evaluation lost to the tank with recoverable faults" || bad "tank failures with recoverable faults: $(grep "tank:" "$T/full/failures.log" | head -2)"

exit $fail
