"""Vanilla RNN in NumPy (assignment `rnn`).

Fill in every function below. Do not change the function names or their
signatures, and do not modify the input arrays: always return new arrays.
Run `rnn-grader check` to check your work.

Notation (row-vector convention, batch first): N batch size, T time steps,
D input size, H hidden size, O output size (number of classes).
All arrays are float64; `targets` are int64.

바닐라 RNN NumPy 과제 (`rnn`).

아래의 모든 함수를 완성하세요. 함수 이름과 시그니처(인자 목록)는 바꾸지 말고,
입력 배열을 수정하지 마세요. 항상 새 배열을 반환해야 합니다.
`rnn-grader check`를 실행해 작업을 확인하세요.

표기법 (행 벡터 규약, 배치 우선): N 배치 크기, T 시간 단계 수, D 입력 크기,
H 은닉 상태 크기, O 출력 크기(클래스 수). 모든 배열은 float64이며 `targets`는 int64입니다.
"""

import numpy as np


def rnn_cell_forward(x_t, h_prev, W_xh, W_hh, b_h):
    """One step of the forward pass of the RNN cell.

        h_t = tanh(x_t @ W_xh + h_prev @ W_hh + b_h)

    Args:
        x_t:    (N, D) input at this time step.
        h_prev: (N, H) previous hidden state.
        W_xh:   (D, H) input-to-hidden weights.
        W_hh:   (H, H) hidden-to-hidden (recurrent) weights.
        b_h:    (H,)   hidden bias.

    Returns:
        h_t: (N, H) the new hidden state.

    RNN 셀 순전파의 한 단계.

        h_t = tanh(x_t @ W_xh + h_prev @ W_hh + b_h)

    인자:
        x_t:    (N, D) 이 시간 단계의 입력.
        h_prev: (N, H) 이전 은닉 상태.
        W_xh:   (D, H) 입력→은닉 가중치.
        W_hh:   (H, H) 은닉→은닉 (순환) 가중치.
        b_h:    (H,)   은닉 편향.

    반환:
        h_t: (N, H) 새 은닉 상태.
    """
    ### BEGIN SOLUTION
    return np.tanh(x_t @ W_xh + h_prev @ W_hh + b_h)
    ### END SOLUTION


def rnn_forward(x, h0, W_xh, W_hh, b_h):
    """Forward pass over a whole sequence (the cell unrolled in time).

        for t = 0 .. T-1:
            h[:, t] = tanh(x[:, t] @ W_xh + h_prev @ W_hh + b_h)
        where h_prev = h0 for t = 0 and h_prev = h[:, t-1] afterwards.

    Args:
        x:    (N, T, D) input sequences.
        h0:   (N, H)    initial hidden state.
        W_xh: (D, H)    input-to-hidden weights.
        W_hh: (H, H)    hidden-to-hidden (recurrent) weights.
        b_h:  (H,)      hidden bias.

    Returns:
        h: (N, T, H) hidden states; h[:, t] is the state after step t, so
           h[:, -1] is the final state (h0 itself is not included).

    시퀀스 전체에 대한 순전파 (셀을 시간 방향으로 펼친 것).

        t = 0 .. T-1 에 대해:
            h[:, t] = tanh(x[:, t] @ W_xh + h_prev @ W_hh + b_h)
        여기서 t = 0 이면 h_prev = h0, 그 뒤로는 h_prev = h[:, t-1].

    인자:
        x:    (N, T, D) 입력 시퀀스.
        h0:   (N, H)    초기 은닉 상태.
        W_xh: (D, H)    입력→은닉 가중치.
        W_hh: (H, H)    은닉→은닉 (순환) 가중치.
        b_h:  (H,)      은닉 편향.

    반환:
        h: (N, T, H) 은닉 상태들. h[:, t]는 t 단계 이후의 상태이므로
           h[:, -1]이 마지막 상태입니다 (h0 자체는 포함하지 않습니다).
    """
    ### BEGIN SOLUTION
    N, T, _ = x.shape
    H = W_hh.shape[0]
    h = np.empty((N, T, H))
    h_t = h0
    for t in range(T):
        h_t = rnn_cell_forward(x[:, t], h_t, W_xh, W_hh, b_h)
        h[:, t] = h_t
    return h
    ### END SOLUTION


