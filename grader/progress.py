"""Batch progress: a live bar on a terminal (rich), plain periodic lines elsewhere (CI logs).

Both show how many submissions are done of how many, the rate (submissions per second of
this run, rows reused from an earlier run not counted) and the time left. On a terminal the
bar redraws in place; otherwise one line is printed for the first and the last submission
and then at most one every `interval` seconds, each line whole:

    [12/200] kim: 87.5 / 100 (graded) · 0.41/s · ETA 7m38s

A student id is shown inert: escape sequences as `\\x1b`, and `[red]` as written (the bar
does not read it as rich markup), so no file name can repaint the terminal or hide a score.
"""
from __future__ import annotations

import math
import sys
import time
from typing import Any, TextIO

from grader.i18n import text
from grader.reports.summary import status_label
from grader.reports.terminal import inert
from grader.reports.view import translator


def duration(seconds: float) -> str:
    """`7m38s`, `1h02m`, `12s`; `?` when unknown."""
    if not math.isfinite(seconds) or seconds < 0:
        return "?"
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


def _num(x: float) -> str:
    return f"{round(float(x), 2):g}"


class BatchProgress:
    """The progress callback of `run_batch` (`progress(done, total, result)`, `start(total, done)`).

    Use as a context manager so the terminal bar is closed even when the batch is interrupted.
    """

    def __init__(self, stream: TextIO | None = None, interval: float = 10.0, tty: bool | None = None,
                 clock=time.monotonic, lang: str = "en"):
        self.stream = stream or sys.stderr
        self.lang = lang
        self.tty = (hasattr(self.stream, "isatty") and self.stream.isatty()) if tty is None else tty
        self.interval = interval
        self.clock = clock
        self.started = clock()
        self.first_done: int | None = None
        self.last_line = -math.inf
        self.total = 0
        self._live = None
        self._task = None

    # ---- lifecycle ----
    def __enter__(self) -> "BatchProgress":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None

    def start(self, total: int, done: int = 0) -> None:
        """Called once before grading: `done` rows were already taken from an earlier run."""
        self.total, self.started, self.first_done = total, self.clock(), done
        if self.tty:
            self._start_bar(total, done)
        elif done == total:
            self._write(f"[{done}/{total}] {text(self.lang, 'batch.all_reused')}")
        elif done:
            self._write(f"[{done}/{total}] {text(self.lang, 'batch.some_reused', count=total - done)}")

    def _start_bar(self, total: int, done: int) -> None:
        try:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
        except ImportError:  # rich missing: plain lines, still correct
            self.tty = False
            return
        console = Console(file=self.stream, force_terminal=True)
        self._live = Progress(TextColumn("[bold]grading"), BarColumn(), MofNCompleteColumn(),
                              TextColumn("{task.fields[rate]}"), TextColumn("ETA"), TimeRemainingColumn(),
                              TextColumn("{task.fields[last]}", markup=False), console=console, transient=False,
                              refresh_per_second=4)
        self._task = self._live.add_task("grading", total=total, completed=done, rate="", last="")
        self._live.start()

    # ---- the callback ----
    def rate(self, done: int) -> float:
        elapsed = self.clock() - self.started
        fresh = done - (self.first_done or 0)
        return fresh / elapsed if elapsed > 0 and fresh > 0 else math.nan

    def eta(self, done: int, total: int) -> float:
        rate = self.rate(done)
        return (total - done) / rate if rate and math.isfinite(rate) else math.nan

    def __call__(self, done: int, total: int, result: Any) -> None:
        if self.first_done is None:  # start() was not called: nothing reused
            self.first_done, self.total = 0, total
        status = status_label(translator(self.lang), result.status)
        line = f"{inert(result.student)}: {_num(result.score)} / {_num(result.max_score)} ({status})"
        rate = self.rate(done)
        speed = f"{rate:.2f}/s" if math.isfinite(rate) else "–/s"
        if self.tty and self._live is None:
            self._start_bar(total, done - 1)
        if self._live is not None:
            self._live.update(self._task, completed=done, total=total, rate=speed, last=line)
            if done >= total:
                self.close()
            return
        now = self.clock()
        if done == (self.first_done or 0) + 1 or done >= total or now - self.last_line >= self.interval:
            self.last_line = now
            tail = f" · {speed} · ETA {duration(self.eta(done, total))}" if done < total else \
                f" · {speed} · done in {duration(now - self.started)}"
            self._write(f"[{done}/{total}] {line}{tail}")

    def _write(self, text: str) -> None:
        self.stream.write(text + "\n")
        self.stream.flush()
