"""Command line: parse, call, map errors to exit codes (0 done, 1 below --fail-under, 2 bad input).

Every usage or input error is one line on stderr, `rnn-grader: error: ...`, and exit code 2;
never a traceback.  `main()` returns the exit code (it does not call `sys.exit`), so it can
be called in-process.
"""
from __future__ import annotations

import argparse
import contextlib
import math
import sys
from pathlib import Path
from typing import NoReturn

import grader
from grader.executors import EXECUTORS, ExecutorUnavailable, cpu_count
from grader.i18n import LANGS, text
from grader.manifest import FILE_NAME, read_manifest
from grader.reference import ReferenceMissing, load_reference, reference_path
from grader.reports import lms, terminal
from grader.reports.formats import ALL_FORMATS, FORMATS
from grader.runner import GradingOptions, grade
from grader import assignments, cache
from grader.errors import EXIT_BELOW, EXIT_INPUT, EXIT_INTERRUPTED, EXIT_OK, GraderError
from grader.sandbox import IsolationUnavailable, Limits, isolation
from grader.spec import Assignment
from grader.submissions import SubmissionError, read_here, read_submission


class InputError(GraderError):
    """Bad input from the user: printed as one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (`rnn-grader: error: ...`), not usage plus message."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_INPUT, f"rnn-grader: error: {_one_line(message)} (see `{self.prog} --help`)\n")


def _one_line(text: object) -> str:
    """A message on one line, inert (it may name a student's file: no escape sequence runs)."""
    return terminal.inert(" ".join(str(text).split()))


def _formats(text: str) -> tuple[str, ...]:
    chosen = tuple(f.strip() for f in text.split(",") if f.strip())
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(f"unknown format {', '.join(unknown) or '(none)'}; "
                                         f"choose from {','.join(FORMATS)}")
    return chosen


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text}")
    return value


def _positive(text: str) -> float:
    value = _number(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {text}")
    return value


MAX_TIMEOUT = 24 * 3600.0  # seconds; beyond this the OS timers overflow, and no call needs it
MAX_MEMORY = 1024.0  # GiB


def _timeout(text: str) -> float:
    value = _positive(text)
    if value > MAX_TIMEOUT:
        raise argparse.ArgumentTypeError(f"at most {MAX_TIMEOUT:g} seconds, got {text}")
    return value


def _memory(text: str) -> float:
    value = _positive(text)
    if value * 2**30 < 2**20:
        raise argparse.ArgumentTypeError(f"{text} GiB is too little memory to run Python and numpy")
    if value > MAX_MEMORY:
        raise argparse.ArgumentTypeError(f"at most {MAX_MEMORY:g} GiB, got {text}")
    return value


def _jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text}")
    return value


REQUIRE_ISOLATION_HELP = ("refuse to grade (exit 2) where student code could read the grader's files: "
                          "neither bubblewrap nor Landlock available")


