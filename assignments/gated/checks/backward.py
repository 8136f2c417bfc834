"""Public checks of the backward passes: `lstm_cell_backward`, `lstm_backward`, `gru_cell_backward`.

The backward functions take the raw inputs, so each is checked against central finite
differences of the student's OWN forward function along random directions: a correct
backward of a wrong forward fails too, and its message says which forward it used. Besides:
a backward pass is linear in the upstream gradient, and probes with saturated gates show
where gradient must pass unchanged (a remembering cell, a closed GRU update gate).
"""
from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from grader.checks.answers import Items, property_check
from grader.checks.common import inputs_unchanged
from grader.checks.compare import GRADIENT_TOL, expect_array, expect_arrays
from grader.checks.finite_diff import check_directional
from grader.checks.framework import Case, Check, Probe, msg

from . import gru, lstm
from .common import Finite, expect_between
from .strategies import array, gate_msg, gru_cell_backward_case, lstm_backward_case, lstm_cell_backward_case


class Backward:
    """One backward pass: its upstream gradients (in the order of the forward's outputs they
    belong to), the forward's arguments it differentiates, its gradients, and the forward."""

    def __init__(self, function: str, upstream: tuple[str, ...], point: tuple[str, ...], grads: tuple[str, ...],
                 forward: Finite):
        self.function, self.upstream, self.point, self.grads = function, upstream, point, grads
        self.forward = forward.used_by(function)
        self.returns = Finite(function, function, self.form, self.variations)

    def form(self, case: Case) -> Items:
        return Items(self.grads, tuple(case[k].shape for k in self.point))

    def variations(self, case: Case) -> tuple[Case, ...]:
        """Twice the upstream doubles a nonzero answer; with upstream 1 on the last output alone (c_t for
        the LSTM cell, so dc_prev = f > 0) the answer is nonzero, so one of the two differs."""
        doubled = {**case, **{u: 2 * case[u] for u in self.upstream}}
        unit = {**case, **{u: np.zeros_like(case[u]) for u in self.upstream[:-1]},
                self.upstream[-1]: np.ones_like(case[self.upstream[-1]])}
        return doubled, unit

    def objective(self, probe: Probe, case: Case):
        """⟨upstream, your forward's outputs⟩ as a function of the forward's arguments."""
        def value(point: Case) -> float:
            outputs = self.forward.answer(probe, point)
            outputs = outputs if isinstance(outputs, tuple) else (outputs,)
            return float(sum(np.sum(case[u] * out) for u, out in zip(self.upstream, outputs)))

        return value

    def finite_differences(self, probe: Probe, case: Case, grads: tuple) -> None:
        check_directional(self.objective(probe, case), {k: case[k] for k in self.point}, dict(zip(self.point, grads)),
                          msg("what.gated_fd", function=self.function, forward=self.forward.function))

    def linear(self, probe: Probe, drawn: tuple[Case, Case], a: tuple) -> None:
        """f(a + 2b) = f(a) + 2 f(b) in the upstream gradients."""
        case, other = drawn
        b = self.returns.answer(probe, {**case, **other})
        combined = probe(self.function, {**case, **{u: case[u] + 2 * other[u] for u in self.upstream}})
        expect_arrays(combined, tuple(x + 2 * y for x, y in zip(a, b)), self.grads,
                      msg("what.gated_linear_upstream", function=self.function, upstream=", ".join(self.upstream)),
                      GRADIENT_TOL)

    def second_upstream(self, cases: st.SearchStrategy) -> st.SearchStrategy:
        @st.composite
        def drawn(draw) -> tuple[Case, Case]:
            case = draw(cases)
            return case, {u: draw(array(case[u].shape, 2.0)) for u in self.upstream}

        return drawn()

    def checks(self, cases: st.SearchStrategy, *probes: Check) -> tuple[Check, ...]:
        """The checks every backward pass has, around its own probes; finite differences last,
        as they call the student's forward (one not implemented yet stops the part)."""
        return (property_check(self.returns, "linear_in_upstream_gradient", 1, self.second_upstream(cases),
                               self.linear),
                *probes,
                inputs_unchanged(self.returns, cases),
                property_check(self.returns, "finite_differences_of_your_forward", 3, cases, self.finite_differences))


