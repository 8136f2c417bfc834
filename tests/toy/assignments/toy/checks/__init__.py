"""The toy assignment's public checks: properties only (no right answer is coded here)."""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from grader.checks.compare import expect_array
from grader.checks.framework import Case, Check, Probe, msg

ELEMENTS = st.floats(-10, 10, allow_nan=False, width=64)


@st.composite
def pair(draw) -> Case:
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=2, max_side=4))
    return {"a": draw(hnp.arrays(np.float64, shape, elements=ELEMENTS)),
            "b": draw(hnp.arrays(np.float64, shape, elements=ELEMENTS))}


@st.composite
def scaled(draw) -> Case:
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=2, max_side=4))
    return {"x": draw(hnp.arrays(np.float64, shape, elements=ELEMENTS)), "k": draw(st.sampled_from([0.5, 2.0, -3.0]))}


def _commutes(probe: Probe, case: Case) -> None:
    swapped = {"a": case["b"], "b": case["a"]}
    expect_array(probe("add_arrays", case), probe("add_arrays", swapped), msg("what.toy_add_swapped"))


def _zero_is_neutral(probe: Probe, case: Case) -> None:
    expect_array(probe("add_arrays", {"a": case["a"], "b": np.zeros_like(case["a"])}), case["a"], msg("what.toy_add_zero"))


def _linear(probe: Probe, case: Case) -> None:
    once = probe("scale_array", case)
    expect_array(probe("scale_array", {"x": case["x"] + case["x"], "k": case["k"]}), 2 * np.asarray(once),
                 msg("what.toy_scale_double"))


COMPARE = {"add_arrays": lambda got, exp: expect_array(got, exp, "a + b"),
           "scale_array": lambda got, exp: expect_array(got, exp, "k * x")}

PUBLIC = {
    "add_arrays": (Check("commutes", 1, True, pair(), _commutes), Check("zero_is_neutral", 1, True, pair(), _zero_is_neutral)),
    "scale_array": (Check("linear", 1, True, scaled(), _linear),),
}
