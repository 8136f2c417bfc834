"""Hidden checks: agreement with the reference solution (instructor-only).

They run under `grade` only and are left out of the student bundle (see grader/release.py),
so a student never sees them or their inputs; the public checks of each part live in the
part's own module.
"""
from __future__ import annotations

from grader.checks import strategies as S
from grader.checks.backward import BPTT_PASS, CELL
from grader.checks.clipping import NORM, compare_norm
from grader.checks.common import matches_reference
from grader.checks.compare import GRADIENT_TOL, expect_array, expect_arrays
from grader.checks.framework import Check
from grader.checks.gradients import NORMS, STEP, compare_step, step_finite_differences
from grader.checks.loss import FUNCTION as LOSS
from grader.checks.loss import compare as compare_loss

HIDDEN: dict[str, tuple[Check, ...]] = {
    "rnn_cell_forward": (
        matches_reference("rnn_cell_forward", S.cell_case(), lambda got, exp: expect_array(got, exp, "h_t")),),
    "rnn_forward": (
        matches_reference("rnn_forward", S.forward_case(), lambda got, exp: expect_array(got, exp, "h")),),
    "rnn_output": (
        matches_reference("rnn_output", S.output_case(), lambda got, exp: expect_array(got, exp, "y"), weight=2),),
    "rnn_cell_backward": (
        matches_reference(CELL.function, S.cell_backward_case(),
                          lambda got, exp: expect_arrays(got, exp, CELL.grads, CELL.function)),),
    "rnn_backward": (
        matches_reference(BPTT_PASS.function, S.backward_case(),
                          lambda got, exp: expect_arrays(got, exp, BPTT_PASS.grads, BPTT_PASS.function)),),
    "sequence_cross_entropy": (matches_reference(LOSS, S.loss_case(), compare_loss),),
    "clip_grad_norm": (matches_reference(NORM, S.clip_norm_case(), compare_norm, weight=2),),
    "rnn_loss_and_grads": (
        matches_reference(STEP, S.params_case(), compare_step),
        Check("finite_differences", 2, False, S.params_case(), step_finite_differences, needs_reference=True)),
    "gradient_norms_through_time": (
        matches_reference(NORMS, S.sequence_case(), lambda got, exp: expect_array(got, exp, NORMS, GRADIENT_TOL)),),
}
