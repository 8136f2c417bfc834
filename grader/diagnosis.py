"""Naming a student's mistakes from what their function does on designed inputs, in every mode.

An assignment's catalog (instructor-side, `misconceptions.py`) defines each known mistake as
wrong versions of one function, and `DESIGNED` holds, per part, inputs designed to tell the
mistakes apart. At authoring time (`rnn-grader generate`) the answers of the right and of
every wrong version on those inputs are stored in the assignment's public folder
(grader.diagnosis_data): they reveal nothing a stored example does not, so `check` names
mistakes without the reference, and `grade` reads the same file, so both name the same.

A student's answers are cut into components (each returned array or number, per input). A
set of mistakes explains them when every component agrees with the right answer where none
of the set changes it, and with the one wrong version that alone changes it; where two
change the same component, neither is judged there. Every mistake named must have a
component it alone explains, so inputs on which one mistake is invisible (a zero bias, a
zero recurrent weight) let two mistakes in one function be named together. A mistake known
by a property rather than by its values (the loss turning inf or nan on wide logits) is
judged by that property: non-finite somewhere the right answer is finite, of any kind,
however it is written.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, Callable, Iterable

import numpy as np

from grader.checks.framework import Mismatch, PartAborted, Probe

FLOAT32 = "float32-precision"
MUTATES = "mutates-input"
GENERIC_IDS = (FLOAT32, MUTATES)  # mistakes every numpy assignment can show, named by the engine itself
VALUE, NON_FINITE = "value", "non-finite"  # how a catalogued mistake shows: its values, or inf/nan where none belong
MOST_AT_ONCE = 2  # mistakes named together in one part


@dataclass(frozen=True)
class Misconception:
    id: str
    function: str
    variants: tuple[Callable[..., Any], ...]  # wrong(ns, *args), ns = the (patched) reference
    shows: str = VALUE


def catalog_ids(catalog: Any) -> tuple[str, ...]:
    """Every id an assignment's catalog can name, the engine's own included (each once)."""
    return tuple(dict.fromkeys([*(m.id for m in catalog.CATALOG), *GENERIC_IDS]))


# --- comparing answers component by component ------------------------------------------------------

ABSENT = object()  # a component one answer has and the other lacks


def components(value: Any, path: tuple = ()) -> dict[tuple, Any]:
    """Every array, number or flag inside an answer, by where it sits."""
    if isinstance(value, dict):
        return {p: v for k, x in value.items() for p, v in components(x, (*path, str(k))).items()}
    if isinstance(value, (tuple, list)):
        return {p: v for k, x in enumerate(value) for p, v in components(x, (*path, k)).items()}
    return {path: value}


def _numbers(value: Any) -> np.ndarray | None:
    if isinstance(value, (bool, np.bool_, str, bytes)) or value is None:
        return None
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    return array


def agree(a: Any, b: Any, tol: float = 1e-6) -> bool:
    """One component of two answers is the same: same shape, non-finite entries (any kind) at the
    same places, finite ones equal up to `tol` (norm-relative); flags and None exactly."""
    if a is ABSENT or b is ABSENT:
        return a is b
    x, y = _numbers(a), _numbers(b)
    if x is None or y is None:
        if isinstance(a, (bool, np.bool_)) and isinstance(b, (bool, np.bool_)):
            return bool(a) == bool(b)
        return x is None and y is None and type(a) is type(b) and a == b
    if x.shape != y.shape:
        return False
    finite = np.isfinite(x)
    if not np.array_equal(finite, np.isfinite(y)):
        return False
    x, y = x[finite], y[finite]
    scale = max(float(np.linalg.norm(x)), float(np.linalg.norm(y)), 1e-12)
    return float(np.linalg.norm(x - y)) <= tol * scale


def same_answer(a: Any, b: Any, tol: float = 1e-6) -> bool:
    """Equal structure and every component equal (see `agree`)."""
    ca, cb = components(a), components(b)
    return ca.keys() == cb.keys() and all(agree(ca[p], cb[p], tol) for p in ca)


def non_finite_where_right_is_finite(answer: dict[tuple, Any], right: dict[tuple, Any]) -> bool:
    for path, value in answer.items():
        x, r = _numbers(value), _numbers(right.get(path))
        if x is not None and r is not None and x.shape == r.shape and np.any(~np.isfinite(x) & np.isfinite(r)):
            return True
    return False


# --- what is stored per part, and recognising mistakes from it -------------------------------------

@dataclass(frozen=True)
class Wrong:
    """One wrong version's answers on a part's designed inputs."""
    id: str
    shows: str
    answers: tuple[dict[tuple, Any], ...]  # per input, by component


@dataclass(frozen=True)
class Evidence:
    """A part's designed inputs, the right answers on them and every wrong version that shows there."""
    cases: tuple[dict[str, Any], ...]
    right: tuple[dict[tuple, Any], ...]
    wrong: tuple[Wrong, ...]

    def changed(self, wrong: Wrong, k: int) -> set[tuple] | None:
        """The components wrong version changes on input k; None when it shows by its property there."""
        if wrong.shows == NON_FINITE and non_finite_where_right_is_finite(wrong.answers[k], self.right[k]):
            return None
        right, mine = self.right[k], wrong.answers[k]
        return {p for p in right.keys() | mine.keys() if not agree(right.get(p, ABSENT), mine.get(p, ABSENT))}


