"""Reading submissions: ids, hashes, folders, and a clear one-line error for every unreadable input."""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import unicodedata
from pathlib import Path

import nbformat
import pytest
from nbformat import v4

from grader import i18n
from grader.runner import GradingOptions, grade
from grader.sandbox import Limits, Sandbox
from grader.submissions import (SubmissionError, choose_file, holds_work, is_candidate, pick_file, read_here,
                                read_submission, student_id)
from tests.conftest import RNN, REFERENCE, ROOT, STUBS, compose
from tests.sandbox.sandbox_support import level_params

FILES = RNN.files  # the file names the course's assignment hands in


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


def test_py_file_id_source_and_sha256_of_the_bytes(tmp_path):
    data = REFERENCE.read_bytes()
    sub = read_submission(write(tmp_path / "kim_minjun.py", data))
    assert sub.student == "kim_minjun"
    assert sub.source == data.decode("utf-8")
    assert sub.sha256 == hashlib.sha256(data).hexdigest()
    assert sub.notebook is None and sub.where(12) == "line 12"


def test_notebook_sha256_is_of_the_file_not_the_generated_source(tmp_path):
    text = nbformat.writes(v4.new_notebook(cells=[v4.new_code_cell("%matplotlib inline\nx = 1")]))
    path = write(tmp_path / "lee.ipynb", text)
    sub = read_submission(path)
    assert sub.student == "lee" and sub.notebook is not None
    assert sub.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert sub.source.startswith("pass  # %matplotlib inline\nx = 1")
    assert sub.where(2) == "cell 1, line 2"


def test_utf8_bom_is_accepted(tmp_path):
    sub = read_submission(write(tmp_path / "bom.py", b"\xef\xbb\xbfx = 1\n"))
    assert sub.source == "x = 1\n"


def test_ids_are_nfc_normalised(tmp_path):
    nfd = unicodedata.normalize("NFD", "김민준")
    assert nfd != "김민준"
    path = write(tmp_path / f"{nfd}.py", "x = 1\n")
    assert student_id(path) == "김민준"
    assert read_submission(path).student == "김민준"
    folder = tmp_path / unicodedata.normalize("NFD", "이서연")
    write(folder / "rnn.py", "x = 1\n")
    assert read_submission(folder, FILES).student == "이서연"


def test_dot_and_dotdot_get_the_folder_name(tmp_path, monkeypatch):
    folder = tmp_path / "han"
    write(folder / "rnn.py", "x = 1\n")
    monkeypatch.chdir(folder)
    assert student_id(Path(".")) == "han" and read_submission(Path("."), FILES).student == "han"
    monkeypatch.chdir(folder / "..")
    assert student_id(Path("han/..")) == tmp_path.name
    assert student_id(Path("/")) == "submission"


def test_explicit_student_id_wins(tmp_path):
    assert read_submission(write(tmp_path / "rnn.py", "x = 1\n"), student="park").student == "park"


def test_folder_submission_uses_its_name_and_rnn_py(tmp_path):
    folder = tmp_path / "choi"
    write(folder / "rnn.py", "x = 1\n")
    write(folder / "test_rnn.py", "y = 2\n")  # the bundle's public tests next to it are ignored
    write(folder / "notes.txt", "hello")
    sub = read_submission(folder, FILES)
    assert sub.student == "choi" and sub.path.name == "rnn.py"


def test_folder_with_only_one_other_candidate(tmp_path):
    folder = tmp_path / "jung"
    write(folder / "my_rnn.ipynb", nbformat.writes(v4.new_notebook(cells=[v4.new_code_cell("x = 1")])))
    assert pick_file(folder, FILES).name == "my_rnn.ipynb"
    assert read_submission(folder, FILES).student == "jung"


@pytest.mark.parametrize("files, words", [
    (["a.py", "b.py"], ["several candidate files", "a.py", "b.py", "name the one to grade one of: rnn.py, rnn.ipynb"]),
    ([], ["no .py or .ipynb file inside", "put one of these in the folder: rnn.py, rnn.ipynb"]),
], ids=["two-others", "empty-folder"])
def test_folder_with_no_or_several_candidates(tmp_path, files, words):
    folder = tmp_path / "yoon"
    folder.mkdir()
    for name in files:
        write(folder / name, "x = 1\n")
    with pytest.raises(SubmissionError) as info:
        read_submission(folder, FILES)
    message = str(info.value)
    assert str(folder) in message and "\n" not in message
    for word in words:
        assert word in message


