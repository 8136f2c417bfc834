# 박지호 - RNN 과제
import numpy as np


def softmax(z):
    e = np.exp(z)
    return e / np.sum(e, axis=-1, keepdims=True)


def rnn_cell_forward(x_t, h_prev, W_xh, W_hh, b_h):
    z = x_t.dot(W_xh) + h_prev.dot(W_hh) + b_h
    return np.tanh(z)


def rnn_forward(x, h0, W_xh, W_hh, b_h):
    N, T, D = x.shape
    H = W_hh.shape[0]
    h = np.zeros((N, T, H))
    h_t = h0
    for t in range(T):
        h_t = rnn_cell_forward(x[:, t, :], h_t, W_xh, W_hh, b_h)
        h[:, t, :] = h_t
    return h


def rnn_output(h, W_hy, b_y):
    N, T, H = h.shape
    return (h.reshape(N * T, H).dot(W_hy) + b_y).reshape(N, T, -1)


def rnn_cell_backward(dh_t, x_t, h_prev, h_t, W_xh, W_hh):
    dz = (1 - h_t ** 2) * dh_t
    return dz.dot(W_xh.T), dz.dot(W_hh.T), x_t.T.dot(dz), h_prev.T.dot(dz), dz.sum(0)


def rnn_backward(dh, x, h0, h, W_xh, W_hh):
    N, T, D = x.shape
    dx = np.zeros((N, T, D))
    dW_xh, dW_hh = np.zeros(W_xh.shape), np.zeros(W_hh.shape)
    db_h = np.zeros(W_hh.shape[0])
    dh_next = np.zeros(h0.shape)
    for t in range(T - 1, -1, -1):
        hp = h[:, t - 1, :] if t > 0 else h0
        dx[:, t, :], dh_next, dwx, dwh, db = rnn_cell_backward(dh[:, t, :] + dh_next, x[:, t, :], hp, h[:, t, :], W_xh, W_hh)
        dW_xh += dwx
        dW_hh += dwh
        db_h += db
    return dx, dh_next, dW_xh, dW_hh, db_h


def sequence_cross_entropy(y, targets):
    N, T, O = y.shape
    p = softmax(y)
    onehot = np.zeros_like(y)
    for n in range(N):
        for t in range(T):
            onehot[n, t, targets[n, t]] = 1
    loss = -np.sum(onehot * np.log(p))   # 배치 전체 합
    dy = p - onehot
    return float(loss), dy


def clip_grad_norm(grads, max_norm):
    total = np.sqrt(sum(np.sum(v * v) for v in grads.values()))
    coef = max_norm / (total + 1e-6)
    out = {}
    for k, v in grads.items():
        out[k] = v * coef if coef < 1 else v.copy()
    return out, float(total)


def clip_grad_value(grads, clip_value):
    out = {}
    for k, v in grads.items():
        out[k] = np.clip(v, -clip_value, clip_value)
    return out


def rnn_loss_and_grads(params, x, h0, targets):
    h = rnn_forward(x, h0, params["W_xh"], params["W_hh"], params["b_h"])
    y = rnn_output(h, params["W_hy"], params["b_y"])
    loss, dy = sequence_cross_entropy(y, targets)
    N, T, H = h.shape
    O = y.shape[2]
    dW_hy = h.reshape(N * T, H).T.dot(dy.reshape(N * T, O))
    db_y = dy.reshape(N * T, O).sum(0)
    dh = dy.dot(params["W_hy"].T)
    _, _, dW_xh, dW_hh, db_h = rnn_backward(dh, x, h0, h, params["W_xh"], params["W_hh"])
    return loss, {"W_xh": dW_xh, "W_hh": dW_hh, "b_h": db_h, "W_hy": dW_hy, "b_y": db_y}


def gradient_norms_through_time(x, h0, W_xh, W_hh, b_h):
    T = x.shape[0]
    hs = rnn_forward(x[np.newaxis], h0[np.newaxis], W_xh, W_hh, b_h)[0]
    result = []
    M = np.identity(W_hh.shape[0])
    for k in reversed(range(T)):
        M = M.dot((1 - hs[k] ** 2)[:, None] * W_hh.T)
        result.append(np.linalg.norm(M))
    return np.array(result[::-1])
