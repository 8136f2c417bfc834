"""The catalog of known mistakes, and the inputs designed to tell them apart.

Every mistake is defined once, as a wrong version of one assignment function.  The designed
inputs have dimensions all different, a non-symmetric W_hh, nonzero h0 and biases, T ≥ 3,
logits near ±1000, gradient norms above and below max_norm; and some inputs on which one
mistake is invisible (no bias, no state, no recurrent weight), so that two mistakes in one
function can be named together.  `rnn-grader generate` stores what the right and each wrong
version answer on them (grader.diagnosis_data); the grader names mistakes from that file.

Instructor-side: the wrong versions reveal the right ones, so this module lives in the
assignment's instructor folder.
"""
from __future__ import annotations

from types import SimpleNamespace
from typing import Callable

import numpy as np

from grader.checks.framework import Case
from grader.diagnosis import NON_FINITE, Misconception
from rnn_grader_assignments.rnn.checks import strategies as S


# --- the wrong versions -------------------------------------------------------------------------

def _pre(x_t, h_prev, W_xh, W_hh, b_h):
    return x_t @ W_xh + h_prev @ W_hh + b_h


def _unroll_from(ns, x, start, W_xh, W_hh, b_h, carry: bool):
    states, h = [], start
    for t in range(x.shape[1]):
        h = ns.rnn_cell_forward(x[:, t], h if carry else start, W_xh, W_hh, b_h)
        states.append(h)
    return np.stack(states, axis=1)


def _bptt(ns, dh, x, h0, h, W_xh, W_hh, order, carry: bool, accumulate: bool):
    dx, dnext = np.zeros(x.shape), np.zeros(h0.shape)
    sums = [np.zeros(W_xh.shape), np.zeros(W_hh.shape), np.zeros(W_hh.shape[0])]
    for t in order(x.shape[1]):
        h_prev = h[:, t - 1] if t > 0 else h0
        upstream = dh[:, t] + dnext if carry else dh[:, t]
        dx[:, t], dnext, *step = ns.rnn_cell_backward(upstream, x[:, t], h_prev, h[:, t], W_xh, W_hh)
        sums = [s + g for s, g in zip(sums, step)] if accumulate else step
    return (dx, dnext, *sums)


def _cell_backward(dh_t, x_t, h_prev, W_xh, W_hh, local):
    da = dh_t * local
    return da @ W_xh.T, da @ W_hh.T, x_t.T @ da, h_prev.T @ da, da.sum(axis=0)


def _cross_entropy(y, targets, shift: bool, divide_by: Callable[[int, int], int]):
    N, T, _ = y.shape
    z = y - y.max(axis=-1, keepdims=True) if shift else y
    p = np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)
    picked = np.take_along_axis(p, targets[..., None], axis=-1)[..., 0]
    dy = p.copy()
    np.put_along_axis(dy, targets[..., None], np.take_along_axis(dy, targets[..., None], -1) - 1, -1)
    return float(-np.log(picked).sum() / divide_by(N, T)), dy / divide_by(N, T)


def _jacobian_norms(ns, x, h0, W_xh, W_hh, b_h, transpose: bool):
    h = ns.rnn_forward(x[None], h0[None], W_xh, W_hh, b_h)[0]
    g, jac = np.zeros(x.shape[0]), np.eye(W_hh.shape[0])
    for k in range(x.shape[0] - 1, -1, -1):
        jac = jac @ np.diag(1 - h[k] ** 2) @ (W_hh.T if transpose else W_hh)
        g[k] = np.linalg.norm(jac)
    return g


CATALOG: tuple[Misconception, ...] = (
    Misconception("missing-tanh", "rnn_cell_forward", (lambda ns, *a: _pre(*a),)),
    Misconception("relu-instead-of-tanh", "rnn_cell_forward", (lambda ns, *a: np.maximum(_pre(*a), 0.0),)),
    Misconception("missing-bias", "rnn_cell_forward",
                  (lambda ns, x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh),)),
    Misconception("bias-outside-tanh", "rnn_cell_forward",
                  (lambda ns, x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh) + b,)),
    Misconception("transposed-recurrent-weight", "rnn_cell_forward",
                  (lambda ns, x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh.T + b),)),
    Misconception("forward-ignores-previous-state", "rnn_forward",
                  (lambda ns, x, h0, *w: _unroll_from(ns, x, h0, *w, carry=False),)),
    Misconception("forward-ignores-h0", "rnn_forward",
                  (lambda ns, x, h0, *w: _unroll_from(ns, x, np.zeros_like(h0), *w, carry=True),)),
    Misconception("output-missing-bias", "rnn_output", (lambda ns, h, W, b: h @ W,)),
    Misconception("missing-tanh-derivative", "rnn_cell_backward",
                  (lambda ns, dh, x, hp, h, Wx, Wh: _cell_backward(dh, x, hp, Wx, Wh, 1.0),)),
    Misconception("tanh-derivative-applied-twice", "rnn_cell_backward",
                  (lambda ns, dh, x, hp, h, Wx, Wh: _cell_backward(dh, x, hp, Wx, Wh, 1 - np.tanh(h) ** 2),)),
    Misconception("bptt-no-accumulation", "rnn_backward", (
        lambda ns, *a: _bptt(ns, *a, order=lambda T: reversed(range(T)), carry=True, accumulate=False),
        lambda ns, *a: _bptt(ns, *a, order=range, carry=True, accumulate=False))),
    Misconception("bptt-no-carry", "rnn_backward",
                  (lambda ns, *a: _bptt(ns, *a, order=lambda T: reversed(range(T)), carry=False, accumulate=True),)),
    Misconception("bptt-forward-loop", "rnn_backward",
                  (lambda ns, *a: _bptt(ns, *a, order=range, carry=True, accumulate=True),)),
    # overflow is known by inf or nan (any kind, wherever) on logits near 1000, right on ordinary
    # ones: the value mistakes show on those, so a loss that has both is diagnosed with both
    Misconception("loss-not-averaged-over-batch", "sequence_cross_entropy",
                  (lambda ns, y, t: _cross_entropy(y, t, True, lambda N, T: 1),)),
    Misconception("loss-mean-over-time", "sequence_cross_entropy",
                  (lambda ns, y, t: _cross_entropy(y, t, True, lambda N, T: N * T),)),
    Misconception("softmax-overflow", "sequence_cross_entropy",
                  (lambda ns, y, t: _cross_entropy(y, t, False, lambda N, T: N),), shows=NON_FINITE),
    Misconception("clip-per-tensor", "clip_grad_norm", (
        lambda ns, grads, m: ({k: g * min(1.0, m / (S.global_norm({k: g}) + 1e-6)) for k, g in grads.items()},
                              S.global_norm(grads)),)),
    Misconception("clip-always-rescales", "clip_grad_norm", (
        lambda ns, grads, m: ({k: g * (m / (S.global_norm(grads) + 1e-6)) for k, g in grads.items()},
                              S.global_norm(grads)),)),
    Misconception("clip-by-value-instead-of-norm", "clip_grad_norm", (
        lambda ns, grads, m: ({k: np.clip(g, -m, m) for k, g in grads.items()}, S.global_norm(grads)),)),
    Misconception("jacobian-wrong-convention", "gradient_norms_through_time",
                  (lambda ns, *a: _jacobian_norms(ns, *a, transpose=False),)),
)


