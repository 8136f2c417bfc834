"""Wall time of `check` and `grade` for `rnn_torch` next to `rnn`, and where the time goes (measured,
never asserted).

    .venv/bin/python benchmarks/bench_torch.py [--runs 3] [--calls 20]

Prints the median of N runs of each command on each assignment's reference (with the CLI's bare
start-up as the baseline), then the pieces of a torch grading: importing torch in a fresh
interpreter (what the grader's process and every worker pay once), starting a worker (interpreter,
set-up, preloaded packages, adapter, submission), and one call's round trip through the sandbox
against the same call in-process (the adapter builds the module, runs it and takes the gradients
either way), for a small ManualRNN case and for the longest training call of the checks; last, the
calls each part makes in one `grade` and the time spent in them.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time

from bench_grading import ROOT, command_seconds, median_seconds  # commands' wall time, timed one way


def timed(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def commands(runs: int) -> None:
    with tempfile.TemporaryDirectory() as out:
        rows = [("baseline: rnn-grader --version", median_seconds(["--version"], runs))]
        for name in ("rnn", "rnn_torch"):
            reference = str(ROOT / "solutions" / name / f"{name}.py")
            for mode in ("check", "grade"):
                extra = ["--out", out] if mode == "grade" else []
                rows.append((f"{mode} --assignment {name} <reference>",
                             median_seconds([mode, reference, "--assignment", name, *extra], runs)))
    base = rows[0][1]
    print(f"commands, median of {runs} runs")
    for label, seconds in rows:
        print(f"  {label:<42} {seconds:7.2f} s   {seconds / base:5.1f}x baseline")


def pieces(runs: int, calls: int) -> None:
    from grader import assignments
    from grader.checks.framework import arguments
    from grader.reference import load_reference
    from grader.runner import worker_runtime
    from grader.sandbox import Limits, Sandbox

    print("\nwhere the time goes (rnn_torch), median")
    for module in ("numpy", "torch"):
        seconds = statistics.median(command_seconds([sys.executable, "-I", "-c", f"import {module}"], runs))
        print(f"  {'fresh interpreter + import ' + module:<42} {seconds * 1e3:8.0f} ms")
    torch_assignment = assignments.load("rnn_torch")
    reference = load_reference(torch_assignment)
    from rnn_grader_assignments.rnn_torch.checks import strategies
    from rnn_grader_assignments.rnn_torch.checks.training import counting_case

    small = strategies.layer_case(batch_first=True).example()
    cases = {"ManualRNN (N, T, D, H ≤ 5)": ("ManualRNN", small),
             "train, counting sequence (200 steps)": ("train", counting_case())}
    for name in ("rnn", "rnn_torch"):
        assignment = assignments.load(name)
        source = assignment.reference_path().read_text(encoding="utf-8")
        limits = Limits(call_seconds=60, memory_bytes=int(assignment.runtime.memory_gib * 2**30))

        def start(assignment=assignment, source=source, limits=limits) -> None:
            with Sandbox(source, f"{assignment.manifest.module}.py", limits, runtime=worker_runtime(assignment)) as box:
                assert box.load() is None

        print(f"  {'worker start, ' + name:<42} {timed(start, runs) * 1e3:8.0f} ms   "
              f"(preload {', '.join(assignment.runtime.preload)})")
    with Sandbox(torch_assignment.reference_path().read_text(encoding="utf-8"), "rnn_torch.py",
                 Limits(call_seconds=60, memory_bytes=4 * 2**30), runtime=worker_runtime(torch_assignment)) as box:
        assert box.load() is None
        for label, (part, case) in cases.items():
            args = arguments(case)
            n = calls if part != "train" else max(1, calls // 10)
            sandboxed = timed(lambda: [box.call(part, args) for _ in range(n)], runs) / n
            in_process = timed(lambda: [getattr(reference, part)(*args) for _ in range(n)], runs) / n
            print(f"  {'call ' + label:<42} {sandboxed * 1e3:8.1f} ms through the sandbox, "
                  f"{in_process * 1e3:.1f} ms in-process")


def per_part() -> None:
    """One `grade` of the reference in this process (as a batch worker runs it, inputs already drawn once):
    the sandbox calls each part makes and the time they take, against the part's whole time."""
    from collections import defaultdict

    from grader import assignments
    from grader.reference import load_reference
    from grader.runner import GradingOptions, grade
    from grader.sandbox import Limits, Sandbox
    from grader.submissions import read_submission

    assignment = assignments.load("rnn_torch")
    options = GradingOptions(mode="grade", reference=load_reference(assignment), assignment=assignment,
                             limits=Limits(call_seconds=60, memory_bytes=4 * 2**30))
    submission = read_submission(assignment.reference_path())
    grade(submission, options)  # draws every check's inputs once
    calls, seconds = defaultdict(int), defaultdict(float)
    original = Sandbox.call

    def counted(self, function, *args, **kwargs):
        start = time.perf_counter()
        try:
            return original(self, function, *args, **kwargs)
        finally:
            calls[function] += 1
            seconds[function] += time.perf_counter() - start

    Sandbox.call = counted
    try:
        start = time.perf_counter()
        result = grade(submission, options)
        total = time.perf_counter() - start
    finally:
        Sandbox.call = original
    print(f"\none grade of the rnn_torch reference in one process (inputs drawn): {total:.2f} s, score "
          f"{result.score:g}")
    for part in assignment.part_names:
        print(f"  {part:<16} {calls[part]:5d} sandbox calls  {seconds[part]:6.2f} s in them")
    print(f"  {'the rest':<16} {total - sum(seconds.values()):6.2f} s (worker start, the grader's own work: torch "
          f"oracles, the reference, diagnosis)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3, help="repetitions of each measurement")
    ap.add_argument("--calls", type=int, default=20, help="calls per measurement of a call's cost")
    opts = ap.parse_args()
    commands(opts.runs)
    pieces(opts.runs, opts.calls)
    per_part()


if __name__ == "__main__":
    main()
