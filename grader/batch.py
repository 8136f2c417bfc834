"""Grade many submissions into a gradebook; one bad submission never stops the rest.

    run_batch(folder, out, options, jobs=4)            # out/gradebook.csv, gradebook.sqlite,
                                                        # reports/, summary.html, summary.md

Every entry is read here, in the parent (never executed; batch_inputs.py), then graded in the sandbox
(batch_grading.py): in this process (`jobs=1`), in a pool of worker processes (`jobs>1`), or on a Dask cluster
(`executor="dask"`). Results come back in any order and are put in gradebook order, so the
gradebook, the reports and the summary are the same for every `jobs` and executor.

As each submission finishes, in one go and with Ctrl-C held back meanwhile: its result is
committed to `gradebook.sqlite` (one transaction), its reports are written (atomically), and its
row is appended to `gradebook.csv` (rewritten in gradebook order at the end). An interrupted
batch (Ctrl-C, a kill, a power loss) so loses at most the submissions being graded at that moment.

Resume (batch_resume.py): a submission whose bytes (sha256), grader version and settings (everything that can
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
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import grader
from grader import similarity as similarity_module
from grader.batch_grading import PortableOptions, grade_remote, grade_submission, internal_error, make_executor
from grader.batch_grading import portable_ok
from grader.batch_inputs import BatchInputError, Prepared, plan, prepare_task, tasks
from grader.batch_outputs import ALL_FORMATS, reports_current, write_atomic, write_reports
from grader.batch_resume import grading_code_sha256, settings_key, settings_of
from grader.course import Course
from grader.executors import ExecutorUnavailable
from grader.gradebook_db import FILENAME as SQLITE_NAME
from grader.gradebook_db import Gradebook, GradebookError, comparable, normalised
from grader.model import BatchEntry, BatchResult, Lateness, SubmissionResult
from grader.reports import gradebook, summary, summary_md
from grader.runner import GradingOptions, error_result

__all__ = ["BatchInterrupted", "BatchRun", "run_batch"]


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

    def append_row(index: int) -> None:
        """The finished row at the end of gradebook.csv, in one write (rewriting the table after each of
        1,000 submissions was quadratic); the table is rewritten in gradebook order at the end."""
        with open(out / "gradebook.csv", "a", encoding="utf-8", newline="") as table:
            table.write(gradebook.render_row(results[index], part_names, lateness.get(index)))

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
        append_row(index)
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
            write_tables()  # the rows kept from earlier runs, and no older table for the new rows to follow
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
