#!/usr/bin/python3
"""gen_nir_reference.py -- NIR files written by NIR's own Python writer.

Uses the NIR reference implementation (neuromorphs/NIR, commit 7232ada,
nir/serialization.py write/read, nir/ir/*.py) from the source tree given on
the command line, with Debian's python3-numpy and python3-h5py. NIR itself is
not in this repository.

usage:
  /usr/bin/python3 tests/gen_nir_reference.py NIR_SRC OUTDIR
      NIR_SRC: a folder holding NIR's `nir` package, e.g. from
        git -C /work/.mirror/neuromorphs+NIR/repo archive 7232ada nir | tar -x -C /tmp/nirsrc
  /usr/bin/python3 tests/gen_nir_reference.py NIR_SRC --read FILE...
      loads each FILE with nir.read and prints the outcome (0 = loads).

Writes into OUTDIR:
  written_by_nir.nir            a graph of every node type hydrores runs (Input,
                                Affine, Linear, Scale, CubaLIF with a recurrent
                                Linear, LIF, LI, I, IF, Output), float32 and float64
                                arrays, graph metadata; written by nir.write
  written_by_nir.input.csv      an input sequence (step, input, value)
  written_by_nir.expected.csv   the outputs (step, output, value) of that graph under
                                hydrores' stated discretisation (reservoir/nirgraph.h),
                                computed here by an independent numpy implementation
  bad/*.nir                     files NIR's reader refuses (or hydrores must), written
                                with h5py; the README lists each with nir.read's outcome
"""
import csv
import os
import sys

import numpy as np

DT = 1e-3


def load_nir(src):
    sys.path.insert(0, src)
    import nir
    # nir.version is set only for an installed package; the layout is 1.0.7's.
    nir.version = "1.0.7"
    return nir


def graph(nir):
    rng = np.random.default_rng(2385)
    f32 = np.float32
    nodes = {
        "input": nir.Input(input_type=np.array([2])),
        "aff": nir.Affine(weight=rng.normal(0, 1.5, (4, 2)).astype(f32),
                          bias=np.array([0.3, -0.2, 0.1, 0.05], f32)),
        "clif": nir.CubaLIF(tau_syn=np.array([0.004, 0.005, 0.006, 0.008]),
                            tau_mem=np.array([0.010, 0.015, 0.020, 0.012]),
                            r=np.array([1.0, 1.2, 0.9, 1.1]),
                            v_leak=np.array([0.0, 0.1, -0.1, 0.0]),
                            v_threshold=np.array([0.5, 0.6, 0.4, 0.55]),
                            v_reset=np.array([0.0, -0.1, 0.0, 0.05]),
                            w_in=np.array([1.0, 2.0, 1.5, 1.0])),
        "rec": nir.Linear(weight=rng.normal(0, 0.8, (4, 4))),
        "ro": nir.Linear(weight=rng.normal(0, 1, (3, 4)).astype(f32)),
        "li": nir.LI(tau=np.array([0.02, 0.05, 0.01]), r=np.array([1.0, 2.0, 0.5]),
                     v_leak=np.array([0.0, 0.0, 0.1])),
        "out_li": nir.Output(output_type=np.array([3])),
        "aff2": nir.Affine(weight=rng.normal(0, 2, (2, 4)), bias=np.array([0.2, 0.0])),
        "lif": nir.LIF(tau=np.array([0.01, 0.02]), r=np.array([1.0, 1.0]),
                       v_leak=np.array([0.0, 0.0]), v_threshold=np.array([0.3, 0.2]),
                       v_reset=np.array([0.0, 0.0])),
        "out_lif": nir.Output(output_type=np.array([2])),
        "sc": nir.Scale(scale=np.array([2.0, -1.5])),
        "integ": nir.I(r=np.array([50.0, 80.0])),
        "out_i": nir.Output(output_type=np.array([2])),
        "ifn": nir.IF(r=np.array([300.0, 200.0]), v_threshold=np.array([1.0, 0.7]),
                      v_reset=np.array([0.0, 0.0])),
        "out_if": nir.Output(output_type=np.array([2])),
    }
    edges = [("input", "aff"), ("aff", "clif"), ("clif", "rec"), ("rec", "clif"),
             ("clif", "ro"), ("ro", "li"), ("li", "out_li"),
             ("clif", "aff2"), ("aff2", "lif"), ("lif", "out_lif"),
             ("input", "sc"), ("sc", "integ"), ("integ", "out_i"),
             ("sc", "ifn"), ("ifn", "out_if")]
    return nir.NIRGraph(nodes=nodes, edges=edges,
                        metadata={"description": "every node type hydrores runs", "dt": DT})


