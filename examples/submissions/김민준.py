# RNN 과제 - 김민준
# 반복문으로 하나씩 구현함. 벡터화는 나중에...
import numpy as np


def rnn_cell_forward(x_t, h_prev, W_xh, W_hh, b_h):
    a = np.dot(x_t, W_xh) + np.dot(h_prev, W_hh) + b_h
    h_t = np.tanh(a)
    return h_t


def rnn_forward(x, h0, W_xh, W_hh, b_h):
    N, T, D = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H))
    prev = h0.copy()
    for t in range(T):
        prev = rnn_cell_forward(x[:, t, :], prev, W_xh, W_hh, b_h)
        h[:, t, :] = prev
    return h


def rnn_output(h, W_hy, b_y):
    N, T, H = h.shape
    O = W_hy.shape[1]
    y = np.zeros((N, T, O))
    for t in range(T):
        y[:, t, :] = np.dot(h[:, t, :], W_hy) + b_y
    return y


def rnn_cell_backward(dh_t, x_t, h_prev, h_t, W_xh, W_hh):
    # tanh 미분: 1 - tanh^2
    da = dh_t * (1 - h_t * h_t)
    dx_t = np.dot(da, W_xh.T)
    dh_prev = np.dot(da, W_hh.T)
    dW_xh = np.dot(x_t.T, da)
    dW_hh = np.dot(h_prev.T, da)
    db_h = np.sum(da, axis=0)
    return dx_t, dh_prev, dW_xh, dW_hh, db_h


def rnn_backward(dh, x, h0, h, W_xh, W_hh):
    N, T, D = x.shape
    H = h0.shape[1]
    dx = np.zeros((N, T, D))
    dW_xh = np.zeros_like(W_xh)
    dW_hh = np.zeros_like(W_hh)
    db_h = np.zeros(H)
    dh_future = np.zeros((N, H))  # 미래 시점에서 넘어오는 기울기
    for t in range(T - 1, -1, -1):
        if t == 0:
            h_before = h0
        else:
            h_before = h[:, t - 1, :]
        grad = dh[:, t, :] + dh_future
        dx_t, dh_future, dWx, dWh, db = rnn_cell_backward(grad, x[:, t, :], h_before, h[:, t, :], W_xh, W_hh)
        dx[:, t, :] = dx_t
        dW_xh = dW_xh + dWx
        dW_hh = dW_hh + dWh
        db_h = db_h + db
    dh0 = dh_future
    return dx, dh0, dW_xh, dW_hh, db_h


def sequence_cross_entropy(y, targets):
    N, T, O = y.shape
    loss = 0.0
    dy = np.zeros((N, T, O))
    for n in range(N):
        for t in range(T):
            scores = y[n, t] - np.max(y[n, t])  # overflow 방지
            exp_scores = np.exp(scores)
            total = np.sum(exp_scores)
            c = targets[n, t]
            loss += np.log(total) - scores[c]
            p = exp_scores / total
            p[c] -= 1
            dy[n, t] = p / N
    loss = loss / N
    return float(loss), dy


def clip_grad_norm(grads, max_norm):
    sq = 0.0
    for name in grads:
        sq += np.sum(grads[name] ** 2)
    total_norm = float(np.sqrt(sq))
    coef = max_norm / (total_norm + 1e-6)
    clipped = {}
    for name in grads:
        if coef < 1:
            clipped[name] = grads[name] * coef
        else:
            clipped[name] = np.array(grads[name], copy=True)
    return clipped, total_norm


def clip_grad_value(grads, clip_value):
    clipped = {}
    for name in grads:
        g = np.minimum(grads[name], clip_value)
        g = np.maximum(g, -clip_value)
        clipped[name] = g
    return clipped


def rnn_loss_and_grads(params, x, h0, targets):
    W_xh = params["W_xh"]
    W_hh = params["W_hh"]
    b_h = params["b_h"]
    W_hy = params["W_hy"]
    b_y = params["b_y"]

    h = rnn_forward(x, h0, W_xh, W_hh, b_h)
    y = rnn_output(h, W_hy, b_y)
    loss, dy = sequence_cross_entropy(y, targets)

    N, T, H = h.shape
    dW_hy = np.zeros_like(W_hy)
    db_y = np.zeros_like(b_y)
    dh = np.zeros((N, T, H))
    for t in range(T):
        dW_hy += np.dot(h[:, t, :].T, dy[:, t, :])
        db_y += np.sum(dy[:, t, :], axis=0)
        dh[:, t, :] = np.dot(dy[:, t, :], W_hy.T)

    dx, dh0, dW_xh, dW_hh, db_h = rnn_backward(dh, x, h0, h, W_xh, W_hh)
    grads = {"W_xh": dW_xh, "W_hh": dW_hh, "b_h": db_h, "W_hy": dW_hy, "b_y": db_y}
    return loss, grads


def gradient_norms_through_time(x, h0, W_xh, W_hh, b_h):
    T = x.shape[0]
    H = h0.shape[0]
    # 순전파로 은닉 상태 저장
    hs = [h0]
    for t in range(T):
        hs.append(np.tanh(np.dot(x[t], W_xh) + np.dot(hs[-1], W_hh) + b_h))
    g = np.zeros(T)
    J = np.eye(H)
    for k in range(T - 1, -1, -1):
        # dh_{k+1}/dh_k = diag(1 - h_{k+1}^2) W_hh^T
        step = np.dot(np.diag(1 - hs[k + 1] ** 2), W_hh.T)
        J = np.dot(J, step)
        g[k] = np.sqrt(np.sum(J ** 2))
    return g


if __name__ == "__main__":
    # 간단한 테스트
    np.random.seed(0)
    x = np.random.randn(2, 3, 4)
    h0 = np.zeros((2, 5))
    h = rnn_forward(x, h0, np.random.randn(4, 5), np.random.randn(5, 5), np.zeros(5))
    print(h.shape)
