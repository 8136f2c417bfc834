"""Naming a student's mistake from what their function does, with an assignment's catalog.

An assignment's instructor folder defines its catalog (`misconceptions.py`): each known
mistake is a wrong version of one function (`CATALOG`), and `DESIGNED` holds, per part,
inputs designed to tell the mistakes apart. To diagnose a failed part the grader runs the
student's function on those inputs and compares the answers with the reference in which that
one function was replaced by the wrong version; because the reference's functions call each
other, a mistake in one function is also recognised in the functions that use it.

Instructor-side: the wrong versions reveal the right ones, so this runs only when grading.
"""
from __future__ import annotations

from dataclasses import dataclass
from types import FunctionType, SimpleNamespace
from typing import Any, Callable, Iterable

import numpy as np

from grader.checks.framework import Case, Mismatch, PartAborted, Probe, arguments
from grader.reference import Adapted

FLOAT32 = "float32-precision"
MUTATES = "mutates-input"
GENERIC_IDS = (FLOAT32, MUTATES)  # mistakes every numpy assignment can show, named by the engine itself


@dataclass(frozen=True)
class Misconception:
    id: str
    function: str
    variants: tuple[Callable[..., Any], ...]  # wrong(ns, *args), ns = the (patched) reference
    cases: tuple[int, ...] | None = None  # which designed inputs judge it (None: all of them)


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


def patched(reference: Any, function: str, wrong: Callable[..., Any]) -> Any:
    """A copy of the reference whose `function` is the wrong version; the other functions call it.

    A class or procedure is replaced the same way (the wrong version builds the wrong object), and a
    reference reached through an adapter stays so: its module is the one patched."""
    if isinstance(reference, Adapted):
        return Adapted(patched(reference.module, function, wrong), reference.adapter)
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


def catalog_ids(catalog: Any) -> tuple[str, ...]:
    """Every id an assignment's catalog can name, the engine's own included (each once)."""
    return tuple(dict.fromkeys([*(m.id for m in catalog.CATALOG), *GENERIC_IDS]))


def diagnose(catalog: Any, part: str, probe: Probe, reference: Any, mutated: bool = False) -> tuple[str, ...]:
    """The ids of the known mistakes the student's `part` shows (call only for a part that failed).

    Per designed input at most one mistake explains the answer (the first in catalog order),
    so two contradicting diagnoses never appear together."""
    found: list[str] = []
    cases = catalog.DESIGNED.get(part, [])
    answers = _student_answers(probe, part, cases) if cases else None
    if answers is not None and _holds_a_number(answers):
        if _float32(answers):
            found.append(FLOAT32)
        else:
            explained: set[int] = set()
            with np.errstate(all="ignore"):
                right = [getattr(reference, part)(*arguments(c)) for c in cases]
                for m in catalog.CATALOG:
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
