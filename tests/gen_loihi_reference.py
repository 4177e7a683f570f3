#!/usr/bin/python3
"""gen_loihi_reference.py -- Loihi 2 reference vectors from Lava's own code.

Runs the bit-accurate process models of Lava (lava-nc/lava, commit
b6822fbc0e85730fc0da6979451f42fef038fb71) step by step with the framework's
ports replaced by plain numpy arrays, and writes every input, parameter and
per-step state as CSV (format: tests/reference/loihi/README.md):

  src/lava/proc/lif/models.py      PyLifModelBitAcc (CUBA-LIF)
  src/lava/proc/dense/models.py    PyDenseModelBitAcc (weights, one-step delay)
  src/lava/utils/weightutils.py    determine_sign_mode, clip_weights, truncate_weights
  src/lava/proc/sdn/models.py      PySigmaDeltaModelFixed (the model Lava's
                                   fixed_pt tag selects), PySigmaDeltaModelFixedCorrected,
                                   PyDeltaModelFixed
  src/lava/proc/sdn/process.py     SigmaDelta / Delta (vth and bias scaling)

Lava's modules are imported from the source tree given on the command line;
every other lava.* module they import (the framework: ports, decorators,
process base classes) is replaced by an inert stand-in, so only the update
code itself runs. Nothing of Lava is copied into this repository.

usage:
  /usr/bin/python3 tests/gen_loihi_reference.py LAVA_SRC OUTDIR
      LAVA_SRC: the src/ folder of a Lava checkout, e.g. from
        git -C /work/.mirror/lava-nc+lava/repo archive b6822fbc src/lava | tar -x -C /tmp/lava
      (then LAVA_SRC = /tmp/lava/src)
  /usr/bin/python3 tests/gen_loihi_reference.py LAVA_SRC --replay DIR
      re-runs the LIF cases of DIR (any folder in this format, e.g. the
      shared reference) through Lava's code and compares every trace row.

Channel and port types follow Lava's runtime: a channel has the dtype of its
source port (Dense a_out: int32, LIF s_out: int32) and stores what is sent by
numpy assignment (so int64 sums wrap to int32); an InPort's recv() returns
zeros of its own dtype plus the channel's data (LIF a_in: int16 + int32 ->
int32, so the 16-bit a_in precision is declared, not enforced, by Lava's
Python model).
"""
import csv
import enum
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
import types

import numpy as np

LAVA_COMMIT = "b6822fbc0e85730fc0da6979451f42fef038fb71"
REAL = {
    "lava.utils.weightutils",
    "lava.proc.lif.models",
    "lava.proc.dense.models",
    "lava.proc.sdn.models",
    "lava.proc.sdn.process",
}


# ---- Stand-ins for Lava's framework ----------------------------------------

class _AnyMeta(type):
    def __getattr__(cls, name):
        return _Any()


class _Any(metaclass=_AnyMeta):
    """A framework object: constructible, subclassable, attribute-rich."""

    def __init__(self, *args, **kwargs):
        # Process models are built with their proc_params dict.
        if args and isinstance(args[0], dict):
            self.proc_params = args[0]
        elif "proc_params" in kwargs:
            self.proc_params = kwargs["proc_params"]
        else:
            self.proc_params = dict(kwargs)

    def __getattr__(self, name):
        return _Any()

    def __call__(self, *args, **kwargs):
        return _Any()


class Var:
    """lava.magma.core.process.variable.Var: keeps the init value."""

    def __init__(self, shape=(1,), init=0, **kwargs):
        self.shape = shape
        self.init = init


def _decorator_factory(*args, **kwargs):
    # @implements(proc=..., protocol=...), @requires(CPU), @tag("fixed_pt"):
    # always called with arguments in the modules used here.
    return lambda cls: cls


class _StubModule(types.ModuleType):
    def __init__(self, name):
        super().__init__(name)
        self.__path__ = []
        self._classes = {}

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        if name == "Var":
            return Var
        if name[:1].isupper():
            if name not in self._classes:
                self._classes[name] = type(name, (_Any,), {})
            return self._classes[name]
        return _decorator_factory


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def __init__(self, src):
        self.src = src

    def find_spec(self, fullname, path, target=None):
        if fullname != "lava" and not fullname.startswith("lava."):
            return None
        if fullname in REAL:
            file = os.path.join(self.src, *fullname.split(".")) + ".py"
            return importlib.util.spec_from_file_location(fullname, file)
        return importlib.machinery.ModuleSpec(fullname, self, is_package=True)

    def create_module(self, spec):
        return _StubModule(spec.name)

    def exec_module(self, module):
        pass


