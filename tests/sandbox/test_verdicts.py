"""Whole submissions through the runner: a submission that copies another implementation off
the disk (at every level this machine can run) and one answering with 200 MB arrays both end
as clean zero scores with a message, never as a score they did not earn."""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from pathlib import Path

import pytest

from grader import assignments
from grader.reference import load_reference
from grader.runner import GradingOptions, grade
from grader.sandbox import Limits
from grader.submissions import read_submission

from sandbox_support import HOSTILE, PROJECT, fenced, without

STEALER = HOSTILE / "steals_other_implementation.py"
ROOMY_CALLS = Limits(call_seconds=30.0)  # the stealer searches the disk for a few seconds


@pytest.fixture(scope="module")
def decoys():
    """What a grading machine holds, world-readable, outside the pytest tree: the reference, a
    batch folder with a correct submission, and another correct submission."""
    root = Path(tempfile.mkdtemp(prefix="rnn-grader-decoys-"))
    reference = PROJECT / "solutions" / "rnn" / "rnn.py"
    for relative in ("solutions/rnn.py", "batch/alice.py", "second/rnn.py"):
        target = root / relative
        target.parent.mkdir(exist_ok=True)
        target.parent.chmod(0o755)
        shutil.copy(reference, target)
        target.chmod(0o644)
    root.chmod(0o755)
    yield root
    shutil.rmtree(root, ignore_errors=True)


def _grade(path: Path, limits: Limits, mode: str = "grade"):
    rnn = assignments.load("rnn")
    reference = load_reference(rnn) if mode == "grade" else None
    return grade(read_submission(path), GradingOptions(mode=mode, limits=limits, reference=reference))


def test_a_submission_copying_another_implementation_scores_zero(level, decoys):
    if not (level == "bubblewrap" or fenced(level)):
        pytest.skip(f"{level} without Landlock leaves world-readable files open (documented)")
    result = _grade(STEALER, dataclasses.replace(ROOMY_CALLS, isolation=level))
    assert result.score == 0, result.isolation
    messages = {t.message for part in result.parts for t in part.tests}
    assert any("found no other implementation to copy" in m for m in messages)


def test_without_a_fence_it_finds_one_and_scores(monkeypatch, decoys):
    """The control: the same search at the process level with the fence taken away."""
    without(monkeypatch, "process", landlock=0)
    result = _grade(STEALER, dataclasses.replace(ROOMY_CALLS, isolation="process"))
    assert result.score > 50 and result.isolation.startswith("process (no landlock")


def test_an_answer_of_200_mb_is_a_clean_failure():
    """(Refused by the parent's wire reader at every level: tests/sandbox/test_isolation.py.)"""
    result = _grade(HOSTILE / "returns_huge_array.py", Limits(memory_bytes=2 * 2**30), mode="check")
    assert result.status == "graded" and result.score == 0
    for part in result.parts:
        message = part.tests[0].message
        assert message.startswith(f"{part.name} used more memory than allowed ({part.name}() "
                                  f"returned 190.7"), message  # 200 MB, and the arguments sent back
        assert "MiB, far more than its arguments" in message
