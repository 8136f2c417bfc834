"""Grade many submissions into a gradebook; one bad submission never stops the rest.

    run_batch(folder, out, options, jobs=4)            # out/gradebook.csv, gradebook.sqlite,
                                                        # reports/, summary.html, summary.md

Every entry is read here, in the parent (never executed), then graded in the sandbox: in
this process (`jobs=1`), in a pool of worker processes (`jobs>1`), or on a Dask cluster
(`executor="dask"`). Results come back in any order and are put in gradebook order, so the
gradebook, the reports and the summary are the same for every `jobs` and executor.

As each submission finishes, in one go and with Ctrl-C held back meanwhile: its result is
committed to `gradebook.sqlite` (one transaction), its reports are written, and
`gradebook.csv` is rewritten (files atomically). An interrupted batch (Ctrl-C, a kill, a power
loss) so loses at most the submissions being graded at that moment.

Resume: a submission whose bytes (sha256), grader version and settings (everything that can
change a score: mode, seed, limits, reference solution, language, the grading code itself)
match a stored result is not graded again; the stored result is its row (`regrade=True`
grades everything again). A changed submission is graded again.

What becomes an error row (status "error", with the reason) rather than stopping the batch:
an entry that cannot be read (empty, binary, not UTF-8, a broken notebook, a folder with no
or several candidate files), a symlink pointing outside the batch folder (never followed
out), two entries with the same student id (`a.py` and `a.ipynb`, or names differing only
in Unicode normalisation or case: one row for the id, neither graded, so no report
overwrites another), and any failure of the grader itself on one submission, including
storing its result or writing its reports (the row then says why; nothing graded before is lost).

Student ids are file names, so they are text every store accepts: the bytes of a name that is
not UTF-8 (a zip made on a Windows PC in cp949) are shown as `\\xNN`.

With a course file (`course`: its deadline and late policy), every row also gets its lateness
(grader.deadlines) from its submission time (grader.submission_times): gradebook.csv, the
summaries and the LMS files show it beside the raw score, and each batch records it in
gradebook.sqlite. The policy is not a grading setting, so a changed deadline or extension
regrades nothing: running the batch again reuses every result and only recomputes the penalties.
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import signal
import tempfile
import threading
import time
import types
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

import grader
from grader import assignments, i18n
from grader import similarity as similarity_module
from grader.course import Course
from grader.executors import EXECUTORS, DaskExecutor, ExecutorUnavailable, ProcessExecutor, cpu_count
from grader.gradebook_db import FILENAME as SQLITE_NAME
from grader.gradebook_db import Gradebook, GradebookError, comparable, normalised
from grader.model import BatchEntry, BatchResult, GradingError, Lateness, SubmissionResult
from grader.reports import classroom, gradebook, gradescope, html, json_report, junit, markdown, summary, summary_md
from grader.reports.filenames import report_stem
from grader.reports.formats import ALL_FORMATS
from grader.runner import GradingOptions, error_result, grade
from grader.sandbox import inert
from grader.spec import Assignment
from grader.submissions import (
    MAX_BYTES,
    Submission,
    SubmissionError,
    is_candidate,
    pick_file,
    read_submission,
    student_id,
)

if TYPE_CHECKING:
    from grader.sandbox import Limits

RENDERERS = {"json": json_report.render, "md": markdown.render, "html": html.render,  # in FORMATS' order
             "junit": junit.render, "gradescope": gradescope.render, "classroom": classroom.render}
# file names other than `<id>.<format>` (`{id}`: the report file stem); Gradescope reads exactly
# `results.json`, one submission per folder, so `batch` does not offer that format
FILE_NAMES = {"junit": "{id}.junit.xml", "gradescope": "results.json", "classroom": "{id}.classroom.json"}

__all__ = ["ALL_FORMATS", "BatchInputError", "BatchInterrupted", "BatchRun", "ExecutorUnavailable", "EXECUTORS",
           "GradebookError", "cpu_count", "run_batch", "write_reports"]


class BatchInputError(ValueError):
    """The batch folder itself is unusable (missing, not a folder, empty), or the batch cannot start."""


@dataclass(frozen=True)
class BatchPlan:
    folder: Path
    entries: tuple[Path, ...]


@dataclass(frozen=True)
class Task:
    """One gradebook row to produce: a student id and the entries that claim it (more than one is an error)."""

    student: str
    paths: tuple[Path, ...]


@dataclass(frozen=True)
class BatchRun(BatchResult):
    """A finished batch: its rows (BatchResult) and what this run did."""

    graded: int = 0                 # graded in this run
    reused: int = 0                 # taken from an earlier run (resume)
    wall_seconds: float = 0.0
    similar: tuple = ()             # similarity.SimilarPair, when asked for
    out: Path | None = None


class BatchInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped the batch; everything finished before it is saved."""

    def __init__(self, saved: int, total: int, out: Path):
        super().__init__(f"{saved} of {total} submissions graded")
        self.saved, self.total, self.out = saved, total, out

    @property
    def message(self) -> str:
        left = self.total - self.saved
        return (f"interrupted: {self.saved} of {self.total} submissions are graded and saved in {self.out} "
                f"(gradebook.csv, {SQLITE_NAME}, reports/); run the same command again to grade the other {left} "
                f"(graded submissions are skipped; --regrade grades all again)")


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


