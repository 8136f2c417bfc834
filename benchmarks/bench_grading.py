"""Wall time of `rnn-grader check` and `grade` on the reference, against the CLI's bare start-up.

    .venv/bin/python benchmarks/bench_grading.py [--runs 5]

Prints the median of N runs of each command and its ratio to the baseline
(`rnn-grader --version`: interpreter + package import, no grading) measured in the same run.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GRADER = [sys.executable, "-m", "grader"]


def median_seconds(args: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(GRADER + args, cwd=ROOT, check=False, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    runs = ap.parse_args().runs
    reference = str(ROOT / "solutions" / "rnn" / "rnn.py")
    with tempfile.TemporaryDirectory() as out:
        rows = [
            ("baseline: rnn-grader --version", median_seconds(["--version"], runs)),
            ("rnn-grader check <reference>", median_seconds(["check", reference], runs)),
            ("rnn-grader grade <reference>", median_seconds(["grade", reference, "--out", out], runs)),
            ("rnn-grader grade <stubs>", median_seconds(
                ["grade", str(ROOT / "assignments" / "rnn" / "rnn.py"), "--out", out], runs)),
        ]
    base = rows[0][1]
    print(f"median of {runs} runs")
    for name, seconds in rows:
        print(f"  {name:<34} {seconds:7.3f} s   {seconds / base:6.1f}x baseline")


if __name__ == "__main__":
    main()
