"""The values checks work with, and the one walk over them.

A value is a tree: dicts (str keys), tuples and lists hold values; everything else (numpy
arrays and scalars, Python numbers, str, None) is a leaf. The stored examples' JSON, their
rounding to stable digits and the counterexamples in reports are each a `walk` with their own
leaves. The sandbox's wire format walks the same kinds of values with its own code: the worker
loads it alone (it can import nothing of ours), and that walk is where untrusted values are
bounded (depth, size, node counts), which a shared generic walk would hide.

A leaf module: it imports nothing of ours.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

REPORT_DECIMALS = 6  # decimals of a float shown in a report: enough to see a difference, short to read


def _same_kind(kind: type, items: list[Any]) -> Any:
    return kind(items)


def walk(value: Any, leaf: Callable[[Any], Any], *, mapping: Callable[[dict[str, Any]], Any] = dict,
         sequence: Callable[[type, list[Any]], Any] = _same_kind) -> Any:
    """`value` rebuilt: every leaf through `leaf`, then every dict's walked items through `mapping`
    and every tuple's or list's through `sequence(type, items)` (by default the same containers)."""
    def again(item: Any) -> Any:
        return walk(item, leaf, mapping=mapping, sequence=sequence)

    if isinstance(value, dict):
        return mapping({k: again(v) for k, v in value.items()})
    if isinstance(value, (tuple, list)):
        return sequence(type(value), [again(v) for v in value])
    return leaf(value)


def rounded(value: Any, digits: int) -> Any:
    """`value` with every float (in arrays too) rounded to `digits` significant digits."""
    def leaf(x: Any) -> Any:
        if isinstance(x, np.ndarray) and x.dtype.kind == "f":
            return np.array([float(f"{f:.{digits}g}") for f in x.ravel().tolist()], dtype=x.dtype).reshape(x.shape)
        if isinstance(x, (float, np.floating)):
            return float(f"{float(x):.{digits}g}")
        return x

    return walk(value, leaf)


def plain(value: Any) -> Any:
    """`value` for a JSON report: arrays as nested lists and numpy scalars as numbers, floats to
    REPORT_DECIMALS decimals."""
    def leaf(x: Any) -> Any:
        if isinstance(x, (np.ndarray, np.generic)):
            return x.round(REPORT_DECIMALS).tolist() if x.dtype.kind == "f" else x.tolist()
        return x

    return walk(value, leaf)


def shapes(value: Any) -> Any:
    """The shape of every array in `value` (a number's is [])."""
    return walk(value, lambda x: list(getattr(x, "shape", ())))


def source(value: Any) -> str:
    """Python source that rebuilds `value` (arrays and numpy scalars as np.array of their values)."""
    def leaf(x: Any) -> str:
        return f"np.array({x.tolist()!r})" if isinstance(x, (np.ndarray, np.generic)) else repr(x)

    def sequence(kind: type, items: list[str]) -> str:
        if kind is list:
            return "[" + ", ".join(items) + "]"
        return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"

    return walk(value, leaf, mapping=lambda d: "{" + ", ".join(f"{k!r}: {v}" for k, v in d.items()) + "}",
                sequence=sequence)
