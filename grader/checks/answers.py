"""What counts as a real answer: the gate every property test passes through first.

A property compares the student's answer with something derived from the student's own
answers (the answer for −x, for a prefix, for one batch row, …) or only bounds it, so a
placeholder, NaNs, a list or a constant of the right shape could satisfy it without
computing anything.  A property therefore counts only for a *real answer*:

- of the part's declared form (`Form`): the right type, shape and float64 dtype, finite;
- a function of its inputs: the same inputs give the same answer again (random numbers or
  a count kept between calls do not), and each part names `variations` of an input such
  that the right answer on at least one of them provably differs from the right answer on
  the input itself; a real answer differs there too (a constant never does).

The gate says what is wrong with an answer that is not real, so the student reads that
instead of a property that happened to hold.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
from hypothesis.strategies import SearchStrategy

from grader.checks.compare import as_scalar, expect_dict, expect_sequence, expect_shape, item
from grader.checks.framework import Case, Check, Mismatch, Probe, msg

NUMBER = "number"
"""The form of a single finite number (a Python float, numpy scalar or 0-d array)."""


@dataclass(frozen=True)
class Items:
    """The form of a tuple with one named item per form."""

    names: tuple[str, ...]
    forms: tuple[Any, ...]


@dataclass(frozen=True)
class Keys:
    """The form of a dict with exactly these keys, each value of its form."""

    forms: dict[str, Any]


Form = Any  # a shape (tuple of ints: a float64 array), NUMBER, Items or Keys


def returned(value: Any, function: str) -> Any:
    """`value`, unless it is None: no part answers None, which is what a function that ends without
    `return` gives (a stub's `pass`, a result computed but never returned), so say that, not that
    an array was expected."""
    if value is None:
        raise Mismatch(msg("call.returned_none", function=function))
    return value


def validate(value: Any, form: Form, what: Any) -> Any:
    """`value` as plain arrays, floats, tuples and dicts of `form`, or a Mismatch saying what is wrong."""
    if form == NUMBER:
        return as_scalar(value, what)
    if isinstance(form, Items):
        items = expect_sequence(value, form.names, what)
        return tuple(validate(v, f, item(what, n)) for v, f, n in zip(items, form.forms, form.names))
    if isinstance(form, Keys):
        given = expect_dict(value, list(form.forms), what)
        return {k: validate(given[k], f, item(what, k)) for k, f in form.forms.items()}
    return expect_shape(value, form, what)


def identical(a: Any, b: Any) -> bool:
    """Two validated answers, bit for bit the same."""
    if isinstance(a, tuple):
        return all(identical(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return all(identical(a[k], b[k]) for k in a)
    if type(a) is np.ndarray and type(b) is np.ndarray:  # as np.array_equal, without its overhead
        return a.shape == b.shape and bool((a == b).all())
    return bool(np.array_equal(a, b))


def all_zero(value: Any) -> bool:
    if isinstance(value, tuple):
        return all(all_zero(v) for v in value)
    if isinstance(value, dict):
        return all(all_zero(v) for v in value.values())
    return not np.any(value)


@dataclass(frozen=True)
class Returns:
    """What one part returns, and inputs on which a real answer cannot stay the same."""

    function: str
    what: str  # how messages name the answer (an output's name, or the function's)
    form: Callable[[Case], Form]
    variations: Callable[[Case], tuple[Case, ...]]

    def answer(self, probe: Probe, case: Case) -> Any:
        """The student's answer on `case`, validated against the declared form."""
        return validate(probe(self.function, case), self.form(case), self.what)

    def expect_function_of_inputs(self, probe: Probe, case: Case, value: Any) -> None:
        """A Mismatch unless the student's answer is `value` again on `case`, and another one on
        one of the variations of `case`.

        Variations are tried in order until one gives another answer, so a real answer
        usually costs two extra calls."""
        if not identical(self.answer(probe, case), value):
            raise Mismatch(msg("check.not_repeatable", function=self.function))
        varied = self.variations(case)
        if varied and all(identical(self.answer(probe, v), value) for v in varied):
            raise Mismatch(msg("check.trivial" if all_zero(value) else "check.ignores_inputs", what=self.what))


class Gated:
    """A property behind the gate: it runs only on an answer of the declared form, which it
    receives as `value`, and passes only if that answer is also a function of its inputs.

    The form comes first, so every property works on a validated answer; the rest last,
    because a property that fails already says what is wrong, and more precisely (e.g.
    "should be tanh(b_h)" rather than "does not depend on b_h").  The gate judges the drawn
    case itself, or the first element of a drawn (case, extra) pair."""

    def __init__(self, returns: Returns, prop: Callable[[Probe, Any, Any], None]):
        self.returns, self.prop = returns, prop

    def __call__(self, probe: Probe, drawn: Any) -> None:
        case = drawn[0] if isinstance(drawn, tuple) else drawn
        value = self.returns.answer(probe, case)
        self.prop(probe, drawn, value)
        self.returns.expect_function_of_inputs(probe, case, value)


def property_check(returns: Returns, name: str, weight: float, cases: SearchStrategy,
                   prop: Callable[[Probe, Any, Any], None], public: bool = True) -> Check:
    """A test of a property of `returns.function`, credited only for a real answer."""
    return Check(name, weight, public, cases, Gated(returns, prop))
