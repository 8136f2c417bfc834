"""What counts as a real answer: every property of a gated cell passes this gate first.

A property compares the student's answer with other answers of their own (for a prefix,
for one batch row, for negated weights, …) or only bounds it, so a placeholder, NaNs or a
constant of the right shape could satisfy it without computing anything. A property
therefore counts only for an answer

- of the part's declared form: a tuple of the right length, float64 arrays of the right
  shapes, finite;
- that depends on its inputs: each part names variations of an input on which the right
  answer provably differs from the answer on the input itself, and a real answer differs
  on at least one of them too (a constant never does).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
from hypothesis.strategies import SearchStrategy

from grader.checks.compare import expect_sequence, expect_shape, expect_unchanged, item
from grader.checks.framework import Case, Check, Mismatch, Probe, msg


@dataclass(frozen=True)
class Items:
    """The form of a tuple with one named item per form (a form is a shape, or Items)."""

    names: tuple[str, ...]
    forms: tuple[Any, ...]


def validate(value: Any, form: Any, what: Any) -> Any:
    """`value` as finite float64 arrays (or tuples of them) of `form`, or a Mismatch saying what is wrong."""
    if isinstance(form, Items):
        items = expect_sequence(value, form.names, what)
        return tuple(validate(v, f, item(what, n)) for v, f, n in zip(items, form.forms, form.names))
    arr = expect_shape(value, form, what)
    if not np.all(np.isfinite(arr)):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
        raise Mismatch(msg("check.not_finite", what=what, value=float(arr[bad]), index=bad))
    return arr


def identical(a: Any, b: Any) -> bool:
    if isinstance(a, tuple):
        return all(identical(x, y) for x, y in zip(a, b))
    return bool(np.array_equal(a, b))


def all_zero(value: Any) -> bool:
    return all(all_zero(v) for v in value) if isinstance(value, tuple) else not np.any(value)


@dataclass(frozen=True)
class Returns:
    """What one part returns, and inputs on which a real answer cannot stay the same."""

    function: str
    form: Callable[[Case], Any]
    variations: Callable[[Case], tuple[Case, ...]]

    def answer(self, probe: Probe, case: Case, what: Any = None) -> Any:
        """The student's answer on `case`, validated against the declared form."""
        return validate(probe(self.function, case), self.form(case), what or self.function)

    def expect_depends_on_inputs(self, probe: Probe, case: Case, value: Any) -> None:
        """A Mismatch unless the answer differs on one of the variations (tried in order, so a
        real answer usually costs one extra call)."""
        varied = self.variations(case)
        if all(identical(self.answer(probe, v), value) for v in varied):
            if all_zero(value):
                raise Mismatch(msg("check.trivial", what=self.function))
            changed = sorted({k for v in varied for k in case if not np.array_equal(v[k], case[k])})
            raise Mismatch(msg("check.gated_ignores_inputs", what=self.function, inputs=", ".join(changed)))


class Gated:
    """A property that runs only on an answer of the declared form (given to it as `value`) and
    passes only if that answer also depends on its inputs: the form first, so the property works
    on a validated answer; the dependence last, since a failing property says more precisely what
    is wrong. The gate judges the drawn case, or the first element of a drawn (case, extra) tuple."""

    def __init__(self, returns: Returns, prop: Callable[[Probe, Any, Any], None]):
        self.returns, self.prop = returns, prop

    def __call__(self, probe: Probe, drawn: Any) -> None:
        case = drawn[0] if isinstance(drawn, tuple) else drawn
        value = self.returns.answer(probe, case)
        self.prop(probe, drawn, value)
        self.returns.expect_depends_on_inputs(probe, case, value)


def property_check(returns: Returns, name: str, weight: float, cases: SearchStrategy,
                   prop: Callable[[Probe, Any, Any], None]) -> Check:
    """A public test of a property of `returns.function`, credited only for a real answer."""
    return Check(name, weight, True, cases, Gated(returns, prop))


def inputs_unchanged(returns: Returns, cases: SearchStrategy, weight: float = 1) -> Check:
    """The caller's arrays are bit-for-bit the same after a call that gave a real answer."""

    def verify(probe: Probe, case: Case, _value: Any) -> None:
        _, after = probe.with_inputs_after(returns.function, case)
        expect_unchanged(case, after, returns.function)

    return property_check(returns, "inputs_unchanged", weight, cases, verify)
