"""The `rnn_torch` assignment's known mistakes, and inputs designed to tell them apart.

The parts are classes and procedures, so each wrong version is a whole wrong class or
training loop: grader.diagnosis puts it in place of the part's name in the reference, and the
adapter builds and runs it exactly as it runs the student's (a wrong class is given by a
factory taking the constructor's arguments). The classes below hold nn.RNNCell's or nn.RNN's
parameters and make one mistake in the step they take; the loops make one mistake in the
order of a training step.

The designed inputs are float64 with D = H (so that a weight used untransposed still
multiplies), every bias and state nonzero, N = T in the batch-first case (so that reading
the time axis from the wrong dimension still runs) and N ≠ T without h0 in the other; and the
first case again without biases, and with symmetric weights, where one mistake is invisible in
the values, so that two mistakes in one class are named together.

Instructor-side: the wrong versions reveal the right ones.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import torch
from torch import nn

from grader.diagnosis import Misconception

CUTS = ("all", "weights", "x", "h", "state")  # where a forward may leave the graph (.detach(), .data, torch.tensor)


def _parameters(module: nn.Module, D: int, H: int, suffix: str) -> None:
    for name, shape in ((f"weight_ih{suffix}", (H, D)), (f"weight_hh{suffix}", (H, H)), (f"bias_ih{suffix}", (H,)),
                        (f"bias_hh{suffix}", (H,))):
        setattr(module, name, nn.Parameter(torch.zeros(shape)))


def _step(x, h, params, transposed=(True, True), biases=(True, True), cut=()):
    """tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh), with the mistakes asked for."""
    w_ih, w_hh, b_ih, b_hh = (p.detach() if "weights" in cut else p for p in params)
    a = x @ (w_ih.T if transposed[0] else w_ih) + h @ (w_hh.T if transposed[1] else w_hh)
    return torch.tanh(a + (b_ih if biases[0] else 0) + (b_hh if biases[1] else 0))


def _detached(t):
    """A copy outside the graph, as torch.tensor(t.tolist()) makes it."""
    return torch.tensor(t.tolist(), dtype=t.dtype)


class WrongCell(nn.Module):
    """nn.RNNCell's parameters, and a step with one mistake."""

    def __init__(self, input_size, hidden_size, ignore_h=False, cut=(), **step):
        super().__init__()
        _parameters(self, input_size, hidden_size, "")
        self.hidden_size, self.ignore_h, self.cut, self.step = hidden_size, ignore_h, cut, step

    def forward(self, x, h=None):
        x = x.detach() if "x" in self.cut else x
        if h is None or self.ignore_h:
            h = x.new_zeros(x.shape[0], self.hidden_size)
        h = h.detach() if "h" in self.cut else h
        out = _step(x, h, (self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh), cut=self.cut, **self.step)
        return _detached(out) if "all" in self.cut else out


class WrongLayer(nn.Module):
    """nn.RNN's parameters, and a forward pass with one mistake."""

    def __init__(self, input_size, hidden_size, batch_first=True, layout=None, ignore_h=False, flat_h_n=False,
                 cut=(), **step):
        super().__init__()
        _parameters(self, input_size, hidden_size, "_l0")
        self.hidden_size, self.ignore_h, self.flat_h_n, self.cut, self.step = (hidden_size, ignore_h, flat_h_n, cut,
                                                                              step)
        self.batch_first = batch_first if layout is None else layout  # a fixed layout ignores the argument

    def forward(self, x, h0=None):
        x = x if self.batch_first else x.transpose(0, 1)
        x = x.detach() if "x" in self.cut else x
        h = x.new_zeros(x.shape[0], self.hidden_size) if h0 is None or self.ignore_h else h0[0]
        h = h.detach() if "h" in self.cut else h
        params = (self.weight_ih_l0, self.weight_hh_l0, self.bias_ih_l0, self.bias_hh_l0)
        states = []
        for t in range(x.shape[1]):
            h = _step(x[:, t], h.detach() if "state" in self.cut else h, params, cut=self.cut, **self.step)
            states.append(h)
        out = torch.stack(states, dim=1)
        out, h_n = (out if self.batch_first else out.transpose(0, 1)), (h if self.flat_h_n else h[None])
        return (_detached(out), _detached(h_n)) if "all" in self.cut else (out, h_n)


