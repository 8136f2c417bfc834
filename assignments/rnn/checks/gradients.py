"""Checks for the whole training step (`rnn_loss_and_grads`) and `gradient_norms_through_time`."""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from . import strategies as S
from grader.checks.answers import NUMBER, Items, Keys, Returns, property_check
from grader.checks.common import inputs_unchanged
from grader.checks.compare import GRADIENT_TOL, expect_array, expect_dict, expect_scalar, expect_sequence, item
from grader.checks.framework import Case, Mismatch, Probe, msg
from .loss import raise_class_zero

STEP = "rnn_loss_and_grads"
NORMS = "gradient_norms_through_time"


def _step_variations(case: Case) -> tuple[Case, ...]:
    """Class 0's output bias up by 1 raises its probability everywhere, and so grads['b_y'][0],
    when there are two or more classes (with one, the loss is 0 and every gradient 0)."""
    if case["params"]["b_y"].shape[0] < 2:
        return ()
    return ({**case, "params": raise_class_zero(case["params"], "b_y")},)


STEP_RETURNS = Returns(
    STEP, STEP, lambda c: Items(("loss", "grads"), (NUMBER, Keys({k: c["params"][k].shape for k in S.PARAM_NAMES}))),
    _step_variations)


def compare_step(got, expected) -> None:
    loss, grads = expect_sequence(got, ("loss", "grads"), STEP)
    expect_scalar(loss, float(expected[0]), item(STEP, "loss"), GRADIENT_TOL)
    grads = expect_dict(grads, S.PARAM_NAMES, item(STEP, "grads"))
    for k in S.PARAM_NAMES:
        expect_array(grads[k], expected[1][k], item(STEP, f"grads[{k!r}]"), GRADIENT_TOL)


def _step_shapes(probe: Probe, case: Case, answer: tuple) -> None:
    """The gate itself checks the loss and every gradient's shape."""


RNN_LOSS_AND_GRADS = (
    property_check(STEP_RETURNS, "grads_have_parameter_shapes", 1, S.params_case(), _step_shapes),
    inputs_unchanged(STEP_RETURNS, S.params_case()),
)


def _quiet(case: Case, W_hh: np.ndarray) -> Case:
    """x = 0, h0 = 0, b_h = 0 and this W_hh: every state stays 0, so each step's Jacobian is exactly W_hh."""
    return {**case, "x": np.zeros_like(case["x"]), "h0": np.zeros_like(case["h0"]), "b_h": np.zeros_like(case["b_h"]),
            "W_hh": W_hh}


NORMS_RETURNS = Returns(
    NORMS, NORMS, lambda c: (c["x"].shape[0],),
    # with every state 0, W_hh = 0 gives norms 0 and W_hh = I norms √H: no answer equals both
    lambda c: (_quiet(c, np.zeros_like(c["W_hh"])), _quiet(c, np.eye(c["W_hh"].shape[0]))))


@st.composite
def _linear_case(draw) -> Case:
    """The quiet regime of `_quiet`, with a drawn W_hh."""
    T, D, H = draw(S.dim(6)), draw(S.dim()), draw(S.dim())
    W_xh = draw(S.array((D, H)))
    return {"x": np.zeros((T, D)), "h0": np.zeros(H), "W_xh": W_xh, "W_hh": draw(S.array((H, H), 1.5)), "b_h": np.zeros(H)}


def _linear_regime(probe: Probe, case: Case, g: np.ndarray) -> None:
    T = case["x"].shape[0]
    W = case["W_hh"]
    expected = np.array([np.linalg.norm(np.linalg.matrix_power(W, T - k)) for k in range(T)])
    expect_array(g, expected, msg("what.norms_linear", function=NORMS), GRADIENT_TOL)


def _nonnegative(probe: Probe, case: Case, g: np.ndarray) -> None:
    if np.any(g < 0):
        raise Mismatch(msg("check.norms_negative", function=NORMS, got=np.round(g, 6).tolist()))


GRADIENT_NORMS_THROUGH_TIME = (
    property_check(NORMS_RETURNS, "linear_regime_powers_of_W_hh", 1, _linear_case(), _linear_regime),
    property_check(NORMS_RETURNS, "shape_and_nonnegative", 1, S.sequence_case(), _nonnegative),
    inputs_unchanged(NORMS_RETURNS, S.sequence_case()),
)
