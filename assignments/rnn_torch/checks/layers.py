"""Public checks of the differentiable parts: `rnn_cell`, `ManualRNNCell`, `ManualRNN`.

The right answer is torch's own: `nn.RNNCell` and `nn.RNN` holding the very state dict the
student's class is loaded with (and torch's RNN cell kernel for `rnn_cell`), run through the
same adapter, so outputs and autograd gradients (inputs and parameters) are compared one for
one, in float32 and float64, batch first or not, with and without an initial state.
"""
from __future__ import annotations

from types import SimpleNamespace

import torch
from hypothesis.strategies import SearchStrategy
from torch import nn

from grader.checks.framework import Case, Check, Probe, arguments

from .. import adapter
from . import strategies as S
from .answers import expect_gradients, expect_outputs, expect_unchanged

TORCH = SimpleNamespace(  # torch's own layers behind the assignment's interface
    rnn_cell=lambda x_t, h_prev, W_xh, W_hh, b_h: torch.rnn_tanh_cell(x_t, h_prev, W_xh.T, W_hh.T, b_h, None),
    ManualRNNCell=nn.RNNCell,
    ManualRNN=lambda input_size, hidden_size, batch_first: nn.RNN(input_size, hidden_size, batch_first=batch_first))


def torch_answer(part: str, case: Case) -> dict:
    """What torch's own layer answers to `case`, in the adapter's form."""
    return {**adapter.call(TORCH, part, arguments(case), own_layers_only=False), "built_on_torch": False}


def same_outputs(part: str, name: str, cases: SearchStrategy, weight: float) -> Check:
    def verify(probe: Probe, case: Case) -> None:
        expect_outputs(probe(part, case), torch_answer(part, case), part)

    return Check(name, weight, True, cases, verify)


def same_gradients(part: str, name: str, cases: SearchStrategy, weight: float) -> Check:
    def verify(probe: Probe, case: Case) -> None:
        got, expected = probe(part, case), torch_answer(part, case)
        expect_outputs(got, expected, part)  # gradients of a wrong forward would mislead
        expect_gradients(got, expected, part)

    return Check(name, weight, True, cases, verify)


def inputs_unchanged(part: str, cases: SearchStrategy, weight: float = 1) -> Check:
    """The caller's tensors are left as they were, by a call that gave the right answer (only a real
    answer earns this test)."""

    def verify(probe: Probe, case: Case) -> None:
        answer = probe(part, case)
        expect_outputs(answer, torch_answer(part, case), part)
        expect_unchanged(answer, case, part)

    return Check("inputs_unchanged", weight, True, cases, verify)


SATURATING = 100.0
"""Weights this many times larger put pre-activations in the hundreds, where tanh is ±1 to the last bit
and exp overflows (beyond 88 in float32, 709 in float64)."""


def saturating(case: Case) -> Case:
    """`case` with every weight and bias SATURATING times larger (in its own dtype)."""
    def scaled(a):
        return a * a.dtype.type(SATURATING)

    if "state" in case:
        return {**case, "state": {name: scaled(value) for name, value in case["state"].items()}}
    return {**case, **{name: scaled(case[name]) for name in ("W_xh", "W_hh", "b_h")}}


RNN_CELL = (
    same_outputs("rnn_cell", "same_as_torch", S.rnn_cell_case(), 3),
    same_gradients("rnn_cell", "gradients_same_as_torch", S.rnn_cell_case(), 3),
    same_outputs("rnn_cell", "saturated_same_as_torch", S.rnn_cell_case().map(saturating), 1),
    inputs_unchanged("rnn_cell", S.rnn_cell_case()),
)

CELL = (
    same_outputs("ManualRNNCell", "same_as_nn_RNNCell", S.cell_case(), 3),
    same_gradients("ManualRNNCell", "gradients_same_as_nn_RNNCell", S.cell_case(), 3),
    same_outputs("ManualRNNCell", "saturated_same_as_torch", S.cell_case().map(saturating), 1),
    inputs_unchanged("ManualRNNCell", S.cell_case()),
)

LAYER = (
    same_outputs("ManualRNN", "same_as_nn_RNN_batch_first", S.layer_case(batch_first=True), 3),
    same_outputs("ManualRNN", "same_as_nn_RNN_time_first", S.layer_case(batch_first=False), 2),
    same_gradients("ManualRNN", "gradients_same_as_nn_RNN", S.layer_case(), 3),
    same_outputs("ManualRNN", "saturated_same_as_torch", S.layer_case().map(saturating), 1),
    inputs_unchanged("ManualRNN", S.layer_case()),
)