def readable_id(entry: Path) -> str:
    """The entry's student id as valid Unicode: bytes of its name that are not UTF-8 as `\\xNN`."""
    return os.fsencode(student_id(entry)).decode("utf-8", "backslashreplace")


def tasks(batch: BatchPlan) -> list[Task]:
    """Group the entries by student id; ids equal up to case also collide (report file names would)."""
    groups: dict[str, list[Path]] = {}
    for entry in batch.entries:
        groups.setdefault(readable_id(entry).casefold(), []).append(entry)
    return [Task(readable_id(paths[0]), tuple(paths)) for paths in groups.values()]


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


def report_paths(student: str, folder: Path, formats: Iterable[str] = ALL_FORMATS) -> dict[str, Path]:
    """Where a student's reports go: `<id>.<fmt>`, the id made safe for every file system when it must be."""
    stem = report_stem(student)
    return {fmt: folder / FILE_NAMES.get(fmt, "{id}." + fmt).format(id=stem) for fmt in formats}


def write_reports(result: SubmissionResult, folder: Path, formats: tuple[str, ...] = ALL_FORMATS) -> list[Path]:
    """Write the report files; the JSON goes last (after removing the old one), so a JSON report on
    disk always belongs with the other files next to it."""
    paths = report_paths(result.student, folder, formats)
    if "json" in paths:
        paths["json"].unlink(missing_ok=True)
    for fmt in sorted(paths, key=lambda f: f == "json"):
        write_atomic(paths[fmt], RENDERERS[fmt](result))
    return list(paths.values())


def reports_current(result: SubmissionResult, folder: Path, formats: tuple[str, ...]) -> bool:
    """Whether the report files on disk are those of `result` (so a resumed row need not rewrite them)."""
    paths = report_paths(result.student, folder, formats)
    if "json" not in paths or not all(p.is_file() for p in paths.values()):
        return False
    try:
        return paths["json"].read_text(encoding="utf-8") == json_report.render(result)
    except (OSError, UnicodeDecodeError):
        return False


# ---- reading a task in the parent -------------------------------------------------------------

def _digest(path: Path) -> str:
    """sha256 of a file's bytes when it can be read cheaply, else ''."""
    try:
        if path.is_file() and path.stat().st_size <= MAX_BYTES:
            return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        pass
    return ""


def _outside(path: Path, root: Path) -> SubmissionError | None:
    """Why `path` may not be read as part of the batch in `root` (None when it may)."""
    target, base = _resolved(path), _resolved(root)
    if target is None:
        return SubmissionError("input.symlink_loop", path=path)
    if base is not None and not target.is_relative_to(base):
        return SubmissionError("input.symlink_outside", path=path)
    return None


