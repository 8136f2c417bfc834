"""The comparison helpers' fast paths give what numpy's generic functions give, bit for bit: a
verdict or a reported error must not move by one ulp because the grader got faster."""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

from grader.checks.answers import identical
from grader.checks.compare import norm

SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=5)
FLOATS = st.floats(-1e150, 1e150, allow_nan=False)  # no overflow in x·x


@settings(derandomize=True, database=None, max_examples=300)
@given(hnp.arrays(np.float64, SHAPES, elements=FLOATS), st.sampled_from(["C", "F", "strided"]))
def test_norm_is_numpys_norm_bit_for_bit(a, layout):
    if layout == "F":
        a = np.asfortranarray(a)
    elif layout == "strided" and a.ndim:
        a = a[..., ::2]
    assert norm(a) == float(np.linalg.norm(a))


def test_norm_of_other_kinds_is_numpys_norm():
    for a in (np.arange(6, dtype=np.int64).reshape(2, 3), np.linspace(0, 1, 7, dtype=np.float32), 3.5):
        assert norm(a) == float(np.linalg.norm(a))


@settings(derandomize=True, database=None, max_examples=200)
@given(hnp.arrays(np.float64, SHAPES, elements=FLOATS), hnp.arrays(np.float64, SHAPES, elements=FLOATS))
def test_identical_arrays_are_numpys_array_equal(a, b):
    assert identical(a, b) == bool(np.array_equal(a, b))
    assert identical(a, a.copy())
