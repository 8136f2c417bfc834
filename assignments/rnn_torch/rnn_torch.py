"""A vanilla RNN in PyTorch (assignment `rnn_torch`).

Fill in every function and class below. Do not change their names or signatures, and do
not modify the input tensors (training changes the parameters of `model` and `head` only).
Run `rnn-grader check rnn_torch.py` to check your work.

Notation (row-vector convention, as in torch): N batch size, T time steps, D input size,
H hidden size. Tensors are float32 unless the input is float64: every function must work
for both and keep the input's dtype. CPU only; no GPU is needed. Do not build your RNN on
`nn.RNN`, `nn.RNNCell` or `torch._VF`: writing the recurrence is the exercise.

PyTorch로 만드는 기본 RNN 과제 (`rnn_torch`).

아래의 모든 함수와 클래스를 완성하세요. 이름과 시그니처는 바꾸지 말고, 입력 텐서를
수정하지 마세요 (학습은 `model`과 `head`의 파라미터만 바꿉니다).
`rnn-grader check rnn_torch.py`를 실행해 작업을 확인하세요.

표기법 (torch와 같은 행 벡터 규약): N 배치 크기, T 시간 단계 수, D 입력 크기, H 은닉
상태 크기. 텐서는 float32이며, 입력이 float64이면 float64입니다: 모든 함수는 두 경우 모두
동작하고 입력의 dtype을 유지해야 합니다. CPU만 쓰며 GPU는 필요 없습니다. RNN을
`nn.RNN`, `nn.RNNCell`, `torch._VF` 위에 만들지 마세요: 순환식을 직접 쓰는 것이 과제입니다.
"""

import torch
from torch import nn


def rnn_cell(x_t, h_prev, W_xh, W_hh, b_h):
    """One step of the RNN cell on tensors.

        h_t = tanh(x_t @ W_xh + h_prev @ W_hh + b_h)

    Autograd must reach every input: use torch operations only (no .detach(), .data,
    .numpy() or torch.tensor(...) on the way).

    Args:
        x_t:    (N, D) input at this time step.
        h_prev: (N, H) previous hidden state.
        W_xh:   (D, H) input-to-hidden weights.
        W_hh:   (H, H) hidden-to-hidden weights.
        b_h:    (H,)   hidden bias.

    Returns:
        h_t: (N, H) tensor, the new hidden state.

    텐서로 계산하는 RNN 셀의 한 단계 (위 공식).

    자동 미분(autograd)이 모든 입력에 닿아야 합니다: torch 연산만 쓰세요 (.detach(),
    .data, .numpy(), torch.tensor(...)를 거치지 마세요).

    인자:
        x_t:    (N, D) 이 시간 단계의 입력.
        h_prev: (N, H) 이전 은닉 상태.
        W_xh:   (D, H) 입력→은닉 가중치.
        W_hh:   (H, H) 은닉→은닉 가중치.
        b_h:    (H,)   은닉 편향.

    반환:
        h_t: (N, H) 텐서, 새 은닉 상태.
    """
    raise NotImplementedError


class ManualRNNCell(nn.Module):
    """The step of `torch.nn.RNNCell(input_size, hidden_size)` (tanh, with bias), written by hand.

    Parameters, with exactly nn.RNNCell's names and shapes (so that a strict
    `load_state_dict(nn.RNNCell(D, H).state_dict())` works):
        weight_ih (H, D), weight_hh (H, H), bias_ih (H,), bias_hh (H,)
    forward(x, h=None): x (N, D), h (N, H) or None (zeros of x's dtype) → h' (N, H)
        h' = tanh(x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)

    `torch.nn.RNNCell(input_size, hidden_size)`의 한 단계 (tanh, 편향 포함)를 직접 씁니다.

    파라미터는 nn.RNNCell과 이름과 모양이 정확히 같아야 합니다 (엄격한
    `load_state_dict(nn.RNNCell(D, H).state_dict())`가 동작하도록):
        weight_ih (H, D), weight_hh (H, H), bias_ih (H,), bias_hh (H,)
    forward(x, h=None): x (N, D), h (N, H) 또는 None (x의 dtype인 0) → h' (N, H)
    """

    def __init__(self, input_size, hidden_size):
        """Register the four parameters (initialised like nn.RNNCell's).

        네 파라미터를 등록합니다 (nn.RNNCell처럼 초기화).
        """
        raise NotImplementedError

    def forward(self, x, h=None):
        """One step: x (N, D), h (N, H) or None → the new state (N, H), in x's dtype.

        한 단계: x (N, D), h (N, H) 또는 None → 새 상태 (N, H), x의 dtype으로.
        """
        raise NotImplementedError


