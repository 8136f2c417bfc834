"""Curves for the reports: the student's values next to the reference's.

The course's picture of vanishing and exploding gradients is ‖∂h_T/∂h_k‖ over k: with a
recurrent weight of gain above 1 it grows as k moves away from T, below 1 it vanishes.
The report's case has gain 0.8 and small inputs: a clean vanishing curve, about 40× over 16 steps.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from grader import i18n
from grader.checks.framework import Mismatch, PartAborted, Probe, arguments
from grader.model import Series

NORMS = "gradient_norms_through_time"


def _norms_case(T: int = 16, D: int = 3, H: int = 6, gain: float = 0.8) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(2026)
    q, _ = np.linalg.qr(rng.standard_normal((H, H)))
    return {"x": 0.1 * rng.standard_normal((T, D)), "h0": np.zeros(H), "W_xh": 0.3 * rng.standard_normal((D, H)),
            "W_hh": gain * q, "b_h": np.zeros(H)}


CASE = _norms_case()


def gradient_norms_picture(probe: Probe, reference: Any, lang: str) -> Series | None:
    """The student's ‖∂h_T/∂h_k‖ against the reference's, or None when the student's answer is unusable."""
    try:
        got = probe(NORMS, CASE)
    except (Mismatch, PartAborted):
        return None
    T = CASE["x"].shape[0]
    if not isinstance(got, np.ndarray) or got.shape != (T,) or got.dtype.kind not in "fiu":
        return None
    expected = np.asarray(reference.gradient_norms_through_time(*arguments(CASE)), dtype=np.float64)
    return Series(i18n.text(lang, "plot.gradient_norms.title"), i18n.text(lang, "plot.gradient_norms.x"),
                  i18n.text(lang, "plot.gradient_norms.y"), tuple(float(k) for k in range(T)),
                  tuple(float(v) for v in got), tuple(float(v) for v in expected))
