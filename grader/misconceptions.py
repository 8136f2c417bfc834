"""The catalog of known mistakes, and how each is recognised from a student's outputs alone.

Every mistake is defined once, as a wrong version of one assignment function.  To
diagnose a failed part, the grader runs the student's function on a few designed inputs
(dimensions all different, a non-symmetric W_hh, nonzero h0 and biases, T ≥ 3, logits
near ±1000, gradient norms above and below max_norm) and compares the answers with the
reference in which that one function was replaced by the wrong version.  Because the
reference's functions call each other, a mistake in the cell is also recognised in the
unrolled forward pass and in the training step that use it.

Instructor-side: the wrong versions reveal the right ones, so this module needs the
reference solution and runs only when grading.
"""
from __future__ import annotations

from dataclasses import dataclass
from types import FunctionType, SimpleNamespace
from typing import Any, Callable, Iterable

import numpy as np

from grader.checks import strategies as S
from grader.checks.framework import Case, Mismatch, PartAborted, Probe, arguments

FLOAT32 = "float32-precision"
MUTATES = "mutates-input"


@dataclass(frozen=True)
class Misconception:
    id: str
    function: str
    variants: tuple[Callable[..., Any], ...]  # wrong(ns, *args), ns = the (patched) reference
    cases: tuple[int, ...] | None = None  # which designed inputs judge it (None: all of them)


# --- the wrong versions -------------------------------------------------------------------------

def _pre(x_t, h_prev, W_xh, W_hh, b_h):
    return x_t @ W_xh + h_prev @ W_hh + b_h


def _unroll_from(ns, x, start, W_xh, W_hh, b_h, carry: bool):
    states, h = [], start
    for t in range(x.shape[1]):
        h = ns.rnn_cell_forward(x[:, t], h if carry else start, W_xh, W_hh, b_h)
        states.append(h)
    return np.stack(states, axis=1)


def _bptt(ns, dh, x, h0, h, W_xh, W_hh, order, carry: bool, accumulate: bool):
    dx, dnext = np.zeros(x.shape), np.zeros(h0.shape)
    sums = [np.zeros(W_xh.shape), np.zeros(W_hh.shape), np.zeros(W_hh.shape[0])]
    for t in order(x.shape[1]):
        h_prev = h[:, t - 1] if t > 0 else h0
        upstream = dh[:, t] + dnext if carry else dh[:, t]
        dx[:, t], dnext, *step = ns.rnn_cell_backward(upstream, x[:, t], h_prev, h[:, t], W_xh, W_hh)
        sums = [s + g for s, g in zip(sums, step)] if accumulate else step
    return (dx, dnext, *sums)


def _cell_backward(dh_t, x_t, h_prev, W_xh, W_hh, local):
    da = dh_t * local
    return da @ W_xh.T, da @ W_hh.T, x_t.T @ da, h_prev.T @ da, da.sum(axis=0)


def _cross_entropy(y, targets, shift: bool, divide_by: Callable[[int, int], int]):
    N, T, _ = y.shape
    z = y - y.max(axis=-1, keepdims=True) if shift else y
    p = np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)
    picked = np.take_along_axis(p, targets[..., None], axis=-1)[..., 0]
    dy = p.copy()
    np.put_along_axis(dy, targets[..., None], np.take_along_axis(dy, targets[..., None], -1) - 1, -1)
    return float(-np.log(picked).sum() / divide_by(N, T)), dy / divide_by(N, T)


def _jacobian_norms(ns, x, h0, W_xh, W_hh, b_h, transpose: bool):
    h = ns.rnn_forward(x[None], h0[None], W_xh, W_hh, b_h)[0]
    g, jac = np.zeros(x.shape[0]), np.eye(W_hh.shape[0])
    for k in range(x.shape[0] - 1, -1, -1):
        jac = jac @ np.diag(1 - h[k] ** 2) @ (W_hh.T if transpose else W_hh)
        g[k] = np.linalg.norm(jac)
    return g


