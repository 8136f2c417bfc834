"""Grading one read submission, in this process or in another (a worker process or a Dask worker): a
failure of the grader itself costs that submission, never the batch; options travel as plain data."""
from __future__ import annotations

import types
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader import assignments, i18n
from grader.batch_inputs import BatchInputError
from grader.batch_resume import grading_code_sha256
from grader.executors import EXECUTORS, DaskExecutor, ProcessExecutor
from grader.model import GradingError, SubmissionResult
from grader.runner import GradingOptions, error_result, grade
from grader.sandbox import inert
from grader.spec import Assignment
from grader.submissions import Submission

if TYPE_CHECKING:
    from grader.sandbox import Limits

__all__ = ["EXECUTORS", "internal_error", "grade_submission", "PortableOptions", "grade_remote", "portable_ok",
           "make_executor"]



def internal_error(key: str, exc: Exception, lang: str) -> GradingError:
    """Why the grader failed on one submission (catalog `key`), the exception made inert: its text may
    quote the student's."""
    return GradingError("internal", i18n.text(lang, key, error=inert.text(f"{type(exc).__name__}: {exc}", 500)))


def grade_submission(submission: Submission, options: GradingOptions) -> SubmissionResult:
    """Grade one read submission; a failure of the grader itself costs this submission, never the batch."""
    try:
        return grade(submission, options)
    except Exception as exc:  # noqa: BLE001
        return error_result(submission.student, submission.sha256,
                            internal_error("batch.grader_failed", exc, options.lang), options)



@dataclass(frozen=True)
class PortableOptions:
    """GradingOptions without modules (they don't pickle): the reference travels as its source."""

    mode: str
    seed: int | None
    limits: Limits
    lang: str
    assignment: str  # its name, and the folder it was loaded from here (a worker with the same
    assignment_folder: str  # install finds it there; one elsewhere finds it by name)
    reference_path: str | None = None
    reference_source: str | None = None

    @classmethod
    def of(cls, options: GradingOptions) -> "PortableOptions":
        path = getattr(options.reference, "__file__", None) if options.reference is not None else None
        source = Path(path).read_text(encoding="utf-8") if path else None
        return cls(options.mode, options.seed, options.limits, options.lang, options.assignment.name,
                   str(options.assignment.folder), path, source)


_BUILT: dict[PortableOptions, GradingOptions] = {}


def _load_reference_source(assignment: Assignment, path: str, source: str) -> types.ModuleType:
    from grader.reference import load_reference, module_name

    try:
        if Path(path).read_text(encoding="utf-8") == source:  # the same file here: load it as the parent did
            return load_reference(assignment, Path(path))
    except OSError:
        pass
    module = types.ModuleType(module_name(assignment))
    module.__file__ = path
    exec(compile(source, path, "exec"), module.__dict__)  # noqa: S102  (the instructor's reference, trusted)
    return module


def build_options(portable: PortableOptions) -> GradingOptions:
    if portable not in _BUILT:
        folder = Path(portable.assignment_folder)
        assignment = assignments.load_folder(folder) if folder.is_dir() else assignments.load(portable.assignment)
        reference = _load_reference_source(assignment, portable.reference_path, portable.reference_source) \
            if portable.reference_source is not None else None
        _BUILT[portable] = GradingOptions(mode=portable.mode, seed=portable.seed, limits=portable.limits,
                                          reference=reference, assignment=assignment, lang=portable.lang)
    return _BUILT[portable]


def grade_remote(submission: Submission, portable: PortableOptions) -> tuple[str, SubmissionResult]:
    """The task a worker runs (module level, so it pickles by name): the result, with the hash of the
    grading code that produced it (a worker with other code must not mix its grades in)."""
    options = build_options(portable)
    return grading_code_sha256(options.assignment), grade_submission(submission, options)


def portable_ok(options: GradingOptions) -> bool:
    """Whether `options` can be rebuilt in another process (an assignment loaded from its folder, a
    reference from a file)."""
    reference_file = getattr(options.reference, "__file__", None)
    return (assignments.load_folder(options.assignment.folder) is options.assignment
            and (options.reference is None or reference_file is not None))


def make_executor(executor: Any, jobs: int, scheduler: str | None):
    """None for grading in this process; else an object with `run(work, context, items, finished)`."""
    if executor not in (None, "local"):
        if isinstance(executor, str):
            if executor != "dask":
                raise BatchInputError(f"unknown executor {executor!r}; choose one of {', '.join(EXECUTORS)}")
            if not scheduler:
                raise BatchInputError("--executor dask needs --scheduler tcp://HOST:PORT (the Dask scheduler)")
            return DaskExecutor(scheduler)
        return executor
    return ProcessExecutor(jobs) if jobs > 1 else None
