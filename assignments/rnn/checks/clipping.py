"""Checks for `clip_grad_norm` (torch's global-norm rule) and `clip_grad_value`.

Clipping is judged with CLIP_TOL, loose enough that `max_norm / total_norm` without
torch's 1e-6 passes, tight enough that every classic mistake fails.
"""
from __future__ import annotations

import numpy as np

from . import strategies as S
from grader.checks.answers import NUMBER, Items, Keys, Returns, property_check
from grader.checks.common import inputs_unchanged
from grader.checks.compare import (
    CLIP_TOL,
    FORWARD_TOL,
    expect_array,
    expect_dict,
    expect_scalar,
    expect_sequence,
    item,
)
from grader.checks.framework import Case, Mismatch, Probe, msg

NORM = "clip_grad_norm"
VALUE = "clip_grad_value"


def _shapes(case: Case) -> Keys:
    return Keys({k: g.shape for k, g in case["grads"].items()})


def _variations(limit: str):
    """Halving the gradients and the limit halves a nonzero answer; a zero answer means zero
    gradients, and gradients of ones have a nonzero answer."""

    def varied(case: Case) -> tuple[Case, ...]:
        halved = {**case, "grads": {k: g / 2 for k, g in case["grads"].items()}, limit: case[limit] / 2}
        ones = {**case, "grads": {k: np.ones_like(g) for k, g in case["grads"].items()}}
        return halved, ones

    return varied


NORM_RETURNS = Returns(NORM, NORM, lambda c: Items(("clipped", "total_norm"), (_shapes(c), NUMBER)),
                       _variations("max_norm"))
VALUE_RETURNS = Returns(VALUE, VALUE, _shapes, _variations("clip_value"))


def compare_norm(got, expected) -> None:
    clipped, total = expect_sequence(got, ("clipped", "total_norm"), NORM)
    expect_scalar(total, float(expected[1]), item(NORM, "total_norm"), FORWARD_TOL)
    clipped = expect_dict(clipped, list(expected[0]), item(NORM, "clipped"))
    for k, e in expected[0].items():
        expect_array(clipped[k], e, item(NORM, f"clipped[{k!r}]"), CLIP_TOL)


def _total(probe: Probe, case: Case, answer: tuple) -> None:
    expect_scalar(answer[1], S.global_norm(case["grads"]), msg("what.clip_total", function=NORM), FORWARD_TOL)


def _at_most_max(probe: Probe, case: Case, answer: tuple) -> None:
    after = S.global_norm(answer[0])
    if not after <= case["max_norm"] * (1 + CLIP_TOL):
        raise Mismatch(msg("check.clip_above_max", function=NORM, after=f"{after:.6g}", max_norm=f"{case['max_norm']:g}"))


def _direction(probe: Probe, case: Case, answer: tuple) -> None:
    clipped = answer[0]
    scale = S.global_norm(clipped) / S.global_norm(case["grads"])
    for k, g in case["grads"].items():
        expect_array(clipped[k], scale * g, msg("what.clip_direction", function=NORM, key=k), CLIP_TOL)


def _noop(probe: Probe, case: Case, answer: tuple) -> None:
    for k, g in case["grads"].items():
        expect_array(answer[0][k], g, msg("what.clip_noop", function=NORM, key=k), CLIP_TOL)


def _rescaled(probe: Probe, case: Case, answer: tuple) -> None:
    expect_scalar(S.global_norm(answer[0]), case["max_norm"], msg("what.clip_rescaled", function=NORM), CLIP_TOL)


def _zero_gradients(probe: Probe, case: Case, answer: tuple) -> None:
    """All-zero gradients have norm 0, below any max_norm, so they come back unchanged: the 1e-6 of
    the rule keeps max_norm / (total_norm + 1e-6) finite where max_norm / total_norm divides by 0."""
    zero = {**case, "grads": {k: np.zeros_like(g) for k, g in case["grads"].items()}}
    what = msg("what.clip_zero", function=NORM)
    clipped, total = expect_sequence(probe(NORM, zero), ("clipped", "total_norm"), what)
    expect_scalar(total, 0.0, item(what, "total_norm"))
    clipped = expect_dict(clipped, list(zero["grads"]), item(what, "clipped"))
    for k, g in zero["grads"].items():
        expect_array(clipped[k], g, item(what, f"clipped[{k!r}]"))


CLIP_GRAD_NORM = (
    property_check(NORM_RETURNS, "returns_norm_before_clipping", 1, S.clip_norm_case(), _total),
    property_check(NORM_RETURNS, "norm_at_most_max_norm", 1, S.clip_norm_case(), _at_most_max),
    property_check(NORM_RETURNS, "direction_preserved", 1, S.clip_norm_case(), _direction),
    property_check(NORM_RETURNS, "unchanged_below_threshold", 1, S.clip_norm_case(factors=(2.0, 10.0)), _noop),
    property_check(NORM_RETURNS, "rescaled_to_max_norm_above_threshold", 1, S.clip_norm_case(factors=(0.1, 0.5)),
                   _rescaled),
    property_check(NORM_RETURNS, "zero_gradients_unchanged", 1, S.clip_norm_case(), _zero_gradients),
    inputs_unchanged(NORM_RETURNS, S.clip_norm_case()),
)


def _elementwise(probe: Probe, case: Case, clipped: dict) -> None:
    c = case["clip_value"]
    for k, g in case["grads"].items():
        expect_array(clipped[k], np.clip(g, -c, c), msg("what.clip_value", function=VALUE, key=k, c=f"{c:g}"))


def _large_limit(case: Case) -> Case:
    return {**case, "clip_value": 1e6}


def _noop_large(probe: Probe, case: Case, clipped: dict) -> None:
    for k, g in case["grads"].items():
        expect_array(clipped[k], g, msg("what.clip_value_noop", function=VALUE, key=k))


CLIP_GRAD_VALUE = (
    property_check(VALUE_RETURNS, "clips_every_entry", 2, S.clip_value_case(), _elementwise),
    property_check(VALUE_RETURNS, "unchanged_for_large_clip_value", 1, S.clip_value_case().map(_large_limit),
                   _noop_large),
    inputs_unchanged(VALUE_RETURNS, S.clip_value_case()),
)
