"""Pieces several gated parts' checks share: finite answers, bounds, comparisons of whole answers, batch rows."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis.strategies import SearchStrategy

from grader.checks.answers import Items, Returns, property_check
from grader.checks.compare import FORWARD_TOL, expect_array, expect_arrays, item
from grader.checks.framework import Case, Check, Mismatch, Probe, msg

from .strategies import with_index

SLACK = 1e-12  # rounding of a bound that holds exactly in real numbers


@dataclass(frozen=True)
class Finite(Returns):
    """An answer whose arrays must also be finite: a NaN satisfies no bound yet fails none, and
    makes finite differences and linearity compare NaN with NaN, which never fails."""

    def answer(self, probe: Probe, case: Case) -> Any:
        value = super().answer(probe, case)
        form = self.form(case)
        named = zip(form.names, value) if isinstance(form, Items) else [(None, value)]
        for name, array in named:
            if not np.all(np.isfinite(array)):
                index = tuple(int(i) for i in np.argwhere(~np.isfinite(array))[0])
                raise Mismatch(msg("check.not_finite", what=item(self.what, name) if name else self.what,
                                   value=float(array[index]), index=index))
        return value

    def used_by(self, part: str) -> "Finite":
        """The same answer, named in messages as called by the checks of another part."""
        return Finite(self.function, msg("what.gated_own_function", function=self.function, part=part), self.form,
                      self.variations)


def expect_between(value: np.ndarray, low: Any, high: Any, what: Any, why: Any) -> None:
    """Every entry of `value` within [low, high] (arrays broadcast against it); `why` says why it must be."""
    low, high = np.broadcast_to(low, value.shape), np.broadcast_to(high, value.shape)
    outside = ~((value >= low - SLACK) & (value <= high + SLACK))  # NaN is outside too
    if np.any(outside):
        index = tuple(int(i) for i in np.argwhere(outside)[0])
        raise Mismatch(msg("check.gated_outside", what=what, index=", ".join(map(str, index)),
                           value=f"{value[index]:.8g}", low=f"{low[index]:.8g}", high=f"{high[index]:.8g}", why=why),
                       {"worst_index": list(index), "got": float(value[index]),
                        "expected": [float(low[index]), float(high[index])]})


def expect_same(got: Any, expected: Any, form: Any, what: Any, tol: float = FORWARD_TOL) -> None:
    """A whole answer (one array, or a tuple of named arrays as `form` names them) equal to `expected`."""
    if isinstance(form, Items):
        expect_arrays(got, tuple(expected), form.names, what, tol)
    else:
        expect_array(got, expected, what, tol)


def rows(value: Any, n: int) -> Any:
    """Batch row n (kept 2-d or 3-d) of an answer or of each item of a tuple answer."""
    return tuple(v[n:n + 1] for v in value) if isinstance(value, tuple) else value[n:n + 1]


def batch_rows_independent(returns: Returns, cases: SearchStrategy, batch_arguments: tuple[str, ...]) -> Check:
    """The answer for one batch row alone is that row of the answer for the whole batch."""

    def prop(probe: Probe, drawn: tuple[Case, int], value: Any) -> None:
        case, n = drawn
        alone = {**case, **{k: case[k][n:n + 1] for k in batch_arguments}}
        expect_same(probe(returns.function, alone), rows(value, n), returns.form(alone),
                    msg("what.gated_row", function=returns.function, n=n))

    drawn = with_index(cases, lambda case: case[batch_arguments[0]].shape[0])
    return property_check(returns, "batch_rows_independent", 1, drawn, prop)
