"""The vocabulary every check is written in.

A `Check` is a Hypothesis strategy of named inputs plus a `verify` function that
calls the student's code through a `Probe` and raises `Mismatch` when the answer is
wrong.  Checks never touch processes: the probe hides the sandbox, so a check reads
like a property test.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Protocol

from hypothesis.strategies import SearchStrategy

from grader.i18n import Msg, msg  # noqa: F401  (checks word their verdicts with these)

Case = dict[str, Any]
"""Named arguments in signature order; keys starting with "_" are context for the check
(e.g. the bias a backward case was built with) and are not sent to the student."""


def arguments(case: Case) -> tuple[Any, ...]:
    """The positional arguments a case sends to the student's function."""
    return tuple(v for k, v in case.items() if not k.startswith("_"))


class Mismatch(AssertionError):
    """The student's answer is wrong on this input; Hypothesis shrinks towards the smallest such input."""

    def __init__(self, message: Msg, details: dict[str, Any] | None = None, *, modified: str | None = None):
        """`details` go into the report's counterexample; `modified` names the argument the student's
        function changed when that is the failure (the report shows it too)."""
        super().__init__(message.key)
        self.message = message
        self.modified = modified
        self.details = {**(details or {}), **({"modified": modified} if modified is not None else {})}


class PartAborted(BaseException):
    """The student's code timed out, crashed or exited: stop the part at once.

    A BaseException so that Hypothesis does not try to shrink it (each retry would cost
    another time limit)."""

    def __init__(self, message: Msg):
        super().__init__(message.key)
        self.message = message


class Probe(Protocol):
    """What a check may use: the student's functions, and the trusted reference (None in public mode)."""

    ref: Any
    printed: str  # what the student's last call printed (stdout and stderr), for the failing test's report

    def __call__(self, function: str, case: Case) -> Any:
        """Call the student's `function` with `case` (arguments in signature order); return its value."""

    def with_inputs_after(self, function: str, case: Case) -> tuple[Any, tuple[Any, ...]]:
        """Call the student's `function`; return its value and its arguments as they were after the call."""


@dataclass(frozen=True)
class Check:
    """One weighted test of a part."""

    name: str
    weight: float
    public: bool
    cases: SearchStrategy
    verify: Callable[[Probe, Case], None]
