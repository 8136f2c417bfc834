"""Inputs of the gated cells, and the gate blocks of their weights.

Values lie on a grid of tenths (scaled), so a shrunk counterexample prints as short numbers;
dimensions start at 1 so N = 1, T = 1 and D = H are in reach, yet shrink towards sizes that
differ from each other when the failure allows it (`sizes`). Pre-activations stay below
28 in size (D, H ≤ 4, |x| ≤ 2, |h| ≤ 1, |W|, |b| ≤ 2), so a bias block of ±SATURATE drives
its gate to 0 or 1 within 1e-31 whatever the weights (exactly, for a sigmoid computed through
tanh): that is how the probes set a gate, and what they then expect holds to rounding.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
from hypothesis import strategies as st

from grader.checks.framework import Case, Msg, msg
from grader.checks.shapes import sizes

SATURATE = 100.0
LSTM_GATES = ("i", "f", "g", "o")  # torch's order of the column blocks
GRU_GATES = ("r", "z", "n")
SEEDS = st.integers(0, 2**16)
weight_scale = st.sampled_from([0.5, 1.0, 2.0])


def grid(seed: int, shape: tuple[int, ...], scale: float) -> np.ndarray:
    """Entries k·scale/10 for k in −10..10, reproducible from `seed`."""
    return np.random.default_rng(seed).integers(-10, 11, size=shape).astype(np.float64) * scale / 10


@lru_cache(maxsize=None)
def array(shape: tuple[int, ...], scale: float = 1.0) -> st.SearchStrategy[np.ndarray]:
    """One draw per array (a seed), not per entry: Hypothesis's bookkeeping stays cheap."""
    return SEEDS.map(lambda seed: grid(seed, shape, scale))


DIM = (1, 4)  # the range of N, D and H


def columns(gates: tuple[str, ...], gate: str, H: int) -> slice:
    """The columns of `gate` in a weight or bias of len(gates) blocks of H columns."""
    k = gates.index(gate)
    return slice(k * H, (k + 1) * H)


def with_block(case: Case, key: str, gates: tuple[str, ...], gate: str, value) -> Case:
    """`case` with the `gate` columns of `case[key]` replaced by `value(block)` (a new array)."""
    changed = np.array(case[key], dtype=np.float64)
    H = changed.shape[-1] // len(gates)
    where = (..., columns(gates, gate, H))
    changed[where] = value(changed[where])
    return {**case, key: changed}


def negate_block(case: Case, keys: tuple[str, ...], gates: tuple[str, ...], gate: str) -> Case:
    """`case` with the `gate` columns of every array named in `keys` negated."""
    for key in keys:
        case = with_block(case, key, gates, gate, np.negative)
    return case


def gate_msg(key: str, /, **params) -> Msg:
    """A message about a probe that set gates through the bias: it names the bias it used."""
    return msg(key, big=f"{SATURATE:g}", **params)


def set_gates(case: Case, key: str, gates: tuple[str, ...], big: float = SATURATE, **signs: int) -> Case:
    """Bias blocks at ±big: `set_gates(case, "b", LSTM_GATES, i=-1, f=+1)` makes i = 0 and f = 1."""
    for gate, sign in signs.items():
        case = with_block(case, key, gates, gate, lambda block, s=sign: np.full_like(block, s * big))
    return case


# --- LSTM -------------------------------------------------------------------------------------------

@st.composite
def lstm_weights(draw, D: int, H: int) -> Case:
    s = draw(weight_scale)
    return {"W_x": draw(array((D, 4 * H), s)), "W_h": draw(array((H, 4 * H), s)), "b": draw(array((4 * H,), s))}


@st.composite
def lstm_cell_case(draw) -> Case:
    N, D, H = draw(sizes(DIM, DIM, DIM))
    return {"x_t": draw(array((N, D), 2.0)), "h_prev": draw(array((N, H))), "c_prev": draw(array((N, H), 2.0)),
            **draw(lstm_weights(D, H))}


@st.composite
def lstm_sequence_case(draw, min_t: int = 1) -> Case:
    N, T, D, H = draw(sizes(DIM, (min_t, 5), DIM, DIM))
    return {"x": draw(array((N, T, D), 2.0)), "h0": draw(array((N, H))), "c0": draw(array((N, H), 2.0)),
            **draw(lstm_weights(D, H))}


@st.composite
def lstm_cell_backward_case(draw) -> Case:
    case = draw(lstm_cell_case())
    shape = case["h_prev"].shape
    return {"dh_t": draw(array(shape, 2.0)), "dc_t": draw(array(shape, 2.0)), **case}


@st.composite
def lstm_backward_case(draw, min_t: int = 1) -> Case:
    case = draw(lstm_sequence_case(min_t))
    N, T, _ = case["x"].shape
    return {"dh": draw(array((N, T, case["h0"].shape[1]), 2.0)), **case}


# --- GRU --------------------------------------------------------------------------------------------

@st.composite
def gru_cell_case(draw) -> Case:
    N, D, H = draw(sizes(DIM, DIM, DIM))
    s = draw(weight_scale)
    return {"x_t": draw(array((N, D), 2.0)), "h_prev": draw(array((N, H))), "W_x": draw(array((D, 3 * H), s)),
            "W_h": draw(array((H, 3 * H), s)), "b_x": draw(array((3 * H,), s)), "b_h": draw(array((3 * H,), s))}


@st.composite
def gru_cell_backward_case(draw) -> Case:
    case = draw(gru_cell_case())
    return {"dh_t": draw(array(case["h_prev"].shape, 2.0)), **case}


@st.composite
def with_index(draw, cases: st.SearchStrategy, axis_of, low: int = 0) -> tuple[Case, int]:
    """A case and an index in low..axis_of(case)−1 (a batch row, or a time step)."""
    case = draw(cases)
    return case, draw(st.integers(low, axis_of(case) - 1))
