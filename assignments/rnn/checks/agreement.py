"""How each part's answer is compared with a known right answer (the reference's, or a stored one).

One table, so the hidden reference checks and the public stored examples judge a part the
same way and with the same tolerance.
"""
from __future__ import annotations

from typing import Any, Callable

from .backward import BPTT_PASS, CELL
from .clipping import NORM, VALUE, compare_norm
from grader.checks.compare import GRADIENT_TOL, expect_array, expect_arrays, expect_dict, item
from .gradients import NORMS, STEP, compare_step
from .loss import FUNCTION as LOSS
from .loss import compare as compare_loss

Compare = Callable[[Any, Any], None]


def _compare_value_clip(got: Any, expected: dict) -> None:
    clipped = expect_dict(got, list(expected), VALUE)
    for k, e in expected.items():
        expect_array(clipped[k], e, item(VALUE, k))


COMPARE: dict[str, Compare] = {
    "rnn_cell_forward": lambda got, exp: expect_array(got, exp, "h_t"),
    "rnn_forward": lambda got, exp: expect_array(got, exp, "h"),
    "rnn_output": lambda got, exp: expect_array(got, exp, "y"),
    CELL.function: lambda got, exp: expect_arrays(got, exp, CELL.grads, CELL.function),
    BPTT_PASS.function: lambda got, exp: expect_arrays(got, exp, BPTT_PASS.grads, BPTT_PASS.function),
    LOSS: compare_loss,
    NORM: compare_norm,
    VALUE: _compare_value_clip,
    STEP: compare_step,
    NORMS: lambda got, exp: expect_array(got, exp, NORMS, GRADIENT_TOL),
}
