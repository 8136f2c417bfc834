"""The terminal summary of `check` and `grade`: one row per part with the first thing to fix."""
from __future__ import annotations

from grader.model import SubmissionResult


def _fmt(x: float) -> str:
    return f"{x:g}"


def render(result: SubmissionResult, width: int = 100) -> str:
    lines = [f"rnn-grader {result.mode}: {result.student}  score {_fmt(result.score)} / {_fmt(result.max_score)}"]
    if result.error:
        lines.append(f"  could not grade ({result.error.kind}): {result.error.message}")
        return "\n".join(lines) + "\n"
    name_w = max(len(p.name) for p in result.parts)
    for p in result.parts:
        first = p.first_failure
        status = "ok" if first is None else first.message
        row = f"  {p.name:<{name_w}}  {_fmt(p.score):>5} / {_fmt(p.max_score):<3} {status}"
        lines.append(row if len(row) <= width else row[: width - 1] + "…")
    return "\n".join(lines) + "\n"
