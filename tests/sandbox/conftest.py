"""Shared helpers for the sandbox tests: small limits, fixture submissions by name, and the
isolation levels this machine can run."""

from __future__ import annotations

import dataclasses

import pytest

from grader.sandbox import Limits, Sandbox

from sandbox_support import FAST, fixture_source, level_params  # noqa: E402


def pytest_generate_tests(metafunc):
    if "level" in metafunc.fixturenames:
        metafunc.parametrize("level", level_params())


@pytest.fixture
def make_box():
    """make_box("good") -> a Sandbox on tests/fixtures/hostile/good.py, closed at teardown.
    ``isolation=`` forces a level (default: the limits' own, "auto")."""
    boxes: list[Sandbox] = []

    def make(name: str | None = None, *, source: str | None = None, limits: Limits = FAST,
             filename: str | None = None, isolation: str | None = None) -> Sandbox:
        if source is None:
            source = fixture_source(name)
        if isolation is not None:
            limits = dataclasses.replace(limits, isolation=isolation)
        box = Sandbox(source, filename=filename or f"{name or 'submission'}.py", limits=limits)
        boxes.append(box)
        return box

    yield make
    for box in boxes:
        box.close()


@pytest.fixture
def good(make_box):
    box = make_box("good")
    assert box.load() is None
    return box