def parser() -> argparse.ArgumentParser:
    ap = _Parser(prog="rnn-grader", description="Grade programming assignments (the vanilla-RNN numpy one and "
                                                 "others): sandboxed, property-based, bilingual feedback.")
    ap.add_argument("--version", action="version", version=f"rnn-grader {grader.__version__}")
    sub = ap.add_subparsers(dest="command", required=True, parser_class=_Parser)

    chooser = argparse.ArgumentParser(add_help=False)
    chooser.add_argument("--assignment", metavar="NAME", help=f"which assignment (default {assignments.DEFAULT}; "
                         "`check` also recognises it from the file name; `rnn-grader list` shows them)")
    chooser.add_argument("--assignments", type=Path, action="append", default=[], metavar="DIR",
                         help="also look for assignments in DIR (a folder of assignment folders)")

    common = argparse.ArgumentParser(add_help=False, parents=[chooser])
    common.add_argument("--fail-under", type=_number, metavar="SCORE", help="exit 1 when the score is lower")
    common.add_argument("--seed", type=int, help="base seed of the generated inputs (default: the course's)")
    common.add_argument("--timeout", type=_timeout, metavar="SECONDS",
                        help="time limit per call of a student function (default: the assignment's, e.g. 10)")
    common.add_argument("--memory", type=_memory, metavar="GiB",
                        help="address-space cap of the student process (default: the assignment's, e.g. 2)")
    common.add_argument("--solutions", type=Path, help="reference solution file or folder (default: the "
                        "assignment's solutions/<name>/)")
    common.add_argument("--lang", choices=LANGS, default="en", help="feedback language (default %(default)s)")

    check = sub.add_parser("check", parents=[common], help="student local check: public tests only, fast")
    check.add_argument("path", nargs="?", type=Path, help="the assignment's .py or .ipynb file, or a folder "
                       "(default: the assignment file in the current folder)")
    check.add_argument("--format", type=_formats, default=(), help=f"also write reports: {','.join(FORMATS)}")
    check.add_argument("--out", type=Path, default=Path("."), help="where --format reports go (default .)")
    check.add_argument("--watch", action="store_true",
                       help="check again on every save, printing only what changed (Ctrl-C stops)")

    grade_p = sub.add_parser("grade", parents=[common], help="full grading of one submission")
    grade_p.add_argument("path", type=Path)
    grade_p.add_argument("--out", type=Path, required=True)
    grade_p.add_argument("--format", type=_formats, default=ALL_FORMATS)
    grade_p.add_argument("--require-isolation", action="store_true", help=REQUIRE_ISOLATION_HELP)

    batch = sub.add_parser("batch", parents=[common], help="grade every submission of a folder")
    batch.add_argument("folder", type=Path)
    batch.add_argument("--out", type=Path, required=True)
    batch.add_argument("--format", type=_formats, default=ALL_FORMATS)
    batch.add_argument("--require-isolation", action="store_true", help=REQUIRE_ISOLATION_HELP)
    batch.add_argument("-j", "--jobs", type=_jobs, default=cpu_count(), metavar="N",
                       help="grade N submissions at once in sandboxed worker processes (default: the number "
                            "of cores, %(default)s here)")
    batch.add_argument("--regrade", action="store_true",
                       help="grade every submission again, even those already graded with the same settings")
    batch.add_argument("--similarity", action="store_true",
                       help="list pairs of near-identical submissions (normalised code) in the summary")
    batch.add_argument("--executor", choices=EXECUTORS, default="local",
                       help="where to grade: local worker processes, or a Dask cluster (default %(default)s)")
    batch.add_argument("--scheduler", metavar="tcp://HOST:PORT", help="the Dask scheduler, with --executor dask")
    batch.add_argument("--lms", type=_lms, default=(), metavar="canvas|moodle",
                       help="also write gradebook-<lms>.csv for that LMS's grade import (comma-separated for both)")
    batch.add_argument("--lms-column", default=lms.DEFAULT_COLUMN, metavar="NAME",
                       help="the assignment's column in the Canvas import (default %(default)r)")
    batch.add_argument("--course", type=Path, metavar="course.toml",
                       help="the deadline and late policy (time zone, grace period, penalty per day, cap, "
                            "extensions): adds lateness, penalty and final score to the gradebook; a changed "
                            "policy or extension regrades nothing")

    sub.add_parser("list", parents=[chooser], help="the installed assignments, with their parts and points")

    init_ci = sub.add_parser("init-ci", parents=[chooser], help="write .github/workflows/autograde.yml (GitHub Actions, PR comment)")
    init_ci.add_argument("repo", nargs="?", type=Path, default=Path("."), help="the repository (default .)")
    init_ci.add_argument("--fail-under", type=_number, default=None, metavar="SCORE",
                         help="the job fails below this score (default 0: never)")
    init_ci.add_argument("--submission", metavar="PATH", help="the file (or folder) to check, relative to the "
                         "repository (default: the folder holding the assignment's files, . or assignments/NAME; the "
                         "workflow then checks the one of them holding the student's work, as check chooses)")
    init_ci.add_argument("--install", metavar="PIP-SPEC", help="what `pip install` installs the grader from "
                         "(default: . when the repository is the student bundle)")
    init_ci.add_argument("--gate", action="store_true", help="grade with a grader the student cannot change: "
                         "--install must pin it (rnn-grader==VERSION, OWNER/REPO@TAG of the course repository, or a "
                         "git URL ending in @TAG)")
    init_ci.add_argument("--classroom", action="store_true",
                         help="also write .github/workflows/classroom.yml for GitHub Classroom's reporter")
    init_ci.add_argument("--lang", choices=LANGS, default="en", help="feedback language (default %(default)s)")
    init_ci.add_argument("--force", action="store_true", help="overwrite workflow files that exist")

    export = sub.add_parser("export", parents=[chooser], help="package the grader for another platform")
    export.add_argument("platform", choices=("gradescope", "classroom50"))
    export.add_argument("--out", type=Path, required=True, help="gradescope: the zip to write, e.g. autograder.zip; "
                        "classroom50: a new folder (copy it to CLASSROOM/autograders/ASSIGNMENT/)")
    export.add_argument("--hidden", action="store_true", help="classroom50: grade with the hidden checks and the "
                        "reference (students can download the autograder folder: see its README)")
    export.add_argument("--solutions", type=Path, help="reference solution file or folder (default: the "
                        "assignment's solutions/<name>/)")
    export.add_argument("--seed", type=int, help="base seed of the generated inputs (default: the course's)")
    export.add_argument("--lang", choices=LANGS, default="en", help="feedback language (default %(default)s)")
    export.add_argument("--timeout", type=_timeout, metavar="SECONDS",
                        help="time limit per call of a student function (default: the assignment's, e.g. 10)")

    release = sub.add_parser("release", parents=[chooser],
                             help="build the student bundle (stubs, notebook, public checks, grader)")
    release.add_argument("--out", type=Path, required=True, help="a new or empty folder")
    sub.add_parser("generate", parents=[chooser],
                   help="regenerate the assignment's stubs, notebook and stored examples from the reference")
    return ap


