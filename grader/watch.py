"""`check --watch`: check once, then again after every save, printing only what changed, until Ctrl-C.

A save is a change in the bytes of the watched files (their digest, not their modification time:
an editor that saves twice in the same second, or a `touch`, changes nothing to check). The loop
takes its pauses, its file snapshots and its check from the caller, so a test drives it step by
step with no clock. Ctrl-C ends it with a one-line goodbye and exit code 0: stopping is how the
student is meant to leave.
"""
from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Callable, Iterable, TextIO

from grader.errors import EXIT_OK
from grader.i18n import text
from grader.model import SubmissionResult
from grader.reports import changes, terminal

POLL_SECONDS = 0.5


def snapshot(paths: Iterable[Path]) -> tuple[tuple[str, str], ...]:
    """Each watched file with the digest of its bytes ('' for one that is missing or unreadable now)."""
    found = []
    for path in sorted(paths):
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            digest = ""
        found.append((str(path), digest))
    return tuple(found)


def pause(seconds: float = POLL_SECONDS) -> bool:
    """Wait before looking again; always goes on (Ctrl-C is what stops)."""
    time.sleep(seconds)
    return True


def watch(check_once: Callable[[], SubmissionResult | str], files: Callable[[], Iterable[Path]], out: TextIO,
          lang: str, wait: Callable[[], bool] | None = None) -> int:
    """Check, then check again each time the bytes of `files()` change, until `wait()` says stop or Ctrl-C.

    `check_once` returns a result, or a one-line message when the work cannot be read right now
    (a half-saved notebook, say): that is printed and the watch goes on. `wait` defaults to `pause`."""
    wait = wait or pause
    try:
        seen = snapshot(files())
        out.write(text(lang, "watch.start", files=", ".join(terminal.inert(p.name) for p in files())) + "\n")
        previous = _show(check_once(), None, out)
        while wait():
            now = snapshot(files())
            if now == seen:
                continue
            seen = now
            previous = _show(check_once(), previous, out)
    except KeyboardInterrupt:
        out.write("\n" + text(lang, "watch.stopped") + "\n")
    return EXIT_OK


def _show(current: SubmissionResult | str, previous: SubmissionResult | None, out: TextIO) -> SubmissionResult | None:
    """Print `current` (whole the first time, else what changed); returns what the next check compares with."""
    if isinstance(current, str):
        out.write(terminal.inert(current) + "\n")
        out.flush()
        return previous
    out.write(terminal.render(current, reports_hint=False) if previous is None else changes.changes(previous, current))
    out.flush()
    return current
