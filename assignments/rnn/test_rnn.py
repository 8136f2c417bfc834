"""One test per function of the assignment, with the verdicts of `rnn-grader check` (see conftest.py).

함수마다 테스트 하나: `rnn-grader check`와 같은 판정입니다 (conftest.py 참고).
"""
from __future__ import annotations

import pytest

from grader.reports.terminal import first_failure_lines
from grader.reports.view import num, translator
from grader import assignments

RNN = assignments.load("rnn")


def feedback(part, lang: str) -> str:
    """The part's score, then its first failing test as `rnn-grader check` details it (message,
    diagnosed mistake, smallest input, a call that reproduces it)."""
    lines = [f"{part.name} {num(part.score)} / {num(part.max_score)}"]
    if part.first_failure is not None:
        lines += first_failure_lines(part, translator(lang), width=100)
    return "\n".join(lines)


@pytest.mark.parametrize("part_name", RNN.part_names)
def test_part(part_name, rnn_result):
    part = next((p for p in rnn_result.parts if p.name == part_name), None)
    assert part is not None, f"{part_name} was not graded"
    if rnn_result.error is not None or part.score < part.max_score:
        pytest.fail(feedback(part, rnn_result.lang), pytrace=False)