def load_lava(src):
    for name in REAL:
        file = os.path.join(src, *name.split(".")) + ".py"
        if not os.path.isfile(file):
            sys.exit(f"gen_loihi_reference: {file} not found (LAVA_SRC must be the src/ "
                     f"folder of lava-nc/lava at {LAVA_COMMIT})")
    sys.meta_path.insert(0, _Finder(src))
    import lava.proc.lif.models as lif
    import lava.proc.dense.models as dense
    import lava.proc.sdn.models as sdn
    import lava.proc.sdn.process as sdnp
    return lif, dense, sdn, sdnp


# ---- Ports as arrays ---------------------------------------------------------

class Channel:
    """A channel of dtype `dtype`: send assigns into the buffer (numpy cast)."""

    def __init__(self, shape, dtype):
        self.buf = np.zeros(shape, dtype)
        self.full = False

    def send(self, data):
        self.buf[:] = data
        self.full = True

    def take(self):
        assert self.full, "receive before send"
        self.full = False
        return self.buf.copy()


class InPort:
    """PyInPortVectorDense.recv: zeros of the port's dtype plus each channel."""

    def __init__(self, shape, dtype, channels):
        self.shape, self.dtype, self.channels = shape, dtype, channels

    def recv(self):
        acc = np.zeros(self.shape, self.dtype)
        for c in self.channels:
            acc = acc + c.take()
        return acc


class OutPort:
    def __init__(self, channels):
        self.channels = channels

    def send(self, data):
        for c in self.channels:
            c.send(data)


# ---- Process models wired by hand ------------------------------------------

def make_dense(dense_mod, weights, weight_exp, num_weight_bits, graded, s_in, a_out):
    m = dense_mod.PyDenseModelBitAcc({"weight_exp": weight_exp,
                                       "num_weight_bits": num_weight_bits})
    m.weights = np.array(weights, dtype=np.int32)          # LavaPyType np.int32
    m.a_buff = np.zeros(m.weights.shape[0], np.int32)       # LavaPyType np.int32
    m.num_message_bits = np.array([24 if graded else 0])   # LavaPyType int
    m.s_in = InPort((m.weights.shape[1],), bool, [s_in])    # LavaPyType bool
    m.a_out = OutPort([a_out])
    return m


def make_lif(lif_mod, n, du, dv, vth, bias_mant, bias_exp, a_in, s_out):
    m = lif_mod.PyLifModelBitAcc({})
    m.u = np.zeros(n, np.int32)
    m.v = np.zeros(n, np.int32)
    m.du, m.dv, m.vth = int(du), int(dv), int(vth)           # LavaPyType int
    m.bias_mant = np.array(bias_mant, np.int16)
    m.bias_exp = np.array(bias_exp, np.int16)
    m.a_in = InPort((n,), np.int16, a_in)
    m.s_out = OutPort([s_out])
    return m


