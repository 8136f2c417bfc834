"""Inputs of the `rnn_torch` parts, as plain arrays (the adapter builds the tensors and modules).

Values lie on a grid of tenths (scaled), so a shrunk counterexample prints as short numbers;
dimensions start at 1, so N = 1, T = 1 and D = H are in reach, yet shrink towards sizes that
differ from each other when the failure allows it (`sizes`); each module case is float32 or
float64, and h0 is sometimes None. Pre-activations stay below about 10, so tanh never rounds
to ±1 and every gradient stays alive. Each case's keys are the adapter's arguments, in order.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
from hypothesis import strategies as st

from grader.checks.framework import Case
from grader.checks.shapes import sizes

SEEDS = st.integers(0, 2**16)
DTYPES = st.sampled_from([np.float32, np.float64])
weight_scale = st.sampled_from([0.5, 1.0])


def grid(seed: int, shape: tuple[int, ...], scale: float, dtype=np.float64) -> np.ndarray:
    """Entries k·scale/10 for k in −10..10, reproducible from `seed`."""
    return (np.random.default_rng(seed).integers(-10, 11, size=shape) * scale / 10).astype(dtype)


@lru_cache(maxsize=None)
def array(shape: tuple[int, ...], scale: float = 1.0, dtype=np.float64) -> st.SearchStrategy[np.ndarray]:
    """One draw per array (a seed), not per entry: Hypothesis's bookkeeping stays cheap."""
    return SEEDS.map(lambda seed: grid(seed, shape, scale, dtype))


DIM = (1, 4)  # the range of N, D and H


def parameters(D: int, H: int, suffix: str = "") -> dict[str, tuple[int, ...]]:
    """torch's recurrent parameters and their shapes (suffix "_l0" for nn.RNN, "" for nn.RNNCell)."""
    return {f"weight_ih{suffix}": (H, D), f"weight_hh{suffix}": (H, H), f"bias_ih{suffix}": (H,),
            f"bias_hh{suffix}": (H,)}


@st.composite
def state(draw, D: int, H: int, suffix: str, dtype) -> dict[str, np.ndarray]:
    s = draw(weight_scale)
    return {name: draw(array(shape, s, dtype)) for name, shape in parameters(D, H, suffix).items()}


@st.composite
def rnn_cell_case(draw) -> Case:
    (N, D, H), dtype = draw(sizes(DIM, DIM, DIM)), draw(DTYPES)
    s = draw(weight_scale)
    return {"x_t": draw(array((N, D), 1.0, dtype)), "h_prev": draw(array((N, H), 1.0, dtype)),
            "W_xh": draw(array((D, H), s, dtype)), "W_hh": draw(array((H, H), s, dtype)),
            "b_h": draw(array((H,), s, dtype)), "dh_t": draw(array((N, H), 2.0, dtype))}


@st.composite
def cell_case(draw) -> Case:
    (N, D, H), dtype = draw(sizes(DIM, DIM, DIM)), draw(DTYPES)
    h = draw(st.one_of(st.none(), array((N, H), 1.0, dtype)))
    return {"state": draw(state(D, H, "", dtype)), "x": draw(array((N, D), 1.0, dtype)), "h": h,
            "dh": draw(array((N, H), 2.0, dtype))}


@st.composite
def layer_case(draw, batch_first: bool | None = None) -> Case:
    (N, T, D, H), dtype = draw(sizes(DIM, (1, 5), DIM, DIM)), draw(DTYPES)
    first = draw(st.booleans()) if batch_first is None else batch_first
    sequence = (N, T) if first else (T, N)
    h0 = draw(st.one_of(st.none(), array((1, N, H), 1.0, dtype)))
    return {"state": draw(state(D, H, "_l0", dtype)), "x": draw(array((*sequence, D), 1.0, dtype)), "h0": h0,
            "batch_first": first, "d_out": draw(array((*sequence, H), 2.0, dtype)),
            "d_h_n": draw(array((1, N, H), 2.0, dtype))}


@st.composite
def model(draw, D: int, H: int, dtype) -> dict[str, np.ndarray]:
    """A torch.nn.RNN(D, H)'s state dict."""
    return draw(state(D, H, "_l0", dtype))


@st.composite
def head(draw, H: int, dtype) -> dict[str, np.ndarray]:
    """A torch.nn.Linear(H, 1)'s state dict."""
    return {"weight": draw(array((1, H), 1.0, dtype)), "bias": draw(array((1,), 1.0, dtype))}


@st.composite
def train_case(draw, max_norm: st.SearchStrategy | None = None, steps: st.SearchStrategy | None = None) -> Case:
    N, T, H, dtype = draw(st.integers(1, 3)), draw(st.integers(1, 5)), draw(st.integers(*DIM)), draw(DTYPES)
    return {"model": draw(model(1, H, dtype)), "head": draw(head(H, dtype)),
            "seqs": draw(array((N, T + 1), 1.0, dtype)), "steps": draw(st.integers(1, 4) if steps is None else steps),
            "lr": draw(st.sampled_from([0.01, 0.1, 0.5])),
            "max_norm": draw(st.sampled_from([0.01, 0.1, 1.0, 100.0]) if max_norm is None else max_norm)}


@st.composite
def predict_case(draw, min_k: int = 1) -> Case:
    (T, H), dtype = draw(sizes((1, 6), DIM)), draw(DTYPES)
    return {"model": draw(model(1, H, dtype)), "head": draw(head(H, dtype)), "seq": draw(array((T,), 1.0, dtype)),
            "k": draw(st.integers(min_k, 5))}


@st.composite
def norms_case(draw, min_t: int = 1, max_t: int = 6) -> Case:
    (T, D, H), dtype = draw(sizes((min_t, max_t), DIM, DIM)), draw(DTYPES)
    return {"model": draw(model(D, H, dtype)), "x": draw(array((T, D), 1.0, dtype)),
            "h0": draw(array((H,), 1.0, dtype))}


@st.composite
def with_index(draw, cases: st.SearchStrategy, axis_of, low: int = 0) -> tuple[Case, int]:
    """A case and an index in low..axis_of(case)−1 (a time step, a number of predictions)."""
    case = draw(cases)
    return case, draw(st.integers(low, axis_of(case) - 1))
