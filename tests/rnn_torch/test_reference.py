"""The reference solution of `rnn_torch` against independent oracles: torch's own nn.RNNCell and
nn.RNN with copied state dicts (outputs and every autograd gradient, float32 and float64, both
layouts, N = 1, T = 1, h0 None), torch.optim.SGD for the training loop, torch's Jacobian of the
whole unrolled layer and the numpy `rnn` reference for the gradient norms."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from grader.reference import load_reference
from tests.conftest import ROOT, module_from_source
from tests.rnn_torch.conftest import REFERENCE

SIZES = [(1, 1, 1, 1), (2, 5, 4, 3), (3, 2, 3, 3)]  # (N, T, D, H): N = 1 and T = 1, D ≠ H, D = H
DTYPES = [torch.float32, torch.float64]


@pytest.fixture(scope="module")
def solution():
    """The reference module itself (its classes), not the adapted view the checks use."""
    return module_from_source(REFERENCE.read_text(encoding="utf-8"), str(REFERENCE))


def _leaf(rng, dtype, *shape):
    return torch.tensor(rng.standard_normal(shape), dtype=dtype, requires_grad=True)


def _same(got, expected, dtype):
    assert got.dtype == expected.dtype == dtype and got.shape == expected.shape
    torch.testing.assert_close(got, expected, rtol=1e-5 if dtype == torch.float32 else 1e-12,
                               atol=1e-6 if dtype == torch.float32 else 1e-13)


def _twin(torch_module, own_class, *args):
    """The student's class loaded with a strict copy of torch's module's state dict, in its dtype."""
    own = own_class(*args).to(next(torch_module.parameters()).dtype)
    own.load_state_dict(torch_module.state_dict(), strict=True)
    return own


