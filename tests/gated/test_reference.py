"""The reference solution of `gated` is PyTorch's LSTM and GRU (weights mapped as the contract
says: W_x = weight_ih.T, W_h = weight_hh.T, LSTM b = bias_ih + bias_hh), and every gradient it
returns agrees with central finite differences, entry by entry."""
from __future__ import annotations

import numpy as np
import pytest
import torch

SIZES = [(1, 1, 1), (3, 2, 4), (2, 5, 3)]  # (N, D, H)
T = 4


def _tensor(rng, *shape):
    return torch.tensor(rng.standard_normal(shape), dtype=torch.float64, requires_grad=True)


def _numpy(*tensors):
    return tuple(t.detach().numpy().copy() for t in tensors)


def _lstm_weights(module, suffix=""):
    weight_ih, weight_hh = getattr(module, "weight_ih" + suffix), getattr(module, "weight_hh" + suffix)
    bias = getattr(module, "bias_ih" + suffix) + getattr(module, "bias_hh" + suffix)
    return weight_ih.detach().numpy().T, weight_hh.detach().numpy().T, bias.detach().numpy()


def _weight_grads(module, suffix=""):
    """Gradients on torch's parameters in the assignment's row convention (bias_ih's = bias_hh's)."""
    return (getattr(module, "weight_ih" + suffix).grad.numpy().T, getattr(module, "weight_hh" + suffix).grad.numpy().T,
            getattr(module, "bias_ih" + suffix).grad.numpy())


def _close(got, expected):
    for g, e in zip(got, expected, strict=True):
        assert g.dtype == np.float64 and g.shape == e.shape
        np.testing.assert_allclose(g, e, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("N,D,H", SIZES)
def test_lstm_cell_is_torchs(gated_reference, N, D, H):
    torch.manual_seed(N * 100 + D * 10 + H)
    rng = np.random.default_rng(H)
    cell = torch.nn.LSTMCell(D, H).double()
    x, h, c, dh, dc = (_tensor(rng, N, n) for n in (D, H, H, H, H))
    h_t, c_t = cell(x, (h, c))
    (h_t * dh).sum().add((c_t * dc).sum()).backward()
    args = _numpy(x, h, c) + _lstm_weights(cell)
    _close(gated_reference.lstm_cell_forward(*args), _numpy(h_t, c_t))
    _close(gated_reference.lstm_cell_backward(*_numpy(dh, dc), *args),
           (x.grad.numpy(), h.grad.numpy(), c.grad.numpy(), *_weight_grads(cell)))
    assert np.array_equal(cell.bias_ih.grad.numpy(), cell.bias_hh.grad.numpy())


@pytest.mark.parametrize("N,D,H", SIZES)
def test_lstm_over_a_sequence_is_torchs(gated_reference, N, D, H):
    torch.manual_seed(N + D + H)
    rng = np.random.default_rng(N)
    lstm = torch.nn.LSTM(D, H, batch_first=True).double()
    x, dh = _tensor(rng, N, T, D), _tensor(rng, N, T, H)
    h0, c0 = _tensor(rng, N, H), _tensor(rng, N, H)
    out, (h_n, c_n) = lstm(x, (h0[None], c0[None]))
    (out * dh).sum().backward()
    args = _numpy(x, h0, c0) + _lstm_weights(lstm, "_l0")
    h, c = gated_reference.lstm_forward(*args)
    _close((h, c[:, -1]), _numpy(out, c_n[0]))
    _close(gated_reference.lstm_backward(*_numpy(dh), *args),
           (x.grad.numpy(), h0.grad.numpy(), c0.grad.numpy(), *_weight_grads(lstm, "_l0")))


@pytest.mark.parametrize("N,D,H", SIZES)
def test_gru_cell_is_torchs(gated_reference, N, D, H):
    torch.manual_seed(N * 7 + D * 3 + H)
    rng = np.random.default_rng(D)
    cell = torch.nn.GRUCell(D, H).double()
    x, h, dh = _tensor(rng, N, D), _tensor(rng, N, H), _tensor(rng, N, H)
    h_t = cell(x, h)
    (h_t * dh).sum().backward()
    args = _numpy(x, h) + (cell.weight_ih.detach().numpy().T, cell.weight_hh.detach().numpy().T,
                           *_numpy(cell.bias_ih, cell.bias_hh))
    _close((gated_reference.gru_cell_forward(*args),), _numpy(h_t))
    _close(gated_reference.gru_cell_backward(*_numpy(dh), *args),
           (x.grad.numpy(), h.grad.numpy(), cell.weight_ih.grad.numpy().T, cell.weight_hh.grad.numpy().T,
            cell.bias_ih.grad.numpy(), cell.bias_hh.grad.numpy()))


def _numeric_gradient(objective, arrays, index, eps=1e-6):
    """∂objective/∂arrays[index], every entry by central differences."""
    grad = np.zeros_like(arrays[index])
    for position in np.ndindex(grad.shape):
        shifted = []
        for sign in (1, -1):
            moved = [a.copy() for a in arrays]
            moved[index][position] += sign * eps
            shifted.append(objective(moved))
        grad[position] = (shifted[0] - shifted[1]) / (2 * eps)
    return grad


def _random(rng, shapes):
    return [rng.standard_normal(shape) for shape in shapes]


CASES = {  # backward → (forward, upstream shapes, argument shapes), with N=2, D=3, H=2, T=3
    "lstm_cell_backward": ("lstm_cell_forward", [(2, 2), (2, 2)], [(2, 3), (2, 2), (2, 2), (3, 8), (2, 8), (8,)]),
    "lstm_backward": ("lstm_forward", [(2, 3, 2)], [(2, 3, 3), (2, 2), (2, 2), (3, 8), (2, 8), (8,)]),
    "gru_cell_backward": ("gru_cell_forward", [(2, 2)], [(2, 3), (2, 2), (3, 6), (2, 6), (6,), (6,)]),
}


@pytest.mark.parametrize("backward", sorted(CASES))
def test_every_backward_output_matches_central_differences(gated_reference, backward):
    forward, upstream_shapes, shapes = CASES[backward]
    rng = np.random.default_rng(len(backward))
    upstream, args = _random(rng, upstream_shapes), _random(rng, shapes)

    def objective(arrays):
        outputs = getattr(gated_reference, forward)(*arrays)
        outputs = outputs if isinstance(outputs, tuple) else (outputs,)
        return sum(float(np.sum(u * o)) for u, o in zip(upstream, outputs))

    grads = getattr(gated_reference, backward)(*upstream, *args)
    assert len(grads) == len(args)
    for index, grad in enumerate(grads):
        np.testing.assert_allclose(grad, _numeric_gradient(objective, args, index), rtol=1e-6, atol=1e-8,
                                   err_msg=f"{backward} output {index}")