CASES = {
    "empty": (b"", "the file is empty"),
    "whitespace": (b"  \n\n\t\n", "the file is empty"),
    "nul": (b"x = 1\x00\n", "NUL bytes"),
    "binary": (bytes(range(256)) * 4, "NUL bytes"),
    "latin1": ("x = 'café'\n".encode("latin-1"), "not UTF-8"),
    "utf16": ("x = 1\n".encode("utf-16"), "not UTF-8"),
}


@pytest.mark.parametrize("name", CASES)
def test_unreadable_files_name_the_file_and_say_what_to_do(tmp_path, name):
    data, words = CASES[name]
    path = write(tmp_path / f"{name}.py", data)
    with pytest.raises(SubmissionError) as info:
        read_submission(path)
    message = str(info.value)
    assert message.startswith(str(path)) and words in message and "\n" not in message
    assert any(hint in message for hint in ("submit", "save it"))
    assert info.value.kind == "input"


def test_missing_path_wrong_extension_broken_link_and_broken_notebook(tmp_path):
    with pytest.raises(SubmissionError, match="no such file or folder; check the path"):
        read_submission(tmp_path / "nope.py")
    with pytest.raises(SubmissionError, match=r"not a \.py or \.ipynb file; submit the assignment's \.py file or notebook"):
        read_submission(write(tmp_path / "rnn.txt", "x = 1\n"))
    link = tmp_path / "dangling.py"
    link.symlink_to(tmp_path / "gone.py")
    with pytest.raises(SubmissionError, match="broken link"):
        read_submission(link)
    with pytest.raises(SubmissionError) as info:
        read_submission(write(tmp_path / "bad.ipynb", '{"nbformat": 4, "cells": ['))
    assert info.value.kind == "notebook" and str(info.value).startswith(str(tmp_path / "bad.ipynb"))


def test_not_a_regular_file(tmp_path):
    fifo = tmp_path / "pipe.py"
    os.mkfifo(fifo)
    with pytest.raises(SubmissionError, match="not a regular file"):
        read_submission(fifo)  # would block forever if it were read


def test_too_large(tmp_path, monkeypatch):
    monkeypatch.setattr("grader.submissions.MAX_BYTES", 100)
    with pytest.raises(SubmissionError, match="too large"):
        read_submission(write(tmp_path / "big.py", "x = 1\n" * 100))


def test_unreadable_permissions(tmp_path, monkeypatch):
    path = write(tmp_path / "locked.py", "x = 1\n")

    def denied(self):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", denied)  # chmod 0 means nothing to root, which CI may be
    with pytest.raises(SubmissionError, match="locked.py: cannot be read \\(Permission denied\\); check its permissions"):
        read_submission(path)


def test_uppercase_suffix_accepted(tmp_path):
    assert read_submission(write(tmp_path / "KIM.PY", "x = 1\n")).student == "KIM"


def test_candidates_skip_hidden_and_tool_entries(tmp_path):
    names = {".hidden.py": False, ".ipynb_checkpoints": False, "__pycache__": False, "__MACOSX": False,
             "notes.txt": False, "_underscore.py": True, "kim.py": True, "lee.ipynb": True, "park": True}
    for name, _ in names.items():
        (tmp_path / name).mkdir() if "." not in name.lstrip(".") or name == ".ipynb_checkpoints" \
            else write(tmp_path / name, "x = 1\n")
    assert {p.name for p in tmp_path.iterdir() if is_candidate(p)} == {n for n, ok in names.items() if ok}


def test_stubs_are_readable():
    assert read_submission(STUBS).student == "rnn"


def test_errors_render_in_the_chosen_language_and_str_stays_english(tmp_path):
    with pytest.raises(SubmissionError) as info:
        read_submission(write(tmp_path / "empty.py", b""))
    path = tmp_path / "empty.py"
    assert info.value.render("ko") == f"{path}: 빈 파일입니다. 완성한 .py 파일이나 노트북을 제출하세요"
    assert info.value.render("en") == str(info.value) == \
        f"{path}: the file is empty; submit your completed .py file or notebook"