@pytest.mark.parametrize("N,T,D,H", SIZES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("given_h", [True, False])
def test_the_cell_is_nn_rnncell(solution, N, T, D, H, dtype, given_h):
    rng = np.random.default_rng(N + D + H)
    torch_cell = nn.RNNCell(D, H).to(dtype)
    own = _twin(torch_cell, solution.ManualRNNCell, D, H)
    assert [(n, p.shape) for n, p in own.named_parameters()] == [(n, p.shape) for n, p in torch_cell.named_parameters()]
    x, h, dh = _leaf(rng, dtype, N, D), _leaf(rng, dtype, N, H), _leaf(rng, dtype, N, H)
    results = []
    for module in (torch_cell, own):
        out = module(x, h) if given_h else module(x)
        grads = torch.autograd.grad((out * dh).sum(), [x, *([h] if given_h else []), *module.parameters()])
        results.append((out, grads))
    (expected, expected_grads), (got, got_grads) = results
    _same(got, expected, dtype)
    for g, e in zip(got_grads, expected_grads, strict=True):
        _same(g, e, dtype)


@pytest.mark.parametrize("N,T,D,H", SIZES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("batch_first", [True, False])
@pytest.mark.parametrize("given_h0", [True, False])
def test_the_layer_is_nn_rnn(solution, N, T, D, H, dtype, batch_first, given_h0):
    rng = np.random.default_rng(T * 10 + H)
    torch_rnn = nn.RNN(D, H, batch_first=batch_first).to(dtype)
    own = _twin(torch_rnn, solution.ManualRNN, D, H, batch_first)
    layout = (N, T) if batch_first else (T, N)
    x, h0 = _leaf(rng, dtype, *layout, D), _leaf(rng, dtype, 1, N, H)
    d_out, d_h_n = _leaf(rng, dtype, *layout, H), _leaf(rng, dtype, 1, N, H)
    results = []
    for module in (torch_rnn, own):
        out, h_n = module(x, h0) if given_h0 else module(x)
        loss = (out * d_out).sum() + (h_n * d_h_n).sum()
        results.append((out, h_n, torch.autograd.grad(loss, [x, *([h0] if given_h0 else []), *module.parameters()])))
    for got, expected in zip(results[1][:2], results[0][:2]):
        _same(got, expected, dtype)
    for got, expected in zip(results[1][2], results[0][2], strict=True):
        _same(got, expected, dtype)


def test_the_rnn_cell_function_is_the_cells_step(solution):
    rng = np.random.default_rng(0)
    cell = nn.RNNCell(3, 4).double()
    x, h = _leaf(rng, torch.float64, 2, 3), _leaf(rng, torch.float64, 2, 4)
    b_h = cell.bias_ih + cell.bias_hh
    _same(solution.rnn_cell(x, h, cell.weight_ih.T, cell.weight_hh.T, b_h), cell(x, h), torch.float64)


def _model_and_head(H=3, seed=0, dtype=torch.float64):
    torch.manual_seed(seed)
    return nn.RNN(1, H, batch_first=True).to(dtype), nn.Linear(H, 1).to(dtype)


def _sgd_with_clipping(model, head, seqs, steps, lr, max_norm):
    """The same loop written with torch.optim.SGD: an independent oracle for `train`."""
    params = [*model.parameters(), *head.parameters()]
    optimiser = torch.optim.SGD(params, lr=lr)
    history = {"loss": [], "grad_norm": []}
    for _ in range(steps):
        optimiser.zero_grad()
        out, _ = model(seqs[:, :-1, None])
        loss = ((head(out) - seqs[:, 1:, None]) ** 2).mean()
        loss.backward()
        history["grad_norm"].append(float(nn.utils.clip_grad_norm_(params, max_norm)))
        optimiser.step()
        history["loss"].append(loss.item())
    return history


@pytest.mark.parametrize("max_norm", [0.05, 100.0])
def test_train_is_sgd_with_clip_grad_norm(solution, max_norm):
    seqs = torch.tensor(np.random.default_rng(1).standard_normal((3, 6)))
    (model, head), (twin, twin_head) = _model_and_head(), _model_and_head()
    history = solution.train(model, head, seqs, 5, 0.3, max_norm)
    expected = _sgd_with_clipping(twin, twin_head, seqs, 5, 0.3, max_norm)
    assert all(type(v) is float for key in history for v in history[key])
    np.testing.assert_allclose(history["loss"], expected["loss"], rtol=1e-12)
    np.testing.assert_allclose(history["grad_norm"], expected["grad_norm"], rtol=1e-12)
    for p, q in zip([*model.parameters(), *head.parameters()], [*twin.parameters(), *twin_head.parameters()]):
        torch.testing.assert_close(p, q, rtol=1e-12, atol=1e-14)


def test_train_really_clips(solution):
    seqs = torch.tensor(np.random.default_rng(2).standard_normal((2, 5)))
    model, head = _model_and_head(H=4, seed=3)
    lr, max_norm = 0.5, 1e-3
    for _ in range(3):
        before = torch.cat([p.detach().flatten().clone() for p in [*model.parameters(), *head.parameters()]])
        norm = solution.train(model, head, seqs, 1, lr, max_norm)["grad_norm"][0]
        after = torch.cat([p.detach().flatten() for p in [*model.parameters(), *head.parameters()]])
        assert norm > max_norm  # the recorded norm is the one before clipping
        assert float(torch.linalg.vector_norm(after - before)) <= lr * max_norm * (1 + 1e-9)


def test_train_learns_the_counting_sequence(rnn_torch):
    from rnn_grader_assignments.rnn_torch.checks.training import COUNTING_THRESHOLD, counting_case

    case = counting_case()
    history = load_reference(rnn_torch).train(*case.values())["history"]
    assert history["loss"][0] > 20 * COUNTING_THRESHOLD > 20 * history["loss"][-1]


def test_predict_next_carries_the_state_and_records_no_graph(solution):
    model, head = _model_and_head(H=4, seed=5)
    seq = torch.tensor([0.1, 0.2, 0.3, 0.4], dtype=torch.float64)
    predictions = solution.predict_next(model, head, seq, 3)
    assert predictions.shape == (3,) and predictions.dtype == torch.float64 and not predictions.requires_grad
    expected, inputs = [], seq.reshape(1, -1, 1)
    with torch.no_grad():
        for _ in range(3):  # without carrying anything: run the whole, growing sequence again from zeros
            out, _ = model(inputs)
            expected.append(head(out[:, -1]).reshape(()))
            inputs = torch.cat([inputs, expected[-1].reshape(1, 1, 1)], dim=1)
    torch.testing.assert_close(predictions, torch.stack(expected), rtol=1e-12, atol=1e-14)


def _numpy_rnn():
    path = ROOT / "solutions" / "rnn" / "rnn.py"
    return module_from_source(path.read_text(encoding="utf-8"), str(path))


@pytest.mark.parametrize("T,D,H", [(1, 1, 1), (6, 2, 3), (4, 3, 5)])
def test_gradient_norms_agree_with_the_numpy_assignment_and_torchs_jacobian(solution, T, D, H):
    torch.manual_seed(T + D + H)
    model = nn.RNN(D, H, batch_first=True).double()
    with torch.no_grad():
        model.weight_hh_l0.mul_(3.0)  # gain above 1: far-back norms are not all tiny
    rng = np.random.default_rng(T)
    x, h0 = torch.tensor(rng.standard_normal((T, D))), torch.tensor(rng.standard_normal(H))
    g = solution.gradient_norms(model, x, h0)
    assert g.shape == (T,) and g.dtype == torch.float64 and not g.requires_grad
    weights = {name: p.detach().numpy() for name, p in model.named_parameters()}
    numpy_g = _numpy_rnn().gradient_norms_through_time(x.numpy(), h0.numpy(), weights["weight_ih_l0"].T,
                                                       weights["weight_hh_l0"].T,
                                                       weights["bias_ih_l0"] + weights["bias_hh_l0"])
    np.testing.assert_allclose(g.numpy(), numpy_g, rtol=1e-10)
    states = [h0]
    with torch.no_grad():
        for t in range(T - 1):
            states.append(model(x[None, t:t + 1], states[-1].reshape(1, 1, H))[1].reshape(H))
    for k in range(T):  # ∂h_T/∂h_k of the rest of the sequence, in one Jacobian
        jacobian = torch.autograd.functional.jacobian(
            lambda h, k=k: model(x[None, k:], h.reshape(1, 1, H))[1].reshape(H), states[k])
        assert float(g[k]) == pytest.approx(float(torch.linalg.norm(jacobian)), rel=1e-10)
