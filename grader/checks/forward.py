"""Checks for the forward pass: `rnn_cell_forward`, `rnn_forward`, `rnn_output`.

Public checks are properties a correct forward pass must have (RESEARCH.md F1-F10);
they need no reference, only the formula printed in the assignment.
"""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from grader.checks import strategies as S
from grader.checks.common import inputs_unchanged
from grader.checks.compare import expect_array, expect_nontrivial, expect_shape
from grader.checks.framework import Case, Check, Mismatch, Probe, msg

# --- rnn_cell_forward -------------------------------------------------------------------------

def _cell_shape(case: Case) -> tuple[int, int]:
    return case["x_t"].shape[0], case["W_hh"].shape[0]


def _cell_nonzero(case: Case) -> bool:
    return bool(np.any(S.tanh_cell(**case)))


def _cell(probe: Probe, case: Case) -> np.ndarray:
    h = expect_shape(probe("rnn_cell_forward", case), _cell_shape(case), "h_t")
    expect_nontrivial(h, _cell_nonzero(case), "h_t")
    return h


def _cell_bounded(probe: Probe, case: Case) -> None:
    h = _cell(probe, case)
    if not np.all(np.isfinite(h)) or np.max(np.abs(h)) > 1.0:
        raise Mismatch(msg("check.unbounded", what="h_t", value=f"{np.max(np.abs(h)):.4g}"))


def _zero_weights(case: Case) -> Case:
    return {**case, "W_xh": np.zeros_like(case["W_xh"]), "W_hh": np.zeros_like(case["W_hh"])}


def _cell_zero_weights(probe: Probe, case: Case) -> None:
    expected = np.broadcast_to(np.tanh(case["b_h"]), _cell_shape(case))
    expect_array(probe("rnn_cell_forward", case), expected, msg("what.cell_zero_weights"))


@st.composite
def _convention_case(draw) -> Case:
    D, H = draw(S.dim()), draw(st.integers(2, 4))
    i, j = draw(st.integers(0, H - 1)), draw(st.integers(0, H - 1))
    if i == j:
        j = (i + 1) % H
    h_prev = np.zeros((1, H))
    h_prev[0, i] = 1.0
    W_hh = np.zeros((H, H))
    W_hh[i, j] = 0.5
    return {"x_t": np.zeros((1, D)), "h_prev": h_prev, "W_xh": np.zeros((D, H)), "W_hh": W_hh, "b_h": np.zeros(H)}


def _cell_convention(probe: Probe, case: Case) -> None:
    expected = np.tanh(case["h_prev"] @ case["W_hh"])
    expect_array(probe("rnn_cell_forward", case), expected,
                 msg("what.cell_convention"))


def _cell_odd_symmetry(probe: Probe, case: Case) -> None:
    h = _cell(probe, case)
    flipped = {**case, "x_t": -case["x_t"], "h_prev": -case["h_prev"], "b_h": -case["b_h"]}
    expect_array(probe("rnn_cell_forward", flipped), -h,
                 msg("what.cell_odd"))


CELL_FORWARD = (
    Check("bounded_by_one", 1, True, S.cell_case(), _cell_bounded),
    Check("zero_weights_give_tanh_bias", 1, True, S.cell_case().map(_zero_weights), _cell_zero_weights),
    Check("recurrent_weight_convention", 1, True, _convention_case(), _cell_convention),
    Check("odd_symmetry", 1, True, S.cell_case(), _cell_odd_symmetry),
    inputs_unchanged("rnn_cell_forward", S.cell_case(), _cell_nonzero),
)


# --- rnn_forward ----------------------------------------------------------------------------

def _forward_nonzero(case: Case) -> bool:
    return bool(np.any(S.unroll(**case)))


def _forward(probe: Probe, case: Case) -> np.ndarray:
    N, T, _ = case["x"].shape
    h = expect_shape(probe("rnn_forward", case), (N, T, case["W_hh"].shape[0]), "h")
    expect_nontrivial(h, _forward_nonzero(case), "h")
    return h


def _forward_single_step(probe: Probe, case: Case) -> None:
    one = {**case, "x": case["x"][:, :1]}
    expected = S.tanh_cell(one["x"][:, 0], case["h0"], case["W_xh"], case["W_hh"], case["b_h"])[:, None]
    expect_array(probe("rnn_forward", one), expected, msg("what.forward_single_step"))


@st.composite
def _split(draw, min_t: int = 2) -> tuple[Case, int]:
    case = draw(S.forward_case(min_t))
    return case, draw(st.integers(1, case["x"].shape[1] - 1))


def _forward_prefix(probe: Probe, drawn: tuple[Case, int]) -> None:
    case, k = drawn
    full = _forward(probe, case)
    expect_array(probe("rnn_forward", {**case, "x": case["x"][:, :k]}), full[:, :k],
                 msg("what.forward_prefix", k=k))


def _forward_chaining(probe: Probe, drawn: tuple[Case, int]) -> None:
    case, k = drawn
    full = _forward(probe, case)
    tail = {**case, "x": case["x"][:, k:], "h0": full[:, k - 1]}
    expect_array(probe("rnn_forward", tail), full[:, k:],
                 msg("what.forward_chaining", k=k, previous=k - 1))


def _forward_rows(probe: Probe, drawn: tuple[Case, int]) -> None:
    case, n = drawn
    full = _forward(probe, case)
    row = {**case, "x": case["x"][n:n + 1], "h0": case["h0"][n:n + 1]}
    expect_array(probe("rnn_forward", row), full[n:n + 1],
                 msg("what.forward_row", n=n))


@st.composite
def _row_case(draw) -> tuple[Case, int]:
    case = draw(S.forward_case())
    return case, draw(st.integers(0, case["x"].shape[0] - 1))


FORWARD = (
    Check("single_step_equals_cell", 1, True, S.forward_case(), _forward_single_step),
    Check("prefix_consistency", 1, True, _split(), _forward_prefix),
    Check("continues_from_given_state", 1, True, _split(), _forward_chaining),
    Check("batch_rows_independent", 1, True, _row_case(), _forward_rows),
    inputs_unchanged("rnn_forward", S.forward_case(), _forward_nonzero),
)


# --- rnn_output -----------------------------------------------------------------------------

def _output_zero_weights(probe: Probe, case: Case) -> None:
    N, T, _ = case["h"].shape
    zeroed = {**case, "W_hy": np.zeros_like(case["W_hy"])}
    expected = np.broadcast_to(case["b_y"], (N, T, case["b_y"].shape[0]))
    expect_array(probe("rnn_output", zeroed), expected, msg("what.output_zero_weights"))


def _output_nonzero(case: Case) -> bool:
    return bool(np.any(S.affine_output(**case)))


def _output_steps(probe: Probe, case: Case) -> None:
    N, T, _ = case["h"].shape
    y = expect_shape(probe("rnn_output", case), (N, T, case["b_y"].shape[0]), "y")
    expect_nontrivial(y, _output_nonzero(case), "y")
    for t in range(T):
        expect_array(probe("rnn_output", {**case, "h": case["h"][:, t:t + 1]}), y[:, t:t + 1],
                     msg("what.output_step", t=t))


OUTPUT = (
    Check("zero_weights_give_bias", 1, True, S.output_case(), _output_zero_weights),
    Check("steps_independent", 1, True, S.output_case(), _output_steps),
    inputs_unchanged("rnn_output", S.output_case(), _output_nonzero),
)
