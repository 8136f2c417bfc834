"""One test per function of the assignment, with the verdicts of `rnn-grader check` (see conftest.py).

함수마다 테스트 하나: `rnn-grader check`와 같은 판정입니다 (conftest.py 참고).
"""
from __future__ import annotations

import pytest

from grader.spec import RNN


def feedback(part) -> str:
    """What to fix first in a part, as `rnn-grader check` says it, then a call that shows it."""
    failure = part.first_failure
    first = part.diagnoses[0].title if part.diagnoses else failure.message if failure else ""
    lines = [f"{part.name} {part.score:g} / {part.max_score:g}: {' '.join(first.split())}"]
    for d in part.diagnoses:
        lines.append(f"[{d.id}] {d.explanation} {d.hint}")
    if failure is not None and part.diagnoses:
        lines.append(failure.message)
    snippet = ((failure.counterexample or {}) if failure else {}).get("snippet")
    if isinstance(snippet, str) and snippet:
        lines.append(snippet)
    return "\n".join(lines)


@pytest.mark.parametrize("part_name", RNN.part_names)
def test_part(part_name, rnn_result):
    part = next((p for p in rnn_result.parts if p.name == part_name), None)
    assert part is not None, f"{part_name} was not graded"
    if rnn_result.error is not None or part.score < part.max_score:
        pytest.fail(feedback(part), pytrace=False)
