"""Checks for `clip_grad_norm` (torch's global-norm rule) and `clip_grad_value`.

Clipping is judged with CLIP_TOL, loose enough that `max_norm / total_norm` without
torch's 1e-6 passes, tight enough that every classic mistake fails (RESEARCH.md C1-C7).
"""
from __future__ import annotations

import numpy as np

from grader.checks import strategies as S
from grader.checks.common import inputs_unchanged
from grader.checks.compare import (
    CLIP_TOL,
    FORWARD_TOL,
    expect_array,
    expect_dict,
    expect_nontrivial,
    expect_scalar,
    expect_sequence,
    expect_shape,
    item,
)
from grader.checks.framework import Case, Check, Mismatch, Probe, msg

NORM = "clip_grad_norm"
VALUE = "clip_grad_value"


def _clipped(got, case: Case, what: str) -> dict[str, np.ndarray]:
    """The student's dict of clipped arrays, each checked for shape and dtype."""
    clipped = expect_dict(got, list(case["grads"]), what)
    return {k: expect_shape(clipped[k], g.shape, item(what, k)) for k, g in case["grads"].items()}


def _any_gradient(case: Case) -> bool:
    return any(np.any(g) for g in case["grads"].values())


def _norm_result(probe: Probe, case: Case) -> tuple[dict[str, np.ndarray], float]:
    clipped, total = expect_sequence(probe(NORM, case), ("clipped", "total_norm"), NORM)
    clipped = _clipped(clipped, case, item(NORM, "clipped"))
    expect_nontrivial(clipped, _any_gradient(case), item(NORM, "clipped"))
    return clipped, total


def compare_norm(got, expected) -> None:
    clipped, total = expect_sequence(got, ("clipped", "total_norm"), NORM)
    expect_scalar(total, float(expected[1]), item(NORM, "total_norm"), FORWARD_TOL)
    clipped = expect_dict(clipped, list(expected[0]), item(NORM, "clipped"))
    for k, e in expected[0].items():
        expect_array(clipped[k], e, item(NORM, f"clipped[{k!r}]"), CLIP_TOL)


def _total(probe: Probe, case: Case) -> None:
    _, total = _norm_result(probe, case)
    expect_scalar(total, S.global_norm(case["grads"]), msg("what.clip_total", function=NORM), FORWARD_TOL)


def _at_most_max(probe: Probe, case: Case) -> None:
    clipped, _ = _norm_result(probe, case)
    after = S.global_norm(clipped)
    if after > case["max_norm"] * (1 + CLIP_TOL):
        raise Mismatch(msg("check.clip_above_max", function=NORM, after=f"{after:.6g}", max_norm=f"{case['max_norm']:g}"))


def _direction(probe: Probe, case: Case) -> None:
    clipped, _ = _norm_result(probe, case)
    scale = S.global_norm(clipped) / S.global_norm(case["grads"])
    for k, g in case["grads"].items():
        expect_array(clipped[k], scale * g, msg("what.clip_direction", function=NORM, key=k), CLIP_TOL)


def _noop(probe: Probe, case: Case) -> None:
    clipped, _ = _norm_result(probe, case)
    for k, g in case["grads"].items():
        expect_array(clipped[k], g, msg("what.clip_noop", function=NORM, key=k), CLIP_TOL)


def _rescaled(probe: Probe, case: Case) -> None:
    clipped, _ = _norm_result(probe, case)
    expect_scalar(S.global_norm(clipped), case["max_norm"], msg("what.clip_rescaled", function=NORM), CLIP_TOL)


CLIP_GRAD_NORM = (
    Check("returns_norm_before_clipping", 1, True, S.clip_norm_case(), _total),
    Check("norm_at_most_max_norm", 1, True, S.clip_norm_case(), _at_most_max),
    Check("direction_preserved", 1, True, S.clip_norm_case(), _direction),
    Check("unchanged_below_threshold", 1, True, S.clip_norm_case(factors=(2.0, 10.0)), _noop),
    Check("rescaled_to_max_norm_above_threshold", 1, True, S.clip_norm_case(factors=(0.1, 0.5)), _rescaled),
    inputs_unchanged(NORM, S.clip_norm_case(), _any_gradient),
)


def _elementwise(probe: Probe, case: Case) -> None:
    c = case["clip_value"]
    clipped = expect_dict(probe(VALUE, case), list(case["grads"]), VALUE)
    for k, g in case["grads"].items():
        expect_array(clipped[k], np.clip(g, -c, c), msg("what.clip_value", function=VALUE, key=k, c=f"{c:g}"))


def _noop_large(probe: Probe, case: Case) -> None:
    big = {**case, "clip_value": 1e6}
    clipped = expect_dict(probe(VALUE, big), list(case["grads"]), VALUE)
    for k, g in case["grads"].items():
        expect_array(clipped[k], g, msg("what.clip_value_noop", function=VALUE, key=k))


CLIP_GRAD_VALUE = (
    Check("clips_every_entry", 2, True, S.clip_value_case(), _elementwise),
    Check("unchanged_for_large_clip_value", 1, True, S.clip_value_case(), _noop_large),
    inputs_unchanged(VALUE, S.clip_value_case(), _any_gradient),
)