def rnn_output(h, W_hy, b_y):
    """Output layer applied at every time step.

        y[:, t] = h[:, t] @ W_hy + b_y    for every t

    Args:
        h:    (N, T, H) hidden states (the result of rnn_forward).
        W_hy: (H, O)    hidden-to-output weights.
        b_y:  (O,)      output bias.

    Returns:
        y: (N, T, O) output scores (logits).

    모든 시간 단계에 적용하는 출력층.

        모든 t 에 대해 y[:, t] = h[:, t] @ W_hy + b_y

    인자:
        h:    (N, T, H) 은닉 상태들 (rnn_forward 의 결과).
        W_hy: (H, O)    은닉→출력 가중치.
        b_y:  (O,)      출력 편향.

    반환:
        y: (N, T, O) 출력 점수 (로짓).
    """
    ### BEGIN SOLUTION
    return h @ W_hy + b_y
    ### END SOLUTION


def rnn_cell_backward(dh_t, x_t, h_prev, h_t, W_xh, W_hh):
    """Backward pass of one step of the RNN cell.

    The forward step was h_t = tanh(a) with a = x_t @ W_xh + h_prev @ W_hh + b_h.
    Given dh_t, the gradient of the loss with respect to h_t, return the
    gradients of the loss with respect to x_t, h_prev, W_xh, W_hh and b_h.
    Hint: d tanh(a) / da = 1 - tanh(a)**2 = 1 - h_t**2.

    Args:
        dh_t:   (N, H) upstream gradient on h_t.
        x_t:    (N, D) input of this step.
        h_prev: (N, H) hidden state before this step.
        h_t:    (N, H) hidden state after this step (the forward result).
        W_xh:   (D, H) input-to-hidden weights.
        W_hh:   (H, H) hidden-to-hidden weights.

    Returns:
        (dx_t, dh_prev, dW_xh, dW_hh, db_h) with shapes
        (N, D), (N, H), (D, H), (H, H), (H,).

    RNN 셀 한 단계의 역전파.

    순전파는 h_t = tanh(a), a = x_t @ W_xh + h_prev @ W_hh + b_h 였습니다.
    h_t 에 대한 손실의 기울기 dh_t 가 주어질 때, x_t, h_prev, W_xh, W_hh, b_h 에
    대한 손실의 기울기를 반환하세요.
    힌트: d tanh(a) / da = 1 - tanh(a)**2 = 1 - h_t**2.

    인자:
        dh_t:   (N, H) h_t 에 대한 상류(upstream) 기울기.
        x_t:    (N, D) 이 단계의 입력.
        h_prev: (N, H) 이 단계 이전의 은닉 상태.
        h_t:    (N, H) 이 단계 이후의 은닉 상태 (순전파 결과).
        W_xh:   (D, H) 입력→은닉 가중치.
        W_hh:   (H, H) 은닉→은닉 가중치.

    반환:
        (dx_t, dh_prev, dW_xh, dW_hh, db_h), 모양은 각각
        (N, D), (N, H), (D, H), (H, H), (H,).
    """
    ### BEGIN SOLUTION
    da = dh_t * (1.0 - h_t ** 2)  # gradient on the pre-activation a
    dx_t = da @ W_xh.T
    dh_prev = da @ W_hh.T
    dW_xh = x_t.T @ da
    dW_hh = h_prev.T @ da
    db_h = da.sum(axis=0)
    return dx_t, dh_prev, dW_xh, dW_hh, db_h
    ### END SOLUTION


