"""Reference state sequences of ReservoirPy's leaky ESN (tests/test_esn.c).

Run from this folder with ReservoirPy 0.3.12 importable, e.g.
    git -C /path/to/reservoirpy archive v0.3.12 reservoirpy | tar -x -C /tmp/rpy
    PYTHONPATH=/tmp/rpy /usr/bin/python3 gen.py
It draws a Reservoir with ReservoirPy's own initialisers, runs it on a fixed
input sequence and writes the weights it drew and the states it computed as
CSV (%.17g), so the C ESN can be loaded with the same weights and checked
step by step.
"""
import numpy as np
import reservoirpy
from reservoirpy.nodes import Reservoir
from reservoirpy.observables import spectral_radius

assert reservoirpy.__version__ == "0.3.12", reservoirpy.__version__
reservoirpy.verbosity(0)

units, inputs, steps = 30, 2, 80
res = Reservoir(units, lr=0.3, sr=0.9, input_scaling=0.5, bias_scaling=0.2,
                rc_connectivity=0.2, input_connectivity=0.5, seed=42)
u = np.random.default_rng(7).uniform(-1, 1, size=(steps, inputs))
states = res.run(u)

def dense(m):
    return m.toarray() if hasattr(m, "toarray") else np.asarray(m)

def save(name, a):
    np.savetxt(name, np.atleast_2d(a), fmt="%.17g", delimiter=",")

save("W.csv", dense(res.W))
save("Win.csv", dense(res.Win))
save("bias.csv", dense(res.bias).reshape(1, -1))
save("u.csv", u)
save("states.csv", states)
with open("params.csv", "w") as f:
    f.write("name,value\n")
    f.write(f"units,{units}\ninputs,{inputs}\nsteps,{steps}\nlr,0.3\n")
    f.write(f"sr_requested,0.9\nsr_scipy,{spectral_radius(res.W):.17g}\n")
    f.write(f"nnz_W,{dense(res.W).astype(bool).sum()}\n")
