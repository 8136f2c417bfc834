"""Public checks of `gradient_norms`.

Two facts pin the answer down without computing it: over one step, ∂h_1/∂h_0 is the Jacobian
of a single tanh step, diag(1 − h_1²) · weight_hh (torch's layout), whose Frobenius norm is g[0];
and ∂h_T/∂h_k depends on the steps after k alone, so the norms of the sequence from step k on,
started from the state reached at k, are g[k:]. States come from torch's own nn.RNN.
"""
from __future__ import annotations

import numpy as np
import torch

from grader.checks.answers import property_check
from grader.checks.compare import expect_array
from grader.checks.framework import Case, Probe, msg

from .. import adapter
from . import strategies as S
from .answers import dtype_of, expect_unchanged, returns, tolerance


def _weight_hh_moved(case: Case) -> tuple[Case, ...]:
    model = case["model"]
    return tuple({**case, "model": {**model, "weight_hh_l0": change(model["weight_hh_l0"])}}
                 for change in (lambda w: w + np.asarray(0.5, w.dtype), lambda w: 2 * w))


NORMS = returns("gradient_norms", _weight_hh_moved)


def state_after(case: Case, steps: int) -> np.ndarray:
    """h_steps of torch's nn.RNN holding the case's weights, from h0 over the first `steps` inputs."""
    model, _ = adapter.model_and_head(case["model"], None, case["x"])
    with torch.no_grad():
        _, h = model(torch.tensor(case["x"][None, :steps]), torch.tensor(case["h0"]).reshape(1, 1, -1))
    return h.reshape(-1).numpy()


def _one_step(probe: Probe, case: Case, g: np.ndarray) -> None:
    h_1 = state_after(case, 1).astype(np.float64)
    jacobian = (1 - h_1 ** 2)[:, None] * case["model"]["weight_hh_l0"].astype(np.float64)
    expect_array(g, np.array([np.linalg.norm(jacobian)]), msg("what.torch_one_step"), tolerance(dtype_of(case)))


def _suffix(probe: Probe, drawn: tuple[Case, int], g: np.ndarray) -> None:
    case, k = drawn
    later = NORMS.answer(probe, {**case, "x": case["x"][k:], "h0": state_after(case, k)})
    expect_array(g[k:], later, msg("what.torch_suffix", k=k), tolerance(dtype_of(case), gradient=True))


def _unchanged(probe: Probe, case: Case, _g: np.ndarray) -> None:
    expect_unchanged(probe("gradient_norms", case), case, "gradient_norms")


GRADIENT_NORMS = (
    property_check(NORMS, "one_step_is_the_tanh_jacobian", 2, S.norms_case(max_t=1), _one_step),
    property_check(NORMS, "later_steps_start_from_the_state_reached", 2,
                   S.with_index(S.norms_case(min_t=2), lambda c: c["x"].shape[0], low=1), _suffix),
    property_check(NORMS, "inputs_unchanged", 1, S.norms_case(), _unchanged),
)
