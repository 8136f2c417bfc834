"""Check factories every part uses: agreement with the reference, and inputs left alone."""
from __future__ import annotations

from typing import Any, Callable

from hypothesis.strategies import SearchStrategy

from grader.checks.compare import expect_nontrivial, expect_unchanged
from grader.checks.framework import Case, Check, Probe, arguments


def matches_reference(function: str, cases: SearchStrategy, compare: Callable[[Any, Any], None],
                      weight: float = 3, name: str = "matches_reference") -> Check:
    """Hidden test: the student's value equals the reference's on generated inputs.

    `compare(got, expected)` raises Mismatch; it decides which tolerance fits the part."""

    def verify(probe: Probe, case: Case) -> None:
        expected = getattr(probe.ref, function)(*arguments(case))
        compare(probe(function, case), expected)

    return Check(name, weight, public=False, cases=cases, verify=verify, needs_reference=True)


def inputs_unchanged(function: str, cases: SearchStrategy, answer_is_nonzero: Callable[[Case], bool],
                     weight: float = 1) -> Check:
    """Public test: the caller's arrays are bit-for-bit the same after a call that gave a real answer."""

    def verify(probe: Probe, case: Case) -> None:
        value, after = probe.with_inputs_after(function, case)
        expect_nontrivial(value, answer_is_nonzero(case), function)
        expect_unchanged(case, after, function)

    return Check("inputs_unchanged", weight, public=True, cases=cases, verify=verify)
