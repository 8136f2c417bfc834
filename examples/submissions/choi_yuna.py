# Choi Yuna (최유나)
# TODO: 마지막 두 함수는 아직 못 했어요
import numpy as np


def rnn_cell_forward(x_t, h_prev, W_xh, W_hh, b_h):
    return np.tanh(np.matmul(x_t, W_xh) + np.matmul(h_prev, W_hh) + b_h)


def rnn_forward(x, h0, W_xh, W_hh, b_h):
    N, T, D = x.shape
    h = np.empty((N, T, h0.shape[1]))
    for t in range(T):
        h[:, t] = rnn_cell_forward(x[:, t], h0 if t == 0 else h[:, t - 1], W_xh, W_hh, b_h)
    return h


def rnn_output(h, W_hy, b_y):
    return np.matmul(h, W_hy) + b_y


def rnn_cell_backward(dh_t, x_t, h_prev, h_t, W_xh, W_hh):
    dpre = dh_t * (1.0 - np.square(h_t))
    dx_t = np.matmul(dpre, W_xh.T)
    dh_prev = np.matmul(dpre, W_hh.T)
    dW_xh = np.matmul(x_t.T, dpre)
    dW_hh = np.matmul(h_prev.T, dpre)
    db_h = np.sum(dpre, axis=0)
    return dx_t, dh_prev, dW_xh, dW_hh, db_h


def rnn_backward(dh, x, h0, h, W_xh, W_hh):
    T = x.shape[1]
    dx = np.zeros(x.shape)
    dW_xh = np.zeros(W_xh.shape)
    dW_hh = np.zeros(W_hh.shape)
    db_h = np.zeros(W_hh.shape[0])
    dnext = np.zeros(h0.shape)
    for t in range(T - 1, -1, -1):
        h_prev = h0 if t == 0 else h[:, t - 1]
        res = rnn_cell_backward(dh[:, t] + dnext, x[:, t], h_prev, h[:, t], W_xh, W_hh)
        dx[:, t] = res[0]
        dnext = res[1]
        dW_xh += res[2]
        dW_hh += res[3]
        db_h += res[4]
    return dx, dnext, dW_xh, dW_hh, db_h


def sequence_cross_entropy(y, targets):
    N, T, O = y.shape
    m = np.max(y, axis=-1, keepdims=True)
    lse = m + np.log(np.sum(np.exp(y - m), axis=-1, keepdims=True))
    probs = np.exp(y - lse)
    n_idx, t_idx = np.meshgrid(np.arange(N), np.arange(T), indexing="ij")
    loss = np.sum(lse[..., 0] - y[n_idx, t_idx, targets]) / N
    dy = probs.copy()
    dy[n_idx, t_idx, targets] -= 1
    return float(loss), dy / N


def clip_grad_norm(grads, max_norm):
    total_norm = np.sqrt(np.sum([np.sum(g ** 2) for g in grads.values()]))
    clipped = {}
    for name, g in grads.items():
        # 각 기울기를 max_norm 으로 클리핑
        norm = np.linalg.norm(g)
        if norm > max_norm:
            clipped[name] = g * (max_norm / norm)
        else:
            clipped[name] = g.copy()
    return clipped, float(total_norm)


def clip_grad_value(grads, clip_value):
    return {name: np.clip(g, -clip_value, clip_value) for name, g in grads.items()}


def rnn_loss_and_grads(params, x, h0, targets):
    raise NotImplementedError


def gradient_norms_through_time(x, h0, W_xh, W_hh, b_h):
    raise NotImplementedError