class ManualRNN(nn.Module):
    """One tanh layer behaving as `torch.nn.RNN(input_size, hidden_size, batch_first=...)`.

    Parameters registered on the module itself, with nn.RNN's names and shapes:
        weight_ih_l0 (H, D), weight_hh_l0 (H, H), bias_ih_l0 (H,), bias_hh_l0 (H,)
    forward(x, h0=None) → (out, h_n):
        batch_first=True:  x (N, T, D) → out (N, T, H)
        batch_first=False: x (T, N, D) → out (T, N, H)
        h0 and h_n are (1, N, H) in both layouts; h0=None means zeros of x's dtype.
    out holds the state after every step; h_n the state after the last one.

    `torch.nn.RNN(input_size, hidden_size, batch_first=...)`처럼 동작하는 tanh 층 하나.

    파라미터는 모듈 자체에 nn.RNN과 같은 이름과 모양으로 등록합니다:
        weight_ih_l0 (H, D), weight_hh_l0 (H, H), bias_ih_l0 (H,), bias_hh_l0 (H,)
    forward(x, h0=None) → (out, h_n):
        batch_first=True:  x (N, T, D) → out (N, T, H)
        batch_first=False: x (T, N, D) → out (T, N, H)
        h0와 h_n은 두 경우 모두 (1, N, H)이며, h0=None은 x의 dtype인 0입니다.
    out은 매 스텝 이후의 상태, h_n은 마지막 스텝 이후의 상태입니다.
    """

    def __init__(self, input_size, hidden_size, batch_first=True):
        """Register the four parameters (initialised like nn.RNN's) and remember the layout.

        네 파라미터를 등록하고 (nn.RNN처럼 초기화) 텐서 배치 순서를 기억합니다.
        """
        raise NotImplementedError

    def forward(self, x, h0=None):
        """The layer over a whole sequence: returns (out, h_n) as described above.

        시퀀스 전체에 층을 적용합니다: 위 설명대로 (out, h_n)을 반환합니다.
        """
        raise NotImplementedError


def train(model, head, seqs, steps, lr, max_norm):
    """Train `model` and `head` in place to predict each next value of the sequences.

    model: a module with ManualRNN's interface (batch_first=True, input size 1);
    head: nn.Linear(H, 1); seqs: (N, T+1) float tensor. Inputs seqs[:, :-1, None],
    targets seqs[:, 1:, None]. Each step:
        1. zero the gradients,
        2. predict every next value: head(out),
        3. mean squared error over all N*T predictions, backward,
        4. torch.nn.utils.clip_grad_norm_ over the parameters of model, then head, with max_norm,
        5. one plain SGD step: p -= lr * p.grad (without recording a graph).

    Returns:
        {"loss": [float] * steps, "grad_norm": [float] * steps}: each step's loss (before
        the update) and the norm clip_grad_norm_ returns (before clipping), as Python floats.

    다음 값을 예측하도록 `model`과 `head`를 제자리에서(in place) 학습시킵니다.

    model: ManualRNN과 같은 인터페이스의 모듈 (batch_first=True, 입력 크기 1);
    head: nn.Linear(H, 1); seqs: (N, T+1) 실수 텐서. 입력은 seqs[:, :-1, None],
    목표는 seqs[:, 1:, None]. 각 스텝마다:
        1. 기울기를 0으로 만들고,
        2. 모든 다음 값을 예측하고 (head(out)),
        3. N*T개 예측 전체의 평균 제곱 오차를 구해 역전파하고,
        4. model, 그다음 head의 파라미터에 max_norm으로 torch.nn.utils.clip_grad_norm_을 적용하고,
        5. 평범한 SGD 한 스텝: p -= lr * p.grad (그래프를 기록하지 않고).

    반환:
        {"loss": [float] * steps, "grad_norm": [float] * steps}: 각 스텝의 손실 (갱신 전)과
        clip_grad_norm_이 반환하는 노름 (클리핑 전), 파이썬 float로.
    """
    raise NotImplementedError


def predict_next(model, head, seq, k):
    """Predict the k values that follow `seq`, feeding each prediction back in.

    model as in `train` (input size 1), seq (T,) with T >= 1, k >= 1. Run seq through the
    model; the first prediction is head applied to the last output; then feed each
    prediction back as the next input, carrying the hidden state (h_n), until k values are
    predicted. Record no graph (torch.no_grad()).

    Returns:
        (k,) tensor of the predictions, in seq's dtype, not requiring grad.

    `seq` 다음에 올 k개의 값을 예측합니다. 각 예측을 다시 입력으로 넣습니다.

    model은 `train`과 같고 (입력 크기 1), seq는 (T,) (T >= 1), k >= 1. seq를 모델에
    통과시키고, 첫 예측은 마지막 출력에 head를 적용한 값입니다. 그다음 각 예측을 다음
    입력으로 넣고 은닉 상태(h_n)를 이어 가며 k개를 예측합니다. 그래프를 기록하지 마세요
    (torch.no_grad()).

    반환:
        예측값 k개의 (k,) 텐서, seq의 dtype, requires_grad가 아님.
    """
    raise NotImplementedError


def gradient_norms(model, x, h0):
    """How far gradients travel back in time through `model`.

    model: a module with ManualRNN's interface, batch_first=True; one sequence x (T, D) and
    its initial state h0 (H,). With h_0 = h0 and h_t the state after step t, return g with
        g[k] = || d h_T / d h_k ||_F   (the H x H Jacobian's Frobenius norm), k = 0 .. T-1.
    Hint: torch.autograd.functional.jacobian of one step, multiplied going backward from h_T.

    Returns:
        (T,) tensor in x's dtype that does not require grad.

    `model`을 통해 기울기가 시간을 거슬러 얼마나 전달되는가.

    model: ManualRNN과 같은 인터페이스의 모듈, batch_first=True; 시퀀스 하나 x (T, D)와
    초기 상태 h0 (H,). h_0 = h0, h_t를 스텝 t 이후의 상태라 할 때 k = 0 .. T-1에 대해
        g[k] = || d h_T / d h_k ||_F   (H x H 야코비안의 프로베니우스 노름)
    인 g를 반환하세요. 힌트: 한 스텝의 torch.autograd.functional.jacobian을 h_T에서부터
    거꾸로 곱해 나가세요.

    반환:
        x의 dtype인 (T,) 텐서, requires_grad가 아님.
    """
    raise NotImplementedError