class LifNet:
    """Input Dense (from input spikes) + recurrent Dense + LIF, as in Lava."""

    def __init__(self, mods, c):
        lif_mod, dense_mod = mods[0], mods[1]
        n, k = c["neurons"], c["inputs"]
        self.x_ch = Channel((k,), np.int32)        # spike source out port (int32 spikes)
        self.ain_in = Channel((n,), np.int32)      # Dense a_out: int32
        self.ain_rec = Channel((n,), np.int32)
        self.s_lif = Channel((n,), np.int32)       # LIF s_out: int32
        self.d_in = make_dense(dense_mod, c["W_in"], c["w_in_exp"], c["w_in_bits"], False,
                               self.x_ch, self.ain_in)
        self.d_rec = make_dense(dense_mod, c["W_rec"], c["w_rec_exp"], c["w_rec_bits"], False,
                                self.s_lif, self.ain_rec)
        self.lif = make_lif(lif_mod, n, c["du"], c["dv"], c["vth"], c["bias_mant"],
                            c["bias_exp"], [self.ain_in, self.ain_rec], self.s_lif)
        self.has_rec = np.any(np.array(c["W_rec"]) != 0)

    def step(self, x):
        # Dense sends its buffer (step t-1) before receiving; LIF receives the
        # sum of both channels; the recurrent Dense then receives the spikes.
        self.x_ch.send(x)
        self.d_in.run_spk()
        rec_buff = self.d_rec.a_buff.copy()
        self.ain_rec.send(rec_buff)            # what d_rec.run_spk will send first
        self.lif.run_spk()
        s = self.s_lif.buf.copy()
        sent = Channel(self.ain_rec.buf.shape, np.int32)
        self.d_rec.a_out = OutPort([sent])
        self.d_rec.run_spk()
        assert np.array_equal(sent.take(), rec_buff)
        return self.lif.u.copy(), self.lif.v.copy(), s


class SdnNet:
    """[Delta input encoder] -> input Dense (graded) + recurrent Dense (graded)
    -> SigmaDelta neurons, as in Lava."""

    def __init__(self, mods, c):
        dense_mod, sdn_mod, sdnp = mods[1], mods[2], mods[3]
        n, k = c["neurons"], c["inputs"]
        se, st = c["spike_exp"], c["state_exp"]
        # The process scales vth and bias by 2^(spike_exp + state_exp).
        proc = sdnp.SigmaDelta(shape=(n,), vth=c["vth"], bias=np.array(c["bias"]),
                               act_mode=sdnp.ActivationMode(c["act_mode"]),
                               cum_error=bool(c["cum_error"]), spike_exp=se, state_exp=st)
        cls = sdn_mod.PySigmaDeltaModelFixed if c["model"] == "fixed" else \
            sdn_mod.PySigmaDeltaModelFixedCorrected
        m = cls({"act_mode": sdnp.ActivationMode(c["act_mode"])})
        m.vth = np.array([proc.vth.init], np.int32).reshape(1)
        m.sigma = np.zeros(n, np.int32)
        m.act = np.zeros(n, np.int32)
        m.residue = np.zeros(n, np.int32)
        m.error = np.zeros(n, np.int32)
        m.bias = np.zeros(n, np.int32) + np.array(proc.bias.init, dtype=np.int64).astype(np.int32)
        m.spike_exp = np.array([se], np.int32)
        m.state_exp = np.array([st], np.int32)
        m.cum_error = np.array([bool(c["cum_error"])])
        self.x_ch = Channel((k,), np.int32)
        self.delta = None
        if c["input_vth"] >= 0:
            # Lava's Delta process (fixed point) encodes the integer inputs.
            dproc = sdnp.Delta(shape=(k,), vth=c["input_vth"], cum_error=False,
                               spike_exp=se, state_exp=st)
            d = sdn_mod.PyDeltaModelFixed({})
            d.vth = np.array([dproc.vth.init], np.int32).reshape(1)
            d.sigma = np.zeros(k, np.int32)
            d.act = np.zeros(k, np.int32)
            d.residue = np.zeros(k, np.int32)
            d.error = np.zeros(k, np.int32)
            d.spike_exp = np.array([se], np.int32)
            d.state_exp = np.array([st], np.int32)
            d.cum_error = np.array([False])
            self.raw_ch = Channel((k,), np.int32)
            d.a_in = InPort((k,), np.int32, [self.raw_ch])
            d.s_out = OutPort([self.x_ch])
            self.delta = d
        self.ain_in = Channel((n,), np.int32)
        self.ain_rec = Channel((n,), np.int32)
        self.s_sdn = Channel((n,), np.int32)
        self.d_in = make_dense(dense_mod, c["W_in"], c["w_in_exp"], c["w_in_bits"], True,
                               self.x_ch, self.ain_in)
        self.d_rec = make_dense(dense_mod, c["W_rec"], c["w_rec_exp"], c["w_rec_bits"], True,
                                self.s_sdn, self.ain_rec)
        m.a_in = InPort((n,), np.int32, [self.ain_in, self.ain_rec])
        m.s_out = OutPort([self.s_sdn])
        self.m = m

    def step(self, x):
        xin = None
        if self.delta is not None:
            self.raw_ch.send(x)
            self.delta.run_spk()
            xin = self.x_ch.buf.copy()
        else:
            self.x_ch.send(x)
        self.d_in.run_spk()
        rec_buff = self.d_rec.a_buff.copy()
        self.ain_rec.send(rec_buff)
        self.m.run_spk()
        s = self.s_sdn.buf.copy()
        sent = Channel(self.ain_rec.buf.shape, np.int32)
        self.d_rec.a_out = OutPort([sent])
        self.d_rec.run_spk()
        assert np.array_equal(sent.take(), rec_buff)
        m = self.m
        return (m.sigma.copy(), m.act.copy(), m.residue.copy(), m.error.copy(), s, xin)


