"""The engine on the toy assignment (tests/toy): discovery, loading, grading, diagnosis, `list`."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from grader import assignments, i18n
from grader.cli import main
from grader.reference import load_reference
from grader.runner import GradingOptions, grade
from grader.sandbox import Limits
from grader.submissions import read_submission

TOY = Path(__file__).resolve().parent / "toy"
TOY_DIRS = [TOY / "assignments"]
FAST = Limits(call_seconds=10)


@pytest.fixture(scope="module")
def toy():
    return assignments.load("toy", TOY_DIRS)


def test_the_toy_is_found_on_an_extra_folder_and_not_without_it():
    assert assignments.installed(TOY_DIRS)["toy"] == (TOY / "assignments" / "toy").resolve()
    assert "toy" not in assignments.installed()
    with pytest.raises(assignments.AssignmentNotFound, match="no assignment named 'toy'"):
        assignments.find("toy")


def test_the_environment_variable_adds_folders(monkeypatch):
    monkeypatch.setenv(assignments.ENV_VAR, str(TOY / "assignments"))
    assert "toy" in assignments.installed()


def test_loading_reads_parts_checks_instructor_folder_and_strings(toy):
    assert toy.part_names == ("add_arrays", "scale_array") and toy.max_score == 10
    assert toy.solutions == (TOY / "solutions" / "toy").resolve()
    names = {p.name: [c.name for c in p.checks] for p in toy.parts}
    assert names == {"add_arrays": ["matches_reference", "commutes", "zero_is_neutral"], "scale_array": ["matches_reference", "linear"]}
    assert i18n.text("ko", "misconception.add-subtracts.title") == "add가 뺄셈을 합니다"


def _grade(toy, path: Path, mode: str = "grade"):
    reference = load_reference(toy) if mode == "grade" else None
    return grade(read_submission(path), GradingOptions(mode=mode, limits=FAST, reference=reference, assignment=toy))


def test_the_reference_scores_full_and_the_stub_nothing(toy):
    assert _grade(toy, toy.reference_path()).score == 10
    stub = _grade(toy, toy.folder / "toy.py")
    assert stub.score == 0 and all("not implemented" in t.message for p in stub.parts for t in p.tests)


def test_a_catalogued_mistake_is_named_on_its_part_only(toy):
    result = _grade(toy, TOY / "submissions" / "add_subtracts.py")
    add, scale = result.parts
    assert add.score < add.max_score and add.misconceptions == ("add-subtracts",)
    assert scale.score == scale.max_score and scale.misconceptions == ()


def _toy_copy(root: Path, scale_points: int) -> Path:
    """A copy of the toy (assignment and instructor folders) under `root`, its second part worth `scale_points`,
    its hidden checks importing its public ones by the package name both copies share."""
    for side in ("assignments", "solutions"):
        shutil.copytree(TOY / side / "toy", root / side / "toy")
    manifest = root / "assignments" / "toy" / "assignment.toml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("points = 4", f"points = {scale_points}"), encoding="utf-8")
    with (root / "assignments" / "toy" / "checks" / "__init__.py").open("a", encoding="utf-8") as checks:
        checks.write(f"\nCOPY = {str(root)!r}\n")
    with (root / "solutions" / "toy" / "checks" / "hidden.py").open("a", encoding="utf-8") as hidden:
        hidden.write("from rnn_grader_assignments.toy.checks import COPY\n")
    return root / "assignments" / "toy"


def test_two_assignments_of_one_name_in_different_folders_share_no_module(tmp_path):
    """A course's pip-installed `toy` and a local `--assignments DIR` copy: each loads and runs its own code."""
    first, second = (assignments.load_folder(_toy_copy(tmp_path / side, points)) for side, points in (("a", 4), ("b", 9)))
    assert (first.max_score, second.max_score) == (10, 15)
    for assignment, side in ((first, "a"), (second, "b")):
        checks = assignments.module_of(assignment, "checks")
        assert checks.COPY == str(tmp_path / side) and Path(checks.__file__).is_relative_to(tmp_path / side)
        assert Path(assignment.misconceptions.__file__).is_relative_to(tmp_path / side)
    assert assignments.module_of(first, "checks") is not assignments.module_of(second, "checks")