# --- designed inputs ------------------------------------------------------------------------------

def _weights(D: int = 3, H: int = 4) -> dict[str, np.ndarray]:
    W_hh = S.grid_values(3, (H, H), 1.0)
    W_hh[0, 1], W_hh[1, 0] = 0.9, -0.4  # never symmetric
    return {"W_xh": S.grid_values(2, (D, H), 1.0), "W_hh": W_hh, "b_h": S.grid_values(4, (H,), 0.5) + 0.3}


_TANH_CELL = SimpleNamespace(rnn_cell_forward=lambda *a: np.tanh(_pre(*a)))
"""The assignment's cell, instructor-side only (the student bundle ships no forward pass)."""


def _designed_cases() -> dict[str, list[Case]]:
    N, T, D, H, O = 2, 3, 3, 4, 3
    w = _weights(D, H)
    x, h0 = S.grid_values(1, (N, T, D), 2.0), S.grid_values(5, (N, H), 1.0)
    h = _unroll_from(_TANH_CELL, x, h0, **w, carry=True)  # the backward inputs' states are the forward's
    dh = S.grid_values(6, (N, T, H), 2.0)
    y = S.grid_values(7, (N, T, O), 3.0)
    targets = np.array([[0, 2, 1], [1, 1, 0]], dtype=np.int64)
    grads = {"W_xh": S.grid_values(8, (D, H), 3.0), "W_hh": S.grid_values(9, (H, H), 0.5),
             "b_h": S.grid_values(10, (H,), 2.0)}
    total = S.global_norm(grads)
    params = {**w, "W_hy": S.grid_values(11, (H, O), 2.0), "b_y": S.grid_values(12, (O,), 1.0)}
    still = {**w, "W_hh": np.zeros_like(w["W_hh"])}  # no gradient reaches an earlier step: carrying is invisible
    h_still = _unroll_from(_TANH_CELL, x, h0, **still, carry=True)
    return {
        # a bias left out or added outside is invisible without a bias, a transposed W_hh without a state
        "rnn_cell_forward": [{"x_t": x[:, 0], "h_prev": h0, **w},
                             {"x_t": x[:, 0], "h_prev": h0, **w, "b_h": np.zeros_like(w["b_h"])},
                             {"x_t": x[:, 0], "h_prev": np.zeros_like(h0), **w}],
        "rnn_forward": [{"x": x, "h0": h0, **w}],
        "rnn_output": [{"h": h, "W_hy": params["W_hy"], "b_y": params["b_y"]}],
        "rnn_cell_backward": [{"dh_t": dh[:, 1], "x_t": x[:, 1], "h_prev": h[:, 0], "h_t": h[:, 1],
                               "W_xh": w["W_xh"], "W_hh": w["W_hh"]}],
        "rnn_backward": [{"dh": dh, "x": x, "h0": h0, "h": h, "W_xh": w["W_xh"], "W_hh": w["W_hh"]},
                         {"dh": dh, "x": x, "h0": h0, "h": h_still, "W_xh": w["W_xh"], "W_hh": still["W_hh"]}],
        "sequence_cross_entropy": [{"y": y, "targets": targets}, {"y": y + 1000.0, "targets": targets}],
        "clip_grad_norm": [{"grads": grads, "max_norm": round(total / 3, 3)},
                           {"grads": grads, "max_norm": round(total * 2, 3)}],
        "clip_grad_value": [{"grads": grads, "clip_value": 0.5}],
        "rnn_loss_and_grads": [{"params": params, "x": x, "h0": h0, "targets": targets}],
        "gradient_norms_through_time": [{"x": S.grid_values(13, (5, D), 2.0), "h0": h0[0], **w}],
    }


DESIGNED = _designed_cases()
