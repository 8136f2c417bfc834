"""What a `rnn_torch` answer must be, and how two answers are compared.

The adapter returns, for each call, the student's outputs as arrays with flags (were they
tensors, was a built-in RNN used, which inputs changed) and the gradients autograd found.
Here those become verdicts: the form first (tensors, not built on torch's RNN, Python floats
in a history, no graph kept), then dtype (the input's: float32 stays float32), shape and
values within a tolerance that suits the dtype. Every comparison is against a right answer
of the same form: torch's own layer's (public checks), the reference's (hidden checks) or a
stored one.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from grader.checks.answers import Returns
from grader.checks.compare import (
    FORWARD_TOL,
    GRADIENT_TOL,
    as_array,
    describe,
    expect_array,
    expect_dict,
    expect_finite,
    expect_sequence,
    item,
)
from grader.checks.framework import Case, Mismatch, Probe, arguments, msg

FLOAT32_TOL = 5e-5  # norm-relative: float32 rounding differs with the order of operations
TRAJECTORY_TOL = {np.dtype(np.float64): 1e-7, np.dtype(np.float32): 2e-4}  # training compounds rounding
HISTORIES = ("loss", "grad_norm")


def tolerance(dtype: np.dtype, gradient: bool = False) -> float:
    if dtype == np.float32:
        return FLOAT32_TOL
    return GRADIENT_TOL if gradient else FORWARD_TOL


def dtype_of(case: Case) -> np.dtype:
    """The dtype every answer to `case` must have: that of its arrays."""
    return next(v.dtype for v in arguments(case) if isinstance(v, np.ndarray))


def expect_values(got: Any, expected: np.ndarray, what: Any, tol: float | None = None) -> np.ndarray:
    """An array of `expected`'s shape and dtype, finite, with values within `tol` (norm-relative; by
    default what the dtype allows; np.inf checks the form alone)."""
    arr = as_array(got, what)
    if arr.shape != expected.shape:
        raise Mismatch(msg("check.shape", what=what, got=tuple(arr.shape), expected=tuple(expected.shape)),
                       {"expected_shape": list(expected.shape), "got_shape": list(arr.shape)})
    if arr.dtype != expected.dtype:
        raise Mismatch(msg("check.torch_dtype", what=what, got=str(arr.dtype), expected=str(expected.dtype)),
                       {"got_dtype": str(arr.dtype)})
    expect_finite(arr, what)
    tol = tolerance(expected.dtype) if tol is None else tol
    return expect_array(arr.astype(np.float64), expected.astype(np.float64), what, tol)


def form(shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """A stand-in right answer for checking the form alone (with tol=np.inf)."""
    return np.zeros(shape, dtype)


# --- the form of an answer --------------------------------------------------------------------------

def expect_tensor(answer: dict, what: Any, value: Any) -> None:
    if not answer.get("tensor"):
        raise Mismatch(msg("check.torch_not_tensor", what=what, got=describe(value)))


def expect_own_layer(answer: dict, part: str) -> None:
    """The rule of the classes: the recurrence written by hand, not borrowed from torch."""
    if answer.get("built_on_torch"):
        raise Mismatch(msg("check.torch_built_in", part=part), {"built_on_torch": True})


def expect_no_graph(answer: dict, what: Any) -> None:
    if answer.get("requires_grad"):
        raise Mismatch(msg("check.torch_keeps_graph", what=what))


def changed_inputs(answer: dict, case: Case) -> list[str]:
    """The names of the arguments whose tensor the student's code modified."""
    names = [k for k in case if not k.startswith("_")]
    return [names[i] for i in answer.get("changed", ())]


def expect_unchanged(answer: dict, case: Case, part: str) -> None:
    for name in changed_inputs(answer, case):
        raise Mismatch(msg("check.torch_mutated", function=part, name=name), modified=name)


# --- the differentiable parts: named outputs, and gradients -----------------------------------------

