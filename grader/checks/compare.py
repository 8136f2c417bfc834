"""Compare a student's returned value with an expected one, in the grader's process.

Values arrive from the sandbox already decoded into plain arrays the grader owns.  Shape
and dtype are checked before any value (np.allclose broadcasts, so it is never used),
and errors are judged norm-relative: elementwise ratios blow up on near-zero entries.

Every answer of this assignment is finite, so a NaN or an infinity the student returns is
never close to anything: each comparison is written so that NaN fails it (`not err <= tol`,
never `err > tol`), and every helper that accepts a student's array or number first
requires it to be finite.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from grader import values
from grader.checks.framework import Mismatch, Msg, msg

FORWARD_TOL = 1e-8
GRADIENT_TOL = 1e-7
CLIP_TOL = 1e-5


What = str | Msg  # what was compared: a code expression, or a described situation


def describe(value: Any) -> Msg:
    """A short, safe description of what the student returned (for messages)."""
    if isinstance(value, np.ndarray):
        return msg("value.array", shape=tuple(value.shape), dtype=str(value.dtype))
    if isinstance(value, (tuple, list)):
        return msg("value.sequence", type=type(value).__name__, count=len(value))
    if isinstance(value, dict):
        return msg("value.dict", keys=sorted(map(str, value)))
    return msg("value.other", type=getattr(value, "type_name", None) or type(value).__name__)


NORM_FLOOR = 1e-6


def norm(a: Any) -> float:
    """`np.linalg.norm(a)`, bit for bit; a float64 array (nearly every call) the way it computes it,
    √(x·x) of the flattened array, without its generic overhead (it runs for every answer checked)."""
    if type(a) is np.ndarray and a.dtype == np.float64:
        flat = a.ravel(order="K")
        return math.sqrt(flat.dot(flat))
    return float(np.linalg.norm(a))


def relative_error(expected: np.ndarray, got: np.ndarray) -> float:
    """‖got − expected‖ / max(‖got‖, ‖expected‖, NORM_FLOOR).

    The floor keeps round-off on an exactly-zero answer (1e-17 against −1e-17, from
    cancellation) from counting as a 100 % error."""
    scale = max(norm(expected), norm(got), NORM_FLOOR)
    return norm(got - expected) / scale


def as_array(got: Any, what: What) -> np.ndarray:
    """The student's value as a float array, or a Mismatch saying what came back instead."""
    if isinstance(got, np.ndarray) and got.dtype.kind in "biuf":
        return got
    if isinstance(got, (int, float)) and not isinstance(got, bool):
        return np.asarray(got, dtype=np.float64)
    raise Mismatch(msg("check.not_array", what=what, got=describe(got)))


def expect_finite(arr: np.ndarray, what: What) -> np.ndarray:
    """The array itself, or a Mismatch naming its first NaN or infinity."""
    if not np.isfinite(arr).all():
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
        raise Mismatch(msg("check.not_finite", what=what, value=float(arr[bad]), index=bad),
                       {"worst_index": list(bad), "got": _round(arr)})
    return arr


def expect_array(got: Any, expected: np.ndarray, what: What, tol: float = FORWARD_TOL) -> np.ndarray:
    """Check shape, dtype, finiteness and values of one array; return it for further checks.

    An `expected` derived from the student's own answer may hold NaN: then the error is NaN
    and the values differ."""
    expected = np.asarray(expected, dtype=np.float64)
    arr = expect_shape(got, expected.shape, what)
    err = relative_error(expected, arr)
    if not err <= tol:
        diff = np.abs(arr - expected)
        worst = tuple(int(i) for i in np.unravel_index(int(np.argmax(diff)), diff.shape)) if diff.size else ()
        raise Mismatch(
            msg("check.values_differ", what=what, error=f"{err:.2g}", difference=f"{float(diff[worst]):.3g}",
                index=worst, expected=f"{float(expected[worst]):.10g}", got=f"{float(arr[worst]):.10g}"),
            {"relative_error": err, "worst_index": list(worst), "expected": _round(expected), "got": _round(arr)},
        )
    return arr


