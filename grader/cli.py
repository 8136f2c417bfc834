"""Command line: parse, call, map errors to exit codes (0 done, 1 below --fail-under, 2 bad input)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import grader
from grader.batch import ALL_FORMATS, BatchInputError, run_batch, write_reports
from grader.i18n import LANGS
from grader.reference import ReferenceMissing, load_reference
from grader.reports import terminal
from grader.runner import GradingOptions, grade
from grader.sandbox import Limits
from grader.submissions import ASSIGNMENT_FILES, SubmissionError, read_submission

EXIT_OK, EXIT_BELOW, EXIT_INPUT = 0, 1, 2


class InputError(Exception):
    """Bad input from the user: printed as one line, exit code 2."""


def _formats(text: str) -> tuple[str, ...]:
    chosen = tuple(f.strip() for f in text.split(",") if f.strip())
    unknown = [f for f in chosen if f not in ALL_FORMATS]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(f"unknown format {', '.join(unknown) or '(none)'}; "
                                         f"choose from {','.join(ALL_FORMATS)}")
    return chosen


def _positive(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {text}")
    return value


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="rnn-grader", description="Grade the vanilla-RNN numpy assignment.")
    ap.add_argument("--version", action="version", version=f"rnn-grader {grader.__version__}")
    sub = ap.add_subparsers(dest="command", required=True)

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--fail-under", type=float, metavar="SCORE", help="exit 1 when the score is lower")
    common.add_argument("--seed", type=int, help="base seed of the generated inputs (default: the course's)")
    common.add_argument("--timeout", type=_positive, default=Limits().call_seconds, metavar="SECONDS",
                        help="time limit per call of a student function (default %(default)s)")
    common.add_argument("--memory", type=_positive, default=Limits().memory_bytes / 2**30, metavar="GiB",
                        help="address-space cap of the student process (default %(default)s GiB)")
    common.add_argument("--solutions", type=Path, help="reference solution file (default solutions/rnn/rnn.py)")
    common.add_argument("--lang", choices=LANGS, default="en", help="feedback language (default %(default)s)")

    check = sub.add_parser("check", parents=[common], help="student local check: public tests only, fast")
    check.add_argument("path", nargs="?", type=Path, help="rnn.py, rnn.ipynb or a folder (default: current folder)")
    check.add_argument("--format", type=_formats, default=(), help=f"also write reports: {','.join(ALL_FORMATS)}")
    check.add_argument("--out", type=Path, default=Path("."), help="where --format reports go (default .)")

    grade_p = sub.add_parser("grade", parents=[common], help="full grading of one submission")
    grade_p.add_argument("path", type=Path)
    grade_p.add_argument("--out", type=Path, required=True)
    grade_p.add_argument("--format", type=_formats, default=ALL_FORMATS)

    batch = sub.add_parser("batch", parents=[common], help="grade every submission of a folder")
    batch.add_argument("folder", type=Path)
    batch.add_argument("--out", type=Path, required=True)
    batch.add_argument("--format", type=_formats, default=ALL_FORMATS)
    return ap


def _options(args: argparse.Namespace, mode: str) -> GradingOptions:
    limits = Limits(call_seconds=args.timeout, memory_bytes=int(args.memory * 2**30))
    reference = None
    if mode == "grade":
        try:
            reference = load_reference(args.solutions)
        except ReferenceMissing as exc:
            raise InputError(str(exc)) from None
    return GradingOptions(mode=mode, seed=args.seed, limits=limits, reference=reference, lang=args.lang)


def _default_check_path() -> Path:
    for name in ASSIGNMENT_FILES:
        if Path(name).is_file():
            return Path(name)
    raise InputError(f"no {' or '.join(ASSIGNMENT_FILES)} in the current folder; "
                     "run this next to your assignment or pass its path")


def _below(score: float, args: argparse.Namespace) -> bool:
    return args.fail_under is not None and score < args.fail_under


def cmd_single(args: argparse.Namespace, mode: str) -> int:
    path = args.path or _default_check_path()
    try:
        submission = read_submission(path)
    except SubmissionError as exc:
        raise InputError(str(exc)) from None
    result = grade(submission, _options(args, mode))
    if args.format:
        for written in write_reports(result, args.out, args.format):
            print(f"wrote {written}", file=sys.stderr)
    sys.stdout.write(terminal.render(result))
    return EXIT_BELOW if _below(result.score, args) else EXIT_OK


def cmd_batch(args: argparse.Namespace) -> int:
    def progress(done: int, total: int, result) -> None:
        print(f"[{done}/{total}] {result.student}: {result.score:g} / {result.max_score:g} ({result.status})",
              file=sys.stderr, flush=True)

    try:
        batch = run_batch(args.folder, args.out, _options(args, "grade"), args.format, progress)
    except BatchInputError as exc:
        raise InputError(str(exc)) from None
    print(f"graded {len(batch.entries)} submissions into {args.out / 'gradebook.csv'}", file=sys.stderr)
    return EXIT_BELOW if any(_below(e.result.score, args) for e in batch.entries) else EXIT_OK


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        if args.command == "batch":
            return cmd_batch(args)
        return cmd_single(args, args.command)
    except InputError as exc:
        print(f"rnn-grader: error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except OSError as exc:
        print(f"rnn-grader: error: {exc.filename or ''}: {exc.strerror}; check the path and permissions",
              file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("rnn-grader: interrupted; reports written so far are kept", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
