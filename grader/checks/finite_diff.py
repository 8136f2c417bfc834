"""Directional (adjoint) finite-difference checks of a gradient.

For each argument a fixed random direction v is drawn; ⟨∇f, v⟩ from the student's
gradient must match (f(x+εv) − f(x−εv)) / 2ε.  Two evaluations of a trusted objective
per argument, so the check stays cheap for any size, and it names the argument whose
gradient is wrong.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from grader.checks.framework import Case, Mismatch

EPS = 1e-5
REL_TOL = 1e-6
ABS_TOL = 1e-7


def check_directional(objective: Callable[[Case], float], point: Case, grads: dict[str, np.ndarray],
                      what: str) -> None:
    """Raise Mismatch naming the first gradient that disagrees with central differences."""
    rng = np.random.default_rng(0)
    for name, grad in grads.items():
        v = rng.standard_normal(point[name].shape)
        plus = objective({**point, name: point[name] + EPS * v})
        minus = objective({**point, name: point[name] - EPS * v})
        numeric = (plus - minus) / (2 * EPS)
        analytic = float(np.sum(grad * v))
        if abs(numeric - analytic) > REL_TOL * max(abs(numeric), abs(analytic)) + ABS_TOL:
            raise Mismatch(
                f"{what}: {name} disagrees with finite differences of the forward pass "
                f"(along a random direction: gradient gives {analytic:.8g}, finite differences {numeric:.8g})",
                {"argument": name, "analytic": analytic, "numeric": numeric})
