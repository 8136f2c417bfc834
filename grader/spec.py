"""What the RNN assignment is: its parts, their points and checks, and the grading limits.

Data, not code paths: the runner reads this and nothing else to know what to grade.
Public checks (run by `check`, shipped to students) live in each part's module, plus the
stored examples (grader/checks/stored.py); hidden checks (reference agreement, run by
`grade`) live in grader/checks/hidden.py, which the student bundle leaves out, and then
every part simply has its public checks.
"""
from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from typing import Callable

from grader import pictures
from grader.checks import backward, clipping, forward, gradients, loss, stored
from grader.checks.framework import Check


@dataclass(frozen=True)
class Part:
    name: str
    points: float
    checks: tuple[Check, ...]
    picture: Callable | None = None  # (probe, reference, lang) -> Series, drawn in the HTML report


@dataclass(frozen=True)
class Budget:
    """How much grading effort each mode spends; the per-call time limit belongs to the sandbox.

    Every part gets an equal share of `submission_seconds`, its own: a slow function can spend
    only its part's share, so it never takes time (and points) from the parts graded after it,
    and a submission never runs much longer than `submission_seconds`. Equal rather than by
    points, so that even the smallest part has ample time for a correct answer."""

    examples: int
    submission_seconds: float

    def part_seconds(self, parts: int) -> float:
        return self.submission_seconds / parts


@dataclass(frozen=True)
class Assignment:
    name: str
    parts: tuple[Part, ...]
    default_seed: int
    modes: dict[str, Budget]

    @property
    def part_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.parts)

    @property
    def max_score(self) -> float:
        return float(sum(p.points for p in self.parts))


def hidden_checks() -> dict[str, tuple[Check, ...]]:
    """The instructor-only checks per part, or none in the student bundle."""
    if importlib.util.find_spec("grader.checks.hidden") is None:
        return {}
    from grader.checks.hidden import HIDDEN

    return HIDDEN


def part(name: str, points: float, public: tuple[Check, ...], **kwargs) -> Part:
    """A part's checks: hidden ones first, then the public properties and the stored examples."""
    examples = STORED.get(name)
    return Part(name, points, HIDDEN.get(name, ()) + public + ((stored.stored_check(name, examples),) if examples else ()),
                **kwargs)


HIDDEN = hidden_checks()
STORED = stored.load()

RNN = Assignment(
    name="rnn",
    parts=(
        part("rnn_cell_forward", 10, forward.CELL_FORWARD),
        part("rnn_forward", 10, forward.FORWARD),
        part("rnn_output", 5, forward.OUTPUT),
        part("rnn_cell_backward", 15, backward.CELL_BACKWARD),
        part("rnn_backward", 20, backward.BPTT),
        part("sequence_cross_entropy", 10, loss.SEQUENCE_CROSS_ENTROPY),
        part("clip_grad_norm", 10, clipping.CLIP_GRAD_NORM),
        part("clip_grad_value", 5, clipping.CLIP_GRAD_VALUE),
        part("rnn_loss_and_grads", 10, gradients.RNN_LOSS_AND_GRADS),
        part("gradient_norms_through_time", 5, gradients.GRADIENT_NORMS_THROUGH_TIME,
             picture=pictures.gradient_norms_picture),
    ),
    default_seed=20261125,
    modes={"check": Budget(examples=10, submission_seconds=120.0),
           "grade": Budget(examples=30, submission_seconds=300.0)},
)
