"""Sandbox costs per isolation level, measured (never asserted).

    .venv/bin/python benchmarks/bench_sandbox.py [--repeat 5] [--calls 100] [--levels ...]

Prints one table: for each isolation level this machine can run, the cost of starting a
worker (python -I + numpy + the level's set-up + importing the submission), of one call's
round trip (noop and an RNN cell step, N=4, D=H=8, small float64 arrays), and per call when
many go in one call_many; plus the one-off probe that detects the level. The plain
in-process call and the wire codec alone are the baselines, measured in the same run.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import time

import numpy as np

from grader.sandbox import Limits, Sandbox, isolation, wire

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


def small_call(assignment):
    """(function, arguments) of the assignment's first part on the first input its first check draws
    (small arrays: shrinking-sized cases come first)."""
    from grader.checks.framework import arguments
    from grader.runner import check_seed, drawn_inputs

    part = assignment.parts[0]
    check = part.checks[0]
    case = drawn_inputs(check, 1, check_seed(assignment.default_seed, part.name, check.name))[0]
    return part.name, arguments(case[0] if isinstance(case, tuple) else case)


def assignment_box(assignment):
    """A Sandbox holding the assignment's reference, as `grade` starts one."""
    from grader.runner import worker_runtime

    limits = Limits(call_seconds=60, memory_bytes=int(assignment.runtime.memory_gib * 2**30))
    source = assignment.reference_path().read_text(encoding="utf-8")
    return Sandbox(source, f"{assignment.manifest.module}.py", limits, runtime=worker_runtime(assignment))


def round_trip(assignment, calls: int, repeat: int) -> tuple[str, list[float], list[float]]:
    """Seconds per call of the first part on small arrays: through the sandbox, and in-process on the
    reference (the baseline), `repeat` samples of `calls` calls each."""
    from grader.reference import load_reference

    function, args = small_call(assignment)
    reference = getattr(load_reference(assignment), function)
    with assignment_box(assignment) as box:
        assert box.load() is None
        assert box.call(function, args).ok
        through = timed(lambda: [box.call(function, args) for _ in range(calls)], repeat)
    in_process = timed(lambda: [reference(*args) for _ in range(calls)], repeat)
    return function, [s / calls for s in through], [s / calls for s in in_process]


def worker_starts(assignment, repeat: int) -> list[float]:
    """Seconds to start a worker and import the reference in it, then close it, after the first (which
    pays the level's detection and warms the file cache)."""
    def start():
        with assignment_box(assignment) as box:
            assert box.load() is None

    start()
    return timed(start, repeat)


def fmt(seconds: float) -> str:
    if seconds >= 1e-3:
        return f"{seconds * 1e3:9.2f} ms"
    return f"{seconds * 1e6:9.1f} µs"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5, help="repetitions of each measurement")
    ap.add_argument("--calls", type=int, default=100, help="calls per measurement")
    ap.add_argument("--levels", nargs="*", default=list(isolation.LEVELS),
                    choices=isolation.LEVELS, help="isolation levels to measure")
    opts = ap.parse_args()
    n_calls, repeat = opts.calls, opts.repeat

    rng = np.random.default_rng(0)
    args = (rng.normal(size=(4, 8)), rng.normal(size=(4, 8)), rng.normal(size=(8, 8)),
            rng.normal(size=(8, 8)), rng.normal(size=8))
    namespace: dict = {}
    exec(compile(SOURCE, "submission.py", "exec"), namespace)
    cell = namespace["rnn_cell_forward"]
    rows: list[tuple[str, str, float, float, str]] = []

    def row(level: str, label: str, samples: list[float], per: int, note: str = "") -> None:
        per_call = [s / per for s in samples]
        rows.append((level, label, statistics.median(per_call), min(per_call), note))

    # baselines, in process
    row("-", "in-process call rnn_cell_forward (baseline)",
        timed(lambda: [cell(*args) for _ in range(n_calls)], repeat), n_calls, "per call")

    def codec_roundtrip():
        for _ in range(n_calls):
            enc = wire.Encoder()
            frame = enc.frame({"v": enc.value(args)})
            head, dec = wire.decode_payload(frame[8:])
            dec.value(head["v"])

    row("-", "wire encode+decode of the args (in process)", timed(codec_roundtrip, repeat),
        n_calls, "per call")

    skipped = []
    for level in opts.levels:
        t = time.perf_counter()
        found = isolation._probe(level)  # uncached: what the first Sandbox of a process pays
        probe_cost = time.perf_counter() - t
        if not found.ok:
            skipped.append(f"{level}: {found.reason}")
            continue
        isolation._probes.setdefault(level, found)
        limits = dataclasses.replace(Limits(), isolation=level)
        rows.append((level, "detect the level (once per grader process)", probe_cost,
                     probe_cost, "one-off"))

        def start(limits=limits):
            with Sandbox(SOURCE, limits=limits) as box:
                assert box.load() is None

        row(level, "worker start + import, then close", timed(start, repeat), 1,
            "per submission")

        with Sandbox(SOURCE, limits=limits) as box:
            assert box.load() is None and box.level == level
            box.call("noop")  # warm

            def singles(name, a):
                return lambda: [box.call(name, a) for _ in range(n_calls)]

            def batched(name, a):
                return lambda: box.call_many([(name, a)] * n_calls)

            row(level, "noop(): one call", timed(singles("noop", ()), repeat), n_calls,
                "round trip")
            row(level, "rnn_cell_forward: one call", timed(singles("rnn_cell_forward", args),
                                                           repeat), n_calls, "round trip")
            row(level, f"rnn_cell_forward: {n_calls} in one call_many",
                timed(batched("rnn_cell_forward", args), repeat), n_calls, "per call")
            out = box.call("rnn_cell_forward", args)
            assert out.ok and np.array_equal(out.value, cell(*args))

    w_level = max(len(r[0]) for r in rows)
    w_label = max(len(r[1]) for r in rows)
    print(f"sandbox benchmark: {repeat} repetitions x {n_calls} calls, small float64 arrays "
          f"(N=4, D=H=8); root={isolation.is_root()}")
    print(f"{'level':<{w_level}}  {'measurement':<{w_label}}  {'median':>12}  {'best':>12}  note")
    for level, label, med, best, note in rows:
        print(f"{level:<{w_level}}  {label:<{w_label}}  {fmt(med):>12}  {fmt(best):>12}  {note}")
    for line in skipped:
        print(f"not available: {line}")


if __name__ == "__main__":
    main()