# ---- CSV ---------------------------------------------------------------------

def write_csv(path, header, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def read_csv(path):
    with open(path, newline="") as f:
        r = csv.reader(f)
        header = next(r)
        return header, [row for row in r]


def nonzeros(mat):
    return [(i, j, int(mat[i, j])) for i in range(mat.shape[0]) for j in range(mat.shape[1])
            if mat[i, j] != 0]


LIF_COLS = ["case", "neurons", "inputs", "steps", "du", "dv", "vth", "w_in_exp", "w_in_bits",
            "w_rec_exp", "w_rec_bits"]
SDN_COLS = ["case", "neurons", "inputs", "steps", "model", "act_mode", "cum_error", "vth",
            "spike_exp", "state_exp", "input_vth", "w_in_exp", "w_in_bits", "w_rec_exp",
            "w_rec_bits"]


def run_lif_case(mods, c):
    net = LifNet(mods, c)
    n, k = c["neurons"], c["inputs"]
    x_of = {}
    for (t, i) in c["spikes"]:
        x_of.setdefault(t, np.zeros(k, np.int32))[i] = 1
    rows = []
    for t in range(1, c["steps"] + 1):
        u, v, s = net.step(x_of.get(t, np.zeros(k, np.int32)))
        rows += [(t, j, int(u[j]), int(v[j]), int(s[j])) for j in range(n)]
    return rows


def write_lif_case(mods, out, c):
    name = c["case"]
    rows = run_lif_case(mods, c)
    write_csv(os.path.join(out, name + ".bias.csv"), ["neuron", "bias_mant", "bias_exp"],
              [(j, int(c["bias_mant"][j]), int(c["bias_exp"][j])) for j in range(c["neurons"])])
    write_csv(os.path.join(out, name + ".w_in.csv"), ["neuron", "input", "weight"],
              nonzeros(np.array(c["W_in"])))
    write_csv(os.path.join(out, name + ".w_rec.csv"), ["post", "pre", "weight"],
              nonzeros(np.array(c["W_rec"])))
    write_csv(os.path.join(out, name + ".input.csv"), ["step", "input"], sorted(c["spikes"]))
    write_csv(os.path.join(out, name + ".trace.csv"), ["step", "neuron", "u", "v", "spike"], rows)
    spikes = sum(r[4] for r in rows)
    umax = max(abs(r[2]) for r in rows)
    print(f"  {name}: {c['neurons']} neurons, {c['steps']} steps, {spikes} spikes, "
          f"max |u| {umax}")


def write_sdn_case(mods, out, c):
    name = c["case"]
    net = SdnNet(mods, c)
    n, k = c["neurons"], c["inputs"]
    x = np.zeros((c["steps"] + 1, k), np.int64)
    for (t, i, val) in c["values"]:
        x[t, i] = val
    rows, drows = [], []
    msgs = 0
    for t in range(1, c["steps"] + 1):
        sig, act, res, err, s, xin = net.step(x[t].astype(np.int32))
        rows += [(t, j, int(sig[j]), int(act[j]), int(res[j]), int(err[j]), int(s[j]))
                 for j in range(n)]
        msgs += int(np.count_nonzero(s))
        if xin is not None:
            drows += [(t, i, int(xin[i])) for i in range(k)]
    write_csv(os.path.join(out, name + ".bias.csv"), ["neuron", "bias"],
              [(j, int(c["bias"][j])) for j in range(n)])
    write_csv(os.path.join(out, name + ".w_in.csv"), ["neuron", "input", "weight"],
              nonzeros(np.array(c["W_in"])))
    write_csv(os.path.join(out, name + ".w_rec.csv"), ["post", "pre", "weight"],
              nonzeros(np.array(c["W_rec"])))
    write_csv(os.path.join(out, name + ".input.csv"), ["step", "input", "value"],
              [(t, i, int(v)) for (t, i, v) in sorted(c["values"]) if v != 0])
    write_csv(os.path.join(out, name + ".trace.csv"),
              ["step", "neuron", "sigma", "act", "residue", "error", "s_out"], rows)
    if c["input_vth"] >= 0:
        write_csv(os.path.join(out, name + ".delta.csv"), ["step", "input", "s_out"], drows)
    print(f"  {name}: {n} sigma-delta neurons ({c['model']}), {c['steps']} steps, "
          f"{msgs} graded messages ({msgs / (n * c['steps']):.3f} per neuron-step)")


# ---- The cases -----------------------------------------------------------------

def sparse_int(rng, n_out, n_in, density, lo, hi):
    w = rng.integers(lo, hi + 1, size=(n_out, n_in))
    mask = rng.random((n_out, n_in)) < density
    return np.where(mask, w, 0)


def lif_cases():
    rng = np.random.default_rng(20261202)
    cases = []

    def case(**kw):
        kw.setdefault("W_rec", np.zeros((kw["neurons"], kw["neurons"]), int))
        kw.setdefault("spikes", [])
        cases.append(kw)

    # 1. One neuron, constant bias, no input: charges and fires periodically.
    case(case="bias_const", neurons=1, inputs=1, steps=120, du=1200, dv=273, vth=600,
         w_in_exp=0, w_in_bits=8, w_rec_exp=0, w_rec_bits=8, W_in=np.zeros((1, 1), int),
         bias_mant=[1777], bias_exp=[1])
    # 2. Five neurons fed by four spike trains through random int8 weights
    #    (some outside the 8-bit range: Lava clips them), 7-bit truncation.
    w = rng.integers(-300, 300, size=(5, 4))
    sp = [(t, i) for t in range(1, 151) for i in range(4) if rng.random() < (0.08 + 0.05 * i)]
    case(case="ff5", neurons=5, inputs=4, steps=150, du=311, dv=97, vth=2100,
         w_in_exp=3, w_in_bits=7, w_rec_exp=0, w_rec_bits=8, W_in=w,
         bias_mant=rng.integers(-50, 120, 5), bias_exp=rng.integers(0, 3, 5), spikes=sp)
    # 3. 64-neuron sparse recurrent reservoir driven by a rate-coded input
    #    stream (two inputs: on/off lines of a sinusoid) for 400 steps.
    n = 64
    w_in = sparse_int(rng, n, 2, 0.5, -255, 255)
    w_rec = sparse_int(rng, n, n, 0.1, -256, 255)
    acc = np.zeros(2)
    sp = []
    for t in range(1, 401):
        x = np.sin(2 * np.pi * t / 37.0) * 0.6 + 0.3 * np.sin(2 * np.pi * t / 11.3)
        acc += [max(x, 0), max(-x, 0)]
        for i in range(2):
            if acc[i] >= 1:
                acc[i] -= 1
                sp.append((t, i))
    case(case="res64", neurons=n, inputs=2, steps=400, du=410, dv=80, vth=12000,
         w_in_exp=4, w_in_bits=8, w_rec_exp=2, w_rec_bits=8, W_in=w_in, W_rec=w_rec,
         bias_mant=rng.integers(-20, 200, n), bias_exp=rng.integers(0, 4, n), spikes=sp)
    # 4. Wrap-around of the 24-bit current, both ways: slow current decay, big
    #    weights shifted up; input 0 drives neuron 0 down, input 1 drives
    #    neuron 1 up; v clips at +-(2^23 - 1) (no spikes: vth is high).
    sp = [(t, 0) for t in range(1, 13)] + [(t, 1) for t in range(3, 14)]
    case(case="wrap", neurons=2, inputs=2, steps=40, du=0, dv=0, vth=131071,
         w_in_exp=7, w_in_bits=8, w_rec_exp=0, w_rec_bits=8,
         W_in=np.array([[-255, 0], [0, 255]]), bias_mant=[0, 0], bias_exp=[0, 0], spikes=sp)
    # 5. Bias exponents 0..7 (and mantissas of both signs, the 13-bit extremes).
    case(case="bias_exp", neurons=8, inputs=1, steps=60, du=4095, dv=1024, vth=20000,
         w_in_exp=0, w_in_bits=8, w_rec_exp=0, w_rec_bits=8, W_in=np.zeros((8, 1), int),
         bias_mant=[4095, -4096, 37, -37, 1000, -999, 3, -1], bias_exp=list(range(7, -1, -1)))
    # 6. Sign modes: excitatory-only input and inhibitory-only recurrent
    #    weights truncated to 4 and 5 bits; negative input weight exponent.
    w_in = sparse_int(rng, 6, 3, 0.7, 0, 255)
    w_rec = sparse_int(rng, 6, 6, 0.5, -255, 0)
    sp = [(t, i) for t in range(1, 101) for i in range(3) if rng.random() < 0.3]
    case(case="signs", neurons=6, inputs=3, steps=100, du=2000, dv=300, vth=300,
         w_in_exp=-2, w_in_bits=4, w_rec_exp=1, w_rec_bits=5, W_in=w_in, W_rec=w_rec,
         bias_mant=rng.integers(0, 30, 6), bias_exp=[0] * 6, spikes=sp)
    # 7. Activations beyond 16 bits (a_in up to 6 * 255 << 7): Lava's Python
    #    model keeps them (its a_in is int32 at run time).
    case(case="big_ain", neurons=1, inputs=6, steps=20, du=3000, dv=3500, vth=131071,
         w_in_exp=7, w_in_bits=8, w_rec_exp=0, w_rec_bits=8, W_in=np.full((1, 6), 255),
         bias_mant=[0], bias_exp=[0], spikes=[(t, i) for t in (2, 3, 9) for i in range(6)])
    return cases


def lru_weights(rng, n, r_lo, r_hi, theta_max, scale):
    """2x2 rotation blocks r [cos -sin; sin cos] * scale (an LRU's
    complex-diagonal recurrence on real neurons), rounded to integers."""
    w = np.zeros((n, n))
    for b in range(n // 2):
        r = rng.uniform(r_lo, r_hi)
        th = rng.uniform(0, theta_max)
        i = 2 * b
        w[i, i], w[i, i + 1] = r * np.cos(th), -r * np.sin(th)
        w[i + 1, i], w[i + 1, i + 1] = r * np.sin(th), r * np.cos(th)
    return np.rint(w * scale).astype(int)


def sdn_cases():
    rng = np.random.default_rng(7093)
    cases = []
    # 1. ReLU sigma-delta neurons, random recurrence, graded input values
    #    straight into the input Dense; Lava's fixed_pt choice.
    n, k = 16, 2
    vals = [(t, i, int(rng.integers(-40, 80))) for t in range(1, 201) for i in range(k)
            if rng.random() < 0.6]
    cases.append(dict(case="sdn_relu", neurons=n, inputs=k, steps=200, model="fixed",
                      act_mode=1, cum_error=0, vth=3, spike_exp=0, state_exp=2, input_vth=-1,
                      w_in_exp=-3, w_in_bits=8, w_rec_exp=-6, w_rec_bits=8,
                      W_in=sparse_int(rng, n, k, 0.8, -128, 127),
                      W_rec=sparse_int(rng, n, n, 0.25, -60, 60), bias=rng.integers(-4, 6, n),
                      values=vals))
    # 2. LRU-style linear recurrence (identity activation, rotation blocks
    #    of magnitude 0.8..0.98 as 8-bit mantissas with exponent -7), the input
    #    stream delta-encoded by Lava's Delta process.
    n, k = 12, 1
    vals = [(t, 0, int(round(200 * np.sin(t / 9.0) + 60 * np.sin(t / 2.7)))) for t in range(1, 301)]
    cases.append(dict(case="sdn_lru", neurons=n, inputs=k, steps=300, model="fixed",
                      act_mode=0, cum_error=0, vth=4, spike_exp=3, state_exp=3, input_vth=2,
                      w_in_exp=-4, w_in_bits=8, w_rec_exp=-7, w_rec_bits=8,
                      W_in=rng.integers(-127, 128, size=(n, k)),
                      W_rec=lru_weights(rng, n, 0.8, 0.98, np.pi / 3, 127),
                      bias=[0] * n, values=vals))
    # 3. Cumulative error, ReLU, 6-bit weights.
    n, k = 8, 3
    vals = [(t, i, int(rng.integers(-100, 100))) for t in range(1, 151) for i in range(k)
            if rng.random() < 0.4]
    cases.append(dict(case="sdn_cumerr", neurons=n, inputs=k, steps=150, model="fixed",
                      act_mode=1, cum_error=1, vth=10, spike_exp=2, state_exp=1, input_vth=-1,
                      w_in_exp=-2, w_in_bits=6, w_rec_exp=-5, w_rec_bits=6,
                      W_in=rng.integers(-120, 120, size=(n, k)),
                      W_rec=sparse_int(rng, n, n, 0.4, -90, 90), bias=rng.integers(0, 8, n),
                      values=vals))
    # 4. The Corrected variant (chosen in Lava only through an exception
    #    map), same network as case 2.
    c = dict(cases[1])
    c["case"], c["model"] = "sdn_lru_corrected", "corrected"
    cases.append(c)
    return cases


# ---- Replay of an existing directory -------------------------------------------

def load_lif_dir(d):
    header, rows = read_csv(os.path.join(d, "cases.csv"))
    cases = []
    for row in rows:
        c = dict(zip(header, row))
        for key in header[1:]:
            c[key] = int(c[key])
        n, k, name = c["neurons"], c["inputs"], c["case"]
        c["W_in"] = np.zeros((n, k), int)
        c["W_rec"] = np.zeros((n, n), int)
        for (i, j, w) in read_csv(os.path.join(d, name + ".w_in.csv"))[1]:
            c["W_in"][int(i), int(j)] = int(w)
        for (i, j, w) in read_csv(os.path.join(d, name + ".w_rec.csv"))[1]:
            c["W_rec"][int(i), int(j)] = int(w)
        b = read_csv(os.path.join(d, name + ".bias.csv"))[1]
        c["bias_mant"] = [int(r[1]) for r in b]
        c["bias_exp"] = [int(r[2]) for r in b]
        c["spikes"] = [(int(t), int(i)) for (t, i) in read_csv(os.path.join(d, name + ".input.csv"))[1]]
        c["trace"] = [tuple(int(x) for x in r) for r in read_csv(os.path.join(d, name + ".trace.csv"))[1]]
        cases.append(c)
    return cases


def main(argv):
    if len(argv) not in (3, 4) or argv[1] in ("-h", "--help"):
        sys.exit(__doc__)
    mods = load_lava(argv[1])
    if argv[2] == "--replay":
        if len(argv) != 4:
            sys.exit("usage: gen_loihi_reference.py LAVA_SRC --replay DIR")
        bad = 0
        for c in load_lif_dir(argv[3]):
            rows = run_lif_case(mods, c)
            same = rows == c["trace"]
            bad += not same
            print(f"  {c['case']}: {len(rows)} rows, {'identical' if same else 'DIFFERENT'}")
        sys.exit(1 if bad else 0)
    out = argv[2]
    os.makedirs(out, exist_ok=True)
    cases = lif_cases()
    print(f"LIF cases (Lava {LAVA_COMMIT[:8]}: PyLifModelBitAcc + PyDenseModelBitAcc):")
    for c in cases:
        write_lif_case(mods, out, c)
    write_csv(os.path.join(out, "cases.csv"), LIF_COLS,
              [[c[k] for k in LIF_COLS] for c in cases])
    scases = sdn_cases()
    print(f"sigma-delta cases (PySigmaDeltaModelFixed / ...FixedCorrected, PyDeltaModelFixed):")
    for c in scases:
        write_sdn_case(mods, out, c)
    write_csv(os.path.join(out, "cases_sdn.csv"), SDN_COLS,
              [[c[k] for k in SDN_COLS] for c in scases])


if __name__ == "__main__":
    main(sys.argv)