def test_a_broken_notebook_keeps_the_notebook_problem_in_the_chosen_language(tmp_path):
    path = write(tmp_path / "old.ipynb", '{"nbformat": 3, "cells": []}')
    with pytest.raises(SubmissionError) as info:
        read_submission(path)
    assert info.value.kind == "notebook"
    assert info.value.render("ko").startswith(f"{path}: 노트북 형식 버전 3은(는) 지원하지 않습니다")
    assert str(info.value).startswith(f"{path}: notebook format version 3 is not supported")


def test_both_files_with_work_changed_at_once_is_an_error_naming_both_in_each_language(tmp_path):
    folder = tmp_path / "yoon"
    write(folder / "rnn.py", "x = 1\n")
    write(folder / "rnn.ipynb", "{}")  # not a readable notebook: that is work too (grading it shows what is wrong)
    same(folder / "rnn.py", folder / "rnn.ipynb")
    with pytest.raises(SubmissionError) as info:
        read_submission(folder, FILES)
    assert str(info.value) == (f"both {folder / 'rnn.py'} and {folder / 'rnn.ipynb'} hold work and neither was "
                               f"changed after the other; keep only the one to grade, or name it, e.g. "
                               f"`rnn-grader check {folder / 'rnn.ipynb'}`")
    assert f"{folder / 'rnn.py'}, {folder / 'rnn.ipynb'} 모두에 작업한 내용이 있고" in info.value.render("ko")


def test_every_input_and_notebook_key_used_in_code_is_in_both_catalogs():
    # test_i18n finds msg()/text() keys; these errors name theirs as SubmissionError("input.…") and the like
    used = set()
    for path in (ROOT / "grader").rglob("*.py"):
        used |= set(re.findall(r'"((?:input|notebook)\.[a-z_]+)"', path.read_text(encoding="utf-8")))
    used = {key for key in used if not key.endswith(".py")}  # "notebook.py" is a file name, not a key
    assert {"input.empty", "input.both_files", "input.symlink_loop", "notebook.old_version"} <= used
    for lang in i18n.LANGS:
        assert not used - i18n.catalog(lang).keys(), lang


# ---- which file of a folder: the one rule -------------------------------------------------------------

STUB_NOTEBOOK = STUBS.with_suffix(".ipynb")


def solved_notebook(extra: str = "") -> str:
    return nbformat.writes(v4.new_notebook(cells=[v4.new_code_cell(extra + REFERENCE.read_text(encoding="utf-8"))]))


def same(*paths: Path) -> None:
    """Give the files one modification time, as a checkout or an unzip may."""
    stamp = paths[0].stat().st_mtime_ns
    for path in paths:
        os.utime(path, ns=(stamp, stamp))


CONTENT = {("rnn.py", "stub"): lambda: STUBS.read_bytes(), ("rnn.py", "work"): lambda: REFERENCE.read_bytes(),
           ("rnn.ipynb", "stub"): lambda: STUB_NOTEBOOK.read_bytes(),
           ("rnn.ipynb", "work"): lambda: solved_notebook().encode("utf-8")}


