"""Checks for the forward pass: `rnn_cell_forward`, `rnn_forward`, `rnn_output`.

Public checks are properties a correct forward pass must have: symmetries, inputs whose
answer the assignment text gives outright (zero weights, a one-hot state), and agreement
of a function with itself on parts of its input.  None of them runs a forward pass of its
own: this module ships to students.
"""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from . import strategies as S
from grader.checks.answers import Returns, property_check
from grader.checks.common import inputs_unchanged
from grader.checks.compare import expect_array
from grader.checks.framework import Case, Mismatch, Probe, msg


def negated(case: Case, *names: str) -> Case:
    return {**case, **{n: -case[n] for n in names}}


def raised(case: Case, name: str) -> Case:
    return {**case, name: case[name] + 1.0}


# --- rnn_cell_forward -------------------------------------------------------------------------

CELL_RETURNS = Returns(
    "rnn_cell_forward", "h_t", lambda c: (c["x_t"].shape[0], c["W_hh"].shape[0]),
    # tanh is odd, so negating x_t, h_prev and b_h turns h_t into −h_t: another answer unless
    # h_t = 0, and then the pre-activation is 0 and b_h + 1 makes it tanh(1)
    lambda c: (negated(c, "x_t", "h_prev", "b_h"), raised(c, "b_h")))


def _cell_bounded(probe: Probe, case: Case, h: np.ndarray) -> None:
    if np.max(np.abs(h)) > 1.0:
        raise Mismatch(msg("check.unbounded", what="h_t", value=f"{np.max(np.abs(h)):.4g}"))


def _zero_weights(case: Case) -> Case:
    return {**case, "W_xh": np.zeros_like(case["W_xh"]), "W_hh": np.zeros_like(case["W_hh"])}


def _cell_zero_weights(probe: Probe, case: Case, h: np.ndarray) -> None:
    expect_array(h, np.broadcast_to(np.tanh(case["b_h"]), h.shape), msg("what.cell_zero_weights"))


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


def _cell_convention(probe: Probe, case: Case, h: np.ndarray) -> None:
    expect_array(h, np.tanh(case["h_prev"] @ case["W_hh"]), msg("what.cell_convention"))


def _cell_odd_symmetry(probe: Probe, case: Case, h: np.ndarray) -> None:
    expect_array(probe(CELL_RETURNS.function, negated(case, "x_t", "h_prev", "b_h")), -h, msg("what.cell_odd"))


SATURATING = 1000.0
"""Weights this many times larger put pre-activations in the thousands, where exp overflows."""


def _scaled_weights(case: Case) -> Case:
    return {**case, **{name: case[name] * SATURATING for name in ("W_xh", "W_hh", "b_h")}}


def _cell_saturates(probe: Probe, case: Case, h: np.ndarray) -> None:
    """Scaling every weight scales the pre-activation a = atanh(h_t), so the answer should be
    tanh(SATURATING·atanh(h_t)): ±1 wherever a is not tiny. A tanh written through np.exp gives
    inf/inf = nan there."""
    with np.errstate(divide="ignore"):  # atanh(±1) = ±inf, and tanh(±inf) = ±1 as it should
        expected = np.tanh(SATURATING * np.arctanh(np.clip(h, -1.0, 1.0)))
    expect_array(probe(CELL_RETURNS.function, _scaled_weights(case)), expected,
                 msg("what.cell_saturated", factor=f"{SATURATING:g}"))


CELL_FORWARD = (
    property_check(CELL_RETURNS, "bounded_by_one", 1, S.cell_case(), _cell_bounded),
    property_check(CELL_RETURNS, "zero_weights_give_tanh_bias", 1, S.cell_case().map(_zero_weights), _cell_zero_weights),
    property_check(CELL_RETURNS, "recurrent_weight_convention", 1, _convention_case(), _cell_convention),
    property_check(CELL_RETURNS, "odd_symmetry", 1, S.cell_case(), _cell_odd_symmetry),
    property_check(CELL_RETURNS, "large_weights_saturate", 1, S.cell_case(), _cell_saturates),
    inputs_unchanged(CELL_RETURNS, S.cell_case()),
)


