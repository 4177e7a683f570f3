#!/usr/bin/python3
"""tank_double.py - an independent test double of a tank controller for the
tank protocol, version 1 (docs/TANK-PROTOCOL.md), written against the
protocol document alone (Python standard library, json only), so the tests
check hydrores's driver against something that is not hydrores.

It answers `run` with readings from a fixed formula, not a simulation:
    v(t, p) = sum over sinusoid sources of  A sin(2 pi f t + phase + 0.5 p)
            + sum over stream sources of    A stream[min(floor(t / dt), n - 1)]
at t = k / rate for k = 0 .. floor(duration * rate + 1e-9), probe p.

Each run follows the next behaviour of a script (--script a,b,c; runs past
its end are "ok"); the run index is kept in --state FILE if given, so a
restarted double goes on with the script. Behaviours:
  ok          answer normally (every message also carries an unknown member)
  chunked     rows in messages of 7
  native      deliver at the native rate, whatever was asked
  log         send a log line and an unknown op first, then answer normally
  drop        leave row 3 out            outoforder  send the second chunk first
  dupe        send the first chunk twice garbage     a line that is not JSON mid-run
  nan         reading NaN                inf         reading Infinity
  string      a reading that is a string shortrow    a row with one reading too few
  wrongid     data with another run's id badsamples  done with the wrong count
  error       error, retry true          fatal       error, retry false
  noop        an error with id null, retry true
  crash       half the rows, then exit 3 hang        stop answering until stdin closes
  longline    a line over 1 MiB          slow        0.05 s between rows
Hello variants (--hello): good (default), v2 (protocol 2), noprobes, garbage.
"""
import argparse
import json
import math
import os
import socket
import sys
import time


def rows_for(duration, rate):
    return int(math.floor(duration * rate + 1e-9)) + 1


def reading(sources, t, p):
    v = 0.0
    for s in sources:
        a = float(s["amplitude"])
        if "stream" in s:
            st = s["stream"]
            k = min(int(math.floor(t / float(s["stream_dt_s"]))), len(st) - 1)
            v += a * float(st[k])
        else:
            v += a * math.sin(2 * math.pi * float(s["frequency_hz"]) * t + float(s.get("phase", 0)) + 0.5 * p)
    return v


