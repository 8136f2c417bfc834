"""Check factories every part uses: agreement with the reference, and inputs left alone."""
from __future__ import annotations

from typing import Any, Callable

from hypothesis.strategies import SearchStrategy

from grader.checks.answers import Returns, property_check
from grader.checks.compare import expect_unchanged
from grader.checks.framework import Case, Check, Probe, arguments


def matches_reference(function: str, cases: SearchStrategy, compare: Callable[[Any, Any], None],
                      weight: float = 3, name: str = "matches_reference") -> Check:
    """Hidden test: the student's value equals the reference's on generated inputs.

    `compare(got, expected)` raises Mismatch; it decides which tolerance fits the part."""

    def verify(probe: Probe, case: Case) -> None:
        expected = getattr(probe.ref, function)(*arguments(case))
        compare(probe(function, case), expected)

    return Check(name, weight, public=False, cases=cases, verify=verify)


def inputs_unchanged(returns: Returns, cases: SearchStrategy, weight: float = 1) -> Check:
    """Public test: the caller's arrays are bit-for-bit the same after a call that gave a real answer."""

    def verify(probe: Probe, case: Case, _value: Any) -> None:
        _, after = probe.with_inputs_after(returns.function, case)
        expect_unchanged(case, after, returns.function)

    return property_check(returns, "inputs_unchanged", weight, cases, verify)