def simulate(g, x):
    """hydrores' discretisation (reservoir/nirgraph.h), written out again:
    forward Euler at DT; neuron nodes update together from the static nodes
    evaluated on this step's input and the previous step's neuron outputs;
    Output nodes report static nodes evaluated on the new outputs."""
    nodes, edges = g.nodes, g.edges
    neuron = {k for k, n in nodes.items() if type(n).__name__ in ("CubaLIF", "LIF", "LI", "I", "IF")}
    preds = {k: [a for a, b in edges if b == k] for k in nodes}
    state = {k: {"v": np.zeros(len(nodes[k].r)), "i": np.zeros(len(nodes[k].r)),
                 "z": np.zeros(len(nodes[k].r))} for k in neuron}
    outs = [k for k, n in nodes.items() if type(n).__name__ == "Output"]
    outs.sort()
    rows = []
    for t, xt in enumerate(x):
        prev = {k: state[k]["z"].copy() for k in neuron}

        def value(k, new):
            n = nodes[k]
            name = type(n).__name__
            if name == "Input":
                return xt
            if k in neuron:
                return state[k]["z"] if new else prev[k]
            inp = sum(value(p, new) for p in preds[k])
            if name == "Affine":
                return n.weight.astype(float) @ inp + n.bias
            if name == "Linear":
                return n.weight.astype(float) @ inp
            if name == "Scale":
                return n.scale * inp
            if name == "Output":
                return inp
            raise ValueError(name)

        inputs = {k: sum(value(p, False) for p in preds[k]) for k in neuron}
        for k in sorted(neuron):
            n, s, inp = nodes[k], state[k], inputs[k]
            name = type(n).__name__
            if name in ("LIF", "LI"):
                s["v"] = s["v"] + DT / n.tau * (n.v_leak - s["v"] + n.r * inp)
            elif name == "CubaLIF":
                s["i"] = s["i"] + DT / n.tau_syn * (n.w_in * inp - s["i"])
                s["v"] = s["v"] + DT / n.tau_mem * (n.v_leak - s["v"] + n.r * s["i"])
            else:
                s["v"] = s["v"] + DT * n.r * inp
            if name in ("LIF", "CubaLIF", "IF"):
                z = s["v"] > n.v_threshold
                s["z"] = z.astype(float)
                s["v"] = np.where(z, n.v_reset, s["v"])
            else:
                s["z"] = s["v"].copy()
        y = np.concatenate([value(k, True) for k in outs])
        rows += [(t, j, float(v)) for j, v in enumerate(y)]
    return rows


def write_csv(path, header, rows, fmt=None):
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for r in rows:
            w.writerow([repr(v) if isinstance(v, float) else v for v in r])


def bad_files(nir, out):
    import h5py
    os.makedirs(os.path.join(out, "bad"), exist_ok=True)
    ok = nir.NIRGraph.from_list(nir.Affine(weight=np.ones((3, 2)), bias=np.zeros(3)),
                                nir.LI(tau=np.ones(3) * 0.01, r=np.ones(3), v_leak=np.zeros(3)))

    def base(name):
        p = os.path.join(out, "bad", name)
        nir.write(p, ok)
        return p

    with h5py.File(base("wrong_version.nir"), "r+") as f:
        del f["version"]
        f.create_dataset("version", data="2.0.0", dtype=h5py.string_dtype())
    with h5py.File(base("bad_version.nir"), "r+") as f:
        del f["version"]
        f.create_dataset("version", data="banana", dtype=h5py.string_dtype())
    with h5py.File(base("unknown_node.nir"), "r+") as f:
        del f["node/nodes/li/type"]
        f["node/nodes/li"].create_dataset("type", data="Banana", dtype=h5py.string_dtype())
    with h5py.File(base("edge_to_missing_node.nir"), "r+") as f:
        e = f["node/edges"][()]
        e[-1, 1] = b"nowhere"
        del f["node/edges"]
        f["node"].create_dataset("edges", data=e, dtype=h5py.string_dtype())
    with h5py.File(base("no_node_group.nir"), "r+") as f:
        del f["node"]
    with h5py.File(base("string_parameter.nir"), "r+") as f:
        del f["node/nodes/li/tau"]
        f["node/nodes/li"].create_dataset("tau", data="fast", dtype=h5py.string_dtype())
    with h5py.File(base("huge_parameter.nir"), "r+") as f:
        del f["node/nodes/affine/weight"]
        f["node/nodes/affine"].create_dataset("weight", shape=(200000, 200000), dtype="f8",
                                             chunks=(100, 100))
    with h5py.File(base("nested_graph.nir"), "r+") as f:
        g = f["node/nodes"].create_group("sub")
        g.create_dataset("type", data="NIRGraph", dtype=h5py.string_dtype())
        g.create_dataset("edges", data=np.zeros((0, 2), dtype=object), dtype=h5py.string_dtype())
        g.create_group("nodes")
    with h5py.File(base("missing_required.nir"), "r+") as f:
        del f["node/nodes/li/r"]
    # Not HDF5, and a truncated HDF5 file.
    with open(os.path.join(out, "bad", "not_hdf5.nir"), "w") as f:
        f.write("this is a text file, not a NIR graph\n")
    data = open(base("truncated.nir"), "rb").read()
    with open(os.path.join(out, "bad", "truncated.nir"), "wb") as f:
        f.write(data[:len(data) // 2])


def read_report(nir, files):
    for p in files:
        try:
            nir.read(p)
            print(f"0 loads  {p}")
        except Exception as e:  # noqa: BLE001 -- report whatever NIR raises
            print(f"1 {type(e).__name__}: {str(e)[:120]}  {p}")


def main(argv):
    if len(argv) < 3 or argv[1] in ("-h", "--help"):
        sys.exit(__doc__)
    nir = load_nir(argv[1])
    if argv[2] == "--read":
        read_report(nir, argv[3:])
        return
    out = argv[2]
    os.makedirs(out, exist_ok=True)
    g = graph(nir)
    path = os.path.join(out, "written_by_nir.nir")
    nir.write(path, g)
    g = nir.read(path)  # what a reader sees (types inferred, defaults filled)
    t = np.arange(300)
    x = np.stack([np.sin(t / 7.0) + 0.3, 0.8 * np.cos(t / 3.3)], axis=1)
    write_csv(os.path.join(out, "written_by_nir.input.csv"), ["step", "input", "value"],
              [(k, j, float(x[k, j])) for k in range(len(x)) for j in range(2)])
    write_csv(os.path.join(out, "written_by_nir.expected.csv"), ["step", "output", "value"],
              simulate(g, x))
    bad_files(nir, out)
    print(f"wrote {path}, its input and expected outputs, and {out}/bad/")


if __name__ == "__main__":
    main(sys.argv)
