"""The `gated` assignment's test helpers: the assignment, its reference and its mistake fixtures (the
helpers behind them are tests/conftest.py's, shared by every assignment)."""
from __future__ import annotations

import functools

import pytest

from grader import assignments
from grader.reference import load_reference
from tests.conftest import ROOT, mistake_fixtures
from tests.conftest import compose as compose_with

ALL_FIXTURES = mistake_fixtures("gated")
compose = functools.partial(compose_with, reference=ROOT / "solutions" / "gated" / "gated.py")


@pytest.fixture(scope="session")
def gated():
    return assignments.load("gated")


@pytest.fixture(scope="session")
def gated_reference(gated):
    return load_reference(gated)
