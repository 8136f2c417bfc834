"""Sandbox: one untrusted submission imported in a separate worker process.

The parent (this module) sends call requests and receives plain values. It never unpickles
anything; every frame is parsed by ``wire.decode_payload`` with all sizes, depths and dtypes
checked; every wait has a wall-clock deadline; any child misbehaviour ends as a result
(``LoadError`` or ``CallOutcome``), never as an exception in the grader.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import time
import weakref
from typing import Any, Iterable, Sequence

from . import inert, isolation, wire
from .lease import WorkerLease
from .outcomes import CallOutcome, Frame, Limits, LoadError
from .plan import DEFAULT_RUNTIME, Runtime
from .process import Worker, signal_name

__all__ = ["Sandbox"]

STARTUP_SECONDS = 60.0  # python + numpy start, before the import clock (limits.import_seconds)
MESSAGE_CHARS = 500  # of the child-provided part of a message


# --------------------------------------------------------------------------- message helpers


def _one_line(text: str, limit: int = MESSAGE_CHARS) -> str:
    text = " ".join(str(text).split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def _seconds(s: float) -> str:
    return f"{s:g} s"


def _bytes(n: int) -> str:
    for unit, size in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= size:
            return f"{n / size:g} {unit}"
    return f"{n} bytes"


def _exception_message(type_name: str, message: str, line: int | None) -> str:
    text = _one_line(type_name, 100)
    if message:
        text += ": " + _one_line(message)
    if line is not None:
        text += f" (line {line})"
    return text


class _Protocol(Exception):
    """The child broke the protocol (a message with the wrong shape or content)."""


def _get(head: dict, key: str, types: tuple, optional: bool = False) -> Any:
    if key not in head:
        if optional:
            return None
        raise _Protocol(f"missing field {key!r}")
    value = head[key]
    if optional and value is None:
        return None
    if type(value) not in types:
        raise _Protocol(f"field {key!r} has type {type(value).__name__}")
    return value


def _line(head: dict) -> int | None:
    line = _get(head, "line", (int,), optional=True)
    if line is not None and line < 0:
        raise _Protocol("negative line number")
    return line


def _disallowed(head: dict) -> str | None:
    """The module the worker's import rule refused, when that is what failed."""
    module = _get(head, "disallowed", (str,), optional=True)
    return None if module is None else _one_line(module, 100)


def _frames(head: dict) -> tuple[Frame, ...]:
    """The student's call chain a failed call reports: [file, line, function] items, innermost
    last; a file is a plain path relative to the submission's folder."""
    items = _get(head, "frames", (list,), optional=True) or []
    if len(items) > wire.MAX_FRAMES:
        raise _Protocol(f"more than {wire.MAX_FRAMES} frames")
    frames = []
    for item in items:
        if type(item) is not list or len(item) != 3 or type(item[0]) is not str or type(item[1]) is not int \
                or type(item[2]) is not str or item[1] < 1:
            raise _Protocol("a frame is not [file, line, function]")
        file, line, function = item
        if any(part in ("", ".", "..") for part in file.split("/")):
            raise _Protocol("a frame's file is not a path in the submission's folder")
        frames.append(Frame(file, line, _one_line(function, 100)))
    return tuple(frames)


def _envelope(payload: bytes, op: str) -> tuple[dict, wire.Decoder]:
    head, decoder = wire.decode_payload(payload, max_str=wire.MAX_STR)
    if not inert.already(decoder.header, wire.MAX_STR):
        head = inert.tree(head, wire.MAX_STR)  # every string the child chose, before anything reads it
    if type(head) is not dict:
        raise _Protocol("message envelope is not an object")
    if head.get("op") != op:
        raise _Protocol(f"expected a {op!r} message, got {str(head.get('op'))[:40]!r}")
    return head, decoder


def _module_path(path: str, submission: str) -> str:
    """A module's path relative to the worker's folder: plain names separated by "/", ending in .py."""
    parts = str(path).split("/")
    if (not path.endswith(".py") or path == submission
            or any(part in ("", ".", "..") or "\0" in part or "\\" in part for part in parts)):
        raise ValueError(f"a module path must be relative, made of plain names and end in .py, got {path!r}")
    return path


