"""Directional (adjoint) finite-difference checks of a gradient.

For each argument a fixed random direction v is drawn; ⟨∇f, v⟩ from the student's
gradient must match (f(x+εv) − f(x−εv)) / 2ε.  Two evaluations of a trusted objective
per argument, so the check stays cheap for any size, and it names the argument whose
gradient is wrong.
"""
from __future__ import annotations

from typing import Callable, Iterable, Iterator

import numpy as np

from grader.checks.framework import Case, Mismatch, msg

EPS = 1e-5
REL_TOL = 1e-6
ABS_TOL = 1e-7


def directional_derivatives(objective: Callable[[Case], float], point: Case,
                            names: Iterable[str]) -> Iterator[tuple[str, np.ndarray, float]]:
    """(argument, direction v, central difference along v) for each named argument."""
    rng = np.random.default_rng(0)
    for name in names:
        v = rng.standard_normal(np.shape(point[name]))
        plus = objective({**point, name: point[name] + EPS * v})
        minus = objective({**point, name: point[name] - EPS * v})
        yield name, v, (plus - minus) / (2 * EPS)


def check_directional(objective: Callable[[Case], float], point: Case, grads: dict[str, np.ndarray],
                      what: str) -> None:
    """Raise Mismatch naming the first gradient that disagrees with central differences."""
    for name, v, numeric in directional_derivatives(objective, point, grads):
        analytic = float(np.sum(grads[name] * v))
        if not abs(numeric - analytic) <= REL_TOL * max(abs(numeric), abs(analytic)) + ABS_TOL:
            raise Mismatch(
                msg("check.finite_differences", what=what, name=name, analytic=f"{analytic:.8g}",
                    numeric=f"{numeric:.8g}"),
                {"argument": name, "analytic": analytic, "numeric": numeric})
