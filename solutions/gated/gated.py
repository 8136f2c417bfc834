"""LSTM and GRU cells in NumPy (assignment `gated`).

Fill in every function below (except `sigmoid`, which is given). Do not change the
function names or their signatures, and do not modify the input arrays: always return
new arrays. Run `rnn-grader check gated.py` to check your work.

Notation (row-vector convention, batch first): N batch size, T time steps, D input
size, H hidden size. All arrays are float64. Gate order and formulas are PyTorch's
(`torch.nn.LSTMCell`: i, f, g, o; `torch.nn.GRUCell`: r, z, n); in row convention
W_x = weight_ih.T and W_h = weight_hh.T.

LSTM and GRU 셀 NumPy 과제 (`gated`).

아래의 모든 함수를 완성하세요 (`sigmoid`는 주어집니다). 함수 이름과 시그니처는 바꾸지
말고, 입력 배열을 수정하지 마세요. 항상 새 배열을 반환해야 합니다.
`rnn-grader check gated.py`를 실행해 작업을 확인하세요.

표기법 (행 벡터 규약, 배치 우선): N 배치 크기, T 시간 단계 수, D 입력 크기,
H 은닉 상태 크기. 모든 배열은 float64입니다. 게이트 순서와 공식은 PyTorch와 같습니다
(`torch.nn.LSTMCell`: i, f, g, o; `torch.nn.GRUCell`: r, z, n). 행 벡터 규약에서
W_x = weight_ih.T, W_h = weight_hh.T 입니다.
"""

import numpy as np


def sigmoid(a):
    """The logistic function 1 / (1 + exp(-a)), written so that it never overflows.

    로지스틱 함수 1 / (1 + exp(-a)). 오버플로가 나지 않도록 tanh로 씁니다.
    """
    return 0.5 * (1.0 + np.tanh(0.5 * a))


def lstm_cell_forward(x_t, h_prev, c_prev, W_x, W_h, b):
    """One step of the LSTM cell.

        a = x_t @ W_x + h_prev @ W_h + b, split into four blocks of H columns: i, f, g, o
        i = sigmoid(a_i), f = sigmoid(a_f), g = tanh(a_g), o = sigmoid(a_o)
        c_t = f * c_prev + i * g
        h_t = o * tanh(c_t)

    Args:
        x_t:    (N, D)  input at this time step.
        h_prev: (N, H)  previous hidden state.
        c_prev: (N, H)  previous cell state.
        W_x:    (D, 4H) input weights, columns in gate order i, f, g, o.
        W_h:    (H, 4H) recurrent weights, same column order.
        b:      (4H,)   bias (torch's bias_ih + bias_hh).

    Returns:
        (h_t, c_t), each (N, H).

    LSTM 셀의 한 단계. 위 공식대로 a를 H열씩 네 블록 i, f, g, o로 나눕니다.

    인자:
        x_t:    (N, D)  이 시간 단계의 입력.
        h_prev: (N, H)  이전 은닉 상태.
        c_prev: (N, H)  이전 셀 상태.
        W_x:    (D, 4H) 입력 가중치, 열은 게이트 순서 i, f, g, o.
        W_h:    (H, 4H) 순환 가중치, 열 순서는 같습니다.
        b:      (4H,)   편향 (torch의 bias_ih + bias_hh).

    반환:
        (h_t, c_t), 각각 (N, H).
    """
    ### BEGIN SOLUTION
    H = W_h.shape[0]
    a = x_t @ W_x + h_prev @ W_h + b
    i, f, g, o = sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H]), np.tanh(a[:, 2 * H:3 * H]), sigmoid(a[:, 3 * H:])
    c_t = f * c_prev + i * g
    h_t = o * np.tanh(c_t)
    return h_t, c_t
    ### END SOLUTION


