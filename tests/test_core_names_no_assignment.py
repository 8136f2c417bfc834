"""One engine, many assignments: nothing under grader/ names an assignment's content.

Every graded function or class of every assignment found in the project (read from the
manifests), and every file students hand in (`rnn.py`, ...), is looked for as a whole word in
the package's source, templates and strings; a hit means assignment content leaked into the
core, where a second assignment could not replace it.
"""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "grader"
MANIFESTS = sorted((ROOT / "assignments").glob("*/assignment.toml")) + sorted(
    (ROOT / "tests" / "toy" / "assignments").glob("*/assignment.toml"))


def names_of_content() -> set[str]:
    found: set[str] = set()
    for path in MANIFESTS:
        manifest = tomllib.loads(path.read_text(encoding="utf-8"))
        found.update(part["name"] for part in manifest["parts"])
        found.update(manifest["files"])
    return found


NAMES = sorted(names_of_content())
SOURCES = sorted(p for p in PACKAGE.rglob("*") if p.is_file() and p.suffix in (".py", ".json", ".j2", ".css", ".toml"))


def test_the_manifests_are_read():
    assert len(MANIFESTS) >= 2 and "rnn_cell_forward" in NAMES and "rnn.py" in NAMES and "add_arrays" in NAMES


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_graded_name_in_the_core(path):
    text = path.read_text(encoding="utf-8")
    hits = [name for name in NAMES if len(name) > 3 and re.search(rf"(?<![\w.]){re.escape(name)}(?![\w])", text)]
    assert not hits, f"{path.relative_to(ROOT)} names assignment content: {hits}"