CATALOG: tuple[Misconception, ...] = (
    Misconception("missing-tanh", "rnn_cell_forward", (lambda ns, *a: _pre(*a),)),
    Misconception("relu-instead-of-tanh", "rnn_cell_forward", (lambda ns, *a: np.maximum(_pre(*a), 0.0),)),
    Misconception("missing-bias", "rnn_cell_forward",
                  (lambda ns, x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh),)),
    Misconception("bias-outside-tanh", "rnn_cell_forward",
                  (lambda ns, x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh) + b,)),
    Misconception("transposed-recurrent-weight", "rnn_cell_forward",
                  (lambda ns, x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh.T + b),)),
    Misconception("forward-ignores-previous-state", "rnn_forward",
                  (lambda ns, x, h0, *w: _unroll_from(ns, x, h0, *w, carry=False),)),
    Misconception("forward-ignores-h0", "rnn_forward",
                  (lambda ns, x, h0, *w: _unroll_from(ns, x, np.zeros_like(h0), *w, carry=True),)),
    Misconception("output-missing-bias", "rnn_output", (lambda ns, h, W, b: h @ W,)),
    Misconception("missing-tanh-derivative", "rnn_cell_backward",
                  (lambda ns, dh, x, hp, h, Wx, Wh: _cell_backward(dh, x, hp, Wx, Wh, 1.0),)),
    Misconception("tanh-derivative-applied-twice", "rnn_cell_backward",
                  (lambda ns, dh, x, hp, h, Wx, Wh: _cell_backward(dh, x, hp, Wx, Wh, 1 - np.tanh(h) ** 2),)),
    Misconception("bptt-no-accumulation", "rnn_backward", (
        lambda ns, *a: _bptt(ns, *a, order=lambda T: reversed(range(T)), carry=True, accumulate=False),
        lambda ns, *a: _bptt(ns, *a, order=range, carry=True, accumulate=False))),
    Misconception("bptt-no-carry", "rnn_backward",
                  (lambda ns, *a: _bptt(ns, *a, order=lambda T: reversed(range(T)), carry=False, accumulate=True),)),
    Misconception("bptt-forward-loop", "rnn_backward",
                  (lambda ns, *a: _bptt(ns, *a, order=range, carry=True, accumulate=True),)),
    # the loss's value mistakes are judged on ordinary logits, overflow on logits near 1000,
    # so a loss that has both is diagnosed with both
    Misconception("loss-not-averaged-over-batch", "sequence_cross_entropy",
                  (lambda ns, y, t: _cross_entropy(y, t, True, lambda N, T: 1),), cases=(0,)),
    Misconception("loss-mean-over-time", "sequence_cross_entropy",
                  (lambda ns, y, t: _cross_entropy(y, t, True, lambda N, T: N * T),), cases=(0,)),
    Misconception("softmax-overflow", "sequence_cross_entropy",
                  (lambda ns, y, t: _cross_entropy(y, t, False, lambda N, T: N),), cases=(1,)),
    Misconception("clip-per-tensor", "clip_grad_norm", (
        lambda ns, grads, m: ({k: g * min(1.0, m / (S.global_norm({k: g}) + 1e-6)) for k, g in grads.items()},
                              S.global_norm(grads)),)),
    Misconception("clip-always-rescales", "clip_grad_norm", (
        lambda ns, grads, m: ({k: g * (m / (S.global_norm(grads) + 1e-6)) for k, g in grads.items()},
                              S.global_norm(grads)),)),
    Misconception("clip-by-value-instead-of-norm", "clip_grad_norm", (
        lambda ns, grads, m: ({k: np.clip(g, -m, m) for k, g in grads.items()}, S.global_norm(grads)),)),
    Misconception("jacobian-wrong-convention", "gradient_norms_through_time",
                  (lambda ns, *a: _jacobian_norms(ns, *a, transpose=False),)),
)
IDS = tuple(m.id for m in CATALOG) + (FLOAT32, MUTATES)


# --- designed inputs ------------------------------------------------------------------------------

def _weights(D: int = 3, H: int = 4) -> dict[str, np.ndarray]:
    W_hh = S.grid_values(3, (H, H), 1.0)
    W_hh[0, 1], W_hh[1, 0] = 0.9, -0.4  # never symmetric
    return {"W_xh": S.grid_values(2, (D, H), 1.0), "W_hh": W_hh, "b_h": S.grid_values(4, (H,), 0.5) + 0.3}


_TANH_CELL = SimpleNamespace(rnn_cell_forward=lambda *a: np.tanh(_pre(*a)))
"""The assignment's cell, instructor-side only (the student bundle ships no forward pass)."""


def _designed_cases() -> dict[str, list[Case]]:
    N, T, D, H, O = 2, 3, 3, 4, 3
    w = _weights(D, H)
    x, h0 = S.grid_values(1, (N, T, D), 2.0), S.grid_values(5, (N, H), 1.0)
    h = _unroll_from(_TANH_CELL, x, h0, **w, carry=True)  # the backward inputs' states are the forward's
    dh = S.grid_values(6, (N, T, H), 2.0)
    y = S.grid_values(7, (N, T, O), 3.0)
    targets = np.array([[0, 2, 1], [1, 1, 0]], dtype=np.int64)
    grads = {"W_xh": S.grid_values(8, (D, H), 3.0), "W_hh": S.grid_values(9, (H, H), 0.5),
             "b_h": S.grid_values(10, (H,), 2.0)}
    total = S.global_norm(grads)
    params = {**w, "W_hy": S.grid_values(11, (H, O), 2.0), "b_y": S.grid_values(12, (O,), 1.0)}
    return {
        "rnn_cell_forward": [{"x_t": x[:, 0], "h_prev": h0, **w}],
        "rnn_forward": [{"x": x, "h0": h0, **w}],
        "rnn_output": [{"h": h, "W_hy": params["W_hy"], "b_y": params["b_y"]}],
        "rnn_cell_backward": [{"dh_t": dh[:, 1], "x_t": x[:, 1], "h_prev": h[:, 0], "h_t": h[:, 1],
                               "W_xh": w["W_xh"], "W_hh": w["W_hh"]}],
        "rnn_backward": [{"dh": dh, "x": x, "h0": h0, "h": h, "W_xh": w["W_xh"], "W_hh": w["W_hh"]}],
        "sequence_cross_entropy": [{"y": y, "targets": targets}, {"y": y + 1000.0, "targets": targets}],
        "clip_grad_norm": [{"grads": grads, "max_norm": round(total / 3, 3)},
                           {"grads": grads, "max_norm": round(total * 2, 3)}],
        "clip_grad_value": [{"grads": grads, "clip_value": 0.5}],
        "rnn_loss_and_grads": [{"params": params, "x": x, "h0": h0, "targets": targets}],
        "gradient_norms_through_time": [{"x": S.grid_values(13, (5, D), 2.0), "h0": h0[0], **w}],
    }


