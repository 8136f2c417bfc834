"""What the Markdown and HTML reports show, prepared once from the result model.

Templates stay simple: this module picks the language, turns counterexamples into short
text (compact rounded arrays, capped so a huge input cannot blow up a report), and finds
the first thing to fix per part.  It knows nothing about Markdown or HTML escaping; the
templates do that.
"""
from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from grader.i18n import LANGS, text
from grader.model import BatchResult, PartResult, SubmissionResult, TestResult

ELLIPSIS = "…"
# Counterexample keys shown in their own place; every other key is listed as a detail.
PLACED_KEYS = ("shapes", "inputs", "expected", "got", "relative_error", "worst_index", "snippet", "built_with",
               "call_chain", "output")


@dataclass(frozen=True)
class Level:
    """How much detail fits: characters per value, array elements before summarising, etc."""

    value_chars: int
    threshold: int
    message_chars: int
    snippet_chars: int
    series_rows: int
    show_values: bool = True
    edge: int = 3              # items kept at each end of a summarised axis, as numpy prints them


HTML_LEVEL = Level(value_chars=3000, threshold=400, message_chars=4000, snippet_chars=8000, series_rows=2000)
_FULL = Level(value_chars=1200, threshold=64, message_chars=1500, snippet_chars=2000, series_rows=40)
_MID = Level(value_chars=400, threshold=24, message_chars=600, snippet_chars=800, series_rows=24)
_SMALL = Level(value_chars=240, threshold=8, message_chars=300, snippet_chars=300, series_rows=12, edge=2)
_BARE = Level(value_chars=0, threshold=0, message_chars=200, snippet_chars=0, series_rows=8, show_values=False)
TERMINAL_LEVEL = _MID   # the one failing test the terminal summary details under its table
# Markdown tries these in order until the report fits its size cap: (detail of the first
# failing test of each part, detail of the other failing tests).
MD_LEVELS = ((_FULL, _FULL), (_FULL, _MID), (_MID, _SMALL), (_SMALL, _BARE), (_BARE, _BARE))
# The "first thing to fix" cell of the parts table.
FIX_CHARS = 300


def report_lang(lang: Any) -> str:
    """The report's language; anything unknown falls back to English (never a crash)."""
    return lang if lang in LANGS else "en"


def batch_lang(batch: BatchResult, lang: str | None = None) -> str:
    if lang is not None:
        return report_lang(lang)
    return report_lang(batch.entries[0].result.lang) if batch.entries else "en"


def translator(lang: str) -> Callable[..., str]:
    def t(key: str, **params: Any) -> str:
        return text(lang, key, **params)
    return t


def num(x: Any, digits: int = 2) -> str:
    """A score for people: at most `digits` decimals, no trailing zeros."""
    try:
        value = float(x)
    except (TypeError, ValueError):
        return str(x)
    if not math.isfinite(value):
        return str(value)
    return f"{round(value, digits):g}" if abs(value) < 1e15 else f"{value:g}"


def display_width(s: str) -> int:
    """Columns `s` takes in a monospace font (Hangul and other wide characters take two)."""
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def pad(s: str, width: int, right: bool = False) -> str:
    fill = " " * max(0, width - display_width(s))
    return fill + s if right else s + fill


def short_float(x: float, sig: int = 6) -> str:
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return f"{x:.{sig}g}"


def clip_text(s: str, limit: int) -> str:
    """At most `limit` characters, cut at a line end when one is near, marked with an ellipsis."""
    if len(s) <= limit:
        return s
    if limit <= 1:
        return ELLIPSIS
    cut = s[: limit - 1]
    newline = cut.rfind("\n")
    if newline > limit // 2:
        cut = cut[:newline + 1]
    return cut + ELLIPSIS


def compact(value: Any, level: Level) -> str:
    """A value of a counterexample as short text: arrays like numpy prints them, summarised."""
    return clip_text(_compact(value, level), level.value_chars)


def _compact(value: Any, level: Level) -> str:
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, dict):
        items = list(value.items())
        shown = [f"{k}: {_compact(v, level)}" for k, v in items[: max(level.threshold, 2 * level.edge)]]
        return "{" + ", ".join(shown + (["..."] if len(items) > len(shown) else [])) + "}"
    if isinstance(value, (list, tuple)):
        summarise = _size(value) > max(level.threshold, 1)
        tree = _tokens(value, summarise, max(level.threshold, 2 * level.edge), level)
        width = max((len(leaf) for leaf in _leaves(tree)), default=0)
        return _layout(tree, 0, width)
    return _scalar(value, level)


_GAP = object()   # where a summarised axis leaves items out


def _scalar(value: Any, level: Level) -> str:
    if value is None or isinstance(value, (bool, int)):
        return str(value)
    if isinstance(value, float):
        return short_float(value)
    if isinstance(value, str):
        return repr(clip_text(value, max(level.value_chars, 60)))
    return clip_text(str(value), max(level.value_chars, 60))


