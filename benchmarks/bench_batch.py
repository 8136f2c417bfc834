"""Batch wall time for -j 1 and -j 2 on a class of 200 submissions, and whether the gradebooks agree.

    .venv/bin/python benchmarks/bench_batch.py [--students 200] [--jobs 1,2] [--keep DIR]

The class is the example submissions, the reference and the mistake fixtures (each the
reference with one mistake), replicated with variations that must not change a grade
(comments, blank lines, a docstring, a notebook instead of a .py, Korean and Latin names),
plus what a real class has: an empty file, binary junk, a syntax error, a duplicate id, a
folder submission. Each `-j` grades the same folder into its own output folder with the real
console script (`python -m grader batch`); then the gradebooks are compared byte for byte and
the reports field by field (timing fields left out). Measured, not asserted: the exit status
is 1 only if the gradebooks differ.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbformat import v4

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "submissions"
FIXTURES = {"rnn": ROOT / "tests" / "fixtures" / "mistakes"}  # the others: tests/fixtures/<assignment>/
FAMILY = "김이박최정강조윤장임"
GIVEN = ["민준", "서연", "지호", "하은", "도윤", "서윤", "예준", "지우", "시우", "하린"]
TIMING = ("duration_seconds",)


def bases(assignment: str = "rnn") -> list[tuple[str, str]]:
    """(name, source) of every distinct submission the class is made of: for `rnn` the example
    submissions, for every assignment its reference and its mistake fixtures (each the reference
    with one mistake)."""
    reference = (ROOT / "solutions" / assignment / f"{assignment}.py").read_text(encoding="utf-8")
    out = [(p.stem, p.read_text(encoding="utf-8")) for p in sorted(EXAMPLES.glob("*.py"))] if assignment == "rnn" else []
    out.append(("reference", reference))
    for fixture in sorted(FIXTURES.get(assignment, ROOT / "tests" / "fixtures" / assignment).glob("*.py")):
        out.append((fixture.stem, reference + "\n\n# --- " + fixture.name + " ---\n" + fixture.read_text(encoding="utf-8")))
    return out


def vary(source: str, rng: random.Random, student: str) -> str:
    """The same program written a little differently: nothing here may change a grade."""
    lines = source.splitlines()
    out = [f"# {student} — RNN assignment", f'"""Submission of {student}."""'] if rng.random() < 0.7 else []
    for line in lines:
        out.append(line.rstrip() + (" " * rng.randint(0, 2) if rng.random() < 0.1 else ""))
        if line.startswith("def ") and rng.random() < 0.3:
            out.append("    # TODO: double-check the shapes")
        if not line.strip() and rng.random() < 0.2:
            out.append("")
    return "\n".join(out) + "\n"


def notebook(source: str) -> str:
    chunks = re.split(r"\n(?=def )", source)
    cells = [v4.new_markdown_cell("# RNN 과제")] + [v4.new_code_cell(c) for c in chunks]
    return nbformat.writes(v4.new_notebook(cells=cells))


def make_class(folder: Path, students: int, seed: int = 2026, assignment: str = "rnn") -> None:
    """A class of `students`: correct, partly wrong and broken submissions of `assignment`, as
    files, notebooks and folders."""
    rng = random.Random(seed)
    folder.mkdir(parents=True)
    sources = bases(assignment)
    reference = (ROOT / "solutions" / assignment / f"{assignment}.py").read_text(encoding="utf-8")
    specials = 6
    for i in range(students - specials):
        name = f"{FAMILY[i % 10]}{GIVEN[(i // 10) % 10]}{i // 100 or ''}" if i % 3 == 0 else f"student_{i:03d}"
        _, source = sources[i % len(sources)]
        text = vary(source, rng, name)
        kind = rng.random()
        if kind < 0.15:
            (folder / f"{name}.ipynb").write_text(notebook(text), encoding="utf-8")
        elif kind < 0.25:
            (folder / name).mkdir()
            (folder / name / f"{assignment}.py").write_text(text, encoding="utf-8")
        else:
            (folder / f"{name}.py").write_text(text, encoding="utf-8")
    (folder / "zz_empty.py").write_bytes(b"")
    (folder / "zz_junk.py").write_bytes(bytes(range(256)) * 4)
    (folder / "zz_syntax.py").write_text("def rnn_cell_forward(x:\n    return x\n", encoding="utf-8")
    (folder / "zz_twice.py").write_text(reference, encoding="utf-8")
    (folder / "zz_twice.ipynb").write_text(notebook(reference), encoding="utf-8")
    (folder / "zz_stub.py").write_text((ROOT / "assignments" / assignment / f"{assignment}.py").read_text(encoding="utf-8"),
                                       encoding="utf-8")


def run(folder: Path, out: Path, jobs: int) -> float:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "grader", "batch", str(folder), "--out", str(out), "-j", str(jobs),
                           "--similarity"], capture_output=True, text=True, encoding="utf-8", check=False)
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 1):
        print(done.stderr[-3000:], file=sys.stderr)
        raise SystemExit(f"batch -j {jobs} failed with exit code {done.returncode}")
    print(f"  -j {jobs}: {seconds:7.1f} s   ({done.stderr.strip().splitlines()[-2]})")
    return seconds


def reports(out: Path) -> dict[str, dict]:
    found = {}
    for path in sorted((out / "reports").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for key in TIMING:
            data.pop(key, None)
        found[path.name] = data
    return found


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--students", type=int, default=200)
    ap.add_argument("--jobs", default="1,2", help="comma-separated -j values (default 1,2)")
    ap.add_argument("--keep", type=Path, help="keep the class and the outputs in this folder")
    args = ap.parse_args()
    jobs = [int(j) for j in args.jobs.split(",")]
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-batch-"))
    folder = work / "class"
    if folder.exists():
        shutil.rmtree(folder)
    make_class(folder, args.students)
    entries = len([p for p in folder.iterdir()])
    print(f"{entries} entries in {folder} ({args.students} students; one id submitted twice)")
    print(f"{os.cpu_count()} cores; load average before: {os.getloadavg()[0]:.2f} "
          f"(other work on the machine slows both runs and -j N most)")
    seconds, outs = {}, {}
    for j in jobs:
        outs[j] = work / f"out-j{j}"
        shutil.rmtree(outs[j], ignore_errors=True)
        seconds[j] = run(folder, outs[j], j)
    first = jobs[0]
    gradebook = (outs[first] / "gradebook.csv").read_bytes()
    with (outs[first] / "gradebook.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))[1:]
    same = True
    for j in jobs[1:]:
        csv_same = (outs[j] / "gradebook.csv").read_bytes() == gradebook
        reports_same = reports(outs[j]) == reports(outs[first])
        summary_same = (outs[j] / "summary.html").read_bytes() == (outs[first] / "summary.html").read_bytes()
        same &= csv_same and reports_same
        print(f"  -j {j} vs -j {first}: gradebook.csv {'identical' if csv_same else 'DIFFERENT'}, "
              f"reports {'identical' if reports_same else 'DIFFERENT'} (timing left out), "
              f"summary.html {'identical' if summary_same else 'different'}")
    for j in jobs:
        with sqlite3.connect(outs[j] / "gradebook.sqlite") as db:
            stored = db.execute("SELECT COUNT(*) FROM results").fetchone()[0]
        print(f"  -j {j}: {stored} results in gradebook.sqlite, {len(rows)} gradebook rows, "
              f"{seconds[j] / max(1, len(rows)):.2f} s per row")
    statuses = {s: sum(r[3] == s for r in rows) for s in ("graded", "error")}
    print(f"  rows: {len(rows)} ({statuses['graded']} graded, {statuses['error']} errors); "
          f"speed-up -j {jobs[-1]} over -j {first}: {seconds[first] / seconds[jobs[-1]]:.2f}x")
    print(f"  load average after: {os.getloadavg()[0]:.2f}; outputs in {work}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