def explains(evidence: Evidence, mistakes: tuple[Wrong, ...], answers: list[dict[tuple, Any]]) -> bool:
    """Whether these mistakes together explain every component, each alone explaining some."""
    supported: set[str] = set()
    for k, answer in enumerate(answers):
        changed = [(m, evidence.changed(m, k)) for m in mistakes]
        by_property = [m.id for m, paths in changed if paths is None]
        if by_property:  # inf/nan dominate whatever else the function gets wrong on this input
            if not non_finite_where_right_is_finite(answer, evidence.right[k]):
                return False
            supported.update(by_property)
            continue
        right = evidence.right[k]
        for path in right.keys() | answer.keys() | {p for _, paths in changed for p in paths}:
            owners = [m for m, paths in changed if path in paths]
            if len(owners) > 1:
                continue  # changed by several: the combination is not known, so it judges nothing
            expected = owners[0].answers[k] if owners else right
            if not agree(answer.get(path, ABSENT), expected.get(path, ABSENT)):
                return False
            supported.update(m.id for m in owners)
    return supported == {m.id for m in mistakes}


def _seen(evidence: Evidence, wrong: Wrong, answers: list[dict[tuple, Any]]) -> bool:
    """Whether the answers agree with the wrong version somewhere it differs from the right one: what
    naming it needs in any set, so the others are not tried."""
    for k, answer in enumerate(answers):
        changed = evidence.changed(wrong, k)
        if changed is None and non_finite_where_right_is_finite(answer, evidence.right[k]):
            return True
        if changed and any(agree(answer.get(p, ABSENT), wrong.answers[k].get(p, ABSENT)) for p in changed):
            return True
    return False


def recognise(evidence: Evidence, answers: list[Any]) -> tuple[str, ...]:
    """The fewest catalogued mistakes that explain the answers (the first such set in catalog order)."""
    cut = [components(a) for a in answers]
    seen = [m for m in evidence.wrong if _seen(evidence, m, cut)]
    for size in range(1, MOST_AT_ONCE + 1):
        for mistakes in itertools.combinations(seen, size):
            if len({m.id for m in mistakes}) == size and explains(evidence, mistakes, cut):
                return tuple(m.id for m in mistakes)
    return ()


def _arrays(value: Any) -> list[np.ndarray]:
    """Every array inside a returned value (numbers as 0-d arrays)."""
    return [np.asarray(v) for v in components(value).values()
            if isinstance(v, np.ndarray) or (isinstance(v, (int, float)) and not isinstance(v, bool))]


def _float32(answers: Iterable[Any]) -> bool:
    return any(a.dtype == np.float32 for v in answers for a in _arrays(v))


def _holds_a_number(answers: Iterable[Any]) -> bool:
    """Whether any answer holds a finite number: NaN or infinity everywhere is no answer at
    all, and so no mistake explains it (a wrong version can be NaN on one input too)."""
    return any(a.dtype.kind in "biuf" and np.any(np.isfinite(a)) for v in answers for a in _arrays(v))


def _student_answers(probe: Probe, part: str, cases: Iterable[dict[str, Any]]) -> list[Any] | None:
    try:
        return [probe(part, case) for case in cases]
    except (Mismatch, PartAborted):
        return None


def diagnose(evidence: Evidence | None, part: str, probe: Probe, mutated: bool = False) -> tuple[str, ...]:
    """The ids of the known mistakes the student's `part` shows (call only for a part that failed)."""
    found: list[str] = []
    answers = _student_answers(probe, part, evidence.cases) if evidence and evidence.cases else None
    if answers is not None and _holds_a_number(answers):
        with np.errstate(all="ignore"):
            found += [FLOAT32] if _float32(answers) else recognise(evidence, answers)
    if mutated:
        found.append(MUTATES)
    return tuple(found)