class Double:
    def __init__(self, args, rfile, wfile):
        self.a = args
        self.r = rfile
        self.w = wfile
        self.script = [b for b in args.script.split(",") if b] if args.script else []

    def send(self, obj):
        obj.setdefault("extra_member", {"ignored": True})
        self.w.write((json.dumps(obj) + "\n").encode())
        self.w.flush()

    def raw(self, text):
        self.w.write(text.encode())
        self.w.flush()

    def index(self):
        if self.a.state and os.path.exists(self.a.state):
            with open(self.a.state) as f:
                return int(f.read().strip() or "0")
        return getattr(self, "_index", 0)

    def advance(self, i):
        self._index = i + 1
        if self.a.state:
            with open(self.a.state, "w") as f:
                f.write("%d\n" % (i + 1))

    def hello(self):
        h = {"op": "hello", "protocol": 1, "name": "python test double", "makers": self.a.makers,
             "probes": [{"name": "g%d" % p, "x_m": 0.1 * (p + 1), "y_m": None}
                        for p in range(self.a.probes)],
             "sample_rate_hz": self.a.rate, "max_duration_s": self.a.max_duration, "units": "m"}
        if self.a.hello == "v2":
            h["protocol"] = 2
        elif self.a.hello == "noprobes":
            del h["probes"]
        elif self.a.hello == "garbage":
            self.raw("hello?\n")
            return
        self.send(h)

    def run(self, m):
        i = self.index()
        self.advance(i)
        b = self.script[i] if i < len(self.script) else "ok"
        sys.stderr.write("double: run %d (id %s): %s\n" % (i, m["id"], b))
        sys.stderr.flush()
        rid = m["id"]
        rate = float(m["sample_rate_hz"])
        if b == "native":
            rate = self.a.rate
        n = rows_for(float(m["duration_s"]), rate)
        np_ = self.a.probes
        rows = [[reading(m["sources"], k / rate, p) for p in range(np_)] for k in range(n)]
        if b == "error":
            self.send({"op": "error", "id": rid, "code": "busy", "message": "scripted error", "retry": True})
            return
        if b == "fatal":
            self.send({"op": "error", "id": rid, "code": "broken", "message": "scripted fatal error", "retry": False})
            return
        if b == "noop":
            self.send({"op": "error", "id": None, "code": "tank", "message": "scripted tank error", "retry": True})
            return
        if b == "hang":
            while self.r.readline():
                pass
            sys.exit(0)
        if b == "log":
            self.send({"op": "log", "message": "scripted log line"})
            self.send({"op": "calibrate", "what": "an op protocol 1 does not have"})
        if b == "longline":
            self.raw('{"op": "log", "message": "' + "x" * (1024 * 1024 + 10) + '"}\n')
        if b == "nan":
            rows[2][0] = float("nan")
        if b == "inf":
            rows[2][0] = float("inf")
        if b == "string":
            rows[2][0] = "0.1"
        if b == "shortrow":
            rows[4] = rows[4][:-1]
        size = 7 if b in ("chunked", "drop", "outoforder", "dupe", "garbage", "wrongid", "crash", "slow") else n
        chunks = [(k0, rows[k0:k0 + size]) for k0 in range(0, n, size)]
        if b == "drop":
            chunks[0] = (0, chunks[0][1][:3])
            chunks.insert(1, (4, rows[4:7]))
            chunks = [c for c in chunks if c[1]]
        if b == "outoforder" and len(chunks) > 1:
            chunks[0], chunks[1] = chunks[1], chunks[0]
        if b == "dupe":
            chunks.insert(1, chunks[0])
        sent = 0
        for j, (k0, part) in enumerate(chunks):
            if b == "crash" and j == len(chunks) // 2:
                sys.exit(3)
            if b == "garbage" and j == 1:
                self.raw("%% not json at all\n")
            mid = rid + 1000 if b == "wrongid" and j == 1 else rid
            if b == "slow":
                time.sleep(0.05)
            self.send({"op": "data", "id": mid, "k0": k0, "rows": part})
            sent += len(part)
        count = sent + 1 if b == "badsamples" else sent
        self.send({"op": "done", "id": rid, "samples": count})

    def serve(self):
        while True:
            line = self.r.readline()
            if not line:
                return
            try:
                m = json.loads(line)
            except ValueError:
                self.send({"op": "error", "id": None, "code": "bad_request", "message": "not JSON", "retry": False})
                continue
            op = m.get("op")
            if op == "hello":
                self.hello()
            elif op == "reset":
                self.send({"op": "ready", "id": m["id"], "residual": 0.0})
            elif op == "run":
                self.run(m)
            elif op == "bye":
                return


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--script", default="")
    ap.add_argument("--state")
    ap.add_argument("--probes", type=int, default=2)
    ap.add_argument("--makers", type=int, default=2)
    ap.add_argument("--rate", type=float, default=50.0)
    ap.add_argument("--max-duration", type=float, default=600.0)
    ap.add_argument("--hello", default="good")
    ap.add_argument("--listen", type=int, help="serve TCP on 127.0.0.1:PORT (0: any)")
    ap.add_argument("--port-file")
    a = ap.parse_args()
    if a.listen is None:
        Double(a, sys.stdin.buffer, sys.stdout.buffer).serve()
        return
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", a.listen))
    s.listen(4)
    if a.port_file:
        with open(a.port_file + ".tmp", "w") as f:
            f.write("%d\n" % s.getsockname()[1])
        os.rename(a.port_file + ".tmp", a.port_file)
    while True:
        c, _ = s.accept()
        Double(a, c.makefile("rb"), c.makefile("wb")).serve()
        c.close()


if __name__ == "__main__":
    main()