def expect_scalar(got: Any, expected: float, what: What, tol: float = FORWARD_TOL) -> float:
    """A float, numpy scalar or 0-d array equal to `expected` within a relative tolerance."""
    value = as_scalar(got, what)
    if not abs(value - expected) <= tol * max(abs(value), abs(expected), 1e-300):
        raise Mismatch(msg("check.scalar_differs", what=what, got=f"{value:.10g}", expected=f"{expected + 0.0:.10g}"),
                       {"expected": expected, "got": value})
    return value


def as_scalar(got: Any, what: What) -> float:
    """A finite float, numpy scalar, 0-d or one-element array, as a Python float."""
    arr = as_array(got, what)
    if arr.size != 1 or arr.ndim > 1:
        raise Mismatch(msg("check.not_scalar", what=what, got=describe(got)))
    value = float(arr.reshape(()))
    if not np.isfinite(value):
        raise Mismatch(msg("check.scalar_not_finite", what=what, got=value), {"got": str(value)})
    return value


def expect_sequence(got: Any, names: tuple[str, ...], what: What) -> tuple[Any, ...]:
    """A tuple (or list) with exactly one item per name."""
    if not isinstance(got, (tuple, list)) or len(got) != len(names):
        raise Mismatch(msg("check.not_tuple", what=what, names=", ".join(names), got=describe(got)))
    return tuple(got)


def expect_dict(got: Any, keys: tuple[str, ...] | list[str], what: What) -> dict[str, Any]:
    """A dict with exactly these keys."""
    if not isinstance(got, dict) or sorted(got) != sorted(keys):
        raise Mismatch(msg("check.not_dict", what=what, keys=sorted(keys), got=describe(got)))
    return got


def expect_arrays(got: Any, expected: tuple[np.ndarray, ...], names: tuple[str, ...], what: What,
                  tol: float = GRADIENT_TOL) -> tuple[np.ndarray, ...]:
    """A tuple of arrays, each compared with its expected array under its own name."""
    items = expect_sequence(got, names, what)
    return tuple(expect_array(g, e, item(what, n), tol) for g, e, n in zip(items, expected, names))


def expect_unchanged(before: dict[str, Any], after: tuple[Any, ...], function: str) -> None:
    """Every argument the student received is bit-for-bit what the caller passed."""
    sent = [(k, v) for k, v in before.items() if not k.startswith("_")]
    for (name, original), seen in zip(sent, after):
        if isinstance(original, dict):
            changed = not isinstance(seen, dict) or any(
                not _same(v, seen.get(k)) for k, v in original.items())
        else:
            changed = not _same(original, seen)
        if changed:
            raise Mismatch(msg("check.mutated", function=function, name=name), modified=name)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.shape == b.shape and np.array_equal(a, b, equal_nan=True)
    return a == b


def _round(a: np.ndarray) -> Any:
    """Small arrays as rounded nested lists for the report; large ones by shape only."""
    if a.size > 64:
        return {"shape": list(a.shape)}
    return values.plain(a.astype(np.float64))


def expect_shape(got: Any, shape: tuple[int, ...], what: What) -> np.ndarray:
    """A finite float64 array of exactly this shape (values otherwise unchecked)."""
    arr = as_array(got, what)
    if arr.shape != tuple(shape):
        raise Mismatch(msg("check.shape", what=what, got=tuple(arr.shape), expected=tuple(shape)),
                       {"expected_shape": list(shape), "got_shape": list(arr.shape)})
    if arr.dtype != np.float64:
        raise Mismatch(msg("check.dtype", what=what, got=str(arr.dtype)),
                       {"got_dtype": str(arr.dtype)})
    return expect_finite(arr, what)


def item(what: What, name: str) -> What:
    """`what → name`: one named item of a returned tuple or dict."""
    return msg("check.item", what=what, name=name)
