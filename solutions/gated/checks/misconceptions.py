"""The `gated` assignment's known mistakes, and inputs designed to tell them apart.

Each mistake is a wrong version of one function (see grader.diagnosis). A gate order other
than torch's, and the GRU paper's update convention, are reparametrisations: a student who
reads the blocks in another order computes torch's cell with the blocks moved (and the
gradients moved back), and z ⊙ n + (1 − z) ⊙ h_prev is torch's cell with the z block
negated, since σ(−a) = 1 − σ(a). So the wrong versions call the reference on transformed
weights, and a student who made the mistake consistently, forward and backward, is
recognised in every part it shows in.

Instructor-side: the wrong versions reveal the right ones.
"""
from __future__ import annotations

import itertools
from typing import Callable

import numpy as np

from grader.diagnosis import Misconception
from rnn_grader_solutions.gated import gated as reference

LSTM, GRU = ("i", "f", "g", "o"), ("r", "z", "n")
sigmoid, tanh = reference.sigmoid, np.tanh


def _block(a: np.ndarray, gates: tuple[str, ...], gate: str) -> np.ndarray:
    H = a.shape[-1] // len(gates)
    k = gates.index(gate)
    return a[..., k * H:(k + 1) * H]


def _reordered(a: np.ndarray, source: tuple[str, ...], target: tuple[str, ...]) -> np.ndarray:
    """`a`'s column blocks, laid out in `source` order, rearranged into `target` order."""
    return np.concatenate([_block(a, source, gate) for gate in target], axis=-1)


def _negated_z(a: np.ndarray) -> np.ndarray:
    z = GRU.index("z")
    H = a.shape[-1] // len(GRU)
    out = np.array(a, dtype=np.float64)
    out[..., z * H:(z + 1) * H] *= -1
    return out


Transform = Callable[[np.ndarray], np.ndarray]


def _reparametrised(function: str, to_torch: Transform, back: Transform, weights: tuple[int, ...],
                    grads: tuple[int, ...] = ()) -> Callable:
    """The reference `function` with the arguments at `weights` mapped to torch's parametrisation,
    and the returned gradients at `grads` mapped back."""
    def wrong(ns, *args):
        out = getattr(reference, function)(*(to_torch(a) if k in weights else a for k, a in enumerate(args)))
        return tuple(back(o) if k in grads else o for k, o in enumerate(out)) if grads else out

    return wrong


LSTM_WEIGHTS = {"lstm_cell_forward": ((3, 4, 5), ()), "lstm_cell_backward": ((5, 6, 7), (3, 4, 5)),
                "lstm_backward": ((4, 5, 6), (3, 4, 5))}
GRU_WEIGHTS = {"gru_cell_forward": ((2, 3, 4, 5), ()), "gru_cell_backward": ((3, 4, 5, 6), (2, 3, 4, 5))}


def _orders(gates: tuple[str, ...], positions: dict[str, tuple[tuple[int, ...], tuple[int, ...]]],
            mistake: str) -> tuple[Misconception, ...]:
    """Every other order of the blocks, for each function the weights enter."""
    others = [order for order in itertools.permutations(gates) if order != gates]
    return tuple(Misconception(mistake, function, tuple(
        _reparametrised(function, lambda a, o=order: _reordered(a, o, gates),
                        lambda a, o=order: _reordered(a, gates, o), weights, grads) for order in others))
        for function, (weights, grads) in positions.items())


def _lstm_cell(x_t, h_prev, c_prev, W_x, W_h, b, acts=(sigmoid, sigmoid, tanh, sigmoid), squash=tanh):
    a = x_t @ W_x + h_prev @ W_h + b
    i, f, g, o = (act(_block(a, LSTM, gate)) for act, gate in zip(acts, LSTM))
    c_t = f * c_prev + i * g
    return o * squash(c_t), c_t


def _gru_cell(x_t, h_prev, W_x, W_h, b_x, b_h, acts=(sigmoid, sigmoid, tanh), reset_before: bool = False):
    ax, ah = x_t @ W_x + b_x, h_prev @ W_h + b_h
    r, z = (act(_block(ax, GRU, g) + _block(ah, GRU, g)) for act, g in zip(acts, "rz"))
    recurrent = ((r * h_prev) @ _block(W_h, GRU, "n") + _block(b_h, GRU, "n") if reset_before
                 else r * _block(ah, GRU, "n"))
    n = acts[2](_block(ax, GRU, "n") + recurrent)
    return (1.0 - z) * n + z * h_prev


def _swapped(cell: Callable, defaults: tuple[Callable, ...]) -> tuple[Callable, ...]:
    """Each activation replaced by the other one, one at a time, and all of them at once."""
    other = {sigmoid: tanh, tanh: sigmoid}
    singles = [tuple(other[a] if k == j else a for k, a in enumerate(defaults)) for j in range(len(defaults))]
    return tuple(lambda ns, *args, acts=acts: cell(*args, acts=acts)
                 for acts in [*singles, tuple(other[a] for a in defaults)])


