"""Sandbox costs, measured (never asserted).

    .venv/bin/python benchmarks/bench_sandbox.py [--repeat 5] [--calls 100]

Prints one table: worker start + import, a round trip of one call, and the per-call cost of
many calls in one call_many, for small float64 arrays (an RNN cell step, N=4, D=H=8), with
in-process baselines measured in the same run.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from grader.sandbox import Limits, Sandbox
from grader.sandbox import wire

SOURCE = '''
import numpy as np

def rnn_cell_forward(x, h, W_xh, W_hh, b):
    return np.tanh(x @ W_xh + h @ W_hh + b)

def noop():
    return None
'''


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def fmt(seconds: float) -> str:
    if seconds >= 1e-3:
        return f"{seconds * 1e3:9.2f} ms"
    return f"{seconds * 1e6:9.1f} µs"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5, help="repetitions of each measurement")
    ap.add_argument("--calls", type=int, default=100, help="calls per measurement")
    opts = ap.parse_args()
    n_calls, repeat = opts.calls, opts.repeat

    rng = np.random.default_rng(0)
    args = (rng.normal(size=(4, 8)), rng.normal(size=(4, 8)), rng.normal(size=(8, 8)),
            rng.normal(size=(8, 8)), rng.normal(size=8))
    namespace: dict = {}
    exec(compile(SOURCE, "submission.py", "exec"), namespace)
    cell = namespace["rnn_cell_forward"]
    limits = Limits()
    rows: list[tuple[str, float, float, str]] = []

    def row(label: str, samples: list[float], per: int, note: str = "") -> None:
        per_call = [s / per for s in samples]
        rows.append((label, statistics.median(per_call), min(per_call), note))

    # baselines, in process
    row("in-process call (baseline)", timed(lambda: [cell(*args) for _ in range(n_calls)],
                                            repeat), n_calls)

    def codec_roundtrip():
        for _ in range(n_calls):
            enc = wire.Encoder()
            frame = enc.frame({"v": enc.value(args)})
            head, dec = wire.decode_payload(frame[8:])
            dec.value(head["v"])

    row("wire encode+decode of the args (in process)", timed(codec_roundtrip, repeat), n_calls)

    # worker start + import
    def start():
        with Sandbox(SOURCE, limits=limits) as box:
            assert box.load() is None

    row("worker start + import (python -I + numpy)", timed(start, repeat), 1, "per worker")

    with Sandbox(SOURCE, limits=limits) as box:
        assert box.load() is None
        box.call("noop")  # warm

        def singles(name, a):
            return lambda: [box.call(name, a) for _ in range(n_calls)]

        def batched(name, a):
            return lambda: box.call_many([(name, a)] * n_calls)

        row("noop(): single calls", timed(singles("noop", ()), repeat), n_calls, "per call")
        row(f"noop(): {n_calls} calls in one call_many", timed(batched("noop", ()), repeat),
            n_calls, "per call")
        row("rnn_cell_forward: single calls", timed(singles("rnn_cell_forward", args), repeat),
            n_calls, "per call")
        row(f"rnn_cell_forward: {n_calls} in one call_many",
            timed(batched("rnn_cell_forward", args), repeat), n_calls, "per call")
        out = box.call("rnn_cell_forward", args)
        assert out.ok and np.array_equal(out.value, cell(*args))

    width = max(len(r[0]) for r in rows)
    print(f"sandbox benchmark: {repeat} repetitions x {n_calls} calls, small float64 arrays "
          f"(N=4, D=H=8)")
    print(f"{'measurement':<{width}}  {'median':>12}  {'best':>12}  note")
    for label, med, best, note in rows:
        print(f"{label:<{width}}  {fmt(med):>12}  {fmt(best):>12}  {note}")


if __name__ == "__main__":
    main()
