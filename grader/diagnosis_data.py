"""The public file diagnosis reads: per part, the designed inputs and what the right and every
wrong version of the assignment answer on them.

Written at authoring time from the instructor's catalog and reference (`rnn-grader generate`),
read by `check` and `grade` alike. A wrong version is the reference with one function replaced
(`patched`): because the reference's functions call each other, a mistake in the cell also
shows in the unrolled forward pass and in the training step that use it. Answers are rounded
like the stored examples, so regenerating the file gives the same bytes.
"""
from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from types import FunctionType, SimpleNamespace
from typing import Any, Callable

import numpy as np

from grader.checks.framework import arguments
from grader.checks.stored import decode, encode, stable
from grader.diagnosis import Evidence, Wrong, components, same_answer
from grader.reference import Adapted

FILE_NAME = "diagnosis.json"  # in the assignment's folder


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


def _answers(implementation: Any, part: str, cases: list[dict[str, Any]]) -> list[Any]:
    return [stable(getattr(implementation, part)(*arguments(case))) for case in cases]


def part_entries(catalog: Any, reference: Any, part: str) -> dict[str, Any]:
    """The part's stored entry: inputs, right answers, and each wrong version that shows there (once)."""
    cases = catalog.DESIGNED[part]
    with np.errstate(all="ignore"):
        right = _answers(reference, part, cases)
        wrong, seen = [], set()
        for m in catalog.CATALOG:
            for variant in m.variants:
                answers = _answers(patched(reference, m.function, variant), part, cases)
                key = json.dumps([m.id, encode(answers)])
                if key not in seen and not same_answer(answers, right):
                    seen.add(key)
                    wrong.append({"id": m.id, "shows": m.shows, "answers": encode(answers)})
    return {"cases": [encode({k: v for k, v in c.items() if not k.startswith("_")}) for c in cases],
            "right": encode(right), "wrong": wrong}


def data_text(catalog: Any, reference: Any) -> str:
    """The file: one line per input list, right answers and wrong version (reviewable diffs)."""
    parts = []
    for part in catalog.DESIGNED:
        entry = part_entries(catalog, reference, part)
        lines = [f'  "cases": {json.dumps(entry["cases"])}', f'  "right": {json.dumps(entry["right"])}',
                 '  "wrong": [' + ",".join(f"\n   {json.dumps(w)}" for w in entry["wrong"]) + ("\n  ]" if entry["wrong"] else "]")]
        parts.append(f" {json.dumps(part)}: {{\n" + ",\n".join(lines) + "\n }")
    return "{\n" + ",\n".join(parts) + "\n}\n"


@cache
def load(folder: Path) -> dict[str, Evidence]:
    """Part → its evidence, or nothing when the assignment ships no diagnosis file."""
    path = folder / FILE_NAME
    if not path.is_file():
        return {}
    raw = json.loads(path.read_text(encoding="utf-8"))
    return {part: Evidence(tuple(decode(c) for c in e["cases"]), tuple(components(a) for a in decode(e["right"])),
                           tuple(Wrong(w["id"], w["shows"], tuple(components(a) for a in decode(w["answers"])))
                                 for w in e["wrong"]))
            for part, e in raw.items()}
