"""Public checks of the LSTM forward passes: `lstm_cell_forward` and `lstm_forward`.

No forward pass is computed here (this module ships to students). The checks are properties
every LSTM has, since its gates lie between 0 and 1 and |g| < 1, and probes that drive single
gates to 0 or 1 through saturated bias blocks: what the cell then returns shows each gate's
role, and so whether the four blocks are read in the order i, f, g, o.
"""
from __future__ import annotations

import numpy as np

from grader.checks.answers import Items, property_check
from grader.checks.common import inputs_unchanged
from grader.checks.compare import FORWARD_TOL, expect_array, expect_arrays
from grader.checks.framework import Case, Probe, msg

from .common import Finite, batch_rows_independent, expect_between, expect_same
from .strategies import (
    LSTM_GATES,
    gate_msg,
    lstm_cell_case,
    lstm_sequence_case,
    negate_block,
    set_gates,
    with_block,
    with_index,
)


def _moved_biases(case: Case) -> tuple[Case, Case]:
    return tuple(with_block(case, "b", LSTM_GATES, gate, lambda block: block + 1) for gate in ("g", "i"))


def gates(case: Case, **signs: int) -> Case:
    """The LSTM case with its gates set through the bias, e.g. gates(case, i=-1, f=+1)."""
    return set_gates(case, "b", LSTM_GATES, **signs)


# --- lstm_cell_forward ----------------------------------------------------------------------------------

def _cell_form(case: Case) -> Items:
    return Items(("h_t", "c_t"), (case["h_prev"].shape,) * 2)


def _cell_variations(case: Case) -> tuple[Case, ...]:
    """c_t = f·c_prev + i·g moves by f > 0 when c_prev grows by 1, by i·Δg when g's bias moves, and
    by Δi·g when i's bias moves: one of them is nonzero even when gates are set to 0 or 1."""
    return {**case, "c_prev": case["c_prev"] + 1}, *_moved_biases(case)


CELL = Finite("lstm_cell_forward", "lstm_cell_forward", _cell_form, _cell_variations)


def _cell_bounded(probe: Probe, case: Case, value: tuple) -> None:
    h_t, c_t = value
    reach = np.abs(case["c_prev"]) + 1
    expect_between(c_t, -reach, reach, "c_t", msg("why.gated_cell_reach"))
    squashed = np.tanh(c_t)
    expect_between(h_t, np.minimum(squashed, 0), np.maximum(squashed, 0), "h_t", msg("why.gated_output_gate"))


def _keeps_cell(probe: Probe, case: Case, value: tuple) -> None:
    expect_array(value[1], case["c_prev"], gate_msg("what.gated_lstm_keeps_cell"))


def _output_open(probe: Probe, case: Case, value: tuple) -> None:
    h_t, c_t = value
    expect_array(h_t, np.tanh(c_t), gate_msg("what.gated_lstm_output_open"))


def _input_gate(probe: Probe, case: Case, value: tuple) -> None:
    expect_between(value[1], 0.0, 1.0, "c_t", gate_msg("why.gated_input_gate"))


def _forget_gate(probe: Probe, case: Case, value: tuple) -> None:
    c_prev = case["c_prev"]
    expect_between(value[1], np.minimum(c_prev, 0), np.maximum(c_prev, 0), "c_t", gate_msg("why.gated_forget_gate"))


def _candidate_odd(probe: Probe, case: Case, value: tuple) -> None:
    negated = CELL.answer(probe, negate_block(case, ("W_x", "W_h", "b"), LSTM_GATES, "g"))
    expect_array(negated[1], -value[1], gate_msg("what.gated_lstm_candidate_odd"))


CELL_FORWARD = (
    property_check(CELL, "gates_bound_the_states", 1, lstm_cell_case(), _cell_bounded),
    property_check(CELL, "forget_1_input_0_keeps_cell", 1, lstm_cell_case().map(lambda c: gates(c, i=-1, f=+1)),
                   _keeps_cell),
    property_check(CELL, "output_1_gives_tanh_of_cell", 1, lstm_cell_case().map(lambda c: gates(c, o=+1)),
                   _output_open),
    property_check(CELL, "input_gate_between_0_and_1", 1, lstm_cell_case().map(lambda c: gates(c, f=-1, g=+1)),
                   _input_gate),
    property_check(CELL, "forget_gate_between_0_and_1", 1, lstm_cell_case().map(lambda c: gates(c, i=-1)),
                   _forget_gate),
    property_check(CELL, "candidate_is_odd", 1, lstm_cell_case().map(lambda c: gates(c, f=-1, i=+1)),
                   _candidate_odd),
    batch_rows_independent(CELL, lstm_cell_case(), ("x_t", "h_prev", "c_prev")),
    inputs_unchanged(CELL, lstm_cell_case()),
)


# --- lstm_forward ---------------------------------------------------------------------------------------

def _sequence_form(case: Case) -> Items:
    N, T, _ = case["x"].shape
    return Items(("h", "c"), ((N, T, case["h0"].shape[1]),) * 2)


def _sequence_variations(case: Case) -> tuple[Case, ...]:
    return {**case, "c0": case["c0"] + 1}, *_moved_biases(case)


SEQUENCE = Finite("lstm_forward", "lstm_forward", _sequence_form, _sequence_variations)


def weights(case: Case) -> Case:
    return {"W_x": case["W_x"], "W_h": case["W_h"], "b": case["b"]}


def _repeated_cells(probe: Probe, case: Case, value: tuple) -> None:
    h, c = value
    h_t, c_t = case["h0"], case["c0"]
    cell = CELL.used_by(SEQUENCE.function)
    for t in range(case["x"].shape[1]):
        h_t, c_t = cell.answer(probe, {"x_t": case["x"][:, t], "h_prev": h_t, "c_prev": c_t, **weights(case)})
        expect_arrays((h[:, t], c[:, t]), (h_t, c_t), ("h", "c"), msg("what.gated_lstm_step", t=t), FORWARD_TOL)


def _prefix(probe: Probe, drawn: tuple[Case, int], value: tuple) -> None:
    case, k = drawn
    first = {**case, "x": case["x"][:, :k]}
    expect_same(probe(SEQUENCE.function, first), tuple(v[:, :k] for v in value), SEQUENCE.form(first),
                msg("what.gated_lstm_prefix", k=k))


def _memory(probe: Probe, case: Case, value: tuple) -> None:
    c = value[1]
    expect_array(c, np.broadcast_to(case["c0"][:, None], c.shape), gate_msg("what.gated_lstm_memory"))


FORWARD = (
    property_check(SEQUENCE, "prefix_consistency", 1,
                   with_index(lstm_sequence_case(min_t=2), lambda c: c["x"].shape[1], low=1), _prefix),
    property_check(SEQUENCE, "forget_1_input_0_keeps_every_cell_state", 1,
                   lstm_sequence_case().map(lambda c: gates(c, i=-1, f=+1)), _memory),
    batch_rows_independent(SEQUENCE, lstm_sequence_case(), ("x", "h0", "c0")),
    inputs_unchanged(SEQUENCE, lstm_sequence_case()),
    # last, as it calls the student's cell: a cell not implemented yet stops the part
    property_check(SEQUENCE, "equals_your_cell_step_by_step", 2, lstm_sequence_case(), _repeated_cells),
)
