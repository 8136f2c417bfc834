"""Hypothesis strategies for the assignment's inputs.

Values lie on a grid of tenths (scaled), so a shrunk counterexample prints as short
numbers a student can retype; dimensions start at 1 so the edge cases N=1, T=1, D=H,
O=1 are always in reach, yet shrink towards sizes that differ from each other when the
failure allows it (`sizes`), and the scale is drawn so saturated tanh states appear too.
Strategies only draw inputs: no answer of the assignment is computed here (this module
ships to students).
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
from hypothesis import strategies as st

from grader.checks.framework import Case
from grader.checks.shapes import sizes

PARAM_NAMES = ("W_xh", "W_hh", "b_h", "W_hy", "b_y")


DIM = (1, 4)  # the range of N, D, H and O


def dim(high: int = 4) -> st.SearchStrategy[int]:
    return st.integers(1, high)


SEEDS = st.integers(0, 2**16)


def grid_values(seed: int, shape: tuple[int, ...], scale: float) -> np.ndarray:
    """Entries k·scale/10 for k in −10..10, reproducible from `seed`."""
    return np.random.default_rng(seed).integers(-10, 11, size=shape).astype(np.float64) * scale / 10


@lru_cache(maxsize=None)
def array(shape: tuple[int, ...], scale: float = 1.0) -> st.SearchStrategy[np.ndarray]:
    """A float64 array of the given shape on a grid of tenths (scaled).

    One draw per array (a seed), not one per entry: drawing entries one by one made
    Hypothesis's bookkeeping the main cost of grading.  Shapes still shrink, so a
    counterexample stays small and its values short."""
    return SEEDS.map(lambda seed: grid_values(seed, shape, scale))


weight_scale = st.sampled_from([1.0, 0.5, 2.5])


@st.composite
def cell_weights(draw, D: int, H: int) -> Case:
    s = draw(weight_scale)
    return {"W_xh": draw(array((D, H), s)), "W_hh": draw(array((H, H), s)), "b_h": draw(array((H,), s))}


@st.composite
def cell_case(draw) -> Case:
    N, D, H = draw(sizes(DIM, DIM, DIM))
    w = draw(cell_weights(D, H))
    return {"x_t": draw(array((N, D), 2.0)), "h_prev": draw(array((N, H))), **w}


@st.composite
def forward_case(draw, min_t: int = 1) -> Case:
    N, T, D, H = draw(sizes(DIM, (min_t, 5), DIM, DIM))
    w = draw(cell_weights(D, H))
    return {"x": draw(array((N, T, D), 2.0)), "h0": draw(array((N, H))), **w}


@st.composite
def output_case(draw) -> Case:
    N, T, H, O = draw(sizes(DIM, (1, 5), DIM, DIM))
    return {"h": draw(array((N, T, H), 0.9)), "W_hy": draw(array((H, O), 2.0)), "b_y": draw(array((O,), 2.0))}


@st.composite
def cell_backward_case(draw) -> Case:
    """One step's backward inputs.  The gradients use h_t only through 1 − h_t², so any state
    in (−1, 1) is a fair h_t: no forward pass is needed to build one (and none is shipped)."""
    N, D, H = draw(sizes(DIM, DIM, DIM))
    s = draw(weight_scale)
    return {"dh_t": draw(array((N, H), 2.0)), "x_t": draw(array((N, D), 2.0)), "h_prev": draw(array((N, H))),
            "h_t": draw(array((N, H), 0.9)), "W_xh": draw(array((D, H), s)), "W_hh": draw(array((H, H), s))}


@st.composite
def backward_case(draw, min_t: int = 1) -> Case:
    """BPTT inputs; the states h are drawn in (−1, 1) like h_t above."""
    N, T, D, H = draw(sizes(DIM, (min_t, 5), DIM, DIM))
    s = draw(weight_scale)
    return {"dh": draw(array((N, T, H), 2.0)), "x": draw(array((N, T, D), 2.0)), "h0": draw(array((N, H))),
            "h": draw(array((N, T, H), 0.9)), "W_xh": draw(array((D, H), s)), "W_hh": draw(array((H, H), s))}


@st.composite
def targets(draw, N: int, T: int, O: int) -> np.ndarray:
    return np.random.default_rng(draw(SEEDS)).integers(0, O, size=(N, T)).astype(np.int64)


@st.composite
def loss_case(draw, offset: float = 0.0, min_classes: int = 1) -> Case:
    """Logits (N, T, O) and int64 targets; `offset` is added to every logit (1e3 exposes overflow)."""
    N, T, O = draw(sizes(DIM, (1, 5), (min_classes, DIM[1])))
    y = draw(array((N, T, O), 3.0)) + offset
    return {"y": y, "targets": draw(targets(N, T, O))}


@st.composite
def grads_dict(draw) -> dict[str, np.ndarray]:
    shapes = {"W_xh": (draw(dim()), draw(dim())), "W_hh": (draw(dim()), draw(dim())), "b_h": (draw(dim()),)}
    keys = draw(st.lists(st.sampled_from(sorted(shapes)), min_size=1, max_size=3, unique=True))
    return {k: draw(array(shapes[k], 3.0)) for k in sorted(keys)}


def global_norm(grads: dict[str, np.ndarray]) -> float:
    return float(np.sqrt(sum(float(np.sum(g * g)) for g in grads.values())))


@st.composite
def clip_norm_case(draw, factors=(0.1, 0.5, 2.0, 10.0)) -> Case:
    """Gradients and a max_norm placed below or above their global norm by a drawn factor."""
    grads = draw(grads_dict().filter(lambda g: global_norm(g) > 0))
    total = global_norm(grads)
    return {"grads": grads, "max_norm": round(total * draw(st.sampled_from(factors)), 3)}


@st.composite
def clip_value_case(draw) -> Case:
    return {"grads": draw(grads_dict()), "clip_value": draw(st.sampled_from([0.1, 0.5, 1.0, 2.5]))}


@st.composite
def params_case(draw) -> Case:
    N, T, D, H, O = draw(sizes((1, 3), (1, 4), (1, 3), (1, 3), (1, 3)))
    w = draw(cell_weights(D, H))
    params = {**w, "W_hy": draw(array((H, O), 2.0)), "b_y": draw(array((O,), 1.0))}
    return {"params": params, "x": draw(array((N, T, D), 2.0)), "h0": draw(array((N, H))),
            "targets": draw(targets(N, T, O))}


@st.composite
def sequence_case(draw) -> Case:
    T, D, H = draw(sizes((1, 6), DIM, DIM))
    w = draw(cell_weights(D, H))
    return {"x": draw(array((T, D), 2.0)), "h0": draw(array((H,))), **w}
