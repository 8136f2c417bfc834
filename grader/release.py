"""`rnn-grader release --out DIR`: the student bundle.

It holds the stubs and the notebook (generated from the reference by grader.authoring),
the student files of assignments/rnn, and the grader itself, so `pip install .` and
`rnn-grader check` work offline.  It holds no reference solution and no hidden checks:
the instructor-only modules below are left out, and the grader runs without them (the
spec then has public checks only, and `grade` refuses to run without a reference).
"""
from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

from grader import authoring

PACKAGE = Path(__file__).resolve().parent
INSTRUCTOR_ONLY = ("misconceptions.py", "checks/hidden.py")  # relative to the package
NOT_SHIPPED = ("lesson.md",)  # assignment sources the generated files already contain


class ReleaseError(ValueError):
    """The bundle cannot be built (missing sources, or an output folder that is not empty)."""


def _ignore_instructor_only(folder: str, names: list[str]) -> set[str]:
    here = Path(folder).relative_to(PACKAGE)
    return {n for n in names if n == "__pycache__" or (here / n).as_posix() in INSTRUCTOR_ONLY}


def _bundle_pyproject() -> str:
    """A pyproject for the bundle: the grader's runtime dependencies plus pytest, no test extras."""
    project = tomllib.loads((authoring.ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    deps = list(project["dependencies"]) + ["pytest>=8"]
    lines = [
        "[build-system]", 'requires = ["setuptools>=68"]', 'build-backend = "setuptools.build_meta"', "",
        "[project]", 'name = "rnn-grader"', f'version = "{project["version"]}"',
        'description = "RNN assignment with its local checker (student bundle)"',
        'requires-python = ">=3.11"', "dependencies = [" + ", ".join(f'"{d}"' for d in deps) + "]", "",
        "[project.scripts]", 'rnn-grader = "grader.cli:main"', "",
        "[tool.setuptools.packages.find]", 'include = ["grader*"]', "",
        "[tool.setuptools.package-data]", 'grader = ["**/*.json", "**/*.j2", "**/*.css"]', "",
    ]
    return "\n".join(lines)


def build_bundle(out: Path) -> list[Path]:
    """Write the student bundle into `out` (new or empty); returns the top-level entries written."""
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ReleaseError(f"{out}: exists and is not an empty folder; choose a new folder for the bundle")
    if not authoring.SOLUTION.is_file():
        raise ReleaseError(f"{authoring.SOLUTION}: the reference solution is needed to build the stubs")
    out.mkdir(parents=True, exist_ok=True)
    for source in sorted(authoring.ASSIGNMENT.iterdir()):
        if source.is_file() and source.name not in NOT_SHIPPED and source.name not in ("rnn.py", "rnn.ipynb"):
            shutil.copy2(source, out / source.name)
    for name, text in authoring.student_files().items():
        (out / name).write_text(text, encoding="utf-8")
    shutil.copytree(PACKAGE, out / "grader", ignore=_ignore_instructor_only)
    (out / "pyproject.toml").write_text(_bundle_pyproject(), encoding="utf-8")
    return sorted(out.iterdir())