@dataclass(frozen=True)
class Prepared:
    """A task read in the parent: the submission to grade, or why it cannot be (an error row)."""

    student: str
    submission: Submission | None
    error: GradingError | None = None
    sha256: str = ""


def prepare(entry: Path, names: tuple[str, ...] = (), root: Path | None = None, student: str | None = None,
            lang: str = "en") -> Prepared:
    """Read one entry (never running it; a folder's file chosen among the assignment's file `names`);
    why it cannot be read is said in `lang`. With `root`, nothing outside it is read."""
    student = student or student_id(entry)
    file = entry
    try:
        if root is not None and (reason := _outside(entry, root)):
            raise reason
        if entry.is_dir():
            file = pick_file(entry, names)
            if root is not None and (reason := _outside(file, root)):
                raise reason
        submission = read_submission(entry if entry.is_dir() else file, names, student)  # a folder: with its helpers
    except SubmissionError as exc:
        digest = "" if root is not None and _outside(file, root) else _digest(file)
        return Prepared(student, None, GradingError(exc.kind, _within_batch(exc.render(lang), root)), digest)
    return Prepared(student, submission, None, submission.sha256)


def _within_batch(message: str, root: Path | None) -> str:
    """Paths in a message as the batch folder's own (`zz_empty.py`, not `/home/ta/2026/zz_empty.py`):
    the student's report reads the same on every machine, and shows nothing of the grader's disk."""
    return message if root is None else message.replace(f"{root}{os.sep}", "")


def prepare_task(task: Task, root: Path, names: tuple[str, ...], lang: str = "en") -> Prepared:
    if len(task.paths) > 1:
        duplicate = SubmissionError("input.duplicate_id", kind="duplicate", student=task.student,
                                    names=", ".join(p.name for p in task.paths))
        return Prepared(task.student, None, GradingError(duplicate.kind, duplicate.render(lang)))
    return prepare(task.paths[0], names, root=root, student=task.student, lang=lang)


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


# ---- settings: what must match for a stored result to be reused ------------------------------

# modules that cannot change a score (how results are run, stored and shown)
_NOT_SCORING = {"batch.py", "cli.py", "__main__.py", "progress.py", "similarity.py", "gradebook_db.py",
                "executors.py", "course.py", "deadlines.py", "submission_times.py", "git_times.py"}


def _tree_digest(digest, root: Path, skip) -> None:
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if not path.is_file() or "__pycache__" in relative.parts or skip(relative):
            continue
        digest.update(str(relative).encode() + b"\0" + path.read_bytes() + b"\0")


@functools.cache
def grading_code_sha256(assignment: Assignment) -> str:
    """A hash of the code that decides scores and feedback (the grader's checks, runner, sandbox,
    catalogs..., and the assignment's folder and instructor folder), so results are never reused
    across a change of it, even within one version."""
    package = Path(grader.__file__).resolve().parent
    digest = hashlib.sha256()
    _tree_digest(digest, package, lambda relative: path_not_scoring(relative))
    for folder in (assignment.folder, assignment.solutions):
        if folder is not None:
            digest.update(b"\1" + folder.name.encode())
            _tree_digest(digest, folder, lambda relative: False)
    return digest.hexdigest()


def path_not_scoring(relative: Path) -> bool:
    """Files of the package that cannot change a score or its feedback."""
    return (relative.suffix not in (".py", ".json") or relative.parts[0] == "reports"
            or str(relative) in _NOT_SCORING or relative.name.startswith("release"))


def _reference_sha256(options: GradingOptions) -> str:
    if options.reference is None:
        return ""
    file = getattr(options.reference, "__file__", None)
    try:
        return hashlib.sha256(Path(file).read_bytes()).hexdigest() if file else f"unhashable-{os.urandom(8).hex()}"
    except OSError:
        return f"unhashable-{os.urandom(8).hex()}"


