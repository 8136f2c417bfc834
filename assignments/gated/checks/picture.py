"""The report's picture: how far back the student's LSTM carries gradient.

‖∂h_T/∂x_k‖_F over k for one sequence, from the student's own `lstm_backward`: H copies of
the sequence in one batch, copy n receiving upstream gradient 1 on unit n of the last state
alone, give the Jacobian's rows in dx. With a forget-gate bias of 3 (f ≈ 0.95) the cell state
carries gradient across all 30 steps, where a vanilla RNN's fades geometrically; a BPTT that
drops the cell's gradient (dc_prev) fades like the RNN's.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from grader import i18n
from grader.checks.compare import expect_sequence, expect_shape
from grader.checks.framework import Case, Mismatch, PartAborted, Probe, arguments
from grader.model import Series

from .backward import LSTM
from .strategies import LSTM_GATES, columns


def _sequence_case(T: int = 30, D: int = 3, H: int = 6, forget_bias: float = 3.0) -> Case:
    rng = np.random.default_rng(2026)
    x = 0.5 * rng.standard_normal((T, D))
    b = np.zeros(4 * H)
    b[columns(LSTM_GATES, "f", H)] = forget_bias
    dh = np.zeros((H, T, H))
    dh[np.arange(H), -1, np.arange(H)] = 1.0
    return {"dh": dh, "x": np.repeat(x[None], H, axis=0), "h0": np.zeros((H, H)), "c0": np.zeros((H, H)),
            "W_x": 0.5 * rng.standard_normal((D, 4 * H)), "W_h": 0.2 * rng.standard_normal((H, 4 * H)), "b": b}


CASE = _sequence_case()


def _norms(dx: np.ndarray) -> tuple[float, ...]:
    return tuple(float(v) for v in np.linalg.norm(dx, axis=(0, 2)))


def lstm_gradient_picture(probe: Probe, reference: Any, lang: str) -> Series | None:
    """The student's ‖∂h_T/∂x_k‖ against the reference's, or None when the student's answer is unusable."""
    try:
        got = expect_sequence(probe(LSTM.function, CASE), LSTM.grads, LSTM.function)
        dx = expect_shape(got[0], CASE["x"].shape, "dx")
    except (Mismatch, PartAborted):
        return None
    expected = np.asarray(reference.lstm_backward(*arguments(CASE))[0], dtype=np.float64)
    T = CASE["x"].shape[1]
    return Series(i18n.text(lang, "plot.gated_lstm_norms.title"), i18n.text(lang, "plot.gated_lstm_norms.x"),
                  i18n.text(lang, "plot.gated_lstm_norms.y"), tuple(float(k) for k in range(T)), _norms(dx),
                  _norms(expected))


PICTURES = {LSTM.function: lstm_gradient_picture}