def _bptt_without_cell_carry(ns, dh, x, h0, c0, W_x, W_h, b, keep_dc0: bool):
    h, c = ns.lstm_forward(x, h0, c0, W_x, W_h, b)
    dx, sums = np.zeros(x.shape), [np.zeros(W_x.shape), np.zeros(W_h.shape), np.zeros(b.shape)]
    dh_next, dc0 = np.zeros(h0.shape), np.zeros(c0.shape)
    for t in reversed(range(x.shape[1])):
        h_prev, c_prev = (h[:, t - 1], c[:, t - 1]) if t > 0 else (h0, c0)
        dx[:, t], dh_next, dc_prev, *step = ns.lstm_cell_backward(dh[:, t] + dh_next, np.zeros(h0.shape), x[:, t],
                                                                   h_prev, c_prev, W_x, W_h, b)
        sums = [s + g for s, g in zip(sums, step)]
    return (dx, dh_next, dc_prev if keep_dc0 else dc0, *sums)


CATALOG: tuple[Misconception, ...] = (
    *_orders(LSTM, LSTM_WEIGHTS, "lstm-gate-order"),
    Misconception("forget-gate-on-hidden", "lstm_cell_forward",
                  (lambda ns, x_t, h_prev, c_prev, *w: reference.lstm_cell_forward(x_t, h_prev, h_prev, *w),)),
    Misconception("missing-cell-tanh", "lstm_cell_forward",
                  (lambda ns, *args: _lstm_cell(*args, squash=lambda c: c),)),
    Misconception("sigmoid-tanh-swapped", "lstm_cell_forward", _swapped(_lstm_cell, (sigmoid, sigmoid, tanh, sigmoid))),
    Misconception("sigmoid-tanh-swapped", "gru_cell_forward", _swapped(_gru_cell, (sigmoid, sigmoid, tanh))),
    *(Misconception("gru-update-flipped", function, (_reparametrised(function, _negated_z, _negated_z, *where),))
      for function, where in GRU_WEIGHTS.items()),
    Misconception("gru-reset-before-matmul", "gru_cell_forward",
                  (lambda ns, *args: _gru_cell(*args, reset_before=True),)),
    *_orders(GRU, GRU_WEIGHTS, "gru-gate-order"),
    Misconception("lstm-no-cell-carry", "lstm_backward",
                  tuple(lambda ns, *args, keep=keep: _bptt_without_cell_carry(ns, *args, keep_dc0=keep)
                        for keep in (True, False))),
)


# --- designed inputs ------------------------------------------------------------------------------------

def _grid(seed: int, shape: tuple[int, ...], scale: float = 1.0) -> np.ndarray:
    return np.random.default_rng(seed).integers(-10, 11, size=shape).astype(np.float64) * scale / 10


def _z_half(gru: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The GRU's weights with z = σ(0) = 1/2 whatever the inputs: z and 1 − z agree, so the update's
    convention is invisible and the other mistakes show alone."""
    out = {k: np.array(v) for k, v in gru.items()}
    for name in ("W_x", "W_h"):
        _block(out[name], GRU, "z")[...] = 0.0
    _block(out["b_x"], GRU, "z")[...] = -_block(out["b_h"], GRU, "z")
    return out


def _no_recurrent_n_bias(gru: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The GRU's weights without b_hn: with h_prev = 0, r ⊙ (h W_hn + b_hn) = (r ⊙ h) W_hn + b_hn = 0, so
    where the reset gate applies is invisible and the other mistakes show alone."""
    out = {k: np.array(v) for k, v in gru.items()}
    _block(out["b_h"], GRU, "n")[...] = 0.0
    return out


def _designed_cases() -> dict[str, list[dict[str, np.ndarray]]]:
    """All sizes different (N=2, T=3, D=3, H=4), every state, bias and upstream gradient nonzero, no
    weight symmetric, pre-activations of order 1 so that no gate saturates: every mistake shows."""
    N, T, D, H = 2, 3, 3, 4
    x, h0, c0 = _grid(1, (N, T, D), 2.0), _grid(2, (N, H)), _grid(3, (N, H), 2.0)
    lstm = {"W_x": _grid(4, (D, 4 * H), 0.8), "W_h": _grid(5, (H, 4 * H), 0.8), "b": _grid(6, (4 * H,), 0.8) + 0.05}
    gru = {"W_x": _grid(7, (D, 3 * H), 0.8), "W_h": _grid(8, (H, 3 * H), 0.8), "b_x": _grid(9, (3 * H,), 0.8) + 0.05,
           "b_h": _grid(10, (3 * H,), 0.8) - 0.05}
    dh, dc = _grid(11, (N, T, H), 2.0), _grid(12, (N, H), 2.0)
    h, c = reference.lstm_forward(x, h0, c0, **lstm)
    step = {"x_t": x[:, 1], "h_prev": h[:, 0], "c_prev": c[:, 0]}
    return {
        # with c_prev = h_prev the forget gate may multiply either: only the other mistakes show
        "lstm_cell_forward": [{**step, **lstm}, {**step, "c_prev": step["h_prev"], **lstm}],
        "lstm_cell_backward": [{"dh_t": dh[:, 1], "dc_t": dc, **step, **lstm}],
        "lstm_forward": [{"x": x, "h0": h0, "c0": c0, **lstm}],
        "lstm_backward": [{"dh": dh, "x": x, "h0": h0, "c0": c0, **lstm}],
        "gru_cell_forward": [{"x_t": x[:, 0], "h_prev": h0, **gru}, {"x_t": x[:, 0], "h_prev": h0, **_z_half(gru)},
                             {"x_t": x[:, 0], "h_prev": np.zeros_like(h0), **_no_recurrent_n_bias(gru)}],
        "gru_cell_backward": [{"dh_t": dh[:, 0], "x_t": x[:, 0], "h_prev": h0, **gru}],
    }


DESIGNED = _designed_cases()
