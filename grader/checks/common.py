"""Check factories every part uses: agreement with the reference, and inputs left alone."""
from __future__ import annotations

from typing import Any, Callable

from hypothesis.strategies import SearchStrategy

from grader.checks.compare import expect_unchanged
from grader.checks.framework import Case, Check, Probe


def matches_reference(function: str, cases: SearchStrategy, compare: Callable[[Any, Any], None],
                      weight: float = 3, name: str = "matches_reference") -> Check:
    """Hidden test: the student's value equals the reference's on generated inputs.

    `compare(got, expected)` raises Mismatch; it decides which tolerance fits the part."""

    def verify(probe: Probe, case: Case) -> None:
        expected = getattr(probe.ref, function)(**case)
        compare(probe(function, case), expected)

    return Check(name, weight, public=False, cases=cases, verify=verify, needs_reference=True)


def inputs_unchanged(function: str, cases: SearchStrategy, weight: float = 1) -> Check:
    """Public test: the caller's arrays are bit-for-bit the same after the call."""

    def verify(probe: Probe, case: Case) -> None:
        expect_unchanged(case, probe.inputs_after(function, case), function)

    return Check("inputs_unchanged", weight, public=True, cases=cases, verify=verify)
