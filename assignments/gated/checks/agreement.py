"""How an answer is compared with a right one: the stored examples' and the hidden checks' rule, per part."""
from __future__ import annotations

from typing import Any, Callable

from grader.checks.compare import FORWARD_TOL, GRADIENT_TOL, expect_array, expect_arrays

from .backward import GRU_CELL, LSTM, LSTM_CELL


def _items(function: str, names: tuple[str, ...], tol: float) -> Callable[[Any, Any], None]:
    return lambda got, expected: expect_arrays(got, tuple(expected), names, function, tol)


COMPARE: dict[str, Callable[[Any, Any], None]] = {
    "lstm_cell_forward": _items("lstm_cell_forward", ("h_t", "c_t"), FORWARD_TOL),
    "lstm_forward": _items("lstm_forward", ("h", "c"), FORWARD_TOL),
    "gru_cell_forward": lambda got, expected: expect_array(got, expected, "gru_cell_forward → h_t"),
    **{b.function: _items(b.function, b.grads, GRADIENT_TOL) for b in (LSTM_CELL, LSTM, GRU_CELL)},
}