# --------------------------------------------------------------------------- the sandbox


class Sandbox:
    """An untrusted submission, imported in a worker process, answering calls.

    >>> with Sandbox(source) as box:
    ...     err = box.load()                 # None, or a LoadError
    ...     outs = box.call_many([("f", (x,)), ("g", (y, 1.0))])
    ...     out = box.call("f", (x,))

    Not thread-safe: use one Sandbox per thread.

    ``modules`` (relative path, content) are written beside the submission, in the worker's own
    folder, which is first on its sys.path: the helper modules of a folder submission import.
    ``sections`` (first and last line of each) make the worker run the source piece by piece, as
    Jupyter runs a notebook's cells: ``failed_sections`` then maps the index of each piece that
    raised to what it raised (one line), and loading still succeeds.

    ``level`` is the level the worker runs at ("bubblewrap", "unprivileged-user" or
    "process", see isolation.py): ``limits.isolation`` ("auto" picks the strongest that works
    here; a forced level that cannot run raises IsolationUnavailable here, and so does one that
    leaves files open when ``limits.require_isolation``). ``isolation`` says it as reports do,
    with the Landlock fence and what is left open (``isolation.describe``).
    ``network_isolated`` says whether the submission is cut off from every network, loopback
    included (a network namespace, or the seccomp socket ban).
    """

    def __init__(self, source: str, filename: str = "submission.py",
                 limits: Limits = Limits(), modules: Iterable[tuple[str, bytes]] = (),
                 sections: Iterable[tuple[int, int]] = (), runtime: Runtime | None = None) -> None:
        if not isinstance(source, str):
            raise TypeError("source must be a str")
        if not isinstance(limits, Limits):
            raise TypeError("limits must be a Limits")
        base = os.path.basename(str(filename))
        if base != filename or base in ("", ".", "..") or not base.endswith(".py"):
            raise ValueError(f"filename must be a plain file name ending in .py, got {filename!r}")
        self.modules = tuple((_module_path(path, filename), bytes(content)) for path, content in modules)
        self.sections = tuple((int(first), int(last)) for first, last in sections)
        if any(not 1 <= first <= last for first, last in self.sections):
            raise ValueError("sections must be line ranges (first, last) with 1 <= first <= last")
        self.failed_sections: dict[int, str] = {}
        self.runtime = runtime or DEFAULT_RUNTIME
        self.level: str = isolation.resolve(limits.isolation, limits.require_isolation)
        self.isolation: str = isolation.describe(self.level)
        self.network_isolated: bool = isolation.network_isolated(self.level)
        self.source = source
        self.filename = filename
        self.limits = limits
        self.load_output = ""  # captured output of the last successful import
        self._load_error: LoadError | None = None
        self._closed = False
        self._batch_id = 0  # numbers requests, so a stale or forged response cannot match
        found = isolation.probe(self.level)
        self._res = WorkerLease(self.level, limits.processes, found.seccomp, found.landlock > 0)
        self._finalizer = weakref.finalize(self, self._res.release)

    # ------------------------------------------------------------------ context / lifetime
    def __enter__(self) -> "Sandbox":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Kill the worker's process group, reap it, remove the temporary folder. Idempotent."""
        self._closed = True
        self._finalizer()

    def __repr__(self) -> str:
        state = "closed" if self._closed else ("running" if self._res.worker else "idle")
        return f"<Sandbox {self.filename} {state} isolation={self.isolation}>"

    # ------------------------------------------------------------------ loading
    def load(self) -> LoadError | None:
        """Start the worker and import the submission. None on success, else a LoadError.

        A no-op (None) when a worker is already running; after a failure, calling load()
        again retries."""
        self._check_open()
        if self._res.worker is not None:
            return None
        self._load_error = self._start()
        return self._load_error

    def _start(self) -> LoadError | None:
        try:
            worker = self._res.start(self.filename, self.source, self.limits.memory_bytes,
                                     self.limits.output_bytes, self.modules, self.sections, self.runtime)
        except (OSError, subprocess.SubprocessError, RuntimeError) as e:
            return LoadError("crash", _one_line(f"could not start the worker: {e}"))
        try:
            error = self._handshake(worker)
        except BaseException:  # e.g. Ctrl-C: a half-started worker must not count as loaded
            self._res.stop_worker()
            raise
        if error is not None:
            self._res.stop_worker()
            return error
        self.load_output = worker.take_output()
        return None

    def _handshake(self, worker: Worker) -> LoadError | None:
        phase = "startup"
        try:
            ev = worker.wait(time.monotonic() + STARTUP_SECONDS)
            if ev == "frame":
                _envelope(worker.frames.popleft(), "ready")
                phase = "import"
                ev = worker.wait(time.monotonic() + self.limits.import_seconds)
                if ev == "frame":
                    head, _ = _envelope(worker.frames.popleft(), "loaded")
                    return self._loaded(head, worker)
        except (wire.WireError, _Protocol) as e:
            ev = "protocol"
            detail = str(e)
        when = ("before importing the submission" if phase == "startup"
                else "while importing the submission")
        if ev == "timeout":
            what = ("starting the worker took longer than " + _seconds(STARTUP_SECONDS)
                    if phase == "startup" else
                    "importing the submission took longer than "
                    + _seconds(self.limits.import_seconds))
            kind, message = "timeout", what
        elif ev == "dead":
            kind, message = self._death(worker, when)
        elif ev == "closed":
            kind, message = "protocol", f"the worker closed its protocol channel {when}"
        else:
            kind = "protocol"
            message = _one_line(f"the worker sent a malformed message {when}: {detail}")
        worker.terminate()
        return LoadError(kind, message, worker.take_remaining_output())

    def _loaded(self, head: dict, worker: Worker) -> LoadError | None:
        ok = _get(head, "ok", (bool,))
        if ok:
            self.failed_sections = self._failed_sections(head)
            return None
        kind = _get(head, "kind", (str,))
        type_name = _get(head, "type", (str,))
        text = _get(head, "message", (str,))
        line = _line(head)
        where = f" (line {line})" if line is not None else ""
        if kind in ("syntax", "import"):
            message = _exception_message(type_name, text, line)
        elif kind == "exit":
            message = (f"the submission called sys.exit({_one_line(text, 100)}) "
                       f"while being imported{where}")
        elif kind == "memory":
            message = (f"the submission ran out of memory (limit {_bytes(self.limits.memory_bytes)})"
                       f" while being imported: {_exception_message(type_name, text, line)}")
        else:
            raise _Protocol(f"unknown load error kind {kind[:40]!r}")
        output = worker.take_output()
        return LoadError(kind, message, output, _disallowed(head))

    def _failed_sections(self, head: dict) -> dict[int, str]:
        failed = _get(head, "failed", (list,), optional=True) or []
        found: dict[int, str] = {}
        for item in failed:
            if type(item) is not dict:
                raise _Protocol("a failed section is not an object")
            index = _get(item, "section", (int,))
            if not 0 <= index < len(self.sections) or index in found:
                raise _Protocol(f"failed section {index} is not one of the {len(self.sections)} sections")
            found[index] = _exception_message(_get(item, "type", (str,)), _get(item, "message", (str,)), _line(item))
        return found

    def _death(self, worker: Worker, when: str) -> tuple[str, str]:
        rc = worker.terminate()
        if rc is None:
            return "crash", f"the worker could not be reaped {when}"
        if self.level == "bubblewrap" and 128 < rc < 128 + 65:
            rc = 128 - rc  # bwrap reports its child's death by signal N as exit status 128+N
        if rc < 0:
            return "crash", f"the worker crashed (signal {signal_name(-rc)}) {when}"
        if rc == wire.EXIT_SETUP:
            return "crash", f"the sandbox could not be set up {when} (exit code {rc})"
        if rc == wire.EXIT_PROTOCOL:
            return "protocol", f"the worker lost its protocol channel (exit code {rc}) {when}"
        return "exit", f"the worker exited with code {rc} {when}"

    # ------------------------------------------------------------------ calling
    def call(self, name: str, args: Sequence[Any] = (), *, seconds: float | None = None) -> CallOutcome:
        """One call; the same as ``call_many([(name, args)], seconds=seconds)[0]``."""
        return self.call_many([(name, args)], seconds=seconds)[0]

    def call_many(self, calls: Iterable[tuple[str, Sequence[Any]]], *, stop_on_fatal: bool = True,
                  seconds: float | None = None, until: float | None = None) -> list[CallOutcome]:
        """Run calls in order in one round trip; one CallOutcome per call, same order.

        Each call has ``limits.call_seconds``, or ``seconds`` when that is shorter (what is
        left of a caller's own time budget); past it the call is a "timeout". ``until`` (a
        time.monotonic() instant) bounds the request as a whole: a call still running then is a
        "timeout" too, so many calls in one request spend no more of a budget than one by one.

        After a fatal outcome (timeout, crash, memory, exit, protocol) the worker is killed;
        with ``stop_on_fatal`` the remaining calls are "skipped", otherwise a fresh worker
        is started and they continue. A load failure of that fresh worker makes the remaining
        calls "crash" with the LoadError's message (and later batches fail the same way
        without retrying; ``load()`` retries).

        Raises TypeError/ValueError (before anything runs) for arguments that cannot be sent.
        """
        self._check_open()
        batch = []
        for item in calls:
            name, args = item
            if not isinstance(name, str):
                raise TypeError(f"function name must be a str, got {type(name).__name__}")
            if not isinstance(args, (tuple, list)):
                raise TypeError(f"arguments of {name}() must be a tuple or list")
            batch.append((name, tuple(args)))
        if not batch:
            return []
        first = self._request(batch)  # validates every argument before anything runs
        results: list[CallOutcome] = []
        while len(results) < len(batch):
            i = len(results)
            rest = batch[i:]
            if self._res.worker is None:
                error = self._load_error
                if error is None:
                    error = self._load_error = self._start()
                if error is not None:
                    results.extend(CallOutcome(False, error_kind="crash", message=error.message,
                                               output=error.output) for _ in rest)
                    break
            try:
                outs = self._run(rest, first if i == 0 else self._request(rest), seconds, until)
            except BaseException:  # e.g. Ctrl-C in the grader: never leave a half-read worker
                self._res.stop_worker()
                raise
            results.extend(outs)
            if outs and outs[-1].fatal:
                self._res.stop_worker()
                if stop_on_fatal:
                    culprit = rest[len(outs) - 1][0]
                    note = _one_line(f"not run: {culprit}() ended the worker earlier in this "
                                     f"batch ({outs[-1].error_kind}: {outs[-1].message})")
                    results.extend(CallOutcome(False, error_kind="skipped", message=note)
                                   for _ in batch[len(results):])
                    break
        return results

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("the sandbox is closed")

    def _request(self, batch: list[tuple[str, tuple]]) -> bytes:
        """Encode one request (a new request number). Raises for unsendable arguments."""
        enc = wire.Encoder()
        calls = [{"name": name, "args": enc.value(args)} for name, args in batch]
        self._batch_id += 1
        return enc.frame({"op": "calls", "batch": self._batch_id, "calls": calls})

    def _run(self, batch: list[tuple[str, tuple]], request: bytes,
             seconds: float | None = None, until: float | None = None) -> list[CallOutcome]:
        """Send one request and collect responses until done or the first fatal outcome."""
        limit = self.limits.call_seconds if seconds is None else min(seconds, self.limits.call_seconds)
        worker = self._res.worker
        assert worker is not None
        worker.send(request)
        outs: list[CallOutcome] = []
        start = time.monotonic()
        for index, (name, args) in enumerate(batch):
            try:
                ev = worker.wait(start + limit if until is None else min(start + limit, until))
                if ev == "frame":
                    outcome = self._result(worker.frames.popleft(), index, name, args)
                    if not outcome.fatal:
                        outs.append(_with_output(outcome, worker.take_output()))
                        start = time.monotonic()
                        continue
                elif ev == "timeout":
                    outcome = CallOutcome(False, error_kind="timeout", message=(
                        f"{name}() took longer than {_seconds(limit)}"))
                elif ev == "dead":
                    kind, message = self._death(worker, f"while running {name}()")
                    outcome = CallOutcome(False, error_kind=kind, message=message)
                else:  # "closed"
                    outcome = CallOutcome(False, error_kind="protocol", message=(
                        f"the worker closed its protocol channel while running {name}()"))
            except (wire.WireError, _Protocol) as e:
                outcome = CallOutcome(False, error_kind="protocol", message=_one_line(
                    f"the worker sent a malformed message after {name}(): {e}"))
                if isinstance(e, wire.FrameTooLarge) and e.size <= wire.MAX_FRAME:
                    # an answer that could be real, refused on its length: none of it was read
                    outcome = CallOutcome(False, error_kind="memory", message=(
                        f"{name}() returned {_bytes(e.size)}, far more than its arguments "
                        f"({_bytes(len(request))}) can need; at most {_bytes(e.limit)} is accepted"))
            worker.terminate()
            outs.append(_with_output(outcome, worker.take_remaining_output()))
            return outs
        return outs

    def _result(self, payload: bytes, index: int, name: str, args: tuple) -> CallOutcome:
        head, decoder = _envelope(payload, "result")
        if _get(head, "batch", (int,)) != self._batch_id:
            raise _Protocol(f"result for request {head['batch']} during request {self._batch_id}")
        if _get(head, "index", (int,)) != index:
            raise _Protocol(f"result for call {head['index']} where call {index} was expected")
        ok = _get(head, "ok", (bool,))
        args_after = decoder.value(head.get("args_after", ["t", []]))
        if type(args_after) is not tuple:
            raise _Protocol("args_after is not a tuple")
        args_after = _restored(args_after, _get(head, "unchanged", (list,), optional=True) or [], args)
        if ok:
            if "value" not in head:
                raise _Protocol("missing field 'value'")
            value = decoder.value(head["value"])
            decoder.check_all_used()
            return CallOutcome(True, value=value, args_after=args_after)
        decoder.check_all_used()
        kind = _get(head, "kind", (str,))
        type_name = _one_line(_get(head, "type", (str,)), 100)
        text = _get(head, "message", (str,))
        line = _line(head)
        if kind == "exception":
            frames = _frames(head)
            return CallOutcome(False, args_after=args_after, error_kind="exception",
                               error_type=type_name,
                               message=_exception_message(type_name, text, line),
                               disallowed_module=_disallowed(head), frames=frames)
        if kind == "memory":
            return CallOutcome(False, error_kind="memory", error_type=type_name, message=(
                f"{name}() ran out of memory (limit {_bytes(self.limits.memory_bytes)}): "
                + _exception_message(type_name, text, line)))
        raise _Protocol(f"unknown error kind {kind[:40]!r}")


def _restored(args_after: tuple, unchanged: list, sent: tuple) -> tuple:
    """The arguments after the call: each one the worker listed as left as it came is the one sent
    (the parent's own value; it came back as null)."""
    if not unchanged:
        return args_after
    if len(args_after) != len(sent) or any(type(i) is not int or not 0 <= i < len(sent) or args_after[i] is not None
                                           for i in unchanged) or len(set(unchanged)) != len(unchanged):
        raise _Protocol("'unchanged' does not list distinct arguments sent back as null")
    kept = set(unchanged)
    return tuple(sent[i] if i in kept else value for i, value in enumerate(args_after))


def _with_output(outcome: CallOutcome, output: str) -> CallOutcome:
    """The outcome with what the call printed, made inert (nothing cut: the capture already capped it)."""
    if not output:  # most calls print nothing: no copy of the outcome
        return outcome
    return dataclasses.replace(outcome, output=inert.text(output, 4 * len(output) + 1))
