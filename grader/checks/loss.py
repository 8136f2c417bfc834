"""Checks for `sequence_cross_entropy` (sum over time, mean over the batch)."""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from grader.checks import strategies as S
from grader.checks.common import inputs_unchanged
from grader.checks.compare import (
    GRADIENT_TOL,
    as_scalar,
    expect_array,
    expect_nontrivial,
    expect_scalar,
    expect_sequence,
    expect_shape,
    item,
)
from grader.checks.finite_diff import check_directional
from grader.checks.framework import Case, Check, Mismatch, Probe, msg

FUNCTION = "sequence_cross_entropy"


def _answer_is_nonzero(case: Case) -> bool:
    """With two or more classes no prediction is certain, so the loss is positive."""
    return case["y"].shape[-1] >= 2


def _loss_and_dy(probe: Probe, case: Case, what: str = FUNCTION) -> tuple[float, np.ndarray]:
    loss, dy = expect_sequence(probe(FUNCTION, case), ("loss", "dy"), what)
    loss = as_scalar(loss, item(what, "loss"))
    dy = expect_shape(dy, case["y"].shape, item(what, "dy"))
    expect_nontrivial((loss, dy), _answer_is_nonzero(case), what)
    return loss, dy


def compare(got, expected) -> None:
    loss, dy = expect_sequence(got, ("loss", "dy"), FUNCTION)
    expect_scalar(loss, float(expected[0]), item(FUNCTION, "loss"), GRADIENT_TOL)
    expect_array(dy, expected[1], item(FUNCTION, "dy"), GRADIENT_TOL)


@st.composite
def _shifted(draw) -> tuple[Case, float]:
    return draw(S.loss_case()), draw(st.sampled_from([1000.0, -1000.0]))


def _large_logits(probe: Probe, drawn: tuple[Case, float]) -> None:
    case, offset = drawn
    loss, dy = _loss_and_dy(probe, case)
    shifted = {**case, "y": case["y"] + offset}
    what = msg("what.loss_shift", function=FUNCTION, offset=f"{offset:+g}")
    got_loss, got_dy = expect_sequence(probe(FUNCTION, shifted), ("loss", "dy"), what)
    expect_scalar(got_loss, loss, item(what, "loss"), 1e-6)
    expect_array(got_dy, dy, item(what, "dy"), 1e-6)


def _dy_rows(probe: Probe, case: Case) -> None:
    _, dy = _loss_and_dy(probe, case)
    sums = dy.sum(axis=-1)
    if not np.all(np.abs(sums) <= 1e-10):
        n, t = np.unravel_index(int(np.argmax(np.abs(sums))), sums.shape)
        raise Mismatch(msg("check.dy_rows", n=int(n), t=int(t), total=f"{sums[n, t]:.6g}"))


def _uniform(probe: Probe, case: Case) -> None:
    N, T, O = case["y"].shape
    zeros = {**case, "y": np.zeros_like(case["y"])}
    loss, _ = expect_sequence(probe(FUNCTION, zeros), ("loss", "dy"), FUNCTION)
    expect_scalar(loss, T * np.log(O), msg("what.loss_uniform", N=N, T=T, O=O), GRADIENT_TOL)


def _fd(probe: Probe, case: Case) -> None:
    _, dy = _loss_and_dy(probe, case)
    check_directional(lambda p: _loss_and_dy(probe, {**case, **p})[0], {"y": case["y"]}, {"y": dy},
                      msg("what.loss_fd", function=FUNCTION))


SEQUENCE_CROSS_ENTROPY = (
    Check("large_logits_stay_finite", 1, True, _shifted(), _large_logits),
    Check("dy_rows_sum_to_zero", 1, True, S.loss_case(), _dy_rows),
    Check("uniform_logits", 1, True, S.loss_case(), _uniform),
    Check("dy_matches_finite_differences", 1, True, S.loss_case(), _fd),
    inputs_unchanged(FUNCTION, S.loss_case(), _answer_is_nonzero),
)
