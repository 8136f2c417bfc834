"""The vocabulary every check is written in.

A `Check` is a Hypothesis strategy of named inputs plus a `verify` function that
calls the student's code through a `Probe` and raises `Mismatch` when the answer is
wrong.  Checks never touch processes: the probe hides the sandbox, so a check reads
like a property test.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

from hypothesis.strategies import SearchStrategy

from grader import i18n

Case = dict[str, Any]
"""Named arguments in signature order; keys starting with "_" are context for the check
(e.g. the bias a backward case was built with) and are not sent to the student."""


def arguments(case: Case) -> tuple[Any, ...]:
    """The positional arguments a case sends to the student's function."""
    return tuple(v for k, v in case.items() if not k.startswith("_"))


@dataclass(frozen=True)
class Msg:
    """A sentence for the student, kept as a catalog key and its fields until the language is known.

    Fields may themselves be Msgs (e.g. a description of what was compared)."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)

    def render(self, lang: str) -> str:
        return i18n.text(lang, self.key, **{k: render(v, lang) for k, v in self.params.items()})


def msg(key: str, /, **params: Any) -> Msg:
    return Msg(key, params)


def render(value: Any, lang: str) -> Any:
    """A Msg in `lang`; anything else (numbers, code identifiers) as it is."""
    return value.render(lang) if isinstance(value, Msg) else value


class Mismatch(AssertionError):
    """The student's answer is wrong on this input; Hypothesis shrinks towards the smallest such input."""

    def __init__(self, message: Msg, details: dict[str, Any] | None = None):
        super().__init__(message.key)
        self.message = message
        self.details = details or {}


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