def _lms(text: str) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(f.strip() for f in text.split(",") if f.strip()))
    unknown = [f for f in chosen if f not in lms.LMS]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(f"unknown LMS {', '.join(unknown) or '(none)'}; choose from {','.join(lms.LMS)}")
    return chosen


def _assignment(args: argparse.Namespace, path: Path | None = None) -> Assignment:
    """The assignment asked for; without --assignment, the one whose file name `path` has (when only
    one installed assignment hands in a file of that name), else the default."""
    name = args.assignment
    if name is None and path is not None:
        name = assignments.owner(path.name, args.assignments)
    return assignments.load(name or assignments.DEFAULT, args.assignments)


def _reference(assignment: Assignment, explicit: Path | None):
    try:
        module = load_reference(assignment, explicit)
    except ReferenceMissing:
        raise
    except Exception as exc:  # instructor code that does not import
        raise InputError(f"the reference solution {reference_path(assignment, explicit)} could not be loaded "
                         f"({type(exc).__name__}: {exc}); fix it or pass --solutions PATH") from None
    missing = [name for name in assignment.part_names if not callable(getattr(module, name, None))]
    if missing:
        raise InputError(f"the reference solution {reference_path(assignment, explicit)} does not define "
                         f"{', '.join(missing)}; pass the complete solution with --solutions PATH")
    return module


def _options(args: argparse.Namespace, mode: str, assignment: Assignment) -> GradingOptions:
    runtime = assignment.runtime  # the assignment's own limits, unless the command line sets them
    limits = Limits(call_seconds=args.timeout or runtime.call_seconds,
                    memory_bytes=int((args.memory or runtime.memory_gib) * 2**30),
                    require_isolation=getattr(args, "require_isolation", False))
    reference = _reference(assignment, args.solutions) if mode == "grade" else None
    return GradingOptions(mode=mode, seed=args.seed, limits=limits, reference=reference, assignment=assignment,
                          lang=args.lang)


def _announce_isolation(limits: Limits) -> None:
    """Before grading: one line on stderr when student code would not be fenced off the grader's
    files (neither bubblewrap nor Landlock here); an input error instead with --require-isolation,
    or when a forced level (RNN_GRADER_ISOLATION) cannot run."""
    try:
        level = isolation.resolve(limits.isolation, limits.require_isolation)
    except IsolationUnavailable as exc:
        raise InputError(str(exc)) from None
    if isolation.files_left_open(level):
        print(f"rnn-grader: warning: isolation {isolation.describe(level)}: student code can read the reference, "
              "the hidden checks and other submissions; install bubblewrap (apt-get install bubblewrap) or grade "
              "on Linux >= 5.13 (Landlock); --require-isolation refuses instead", file=sys.stderr)


