"""The `rnn_torch` adapter on its own: what crosses the wire is plain, a class built on torch's own
recurrent layers is recognised however it is built on them, an input changed in place is named, a
cut graph shows as missing gradients, and the adapter itself imports nothing but torch, numpy and
the standard library (it runs in the worker)."""
from __future__ import annotations

import ast
import sys
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from torch import nn

from tests.conftest import affected_parts
from tests.rnn_torch.conftest import BUILT_ON_TORCH, submission


@pytest.fixture(scope="module")
def adapter(rnn_torch):
    from rnn_grader_assignments.rnn_torch import adapter

    return adapter


@pytest.fixture(scope="module")
def case(rnn_torch):
    return {part: cases[0] for part, cases in rnn_torch.misconceptions.DESIGNED.items()}


def _plain_only(value) -> bool:
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain_only(v) for k, v in value.items())
    if isinstance(value, (tuple, list)):
        return all(map(_plain_only, value))
    return isinstance(value, (np.ndarray, float, int, bool, str, type(None)))


def test_every_answer_is_plain_and_keeps_the_dtype(adapter, rnn_torch_reference, case):
    for part, args in case.items():
        for dtype in (np.float32, np.float64):
            cast = {k: {n: a.astype(dtype) for n, a in v.items()} if isinstance(v, dict) else
                    v.astype(dtype) if isinstance(v, np.ndarray) else v for k, v in args.items()}
            answer = adapter.call(rnn_torch_reference.module, part, tuple(cast.values()))
            assert _plain_only(answer), part
            arrays = [a for a in _arrays(answer) if a.dtype.kind == "f"]
            assert arrays and all(a.dtype == dtype for a in arrays), part


def _arrays(value):
    if isinstance(value, dict):
        return [a for v in value.values() for a in _arrays(v)]
    if isinstance(value, (tuple, list)):
        return [a for v in value for a in _arrays(v)]
    return [value] if isinstance(value, np.ndarray) else []


@pytest.mark.parametrize("fixture", BUILT_ON_TORCH, ids=lambda p: p.stem)
def test_a_class_built_on_torchs_layers_is_recognised(adapter, case, fixture):
    (part,) = affected_parts(fixture)
    assert adapter.call(submission(fixture), part, tuple(case[part].values()))["built_on_torch"] is True


def test_torchs_own_layers_are_allowed_where_the_checks_compare_with_them(adapter, case):
    torch_layers = SimpleNamespace(ManualRNNCell=nn.RNNCell)
    answer = adapter.call(torch_layers, "ManualRNNCell", tuple(case["ManualRNNCell"].values()), own_layers_only=False)
    assert answer["built_on_torch"] is True and "weight_ih" in answer["grads"]


def test_the_reference_is_not_built_on_torchs_layers(adapter, rnn_torch_reference, case):
    for part in ("ManualRNNCell", "ManualRNN"):
        assert adapter.call(rnn_torch_reference.module, part, tuple(case[part].values()))["built_on_torch"] is False


def test_a_class_that_is_no_module_is_told_so(adapter, case):
    with pytest.raises(TypeError, match="must be a subclass of torch.nn.Module"):
        adapter.call(SimpleNamespace(ManualRNN=lambda *args: object()), "ManualRNN", tuple(case["ManualRNN"].values()))


def test_an_input_changed_in_place_is_named_by_position(adapter, case):
    def scale(model, head, seq, k):
        seq.mul_(2)
        return torch.zeros(k, dtype=seq.dtype)

    def reshape(model, x, h0):
        h0.unsqueeze_(0)
        return torch.zeros(x.shape[0], dtype=x.dtype)

    assert adapter.call(SimpleNamespace(predict_next=scale), "predict_next", tuple(case["predict_next"].values())
                        )["changed"] == (2,)
    assert adapter.call(SimpleNamespace(gradient_norms=reshape), "gradient_norms",
                        tuple(case["gradient_norms"].values()))["changed"] == (2,)


def test_a_cut_graph_shows_as_missing_gradients(adapter, case):
    args = tuple(case["rnn_cell"].values())
    whole = adapter.call(SimpleNamespace(rnn_cell=lambda x, h, W, U, b: torch.tanh(x @ W + h @ U + b)), "rnn_cell",
                         args)
    cut = adapter.call(SimpleNamespace(rnn_cell=lambda x, h, W, U, b: torch.tanh(x @ W.detach() + h @ U + b)),
                       "rnn_cell", args)
    assert sorted(whole["grads"]) == ["W_hh", "W_xh", "b_h", "h_prev", "x_t"]
    assert sorted(cut["grads"]) == ["W_hh", "b_h", "h_prev", "x_t"]


def test_histories_of_tensors_are_told_from_histories_of_floats(adapter, rnn_torch_reference, case):
    def tensors(*args):
        history = rnn_torch_reference.module.train(*args)
        return {"loss": [torch.tensor(v) for v in history["loss"]], "grad_norm": history["grad_norm"]}

    answer = adapter.call(SimpleNamespace(train=tensors), "train", tuple(case["train"].values()))
    assert answer["floats"] == {"loss": False, "grad_norm": True}


def test_the_adapter_imports_only_torch_numpy_and_the_standard_library(rnn_torch):
    tree = ast.parse((rnn_torch.folder / "adapter.py").read_text(encoding="utf-8"))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                 and node.module and node.level == 0}
    assert imported - set(sys.stdlib_module_names) - {"__future__"} == {"torch", "numpy"}
    assert not any(isinstance(node, ast.ImportFrom) and node.level for node in ast.walk(tree))
