"""Checks for the whole training step (`rnn_loss_and_grads`) and `gradient_norms_through_time`."""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from grader.checks import strategies as S
from grader.checks.common import inputs_unchanged
from grader.checks.compare import (
    GRADIENT_TOL,
    as_scalar,
    expect_array,
    expect_dict,
    expect_nontrivial,
    expect_scalar,
    expect_sequence,
    expect_shape,
    item,
)
from grader.checks.finite_diff import check_directional, gradient_is_nonzero
from grader.checks.framework import Case, Check, Mismatch, Probe, arguments, msg

STEP = "rnn_loss_and_grads"
NORMS = "gradient_norms_through_time"


def _step_nonzero(case: Case) -> bool:
    """With two or more classes the loss is positive."""
    return case["params"]["W_hy"].shape[1] >= 2


def _step(probe: Probe, case: Case, what: str = STEP) -> tuple[float, dict[str, np.ndarray]]:
    loss, grads = expect_sequence(probe(STEP, case), ("loss", "grads"), what)
    grads = expect_dict(grads, S.PARAM_NAMES, item(what, "grads"))
    loss = as_scalar(loss, item(what, "loss"))
    grads = {k: expect_shape(grads[k], p.shape, item(what, f"grads[{k!r}]")) for k, p in case["params"].items()}
    expect_nontrivial((loss, grads), _step_nonzero(case), what)
    return loss, grads


def compare_step(got, expected) -> None:
    loss, grads = expect_sequence(got, ("loss", "grads"), STEP)
    expect_scalar(loss, float(expected[0]), item(STEP, "loss"), GRADIENT_TOL)
    grads = expect_dict(grads, S.PARAM_NAMES, item(STEP, "grads"))
    for k in S.PARAM_NAMES:
        expect_array(grads[k], expected[1][k], item(STEP, f"grads[{k!r}]"), GRADIENT_TOL)


def step_finite_differences(probe: Probe, case: Case) -> None:
    _, grads = _step(probe, case)
    ref = probe.ref.rnn_loss_and_grads
    check_directional(lambda p: float(ref(p, case["x"], case["h0"], case["targets"])[0]), case["params"], grads,
                      item(STEP, "grads"))


def _step_shapes(probe: Probe, case: Case) -> None:
    _step(probe, case)


def _step_repeat(probe: Probe, case: Case) -> None:
    loss, grads = _step(probe, case)
    again, again_grads = _step(probe, case, msg("what.repeat_call", function=STEP))
    if again != loss or any(not np.array_equal(grads[k], again_grads[k]) for k in grads):
        raise Mismatch(msg("check.not_repeatable", function=STEP))


RNN_LOSS_AND_GRADS = (
    Check("grads_have_parameter_shapes", 1, True, S.params_case(), _step_shapes),
    Check("repeat_call_identical", 1, True, S.params_case(), _step_repeat),
    inputs_unchanged(STEP, S.params_case(), _step_nonzero),
)


@st.composite
def _linear_case(draw) -> Case:
    """x = 0, h0 = 0, b_h = 0: every state stays 0, so each step's Jacobian is exactly W_hh."""
    T, D, H = draw(S.dim(6)), draw(S.dim()), draw(S.dim())
    return {"x": np.zeros((T, D)), "h0": np.zeros(H), "W_xh": draw(S.array((D, H))),
            "W_hh": draw(S.array((H, H), 1.5)), "b_h": np.zeros(H)}


def _linear_regime(probe: Probe, case: Case) -> None:
    T = case["x"].shape[0]
    W = case["W_hh"]
    expected = np.array([np.linalg.norm(np.linalg.matrix_power(W, T - k)) for k in range(T)])
    expect_array(probe(NORMS, case), expected, msg("what.norms_linear", function=NORMS), GRADIENT_TOL)


def _norms_nonzero(case: Case) -> bool:
    """Whether the last step's Jacobian ∂h_T/∂h_{T−1} is nonzero, by finite differences of the forward pass."""
    x, h0, W_xh, W_hh, b_h = arguments(case)
    h = S.unroll(x[None], h0[None], W_xh, W_hh, b_h)[0]
    before_last = h[-2] if len(h) > 1 else h0
    return gradient_is_nonzero(lambda p: float(np.sum(S.unroll(x[None, -1:], p["h"][None], W_xh, W_hh, b_h))),
                               {"h": before_last})


def _shape_nonnegative(probe: Probe, case: Case) -> None:
    g = expect_shape(probe(NORMS, case), (case["x"].shape[0],), NORMS)
    expect_nontrivial(g, _norms_nonzero(case), NORMS)
    if not np.all(np.isfinite(g)) or np.any(g < 0):
        raise Mismatch(msg("check.norms_negative", function=NORMS, got=np.round(g, 6).tolist()))


GRADIENT_NORMS_THROUGH_TIME = (
    Check("linear_regime_powers_of_W_hh", 1, True, _linear_case(), _linear_regime),
    Check("shape_and_nonnegative", 1, True, S.sequence_case(), _shape_nonnegative),
    inputs_unchanged(NORMS, S.sequence_case(), _norms_nonzero),
)
