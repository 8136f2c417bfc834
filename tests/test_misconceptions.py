"""The misconception catalog, in-process on trusted code: each known mistake is recognised
from outputs alone, on exactly the parts it shows in, and nothing is diagnosed for the reference."""
from __future__ import annotations

import re

import numpy as np
import pytest

from grader import diagnosis
from grader.diagnosis import catalog_ids, patched, same_answer
from tests.conftest import RNN

CATALOG, DESIGNED, IDS = RNN.misconceptions.CATALOG, RNN.misconceptions.DESIGNED, catalog_ids(RNN.misconceptions)


def diagnose(part, probe, reference, mutated=False):
    return diagnosis.diagnose(RNN.misconceptions, part, probe, reference, mutated)
from tests.checks.junk import JUNK, junk_submission
from tests.conftest import MISTAKES, ROOT, InProcessProbe, affected_parts, compose, module_from_source

CONTRACT = (ROOT.parent / "shared" / "CONTRACT.md")
CONTRACT_IDS = ("missing-tanh relu-instead-of-tanh missing-bias transposed-recurrent-weight "
                "forward-ignores-previous-state missing-tanh-derivative bptt-no-accumulation bptt-no-carry "
                "loss-not-averaged-over-batch softmax-overflow clip-per-tensor clip-always-rescales "
                "clip-by-value-instead-of-norm mutates-input").split()


def test_catalog_covers_the_contract_ids():
    assert set(CONTRACT_IDS) <= set(IDS)
    if CONTRACT.exists():  # the contract's table, when the shared folder is next to the project
        section = CONTRACT.read_text(encoding="utf-8").split("## 5.")[1].split("\n## ")[0]  # the rnn ids
        listed = set(re.findall(r"^\| `([a-z0-9-]+)` \|", section, re.M))
        assert listed <= set(IDS)


def test_every_id_has_a_fixture():
    stems = {p.stem.replace("_", "-") for p in MISTAKES.glob("*.py")}
    assert set(IDS) - {"float32-precision"} <= stems


@pytest.mark.parametrize("fixture", sorted(MISTAKES.glob("*.py")), ids=lambda p: p.stem)
def test_fixture_diagnosed_with_exactly_its_id_on_its_parts(fixture, reference):
    probe = InProcessProbe(module_from_source(compose(fixture), fixture.name), reference)
    mistake = fixture.stem.replace("_", "-")
    with np.errstate(all="ignore"):
        found = {part: diagnose(part, probe, reference, mutated=(mistake == "mutates-input"))
                 for part in affected_parts(fixture)}
    assert found == {part: (mistake,) for part in affected_parts(fixture)}


def test_reference_shows_no_value_mistake(reference):
    probe = InProcessProbe(reference, reference)
    assert all(diagnose(part, probe, reference) == () for part in RNN.part_names)


def test_float32_answers_are_diagnosed_as_precision(reference):
    class Float32:
        def __getattr__(self, name):
            return lambda *a: np.asarray(getattr(reference, name)(*a), dtype=np.float32)

    assert diagnose("rnn_forward", InProcessProbe(Float32(), reference), reference) == ("float32-precision",)


def test_patched_reference_routes_calls_through_the_wrong_function(reference):
    wrong = next(m for m in CATALOG if m.id == "missing-tanh")
    ns = patched(reference, wrong.function, wrong.variants[0])
    case = DESIGNED["rnn_forward"][0]
    assert not same_answer(ns.rnn_forward(*case.values()), reference.rnn_forward(*case.values()))
    assert same_answer(ns.rnn_output(*DESIGNED["rnn_output"][0].values()),
                       reference.rnn_output(*DESIGNED["rnn_output"][0].values()))


def test_same_answer_is_strict_about_structure_and_nan_places():
    a = np.array([1.0, np.nan])
    assert same_answer((a, {"k": 1.0}), (a.copy(), {"k": 1.0 + 1e-12}))
    assert not same_answer(a, np.array([np.nan, 1.0]))
    assert not same_answer((a,), [a, a])
    assert not same_answer({"k": 1.0}, {"j": 1.0})
    assert not same_answer(np.zeros(2), np.zeros(3))


def test_designed_inputs_expose_the_mistakes():
    cell = DESIGNED["rnn_cell_forward"][0]
    assert not np.allclose(cell["W_hh"], cell["W_hh"].T)
    assert len({cell["x_t"].shape[1], cell["W_hh"].shape[0], cell["x_t"].shape[0]}) == 3
    assert DESIGNED["rnn_backward"][0]["x"].shape[1] >= 3
    assert np.max(DESIGNED["sequence_cross_entropy"][1]["y"]) > 900


def test_nan_everywhere_is_no_mistake(reference):
    """A wrong variant can be NaN on one designed input (softmax overflow on large logits), but
    an answer with no finite number anywhere is no answer, and no mistake explains it."""
    probe = InProcessProbe(module_from_source(junk_submission(JUNK / "nan_everywhere.py")), reference)
    with np.errstate(all="ignore"):
        assert all(diagnose(part, probe, reference) == () for part in RNN.part_names)
