"""`rnn-grader export gradescope --out autograder.zip`: the zip Gradescope's autograder takes.

At its root, as Gradescope requires: `setup.sh` (run once when the image is built: Python
3.11+, a venv, and the bundled grader installed into it) and `run_autograder` (run per
submission: `rnn-grader grade /autograder/submission --format gradescope` into
/autograder/results/results.json). Beside them, `rnn-grader/` (the whole grader package,
hidden checks and misconception catalog included, with a pyproject of its runtime
dependencies: no torch) and `solutions/rnn.py` (the reference solution, which `grade`
needs). The course's seed, language and time limit are fixed in run_autograder.
"""
from __future__ import annotations

import importlib.metadata
import re
import shlex
import stat
import tomllib
import zipfile
from pathlib import Path

import grader
from grader.integrations import IntegrationError
from grader.integrations.ci import environment

PACKAGE = Path(grader.__file__).resolve().parent
SKIP = re.compile(r"(^|/)(__pycache__|\.[^/]*)(/|$)|\.py[co]$")
EXECUTABLE = 0o755
DEFAULT_DEPENDENCIES = ("numpy>=1.26,<3", "hypothesis", "nbformat>=5.9", "jinja2>=3.1", "matplotlib>=3.8")


def runtime_dependencies() -> list[str]:
    """The grader's own requirements, without extras (tests, torch): from the source tree's
    pyproject when the grader runs from one, else from the installed metadata."""
    try:
        project = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text(encoding="utf-8"))["project"]
        if project.get("name") == "rnn-grader" and project.get("dependencies"):
            return list(project["dependencies"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        pass
    try:
        found = importlib.metadata.requires("rnn-grader") or []
    except importlib.metadata.PackageNotFoundError:
        return list(DEFAULT_DEPENDENCIES)
    return [r for r in found if "extra ==" not in r and "extra==" not in r] or list(DEFAULT_DEPENDENCIES)


def pyproject() -> str:
    deps = ", ".join(f'"{d}"' for d in runtime_dependencies())
    return "\n".join([
        "[build-system]", 'requires = ["setuptools>=68"]', 'build-backend = "setuptools.build_meta"', "",
        "[project]", 'name = "rnn-grader"', f'version = "{grader.__version__}"',
        'description = "rnn-grader, bundled for a Gradescope autograder"', 'requires-python = ">=3.11"',
        f"dependencies = [{deps}]", "",
        "[project.scripts]", 'rnn-grader = "grader.cli:main"', "",
        "[tool.setuptools.packages.find]", 'include = ["grader*"]', "",
        "[tool.setuptools.package-data]", 'grader = ["**/*.json", "**/*.j2", "**/*.css"]', ""])


def scripts(seed: int | None = None, lang: str = "en", timeout: float = 10.0) -> dict[str, str]:
    env = environment().overlay()
    env.filters["sh"] = lambda value: shlex.quote(str(value))
    seed_option = f"--seed {int(seed)}" if seed is not None else ""
    return {"setup.sh": env.get_template("gradescope/setup.sh.j2").render(),
            "run_autograder": env.get_template("gradescope/run_autograder.j2").render(
                lang=lang, timeout=f"{timeout:g}", seed_option=seed_option)}


def _add(archive: zipfile.ZipFile, name: str, data: bytes | str, mode: int = 0o644) -> None:
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = (stat.S_IFREG | mode) << 16
    archive.writestr(info, data.encode("utf-8") if isinstance(data, str) else data)


def build_zip(out: Path, solutions: Path, seed: int | None = None, lang: str = "en", timeout: float = 10.0) -> Path:
    """Write the autograder zip to `out`; returns it."""
    out, solutions = Path(out), Path(solutions)
    if not solutions.is_file():
        raise IntegrationError(f"reference solution not found at {solutions}; the Gradescope autograder grades "
                               "with it (pass --solutions PATH)")
    if out.exists() and out.is_dir():
        raise IntegrationError(f"{out}: is a folder; --out names the zip file to write, e.g. autograder.zip")
    if out.suffix.lower() != ".zip":
        raise IntegrationError(f"{out}: Gradescope takes a .zip file; name it e.g. autograder.zip")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    with zipfile.ZipFile(tmp, "w") as archive:
        for name, text in scripts(seed, lang, timeout).items():
            _add(archive, name, text, EXECUTABLE)
        _add(archive, "rnn-grader/pyproject.toml", pyproject())
        for path in sorted(PACKAGE.rglob("*")):
            relative = path.relative_to(PACKAGE).as_posix()
            if path.is_file() and not SKIP.search(relative):
                _add(archive, f"rnn-grader/grader/{relative}", path.read_bytes())
        _add(archive, "solutions/rnn.py", solutions.read_bytes())
    tmp.replace(out)
    return out
