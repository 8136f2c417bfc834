"""Public checks against stored right answers: fixed inputs and the reference's outputs on them.

The student bundle has no reference solution, so `check` cannot compute a right answer;
instead each assignment folder ships `stored_examples.json`, written by `rnn-grader generate`
from the reference on the inputs its catalog designed to tell common mistakes apart. A test
keeps the file in step with the reference.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import numpy as np
from hypothesis import strategies as st

from grader import values
from grader.checks.framework import Case, Check, Probe, arguments

FILE_NAME = "stored_examples.json"  # in the assignment's folder
CHECK_NAME = "matches_stored_examples"


def encode(value: Any) -> Any:
    """A JSON value that `decode` turns back into the same arrays, tuples, dicts and numbers."""
    return values.walk(value, _encode_leaf, mapping=lambda items: {"dict": items},
                       sequence=lambda _kind, items: {"tuple": items})


def _encode_leaf(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return {"array": value.tolist(), "dtype": value.dtype.str, "shape": list(value.shape)}
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    return value


def decode(value: Any) -> Any:
    if isinstance(value, dict):
        if "array" in value:
            return np.array(value["array"], dtype=np.dtype(value["dtype"])).reshape(value["shape"])
        if "dict" in value:
            return {k: decode(v) for k, v in value["dict"].items()}
        return tuple(decode(v) for v in value["tuple"])
    return value


STORED_DIGITS = 12  # significant digits of a stored answer: far below every tolerance, far above BLAS noise


def stable(value: Any) -> Any:
    """`value` with every float rounded to STORED_DIGITS significant digits, so that regenerating the
    file gives the same bytes although BLAS may round the last bits differently from run to run."""
    return values.rounded(value, STORED_DIGITS)


def examples_text(cases: dict[str, list[Case]], reference: Any) -> str:
    """The stored file: per part, each case (exactly) with the reference's answer on it (rounded, `stable`)."""
    stored = {part: [{"inputs": encode({k: v for k, v in case.items() if not k.startswith("_")}),
                      "expected": encode(stable(getattr(reference, part)(*arguments(case))))} for case in part_cases]
              for part, part_cases in cases.items()}
    parts = [f" {json.dumps(part)}: [\n" + ",\n".join(f"  {json.dumps(e)}" for e in examples) + "\n ]"
             for part, examples in stored.items()]
    return "{\n" + ",\n".join(parts) + "\n}\n"  # one example per line: reviewable diffs


def load(path: Path) -> dict[str, list[tuple[Case, Any]]]:
    """Part → [(inputs, expected)], or nothing when no file was generated."""
    if not path.is_file():
        return {}
    raw = json.loads(path.read_text(encoding="utf-8"))
    return {part: [(decode(e["inputs"]), decode(e["expected"])) for e in examples] for part, examples in raw.items()}


def stored_check(part: str, examples: list[tuple[Case, Any]], compare: dict[str, Callable[[Any, Any], None]],
                 weight: float = 1) -> Check:
    """Public test: the student's answer equals the stored one on every stored input, judged by the
    assignment's `compare[part]` (the same comparison its hidden reference checks use).

    Hypothesis draws from the handful of stored cases and, the space being finite, tries
    each of them; a case finds its expected answer by its (encoded) values, so a copy of it
    does too."""
    cases = [case for case, _ in examples]
    expected = {json.dumps(encode(case)): answer for case, answer in examples}

    def verify(probe: Probe, case: Case) -> None:
        compare[part](probe(part, case), expected[json.dumps(encode(case))])

    return Check(CHECK_NAME, weight, public=True, cases=st.sampled_from(cases), verify=verify)
