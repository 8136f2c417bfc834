"""Wall time of `rnn-grader check` and `grade` on the reference, against the CLI's bare start-up.

    .venv/bin/python benchmarks/bench_grading.py [--runs 5]

Prints the median of N runs of each command and its ratio to the baseline
(`rnn-grader --version`: interpreter + package import, no grading) measured in the same run.
Then, in one process as a batch worker grades: the first `grade` (which draws every check's
inputs) against the later ones (which replay them), on the reference and on a submission
with mistakes (whose failing checks still go through Hypothesis to shrink).
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


def command_seconds(command: list[str], runs: int) -> list[float]:
    """Wall time of each of `runs` runs of a command (interpreter start included)."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, check=False, capture_output=True)
        times.append(time.perf_counter() - start)
    return times


def median_seconds(args: list[str], runs: int) -> float:
    return statistics.median(command_seconds(GRADER + args, runs))


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
    in_one_process(runs)


def in_one_process(runs: int) -> None:
    from grader.reference import load_reference
    from grader.runner import GradingOptions, grade
    from grader.submissions import read_submission

    options = GradingOptions(mode="grade", reference=load_reference())
    submissions = [read_submission(ROOT / "solutions" / "rnn" / "rnn.py", "reference"),
                   read_submission(ROOT / "examples" / "submissions" / "lee_seoyeon.py")]

    def seconds(submission) -> float:
        start = time.perf_counter()
        grade(submission, options)
        return time.perf_counter() - start

    first = seconds(submissions[0])
    print(f"in one process (a batch worker), median of {runs} after the first grade")
    print(f"  {'first grade <reference> (draws)':<34} {first:7.3f} s   {1.0:6.1f}x first")
    for submission in submissions:
        later = statistics.median(seconds(submission) for _ in range(runs))
        print(f"  {'later grade <' + submission.student + '>':<34} {later:7.3f} s   {later / first:6.2f}x first")


if __name__ == "__main__":
    main()
