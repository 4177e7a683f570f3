#!/bin/sh
# bench_reservoirpy.sh — ReservoirPy 0.3.12's Reservoir.run rate at N = 100,
# 500, 2000 (10% connectivity, 1 input), to quote bench_esn's ratios against
# the same machine in the same session. ReservoirPy is not part of hydrores:
# this runs only if it can be imported by Debian's python3 (e.g.
# PYTHONPATH=/tmp/rpy with `git archive v0.3.12 reservoirpy` unpacked there,
# and python3-joblib, python3-dill, python3-tqdm installed); then pass its
# figures to bench_esn as HR_RESERVOIRPY_RATES=a,b,c.
PY=/usr/bin/python3
if ! $PY -c "import reservoirpy" 2>/dev/null; then
    echo "ReservoirPy is not importable: skipped (see bench/bench_reservoirpy.sh)"
    exit 0
fi
$PY - <<'X'
import time, numpy as np, reservoirpy
from reservoirpy.nodes import Reservoir
reservoirpy.verbosity(0)
print("ReservoirPy", reservoirpy.__version__, "numpy", np.__version__, "(Reservoir.run, best of 3, wall clock)")
rates = []
for n, steps in ((100, 4000), (500, 4000), (2000, 1000)):
    r = Reservoir(n, sr=0.9, rc_connectivity=0.1, input_connectivity=0.1, seed=1)
    u = np.random.default_rng(0).uniform(-1, 1, size=(steps, 1))
    r.run(u[:10])
    best = 0
    for rep in range(3):
        t = time.perf_counter(); r.run(u); t = time.perf_counter() - t
        best = max(best, steps / t)
    rates.append(best)
    print(f"  N = {n}: {best:.4g} updates/s")
print("HR_RESERVOIRPY_RATES=" + ",".join(f"{x:.4g}" for x in rates))
X
