"""Hidden checks: agreement with the reference solution (instructor-only).

They run under `grade` only and are left out of the student bundle (see grader/release.py),
so a student never sees them or their inputs; the public checks of each part live in the
part's own module.
"""
from __future__ import annotations

from rnn_grader_assignments.rnn.checks import strategies as S
from rnn_grader_assignments.rnn.checks.agreement import COMPARE
from grader.checks.answers import property_check
from rnn_grader_assignments.rnn.checks.backward import BPTT_PASS, CELL
from rnn_grader_assignments.rnn.checks.clipping import NORM
from grader.checks.common import matches_reference
from grader.checks.compare import item
from grader.checks.finite_diff import check_directional
from grader.checks.framework import Case, Check, Probe
from rnn_grader_assignments.rnn.checks.gradients import NORMS, STEP, STEP_RETURNS
from rnn_grader_assignments.rnn.checks.loss import FUNCTION as LOSS

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


def _step_finite_differences(probe: Probe, case: Case, answer: tuple) -> None:
    """The student's gradients against finite differences of the reference's loss."""
    ref = probe.ref.rnn_loss_and_grads
    check_directional(lambda p: float(ref(p, case["x"], case["h0"], case["targets"])[0]), case["params"], answer[1],
                      item(STEP, "grads"))


HIDDEN[STEP] += (property_check(STEP_RETURNS, "finite_differences", 2, S.params_case(), _step_finite_differences,
                                public=False),)
