"""The one writer of a pyproject.toml for a copy of the grader (the student bundle, Gradescope's zip,
Classroom 50's autograder folder), and the one list of files such a self-contained copy holds.

A copy holds the grader package and one assignment folder (`assignments/<name>/`, installed as
data next to the package, where the grader looks for assignments), with the grader's runtime
dependencies exactly as the source tree pins them: Hypothesis in particular is pinned with
`==`, because the inputs the checks draw depend on its version.
"""
from __future__ import annotations

import importlib.metadata
import json
import re
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING

import grader
from grader.errors import GraderError

if TYPE_CHECKING:
    from grader.spec import Assignment

PACKAGE = Path(grader.__file__).resolve().parent
SKIP = re.compile(r"(^|/)(__pycache__|\.[^/]*)(/|$)|\.py[co]$")  # caches and hidden files stay behind


class PackagingError(GraderError):
    """The grader's own dependencies cannot be found (neither a source tree nor installed metadata)."""


def runtime_dependencies() -> list[str]:
    """The grader's own requirements without extras (tests, torch): from the source tree's pyproject when
    the grader runs from one, else from the installed metadata."""
    try:
        project = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text(encoding="utf-8"))["project"]
        if project.get("name") == "rnn-grader" and project.get("dependencies"):
            return list(project["dependencies"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        pass
    try:
        found = importlib.metadata.requires("rnn-grader") or []
    except importlib.metadata.PackageNotFoundError:
        raise PackagingError("rnn-grader's dependencies are unknown here (no source tree, not installed); "
                             "run this from the grader's source tree or an installed rnn-grader") from None
    return [r for r in found if "extra ==" not in r and "extra==" not in r]


def pyproject(description: str, extra_dependencies: tuple[str, ...] = ()) -> str:
    """A pyproject.toml that installs the copied grader, its assignment folder and the console script."""
    deps = ", ".join(f'"{d}"' for d in [*runtime_dependencies(), *extra_dependencies])
    return "\n".join([
        "[build-system]", 'requires = ["setuptools>=68"]', 'build-backend = "setuptools.build_meta"', "",
        "[project]", 'name = "rnn-grader"', f'version = "{grader.__version__}"',
        f"description = {json.dumps(description)}", 'requires-python = ">=3.11"',
        f"dependencies = [{deps}]", "",
        "[project.scripts]", 'rnn-grader = "grader.cli:main"', "",
        "[tool.setuptools.packages.find]", 'include = ["grader*", "assignments*"]', "",
        "[tool.setuptools.package-data]", '"*" = ["*.json", "*.j2", "*.css", "*.toml", "*.md", "*.ipynb"]', ""])


def _tree(folder: Path, prefix: str, leave_out: tuple[str, ...] = ()) -> dict[str, bytes]:
    found = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).as_posix()
        if path.is_file() and not SKIP.search(relative) and relative not in leave_out:
            found[f"{prefix}/{relative}"] = path.read_bytes()
    return found


def grader_copy(assignment: Assignment, description: str, reference: Path | None = None) -> dict[str, bytes]:
    """The files of a copy of the grader that grades `assignment` on its own, by relative path: this
    pyproject, the package, the assignment folder and, given the `reference` file to grade with, the
    instructor folder (hidden checks, misconception catalog) with that reference in it, laid out as in
    the course repository so the grader finds them by its usual rule."""
    files = {"pyproject.toml": pyproject(description).encode("utf-8")}
    files.update(_tree(PACKAGE, "grader"))
    files.update(_tree(assignment.folder, f"assignments/{assignment.name}"))
    if reference is not None:
        instructor, module = f"solutions/{assignment.name}", f"{assignment.manifest.module}.py"
        if assignment.solutions is not None:
            files.update(_tree(assignment.solutions, instructor, leave_out=(module,)))
        files[f"{instructor}/{module}"] = Path(reference).read_bytes()
    return files