def _size(value: Any) -> int:
    """Elements of a nested list, judged along its first items (cheap, whatever its size)."""
    size = 1
    while isinstance(value, (list, tuple)):
        size *= len(value)
        if not value:
            break
        value = value[0]
    return size


def _tokens(value: Any, summarise: bool, longest: int, level: Level) -> Any:
    """The nested list as nested lists of short strings, with _GAP where items are left out."""
    if not isinstance(value, (list, tuple)):
        return _compact(value, level)
    n, edge = len(value), level.edge
    if n > 2 * edge and (summarise or n > longest):
        chosen = list(value[:edge]) + [_GAP] + list(value[n - edge:])
    else:
        chosen = list(value)
    return [_GAP if v is _GAP else _tokens(v, summarise, longest, level) for v in chosen]


def _leaves(tree: Any):
    if isinstance(tree, str):
        yield tree
    elif isinstance(tree, list):
        for item in tree:
            if item is not _GAP:
                yield from _leaves(item)


def _layout(tree: Any, indent: int, width: int) -> str:
    """numpy's layout: the innermost lists on one line, outer ones one item per line."""
    if isinstance(tree, str):
        return tree if "\n" in tree else tree.rjust(width)
    if any(isinstance(item, list) for item in tree):
        rows = ["..." if item is _GAP else _layout(item, indent + 1, width) for item in tree]
        return "[" + (",\n" + " " * (indent + 1)).join(rows) + "]"
    return "[" + ", ".join("..." if item is _GAP else _layout(item, indent, width) for item in tree) + "]"


def shape_text(shape: Any) -> str:
    if isinstance(shape, dict):
        return "{" + ", ".join(f"{k} {shape_text(v)}" for k, v in shape.items()) + "}"
    if isinstance(shape, (list, tuple)) and all(isinstance(n, (int, np.integer)) for n in shape):
        return "(" + ", ".join(str(int(n)) for n in shape) + ("," if len(shape) == 1 else "") + ")"
    return str(shape)


@dataclass(frozen=True)
class CounterexampleView:
    shapes: list[tuple[str, str]]
    values: list[tuple[str, str]]
    expected: str | None
    got: str | None
    details: list[tuple[str, str]]
    snippet: str | None
    snippet_omitted: bool
    values_omitted: bool
    call_chain: list[str]  # where the student's code raised, innermost call last
    output: str | None  # what the failing call printed

    def block(self, t: Callable[..., str]) -> str:
        """The whole counterexample as aligned plain text (for a code block or <pre>)."""
        named = list(self.values)
        if self.expected is not None:
            named.append((t("report.expected"), self.expected))
        if self.got is not None:
            named.append((t("report.got"), self.got))
        lines = []
        if self.shapes:
            lines.append(t("report.shapes") + ": " + " · ".join(f"{k} {v}" for k, v in self.shapes))
        width = max((display_width(k) for k, _ in named), default=0)
        for name, value in named:
            prefix = pad(name, width) + " = "
            lines.append(prefix + value.replace("\n", "\n" + " " * display_width(prefix)))
        for name, value in self.details:
            lines.append(f"{name}: {value}")
        if self.values_omitted:
            lines.append(t("report.values_omitted"))
        return "\n".join(lines)


def _detail_label(key: str, t: Callable[..., str]) -> str:
    """A check's extra detail (`analytic`, `got_shape`, …) under its name in the report's language."""
    try:
        return t(f"report.detail.{key}")
    except KeyError:
        return key


def counterexample_view(ce: dict[str, Any] | None, level: Level, t: Callable[..., str]) -> CounterexampleView | None:
    if not isinstance(ce, dict) or not ce:
        return None
    shapes = ce.get("shapes") if isinstance(ce.get("shapes"), dict) else {}
    inputs = ce.get("inputs") if isinstance(ce.get("inputs"), dict) else {}
    show = level.show_values
    details: list[tuple[str, str]] = []
    if "relative_error" in ce:
        details.append((t("report.relative_error"), _compact(ce["relative_error"], level)))
    if "worst_index" in ce:
        index = ce["worst_index"]
        details.append((t("report.worst_index"), shape_text(index) if isinstance(index, list) else str(index)))
    if isinstance(ce.get("built_with"), dict):
        details.append((t("report.built_with"), ", ".join(f"{k} = {_compact(v, level)}"
                                                           for k, v in ce["built_with"].items())))
    for key, value in ce.items():
        if key not in PLACED_KEYS and key != "inputs":
            details.append((_detail_label(str(key), t), compact(value, level) if show else clip_text(_compact(value, level), 60)))
    snippet = ce.get("snippet")
    snippet_text = snippet if isinstance(snippet, str) and snippet.strip() else None
    omitted = False
    if snippet_text is not None and len(snippet_text) > level.snippet_chars:
        snippet_text, omitted = None, True
    return CounterexampleView(
        shapes=[(str(k), shape_text(v)) for k, v in shapes.items()],
        values=[(str(k), compact(v, level)) for k, v in inputs.items()] if show else [],
        expected=compact(ce["expected"], level) if show and "expected" in ce else None,
        got=compact(ce["got"], level) if show and "got" in ce else None,
        details=details,
        snippet=snippet_text,
        snippet_omitted=omitted,
        values_omitted=not show and bool(inputs or "expected" in ce or "got" in ce),
        call_chain=call_chain_lines(ce.get("call_chain")),
        output=clip_text(ce["output"].rstrip("\n"), level.message_chars) if isinstance(ce.get("output"), str) else None,
    )


