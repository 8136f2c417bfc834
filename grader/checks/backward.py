"""Checks for the backward pass: `rnn_cell_backward` and `rnn_backward` (BPTT).

The finite-difference checks differentiate the cell formula printed in the assignment,
so they need no reference solution and are public.
"""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from grader.checks import strategies as S
from grader.checks.common import inputs_unchanged, matches_reference
from grader.checks.compare import GRADIENT_TOL, expect_array, expect_arrays, expect_sequence, expect_shape
from grader.checks.finite_diff import check_directional
from grader.checks.framework import Case, Check, Probe

CELL_GRADS = ("dx_t", "dh_prev", "dW_xh", "dW_hh", "db_h")
BPTT_GRADS = ("dx", "dh0", "dW_xh", "dW_hh", "db_h")


def _grads(probe: Probe, function: str, case: Case, names: tuple[str, ...],
           shapes: tuple[tuple[int, ...], ...], what: str) -> tuple[np.ndarray, ...]:
    got = expect_sequence(probe(function, case), names, what)
    return tuple(expect_shape(g, s, f"{what} → {n}") for g, n, s in zip(got, names, shapes))


# --- rnn_cell_backward ----------------------------------------------------------------------

def _cell_shapes(case: Case) -> tuple[tuple[int, ...], ...]:
    return (case["x_t"].shape, case["h_prev"].shape, case["W_xh"].shape, case["W_hh"].shape,
            (case["W_hh"].shape[0],))


@st.composite
def _cell_fd_case(draw) -> tuple[Case, Case]:
    """(backward arguments, forward point including b_h) so the forward can be re-run."""
    forward = draw(S.cell_case())
    h_t = S.tanh_cell(**forward)
    args = {"dh_t": draw(S.array(h_t.shape, 2.0)), "x_t": forward["x_t"], "h_prev": forward["h_prev"],
            "h_t": h_t, "W_xh": forward["W_xh"], "W_hh": forward["W_hh"]}
    return args, forward


def _cell_fd(probe: Probe, drawn: tuple[Case, Case]) -> None:
    args, point = drawn
    grads = _grads(probe, "rnn_cell_backward", args, CELL_GRADS, _cell_shapes(args), "rnn_cell_backward")
    check_directional(lambda p: float(np.sum(args["dh_t"] * S.tanh_cell(**p))), point,
                      dict(zip(("x_t", "h_prev", "W_xh", "W_hh", "b_h"), grads)), "rnn_cell_backward")


def _linear(function: str, upstream: str, names: tuple[str, ...], shapes):
    """Backward passes are linear in the upstream gradient: f(a + 2b) = f(a) + 2 f(b)."""

    def verify(probe: Probe, drawn: tuple[Case, np.ndarray]) -> None:
        case, other = drawn
        a = _grads(probe, function, case, names, shapes(case), function)
        b = _grads(probe, function, {**case, upstream: other}, names, shapes(case), function)
        combined = probe(function, {**case, upstream: case[upstream] + 2 * other})
        expect_arrays(combined, tuple(x + 2 * y for x, y in zip(a, b)), names,
                      f"{function} with upstream {upstream} = a + 2·b (should equal result(a) + 2·result(b))",
                      GRADIENT_TOL)

    return verify


def _with_second_upstream(cases, upstream: str):
    @st.composite
    def drawn(draw):
        case = draw(cases)
        return case, draw(S.array(case[upstream].shape, 2.0))

    return drawn()


CELL_BACKWARD = (
    matches_reference("rnn_cell_backward", S.cell_backward_case(),
                      lambda got, exp: expect_arrays(got, exp, CELL_GRADS, "rnn_cell_backward")),
    Check("finite_differences", 2, True, _cell_fd_case(), _cell_fd),
    Check("linear_in_upstream_gradient", 1, True, _with_second_upstream(S.cell_backward_case(), "dh_t"),
          _linear("rnn_cell_backward", "dh_t", CELL_GRADS, _cell_shapes)),
    inputs_unchanged("rnn_cell_backward", S.cell_backward_case()),
)


# --- rnn_backward (BPTT) --------------------------------------------------------------------

def _bptt_shapes(case: Case) -> tuple[tuple[int, ...], ...]:
    return (case["x"].shape, case["h0"].shape, case["W_xh"].shape, case["W_hh"].shape, (case["W_hh"].shape[0],))


@st.composite
def _bptt_fd_case(draw) -> tuple[Case, Case]:
    forward = draw(S.forward_case(min_t=2))
    h = S.unroll(**forward)
    args = {"dh": draw(S.array(h.shape, 2.0)), "x": forward["x"], "h0": forward["h0"], "h": h,
            "W_xh": forward["W_xh"], "W_hh": forward["W_hh"]}
    return args, forward


def _bptt_fd(probe: Probe, drawn: tuple[Case, Case]) -> None:
    args, point = drawn
    grads = _grads(probe, "rnn_backward", args, BPTT_GRADS, _bptt_shapes(args), "rnn_backward")
    check_directional(lambda p: float(np.sum(args["dh"] * S.unroll(**p))), point,
                      dict(zip(("x", "h0", "W_xh", "W_hh", "b_h"), grads)), "rnn_backward")


def _bptt_repeat(probe: Probe, case: Case) -> None:
    first = _grads(probe, "rnn_backward", case, BPTT_GRADS, _bptt_shapes(case), "rnn_backward")
    second = probe("rnn_backward", case)
    expect_arrays(second, first, BPTT_GRADS, "rnn_backward called a second time with the same inputs "
                  "(should give the same gradients: keep no state between calls)", 0.0)


BPTT = (
    matches_reference("rnn_backward", S.backward_case(),
                      lambda got, exp: expect_arrays(got, exp, BPTT_GRADS, "rnn_backward")),
    Check("finite_differences", 2, True, _bptt_fd_case(), _bptt_fd),
    Check("linear_in_upstream_gradient", 1, True, _with_second_upstream(S.backward_case(), "dh"),
          _linear("rnn_backward", "dh", BPTT_GRADS, _bptt_shapes)),
    Check("repeat_call_identical", 1, True, S.backward_case(min_t=2), _bptt_repeat),
    inputs_unchanged("rnn_backward", S.backward_case()),
)