def lstm_cell_backward(dh_t, dc_t, x_t, h_prev, c_prev, W_x, W_h, b):
    """Backward pass of one LSTM step.

    Given dh_t and dc_t, the gradients of the loss on h_t and on c_t, return the
    gradients on x_t, h_prev, c_prev, W_x, W_h and b. The forward step is not
    passed in: recompute what you need from the inputs. Remember that c_t reaches
    the loss twice: directly (dc_t) and through h_t = o * tanh(c_t).

    Args:
        dh_t:   (N, H) upstream gradient on h_t.
        dc_t:   (N, H) upstream gradient on c_t.
        x_t, h_prev, c_prev, W_x, W_h, b: as in lstm_cell_forward.

    Returns:
        (dx_t, dh_prev, dc_prev, dW_x, dW_h, db) with shapes
        (N, D), (N, H), (N, H), (D, 4H), (H, 4H), (4H,).

    LSTM 한 단계의 역전파.

    h_t와 c_t에 대한 손실의 기울기 dh_t, dc_t가 주어질 때 x_t, h_prev, c_prev, W_x,
    W_h, b에 대한 기울기를 반환하세요. 순전파 결과는 인자로 오지 않으니 필요한 값은
    입력에서 다시 계산하세요. c_t는 손실에 두 번 닿는다는 점을 기억하세요: 직접(dc_t),
    그리고 h_t = o * tanh(c_t)를 거쳐서.

    반환:
        (dx_t, dh_prev, dc_prev, dW_x, dW_h, db), 모양은 각각
        (N, D), (N, H), (N, H), (D, 4H), (H, 4H), (4H,).
    """
    ### BEGIN SOLUTION
    H = W_h.shape[0]
    a = x_t @ W_x + h_prev @ W_h + b
    i, f, g, o = sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H]), np.tanh(a[:, 2 * H:3 * H]), sigmoid(a[:, 3 * H:])
    tanh_c = np.tanh(f * c_prev + i * g)
    dc = dc_t + dh_t * o * (1.0 - tanh_c ** 2)  # both paths from c_t to the loss
    da = np.concatenate([dc * g * i * (1.0 - i), dc * c_prev * f * (1.0 - f), dc * i * (1.0 - g ** 2),
                         dh_t * tanh_c * o * (1.0 - o)], axis=1)
    return da @ W_x.T, da @ W_h.T, dc * f, x_t.T @ da, h_prev.T @ da, da.sum(axis=0)
    ### END SOLUTION


def lstm_forward(x, h0, c0, W_x, W_h, b):
    """The LSTM cell unrolled over a whole sequence.

    Args:
        x:  (N, T, D) input sequences.
        h0: (N, H)    initial hidden state.
        c0: (N, H)    initial cell state.
        W_x, W_h, b:  as in lstm_cell_forward.

    Returns:
        (h, c), each (N, T, H): h[:, t] and c[:, t] are the states after step t.

    시퀀스 전체에 펼친 LSTM 셀.

    반환:
        (h, c), 각각 (N, T, H): h[:, t]와 c[:, t]는 스텝 t 이후의 상태입니다.
    """
    ### BEGIN SOLUTION
    h_t, c_t = h0, c0
    hs, cs = [], []
    for t in range(x.shape[1]):
        h_t, c_t = lstm_cell_forward(x[:, t], h_t, c_t, W_x, W_h, b)
        hs.append(h_t)
        cs.append(c_t)
    return np.stack(hs, axis=1), np.stack(cs, axis=1)
    ### END SOLUTION


def lstm_backward(dh, x, h0, c0, W_x, W_h, b):
    """Backpropagation through time for the LSTM.

    dh[:, t] is the upstream gradient on h[:, t] (from an output layer); nothing
    comes from outside on the cell states. Going backward in time, step t receives
    dh[:, t] plus the dh_prev of step t+1 on its hidden state, and the dc_prev of
    step t+1 on its cell state. Weight gradients are summed over time.

    Args:
        dh: (N, T, H) upstream gradients on every hidden state.
        x, h0, c0, W_x, W_h, b: as in lstm_forward.

    Returns:
        (dx, dh0, dc0, dW_x, dW_h, db) with shapes
        (N, T, D), (N, H), (N, H), (D, 4H), (H, 4H), (4H,).

    LSTM의 시간 역전파.

    dh[:, t]는 h[:, t]에 대한 상류 기울기이고, 셀 상태에는 바깥에서 오는 기울기가
    없습니다. 시간을 거꾸로 진행하면서 스텝 t의 은닉 상태는 dh[:, t]에 스텝 t+1의
    dh_prev를 더한 기울기를, 셀 상태는 스텝 t+1의 dc_prev를 받습니다. 가중치 기울기는
    모든 스텝에 대해 더합니다.

    반환:
        (dx, dh0, dc0, dW_x, dW_h, db), 모양은 각각
        (N, T, D), (N, H), (N, H), (D, 4H), (H, 4H), (4H,).
    """
    ### BEGIN SOLUTION
    h, c = lstm_forward(x, h0, c0, W_x, W_h, b)
    dx = np.zeros(x.shape)
    dW_x, dW_h, db = np.zeros(W_x.shape), np.zeros(W_h.shape), np.zeros(b.shape)
    dh_next, dc_next = np.zeros(h0.shape), np.zeros(c0.shape)  # what step t+1 sends back
    for t in reversed(range(x.shape[1])):
        h_prev, c_prev = (h[:, t - 1], c[:, t - 1]) if t > 0 else (h0, c0)
        dx[:, t], dh_next, dc_next, dW_x_t, dW_h_t, db_t = lstm_cell_backward(
            dh[:, t] + dh_next, dc_next, x[:, t], h_prev, c_prev, W_x, W_h, b)
        dW_x += dW_x_t
        dW_h += dW_h_t
        db += db_t
    return dx, dh_next, dc_next, dW_x, dW_h, db
    ### END SOLUTION


