"""Shared test helpers: paths, fixture composition, and an in-process probe for check tests."""
from __future__ import annotations

import copy
import csv
import functools
import json
import os
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from grader import assignments
from grader.checks.framework import arguments
from grader.reference import load_reference
from grader.runner import GradingOptions, drawn_inputs, grade
from grader.sandbox import Limits
from grader.submissions import read_submission

# Every test draws its inputs itself (the plain path); tests/test_drawn_store.py turns the store on.
os.environ["RNN_GRADER_CACHE"] = "off"

ROOT = Path(__file__).resolve().parents[1]
RNN = assignments.load("rnn")  # the course's assignment, which most of these tests grade
REFERENCE = ROOT / "solutions" / "rnn" / "rnn.py"
STUBS = ROOT / "assignments" / "rnn" / "rnn.py"
MISTAKES = ROOT / "tests" / "fixtures" / "mistakes"
HOSTILE = ROOT / "tests" / "fixtures" / "hostile"
EXAMPLES = ROOT / "examples" / "submissions"


def read_gradebook(path: Path) -> list[list[str]]:
    """The rows of a gradebook.csv, header first."""
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def reports_without_timing(out: Path) -> dict[str, dict]:
    """Every JSON report of a batch output folder, by file name, without its timing field:
    what two runs of the same batch must agree on."""
    found = {}
    for path in sorted((out / "reports").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        data.pop("duration_seconds")
        found[path.name] = data
    return found


def compose(fixture: Path, reference: Path = REFERENCE) -> str:
    """A whole submission: the reference with the fixture's definitions overriding it."""
    return reference.read_text(encoding="utf-8") + "\n\n# --- fixture " + fixture.name + " ---\n" + \
        fixture.read_text(encoding="utf-8")


def affected_parts(fixture: Path) -> set[str]:
    """The parts a mistake fixture declares it breaks (its `# parts:` line)."""
    match = re.search(r"^# parts:(.*)$", fixture.read_text(encoding="utf-8"), re.M)
    return {p.strip() for p in match.group(1).split(",") if p.strip()}


def mistake_id(fixture: Path) -> str:
    """The misconception a mistake fixture shows: its file name, `_` turned into `-`."""
    return fixture.stem.replace("_", "-")


def mistake_fixtures(name: str) -> list[Path]:
    """The mistake fixtures of assignment `name`: tests/fixtures/<name>/ (the first assignment's are in mistakes/)."""
    return sorted((MISTAKES if name == "rnn" else ROOT / "tests" / "fixtures" / name).glob("*.py"))


def module_from_source(source: str, filename: str = "submission.py") -> SimpleNamespace:
    """Trusted code only (the reference and mistake fixtures): exec'd in this process."""
    namespace: dict = {"__name__": "submission"}
    exec(compile(source, filename, "exec"), namespace)
    return SimpleNamespace(**namespace)


class InProcessProbe:
    """A Probe without a sandbox, for testing the checks themselves on trusted code."""

    printed = ""  # output is not captured in-process

    def __init__(self, module, reference):
        self.module, self.ref = module, reference

    def __call__(self, function, case):
        return getattr(self.module, function)(*copy.deepcopy(arguments(case)))

    def with_inputs_after(self, function, case):
        args = copy.deepcopy(list(arguments(case)))
        value = getattr(self.module, function)(*args)
        return value, tuple(args)


@pytest.fixture(scope="session")
def reference():
    return module_from_source(REFERENCE.read_text(encoding="utf-8"), str(REFERENCE))


def first_failure(check, probe, examples: int, seed: int = 1) -> Exception | None:
    """The first failure of `check` on its replayed inputs, without shrinking (these tests want the verdict); an
    exception the sandbox would report as raised counts too."""
    for drawn in drawn_inputs(check, examples, seed):
        try:
            check.verify(probe, copy.deepcopy(drawn))
        except Exception as exc:  # noqa: BLE001
            return exc
    return None


@functools.cache
def grading_options(name: str) -> GradingOptions:
    """Full grading of assignment `name` as the command line's defaults grade it (its runtime's limits)."""
    assignment = assignments.load(name)
    runtime = assignment.runtime
    limits = Limits(call_seconds=runtime.call_seconds, memory_bytes=int(runtime.memory_gib * 2**30))
    return GradingOptions(mode="grade", limits=limits, reference=load_reference(assignment), assignment=assignment)


@pytest.fixture(scope="session")
def graded(tmp_path_factory):
    """(assignment name, submission name, source) → the graded result of that submission, graded through the
    sandbox on first use (seconds each), under the name students hand it in as."""
    folder, results = tmp_path_factory.mktemp("graded"), {}

    def result(name: str, submission: str, source: str):
        if (name, submission) not in results:
            path = folder / name / submission / f"{assignments.load(name).manifest.module}.py"
            path.parent.mkdir(parents=True)
            path.write_text(source, encoding="utf-8")
            results[name, submission] = grade(read_submission(path), grading_options(name))
        return results[name, submission]

    return result
