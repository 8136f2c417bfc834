"""Hidden checks: agreement with the reference solution (instructor-only).

They run under `grade` only and are left out of the student bundle (see grader/release.py),
so a student never sees them or their inputs; the public checks of each part live in the
part's own module.
"""
from __future__ import annotations

from grader.checks import strategies as S
from grader.checks.agreement import COMPARE
from grader.checks.backward import BPTT_PASS, CELL
from grader.checks.clipping import NORM
from grader.checks.common import matches_reference
from grader.checks.framework import Check
from grader.checks.gradients import NORMS, STEP, step_finite_differences
from grader.checks.loss import FUNCTION as LOSS

STRATEGIES = {
    "rnn_cell_forward": (S.cell_case(), 3),
    "rnn_forward": (S.forward_case(), 3),
    "rnn_output": (S.output_case(), 2),
    CELL.function: (S.cell_backward_case(), 3),
    BPTT_PASS.function: (S.backward_case(), 3),
    LOSS: (S.loss_case(), 3),
    NORM: (S.clip_norm_case(), 2),
    STEP: (S.params_case(), 3),
    NORMS: (S.sequence_case(), 3),
}
"""Part → (generated inputs, weight) of its reference-agreement check."""

HIDDEN: dict[str, tuple[Check, ...]] = {
    part: (matches_reference(part, cases, COMPARE[part], weight=weight),) for part, (cases, weight) in STRATEGIES.items()
}
HIDDEN[STEP] += (Check("finite_differences", 2, False, S.params_case(), step_finite_differences, needs_reference=True),)