def call_chain_lines(chain: Any) -> list[str]:
    """'work.ipynb, cell 3, line 5, in step' for each frame, as a traceback words it."""
    if not isinstance(chain, list):
        return []
    return [f"{frame.get('where')}, in {frame.get('function')}" for frame in chain if isinstance(frame, dict)]


def counterexample_lines(ce: dict[str, Any] | None, t: Callable[..., str], level: Level = HTML_LEVEL) -> list[str]:
    """Plain-text lines for the smallest failing input and the call that reproduces it (JUnit,
    Gradescope, the terminal)."""
    view = counterexample_view(ce, level, t)
    if view is None:
        return []
    lines = ["", t("report.call_chain") + ":", *view.call_chain] if view.call_chain else []
    lines += ["", t("report.counterexample") + ":", view.block(t)]
    if view.snippet:
        lines += ["", t("report.reproduce") + ":", view.snippet]
    if view.output:
        lines += ["", t("report.output") + ":", view.output]
    return lines


@dataclass(frozen=True)
class TestView:
    test: TestResult
    message: str
    counterexample: CounterexampleView | None


@dataclass(frozen=True)
class SeriesRow:
    x: str
    student: str
    reference: str


@dataclass(frozen=True)
class PartView:
    part: PartResult
    first_fix: str | None          # None when every test passed
    passed: int
    total: int
    failing: list[TestView]
    series_rows: list[SeriesRow]
    series_rows_omitted: int

    @property
    def has_section(self) -> bool:
        return bool(self.failing or self.part.diagnoses or self.part.series)


def first_fix(part: PartResult) -> str | None:
    """What to fix first: the diagnosed mistake when there is one, else the first failing test."""
    failure = part.first_failure
    if part.diagnoses:
        return part.diagnoses[0].title
    return failure.message if failure is not None else None


def series_rows(part: PartResult, limit: int) -> tuple[list[SeriesRow], int]:
    s = part.series
    if s is None:
        return [], 0
    n = max(len(s.x), len(s.student), len(s.reference))

    def cell(values: tuple, i: int, sig: int = 4) -> str:
        if i >= len(values):
            return ""
        v = values[i]
        try:
            return short_float(float(v), sig)
        except (TypeError, ValueError):
            return str(v)

    rows = [SeriesRow(cell(s.x, i, 6), cell(s.student, i), cell(s.reference, i)) for i in range(n)]
    if len(rows) <= limit:
        return rows, 0
    head = (limit + 1) // 2
    tail = limit - head
    return rows[:head] + rows[n - tail:] if tail else rows[:head], n - limit


def part_view(part: PartResult, first: Level, rest: Level, t: Callable[..., str], with_tests: bool = True) -> PartView:
    failing = []
    for test in (x for x in part.tests if not x.passed) if with_tests else ():
        level = rest if failing else first
        failing.append(TestView(test, clip_text(test.message, level.message_chars),
                                counterexample_view(test.counterexample, level, t)))
    rows, omitted = series_rows(part, first.series_rows)
    fix = first_fix(part)
    return PartView(part=part, first_fix=clip_text(" ".join(fix.split()), FIX_CHARS) if fix is not None else None,
                    passed=sum(1 for x in part.tests if x.passed), total=len(part.tests), failing=failing,
                    series_rows=rows, series_rows_omitted=omitted)


@dataclass(frozen=True)
class ReportView:
    r: SubmissionResult
    lang: str
    parts: list[PartView]
    footer: str


def report_view(result: SubmissionResult, first: Level, rest: Level | None = None) -> ReportView:
    lang = report_lang(result.lang)
    t = translator(lang)
    parts = [part_view(p, first, rest or first, t, with_tests=result.error is None) for p in result.parts]
    footer = t("report.footer", version=result.grader_version, seed=result.seed, mode=result.mode or "–",
               isolation=result.isolation or "–")
    return ReportView(result, lang, parts, footer)
