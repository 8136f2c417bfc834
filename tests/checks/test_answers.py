"""The gate in front of every property (grader/checks/answers.py) and NaN-safe comparisons,
in-process on trusted code."""
from __future__ import annotations

import numpy as np
import pytest

from grader.checks import stored
from grader.checks.answers import NUMBER, Gated, Items, Keys, validate
from grader.checks.compare import expect_array, expect_scalar
from grader.checks.finite_diff import check_directional
from grader.checks.framework import Mismatch
from grader.runner import check_seed, drawn_inputs
from tests.conftest import RNN
from tests.checks.junk import JUNK, junk_submission
from tests.conftest import ROOT, InProcessProbe, compose, module_from_source

COMPARISONS = {"matches_reference", stored.CHECK_NAME}  # judged against a known right answer instead


def test_every_property_passes_through_the_gate_of_its_own_part():
    for part in RNN.parts:
        for check in part.checks:
            if check.name not in COMPARISONS:
                assert isinstance(check.verify, Gated), f"{part.name}::{check.name}"
                assert check.verify.returns.function == part.name, f"{part.name}::{check.name}"


def test_nan_is_never_close():
    nan = np.array([1.0, np.nan])
    for compare in (lambda: expect_array(nan, nan, "h"), lambda: expect_array(np.ones(2), nan, "h"),
                    lambda: expect_scalar(float("nan"), float("nan"), "loss"),
                    lambda: check_directional(lambda p: float("nan"), {"y": np.ones(2)}, {"y": np.ones(2)}, "dy")):
        with pytest.raises(Mismatch):
            compare()


FORM = Items(("loss", "grads"), (NUMBER, Keys({"W": (2, 3)})))
RIGHT = (0.5, {"W": np.zeros((2, 3))})


@pytest.mark.parametrize("value,says", [
    ((float("nan"), RIGHT[1]), "check.scalar_not_finite"),
    ((0.5, {"W": np.full((2, 3), np.inf)}), "check.not_finite"),
    ((0.5, {"W": np.zeros((2, 3)).tolist()}), "check.not_array"),
    ((0.5, {"W": np.zeros((2, 3, 1))}), "check.shape"),
    ((0.5, {"W": np.zeros((2, 3), np.complex128)}), "check.not_array"),
    ((0.5, {"W": np.zeros((2, 3), np.float32)}), "check.dtype"),
    ((0.5,), "check.not_tuple"),
    ((0.5, {"V": np.zeros((2, 3))}), "check.not_dict"),
    ("done", "check.not_tuple"),
])
def test_an_answer_of_another_form_says_what_is_wrong(value, says):
    assert validate(RIGHT, FORM, "f")[0] == 0.5
    with pytest.raises(Mismatch) as caught:
        validate(value, FORM, "f")
    assert caught.value.message.key == says


def _zeroed(value):
    """Every array of an input set to zeros (numbers such as max_norm kept: they are positive)."""
    if isinstance(value, dict):
        return {k: _zeroed(v) for k, v in value.items()}
    return np.zeros_like(value) if isinstance(value, np.ndarray) else value


@pytest.mark.parametrize("part", RNN.parts, ids=lambda p: p.name)
def test_the_right_answer_passes_the_gate_also_where_it_is_zero(part, reference):
    """The variations are sound: on at least one of them the reference's answer changes, also
    on all-zero inputs (where a placeholder of zeros is right)."""
    probe = InProcessProbe(reference, reference)
    check = next(c for c in part.checks if c.name == "inputs_unchanged")
    for case in drawn_inputs(check, 10, check_seed(3, part.name, check.name)):
        for inputs in (case, _zeroed(case)):
            check.verify.returns.expect_function_of_inputs(probe, inputs, check.verify.returns.answer(probe, inputs))


def test_input_free_answers_fail_the_gate_and_it_says_why(reference):
    constant = module_from_source(junk_submission(JUNK / "constant_answer.py"))
    random = module_from_source(junk_submission(JUNK / "random_answer.py"))
    zeros = module_from_source(compose(ROOT / "tests" / "fixtures" / "hostile_parts" / "returns_zeros.py"))
    for module, key in ((constant, "check.ignores_inputs"), (random, "check.not_repeatable"), (zeros, "check.trivial")):
        probe = InProcessProbe(module, reference)
        for part in RNN.parts:
            check = next(c for c in part.checks if c.name == "inputs_unchanged")
            returns = check.verify.returns
            case = next(c for c in drawn_inputs(check, 10, check_seed(3, part.name, check.name)) if returns.variations(c))
            with pytest.raises(Mismatch) as caught:
                check.verify(probe, case)
            assert caught.value.message.key == key, part.name