def rnn_backward(dh, x, h0, h, W_xh, W_hh):
    """Backpropagation through time (BPTT) over a whole sequence.

    dh[:, t] is the gradient of the loss on h[:, t] coming from the output
    layer only. Going backward in time (t = T-1 .. 0), the total gradient on
    h[:, t] is dh[:, t] plus the gradient passed back from step t+1 (dh_prev
    of that step). The gradients of W_xh, W_hh and b_h are summed over all
    time steps.

    Args:
        dh:   (N, T, H) upstream gradients on every hidden state.
        x:    (N, T, D) input sequences.
        h0:   (N, H)    initial hidden state.
        h:    (N, T, H) hidden states (the result of rnn_forward).
        W_xh: (D, H)    input-to-hidden weights.
        W_hh: (H, H)    hidden-to-hidden weights.

    Returns:
        (dx, dh0, dW_xh, dW_hh, db_h) with shapes
        (N, T, D), (N, H), (D, H), (H, H), (H,).

    시퀀스 전체에 대한 시간 역전파 (BPTT).

    dh[:, t]는 출력층에서만 온 h[:, t]에 대한 손실의 기울기입니다. 시간을 거꾸로
    (t = T-1 .. 0) 진행하면서, h[:, t]에 대한 전체 기울기는 dh[:, t]에 t+1 단계에서
    되돌아온 기울기(그 단계의 dh_prev)를 더한 것입니다. W_xh, W_hh, b_h 의
    기울기는 모든 시간 단계에 걸쳐 더합니다.

    인자:
        dh:   (N, T, H) 모든 은닉 상태에 대한 상류 기울기.
        x:    (N, T, D) 입력 시퀀스.
        h0:   (N, H)    초기 은닉 상태.
        h:    (N, T, H) 은닉 상태들 (rnn_forward 의 결과).
        W_xh: (D, H)    입력→은닉 가중치.
        W_hh: (H, H)    은닉→은닉 가중치.

    반환:
        (dx, dh0, dW_xh, dW_hh, db_h), 모양은 각각
        (N, T, D), (N, H), (D, H), (H, H), (H,).
    """
    ### BEGIN SOLUTION
    N, T, D = x.shape
    H = W_hh.shape[0]
    dx = np.empty((N, T, D))
    dW_xh = np.zeros((D, H))
    dW_hh = np.zeros((H, H))
    db_h = np.zeros(H)
    dh_next = np.zeros((N, H))  # gradient flowing back from step t+1
    for t in reversed(range(T)):
        h_prev = h[:, t - 1] if t > 0 else h0
        dx_t, dh_next, dW_xh_t, dW_hh_t, db_h_t = rnn_cell_backward(
            dh[:, t] + dh_next, x[:, t], h_prev, h[:, t], W_xh, W_hh)
        dx[:, t] = dx_t
        dW_xh += dW_xh_t
        dW_hh += dW_hh_t
        db_h += db_h_t
    return dx, dh_next, dW_xh, dW_hh, db_h
    ### END SOLUTION


def sequence_cross_entropy(y, targets):
    """Softmax cross-entropy loss summed over time, averaged over the batch.

        loss = (1/N) * sum_n sum_t  -log softmax(y[n, t])[targets[n, t]]

    The loss must stay finite and accurate for logits as large as 1e3 in
    magnitude (hint: softmax(z) = softmax(z - max(z))).

    Args:
        y:       (N, T, O) logits.
        targets: (N, T)    int64 class indices in [0, O).

    Returns:
        (loss, dy): loss a float, dy (N, T, O) the gradient of loss with
        respect to y.

    시간에 대해 더하고 배치에 대해 평균한 소프트맥스 교차 엔트로피 손실.

        loss = (1/N) * sum_n sum_t  -log softmax(y[n, t])[targets[n, t]]

    크기가 1e3 에 이르는 로짓에서도 손실이 유한하고 정확해야 합니다
    (힌트: softmax(z) = softmax(z - max(z))).

    인자:
        y:       (N, T, O) 로짓.
        targets: (N, T)    [0, O) 범위의 int64 클래스 인덱스.

    반환:
        (loss, dy): loss 는 float, dy (N, T, O)는 y 에 대한 손실의 기울기.
    """
    ### BEGIN SOLUTION
    N, _, O = y.shape
    z = y - y.max(axis=-1, keepdims=True)  # max shift: exp never overflows
    log_probs = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    one_hot = np.eye(O)[targets]  # (N, T, O)
    loss = -(log_probs * one_hot).sum() / N
    dy = (np.exp(log_probs) - one_hot) / N
    return float(loss), dy
    ### END SOLUTION


