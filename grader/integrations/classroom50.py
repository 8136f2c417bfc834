"""Classroom 50: `rnn-grader export classroom50` writes the autograder folder, and this module,
run by that folder's `autograder.py` in the student's checkout, grades and writes what
Classroom 50's runner reads.

The folder (`export`): `autograder.py`, `rnn-grader/` (a self-contained copy of the grader, from
grader.packaging, with the reference and the hidden checks only when asked for), `runtime.json`
and an instructor README.

The run (`python -P -m grader.integrations.classroom50 --workspace CHECKOUT --mode check ...`,
from outside the checkout, so nothing in it is imported):
1. dates the assignment files by their last commit (a checkout gives them all one time, and
   `rnn-grader check` tells the .py from the .ipynb by which the student changed last);
2. runs `rnn-grader check` (or `grade`) on the checkout's assignment folder, JSON and Markdown
   reports into a scratch folder;
3. writes ./result.json (grader.reports.classroom50: whole-number units, exactly), ./release-body.md
   (the Markdown report) and status=/summary= into $GITHUB_OUTPUT.
A submission that cannot be read (no file, both files changed at once) scores 0 with the reason:
the grader ran. Exit 0 whenever result.json was written; 1 when it could not be (the environment
Classroom 50 sets is missing, the grader failed): Classroom 50 then reports an error.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Mapping

import grader
from grader import assignments, git_times, packaging
from grader.deadlines import UTC_FORMAT
from grader.errors import EXIT_INPUT, GraderError
from grader.gradebook_db import result_from_json
from grader.integrations import IntegrationError
from grader.integrations.ci import default_submission, environment
from grader.manifest import MODES
from grader.model import GradingError, SubmissionResult
from grader.reports import classroom50, markdown
from grader.runner import GradingOptions, error_result, share_points
from grader.spec import Assignment
from grader.submissions import student_id

REQUIRED = {"classroom": "CLASSROOM", "assignment": "ASSIGNMENT", "submission": "SUBMISSION_TAG",
            "commit": "COMMIT_URL", "release": "RELEASE_URL"}
ASSIGNMENT_TYPES = ("individual", "group")
PYTHON = "3.11"
RUNTIME = {"runs-on": "ubuntu-latest", "python": PYTHON}
RESULT, RELEASE_BODY = "result.json", "release-body.md"


# ---- the export --------------------------------------------------------------------------------

def _what(mode: str) -> str:
    return ("the public checks students run themselves" if mode == "check" else
            "the public and hidden checks, and agreement with the reference solution")


def export(assignment: Assignment, out: Path, hidden: bool = False, reference: Path | None = None,
           seed: int | None = None, lang: str = "en", timeout: float | None = None) -> list[Path]:
    """Write the autograder folder into `out` (new or empty); with `hidden`, `reference` is the
    reference file it grades with. Returns the top-level entries written."""
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise IntegrationError(f"{out}: exists and is not an empty folder; choose a new folder for the autograder")
    if hidden and (reference is None or not Path(reference).is_file()):
        raise IntegrationError(f"reference solution not found at {reference}; --hidden grades with it "
                               "(pass --solutions PATH)")
    mode = "grade" if hidden else "check"
    options = ["--assignment", assignment.name, "--lang", lang,
               "--timeout", f"{timeout or assignment.runtime.call_seconds:g}"]
    options += ["--seed", str(int(seed))] if seed is not None else []
    env = environment().overlay()
    env.filters["py"] = repr
    values = {"assignment": assignment.name, "mode": mode, "what": _what(mode), "hidden": hidden,
              "version": grader.__version__, "python": PYTHON, "runtime": json.dumps(RUNTIME, indent=2),
              "budget": f"{assignment.modes[mode].submission_seconds:g}", "scale": _scale(assignment, mode)}
    files = {"autograder.py": env.get_template("classroom50/autograder.py.j2").render(options=options, **values),
             "README.md": env.get_template("classroom50/README.md.j2").render(**values),
             "runtime.json": json.dumps(RUNTIME, indent=2) + "\n"}
    copy = packaging.grader_copy(assignment, "rnn-grader, bundled for a Classroom 50 autograder",
                                 reference=reference if hidden else None)
    out.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (out / name).write_text(text, encoding="utf-8")
    for name, data in copy.items():
        target = out / "rnn-grader" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return sorted(out.iterdir())


def _scale(assignment: Assignment, mode: str) -> int:
    """The unit the exported autograder counts this assignment's tests in (see reports.classroom50)."""
    shares = [share for part in assignment.parts
              for share in share_points(part.points, [c.weight for c in part.checks if mode == "grade" or c.public])]
    return classroom50.scale_of(shares)


# ---- the run, in the student's checkout --------------------------------------------------------

