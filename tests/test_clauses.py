"""Every "finite and accurate" clause of the contract has a test that a naive implementation fails.

Each fixture under tests/fixtures/clauses/<assignment>/ is the reference with one function
rewritten the naive way (right on ordinary inputs, non-finite or inaccurate where the clause
says it must not be). Graded through the sandbox, it loses points on exactly the parts its
`# parts:` line names, and in each of them on exactly the test its `# check:` line names, so
every clause is covered by its own test and no other test needed changing to catch it.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from grader import assignments
from grader.reference import load_reference
from grader.runner import GradingOptions, grade
from grader.sandbox import Limits
from grader.submissions import read_submission
from tests.conftest import ROOT

CLAUSES = ROOT / "tests" / "fixtures" / "clauses"
FIXTURES = sorted(CLAUSES.glob("*/*.py"))


def declared(fixture: Path, key: str) -> set[str]:
    """The comma-separated names of the fixture's `# key:` line."""
    line = re.search(rf"^# {key}:(.*)$", fixture.read_text(encoding="utf-8"), re.M).group(1)
    return {name.strip() for name in line.split(",")}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """fixture → its graded result (the reference with the fixture's functions overriding it)."""
    folder = tmp_path_factory.mktemp("clauses")

    def result(fixture: Path):
        assignment = assignments.load(fixture.parent.name)
        reference = assignment.reference_path()
        path = folder / fixture.parent.name / fixture.stem / reference.name
        path.parent.mkdir(parents=True)
        path.write_text(f"{reference.read_text(encoding='utf-8')}\n\n# --- fixture {fixture.name} ---\n"
                        f"{fixture.read_text(encoding='utf-8')}", encoding="utf-8")
        limits = Limits(call_seconds=assignment.runtime.call_seconds,
                        memory_bytes=int(assignment.runtime.memory_gib * 2**30))
        options = GradingOptions(mode="grade", limits=limits, reference=load_reference(assignment),
                                 assignment=assignment)
        return grade(read_submission(path), options)

    return result


def test_every_assignment_has_its_clause_fixtures():
    assert {p.parent.name for p in FIXTURES} == set(assignments.installed())


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_a_naive_implementation_fails_exactly_its_clause(graded, fixture):
    result = graded(fixture)
    assert result.status == "graded"
    assert {p.name for p in result.parts if p.score < p.max_score} == declared(fixture, "parts")
    for part in result.parts:
        failed = {t.name for t in part.tests if not t.passed}
        assert failed == (declared(fixture, "check") if part.name in declared(fixture, "parts") else set()), part.name