def clip_grad_norm(grads, max_norm):
    """Gradient clipping by the global norm (as torch.nn.utils.clip_grad_norm_).

        total_norm = sqrt( sum over all arrays g of sum(g**2) )   (before clipping)
        coef = max_norm / (total_norm + 1e-6)
        if coef < 1: every array is multiplied by coef; otherwise values are unchanged.

    Args:
        grads:    dict name -> array of any shape.
        max_norm: positive float.

    Returns:
        (clipped, total_norm): clipped a new dict with the same keys holding
        new arrays (the caller's arrays are not modified); total_norm a float,
        the global L2 norm before clipping.

    전역 노름에 의한 기울기 클리핑 (torch.nn.utils.clip_grad_norm_ 과 같음).

        total_norm = sqrt( 모든 배열 g 에 대한 sum(g**2) 의 합 )   (클리핑 전)
        coef = max_norm / (total_norm + 1e-6)
        coef < 1 이면 모든 배열에 coef 를 곱하고, 아니면 값을 바꾸지 않습니다.

    인자:
        grads:    이름 -> 배열 (모양은 자유) 의 dict.
        max_norm: 양의 float.

    반환:
        (clipped, total_norm): clipped 는 같은 키에 새 배열을 담은 새 dict
        (호출한 쪽의 배열은 수정하지 않음), total_norm 은 클리핑 전의 전역
        L2 노름 (float).
    """
    ### BEGIN SOLUTION
    total_norm = float(np.sqrt(sum(np.sum(g ** 2) for g in grads.values())))
    coef = max_norm / (total_norm + 1e-6)
    if coef < 1:
        clipped = {name: g * coef for name, g in grads.items()}
    else:
        clipped = {name: g.copy() for name, g in grads.items()}
    return clipped, total_norm
    ### END SOLUTION


def clip_grad_value(grads, clip_value):
    """Gradient clipping by value: every element is clipped to [-clip_value, clip_value].

    Args:
        grads:      dict name -> array of any shape.
        clip_value: positive float.

    Returns:
        clipped: a new dict with the same keys holding new arrays (the
        caller's arrays are not modified).

    값에 의한 기울기 클리핑: 모든 원소를 [-clip_value, clip_value] 로 자릅니다.

    인자:
        grads:      이름 -> 배열 (모양은 자유) 의 dict.
        clip_value: 양의 float.

    반환:
        clipped: 같은 키에 새 배열을 담은 새 dict (호출한 쪽의 배열은
        수정하지 않음).
    """
    ### BEGIN SOLUTION
    return {name: np.clip(g, -clip_value, clip_value) for name, g in grads.items()}
    ### END SOLUTION


def rnn_loss_and_grads(params, x, h0, targets):
    """Loss and gradients of the whole model (forward pass, then backward pass).

    Runs rnn_forward, rnn_output and sequence_cross_entropy, then backpropagates
    through the output layer (y = h @ W_hy + b_y) and through time with
    rnn_backward.

    Args:
        params:  dict with keys W_xh (D, H), W_hh (H, H), b_h (H,),
                 W_hy (H, O), b_y (O,).
        x:       (N, T, D) input sequences.
        h0:      (N, H)    initial hidden state.
        targets: (N, T)    int64 class indices in [0, O).

    Returns:
        (loss, grads): loss a float (as in sequence_cross_entropy); grads a dict
        with the same keys and shapes as params.

    모델 전체의 손실과 기울기 (순전파 다음 역전파).

    rnn_forward, rnn_output, sequence_cross_entropy 를 실행한 뒤, 출력층
    (y = h @ W_hy + b_y) 을 거쳐 역전파하고 rnn_backward 로 시간 역전파합니다.

    인자:
        params:  키 W_xh (D, H), W_hh (H, H), b_h (H,), W_hy (H, O),
                 b_y (O,) 를 가진 dict.
        x:       (N, T, D) 입력 시퀀스.
        h0:      (N, H)    초기 은닉 상태.
        targets: (N, T)    [0, O) 범위의 int64 클래스 인덱스.

    반환:
        (loss, grads): loss 는 float (sequence_cross_entropy 와 같음), grads 는
        params 와 같은 키와 모양을 가진 dict.
    """
    ### BEGIN SOLUTION
    W_xh, W_hh, b_h = params["W_xh"], params["W_hh"], params["b_h"]
    W_hy, b_y = params["W_hy"], params["b_y"]
    h = rnn_forward(x, h0, W_xh, W_hh, b_h)
    y = rnn_output(h, W_hy, b_y)
    loss, dy = sequence_cross_entropy(y, targets)
    # output layer: y[n, t] = h[n, t] @ W_hy + b_y
    dW_hy = np.einsum("nth,nto->ho", h, dy)
    db_y = dy.sum(axis=(0, 1))
    dh = dy @ W_hy.T
    _, _, dW_xh, dW_hh, db_h = rnn_backward(dh, x, h0, h, W_xh, W_hh)
    grads = {"W_xh": dW_xh, "W_hh": dW_hh, "b_h": db_h, "W_hy": dW_hy, "b_y": db_y}
    return float(loss), grads
    ### END SOLUTION


