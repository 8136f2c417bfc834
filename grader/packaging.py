"""The one writer of a pyproject.toml for a copy of the grader (the student bundle, Gradescope's zip).

A copy holds the grader package and one assignment folder (`assignments/<name>/`, installed as
data next to the package, where the grader looks for assignments), with the grader's runtime
dependencies exactly as the source tree pins them: Hypothesis in particular is pinned with
`==`, because the inputs the checks draw depend on its version.
"""
from __future__ import annotations

import importlib.metadata
import json
import tomllib
from pathlib import Path

import grader
from grader.errors import GraderError

PACKAGE = Path(grader.__file__).resolve().parent


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