def test_check_mode_runs_only_public_checks(toy):
    result = _grade(toy, TOY / "submissions" / "add_subtracts.py", mode="check")
    assert [t.name for t in result.parts[0].tests] == ["commutes", "zero_is_neutral"]
    assert result.parts[0].tests[0].passed is False and result.parts[0].misconceptions == ("add-subtracts",)


def test_list_shows_every_installed_assignment_with_parts_and_points(capsys):
    assert main(["list", "--assignments", str(TOY / "assignments")]) == 0
    out = capsys.readouterr().out
    assert "toy  10 points" in out and "add_arrays" in out and "scale_array" in out
    assert "rnn  100 points" in out


def test_check_recognises_the_assignment_from_the_file_name(tmp_path, capsys):
    mine = tmp_path / "toy.py"
    mine.write_text((TOY / "solutions" / "toy" / "toy.py").read_text(encoding="utf-8"), encoding="utf-8")
    assert main(["check", str(mine), "--assignments", str(TOY / "assignments")]) == 0
    assert "toy" in capsys.readouterr().out.splitlines()[0]


def test_an_unknown_assignment_is_one_line_and_exit_2(capsys):
    assert main(["check", "x.py", "--assignment", "nope"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("rnn-grader: error: no assignment named 'nope'") and err.count("\n") == 1


def test_a_module_the_assignment_does_not_allow_fails_only_the_part_using_it(toy, capsys):
    result = _grade(toy, TOY / "submissions" / "imports_torch.py", mode="check")
    add, scale = result.parts
    assert add.score == 0 and scale.score == scale.max_score
    assert add.tests[0].message.startswith("add_arrays uses torch, which this assignment does not allow")
    assert "numpy" in add.tests[0].message


def test_a_module_the_assignment_does_not_allow_used_at_import_time_is_named_in_the_load_error(toy):
    result = _grade(toy, TOY / "submissions" / "torch_at_import.py", mode="check")
    assert result.status == "error" and result.score == 0
    assert result.error.message.startswith("the submission imports torch (line 5), which this assignment does not allow")


def test_instructor_folders_installed_next_to_numpy_are_unreadable_in_the_sandbox(toy, tmp_path, monkeypatch):
    """A course ships its assignment as a package in site-packages (beside numpy, which the worker
    reads): its solutions/ is still hidden from student code, by path."""
    import shutil
    import sysconfig
    import uuid

    site = Path(sysconfig.get_path("purelib"))
    course = site / f"rnn_grader_test_course_{uuid.uuid4().hex[:8]}"
    try:
        shutil.copytree(TOY / "assignments", course / "assignments")
        shutil.copytree(TOY / "solutions", course / "solutions")
        secret = course / "solutions" / "toy" / "toy.py"
        monkeypatch.setenv(assignments.ENV_VAR, str(course / "assignments"))
        installed = assignments.load_folder((course / "assignments" / "toy").resolve())
        thief = tmp_path / "toy.py"
        thief.write_text("import numpy as np\n\ndef add_arrays(a, b):\n"
                         f"    return open({str(secret)!r}).read()\n\ndef scale_array(x, k):\n"
                         f"    return np.asarray(len(open({str(secret)!r}).read()), dtype=float) * 0 + k * x\n",
                         encoding="utf-8")
        result = grade(read_submission(thief), GradingOptions(mode="check", limits=FAST, assignment=installed))
        assert result.score == 0
        refused = ("PermissionError", "FileNotFoundError")  # fenced off (Landlock), or not mounted (bubblewrap)
        assert all(any(r in p.tests[0].message for r in refused) for p in result.parts), [p.tests[0].message
                                                                                         for p in result.parts]
    finally:
        shutil.rmtree(course, ignore_errors=True)
