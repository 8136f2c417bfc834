"""Checks for `sequence_cross_entropy` (sum over time, mean over the batch)."""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from . import strategies as S
from grader.checks.answers import NUMBER, Items, Returns, property_check
from grader.checks.common import inputs_unchanged
from grader.checks.compare import GRADIENT_TOL, expect_array, expect_scalar, expect_sequence, item
from grader.checks.finite_diff import check_directional
from grader.checks.framework import Case, Mismatch, Probe, msg

FUNCTION = "sequence_cross_entropy"


def raise_class_zero(case: Case, logits: str) -> Case:
    """Class 0's logit up by 1 everywhere: with two or more classes its probability, and so every
    dy[..., 0], strictly grows; with one class nothing can change (loss 0, dy 0 for any input)."""
    y = case[logits].copy()
    y[..., 0] += 1.0
    return {**case, logits: y}


RETURNS = Returns(FUNCTION, FUNCTION, lambda c: Items(("loss", "dy"), (NUMBER, c["y"].shape)),
                  lambda c: (raise_class_zero(c, "y"),) if c["y"].shape[-1] >= 2 else ())


def compare(got, expected) -> None:
    loss, dy = expect_sequence(got, ("loss", "dy"), FUNCTION)
    expect_scalar(loss, float(expected[0]), item(FUNCTION, "loss"), GRADIENT_TOL)
    expect_array(dy, expected[1], item(FUNCTION, "dy"), GRADIENT_TOL)


@st.composite
def _shifted(draw) -> tuple[Case, float]:
    return draw(S.loss_case()), draw(st.sampled_from([1000.0, -1000.0]))


def _large_logits(probe: Probe, drawn: tuple[Case, float], answer: tuple) -> None:
    case, offset = drawn
    loss, dy = answer
    shifted = {**case, "y": case["y"] + offset}
    what = msg("what.loss_shift", function=FUNCTION, offset=f"{offset:+g}")
    got_loss, got_dy = expect_sequence(probe(FUNCTION, shifted), ("loss", "dy"), what)
    expect_scalar(got_loss, loss, item(what, "loss"), 1e-6)
    expect_array(got_dy, dy, item(what, "dy"), 1e-6)


WIDE = 1000.0
"""Logits of this size make exp underflow to 0 (beyond about 745 below the row's largest logit)."""


def _wide_rows(case: Case) -> Case:
    """Every row spans ±WIDE: +WIDE on the class after the target, −WIDE on the target. The target's
    probability, e^−2·WIDE, underflows to 0, yet its −log is 2·WIDE: a loss that takes the log of a
    probability returns inf here, one that works with log-probabilities stays exact."""
    y = case["y"].copy()
    n, t = np.indices(case["targets"].shape)
    y[n, t, (case["targets"] + 1) % y.shape[-1]] = WIDE
    y[n, t, case["targets"]] = -WIDE
    return {**case, "y": y}


def _wide_logits(probe: Probe, case: Case, answer: tuple) -> None:
    """Each row's loss is log Σ exp(y) − y[target] = WIDE + WIDE (every other class adds less than
    e^−990), so the loss is 2·WIDE·T and dy is +1/N on the top class, −1/N on the target, 0 elsewhere."""
    wide = _wide_rows(case)
    N, T, O = wide["y"].shape
    what = msg("what.loss_wide", function=FUNCTION, big=f"{WIDE:g}")
    got_loss, got_dy = expect_sequence(probe(FUNCTION, wide), ("loss", "dy"), what)
    expect_scalar(got_loss, 2 * WIDE * T, item(what, "loss"), 1e-9)
    expected_dy = (np.where(wide["y"] == WIDE, 1.0, 0.0) - np.where(wide["y"] == -WIDE, 1.0, 0.0)) / N
    expect_array(got_dy, expected_dy, item(what, "dy"), 1e-9)


def _dy_rows(probe: Probe, case: Case, answer: tuple) -> None:
    sums = answer[1].sum(axis=-1)
    if not np.all(np.abs(sums) <= 1e-10):
        n, t = np.unravel_index(int(np.argmax(np.abs(sums))), sums.shape)
        raise Mismatch(msg("check.dy_rows", n=int(n), t=int(t), total=f"{sums[n, t]:.6g}"))


def _zero_logits(case: Case) -> Case:
    return {**case, "y": np.zeros_like(case["y"])}


def _uniform(probe: Probe, case: Case, answer: tuple) -> None:
    N, T, O = case["y"].shape
    expect_scalar(answer[0], T * np.log(O), msg("what.loss_uniform", N=N, T=T, O=O), GRADIENT_TOL)


def _fd(probe: Probe, case: Case, answer: tuple) -> None:
    check_directional(lambda p: RETURNS.answer(probe, {**case, **p})[0], {"y": case["y"]}, {"y": answer[1]},
                      msg("what.loss_fd", function=FUNCTION))


SEQUENCE_CROSS_ENTROPY = (
    property_check(RETURNS, "large_logits_stay_finite", 1, _shifted(), _large_logits),
    property_check(RETURNS, "wide_logits_stay_accurate", 1, S.loss_case(min_classes=2), _wide_logits),
    property_check(RETURNS, "dy_rows_sum_to_zero", 1, S.loss_case(), _dy_rows),
    property_check(RETURNS, "uniform_logits", 1, S.loss_case().map(_zero_logits), _uniform),
    property_check(RETURNS, "dy_matches_finite_differences", 1, S.loss_case(), _fd),
    inputs_unchanged(RETURNS, S.loss_case()),
)
