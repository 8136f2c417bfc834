"""The reference solution (solutions/rnn/rnn.py) checked against independent oracles.

Oracles: torch.nn.RNN / torch.nn.RNNCell (float64), torch autograd,
torch.autograd.functional.jacobian, torch.nn.utils.clip_grad_norm_ /
clip_grad_value_, and central finite differences. Shapes come from Hypothesis
(small ranges that include 1, plus explicit edge-case examples); values come
from a numpy Generator seeded by Hypothesis, so every run is reproducible.
"""
import copy
import importlib.util
import re
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import example, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).parents[2]
REFERENCE = ROOT / "solutions" / "rnn" / "rnn.py"
STUBS = ROOT / "assignments" / "rnn" / "rnn.py"
FUNCTIONS = ["rnn_cell_forward", "rnn_forward", "rnn_output", "rnn_cell_backward", "rnn_backward",
             "sequence_cross_entropy", "clip_grad_norm", "clip_grad_value", "rnn_loss_and_grads",
             "gradient_norms_through_time"]
PARAM_KEYS = ["W_xh", "W_hh", "b_h", "W_hy", "b_y"]
TOL = 1e-10          # norm-relative error against torch, float64
FD_TOL = 1e-6        # norm-relative error against central finite differences
FD_STEP = 1e-5

SETTINGS = settings(derandomize=True, database=None, deadline=None, max_examples=30)

# (N, T, D, H, O); the edge cases N=1, T=1, D=H, O=1 are always tried explicitly.
dims = st.tuples(st.integers(1, 4), st.integers(1, 6), st.integers(1, 5), st.integers(1, 5),
                 st.integers(1, 4))
EDGE_DIMS = [(1, 1, 3, 3, 1), (1, 4, 2, 2, 3), (3, 1, 1, 1, 2), (2, 3, 4, 4, 1)]
seeds = st.integers(0, 2**32 - 1)
# weight scale: near-linear (0.1), ordinary (1), strongly saturated (3)
scales = st.sampled_from([0.1, 1.0, 3.0])


def edge_examples(fn):
    for d in EDGE_DIMS:
        fn = example(d, 12345, 1.0)(fn)
    return example(EDGE_DIMS[0], 7, 3.0)(fn)


@pytest.fixture(autouse=True, scope="module")
def float64_by_default():
    """The oracles here run in float64; restored afterwards, because other tests (the PyTorch track's
    float32 fixtures) rely on torch's own float32 default."""
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(previous)


# ---------------------------------------------------------------- helpers

