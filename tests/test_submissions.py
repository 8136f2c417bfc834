"""Reading submissions: ids, hashes, folders, and a clear one-line error for every unreadable input."""
from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from pathlib import Path

import nbformat
import pytest
from nbformat import v4

from grader import i18n
from grader.submissions import SubmissionError, is_candidate, pick_file, read_submission, student_id
from tests.conftest import REFERENCE, ROOT, STUBS


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
    assert read_submission(folder).student == "이서연"


def test_dot_and_dotdot_get_the_folder_name(tmp_path, monkeypatch):
    folder = tmp_path / "han"
    write(folder / "rnn.py", "x = 1\n")
    monkeypatch.chdir(folder)
    assert student_id(Path(".")) == "han" and read_submission(Path(".")).student == "han"
    monkeypatch.chdir(folder / "..")
    assert student_id(Path("han/..")) == tmp_path.name
    assert student_id(Path("/")) == "submission"


def test_explicit_student_id_wins(tmp_path):
    assert read_submission(write(tmp_path / "rnn.py", "x = 1\n"), "park").student == "park"


def test_folder_submission_uses_its_name_and_rnn_py(tmp_path):
    folder = tmp_path / "choi"
    write(folder / "rnn.py", "x = 1\n")
    write(folder / "test_rnn.py", "y = 2\n")  # the bundle's public tests next to it are ignored
    write(folder / "notes.txt", "hello")
    sub = read_submission(folder)
    assert sub.student == "choi" and sub.path.name == "rnn.py"


def test_folder_with_only_one_other_candidate(tmp_path):
    folder = tmp_path / "jung"
    write(folder / "my_rnn.ipynb", nbformat.writes(v4.new_notebook(cells=[v4.new_code_cell("x = 1")])))
    assert pick_file(folder).name == "my_rnn.ipynb"
    assert read_submission(folder).student == "jung"


@pytest.mark.parametrize("files, words", [
    (["a.py", "b.py"], ["several candidate files", "a.py", "b.py", "name the one to grade"]),
    (["rnn.py", "rnn.ipynb"], ["both", "rnn.ipynb", "rnn.py", "keep only the one to grade"]),
    ([], ["no .py or .ipynb file inside", "put rnn.py or rnn.ipynb"]),
], ids=["two-others", "py-and-notebook", "empty-folder"])
def test_folder_with_no_or_several_candidates(tmp_path, files, words):
    folder = tmp_path / "yoon"
    folder.mkdir()
    for name in files:
        write(folder / name, "x = 1\n")
    with pytest.raises(SubmissionError) as info:
        read_submission(folder)
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
    with pytest.raises(SubmissionError, match=r"not a \.py or \.ipynb file; submit rnn.py or rnn.ipynb"):
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
    assert info.value.render("ko") == f"{path}: 빈 파일입니다. 완성한 rnn.py나 rnn.ipynb를 제출하세요"
    assert info.value.render("en") == str(info.value) == \
        f"{path}: the file is empty; submit your completed rnn.py or rnn.ipynb"


def test_a_broken_notebook_keeps_the_notebook_problem_in_the_chosen_language(tmp_path):
    path = write(tmp_path / "old.ipynb", '{"nbformat": 3, "cells": []}')
    with pytest.raises(SubmissionError) as info:
        read_submission(path)
    assert info.value.kind == "notebook"
    assert info.value.render("ko").startswith(f"{path}: 노트북 형식 버전 3은(는) 지원하지 않습니다")
    assert str(info.value).startswith(f"{path}: notebook format version 3 is not supported")


def test_folder_with_both_files_joins_the_names_in_each_language(tmp_path):
    folder = tmp_path / "yoon"
    write(folder / "rnn.py", "x = 1\n")
    write(folder / "rnn.ipynb", "{}")
    with pytest.raises(SubmissionError) as info:
        read_submission(folder)
    assert "both rnn.ipynb and rnn.py are there" in str(info.value)
    assert "rnn.ipynb, rnn.py 파일이 모두 있습니다" in info.value.render("ko")


def test_every_input_and_notebook_key_used_in_code_is_in_both_catalogs():
    # test_i18n finds msg()/text() keys; these errors name theirs as SubmissionError("input.…") and the like
    used = set()
    for path in (ROOT / "grader").rglob("*.py"):
        used |= set(re.findall(r'"((?:input|notebook)\.[a-z_]+)"', path.read_text(encoding="utf-8")))
    used = {key for key in used if not key.endswith(".py")}  # "notebook.py" is a file name, not a key
    assert {"input.empty", "input.both_here", "input.symlink_loop", "notebook.old_version"} <= used
    for lang in i18n.LANGS:
        assert not used - i18n.catalog(lang).keys(), lang