def wrong_rnn_cell(cut: tuple[str, ...]) -> Callable:
    def rnn_cell(ns, x_t, h_prev, W_xh, W_hh, b_h):
        W_xh, W_hh, b_h = (w.detach() if "weights" in cut else w for w in (W_xh, W_hh, b_h))
        x_t, h_prev = (x_t.detach() if "x" in cut else x_t), (h_prev.detach() if "h" in cut else h_prev)
        out = torch.tanh(x_t @ W_xh + h_prev @ W_hh + b_h)
        return _detached(out) if "all" in cut else out

    return rnn_cell


def cell(**mistake) -> Callable:
    return lambda ns, input_size, hidden_size: WrongCell(input_size, hidden_size, **mistake)


def layer(**mistake) -> Callable:
    return lambda ns, input_size, hidden_size, batch_first=True: WrongLayer(input_size, hidden_size, batch_first,
                                                                            **mistake)


UNTRANSPOSED = ((False, True), (True, False), (False, False))
ONE_BIAS = ((True, False), (False, True))


def _norm(params) -> torch.Tensor:
    return torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(p.grad) for p in params]))


def wrong_train(zero_grad=True, clip="after_backward", norm_after_clipping=None, floats=(True, True)) -> Callable:
    """A training loop with the mistakes asked for: no zeroing, clipping elsewhere (before backward, after
    the step), the norm of the clipped gradients recorded (measured, or returned by clipping them once
    more), tensors recorded instead of floats."""

    def train(ns, model, head, seqs, steps, lr, max_norm):
        params = list(model.parameters()) + list(head.parameters())
        inputs, targets = seqs[:, :-1, None], seqs[:, 1:, None]
        history = {"loss": [], "grad_norm": []}
        for _ in range(steps):
            if zero_grad:
                for p in params:
                    p.grad = None
            out, _ = model(inputs)
            loss = torch.nn.functional.mse_loss(head(out), targets)
            if clip == "before_backward":
                norm = torch.nn.utils.clip_grad_norm_(params, max_norm)
            loss.backward()
            if clip == "after_backward":
                norm = torch.nn.utils.clip_grad_norm_(params, max_norm)
            if norm_after_clipping == "measured":
                norm = _norm(params)
            elif norm_after_clipping == "clipped_again":
                norm = torch.nn.utils.clip_grad_norm_(params, max_norm)
            with torch.no_grad():
                for p in params:
                    p -= lr * p.grad
            if clip == "after_step":
                norm = torch.nn.utils.clip_grad_norm_(params, max_norm)
            history["loss"].append(loss.item() if floats[0] else loss.detach())
            history["grad_norm"].append(norm.item() if floats[1] else norm)
        return history

    return train


def wrong_predict_next(state: str) -> Callable:
    """Predictions fed back without the state that reached them: from zeros ("none"), or always from the
    state after the given sequence ("stale")."""

    def predict_next(ns, model, head, seq, k):
        with torch.no_grad():
            out, after_seq = model(seq.reshape(1, -1, 1))
            predictions = [head(out[:, -1])]
            while len(predictions) < k:
                out, _ = model(predictions[-1].reshape(1, 1, 1), None if state == "none" else after_seq)
                predictions.append(head(out[:, -1]))
            return torch.cat(predictions).reshape(k)

    return predict_next


CATALOG: tuple[Misconception, ...] = (
    Misconception("weight-not-transposed", "ManualRNNCell", tuple(cell(transposed=t) for t in UNTRANSPOSED)),
    Misconception("weight-not-transposed", "ManualRNN", tuple(layer(transposed=t) for t in UNTRANSPOSED)),
    Misconception("single-bias", "ManualRNNCell", tuple(cell(biases=b) for b in ONE_BIAS)),
    Misconception("single-bias", "ManualRNN", tuple(layer(biases=b) for b in ONE_BIAS)),
    Misconception("batch-first-ignored", "ManualRNN", (layer(layout=True), layer(layout=False))),
    Misconception("h-n-shape", "ManualRNN", (layer(flat_h_n=True),)),
    Misconception("h0-ignored", "ManualRNNCell", (cell(ignore_h=True),)),
    Misconception("h0-ignored", "ManualRNN", (layer(ignore_h=True),)),
    Misconception("graph-broken", "rnn_cell", tuple(wrong_rnn_cell((c,)) for c in CUTS[:4])),
    Misconception("graph-broken", "ManualRNNCell", tuple(cell(cut=(c,)) for c in CUTS[:4])),
    Misconception("graph-broken", "ManualRNN", tuple(layer(cut=(c,)) for c in CUTS)),
    Misconception("missing-zero-grad", "train", (wrong_train(zero_grad=False),)),
    Misconception("clip-before-backward", "train", (wrong_train(clip="before_backward"),)),
    Misconception("clip-after-step", "train", (wrong_train(clip="after_step"),)),
    Misconception("returns-clipped-norm", "train",
                  tuple(wrong_train(norm_after_clipping=how) for how in ("measured", "clipped_again"))),
    Misconception("loss-not-float", "train",
                  tuple(wrong_train(floats=f) for f in ((False, True), (True, False), (False, False)))),
    Misconception("state-not-carried", "predict_next", (wrong_predict_next("none"), wrong_predict_next("stale"))),
)


