"""`check` loads only what it uses: a student's check pays no start-up for the batch's machinery
(reports, gradebook store, course, executors), whose imports were a third of its time."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

TOY = Path(__file__).resolve().parent / "toy"
BATCH_ONLY = ("grader.batch", "grader.course", "grader.gradebook_db", "grader.reports.html", "grader.similarity",
              "jinja2", "sqlite3", "dask", "distributed")
RUN_CHECK = """
import json, sys
from grader.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def loaded_by(*argv: str) -> tuple[int, set[str]]:
    """Exit code and the modules loaded by a fresh interpreter running the command line in-process."""
    done = subprocess.run([sys.executable, "-c", RUN_CHECK, *argv], capture_output=True, text=True, timeout=300)
    last = json.loads(done.stdout.splitlines()[-1])
    return last["code"], set(last["modules"])


def test_check_imports_none_of_the_batch_machinery():
    code, modules = loaded_by("check", str(TOY / "solutions" / "toy" / "toy.py"), "--assignment", "toy",
                              "--assignments", str(TOY / "assignments"))
    assert code == 0
    assert "grader.runner" in modules  # it did grade
    assert not modules & set(BATCH_ONLY), sorted(modules & set(BATCH_ONLY))


def test_check_with_reports_asked_for_loads_their_renderers(tmp_path):
    code, modules = loaded_by("check", str(TOY / "solutions" / "toy" / "toy.py"), "--assignment", "toy",
                              "--assignments", str(TOY / "assignments"), "--format", "html", "--out", str(tmp_path))
    assert code == 0 and (tmp_path / "toy.html").is_file()
    assert "jinja2" in modules


def test_every_format_the_command_line_offers_has_a_renderer():
    from grader import batch_outputs
    from grader.reports.formats import ALL_FORMATS, FORMATS

    assert tuple(batch_outputs.RENDERERS) == FORMATS and set(ALL_FORMATS) <= set(FORMATS)
