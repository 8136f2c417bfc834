"""Checks for the backward pass: `rnn_cell_backward` and `rnn_backward` (BPTT).

The finite-difference checks differentiate the cell formula printed in the assignment,
so they need no reference solution and are public.  Each case carries the bias it was
built with (`_b_h`, not sent to the student) so the forward pass can be re-run.
"""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from grader.checks import strategies as S
from grader.checks.common import inputs_unchanged
from grader.checks.compare import (
    GRADIENT_TOL,
    expect_arrays,
    expect_nontrivial,
    expect_sequence,
    expect_shape,
    item,
)
from grader.checks.finite_diff import check_directional, gradient_is_nonzero
from grader.checks.framework import Case, Check, Probe, msg


class Backward:
    """What differs between the cell's backward and BPTT: names, shapes and the forward to differentiate."""

    def __init__(self, function: str, upstream: str, inputs: tuple[str, ...], grads: tuple[str, ...], forward):
        self.function, self.upstream, self.inputs, self.grads, self.forward = function, upstream, inputs, grads, forward

    def point(self, case: Case) -> Case:
        """The forward pass's arguments (inputs, weights and the bias)."""
        return {**{k: case[k] for k in self.inputs}, "W_xh": case["W_xh"], "W_hh": case["W_hh"], "b_h": case["_b_h"]}

    def objective(self, case: Case):
        return lambda p: float(np.sum(case[self.upstream] * self.forward(**p)))

    def answer_is_nonzero(self, case: Case) -> bool:
        return gradient_is_nonzero(self.objective(case), self.point(case))

    def shapes(self, case: Case) -> tuple[tuple[int, ...], ...]:
        return tuple(np.shape(v) for v in self.point(case).values())

    def grads_of(self, probe: Probe, case: Case) -> tuple[np.ndarray, ...]:
        """The student's gradients, checked for count, shapes, dtype and being a real answer."""
        got = expect_sequence(probe(self.function, case), self.grads, self.function)
        grads = tuple(expect_shape(g, s, item(self.function, n))
                      for g, n, s in zip(got, self.grads, self.shapes(case)))
        expect_nontrivial(grads, self.answer_is_nonzero(case), self.function)
        return grads

    def finite_differences(self, probe: Probe, case: Case) -> None:
        grads = self.grads_of(probe, case)
        check_directional(self.objective(case), self.point(case), dict(zip(self.point(case), grads)), self.function)

    def linear(self, probe: Probe, drawn: tuple[Case, np.ndarray]) -> None:
        """Backward passes are linear in the upstream gradient: f(a + 2b) = f(a) + 2 f(b)."""
        case, other = drawn
        a = self.grads_of(probe, case)
        b = expect_sequence(probe(self.function, {**case, self.upstream: other}), self.grads, self.function)
        combined = probe(self.function, {**case, self.upstream: case[self.upstream] + 2 * other})
        expected = tuple(x + 2 * expect_shape(y, x.shape, item(self.function, n))
                         for x, y, n in zip(a, b, self.grads))
        expect_arrays(combined, expected, self.grads,
                      msg("what.linear_upstream", function=self.function, upstream=self.upstream), GRADIENT_TOL)

    def repeat(self, probe: Probe, case: Case) -> None:
        first = self.grads_of(probe, case)
        expect_arrays(probe(self.function, case), first, self.grads,
                      msg("what.repeat_call", function=self.function), 0.0)

    def second_upstream(self, cases):
        @st.composite
        def drawn(draw):
            case = draw(cases)
            return case, draw(S.array(case[self.upstream].shape, 2.0))

        return drawn()


CELL = Backward("rnn_cell_backward", "dh_t", ("x_t", "h_prev"), ("dx_t", "dh_prev", "dW_xh", "dW_hh", "db_h"),
                S.tanh_cell)
BPTT_PASS = Backward("rnn_backward", "dh", ("x", "h0"), ("dx", "dh0", "dW_xh", "dW_hh", "db_h"), S.unroll)

CELL_BACKWARD = (
    Check("finite_differences", 2, True, S.cell_backward_case(), CELL.finite_differences),
    Check("linear_in_upstream_gradient", 1, True, CELL.second_upstream(S.cell_backward_case()), CELL.linear),
    inputs_unchanged(CELL.function, S.cell_backward_case(), CELL.answer_is_nonzero),
)

BPTT = (
    Check("finite_differences", 2, True, S.backward_case(min_t=2), BPTT_PASS.finite_differences),
    Check("linear_in_upstream_gradient", 1, True, BPTT_PASS.second_upstream(S.backward_case()), BPTT_PASS.linear),
    Check("repeat_call_identical", 1, True, S.backward_case(min_t=2), BPTT_PASS.repeat),
    inputs_unchanged(BPTT_PASS.function, S.backward_case(), BPTT_PASS.answer_is_nonzero),
)