@pytest.fixture(scope="module")
def ref():
    spec = importlib.util.spec_from_file_location("rnn_reference", REFERENCE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def rel_err(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    assert a.shape == b.shape, f"shape {a.shape} != {b.shape}"
    num = np.linalg.norm((a - b).ravel())
    den = max(np.linalg.norm(a.ravel()), np.linalg.norm(b.ravel()), np.finfo(float).tiny)
    return num / den


def assert_close(got, want, tol=TOL, what=""):
    got_arr = np.asarray(got)
    want_arr = want.detach().numpy() if isinstance(want, torch.Tensor) else np.asarray(want)
    assert got_arr.shape == want_arr.shape, f"{what}: shape {got_arr.shape} != {want_arr.shape}"
    assert got_arr.dtype == np.float64, f"{what}: dtype {got_arr.dtype}"
    assert np.all(np.isfinite(got_arr)), f"{what}: not finite"
    err = rel_err(got_arr, want_arr)
    assert err <= tol, f"{what}: norm-relative error {err:.3e} > {tol:.0e}"


class Unmodified:
    """Snapshot of call arguments; .check() asserts none of them changed."""

    def __init__(self, *args):
        self.args = args
        self.copies = copy.deepcopy(args)

    def check(self):
        def same(a, b):
            if isinstance(a, dict):
                return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
            return np.array_equal(a, b, equal_nan=True) and np.asarray(a).dtype == np.asarray(b).dtype
        for i, (a, b) in enumerate(zip(self.args, self.copies)):
            assert same(a, b), f"argument {i} was modified"


def make_problem(dims_, seed, scale):
    N, T, D, H, O = dims_
    rng = np.random.default_rng(seed)
    p = {
        "W_xh": rng.normal(size=(D, H)) * scale / np.sqrt(D),
        "W_hh": rng.normal(size=(H, H)) * scale / np.sqrt(H),  # not symmetric
        "b_h": rng.normal(size=H) * 0.5,
        "W_hy": rng.normal(size=(H, O)),
        "b_y": rng.normal(size=O) * 0.5,
    }
    x = rng.normal(size=(N, T, D))
    h0 = rng.normal(size=(N, H)) * 0.5
    targets = rng.integers(0, O, size=(N, T)).astype(np.int64)
    return p, x, h0, targets, rng


def t(a, grad=False):
    return torch.tensor(np.array(a, dtype=np.float64), requires_grad=grad)


def torch_rnn(p):
    D, H = p["W_xh"].shape
    rnn = torch.nn.RNN(D, H, batch_first=True, nonlinearity="tanh").double()
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(t(p["W_xh"].T))
        rnn.weight_hh_l0.copy_(t(p["W_hh"].T))
        # torch has two biases; b_h = bias_ih_l0 + bias_hh_l0
        rnn.bias_ih_l0.copy_(t(0.25 * p["b_h"]))
        rnn.bias_hh_l0.copy_(t(p["b_h"]) - t(0.25 * p["b_h"]))
    return rnn


def torch_cell(p):
    D, H = p["W_xh"].shape
    cell = torch.nn.RNNCell(D, H, nonlinearity="tanh").double()
    with torch.no_grad():
        cell.weight_ih.copy_(t(p["W_xh"].T))
        cell.weight_hh.copy_(t(p["W_hh"].T))
        cell.bias_ih.copy_(t(0.25 * p["b_h"]))
        cell.bias_hh.copy_(t(p["b_h"]) - t(0.25 * p["b_h"]))
    return cell


# ---------------------------------------------------------------- the files themselves

def test_reference_has_every_function_and_only_numpy_import(ref):
    src = REFERENCE.read_text(encoding="utf-8")
    imports = [ln for ln in src.splitlines() if re.match(r"\s*(import|from)\s", ln)]
    assert imports == ["import numpy as np"]
    for name in FUNCTIONS:
        assert callable(getattr(ref, name)), name
        assert getattr(ref, name).__doc__, f"{name} has no docstring"
    assert src.count("### BEGIN SOLUTION") == src.count("### END SOLUTION") == len(FUNCTIONS)


def test_stubs_are_the_solution_with_answers_removed():
    src = REFERENCE.read_text(encoding="utf-8")
    pattern = re.compile(r"^([ \t]*)### BEGIN SOLUTION\n.*?^[ \t]*### END SOLUTION\n", re.S | re.M)
    expected = pattern.sub(lambda m: m.group(1) + "raise NotImplementedError\n", src)
    assert STUBS.read_text(encoding="utf-8") == expected


def test_stubs_raise_not_implemented():
    spec = importlib.util.spec_from_file_location("rnn_stubs", STUBS)
    stubs = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(stubs)
    for name in FUNCTIONS:
        fn = getattr(stubs, name)
        with pytest.raises(NotImplementedError):
            fn(*([None] * fn.__code__.co_argcount))


# ---------------------------------------------------------------- forward

@SETTINGS
@given(dims, seeds, scales)
@edge_examples
def test_rnn_cell_forward_matches_torch_rnncell(ref, d, seed, scale):
    p, x, h0, _, _ = make_problem(d, seed, scale)
    args = (x[:, 0], h0, p["W_xh"], p["W_hh"], p["b_h"])
    guard = Unmodified(*args)
    got = ref.rnn_cell_forward(*args)
    guard.check()
    want = torch_cell(p)(t(x[:, 0]), t(h0))
    assert_close(got, want, what="h_t")


@SETTINGS
@given(dims, seeds, scales)
@edge_examples
def test_rnn_forward_matches_torch_rnn(ref, d, seed, scale):
    p, x, h0, _, _ = make_problem(d, seed, scale)
    args = (x, h0, p["W_xh"], p["W_hh"], p["b_h"])
    guard = Unmodified(*args)
    got = ref.rnn_forward(*args)
    guard.check()
    out, h_n = torch_rnn(p)(t(x), t(h0)[None])
    assert_close(got, out, what="h")
    assert_close(got[:, -1], h_n[0], what="final state")


@SETTINGS
@given(dims, seeds, scales)
@edge_examples
def test_rnn_output_matches_torch_linear(ref, d, seed, scale):
    p, x, h0, _, rng = make_problem(d, seed, scale)
    h = np.tanh(rng.normal(size=x.shape[:2] + (p["W_hh"].shape[0],)) * scale)
    args = (h, p["W_hy"], p["b_y"])
    guard = Unmodified(*args)
    got = ref.rnn_output(*args)
    guard.check()
    want = torch.nn.functional.linear(t(h), t(p["W_hy"].T), t(p["b_y"]))
    assert_close(got, want, what="y")


# ---------------------------------------------------------------- backward

@SETTINGS
@given(dims, seeds, scales)
@edge_examples
def test_rnn_cell_backward_matches_autograd(ref, d, seed, scale):
    p, x, h0, _, rng = make_problem(d, seed, scale)
    cell = torch_cell(p)
    xt, hp = t(x[:, 0], grad=True), t(h0, grad=True)
    h_t = cell(xt, hp)
    dh_t = rng.normal(size=h_t.shape)
    (h_t * t(dh_t)).sum().backward()
    args = (dh_t, x[:, 0], h0, h_t.detach().numpy().copy(), p["W_xh"], p["W_hh"])
    guard = Unmodified(*args)
    dx_t, dh_prev, dW_xh, dW_hh, db_h = ref.rnn_cell_backward(*args)
    guard.check()
    assert_close(dx_t, xt.grad, what="dx_t")
    assert_close(dh_prev, hp.grad, what="dh_prev")
    assert_close(dW_xh, cell.weight_ih.grad.T, what="dW_xh")
    assert_close(dW_hh, cell.weight_hh.grad.T, what="dW_hh")
    assert_close(db_h, cell.bias_ih.grad, what="db_h")
    assert_close(db_h, cell.bias_hh.grad, what="db_h (hh)")


@SETTINGS
@given(dims, seeds, scales)
@edge_examples
def test_rnn_backward_matches_autograd_through_torch_rnn(ref, d, seed, scale):
    p, x, h0, _, rng = make_problem(d, seed, scale)
    rnn = torch_rnn(p)
    xt, h0t = t(x, grad=True), t(h0[None], grad=True)
    out, _ = rnn(xt, h0t)
    dh = rng.normal(size=out.shape)
    (out * t(dh)).sum().backward()
    # h comes from torch's forward, so this test does not depend on the reference forward
    args = (dh, x, h0, out.detach().numpy().copy(), p["W_xh"], p["W_hh"])
    guard = Unmodified(*args)
    dx, dh0, dW_xh, dW_hh, db_h = ref.rnn_backward(*args)
    guard.check()
    assert_close(dx, xt.grad, what="dx")
    assert_close(dh0, h0t.grad[0], what="dh0")
    assert_close(dW_xh, rnn.weight_ih_l0.grad.T, what="dW_xh")
    assert_close(dW_hh, rnn.weight_hh_l0.grad.T, what="dW_hh")
    assert_close(db_h, rnn.bias_ih_l0.grad, what="db_h")
    # a second call gives the same answer (no state kept between calls)
    again = ref.rnn_backward(*args)
    assert all(np.array_equal(a, b) for a, b in zip(again, (dx, dh0, dW_xh, dW_hh, db_h)))


def central_fd(f, arr):
    """Gradient of the scalar f() with respect to arr (perturbed in place, restored)."""
    grad = np.zeros_like(arr)
    it = np.nditer(arr, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = arr[i]
        arr[i] = old + FD_STEP
        fp = f()
        arr[i] = old - FD_STEP
        fm = f()
        arr[i] = old
        grad[i] = (fp - fm) / (2 * FD_STEP)
    return grad


small_dims = st.tuples(st.integers(1, 3), st.integers(1, 4), st.integers(1, 3), st.integers(1, 3),
                       st.integers(1, 3))


@settings(SETTINGS, max_examples=15)
@given(small_dims, seeds)
@example((1, 1, 2, 2, 1), 3)
@example((2, 4, 3, 2, 3), 4)
def test_rnn_backward_matches_finite_differences(ref, d, seed):
    p, x, h0, _, rng = make_problem(d, seed, 1.0)
    W_xh, W_hh, b_h = p["W_xh"].copy(), p["W_hh"].copy(), p["b_h"].copy()
    x, h0 = x.copy(), h0.copy()
    dh = rng.normal(size=x.shape[:2] + (W_hh.shape[0],))

    def f():
        return float(np.sum(dh * ref.rnn_forward(x, h0, W_xh, W_hh, b_h)))

    h = ref.rnn_forward(x, h0, W_xh, W_hh, b_h)
    dx, dh0, dW_xh, dW_hh, db_h = ref.rnn_backward(dh, x, h0, h, W_xh, W_hh)
    for name, got, arr in [("dx", dx, x), ("dh0", dh0, h0), ("dW_xh", dW_xh, W_xh),
                           ("dW_hh", dW_hh, W_hh), ("db_h", db_h, b_h)]:
        assert_close(got, central_fd(f, arr), tol=FD_TOL, what=name)


# ---------------------------------------------------------------- loss

def torch_sequence_ce(y, targets):
    yt = t(y, grad=True)
    N, T, O = y.shape
    loss = torch.nn.functional.cross_entropy(yt.reshape(N * T, O), torch.tensor(targets.reshape(-1)),
                                             reduction="sum") / N
    loss.backward()
    return loss.item(), yt.grad


@SETTINGS
@given(dims, seeds, st.sampled_from([1.0, 10.0, 1000.0]))
@edge_examples
@example((3, 4, 2, 2, 5), 99, 1000.0)
def test_sequence_cross_entropy_matches_torch(ref, d, seed, scale):
    N, T, _, _, O = d
    rng = np.random.default_rng(seed)
    y = rng.normal(size=(N, T, O)) * scale
    targets = rng.integers(0, O, size=(N, T)).astype(np.int64)
    guard = Unmodified(y, targets)
    loss, dy = ref.sequence_cross_entropy(y, targets)
    guard.check()
    want_loss, want_dy = torch_sequence_ce(y, targets)
    assert isinstance(loss, float)
    assert np.isfinite(loss)
    assert rel_err(loss, want_loss) <= TOL, (loss, want_loss)
    assert_close(dy, want_dy, what="dy")


@pytest.mark.parametrize("offset", [1000.0, -1000.0, 750.0])
def test_sequence_cross_entropy_huge_logits_are_finite_and_exact(ref, offset):
    rng = np.random.default_rng(0)
    y = offset + rng.normal(size=(3, 4, 5)) * 1000.0
    y[0, 0] = [1000.0, -1000.0, 999.0, 0.0, -999.0]
    targets = rng.integers(0, 5, size=(3, 4)).astype(np.int64)
    targets[0, 0] = 1  # a target with probability ~exp(-2000)
    loss, dy = ref.sequence_cross_entropy(y, targets)
    want_loss, want_dy = torch_sequence_ce(y, targets)
    assert np.isfinite(loss) and np.all(np.isfinite(dy))
    assert rel_err(loss, want_loss) <= TOL, (loss, want_loss)
    assert_close(dy, want_dy, what="dy")
    # naive softmax really overflows here, so the test would catch a missing max shift
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        naive = -np.log(np.exp(y) / np.exp(y).sum(-1, keepdims=True))
    assert not np.all(np.isfinite(naive))


# ---------------------------------------------------------------- clipping

def random_grads(rng, n_arrays, scale):
    shapes = [(3, 4), (4, 4), (4,), (2, 3, 2), (1,)]
    return {f"g{i}": rng.normal(size=shapes[i % len(shapes)]) * scale for i in range(n_arrays)}


def torch_params_with_grads(grads):
    params = []
    for g in grads.values():
        prm = torch.nn.Parameter(torch.zeros(g.shape))
        prm.grad = t(g)
        params.append(prm)
    return params


@SETTINGS
@given(seeds, st.integers(1, 5), st.sampled_from([1e-3, 1.0, 50.0]),
       st.sampled_from([0.01, 0.3, 0.999, 1.0, 1.001, 1.5, 10.0]))
@example(1, 3, 1.0, 1.0)      # max_norm == total: torch still scales by ~(1 - 1e-6)
@example(2, 1, 1.0, 0.5)      # one array, above max_norm
@example(3, 4, 1.0, 2.0)      # below max_norm: values unchanged
def test_clip_grad_norm_matches_torch(ref, seed, n_arrays, scale, ratio):
    rng = np.random.default_rng(seed)
    grads = random_grads(rng, n_arrays, scale)
    total = np.sqrt(sum(np.sum(g ** 2) for g in grads.values()))
    max_norm = float(total * ratio)
    guard = Unmodified(grads)
    clipped, total_norm = ref.clip_grad_norm(grads, max_norm)
    guard.check()
    params = torch_params_with_grads(grads)
    want_total = torch.nn.utils.clip_grad_norm_(params, max_norm)
    assert isinstance(total_norm, float)
    assert rel_err(total_norm, want_total.item()) <= TOL
    assert list(clipped) == list(grads) and clipped is not grads
    for (name, g), prm in zip(clipped.items(), params):
        assert_close(g, prm.grad, what=name)
        assert not np.shares_memory(g, grads[name]), f"{name} aliases the input"
    if ratio >= 1.5:      # clearly below max_norm: exactly unchanged
        assert all(np.array_equal(clipped[k], grads[k]) for k in grads)
    if ratio <= 0.999:    # clearly above: rescaled to max_norm * total / (total + 1e-6) <= max_norm
        new = np.sqrt(sum(np.sum(g ** 2) for g in clipped.values()))
        assert new <= max_norm
        assert new == pytest.approx(max_norm * total / (total + 1e-6), rel=1e-12)


@SETTINGS
@given(seeds, st.integers(1, 5), st.sampled_from([0.01, 0.5, 1.0, 100.0]))
@example(5, 2, 0.5)
def test_clip_grad_value_matches_torch(ref, seed, n_arrays, clip_value):
    rng = np.random.default_rng(seed)
    grads = random_grads(rng, n_arrays, 1.0)
    guard = Unmodified(grads)
    clipped = ref.clip_grad_value(grads, clip_value)
    guard.check()
    params = torch_params_with_grads(grads)
    torch.nn.utils.clip_grad_value_(params, clip_value)
    assert list(clipped) == list(grads) and clipped is not grads
    for (name, g), prm in zip(clipped.items(), params):
        assert_close(g, prm.grad, what=name)
        assert np.array_equal(g, prm.grad.numpy())
        assert not np.shares_memory(g, grads[name]), f"{name} aliases the input"


# ---------------------------------------------------------------- the whole model

def torch_loss_and_grads(p, x, h0, targets):
    rnn = torch_rnn(p)
    W_hy, b_y = t(p["W_hy"], grad=True), t(p["b_y"], grad=True)
    out, _ = rnn(t(x), t(h0)[None])
    y = out @ W_hy + b_y
    N, T, O = y.shape
    loss = torch.nn.functional.cross_entropy(y.reshape(N * T, O), torch.tensor(targets.reshape(-1)),
                                             reduction="sum") / N
    loss.backward()
    grads = {"W_xh": rnn.weight_ih_l0.grad.T, "W_hh": rnn.weight_hh_l0.grad.T,
             "b_h": rnn.bias_ih_l0.grad, "W_hy": W_hy.grad, "b_y": b_y.grad}
    return loss.item(), grads


@SETTINGS
@given(dims, seeds, scales)
@edge_examples
def test_rnn_loss_and_grads_matches_autograd(ref, d, seed, scale):
    p, x, h0, targets, _ = make_problem(d, seed, scale)
    guard = Unmodified(p, x, h0, targets)
    loss, grads = ref.rnn_loss_and_grads(p, x, h0, targets)
    guard.check()
    want_loss, want_grads = torch_loss_and_grads(p, x, h0, targets)
    assert isinstance(loss, float)
    assert rel_err(loss, want_loss) <= TOL, (loss, want_loss)
    assert sorted(grads) == sorted(PARAM_KEYS)
    for k in PARAM_KEYS:
        assert_close(grads[k], want_grads[k], what=k)


@settings(SETTINGS, max_examples=10)
@given(small_dims, seeds)
@example((1, 1, 2, 2, 1), 3)
@example((2, 4, 3, 2, 3), 4)
def test_rnn_loss_and_grads_matches_finite_differences(ref, d, seed):
    p, x, h0, targets, _ = make_problem(d, seed, 1.0)
    p = {k: v.copy() for k, v in p.items()}
    _, grads = ref.rnn_loss_and_grads(p, x, h0, targets)
    for k in PARAM_KEYS:
        fd = central_fd(lambda: ref.rnn_loss_and_grads(p, x, h0, targets)[0], p[k])
        assert_close(grads[k], fd, tol=FD_TOL, what=k)


# ---------------------------------------------------------------- vanishing / exploding gradients

def torch_jacobian_norms(x, h0, W_xh, W_hh, b_h):
    """g[k] = ||d h_T / d h_k||_F: torch.nn.RNNCell steps, torch.autograd.functional.jacobian."""
    T = x.shape[0]
    cell = torch_cell({"W_xh": W_xh, "W_hh": W_hh, "b_h": b_h})
    xt = t(x)

    def run(h, start):  # h (H,) -> state after the remaining steps
        h = h[None]
        for s in range(start, T):
            h = cell(xt[s][None], h)
        return h[0]

    g = np.empty(T)
    with torch.no_grad():
        states = [t(h0)]
        for s in range(T - 1):
            states.append(cell(xt[s][None], states[-1][None])[0])  # h_{s+1}
    for k in range(T):
        jac = torch.autograd.functional.jacobian(lambda h: run(h, k), states[k])
        g[k] = torch.linalg.matrix_norm(jac, ord="fro").item()
    return g


@SETTINGS
@given(dims, seeds, st.sampled_from([0.1, 0.5, 1.0, 1.5, 3.0]))
@example((1, 1, 3, 3, 1), 1, 1.0)
@example((1, 6, 2, 1, 1), 2, 1.5)
@example((1, 6, 4, 4, 1), 3, 0.5)
def test_gradient_norms_through_time_matches_torch_jacobian(ref, d, seed, scale):
    _, T, D, H, _ = d
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(T, D))
    h0 = rng.normal(size=H) * 0.5
    W_xh = rng.normal(size=(D, H)) / np.sqrt(D)
    W_hh = rng.normal(size=(H, H)) * scale / np.sqrt(H)
    b_h = rng.normal(size=H) * 0.5
    args = (x, h0, W_xh, W_hh, b_h)
    guard = Unmodified(*args)
    g = ref.gradient_norms_through_time(*args)
    guard.check()
    assert_close(g, torch_jacobian_norms(*args), what="g")


def test_gradient_norms_convention_is_not_transposed(ref):
    """A non-normal W_hh where using W_hh instead of W_hh.T changes the norms."""
    W_hh = np.array([[0.0, 2.0], [0.0, 0.5]])
    x = np.zeros((3, 1))
    W_xh = np.zeros((1, 2))
    h0 = np.array([0.3, -0.2])
    b_h = np.array([0.1, 0.4])
    g = ref.gradient_norms_through_time(x, h0, W_xh, W_hh, b_h)
    assert_close(g, torch_jacobian_norms(x, h0, W_xh, W_hh, b_h), what="g")
    # the wrong convention gives a visibly different answer, so the comparison has teeth
    h = ref.rnn_forward(x[None], h0[None], W_xh, W_hh, b_h)[0]
    wrong = np.eye(2)
    wrong_g = np.empty(3)
    for k in reversed(range(3)):
        wrong = wrong @ ((1 - h[k] ** 2)[:, None] * W_hh)
        wrong_g[k] = np.linalg.norm(wrong)
    assert rel_err(wrong_g, g) > 1e-2


def test_gradient_norms_vanish_and_explode(ref):
    """The textbook picture: contracting W_hh vanishes, expanding orthogonal W_hh (linear regime) grows."""
    rng = np.random.default_rng(0)
    H, T = 16, 30
    Q, _ = np.linalg.qr(rng.normal(size=(H, H)))
    x, h0, W_xh, b_h = np.zeros((T, 1)), np.zeros(H), np.zeros((1, H)), np.zeros(H)
    small = ref.gradient_norms_through_time(x, h0, W_xh, 0.5 * Q, b_h)
    big = ref.gradient_norms_through_time(x, h0, W_xh, 1.5 * Q, b_h)
    # at h = 0 the step Jacobian is exactly gamma * Q.T, so ||.||_F = gamma**(T-k) * sqrt(H)
    k = np.arange(T)
    assert_close(small, 0.5 ** (T - k) * np.sqrt(H), tol=1e-12, what="gamma=0.5")
    assert_close(big, 1.5 ** (T - k) * np.sqrt(H), tol=1e-12, what="gamma=1.5")
    assert small[0] < 1e-8 < 1e4 < big[0]