@pytest.mark.parametrize("py, notebook, newer, chosen, note", [
    ("stub", "work", "rnn.py", "rnn.ipynb", "checking rnn.ipynb: it holds your work and rnn.py is still the unchanged stub"),
    ("work", "stub", "rnn.ipynb", "rnn.py", "checking rnn.py: it holds your work and rnn.ipynb is still the unchanged stub"),
    ("stub", "stub", "rnn.ipynb", "rnn.py", "checking rnn.py: neither rnn.py nor rnn.ipynb holds any work yet"),
    ("work", "work", "rnn.ipynb", "rnn.ipynb", "checking rnn.ipynb, changed more recently than rnn.py"),
    ("work", "work", "rnn.py", "rnn.py", "checking rnn.py, changed more recently than rnn.ipynb"),
], ids=["notebook-worked", "py-worked", "neither", "both-notebook-newer", "both-py-newer"])
def test_one_rule_chooses_the_file_holding_the_work_then_the_one_changed_last(tmp_path, py, notebook, newer,
                                                                               chosen, note):
    folder = tmp_path / "kim"
    for name, kind in (("rnn.py", py), ("rnn.ipynb", notebook)):
        write(folder / name, CONTENT[name, kind]())
        stamp = 2 * 10**18 if name == newer else 10**18
        os.utime(folder / name, ns=(stamp, stamp))
    choice = choose_file(folder, FILES)
    assert choice.path == folder / chosen and choice.note.render("en").startswith(note)
    assert choice.note.render("ko") != choice.note.render("en") and chosen in choice.note.render("ko")
    # every reader applies it: a folder (batch, `check FOLDER`, CI) and a student's own folder (`check`, pytest)
    submission = read_submission(folder, FILES)
    assert submission.path == folder / chosen and submission.notes == (choice.note,)
    here = read_here(folder, FILES)
    assert here.path == folder / chosen and here.student == "rnn" and pick_file(folder, FILES) == folder / chosen


@pytest.mark.parametrize("code, work", [
    ("import numpy as np\n\ndef f(x):\n    '''doc'''\n    raise NotImplementedError\n", False),
    ("def f(x):\n    raise NotImplementedError('write me')\n\npass\n", False),
    ("def f(x):\n    '''doc'''\n    return x\n", True),
    ("def f(x):\n    raise NotImplementedError\n\nx = f(1)\n", True),
    ("def f(x):\n    raise ValueError\n", True),
    ("def f(x:\n", True),
], ids=["stub", "stub-with-message", "implemented", "demo-line", "other-raise", "syntax-error"])
def test_work_is_anything_the_released_stub_does_not_hold(tmp_path, code, work):
    assert holds_work(write(tmp_path / "rnn.py", code)) is work
    notebook = nbformat.writes(v4.new_notebook(cells=[v4.new_code_cell("%matplotlib inline"), v4.new_code_cell(code)]))
    assert holds_work(write(tmp_path / "rnn.ipynb", notebook)) is work


def test_the_released_stubs_hold_no_work():
    assert not holds_work(STUBS) and not holds_work(STUB_NOTEBOOK) and holds_work(REFERENCE)


def test_read_here_needs_an_assignment_file(tmp_path):
    write(tmp_path / "test_rnn.py", "x = 1\n")
    with pytest.raises(SubmissionError, match="none of rnn.py, rnn.ipynb is in the current folder"):
        read_here(tmp_path, FILES)


def test_modification_times_are_read_in_one_place_only():
    """The file choice is one rule: no second reader of modification times (cli, the bundle's pytest)."""
    readers = [path.relative_to(ROOT).as_posix() for folder in ("grader", "assignments")
               for path in (ROOT / folder).rglob("*.py") if "st_mtime" in path.read_text(encoding="utf-8")]
    assert readers == ["grader/submissions.py"]


# ---- the modules handed in beside the graded file -----------------------------------------------------

HELPERS = ROOT / "tests" / "fixtures" / "submissions" / "folder_with_helpers"


def helper_folder(tmp_path: Path) -> Path:
    """The fixture folder, its rnn.py completed with the reference (its own functions override it)."""
    folder = tmp_path / "lim"
    shutil.copytree(HELPERS, folder, ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "rnn.py").write_text(compose(HELPERS / "rnn.py"), encoding="utf-8")
    return folder


def test_a_folder_carries_the_modules_beside_it_and_the_packages_it_imports(tmp_path):
    folder = helper_folder(tmp_path)
    write(folder / "scratch" / "notes.py", "x = 1\n")  # a folder nothing imports stays out
    write(folder / ".ipynb_checkpoints" / "rnn_helpers-checkpoint.py", "x = 1\n")
    submission = read_submission(folder, FILES)
    assert [path for path, _ in submission.modules] == ["rnn_helpers.py", "rnnpkg/__init__.py", "rnnpkg/bounds.py",
                                                        "rnnpkg/clipping.py"]
    assert dict(submission.modules)["rnnpkg/bounds.py"] == (folder / "rnnpkg" / "bounds.py").read_bytes()
    # a file alone carries nothing: in a batch folder, the files beside a student's file are other students'
    assert read_submission(folder / "rnn.py").modules == ()