# --- designed inputs ------------------------------------------------------------------------------------

def _grid(seed: int, shape: tuple[int, ...], scale: float = 1.0) -> np.ndarray:
    """Entries k·scale/10 for k in −10..10, none of them 0 (so no bias or state entry vanishes)."""
    values = np.random.default_rng(seed).integers(1, 11, size=shape) * np.random.default_rng(seed + 1).choice(
        [-1, 1], size=shape)
    return values.astype(np.float64) * scale / 10


def _state(seed: int, D: int, H: int, suffix: str) -> dict[str, np.ndarray]:
    return {f"weight_ih{suffix}": _grid(seed, (H, D), 0.6), f"weight_hh{suffix}": _grid(seed + 2, (H, H), 0.6),
            f"bias_ih{suffix}": _grid(seed + 4, (H,), 0.5), f"bias_hh{suffix}": _grid(seed + 6, (H,), 0.5)}


def _without_biases(state: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """No bias: leaving one out changes no value (only its own gradient), so the other mistakes show alone."""
    return {k: np.zeros_like(v) if k.startswith("bias") else v for k, v in state.items()}


def _symmetric(state: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Symmetric weights: an untransposed weight changes no value (only the weights' gradients)."""
    return {k: (v + v.T) / 2 if k.startswith("weight") else v for k, v in state.items()}


def _designed_cases() -> dict[str, list[dict[str, Any]]]:
    D = H = 4
    cell_state, layer_state = _state(10, D, H, ""), _state(20, D, H, "_l0")
    cell = {"x": _grid(13, (3, D)), "h": _grid(15, (3, H)), "dh": _grid(17, (3, H), 2.0)}
    layer = {"x": _grid(23, (3, 3, D)), "h0": _grid(25, (1, 3, H)), "batch_first": True,
             "d_out": _grid(27, (3, 3, H), 2.0), "d_h_n": _grid(29, (1, 3, H), 2.0)}
    model, head = _state(30, 1, 3, "_l0"), {"weight": _grid(40, (1, 3)), "bias": _grid(42, (1,), 0.5)}
    return {
        "rnn_cell": [{"x_t": _grid(1, (2, 3)), "h_prev": _grid(3, (2, H)), "W_xh": _grid(5, (3, H), 0.6),
                      "W_hh": _grid(7, (H, H), 0.6), "b_h": _grid(9, (H,), 0.5), "dh_t": _grid(11, (2, H), 2.0)}],
        "ManualRNNCell": [{"state": cell_state, **cell},
                          {"state": cell_state, "x": _grid(19, (2, D)), "h": None, "dh": _grid(21, (2, H), 2.0)},
                          {"state": _without_biases(cell_state), **cell}, {"state": _symmetric(cell_state), **cell}],
        "ManualRNN": [{"state": layer_state, **layer},
                      {"state": layer_state, "x": _grid(31, (5, 2, D)), "h0": None, "batch_first": False,
                       "d_out": _grid(33, (5, 2, H), 2.0), "d_h_n": _grid(35, (1, 2, H), 2.0)},
                      {"state": _without_biases(layer_state), **layer}, {"state": _symmetric(layer_state), **layer}],
        "train": [{"model": model, "head": head, "seqs": _grid(37, (2, 5)), "steps": 3, "lr": 0.5,
                   "max_norm": 0.1}],
        "predict_next": [{"model": model, "head": head, "seq": _grid(39, (4,)), "k": 4}],
        "gradient_norms": [{"model": _state(50, 2, 3, "_l0"), "x": _grid(43, (5, 2)), "h0": _grid(45, (3,))}],
    }


DESIGNED = _designed_cases()
