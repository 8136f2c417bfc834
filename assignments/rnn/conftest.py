"""pytest for the RNN assignment: `pytest` here runs the same public checks as `rnn-grader check`.

One test per function of the assignment, passed when the function scores full marks, failed
with the grader's first piece of feedback otherwise; the last lines show the score. The
checks run once, through the grader (the same sandbox, inputs and verdicts as
`rnn-grader check`), on `rnn.py` or `rnn.ipynb` next to this file: the one saved last when
both are here, or the file given with `--submission PATH` (or RNN_SUBMISSION).

과제의 함수마다 테스트가 하나씩 있고, `rnn-grader check`와 같은 공개 테스트를 실행합니다.
만점이면 통과, 아니면 채점기의 첫 피드백과 함께 실패하며, 마지막 줄에 점수가 나옵니다.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
CANDIDATES = ("rnn.py", "rnn.ipynb")
RESULT = pytest.StashKey()
CHOSEN = pytest.StashKey()


def pytest_addoption(parser):
    group = parser.getgroup("rnn-grader")
    group.addoption("--submission", default=os.environ.get("RNN_SUBMISSION"), metavar="PATH",
                    help="the file to check (default: rnn.py or rnn.ipynb next to the tests, the newer one)")
    group.addoption("--rnn-lang", default=os.environ.get("RNN_GRADER_LANG", "en"), choices=("en", "ko"),
                    help="feedback language (default en)")


def submission_path(config) -> Path:
    explicit = config.getoption("--submission")
    if explicit:
        return Path(explicit)
    found = [HERE / name for name in CANDIDATES if (HERE / name).is_file()]
    if not found:
        raise pytest.UsageError(f"no rnn.py or rnn.ipynb in {HERE}; pass --submission PATH")
    return max(found, key=lambda p: p.stat().st_mtime_ns)


def pytest_configure(config):
    config.stash[CHOSEN] = submission_path(config)


def pytest_report_header(config):
    return f"rnn-grader: checking {config.stash[CHOSEN]} with the public checks"


@pytest.fixture(scope="session")
def rnn_result(request):
    """The verdict of `rnn-grader check` on the submission, computed once."""
    from grader.runner import GradingOptions, error_result, grade
    from grader.submissions import SubmissionError, read_submission

    config = request.config
    options = GradingOptions(mode="check", lang=config.getoption("--rnn-lang"))
    path = config.stash[CHOSEN]
    try:
        submission = read_submission(path)
    except SubmissionError as exc:
        from grader.model import GradingError

        result = error_result(path.stem, "", GradingError(exc.kind, exc.render(options.lang)), options)
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
