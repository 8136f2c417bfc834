"""Stored examples: the bundle's public right answers round-trip, match the reference, and judge."""
from __future__ import annotations

import json

import numpy as np
import pytest

from grader import authoring
from grader.checks import stored
from grader.diagnosis import same_answer
from grader.runner import check_seed, run_check
from tests.conftest import RNN

DESIGNED = RNN.misconceptions.DESIGNED
from tests.conftest import MISTAKES, STUBS, InProcessProbe, compose, module_from_source


def test_encode_decode_round_trip_keeps_dtypes_tuples_and_dicts():
    value = (np.array([[1, 2]], dtype=np.int64), {"W": np.array([0.1, -2.5]), "b": np.zeros((0, 3))}, 0.25)
    back = stored.decode(json.loads(json.dumps(stored.encode(value))))
    assert isinstance(back, tuple) and len(back) == 3 and back[2] == 0.25
    assert back[0].dtype == np.int64 and back[0].tolist() == [[1, 2]]
    assert back[1]["W"].dtype == np.float64 and back[1]["W"].tolist() == [0.1, -2.5]
    assert back[1]["b"].shape == (0, 3)


def test_committed_examples_are_the_reference_on_the_designed_inputs():
    """Same inputs bit for bit, and the same answers (norm-relative 1e-12: BLAS may round differently)."""
    committed = stored.load(RNN.folder / stored.FILE_NAME)
    fresh = {part: [(stored.decode(e["inputs"]), stored.decode(e["expected"])) for e in examples]
             for part, examples in json.loads(authoring.stored_examples_text(RNN)).items()}
    assert committed.keys() == fresh.keys() == set(RNN.part_names)
    for part, examples in fresh.items():
        assert len(committed[part]) == len(examples) == len(DESIGNED[part])
        for (case, answer), (old_case, old_answer) in zip(examples, committed[part]):
            assert case.keys() == old_case.keys()
            assert all(same_answer(case[k], old_case[k], 0.0) for k in case), f"{part}: run `rnn-grader generate`"
            assert same_answer(answer, old_answer, 1e-12), f"{part}: run `rnn-grader generate`"


def test_generating_twice_writes_the_same_bytes():
    """The answers are stored to 12 significant digits, so BLAS rounding the last bits differently
    from one run (or thread count) to the next cannot change the file."""
    assert authoring.stored_examples_text(RNN) == authoring.stored_examples_text(RNN)
    assert authoring.stored_examples_text(RNN) == (RNN.folder / stored.FILE_NAME).read_text(encoding="utf-8")


def test_answers_are_stored_rounded_and_inputs_exactly():
    value = {"h": np.array([1 / 3, 2e-20]), "n": 1 / 7}
    assert stored.stable(value)["h"].tolist() == [0.333333333333, 2e-20] and stored.stable(value)["n"] == 0.142857142857
    assert stored.stable((np.array([1, 2], dtype=np.int64),))[0].dtype == np.int64


def test_every_part_ends_with_a_public_stored_check():
    for part in RNN.parts:
        check = part.checks[-1]
        assert check.name == stored.CHECK_NAME and check.public


def _stored_message(module, reference, part):
    check = next(c for p in RNN.parts if p.name == part for c in p.checks if c.name == stored.CHECK_NAME)
    with np.errstate(all="ignore"):
        return run_check(check, InProcessProbe(module, reference), 10, check_seed(7, part, check.name), part)


@pytest.mark.parametrize("fixture,part", [("transposed_recurrent_weight", "rnn_cell_forward"),
                                          ("softmax_overflow", "sequence_cross_entropy"),
                                          ("clip_per_tensor", "clip_grad_norm"),
                                          ("bptt_no_carry", "rnn_backward")])
def test_a_known_mistake_fails_its_stored_examples_with_a_reproducible_counterexample(fixture, part, reference):
    module = module_from_source(compose(MISTAKES / f"{fixture}.py"))
    failure = _stored_message(module, reference, part)
    assert failure is not None
    message, example = failure.message, failure.counterexample
    assert "expected" in message.render("en") or "expected" in example
    assert example["snippet"].startswith(f"{part}(")


def test_stubs_fail_and_the_reference_passes_every_stored_check(reference):
    stubs = module_from_source(STUBS.read_text(encoding="utf-8"))
    for part in RNN.part_names:
        assert _stored_message(reference, reference, part) is None
        assert _stored_message(stubs, reference, part) is not None
