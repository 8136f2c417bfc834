# Jung Hyunwoo (정현우) - vanilla RNN
import numpy as np


def rnn_cell_forward(x_t, h_prev, W_xh, W_hh, b_h):
    pre = x_t @ W_xh + h_prev @ W_hh + b_h
    return np.tanh(pre)


def rnn_forward(x, h0, W_xh, W_hh, b_h):
    N, T, D = x.shape
    h = np.zeros((N, T, W_xh.shape[1]))
    h_t = h0
    for t in range(T):
        h_t = rnn_cell_forward(x[:, t, :], h_t, W_xh, W_hh, b_h)
        h[:, t, :] = h_t
    return h


def rnn_output(h, W_hy, b_y):
    return h @ W_hy + b_y


def rnn_cell_backward(dh_t, x_t, h_prev, h_t, W_xh, W_hh):
    dtanh = (1 - h_t ** 2) * dh_t
    dx_t = dtanh @ W_xh.T
    dh_prev = dtanh @ W_hh.T
    dW_xh = x_t.T @ dtanh
    dW_hh = h_prev.T @ dtanh
    db_h = np.sum(dtanh, axis=0)
    return dx_t, dh_prev, dW_xh, dW_hh, db_h


def rnn_backward(dh, x, h0, h, W_xh, W_hh):
    N, T, D = x.shape
    H = h0.shape[1]
    dx = np.zeros((N, T, D))
    dW_xh = np.zeros((D, H))
    dW_hh = np.zeros((H, H))
    db_h = np.zeros(H)
    dh_prev = np.zeros((N, H))
    for t in reversed(range(T)):
        if t > 0:
            h_prev = h[:, t - 1, :]
        else:
            h_prev = h0
        # 각 시점의 기울기로 역전파
        dx_t, dh_prev, dW_xh_t, dW_hh_t, db_h_t = rnn_cell_backward(dh[:, t, :], x[:, t, :], h_prev, h[:, t, :], W_xh, W_hh)
        dx[:, t, :] = dx_t
        dW_xh += dW_xh_t
        dW_hh += dW_hh_t
        db_h += db_h_t
    dh0 = dh_prev
    return dx, dh0, dW_xh, dW_hh, db_h


def sequence_cross_entropy(y, targets):
    N, T, O = y.shape
    flat = y.reshape(-1, O)
    labels = targets.reshape(-1)
    flat = flat - flat.max(axis=1, keepdims=True)
    log_probs = flat - np.log(np.exp(flat).sum(axis=1, keepdims=True))
    probs = np.exp(log_probs)
    rows = np.arange(N * T)
    loss = -np.sum(log_probs[rows, labels]) / N
    dflat = probs.copy()
    dflat[rows, labels] -= 1
    dflat /= N
    return float(loss), dflat.reshape(N, T, O)


def clip_grad_norm(grads, max_norm):
    total_norm = np.sqrt(sum(np.sum(g * g) for g in grads.values()))
    clip_coef = max_norm / (total_norm + 1e-6)
    if clip_coef < 1:
        return {k: g * clip_coef for k, g in grads.items()}, float(total_norm)
    return {k: g.copy() for k, g in grads.items()}, float(total_norm)


def clip_grad_value(grads, clip_value):
    return {k: np.clip(g, -clip_value, clip_value) for k, g in grads.items()}


def rnn_loss_and_grads(params, x, h0, targets):
    W_xh, W_hh, b_h, W_hy, b_y = (params[k] for k in ["W_xh", "W_hh", "b_h", "W_hy", "b_y"])
    h = rnn_forward(x, h0, W_xh, W_hh, b_h)
    y = rnn_output(h, W_hy, b_y)
    loss, dy = sequence_cross_entropy(y, targets)
    H, O = W_hy.shape
    dW_hy = h.reshape(-1, H).T @ dy.reshape(-1, O)
    db_y = dy.reshape(-1, O).sum(axis=0)
    dh = dy @ W_hy.T
    _, _, dW_xh, dW_hh, db_h = rnn_backward(dh, x, h0, h, W_xh, W_hh)
    return loss, {"W_xh": dW_xh, "W_hh": dW_hh, "b_h": db_h, "W_hy": dW_hy, "b_y": db_y}


def gradient_norms_through_time(x, h0, W_xh, W_hh, b_h):
    T = x.shape[0]
    h = rnn_forward(x[None], h0[None], W_xh, W_hh, b_h)[0]
    g = np.zeros(T)
    J = np.eye(W_hh.shape[0])
    for k in range(T - 1, -1, -1):
        J = J @ (np.diag(1 - h[k] ** 2) @ W_hh.T)
        g[k] = np.linalg.norm(J)
    return g