def gradient_norms_through_time(x, h0, W_xh, W_hh, b_h):
    """How far gradients travel back in time (vanishing/exploding gradients).

    For one sequence (no batch dimension): h_0 = h0 and, for t = 1 .. T,
        h_t = tanh(x[t-1] @ W_xh + h_{t-1} @ W_hh + b_h).
    Return g with g[k] = || d h_T / d h_k ||_F (Frobenius norm of the H x H
    Jacobian) for k = 0 .. T-1: g[0] is taken with respect to the initial
    state h0, g[T-1] with respect to h_{T-1}, one step before the end.
    Hint: in column-vector form d h_t / d h_{t-1} = diag(1 - h_t**2) @ W_hh.T;
    multiply these step Jacobians going backward from h_T.

    Args:
        x:    (T, D) one input sequence.
        h0:   (H,)   initial hidden state.
        W_xh: (D, H) input-to-hidden weights.
        W_hh: (H, H) hidden-to-hidden weights.
        b_h:  (H,)   hidden bias.

    Returns:
        g: (T,) float64 array of Jacobian norms.

    기울기가 시간을 거슬러 얼마나 전달되는가 (기울기 소실/폭주).

    배치 차원이 없는 시퀀스 하나에 대해: h_0 = h0 이고 t = 1 .. T 에 대해
        h_t = tanh(x[t-1] @ W_xh + h_{t-1} @ W_hh + b_h).
    k = 0 .. T-1 에 대해 g[k] = || d h_T / d h_k ||_F (H x H 야코비안의
    프로베니우스 노름) 인 g 를 반환하세요. g[0]은 초기 상태 h0 에 대한 것이고,
    g[T-1]은 끝에서 한 단계 전인 h_{T-1} 에 대한 것입니다.
    힌트: 열 벡터 형태로 d h_t / d h_{t-1} = diag(1 - h_t**2) @ W_hh.T 이며,
    h_T 에서부터 거꾸로 이 단계별 야코비안들을 곱해 나가세요.

    인자:
        x:    (T, D) 입력 시퀀스 하나.
        h0:   (H,)   초기 은닉 상태.
        W_xh: (D, H) 입력→은닉 가중치.
        W_hh: (H, H) 은닉→은닉 가중치.
        b_h:  (H,)   은닉 편향.

    반환:
        g: (T,) 야코비안 노름들의 float64 배열.
    """
    ### BEGIN SOLUTION
    h = rnn_forward(x[None], h0[None], W_xh, W_hh, b_h)[0]  # (T, H); h[t-1] is h_t
    T, H = h.shape
    g = np.empty(T)
    jac = np.eye(H)  # d h_T / d h_T
    for k in reversed(range(T)):
        # d h_T / d h_k = (d h_T / d h_{k+1}) @ diag(1 - h_{k+1}**2) @ W_hh.T
        jac = jac @ ((1.0 - h[k] ** 2)[:, None] * W_hh.T)
        g[k] = np.linalg.norm(jac)  # Frobenius norm
    return g
    ### END SOLUTION