DESIGNED = _designed_cases()


# --- matching -----------------------------------------------------------------------------------

def same_answer(a: Any, b: Any, tol: float = 1e-6) -> bool:
    """Equal structure and values (norm-relative), with non-finite entries required at the same places."""
    if isinstance(a, dict) or isinstance(b, dict):
        return isinstance(a, dict) and isinstance(b, dict) and a.keys() == b.keys() and all(
            same_answer(a[k], b[k], tol) for k in a)
    if isinstance(a, (tuple, list)) or isinstance(b, (tuple, list)):
        return (isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)) and len(a) == len(b)
                and all(same_answer(x, y, tol) for x, y in zip(a, b)))
    try:
        x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    if x.shape != y.shape:
        return False
    finite = np.isfinite(x)
    if not np.array_equal(finite, np.isfinite(y)):
        return False
    x, y = x[finite], y[finite]
    scale = max(float(np.linalg.norm(x)), float(np.linalg.norm(y)), 1e-12)
    return float(np.linalg.norm(x - y)) <= tol * scale


def patched(reference: Any, function: str, wrong: Callable[..., Any]) -> SimpleNamespace:
    """A copy of the reference whose `function` is the wrong version; the other functions call it."""
    namespace: dict[str, Any] = dict(vars(reference))
    ns = SimpleNamespace()
    for name, value in list(namespace.items()):
        if isinstance(value, FunctionType):
            namespace[name] = FunctionType(value.__code__, namespace, value.__name__, value.__defaults__,
                                           value.__closure__)
    namespace[function] = lambda *args: wrong(ns, *args)
    ns.__dict__.update(namespace)
    return ns


def _student_answers(probe: Probe, part: str, cases: list[Case]) -> list[Any] | None:
    try:
        return [probe(part, case) for case in cases]
    except (Mismatch, PartAborted):
        return None


def _arrays(value: Any) -> list[np.ndarray]:
    """Every array inside a returned value (numbers as 0-d arrays)."""
    if isinstance(value, dict):
        return [a for x in value.values() for a in _arrays(x)]
    if isinstance(value, (tuple, list)):
        return [a for x in value for a in _arrays(x)]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return [np.asarray(value)]
    return [value] if isinstance(value, np.ndarray) else []


def _float32(answers: Iterable[Any]) -> bool:
    return any(a.dtype == np.float32 for v in answers for a in _arrays(v))


def _holds_a_number(answers: Iterable[Any]) -> bool:
    """Whether any answer holds a finite number: NaN or infinity everywhere is no answer at
    all, and so no mistake explains it (a wrong variant can be NaN on one input too)."""
    return any(a.dtype.kind in "biuf" and np.any(np.isfinite(a)) for v in answers for a in _arrays(v))


def diagnose(part: str, probe: Probe, reference: Any, mutated: bool = False) -> tuple[str, ...]:
    """The ids of the known mistakes the student's `part` shows (call only for a part that failed).

    Per designed input at most one mistake explains the answer (the first in catalog order),
    so two contradicting diagnoses never appear together."""
    found: list[str] = []
    cases = DESIGNED[part]
    answers = _student_answers(probe, part, cases)
    if answers is not None and _holds_a_number(answers):
        if _float32(answers):
            found.append(FLOAT32)
        else:
            explained: set[int] = set()
            with np.errstate(all="ignore"):
                right = [getattr(reference, part)(*arguments(c)) for c in cases]
                for m in CATALOG:
                    own = m.cases is not None and m.function == part
                    judged = set(m.cases if own else range(len(cases)))
                    if not judged & explained and _matches(m, part, reference, [cases[i] for i in judged],
                                                           [answers[i] for i in judged], [right[i] for i in judged]):
                        found.append(m.id)
                        explained |= judged
    if mutated:
        found.append(MUTATES)
    return tuple(found)


def _matches(m: Misconception, part: str, reference: Any, cases: list[Case], answers: list[Any],
             right: list[Any]) -> bool:
    for wrong in m.variants:
        ns = patched(reference, m.function, wrong)
        expected = [getattr(ns, part)(*arguments(c)) for c in cases]
        if all(same_answer(e, r) for e, r in zip(expected, right)):
            return False  # this mistake does not show in this part at all
        if all(same_answer(a, e) for a, e in zip(answers, expected)):
            return True
    return False
