"""Shared test helpers: paths, fixture composition, and an in-process probe for check tests."""
from __future__ import annotations

import copy
import csv
import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from grader import assignments
from grader.checks.framework import arguments

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


def compose(fixture: Path) -> str:
    """A whole submission: the reference with the fixture's functions overriding it."""
    return REFERENCE.read_text(encoding="utf-8") + "\n\n# --- fixture " + fixture.name + " ---\n" + \
        fixture.read_text(encoding="utf-8")


def affected_parts(fixture: Path) -> set[str]:
    """The parts a mistake fixture declares it breaks (its `# parts:` line)."""
    match = re.search(r"^# parts:(.*)$", fixture.read_text(encoding="utf-8"), re.M)
    return {p.strip() for p in match.group(1).split(",") if p.strip()}


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
