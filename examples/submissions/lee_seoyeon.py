"""RNN assignment - Lee Seoyeon (이서연)"""
import numpy as np


def rnn_cell_forward(x_t, h_prev, W_xh, W_hh, b_h):
    return np.tanh(x_t @ W_xh + h_prev @ W_hh + b_h)


def rnn_forward(x, h0, W_xh, W_hh, b_h):
    N, T, _ = x.shape
    states = []
    h = h0
    for t in range(T):
        h = rnn_cell_forward(x[:, t], h, W_xh, W_hh, b_h)
        states.append(h)
    return np.stack(states, axis=1)


def rnn_output(h, W_hy, b_y):
    return np.einsum("nth,ho->nto", h, W_hy) + b_y


def rnn_cell_backward(dh_t, x_t, h_prev, h_t, W_xh, W_hh):
    # chain rule: h_t = x_t W_xh + h_prev W_hh + b_h
    dx_t = dh_t @ W_xh.T
    dh_prev = dh_t @ W_hh.T
    dW_xh = x_t.T @ dh_t
    dW_hh = h_prev.T @ dh_t
    db_h = dh_t.sum(axis=0)
    return dx_t, dh_prev, dW_xh, dW_hh, db_h


def rnn_backward(dh, x, h0, h, W_xh, W_hh):
    N, T, D = x.shape
    dx = np.zeros_like(x)
    dW_xh = np.zeros_like(W_xh)
    dW_hh = np.zeros_like(W_hh)
    db_h = np.zeros(W_hh.shape[0])
    carry = np.zeros_like(h0)
    for t in reversed(range(T)):
        prev = h0 if t == 0 else h[:, t - 1]
        dx[:, t], carry, a, b, c = rnn_cell_backward(dh[:, t] + carry, x[:, t], prev, h[:, t], W_xh, W_hh)
        dW_xh += a
        dW_hh += b
        db_h += c
    return dx, carry, dW_xh, dW_hh, db_h


def sequence_cross_entropy(y, targets):
    N = y.shape[0]
    shifted = y - y.max(axis=2, keepdims=True)
    logp = shifted - np.log(np.exp(shifted).sum(axis=2, keepdims=True))
    picked = np.take_along_axis(logp, targets[:, :, None], axis=2)
    loss = -picked.sum() / N
    dy = np.exp(logp)
    np.put_along_axis(dy, targets[:, :, None], np.take_along_axis(dy, targets[:, :, None], axis=2) - 1, axis=2)
    return float(loss), dy / N


def clip_grad_norm(grads, max_norm):
    total_norm = float(np.sqrt(sum((g ** 2).sum() for g in grads.values())))
    scale = min(1.0, max_norm / (total_norm + 1e-6))
    return {k: g * scale for k, g in grads.items()}, total_norm


def clip_grad_value(grads, clip_value):
    return {k: np.clip(g, -clip_value, clip_value) for k, g in grads.items()}


def rnn_loss_and_grads(params, x, h0, targets):
    h = rnn_forward(x, h0, params["W_xh"], params["W_hh"], params["b_h"])
    y = rnn_output(h, params["W_hy"], params["b_y"])
    loss, dy = sequence_cross_entropy(y, targets)
    grads = {
        "W_hy": np.einsum("nth,nto->ho", h, dy),
        "b_y": dy.sum(axis=(0, 1)),
    }
    dh = dy @ params["W_hy"].T
    _, _, grads["W_xh"], grads["W_hh"], grads["b_h"] = rnn_backward(dh, x, h0, h, params["W_xh"], params["W_hh"])
    return loss, grads


def gradient_norms_through_time(x, h0, W_xh, W_hh, b_h):
    h = rnn_forward(x[None], h0[None], W_xh, W_hh, b_h)[0]
    T = h.shape[0]
    norms = np.zeros(T)
    J = np.eye(len(h0))
    for k in range(T - 1, -1, -1):
        J = J @ np.diag(1 - h[k] ** 2) @ W_hh.T
        norms[k] = np.linalg.norm(J, "fro")
    return norms
