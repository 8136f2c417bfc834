"""Public checks of `gru_cell_forward`.

No forward pass is computed here (this module ships to students). h_t = (1 − z)·n + z·h_prev
mixes the candidate n, with |n| < 1, and the previous state, so it lies between them; probes
drive gates to 0 or 1 through saturated blocks of b_x, which tells torch's convention (z keeps
the old state, r scales h_prev @ W_hn + b_hn) and its order r, z, n from the others.
"""
from __future__ import annotations

import numpy as np

from grader.checks.answers import property_check
from grader.checks.common import inputs_unchanged
from grader.checks.compare import expect_array
from grader.checks.framework import Case, Probe, msg

from .common import Finite, batch_rows_independent, expect_between
from .strategies import GRU_GATES, gate_msg, gru_cell_case, negate_block, set_gates, with_block

PARAMETERS = ("W_x", "W_h", "b_x", "b_h")


def gates(case: Case, **signs: int) -> Case:
    """The GRU case with its gates set through b_x, e.g. gates(case, z=+1)."""
    return set_gates(case, "b_x", GRU_GATES, **signs)


def _candidate_bias(case: Case, value) -> Case:
    return with_block(case, "b_x", GRU_GATES, "n", value)


def _variations(case: Case) -> tuple[Case, ...]:
    """h_t grows by (1 − z)·(1 − n²) > 0 per unit of b_xn; when z = 1, by 1 per unit of h_prev."""
    return _candidate_bias(case, lambda block: block + 1), {**case, "h_prev": case["h_prev"] + 1}


CELL = Finite("gru_cell_forward", "gru_cell_forward → h_t", lambda case: case["h_prev"].shape, _variations)


def _zero_candidate(case: Case) -> Case:
    """Every n parameter 0, so that n = 0 whatever r is."""
    for key in PARAMETERS:
        case = with_block(case, key, GRU_GATES, "n", np.zeros_like)
    return case


def _bounded(probe: Probe, case: Case, h_t: np.ndarray) -> None:
    h_prev = case["h_prev"]
    expect_between(h_t, np.minimum(h_prev, -1), np.maximum(h_prev, 1), "h_t", msg("why.gated_gru_mix"))


def _keeps_state(probe: Probe, case: Case, h_t: np.ndarray) -> None:
    expect_array(h_t, case["h_prev"], gate_msg("what.gated_gru_keeps_state"))


def _forgets_state(probe: Probe, case: Case, h_t: np.ndarray) -> None:
    other = with_block({**case, "h_prev": case["h_prev"] + 0.5}, "b_h", GRU_GATES, "n", lambda block: block + 1)
    expect_array(CELL.answer(probe, other), h_t, gate_msg("what.gated_gru_forgets_state"))


def _candidate_odd(probe: Probe, case: Case, h_t: np.ndarray) -> None:
    negated = CELL.answer(probe, negate_block(case, PARAMETERS, GRU_GATES, "n"))
    expect_array(negated, -h_t, gate_msg("what.gated_gru_candidate_odd"))


def _reset_gate(probe: Probe, case: Case, h_t: np.ndarray) -> None:
    expect_between(h_t, 0.0, np.tanh(1.0), "h_t", gate_msg("why.gated_reset_gate"))


def _update_gate(probe: Probe, case: Case, h_t: np.ndarray) -> None:
    h_prev = case["h_prev"]
    expect_between(h_t, np.minimum(h_prev, 0), np.maximum(h_prev, 0), "h_t", msg("why.gated_update_gate"))


def _reset_probe(case: Case) -> Case:
    """z = 0, and n = tanh(r · 1): every n parameter 0 but b_hn = 1."""
    return with_block(gates(_zero_candidate(case), z=-1), "b_h", GRU_GATES, "n", np.ones_like)


CELL_FORWARD = (
    property_check(CELL, "between_state_and_candidate", 1, gru_cell_case(), _bounded),
    property_check(CELL, "update_1_keeps_state", 1, gru_cell_case().map(lambda c: gates(c, z=+1)), _keeps_state),
    property_check(CELL, "update_0_reset_0_forgets_state", 1, gru_cell_case().map(lambda c: gates(c, z=-1, r=-1)),
                   _forgets_state),
    property_check(CELL, "candidate_is_odd", 1, gru_cell_case().map(lambda c: gates(c, z=-1)), _candidate_odd),
    property_check(CELL, "reset_gate_between_0_and_1", 1, gru_cell_case().map(_reset_probe), _reset_gate),
    property_check(CELL, "update_gate_between_0_and_1", 1, gru_cell_case().map(_zero_candidate), _update_gate),
    batch_rows_independent(CELL, gru_cell_case(), ("x_t", "h_prev")),
    inputs_unchanged(CELL, gru_cell_case()),
)