def settings_of(options: GradingOptions) -> dict[str, Any]:
    """Everything that can change a result, as plain data (stored with each batch)."""
    assignment = options.assignment
    return {
        "assignment": assignment.name,
        "parts": [[p.name, p.points] for p in assignment.parts],
        "mode": options.mode,
        "seed": options.effective_seed,
        "limits": asdict(options.limits),
        "lang": options.lang,
        "reference_sha256": _reference_sha256(options),
        "grader_version": grader.__version__,
        "grading_code_sha256": grading_code_sha256(assignment),
    }


def settings_key(settings: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:24]


# ---- grading elsewhere: options that travel to a worker process or a Dask worker --------------

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


# ---- the batch -------------------------------------------------------------------------------

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


def run_batch(folder: Path, out: Path, options: GradingOptions, formats: tuple[str, ...] = ALL_FORMATS,
              progress: Callable[[int, int, SubmissionResult], None] | None = None, jobs: int = 1, *,
              executor: Any = None, scheduler: str | None = None, regrade: bool = False,
              similarity: bool = False, similarity_threshold: float = similarity_module.DEFAULT_THRESHOLD,
              course: Course | None = None) -> BatchRun:
    """Grade every entry of `folder` into `out`.

    `jobs` > 1 grades that many submissions at once in worker processes; `executor="dask"` with
    `scheduler="tcp://HOST:PORT"` grades on a Dask cluster instead. `progress(done, total, result)`
    is called as each row is finished (and `progress.start(total, done)` first, when it has one).
    `course` (a deadline and late policy) adds every row's lateness.
    Raises BatchInterrupted (a KeyboardInterrupt) on Ctrl-C, after saving what was finished.
    """
    started = time.monotonic()
    folder, out = Path(folder), Path(out)
    batch = plan(folder, exclude=(out, out / "reports"))
    todo = tasks(batch)
    part_names = options.assignment.part_names
    reports_dir = out / "reports"
    remote = make_executor(executor, jobs, scheduler)
    if remote is not None and not portable_ok(options):
        remote = None  # options that cannot travel (tests' own assignments): grade here
    settings = settings_of(options)
    key = settings_key(settings)
    try:
        store = Gradebook(out / SQLITE_NAME)
    except GradebookError as exc:
        raise BatchInputError(str(exc)) from None
    results: dict[int, SubmissionResult] = {}
    lateness: dict[int, Lateness] = {}
    times = [course.submission_time(t.paths[0], t.student, options.assignment.files) for t in todo] if course else []
    counts = {"graded": 0, "reused": 0}
    status = "interrupted"
    batch_id = store.start_batch(folder.resolve(), grader.__version__, key, settings, jobs,
                                 getattr(remote, "name", "local"), len(todo))

    def write_tables() -> None:
        rows = sorted(results)
        write_atomic(out / "gradebook.csv", gradebook.render([results[i] for i in rows], part_names,
                                                             [lateness[i] for i in rows] if course else None))

    def assess(indexes: list[int]) -> None:
        """The rows' lateness under the course's policy, recorded with this batch."""
        if course is not None and indexes:
            lateness.update({i: course.assess(results[i], times[i]) for i in indexes})
            store.record_lateness(batch_id, [(i, results[i].student, lateness[i]) for i in indexes],
                                  course.policy.describe())

    def keep(index: int, result: SubmissionResult) -> SubmissionResult:
        result = normalised(result)  # exactly what is stored and what a resumed run reads back
        store.record(batch_id, index, result, key)
        results[index] = result
        assess([index])
        write_reports(result, reports_dir, formats)
        write_tables()
        return result

    def finished(index: int, result: SubmissionResult) -> None:
        with _interrupts_deferred():  # Ctrl-C waits until this submission is recorded and its files written
            try:
                result = keep(index, result)
            except Exception as exc:  # noqa: BLE001 - one result that cannot be stored or shown is its own row
                error = internal_error("batch.not_recorded", exc, options.lang)
                result = keep(index, error_result(result.student, result.submission_sha256, error, options))
            counts["graded"] += 1
        if progress:
            progress(len(results), len(todo), result)

    def checked(done: Callable[[int, SubmissionResult], None]) -> Callable[[int, tuple], None]:
        code = grading_code_sha256(options.assignment)

        def finished_remote(index: int, payload: tuple[str, SubmissionResult]) -> None:
            worker_code, result = payload
            if worker_code != code:
                raise ExecutorUnavailable(
                    "the workers grade with other grading code than this machine (another rnn-grader version, or "
                    "changed files); install the same rnn-grader on every worker, then run the batch again")
            done(index, result)
        return finished_remote

    def rows() -> tuple[BatchEntry, ...]:
        return tuple(BatchEntry(results[i].student, results[i], lateness.get(i)) for i in sorted(results))

    similar: tuple = ()
    prepared: list[Prepared] = []
    try:
        prepared = [prepare_task(task, folder, options.assignment.files, options.lang) for task in todo]
        to_grade: list[int] = []
        unreadable: list[tuple[int, SubmissionResult]] = []
        reused: list[tuple[int, str, int]] = []
        for index, item in enumerate(prepared):
            fresh = None if item.submission is not None else \
                normalised(error_result(item.student, item.sha256, item.error, options))
            stored = None if regrade else store.lookup(item.student, item.sha256, key)
            if stored is not None and fresh is not None and comparable(stored[1]) != comparable(fresh):
                stored = None  # an input error whose reason changed
            if stored is not None and stored[1].error is not None and stored[1].error.kind == "internal":
                stored = None  # the grader itself failed last time: try again
            if stored is not None:
                results[index] = stored[1]
                reused.append((index, item.student, stored[0]))
            elif fresh is not None:
                unreadable.append((index, fresh))
            else:
                to_grade.append(index)
        with _interrupts_deferred():
            store.record_reused(batch_id, reused)
            counts["reused"] = len(reused)
            assess([index for index, _, _ in reused])
            for index, _, _ in reused:
                if not reports_current(results[index], reports_dir, formats):
                    write_reports(results[index], reports_dir, formats)
            if reused:
                write_tables()
        if progress is not None and hasattr(progress, "start"):
            progress.start(len(todo), len(results))
        errors = dict(unreadable)
        if remote is not None and to_grade and (len(to_grade) > 1 or remote.name == "dask"):
            for index, fresh in unreadable:  # error rows cost nothing to make: record them first
                finished(index, fresh)
            items = [(i, prepared[i].submission) for i in to_grade]
            here = remote.run(grade_remote, PortableOptions.of(options), items, checked(finished))
        else:
            here = sorted(to_grade + list(errors))
        for index in here:  # in this process, in gradebook order: sequential grading, or what a lost worker left
            finished(index, errors[index] if index in errors else
                     grade_submission(prepared[index].submission, options))
        status = "complete"
    except KeyboardInterrupt:
        raise BatchInterrupted(len(results), len(todo), out) from None
    except BaseException:
        status = "failed"
        raise
    finally:
        with _interrupts_deferred():
            try:
                if results:  # an interrupted batch still gets its gradebook and a summary of what was graded
                    write_tables()
                    similar = ()
                    if similarity and status == "complete":
                        sources = {p.student: p.submission.source for p in prepared if p.submission is not None}
                        similar = tuple(similarity_module.similar_pairs(
                            sources, keep=part_names, threshold=similarity_threshold))
                        write_atomic(out / "similarity.csv", similarity_module.to_csv(similar))
                    done_rows = BatchResult(rows(), part_names)
                    pairs = similar if similarity and status == "complete" else None  # none known when cut short
                    write_atomic(out / "summary.html", summary.render(done_rows, similar=pairs))
                    write_atomic(out / "summary.md", summary_md.render(done_rows, similar=pairs))
                store.finish_batch(batch_id, status, time.monotonic() - started)
            finally:
                store.close()
    return BatchRun(rows(), part_names, graded=counts["graded"], reused=counts["reused"],
                    wall_seconds=round(time.monotonic() - started, 3), similar=similar, out=out)