def identity(env: Mapping[str, str]) -> dict[str, str]:
    """What Classroom 50's runner says about this submission, as result.json names it."""
    missing = [var for var in REQUIRED.values() if not env.get(var)]
    if missing:
        raise IntegrationError(f"{', '.join(missing)} not set: this runs as Classroom 50's autograder, whose "
                               "runner sets them")
    found = {field: env[var] for field, var in REQUIRED.items()}
    found["review"] = env.get("REVIEW_URL") or found["commit"]
    if env.get("ASSIGNMENT_TYPE") in ASSIGNMENT_TYPES:  # stamped again by the runner
        found["assignment_type"] = env["ASSIGNMENT_TYPE"]
    if env.get("OWNER") or env.get("USERNAME"):
        found["owner"] = env.get("OWNER") or env["USERNAME"]
    return found


def submitted_at(workspace: Path, env: Mapping[str, str]) -> str:
    """The graded commit's committer date in UTC (as the runner stamps it); now when git cannot say."""
    when = git_times.commit_time(workspace, env.get("GITHUB_SHA") or "HEAD") or datetime.now(timezone.utc)
    return when.strftime(UTC_FORMAT)


def date_by_last_commit(workspace: Path, folder: Path, names: tuple[str, ...]) -> None:
    """Give each assignment file the time of the last commit that changed it."""
    for name in names:
        path = folder / name
        when = git_times.last_change(workspace, path) if path.is_file() else None
        if when is not None:
            os.utime(path, (when.timestamp(), when.timestamp()))


def _submission_folder(workspace: Path, assignment: Assignment) -> Path:
    try:
        return workspace / default_submission(workspace, assignment)
    except IntegrationError:
        return workspace  # `check` says what is missing, and the student gets that as the reason


def _reason(stderr: str, workspace: Path) -> str:
    """The grader's input error, without the runner's paths."""
    lines = [line.removeprefix("rnn-grader: error: ") for line in stderr.splitlines() if "error:" in line]
    return " ".join(lines or stderr.split()).replace(f"{workspace}{os.sep}", "").replace(str(workspace), ".")


def grade(workspace: Path, assignment: Assignment, mode: str, options: list[str], lang: str,
          scratch: Path) -> tuple[SubmissionResult, str] | None:
    """Run `rnn-grader MODE` on the checkout; the result and its Markdown report, or None when the
    grader failed (not the submission)."""
    folder = _submission_folder(workspace, assignment)
    date_by_last_commit(workspace, folder, assignment.files)
    reports = scratch / "reports"
    command = [sys.executable, "-P", "-m", "grader", mode, str(folder), "--assignment", assignment.name,
               "--lang", lang, *options, "--format", "json,md", "--out", str(reports)]
    done = subprocess.run(command, cwd=scratch, capture_output=True, text=True)
    sys.stdout.write(done.stdout)
    sys.stderr.write(done.stderr)
    found = sorted(reports.glob("*.json")) if reports.is_dir() else []
    if len(found) == 1:
        result = result_from_json(found[0].read_text(encoding="utf-8"))
        return result, found[0].with_suffix(".md").read_text(encoding="utf-8")
    if done.returncode != EXIT_INPUT:
        return None
    error = GradingError("input", _reason(done.stderr, workspace))
    result = error_result(student_id(folder), "", error,
                          GradingOptions(mode=mode, assignment=assignment, lang=lang))
    return result, markdown.render(result)


def write_outputs(workspace: Path, result: SubmissionResult, report: str, env: Mapping[str, str]) -> dict:
    """result.json, release-body.md and the step outputs; returns the result.json document."""
    document = classroom50.document(result, identity(env), submitted_at(workspace, env),
                                    datetime.now(timezone.utc).strftime(UTC_FORMAT))
    (workspace / RESULT).write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    note = classroom50.release_note(result, document)
    (workspace / RELEASE_BODY).write_text(report.rstrip("\n") + (f"\n\n{note}\n" if note else "\n"), encoding="utf-8")
    if env.get("GITHUB_OUTPUT"):
        with open(env["GITHUB_OUTPUT"], "a", encoding="utf-8") as outputs:
            outputs.write(f"status={classroom50.status(document)}\nsummary={classroom50.summary(result, document)}\n")
    return document


def main(argv: list[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m grader.integrations.classroom50",
                                 description="Grade a Classroom 50 submission (run by autograder.py)")
    ap.add_argument("--workspace", type=Path, required=True, help="the student's checkout")
    ap.add_argument("--mode", choices=MODES, required=True)
    ap.add_argument("--assignment", required=True)
    ap.add_argument("--lang", default="en")
    args, options = ap.parse_known_args(argv)
    env = os.environ if env is None else env
    workspace = args.workspace.resolve()
    scratch = Path(tempfile.mkdtemp(prefix="rnn-grader-classroom50-"))
    try:
        identity(env)  # before grading: without Classroom 50's environment there is nothing to write
        graded = grade(workspace, assignments.load(args.assignment), args.mode, options, args.lang, scratch)
        if graded is None:
            print("::error::rnn-grader could not grade this submission: see the log above", file=sys.stderr)
            return 1
        write_outputs(workspace, *graded, env)
    except GraderError as exc:
        print(f"::error::{exc}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