def _check_out(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: not a folder; --out needs a folder to write the reports into")


def _below(score: float, args: argparse.Namespace) -> bool:
    return args.fail_under is not None and score < args.fail_under


def _read(args: argparse.Namespace, assignment: Assignment):
    """The submission `check` or `grade` names, or the one in the current folder."""
    return read_submission(args.path, assignment.files) if args.path else read_here(Path("."), assignment.files)


def _watched(path: Path | None, names: tuple[str, ...]) -> list[Path]:
    """The files whose saves `check --watch` answers: the file checked, or in a folder the assignment's
    files and the Python modules beside them (helpers the check reads too)."""
    folder = path or Path(".")
    if not folder.is_dir():
        return [folder]
    return sorted({folder / name for name in names} | set(folder.glob("*.py")))


def cmd_watch(args: argparse.Namespace) -> int:
    """`check --watch`: the first check in full, then what each save changed, until Ctrl-C (exit 0)."""
    from grader import watch

    if args.format:
        raise InputError("--watch prints what changed on the terminal; run `rnn-grader check --format ...` "
                         "without --watch to write reports")
    assignment = _assignment(args, args.path)
    options = _options(args, "check", assignment)

    def check_once():
        try:
            submission = _read(args, assignment)
        except SubmissionError as exc:
            return f"rnn-grader: {_one_line(exc.render(args.lang))}"
        return grade(submission, options)

    return watch.watch(check_once, lambda: _watched(args.path, assignment.files), sys.stdout, args.lang)


@contextlib.contextmanager
def _isolation_remembered():
    """One submission at a time (a student's `check`, again and again): keep the isolation level
    found to work for the rest of the boot, so that only the first run starts a trial worker."""
    root = cache.root()
    isolation.remember_in(None if root is None else root / "isolation")
    try:
        yield
    finally:
        isolation.remember_in(None)


def cmd_single(args: argparse.Namespace, mode: str) -> int:
    with _isolation_remembered():
        return _single(args, mode)


def _single(args: argparse.Namespace, mode: str) -> int:
    if getattr(args, "watch", False):
        return cmd_watch(args)
    try:
        assignment = _assignment(args, args.path)
        submission = _read(args, assignment)
    except SubmissionError as exc:
        raise InputError(exc.render(args.lang)) from None
    if args.format:
        _check_out(args.out)
    options = _options(args, mode, assignment)
    if mode == "grade":
        _announce_isolation(options.limits)
    result = grade(submission, options)
    for note in result.extra.get("notes", ()):  # e.g. which file of a folder was checked, and why
        print(f"rnn-grader: {_one_line(note)}", file=sys.stderr)
    if args.format:
        from grader.batch_outputs import write_reports  # the renderers (jinja2 for HTML): only when reports are asked for

        for written in write_reports(result, args.out, args.format):
            print(f"wrote {written}", file=sys.stderr)
    sys.stdout.write(terminal.render(result, reports_hint=not args.format))
    if not _below(result.score, args):
        return EXIT_OK
    line = text(args.lang, "report.below_fail_under", score=f"{result.score:g}", fail_under=f"{args.fail_under:g}")
    print(f"rnn-grader: {line}", file=sys.stderr)
    return EXIT_BELOW


def cmd_batch(args: argparse.Namespace) -> int:
    # the batch's machinery (reports, gradebook store, course, executors), imported only by this command
    from grader.batch import BatchInterrupted, run_batch
    from grader.batch_inputs import BatchInputError
    from grader.batch_outputs import write_atomic
    from grader.course import load as load_course
    from grader.progress import BatchProgress

    _check_out(args.out)
    if "gradescope" in args.format:
        raise InputError("--format gradescope writes one results.json per submission; use "
                         "`rnn-grader grade PATH --out DIR --format gradescope` (or `rnn-grader export gradescope`)")
    if args.executor == "dask" and not args.scheduler:
        raise InputError("--executor dask needs --scheduler tcp://HOST:PORT (the address of the Dask scheduler)")
    options = _options(args, "grade", _assignment(args))
    course = load_course(args.course) if args.course else None
    _announce_isolation(options.limits)
    try:
        with BatchProgress(lang=args.lang) as progress:
            batch = run_batch(args.folder, args.out, options, args.format, progress, jobs=args.jobs,
                              executor=args.executor, scheduler=args.scheduler, regrade=args.regrade,
                              similarity=args.similarity, course=course)
    except (BatchInputError, ExecutorUnavailable) as exc:
        raise InputError(str(exc)) from None
    except BatchInterrupted as exc:
        print(f"\nrnn-grader: {exc.message}", file=sys.stderr)
        return EXIT_INTERRUPTED
    errors = sum(e.result.status == "error" for e in batch.entries)
    say = lambda key, **params: text(args.lang, key, **params)  # noqa: E731
    print(say("batch.done", graded=batch.graded, reused=batch.reused, seconds=f"{batch.wall_seconds:.1f}")
          + (f"; {say('batch.similar_pairs', count=len(batch.similar), path=args.out / 'summary.html')}"
             if args.similarity else ""), file=sys.stderr)
    for name in args.lms:
        write_atomic(args.out / lms.file_name(name), lms.LMS[name](batch, args.lms_column))
    if course is not None:
        _announce_lateness(batch, course)
    print(say("batch.written", count=len(batch.entries), errors=errors, path=args.out / "gradebook.csv"),
          file=sys.stderr)
    below = sum(_below(e.result.score, args) for e in batch.entries)
    if below:
        line = say("batch.below", below=below, count=len(batch.entries), fail_under=f"{args.fail_under:g}")
        print(f"rnn-grader: {line}", file=sys.stderr)
    return EXIT_BELOW if below else EXIT_OK


def _announce_lateness(batch, course) -> None:
    """After a batch with a deadline: how many were late, and which times rest on the weakest source."""
    from grader.deadlines import student_key
    from grader.submission_times import WEAKEST

    late = [e for e in batch.entries if e.late.late_hours > 0]
    charged = sum(e.late.penalty > 0 for e in late)
    print(f"late: {len(late)} of {len(batch.entries)} submissions after their deadline, {charged} with a penalty "
          f"({sum(e.late.extended for e in batch.entries)} with an extension); final scores in gradebook.csv",
          file=sys.stderr)
    weakest = [e.student for e in batch.entries if e.late.time_source == WEAKEST]
    if weakest:
        print(f"rnn-grader: warning: {len(weakest)} submission times are file modification times, the weakest "
              f"source (a copy or an unzip changes them): {_one_line(', '.join(weakest[:10]))}"
              + (" ..." if len(weakest) > 10 else ""), file=sys.stderr)
    unknown = sorted(set(course.policy.extensions) - {student_key(e.student) for e in batch.entries})
    if unknown:
        print(f"rnn-grader: warning: extensions for ids not in the batch: {_one_line(', '.join(unknown))}",
              file=sys.stderr)


def cmd_list(args: argparse.Namespace) -> int:
    """`list`: every installed assignment with its parts and points, and where it was found."""
    for name, folder in sorted(assignments.installed(args.assignments).items()):
        manifest = read_manifest(folder / FILE_NAME)  # the manifest alone: one needing e.g. torch lists without it
        print(f"{name}  {sum(part.points for part in manifest.parts):g} points  ({folder})")
        for part in manifest.parts:
            print(f"  {part.name:<32} {part.points:g}")
    return EXIT_OK


def cmd_authoring(args: argparse.Namespace) -> int:
    """`release` (student bundle) and `generate` (student files from the reference)."""
    from grader import authoring, release  # instructor tools, imported only when asked for

    assignment = _assignment(args)
    written = release.build_bundle(assignment, args.out) if args.command == "release" else authoring.generate(assignment)
    for path in written:
        print(f"wrote {path}", file=sys.stderr)
    return EXIT_OK


def cmd_integrations(args: argparse.Namespace) -> int:
    """`init-ci` (GitHub Actions workflows), `export gradescope` (Gradescope's autograder zip) and
    `export classroom50` (Classroom 50's autograder folder)."""
    from grader.integrations import ci, classroom50, gradescope_export

    assignment = _assignment(args)
    if args.command == "init-ci":
        written, checked = ci.init_ci(args.repo, assignment, fail_under=args.fail_under, submission=args.submission,
                                      install=args.install, classroom=args.classroom, lang=args.lang,
                                      force=args.force, gate=args.gate)
        print(f"rnn-grader: {checked}", file=sys.stderr)
    elif args.platform == "classroom50":
        written = classroom50.export(assignment, args.out, hidden=args.hidden,
                                     reference=reference_path(assignment, args.solutions) if args.hidden else None,
                                     seed=args.seed, lang=args.lang, timeout=args.timeout)
    elif args.hidden:
        raise InputError("--hidden is for classroom50; the Gradescope autograder always grades with the hidden checks")
    else:
        written = [gradescope_export.build_zip(assignment, args.out, solutions=reference_path(assignment, args.solutions),
                                               seed=args.seed, lang=args.lang,
                                               timeout=args.timeout or assignment.runtime.call_seconds)]
    for path in written:
        print(f"wrote {path}", file=sys.stderr)
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    try:
        args = parser().parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error already printed as one line
        return exc.code if isinstance(exc.code, int) else EXIT_INPUT
    try:
        if args.command == "batch":
            return cmd_batch(args)
        if args.command in ("release", "generate"):
            return cmd_authoring(args)
        if args.command == "list":
            return cmd_list(args)
        if args.command in ("init-ci", "export"):
            return cmd_integrations(args)
        return cmd_single(args, args.command)
    except GraderError as exc:
        print(f"rnn-grader: error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_INPUT
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"rnn-grader: error: {_one_line(where + (exc.strerror or str(exc)))}; check the path and permissions",
              file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("\nrnn-grader: interrupted; reports written so far are kept", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
