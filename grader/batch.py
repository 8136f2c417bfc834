"""Grade many submissions into a gradebook; one bad submission never stops the rest.

Each finished submission's reports and the gradebook so far are written at once
(atomically), so an interrupted batch keeps everything already graded.

What becomes an error row (status "error", with the reason) rather than stopping the batch:
an entry that cannot be read (empty, binary, not UTF-8, a broken notebook, a folder with no
or several candidate files), a symlink pointing outside the batch folder (never followed
out), two entries with the same student id (`a.py` and `a.ipynb`, or names differing only
in Unicode normalisation or case: one row for the id, neither graded, so no report
overwrites another), and any failure of the grader itself on one submission.
"""
from __future__ import annotations

import concurrent.futures
import contextlib
import hashlib
import multiprocessing
import os
import signal
import tempfile
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterable

from grader.model import BatchEntry, BatchResult, GradingError, SubmissionResult
from grader.reports import gradebook, html, json_report, markdown, summary
from grader.runner import GradingOptions, error_result, grade
from grader.submissions import MAX_BYTES, SubmissionError, is_candidate, pick_file, read_submission, student_id

RENDERERS = {"json": json_report.render, "md": markdown.render, "html": html.render}
ALL_FORMATS = tuple(RENDERERS)


class BatchInputError(ValueError):
    """The batch folder itself is unusable (missing, not a folder, empty)."""


@dataclass(frozen=True)
class BatchPlan:
    folder: Path
    entries: tuple[Path, ...]


@dataclass(frozen=True)
class Task:
    """One gradebook row to produce: a student id and the entries that claim it (more than one is an error)."""

    student: str
    paths: tuple[Path, ...]


def plan(folder: Path, exclude: Iterable[Path] = ()) -> BatchPlan:
    """The entries of a batch folder, in gradebook order (hidden files, tool folders and `exclude` skipped)."""
    folder = Path(folder)
    if not folder.exists():
        raise BatchInputError(f"{folder}: no such folder; pass the folder that holds the submissions")
    if not folder.is_dir():
        raise BatchInputError(f"{folder}: not a folder; use `rnn-grader grade` for a single submission")
    skip = {_resolved(p) for p in exclude}
    try:
        found = [e for e in folder.iterdir() if is_candidate(e) and _resolved(e) not in skip]
    except OSError as exc:
        raise BatchInputError(f"{folder}: the folder cannot be read ({exc.strerror}); check its permissions") from None
    if not found:
        raise BatchInputError(f"{folder}: no submissions (.py, .ipynb or folders) found; check the folder")
    return BatchPlan(folder, tuple(sorted(found, key=lambda e: (student_id(e), e.name))))


def tasks(batch: BatchPlan) -> list[Task]:
    """Group the entries by student id; ids equal up to case also collide (report file names would)."""
    groups: dict[str, list[Path]] = {}
    for entry in batch.entries:
        groups.setdefault(student_id(entry).casefold(), []).append(entry)
    return [Task(student_id(paths[0]), tuple(paths)) for paths in groups.values()]


def _resolved(path: Path) -> Path | None:
    try:
        return Path(path).resolve()
    except (OSError, RuntimeError):  # a symlink loop
        return None


def write_atomic(path: Path, text: str) -> None:
    """Write via a temporary file and rename, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_reports(result: SubmissionResult, folder: Path, formats: tuple[str, ...] = ALL_FORMATS) -> list[Path]:
    written = []
    for fmt in formats:
        path = folder / f"{result.student}.{fmt}"
        write_atomic(path, RENDERERS[fmt](result))
        written.append(path)
    return written


def _digest(path: Path) -> str:
    """sha256 of a file's bytes when it can be read cheaply, else ''."""
    try:
        if path.is_file() and path.stat().st_size <= MAX_BYTES:
            return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        pass
    return ""


def _outside(path: Path, root: Path) -> str | None:
    """Why `path` may not be read as part of the batch in `root` (None when it may)."""
    target, base = _resolved(path), _resolved(root)
    if target is None:
        return f"{path}: a symlink that cannot be followed (a loop); replace it with the file itself"
    if base is not None and not target.is_relative_to(base):
        return f"{path}: symlink points outside the batch folder; copy the submission into the folder instead"
    return None


def grade_entry(entry: Path, options: GradingOptions, root: Path | None = None,
                student: str | None = None) -> SubmissionResult:
    """One entry of a batch, whatever is wrong with it. With `root`, nothing outside it is read."""
    student = student or student_id(entry)
    file = entry
    try:
        if root is not None and (reason := _outside(entry, root)):
            raise SubmissionError(reason)
        if entry.is_dir():
            file = pick_file(entry)
            if root is not None and (reason := _outside(file, root)):
                raise SubmissionError(reason)
        submission = read_submission(file, student)
    except SubmissionError as exc:
        digest = "" if root is not None and _outside(file, root) else _digest(file)
        return error_result(student, digest, GradingError(exc.kind, str(exc)), options)
    try:
        return grade(submission, options)
    except Exception as exc:  # a grader bug costs this submission, never the batch
        error = GradingError("internal", f"the grader itself failed on this submission "
                                         f"({type(exc).__name__}: {exc}); grade it again, and report this if it persists")
        return error_result(student, submission.sha256, error, options)


