"""pytest for the RNN assignment: `pytest` here runs the same public checks as `rnn-grader check`.

One test per function of the assignment, passed when the function scores full marks, failed
with the grader's first piece of feedback otherwise; the last lines show the score. The
checks run once, through the grader (the same sandbox, inputs and verdicts as
`rnn-grader check`), on `rnn.py` or `rnn.ipynb` next to this file, chosen as `rnn-grader check`
chooses (the one holding your work), or the file given with `--submission PATH` (or RNN_SUBMISSION).

과제의 함수마다 테스트가 하나씩 있고, `rnn-grader check`와 같은 공개 테스트를 실행합니다.
만점이면 통과, 아니면 채점기의 첫 피드백과 함께 실패하며, 마지막 줄에 점수가 나옵니다.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ASSIGNMENT = "rnn"
SUBMISSION = pytest.StashKey()
RESULT = pytest.StashKey()


def pytest_addoption(parser):
    group = parser.getgroup("rnn-grader")
    group.addoption("--submission", default=os.environ.get("RNN_SUBMISSION"), metavar="PATH",
                    help="the file to check (default: rnn.py or rnn.ipynb next to the tests, chosen as "
                         "`rnn-grader check` chooses)")
    group.addoption("--rnn-lang", default=os.environ.get("RNN_GRADER_LANG", "en"), choices=("en", "ko"),
                    help="feedback language (default en)")


def pytest_configure(config):
    """Read (never run) the submission once: the file named, or the one `rnn-grader check` would
    choose in this folder; a SubmissionError is kept to fail every test with its reason."""
    from grader import assignments
    from grader.submissions import SubmissionError, read_here, read_submission

    explicit = config.getoption("--submission")
    files = assignments.load(ASSIGNMENT).files
    try:
        config.stash[SUBMISSION] = read_submission(Path(explicit), files) if explicit else read_here(HERE, files)
    except SubmissionError as exc:
        config.stash[SUBMISSION] = exc


def pytest_report_header(config):
    from grader.submissions import SubmissionError

    submission, lang = config.stash[SUBMISSION], config.getoption("--rnn-lang")
    if isinstance(submission, SubmissionError):
        return f"rnn-grader: {submission.render(lang)}"
    return [f"rnn-grader: checking {submission.path} with the public checks",
            *(f"rnn-grader: {note.render(lang)}" for note in submission.notes)]


@pytest.fixture(scope="session")
def rnn_result(request):
    """The verdict of `rnn-grader check` on the submission, computed once."""
    from grader import assignments
    from grader.model import GradingError
    from grader.runner import GradingOptions, error_result, grade
    from grader.submissions import SubmissionError, student_id

    config = request.config
    assignment = assignments.load(ASSIGNMENT)
    options = GradingOptions(mode="check", assignment=assignment, lang=config.getoption("--rnn-lang"))
    submission = config.stash[SUBMISSION]
    if isinstance(submission, SubmissionError):
        explicit = config.getoption("--submission")
        student = student_id(Path(explicit)) if explicit else assignment.manifest.module
        result = error_result(student, "", GradingError(submission.kind, submission.render(options.lang)), options)
    else:
        result = grade(submission, options)
    config.stash[RESULT] = result
    return result


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    result = config.stash.get(RESULT, None)
    if result is None:
        return
    from grader.reports.terminal import header

    terminalreporter.write_sep("-", "rnn-grader")
    terminalreporter.write_line(header(result))  # the first line `rnn-grader check` prints