def test_a_notebook_carries_the_modules_its_cells_import_but_not_the_other_assignment_file(tmp_path):
    folder = tmp_path / "seo"
    write(folder / "rnn.ipynb", solved_notebook("from rnnpkg.clipping import clip_each\n"))
    write(folder / "rnn.py", STUBS.read_bytes())
    shutil.copytree(HELPERS / "rnnpkg", folder / "rnnpkg")
    submission = read_submission(folder, FILES)
    assert submission.path.name == "rnn.ipynb" and submission.module_file == "rnn.py"
    assert [path for path, _ in submission.modules] == ["rnnpkg/__init__.py", "rnnpkg/bounds.py", "rnnpkg/clipping.py"]


def test_the_hash_covers_the_modules(tmp_path):
    folder = helper_folder(tmp_path)
    first = read_submission(folder, FILES).sha256
    assert first != hashlib.sha256((folder / "rnn.py").read_bytes()).hexdigest()
    with (folder / "rnnpkg" / "bounds.py").open("a", encoding="utf-8") as handle:
        handle.write("# changed\n")
    assert read_submission(folder, FILES).sha256 != first  # resume grades it again
    alone = write(tmp_path / "alone" / "rnn.py", REFERENCE.read_bytes())
    assert read_submission(alone.parent, FILES).sha256 == hashlib.sha256(alone.read_bytes()).hexdigest()  # as before


def test_modules_are_bounded_and_links_refused(tmp_path, monkeypatch):
    folder = helper_folder(tmp_path)
    monkeypatch.setattr("grader.submissions.MAX_MODULES", 3)
    with pytest.raises(SubmissionError) as info:
        read_submission(folder, FILES)
    assert str(info.value) == (f"{folder}: more than 3 Python files (or 4 MB of them) beside the assignment file; keep "
                               "only the assignment and the modules it imports in the folder")
    monkeypatch.undo()
    (folder / "answers.py").symlink_to(REFERENCE)  # would carry a file from outside the folder into the sandbox
    with pytest.raises(SubmissionError, match=r"answers\.py: a symbolic link beside the assignment file"):
        read_submission(folder, FILES)


@pytest.mark.parametrize("path", ["../escape.py", "/abs.py", "pkg//x.py", "x.txt", "rnn.py", "a/./b.py"])
def test_the_sandbox_refuses_module_paths_outside_its_folder(path):
    with pytest.raises(ValueError, match="module path"):
        Sandbox("x = 1\n", "rnn.py", modules=[(path, b"")])


@pytest.mark.parametrize("level", level_params())
def test_modules_land_in_the_workers_own_folder(level):
    source = ("import os\nimport rnn_helpers\nimport pkg.inner as inner\n"
              "def where():\n    return [os.path.dirname(rnn_helpers.__file__), os.path.dirname(os.path.dirname(inner.__file__)),"
              " os.path.dirname(__file__), os.getcwd()]\n")
    modules = [("rnn_helpers.py", b"X = 1\n"), ("pkg/inner.py", b"Y = 2\n")]
    with Sandbox(source, "rnn.py", Limits(isolation=level), modules=modules) as box:
        assert box.load() is None
        folders = box.call("where").value
    assert len(set(folders)) == 1  # the worker's own folder (its working directory), nothing of the student's disk


@pytest.mark.parametrize("level", level_params())
def test_a_folder_with_helpers_scores_full_marks_through_the_sandbox(tmp_path, level):
    folder = helper_folder(tmp_path)
    options = GradingOptions(mode="check", limits=Limits(isolation=level))
    result = grade(read_submission(folder, FILES), options)
    assert result.status == "graded" and result.score == result.max_score, [(p.name, p.score) for p in result.parts]
    (folder / "rnn_helpers.py").unlink()  # the control: without its helper the same folder cannot load
    missing = grade(read_submission(folder, FILES), options)
    assert missing.status == "error" and missing.error.message.startswith("the submission imports rnn_helpers (line ")
    assert "does not allow: a submission may import only the standard library and numpy" in missing.error.message