def duplicate_result(task: Task, options: GradingOptions) -> SubmissionResult:
    names = ", ".join(p.name for p in task.paths)
    message = f"duplicate student id {task.student} ({names}); keep one of them and grade again"
    return error_result(task.student, "", GradingError("duplicate", message), options)


def run_task(task: Task, options: GradingOptions, root: Path) -> SubmissionResult:
    if len(task.paths) > 1:
        return duplicate_result(task, options)
    return grade_entry(task.paths[0], options, root=root, student=task.student)


@contextlib.contextmanager
def _interrupts_deferred():
    """Hold back Ctrl-C (SIGINT) for the duration of the block, then deliver it."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGINT)
    if not callable(previous):  # ignored, or not installed by Python: nothing to defer
        yield
        return
    caught: list[tuple] = []
    signal.signal(signal.SIGINT, lambda *received: caught.append(received))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if caught:
            previous(*caught[0])


# ---- parallel grading (-j N): worker processes of our own, each grading whole submissions ----

_WORKER: dict[str, GradingOptions] = {}


def _init_worker(options: GradingOptions, reference_file: str | None) -> None:
    from grader.reference import load_reference
    from grader.spec import RNN

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it stops the workers
    reference = load_reference(Path(reference_file)) if reference_file else None
    _WORKER["options"] = replace(options, reference=reference, assignment=RNN)


def _run_in_worker(task: Task, root: Path) -> SubmissionResult:
    return run_task(task, _WORKER["options"], root)


def _parallel_ok(options: GradingOptions) -> bool:
    from grader.spec import RNN

    reference_file = getattr(options.reference, "__file__", None)
    return options.assignment is RNN and (options.reference is None or reference_file is not None)


def run_batch(folder: Path, out: Path, options: GradingOptions, formats: tuple[str, ...] = ALL_FORMATS,
              progress: Callable[[int, int, SubmissionResult], None] | None = None, jobs: int = 1) -> BatchResult:
    """Grade every entry of `folder` into `out`; `jobs` > 1 grades that many submissions at once."""
    folder, out = Path(folder), Path(out)
    batch = plan(folder, exclude=(out, out / "reports"))
    todo = tasks(batch)
    part_names = options.assignment.part_names
    results: dict[int, SubmissionResult] = {}

    def write_tables() -> None:
        write_atomic(out / "gradebook.csv", gradebook.render([results[i] for i in sorted(results)], part_names))

    def finished(index: int, result: SubmissionResult) -> None:
        with _interrupts_deferred():  # Ctrl-C waits until this submission's files are all written
            results[index] = result
            write_reports(result, out / "reports", formats)
            write_tables()
        if progress:
            progress(len(results), len(todo), result)

    def done() -> BatchResult:
        entries = tuple(BatchEntry(results[i].student, results[i]) for i in sorted(results))
        return BatchResult(entries, part_names)

    try:
        if jobs > 1 and len(todo) > 1 and _parallel_ok(options):
            _run_parallel(todo, folder, options, min(jobs, len(todo)), finished)
        else:
            for index, task in enumerate(todo):
                finished(index, run_task(task, options, folder))
    finally:
        if results:  # an interrupted batch still gets its gradebook and a summary of what was graded
            with _interrupts_deferred():
                write_tables()
                write_atomic(out / "summary.html", summary.render(done()))
    return done()


def _run_parallel(todo: list[Task], folder: Path, options: GradingOptions, jobs: int,
                  finished: Callable[[int, SubmissionResult], None]) -> None:
    """Grade in worker processes; a row whose worker died is graded again here, in order."""
    reference_file = getattr(options.reference, "__file__", None)
    portable = replace(options, reference=None, assignment=None)  # modules and Hypothesis strategies don't pickle
    context = multiprocessing.get_context("spawn")
    pool = concurrent.futures.ProcessPoolExecutor(jobs, mp_context=context, initializer=_init_worker,
                                                  initargs=(portable, reference_file))
    again: list[int] = []
    try:
        futures = {pool.submit(_run_in_worker, task, folder): i for i, task in enumerate(todo)}
        for future in concurrent.futures.as_completed(futures):
            try:
                result = future.result()
            except Exception:  # the worker died (not the student's code: that runs in the sandbox)
                again.append(futures[future])
                continue
            finished(futures[future], result)
    except BaseException:
        processes = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.terminate()
        raise
    pool.shutdown()
    for index in sorted(again):
        finished(index, run_task(todo[index], options, folder))
