"""The benchmark: every speed target of the grader measured in one run, against baselines measured
in the same run (so that a loaded machine slows both). Measured, never asserted.

    .venv/bin/python benchmarks/run.py [--quick] [--json out.json] [--assignments rnn,gated,rnn_torch]

Prints one table (median, min–max, ratio to the baseline, target) and writes it as JSON for
comparing commits. Baselines: nbgrader 0.9.6 autograding a one-question RNN-cell notebook (installed
into a throw-away virtual environment, course built from scratch; see nbgrader_baseline.py), the CLI's
bare start-up (`rnn-grader --version`), a fresh interpreter importing numpy, and the call in-process.
For each assignment: `batch -j 2` per submission on a class mixing correct, partly wrong and broken
submissions (isolation at the strongest level this machine has, every report format written) with
the grader's own memory (the batch process and its pool workers, the sandboxes left out); `check` and
`grade` of the reference (interpreter start included); a sandbox round trip on small arrays; a worker
start after the first. Then a large class (1,000 submissions; `--quick` 100). `--quick` also takes
fewer runs and smaller classes: for trying a change, not for the figures.

The store of drawn inputs (grader/drawn_store.py) starts empty in every run: the first batch and
the first `check`/`grade` fill it (their time is the max of their row), the later runs read it, as
a student's second `check` does.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import bench_sandbox
import nbgrader_baseline
from bench_batch import make_class
from bench_grading import GRADER, ROOT, command_seconds

ASSIGNMENTS = ("rnn", "gated", "rnn_torch")
MiB = 2**20


# ---------------------------------------------------------------- memory of the grader's own processes

def _children(pid: int) -> list[int]:
    out = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                out += [int(c) for c in handle.read().split()]
    except OSError:
        pass
    return out


def _rss_and_cmdline(pid: int) -> tuple[int, str]:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            cmdline = handle.read().replace(b"\0", b" ").decode(errors="replace")
        with open(f"/proc/{pid}/status") as handle:
            rss = next((int(line.split()[1]) * 1024 for line in handle if line.startswith("VmRSS:")), 0)
        return rss, cmdline
    except OSError:
        return 0, ""


def grader_rss(root: int) -> int:
    """Bytes resident in the grader's processes under `root` (the batch and its pool workers), the
    sandbox workers and whatever they started left out."""
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        rss, cmdline = _rss_and_cmdline(pid)
        if "worker.py" in cmdline or "bwrap" in cmdline:
            continue  # a sandbox: the submission's, not the grader's
        total += rss
        stack += _children(pid)
    return total


class PeakMemory(threading.Thread):
    """Samples `grader_rss` of a running process every 50 ms; `peak` is the largest seen."""

    def __init__(self, process: subprocess.Popen):
        super().__init__(daemon=True)
        self.process, self.peak = process, 0

    def run(self) -> None:
        while self.process.poll() is None:
            self.peak = max(self.peak, grader_rss(self.process.pid))
            time.sleep(0.05)


# ---------------------------------------------------------------- measurements

def batch_run(folder: Path, out: Path, assignment: str, jobs: int = 2) -> tuple[float, int, int, str]:
    """(seconds, submissions graded, peak grader RSS, isolation level) of one `batch` with every report format."""
    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    process = subprocess.Popen(GRADER + ["batch", str(folder), "--out", str(out), "-j", str(jobs),
                                         "--assignment", assignment],
                               cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    memory = PeakMemory(process)
    memory.start()
    _, err = process.communicate()
    seconds = time.perf_counter() - start
    memory.join()
    if process.returncode not in (0, 1):
        raise SystemExit(f"batch --assignment {assignment} failed ({process.returncode}):\n{err.decode()[-3000:]}")
    reports = sorted((out / "reports").glob("*.json"))
    rows = (out / "gradebook.csv").read_text(encoding="utf-8").count("\n") - 1
    isolation = json.loads(reports[0].read_text(encoding="utf-8")).get("isolation", "?") if reports else "?"
    return seconds, rows, memory.peak, isolation


class Table:
    def __init__(self) -> None:
        self.rows: list[dict] = []

    def add(self, name: str, samples: list[float], unit: str, baseline: str = "", baseline_value: float | None = None,
            higher_is_better_ratio: bool = False, target: str = "", met: bool | None = None, note: str = "") -> dict:
        median = statistics.median(samples)
        ratio = None
        if baseline_value:
            ratio = baseline_value / median if higher_is_better_ratio else median / baseline_value
        row = {"name": name, "unit": unit, "runs": len(samples), "median": median, "min": min(samples),
               "max": max(samples), "samples": samples, "baseline": baseline, "ratio": ratio,
               "ratio_means": "baseline / this (times faster)" if higher_is_better_ratio else "this / baseline",
               "target": target, "met": met, "note": note}
        self.rows.append(row)
        print(f"  {self.line(row)}", flush=True)
        return row

    @staticmethod
    def line(row: dict) -> str:
        scale = {"s": 1, "ms": 1e3, "µs": 1e6, "MiB": 1 / MiB}[row["unit"]]
        spread = f"{row['min'] * scale:.3g}–{row['max'] * scale:.3g}"
        ratio = "" if row["ratio"] is None else f"{row['ratio']:.2f}x {row['baseline']}"
        verdict = {True: "met", False: "NOT met", None: ""}[row["met"]]
        return (f"{row['name']:<44} {row['median'] * scale:9.3g} {row['unit']:<3} ({spread:>17}, n={row['runs']})  "
                f"{ratio:<28} {row['target']:<14} {verdict}")


def measure(args: argparse.Namespace, work: Path) -> dict:
    table = Table()
    os.environ["RNN_GRADER_CACHE"] = str(work / "cache")  # drawn inputs: empty at the start of every run
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}; work folder {work}", flush=True)
    print("baselines", flush=True)
    startup = table.add("rnn-grader --version (CLI start)", command_seconds(GRADER + ["--version"], args.runs), "s")
    numpy_start = table.add("python -I -c 'import numpy'", command_seconds(
        [sys.executable, "-I", "-c", "import numpy"], args.runs), "ms")
    nbgrader = None
    if not args.no_nbgrader:
        bin_dir = nbgrader_baseline.venv(args.fresh_nbgrader)
        nbgrader = table.add(f"nbgrader {nbgrader_baseline.version(bin_dir)} autograde, per submission",
                             nbgrader_baseline.autograde_seconds(bin_dir, work, args.nbgrader_students,
                                                                 args.batch_runs), "s",
                             note=f"{args.nbgrader_students} submissions (correct, wrong, broken), serial")
    per_sub = nbgrader["median"] if nbgrader else None
    for name in args.assignments:
        print(name, flush=True)
        folder = work / f"class-{name}"
        shutil.rmtree(folder, ignore_errors=True)
        make_class(folder, args.class_size, assignment=name)
        runs = [batch_run(folder, work / f"out-{name}", name) for _ in range(args.batch_runs)]
        rates = [seconds / rows for seconds, rows, _, _ in runs]
        speedups = [per_sub / r for r in rates] if per_sub else []
        table.add(f"{name}: batch -j 2, per submission", rates, "s", "nbgrader", per_sub, True,
                  "≥10x nbgrader", min(speedups) >= 10 if speedups else None,
                  f"{runs[0][1]} submissions, isolation {runs[0][3]}")
        table.add(f"{name}: grader RSS in batch -j 2", [float(m) for _, _, m, _ in runs], "MiB",
                  target="≤1024 MiB", met=max(m for _, _, m, _ in runs) <= 2**30,
                  note="batch process + pool workers, sandboxes left out")
        reference = str(ROOT / "solutions" / name / f"{name}.py")
        checks = command_seconds(GRADER + ["check", reference, "--assignment", name], args.runs)
        table.add(f"{name}: check <reference>", checks, "s", "CLI start", startup["median"],
                  target="≤0.6 s", met=statistics.median(checks) <= 0.6)
        grades = command_seconds(GRADER + ["grade", reference, "--assignment", name, "--out",
                                           str(work / f"grade-{name}")], args.runs)
        table.add(f"{name}: grade <reference>", grades, "s", "CLI start", startup["median"],
                  target="≤1.5 s", met=statistics.median(grades) <= 1.5)
        from grader import assignments

        assignment = assignments.load(name)
        function, through, in_process = bench_sandbox.round_trip(assignment, args.calls, args.runs)
        table.add(f"{name}: sandbox round trip, {function}", through, "µs", "in-process",
                  statistics.median(in_process), target="≤200 µs", met=statistics.median(through) <= 200e-6,
                  note=f"small arrays; in-process {statistics.median(in_process) * 1e6:.1f} µs")
        starts = bench_sandbox.worker_starts(assignment, args.runs)
        table.add(f"{name}: worker start after the first", starts, "ms", "python+numpy", numpy_start["median"],
                  target="≤50 ms", met=statistics.median(starts) <= 0.05)
    if args.big:
        print("large class", flush=True)
        folder = work / "class-big"
        shutil.rmtree(folder, ignore_errors=True)
        make_class(folder, args.big)
        seconds, rows, peak, _ = batch_run(folder, work / "out-big", "rnn")
        table.add(f"rnn: class of {rows}, batch -j 2", [seconds], "s", "nbgrader", per_sub * rows if per_sub else None,
                  True, "≤120 s" if args.big >= 1000 else "", seconds <= 120 if args.big >= 1000 else None,
                  f"peak grader RSS {peak / MiB:.0f} MiB")
    return {"when": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "commit": _commit(), "machine": platform.platform(),
            "cores": os.cpu_count(), "quick": args.quick, "rows": table.rows}


def _commit() -> str:
    done = subprocess.run(["git", "-C", str(ROOT), "describe", "--always", "--dirty"], capture_output=True, text=True,
                          check=False)
    return done.stdout.strip()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer runs, smaller classes (a try, not the figures)")
    ap.add_argument("--json", type=Path, help="also write the table here as JSON")
    ap.add_argument("--assignments", default=",".join(ASSIGNMENTS), help="comma-separated (default %(default)s)")
    ap.add_argument("--runs", type=int, help="runs of each command (default 5; --quick 3)")
    ap.add_argument("--batch-runs", type=int, help="runs of each batch and of nbgrader (default 3; --quick 1)")
    ap.add_argument("--class-size", type=int, help="submissions per assignment's class (default 60; --quick 24)")
    ap.add_argument("--big", type=int, help="the large class (default 1000; --quick 100; 0 skips it)")
    ap.add_argument("--nbgrader-students", type=int, help="nbgrader's class (default 15; --quick 6)")
    ap.add_argument("--calls", type=int, default=200, help="calls per round-trip sample (default %(default)s)")
    ap.add_argument("--no-nbgrader", action="store_true", help="skip the nbgrader baseline")
    ap.add_argument("--fresh-nbgrader", action="store_true", help="reinstall nbgrader's throw-away environment")
    ap.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a temporary one)")
    args = ap.parse_args()
    defaults = {"runs": (5, 3), "batch_runs": (3, 1), "class_size": (60, 24), "big": (1000, 100),
                "nbgrader_students": (15, 6)}
    for key, (full, quick) in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, quick if args.quick else full)
    args.assignments = [a for a in args.assignments.split(",") if a]
    work = args.keep or Path(tempfile.mkdtemp(prefix="rnn-grader-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        result = measure(args, work)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print("\nsummary")
    for row in result["rows"]:
        print(f"  {Table.line(row)}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