LSTM_CELL = Backward("lstm_cell_backward", ("dh_t", "dc_t"), ("x_t", "h_prev", "c_prev", "W_x", "W_h", "b"),
                     ("dx_t", "dh_prev", "dc_prev", "dW_x", "dW_h", "db"), lstm.CELL)
LSTM = Backward("lstm_backward", ("dh",), ("x", "h0", "c0", "W_x", "W_h", "b"),
                ("dx", "dh0", "dc0", "dW_x", "dW_h", "db"), lstm.SEQUENCE)
GRU_CELL = Backward("gru_cell_backward", ("dh_t",), ("x_t", "h_prev", "W_x", "W_h", "b_x", "b_h"),
                    ("dx_t", "dh_prev", "dW_x", "dW_h", "db_x", "db_h"), gru.CELL)


def _cell_gradient_only(case: Case) -> Case:
    return {**case, "dh_t": np.zeros_like(case["dh_t"])}


def _forget_scales(probe: Probe, case: Case, grads: tuple) -> None:
    dc_t = case["dc_t"]
    expect_between(grads[2], np.minimum(dc_t, 0), np.maximum(dc_t, 0), "dc_prev", msg("why.gated_forget_scales"))


def _remembering_cell(probe: Probe, case: Case, grads: tuple) -> None:
    expect_array(grads[2], case["dc_t"], gate_msg("what.gated_lstm_gradient_kept"), GRADIENT_TOL)


def _update_closed(probe: Probe, case: Case, grads: tuple) -> None:
    expect_array(grads[1], case["dh_t"], gate_msg("what.gated_gru_gradient_kept"), GRADIENT_TOL)


def _through_your_cells(probe: Probe, case: Case, grads: tuple) -> None:
    """BPTT is the cell's backward pass applied from the last step to the first, each step receiving
    dh[:, t] plus the dh_prev and the dc_prev of the step after it."""
    h, c = LSTM.forward.answer(probe, {k: case[k] for k in LSTM.point})
    cell = LSTM_CELL.returns.used_by(LSTM.function)
    dx = np.zeros(case["x"].shape)
    dh_next, dc_next = np.zeros(case["h0"].shape), np.zeros(case["c0"].shape)
    sums: list[Any] = [0.0, 0.0, 0.0]
    for t in reversed(range(case["x"].shape[1])):
        h_prev, c_prev = (h[:, t - 1], c[:, t - 1]) if t > 0 else (case["h0"], case["c0"])
        step = {"dh_t": case["dh"][:, t] + dh_next, "dc_t": dc_next, "x_t": case["x"][:, t], "h_prev": h_prev,
                "c_prev": c_prev, "W_x": case["W_x"], "W_h": case["W_h"], "b": case["b"]}
        dx[:, t], dh_next, dc_next, *weights = cell.answer(probe, step)
        sums = [s + w for s, w in zip(sums, weights)]
    expect_arrays(grads, (dx, dh_next, dc_next, *sums), LSTM.grads, msg("what.gated_bptt_through_cells"),
                  GRADIENT_TOL)


CELL_BACKWARD = LSTM_CELL.checks(
    lstm_cell_backward_case(),
    property_check(LSTM_CELL.returns, "forget_gate_scales_cell_gradient", 1,
                   lstm_cell_backward_case().map(_cell_gradient_only), _forget_scales),
    property_check(LSTM_CELL.returns, "forget_1_input_0_passes_cell_gradient", 1,
                   lstm_cell_backward_case().map(lambda c: lstm.gates(_cell_gradient_only(c), i=-1, f=+1)),
                   _remembering_cell))

BPTT = LSTM.checks(lstm_backward_case()) + (
    property_check(LSTM.returns, "equals_your_cell_backward_through_time", 2, lstm_backward_case(min_t=2),
                   _through_your_cells),)

GRU_BACKWARD = GRU_CELL.checks(
    gru_cell_backward_case(),
    property_check(GRU_CELL.returns, "update_1_passes_gradient_to_h_prev", 1,
                   gru_cell_backward_case().map(lambda c: gru.gates(c, z=+1)), _update_closed))
