"""Similarity pairs: renaming, comments, layout and order change nothing; different code does not pair."""
from __future__ import annotations

import random
import re

from grader.similarity import normalise, similar_pairs, to_csv
from tests.conftest import RNN
from tests.conftest import EXAMPLES, REFERENCE, STUBS

PARTS = RNN.part_names

ORIGINAL = '''
import numpy as np

def rnn_cell_forward(x_t, h_prev, W_xh, W_hh, b_h):
    """Forward one step."""
    z = x_t @ W_xh + h_prev @ W_hh + b_h
    return np.tanh(z)

def rnn_forward(x, h0, W_xh, W_hh, b_h):
    N, T, D = x.shape
    h = np.zeros((N, T, h0.shape[1]))
    prev = h0
    for t in range(T):
        prev = rnn_cell_forward(x[:, t, :], prev, W_xh, W_hh, b_h)
        h[:, t, :] = prev
    return h
'''

DISGUISED = '''
# my own work, honest
import numpy as numpy_lib


def rnn_forward(inputs, initial, Wx, Wh, bias):
    # unroll over time
    n, steps, d = inputs.shape
    states = numpy_lib.zeros((n, steps, initial.shape[1]))

    state = initial
    for step in range(steps):
        state = rnn_cell_forward(inputs[:, step, :], state, Wx, Wh, bias)   # one step
        states[:, step, :] = state
    return states


def rnn_cell_forward(a, b, c, d, e):
    pre = (a @ c) + (b @ d) + e
    return numpy_lib.tanh(pre)
'''

DIFFERENT = '''
import numpy as np

def rnn_cell_forward(x_t, h_prev, W_xh, W_hh, b_h):
    return np.tanh(np.einsum("nd,dh->nh", x_t, W_xh) + np.einsum("nh,hk->nk", h_prev, W_hh) + b_h[None, :])

def rnn_forward(x, h0, W_xh, W_hh, b_h):
    outs = []
    h = h0
    for x_t in np.moveaxis(x, 1, 0):
        h = rnn_cell_forward(x_t, h, W_xh, W_hh, b_h)
        outs.append(h)
    return np.stack(outs, axis=1)
'''


def test_names_comments_layout_and_order_are_normalised_away():
    assert normalise(ORIGINAL, PARTS) == normalise(DISGUISED, PARTS)
    pairs = similar_pairs({"kim": ORIGINAL, "lee": DISGUISED, "park": DIFFERENT}, keep=PARTS)
    assert [(p.a, p.b, p.score, p.identical) for p in pairs] == [("kim", "lee", 1.0, True)]


def test_a_small_edit_still_pairs_with_a_score_below_one():
    edited = ORIGINAL.replace("return np.tanh(z)", "out = np.tanh(z)\n    return out")
    pairs = similar_pairs({"kim": ORIGINAL, "choi": edited}, keep=PARTS, threshold=0.8)
    assert len(pairs) == 1 and 0.8 <= pairs[0].score < 1.0 and not pairs[0].identical


def test_the_stubs_and_independent_solutions_do_not_pair():
    sources = {p.stem: p.read_text(encoding="utf-8") for p in EXAMPLES.glob("*.py")}
    sources["stub"] = STUBS.read_text(encoding="utf-8")
    assert similar_pairs(sources, keep=PARTS) == []


def test_invalid_python_is_left_out():
    pairs = similar_pairs({"a": "def f(:\n", "b": "def f(:\n", "c": ORIGINAL}, keep=PARTS)
    assert pairs == []
    assert normalise("def f(:\n") is None


def test_identical_code_pairs_however_many_share_it():
    reference = REFERENCE.read_text(encoding="utf-8")
    sources = {f"s{i:02d}": f"# copy {i}\n" + reference for i in range(8)}
    pairs = similar_pairs(sources, keep=PARTS, max_postings=3)   # every 10-gram is "common" here
    assert len(pairs) == 8 * 7 // 2 and all(p.identical and p.score == 1.0 for p in pairs)


def test_deterministic_and_scales_to_a_large_class():
    rng = random.Random(7)
    reference = REFERENCE.read_text(encoding="utf-8")
    examples = [p.read_text(encoding="utf-8") for p in sorted(EXAMPLES.glob("*.py"))]
    sources = {}
    for i in range(200):
        base = examples[i % len(examples)]
        # rename every local variable of one function, deterministically: a disguised copy
        sources[f"student_{i:03d}"] = re.sub(r"\bz\b", f"v{rng.randint(0, 99)}", base)
    sources["unique"] = reference
    pairs = similar_pairs(sources, keep=PARTS)
    again = similar_pairs(dict(reversed(list(sources.items()))), keep=PARTS)
    assert pairs == again
    assert all(p.a < p.b for p in pairs)
    # copies of the same example pair with each other (40 copies each: 5 * C(40, 2)), never across examples
    assert len(pairs) == 5 * 40 * 39 // 2
    assert all(int(p.a[-3:]) % 5 == int(p.b[-3:]) % 5 for p in pairs)
    assert "unique" not in {p.a for p in pairs} | {p.b for p in pairs}


def test_csv():
    pairs = similar_pairs({"김민준": ORIGINAL, "lee": DISGUISED}, keep=PARTS)
    assert to_csv(pairs) == "student_a,student_b,score,identical\nlee,김민준,1.0,yes\n"