OUTPUTS = {"rnn_cell": ("h_t",), "ManualRNNCell": ("h",), "ManualRNN": ("out", "h_n")}
WHAT = {"rnn_cell": "rnn_cell", "ManualRNNCell": "ManualRNNCell.forward", "ManualRNN": "ManualRNN.forward"}


def outputs(answer: dict, part: str) -> dict[str, Any]:
    """The named outputs of a differentiable part's answer, once its form is right."""
    if part != "rnn_cell":
        expect_own_layer(answer, part)
    names, value = OUTPUTS[part], answer["output"]
    values = expect_sequence(value, names, WHAT[part]) if len(names) > 1 else (value,)
    expect_tensor(answer, WHAT[part], value)
    return dict(zip(names, values))


def expect_outputs(got: dict, expected: dict, part: str) -> dict[str, np.ndarray]:
    return {name: expect_values(value, right, name)
            for (name, value), right in zip(outputs(got, part).items(), outputs(expected, part).values())}


def expect_gradients(got: dict, expected: dict, part: str) -> None:
    """Every gradient the right answer has, equal; one missing means the graph was cut on the way."""
    outputs(got, part)
    for name, right in expected["grads"].items():
        if name not in got["grads"]:
            raise Mismatch(msg("check.torch_no_gradient", part=part, name=name), {"missing_gradient": name})
        expect_values(got["grads"][name], right, msg("what.torch_gradient", name=name),
                      tolerance(right.dtype, gradient=True))


# --- train, predict_next, gradient_norms: their answers validated -----------------------------------

def history(answer: dict, steps: int) -> dict[str, np.ndarray]:
    """The loss and norm histories as float64 arrays, once both are lists of `steps` Python floats."""
    given = expect_dict(answer["history"], HISTORIES, "train")
    found = {}
    for key in HISTORIES:
        if not isinstance(given[key], list) or len(given[key]) != steps:
            raise Mismatch(msg("check.torch_history_length", key=key, steps=steps, got=describe(given[key])))
        if not answer["floats"][key]:
            raise Mismatch(msg("check.torch_not_float", key=key))
        found[key] = expect_finite(np.array(given[key], dtype=np.float64), item("train", key))
    return found


WEIGHTS = ("model", "head")


def trained(answer: dict, case: Case) -> dict[str, Any]:
    """A training run: its histories, and how far it moved each weight of model and head (not the weights
    themselves: a loop that trains nothing moves nothing, whatever weights it was given)."""
    moved = {part: {name: np.asarray(answer[part][name], np.float64) - np.asarray(start, np.float64)
                    for name, start in case[part].items()} for part in WEIGHTS}
    return {**history(answer, case["steps"]), "moved": moved}


def predictions(answer: dict, right: np.ndarray, tol: float | None = None) -> np.ndarray:
    expect_tensor(answer, "predict_next", answer["predictions"])
    expect_no_graph(answer, "predict_next")
    return expect_values(answer["predictions"], right, "predict_next", tol)


def norms(answer: dict, right: np.ndarray, tol: float | None = None) -> np.ndarray:
    expect_tensor(answer, "gradient_norms", answer["g"])
    expect_no_graph(answer, "gradient_norms")
    return expect_values(answer["g"], right, "gradient_norms", tol)


VALIDATE: dict[str, Callable[[dict, Case], Any]] = {
    "train": trained,
    "predict_next": lambda answer, case: predictions(answer, form((case["k"],), dtype_of(case)), np.inf),
    "gradient_norms": lambda answer, case: norms(answer, form((case["x"].shape[0],), dtype_of(case)), np.inf),
}


@dataclass(frozen=True)
class Answer(Returns):
    """A part's answer, validated (Returns' gate asks it to be a function of its inputs as well)."""

    def answer(self, probe: Probe, case: Case) -> Any:
        return VALIDATE[self.function](probe(self.function, case), case)


def returns(part: str, variations: Callable[[Case], tuple[Case, ...]]) -> Answer:
    return Answer(part, part, lambda case: None, variations)
