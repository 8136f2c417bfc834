"""The terminal summary as an HTML fragment for a notebook cell's output: the same rows (part, score,
what to fix first) and the same first failure, escaped, with no page, script or stylesheet around it
(a notebook shows a fragment inline; a student's message stays text)."""
from __future__ import annotations

from html import escape

from grader.model import SubmissionResult
from grader.reports.terminal import first_failure_lines, header
from grader.reports.view import first_fix, num, report_lang, translator

WIDTH = 100  # columns of the first failure's text, as in a terminal


def render(result: SubmissionResult, note: str = "") -> str:
    """`<div>`: the header, `note` (e.g. which file was checked), the table and the first failure."""
    t = translator(report_lang(result.lang))
    out = ['<div class="rnn-grader-check">', f"<p><strong>{escape(header(result))}</strong></p>"]
    if note:
        out.append(f"<p>{escape(note)}</p>")
    if result.error is not None:
        out.append(f"<p>✗ {escape(t('report.could_not_grade'))} ({escape(result.error.kind)}): "
                   f"{escape(result.error.message)}</p></div>")
        return "\n".join(out)
    out.append("<table><tbody>")
    for part in result.parts:
        fix = first_fix(part)
        status = f"✓ {t('report.ok')}" if fix is None else "✗ " + "".join(f"[{i}] " for i in part.misconceptions) + fix
        out.append(f'<tr><td><code>{escape(part.name)}</code></td><td style="text-align:right">'
                   f"{num(part.score)} / {num(part.max_score)}</td><td>{escape(status)}</td></tr>")
    out.append("</tbody></table>")
    failing = next((p for p in result.parts if p.first_failure is not None), None)
    if failing is not None:
        out.append(f"<pre>{escape(chr(10).join(first_failure_lines(failing, t, WIDTH)))}</pre>")
    out.append("</div>")
    return "\n".join(out)
