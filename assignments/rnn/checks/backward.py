"""Checks for the backward pass: `rnn_cell_backward` and `rnn_backward` (BPTT).

The public checks need no forward pass (this module ships to students, and a forward pass
is an answer of the assignment): they are properties of any correct backward pass.  It is
linear in the upstream gradient; a saturated state (h = ±1, where tanh' = 1 − h² = 0)
passes no gradient; one step's gradients use h_t only through h_t²; and BPTT over a whole
sequence equals BPTT over its later steps followed by its earlier ones, the gradient on the
state between them carried back.  Agreement with the reference is hidden (grader/checks/hidden.py).
"""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from . import strategies as S
from grader.checks.answers import Items, Returns, property_check
from grader.checks.common import inputs_unchanged
from grader.checks.compare import GRADIENT_TOL, expect_arrays
from grader.checks.framework import Case, Probe, msg


class Backward:
    """What differs between the cell's backward pass and BPTT: names and shapes."""

    def __init__(self, function: str, upstream: str, inputs: tuple[str, str, str], grads: tuple[str, ...]):
        self.function, self.upstream, self.grads = function, upstream, grads
        self.x, self.previous, self.state = inputs  # input, state before, states after
        self.returns = Returns(function, function, self.form, self.variations)

    def form(self, case: Case) -> Items:
        H = case["W_hh"].shape[0]
        shapes = (case[self.x].shape, case[self.previous].shape, case["W_xh"].shape, case["W_hh"].shape, (H,))
        return Items(self.grads, shapes)

    def variations(self, case: Case) -> tuple[Case, ...]:
        """Twice the upstream gradient doubles a nonzero answer; a zero one becomes nonzero
        with upstream gradient 1 on unsaturated states (h = 0) and no recurrence (W_hh = 0):
        then db_h is the number of (row, step) pairs."""
        unit = {**case, self.upstream: np.ones_like(case[self.upstream]), self.state: np.zeros_like(case[self.state]),
                "W_hh": np.zeros_like(case["W_hh"])}
        return {**case, self.upstream: 2 * case[self.upstream]}, unit

    def linear(self, probe: Probe, drawn: tuple[Case, np.ndarray], a: tuple) -> None:
        """f(a + 2b) = f(a) + 2 f(b)."""
        case, other = drawn
        b = self.returns.answer(probe, {**case, self.upstream: other})
        combined = probe(self.function, {**case, self.upstream: case[self.upstream] + 2 * other})
        expect_arrays(combined, tuple(x + 2 * y for x, y in zip(a, b)), self.grads,
                      msg("what.linear_upstream", function=self.function, upstream=self.upstream), GRADIENT_TOL)

    def saturated(self, probe: Probe, case: Case, _value: tuple) -> None:
        """Every state at ±1: tanh' = 0 there, so no gradient reaches anything."""
        flat = {**case, self.state: np.where(case[self.state] < 0, -1.0, 1.0)}
        zeros = tuple(np.zeros(s) for s in self.form(case).forms)
        expect_arrays(probe(self.function, flat), zeros, self.grads,
                      msg("what.saturated", function=self.function, state=self.state), GRADIENT_TOL)

    def second_upstream(self, cases):
        @st.composite
        def drawn(draw):
            case = draw(cases)
            return case, draw(S.array(case[self.upstream].shape, 2.0))

        return drawn()


CELL = Backward("rnn_cell_backward", "dh_t", ("x_t", "h_prev", "h_t"), ("dx_t", "dh_prev", "dW_xh", "dW_hh", "db_h"))
BPTT_PASS = Backward("rnn_backward", "dh", ("x", "h0", "h"), ("dx", "dh0", "dW_xh", "dW_hh", "db_h"))


def _cell_even(probe: Probe, case: Case, grads: tuple) -> None:
    """1 − h_t² is the same for −h_t."""
    expect_arrays(probe(CELL.function, {**case, "h_t": -case["h_t"]}), grads, CELL.grads,
                  msg("what.cell_backward_even", function=CELL.function), GRADIENT_TOL)


@st.composite
def _split(draw) -> tuple[Case, int]:
    case = draw(S.backward_case(min_t=2))
    return case, draw(st.integers(1, case["x"].shape[1] - 1))


def _bptt_split(probe: Probe, drawn: tuple[Case, int], full: tuple) -> None:
    """BPTT over steps k.. from the state h[:, k−1], then over steps ..k−1 with the gradient that
    reached h[:, k−1] added to its upstream gradient: the same as BPTT over the whole sequence."""
    case, k = drawn
    weights = {"W_xh": case["W_xh"], "W_hh": case["W_hh"]}
    later = BPTT_PASS.returns.answer(probe, {"dh": case["dh"][:, k:], "x": case["x"][:, k:], "h0": case["h"][:, k - 1],
                                             "h": case["h"][:, k:], **weights})
    dh = case["dh"][:, :k].copy()
    dh[:, k - 1] += later[1]
    earlier = BPTT_PASS.returns.answer(probe, {"dh": dh, "x": case["x"][:, :k], "h0": case["h0"],
                                               "h": case["h"][:, :k], **weights})
    expected = (np.concatenate([earlier[0], later[0]], axis=1), earlier[1],
                *(a + b for a, b in zip(earlier[2:], later[2:])))
    expect_arrays(full, expected, BPTT_PASS.grads,
                  msg("what.bptt_split", function=BPTT_PASS.function, k=k, previous=k - 1), GRADIENT_TOL)


CELL_BACKWARD = (
    property_check(CELL.returns, "linear_in_upstream_gradient", 1, CELL.second_upstream(S.cell_backward_case()),
                   CELL.linear),
    property_check(CELL.returns, "saturated_state_passes_no_gradient", 1, S.cell_backward_case(), CELL.saturated),
    property_check(CELL.returns, "even_in_h_t", 1, S.cell_backward_case(), _cell_even),
    inputs_unchanged(CELL.returns, S.cell_backward_case()),
)

BPTT = (
    property_check(BPTT_PASS.returns, "linear_in_upstream_gradient", 1,
                   BPTT_PASS.second_upstream(S.backward_case()), BPTT_PASS.linear),
    property_check(BPTT_PASS.returns, "saturated_states_pass_no_gradient", 1, S.backward_case(), BPTT_PASS.saturated),
    property_check(BPTT_PASS.returns, "splits_in_time", 1, _split(), _bptt_split),
    inputs_unchanged(BPTT_PASS.returns, S.backward_case()),
)
