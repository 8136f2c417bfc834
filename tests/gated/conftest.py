"""The `gated` assignment's test helpers: the assignment, its reference, mistake fixtures."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from grader import assignments
from grader.reference import load_reference
from tests.conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "gated"


@pytest.fixture(scope="session")
def gated():
    return assignments.load("gated")


@pytest.fixture(scope="session")
def gated_reference(gated):
    return load_reference(gated)


def compose(fixture: Path) -> str:
    """A whole submission: the reference with the fixture's functions overriding it."""
    reference = (ROOT / "solutions" / "gated" / "gated.py").read_text(encoding="utf-8")
    return f"{reference}\n\n# --- fixture {fixture.name} ---\n{fixture.read_text(encoding='utf-8')}"


def declared_parts(fixture: Path) -> set[str]:
    """The parts a fixture declares it loses points on (its `# parts:` line)."""
    line = re.search(r"^# parts:(.*)$", fixture.read_text(encoding="utf-8"), re.M).group(1)
    return {p.strip() for p in line.split(",")}


def mistake(fixture: Path) -> str:
    return fixture.stem.replace("_", "-")


ALL_FIXTURES = sorted(FIXTURES.glob("*.py"))
