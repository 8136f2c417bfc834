"""Drawn inputs read back from the store are the drawn inputs: same checks' inputs, same reports."""
from __future__ import annotations

import json

import numpy as np
import pytest

from grader import assignments, cache, drawn_store
from grader.runner import check_seed, drawn_inputs
from tests.conftest import MISTAKES, compose
from tests.test_runner import GOLDEN, _rounded, comparable_report, grade_file, write


@pytest.fixture
def store(tmp_path, monkeypatch):
    """The store on, in a fresh folder, and this process's drawn inputs forgotten (a new process)."""
    monkeypatch.setenv(cache.ENV_VAR, str(tmp_path / "cache"))
    drawn_inputs.cache_clear()
    yield tmp_path / "cache"
    drawn_inputs.cache_clear()


def test_off_stores_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.ENV_VAR, "off")
    drawn_store.save("a_check", 3, 1, ({"x": np.ones(2)},))
    assert drawn_store.folder() is None and drawn_store.load("a_check", 3, 1) is None


@pytest.mark.parametrize("name", sorted(assignments.installed()))
def test_every_check_reads_back_exactly_what_it_drew(name, store):
    assignment = assignments.load(name)
    for part in assignment.parts:
        for check in part.checks:
            seed = check_seed(assignment.default_seed, part.name, check.name)
            drawn = drawn_inputs(check, 3, seed)
            drawn_inputs.cache_clear()
            stored = drawn_store.load(check.name, 3, seed)
            assert stored is not None, f"{name}: {part.name}::{check.name} was not stored"
            assert drawn_store.same(stored, drawn) and drawn_inputs(check, 3, seed) is not drawn


def test_same_tells_types_dtypes_and_signed_zero_apart():
    same = drawn_store.same
    assert same(({"a": np.zeros(2), "b": 1.0},), ({"a": np.zeros(2), "b": 1.0},))
    assert not same((np.zeros(2),), (np.zeros(2, dtype=np.float32),))
    assert not same([1.0], (1.0,)) and not same(0.0, -0.0) and not same(1, 1.0) and same(float("nan"), float("nan"))
    assert not same({"a": 1, "b": 2}, {"b": 2, "a": 1})


def test_a_corrupt_file_is_drawn_again(store):
    assignment = assignments.load("rnn")
    part = assignment.parts[0]
    check = part.checks[0]
    seed = check_seed(assignment.default_seed, part.name, check.name)
    drawn = drawn_inputs(check, 2, seed)
    for path in store.rglob("*.bin"):
        path.write_bytes(b"\x05\x00\x00\x00\x00\x00\x00\x00junk!")
    drawn_inputs.cache_clear()
    assert drawn_store.load(check.name, 2, seed) is None
    assert drawn_store.same(drawn_inputs(check, 2, seed), drawn)


@pytest.fixture(scope="module")
def filled_store(tmp_path_factory):
    """A store that one grading filled: the fixtures below read every input from it."""
    folder = tmp_path_factory.mktemp("drawn-store")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(cache.ENV_VAR, str(folder))
        drawn_inputs.cache_clear()
        rnn = assignments.load("rnn")
        for part in rnn.parts:
            for check in part.checks:
                drawn_inputs(check, rnn.modes["grade"].examples, check_seed(rnn.default_seed, part.name, check.name))
        yield folder
    drawn_inputs.cache_clear()


@pytest.mark.parametrize("fixture", sorted(MISTAKES.glob("*.py")), ids=lambda p: p.stem)
def test_reports_from_stored_inputs_are_the_golden_reports(fixture, filled_store, tmp_path, reference):
    drawn_inputs.cache_clear()  # every grading reads the store, as a fresh process would
    result = grade_file(write(tmp_path, fixture.name, compose(fixture)), reference)
    assert any(filled_store.rglob("*.bin"))
    golden = json.loads((GOLDEN / f"{fixture.stem}.json").read_text(encoding="utf-8"))
    assert comparable_report(result) == _rounded(golden)