def gru_cell_forward(x_t, h_prev, W_x, W_h, b_x, b_h):
    """One step of the GRU cell (PyTorch's convention).

        r = sigmoid(x_t @ W_xr + b_xr + h_prev @ W_hr + b_hr)
        z = sigmoid(x_t @ W_xz + b_xz + h_prev @ W_hz + b_hz)
        n = tanh(x_t @ W_xn + b_xn + r * (h_prev @ W_hn + b_hn))
        h_t = (1 - z) * n + z * h_prev

    where W_xr, W_xz, W_xn are the three blocks of H columns of W_x (order r, z, n),
    and likewise for W_h, b_x and b_h.

    Args:
        x_t:    (N, D)  input at this time step.
        h_prev: (N, H)  previous hidden state.
        W_x:    (D, 3H) input weights, columns in gate order r, z, n.
        W_h:    (H, 3H) recurrent weights, same column order.
        b_x:    (3H,)   input bias (torch's bias_ih).
        b_h:    (3H,)   recurrent bias (torch's bias_hh).

    Returns:
        h_t: (N, H).

    GRU 셀의 한 단계 (PyTorch 규약). W_x, W_h, b_x, b_h를 H열씩 r, z, n 세 블록으로
    나눕니다. 리셋 게이트 r은 h_prev @ W_hn + b_hn 전체에 곱해집니다.

    반환:
        h_t: (N, H).
    """
    ### BEGIN SOLUTION
    H = W_h.shape[0]
    ax, ah = x_t @ W_x + b_x, h_prev @ W_h + b_h
    r = sigmoid(ax[:, :H] + ah[:, :H])
    z = sigmoid(ax[:, H:2 * H] + ah[:, H:2 * H])
    n = np.tanh(ax[:, 2 * H:] + r * ah[:, 2 * H:])
    return (1.0 - z) * n + z * h_prev
    ### END SOLUTION


def gru_cell_backward(dh_t, x_t, h_prev, W_x, W_h, b_x, b_h):
    """Backward pass of one GRU step.

    Given dh_t, the gradient of the loss on h_t, return the gradients on x_t,
    h_prev, W_x, W_h, b_x and b_h. Recompute what you need from the inputs;
    h_prev reaches h_t through z * h_prev and through every gate.

    Returns:
        (dx_t, dh_prev, dW_x, dW_h, db_x, db_h) with shapes
        (N, D), (N, H), (D, 3H), (H, 3H), (3H,), (3H,).

    GRU 한 단계의 역전파. h_t에 대한 손실의 기울기 dh_t가 주어질 때 x_t, h_prev, W_x,
    W_h, b_x, b_h에 대한 기울기를 반환하세요. 필요한 값은 입력에서 다시 계산하세요.
    h_prev는 z * h_prev와 모든 게이트를 거쳐 h_t에 닿습니다.

    반환:
        (dx_t, dh_prev, dW_x, dW_h, db_x, db_h), 모양은 각각
        (N, D), (N, H), (D, 3H), (H, 3H), (3H,), (3H,).
    """
    ### BEGIN SOLUTION
    H = W_h.shape[0]
    ax, ah = x_t @ W_x + b_x, h_prev @ W_h + b_h
    r = sigmoid(ax[:, :H] + ah[:, :H])
    z = sigmoid(ax[:, H:2 * H] + ah[:, H:2 * H])
    n = np.tanh(ax[:, 2 * H:] + r * ah[:, 2 * H:])
    dn = dh_t * (1.0 - z) * (1.0 - n ** 2)  # on n's pre-activation
    dr = dn * ah[:, 2 * H:] * r * (1.0 - r)  # on r's pre-activation
    dz = dh_t * (h_prev - n) * z * (1.0 - z)  # on z's pre-activation
    dax = np.concatenate([dr, dz, dn], axis=1)  # on x_t @ W_x + b_x
    dah = np.concatenate([dr, dz, dn * r], axis=1)  # on h_prev @ W_h + b_h
    dh_prev = dh_t * z + dah @ W_h.T
    return dax @ W_x.T, dh_prev, x_t.T @ dax, h_prev.T @ dah, dax.sum(axis=0), dah.sum(axis=0)
    ### END SOLUTION