# --- rnn_forward ----------------------------------------------------------------------------

FORWARD_RETURNS = Returns(
    "rnn_forward", "h", lambda c: (*c["x"].shape[:2], c["W_hh"].shape[0]),
    # odd in (x, h0, b_h) step by step, like the cell; all states 0 means every pre-activation
    # is 0, and then b_h + 1 makes the first state tanh(1)
    lambda c: (negated(c, "x", "h0", "b_h"), raised(c, "b_h")))


def _quiet_start(case: Case) -> Case:
    return {**case, "x": np.zeros_like(case["x"]), "b_h": np.zeros_like(case["b_h"])}


def _forward_first_step(probe: Probe, case: Case, h: np.ndarray) -> None:
    expect_array(h[:, 0], np.tanh(case["h0"] @ case["W_hh"]), msg("what.forward_first_step"))


@st.composite
def _split(draw, min_t: int = 2) -> tuple[Case, int]:
    case = draw(S.forward_case(min_t))
    return case, draw(st.integers(1, case["x"].shape[1] - 1))


def _forward_prefix(probe: Probe, drawn: tuple[Case, int], full: np.ndarray) -> None:
    case, k = drawn
    expect_array(probe(FORWARD_RETURNS.function, {**case, "x": case["x"][:, :k]}), full[:, :k],
                 msg("what.forward_prefix", k=k))


def _forward_chaining(probe: Probe, drawn: tuple[Case, int], full: np.ndarray) -> None:
    case, k = drawn
    tail = {**case, "x": case["x"][:, k:], "h0": full[:, k - 1]}
    expect_array(probe(FORWARD_RETURNS.function, tail), full[:, k:],
                 msg("what.forward_chaining", k=k, previous=k - 1))


def _forward_rows(probe: Probe, drawn: tuple[Case, int], full: np.ndarray) -> None:
    case, n = drawn
    row = {**case, "x": case["x"][n:n + 1], "h0": case["h0"][n:n + 1]}
    expect_array(probe(FORWARD_RETURNS.function, row), full[n:n + 1], msg("what.forward_row", n=n))


@st.composite
def _row_case(draw) -> tuple[Case, int]:
    case = draw(S.forward_case())
    return case, draw(st.integers(0, case["x"].shape[0] - 1))


FORWARD = (
    property_check(FORWARD_RETURNS, "first_step_from_h0", 1, S.forward_case().map(_quiet_start), _forward_first_step),
    property_check(FORWARD_RETURNS, "prefix_consistency", 1, _split(), _forward_prefix),
    property_check(FORWARD_RETURNS, "continues_from_given_state", 1, _split(), _forward_chaining),
    property_check(FORWARD_RETURNS, "batch_rows_independent", 1, _row_case(), _forward_rows),
    inputs_unchanged(FORWARD_RETURNS, S.forward_case()),
)


# --- rnn_output -----------------------------------------------------------------------------

OUTPUT_RETURNS = Returns("rnn_output", "y", lambda c: (*c["h"].shape[:2], c["b_y"].shape[0]),
                 lambda c: (raised(c, "b_y"),))  # every y_t moves by 1


def _zero_output_weights(case: Case) -> Case:
    return {**case, "W_hy": np.zeros_like(case["W_hy"])}


def _output_zero_weights(probe: Probe, case: Case, y: np.ndarray) -> None:
    expect_array(y, np.broadcast_to(case["b_y"], y.shape), msg("what.output_zero_weights"))


def _output_steps(probe: Probe, case: Case, y: np.ndarray) -> None:
    for t in range(y.shape[1]):
        expect_array(probe(OUTPUT_RETURNS.function, {**case, "h": case["h"][:, t:t + 1]}), y[:, t:t + 1],
                     msg("what.output_step", t=t))


OUTPUT = (
    property_check(OUTPUT_RETURNS, "zero_weights_give_bias", 1, S.output_case().map(_zero_output_weights),
                   _output_zero_weights),
    property_check(OUTPUT_RETURNS, "steps_independent", 1, S.output_case(), _output_steps),
    inputs_unchanged(OUTPUT_RETURNS, S.output_case()),
)
