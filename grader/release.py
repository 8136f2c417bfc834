"""`rnn-grader release [--assignment NAME] --out DIR`: the student bundle.

It holds the assignment's student files at its top (the stub and the notebook, generated from
the reference by grader.authoring, and the other files of `assignments/<name>/` students use,
such as its pytest file), a README for the student's first minutes (install, check, read the
report; English and Korean), a `.gitignore` for what installing and checking leave behind, the
grader itself, and the assignment folder the grader reads (manifest, public checks, stored
examples, strings), so `pip install .` and `rnn-grader check` work offline. It holds nothing of
`solutions/`: no reference, no hidden checks, no catalog of wrong versions; the grader runs
without them (public checks only; `grade` refuses to run without a reference).
"""
from __future__ import annotations

import shutil
from pathlib import Path

import jinja2

from grader import authoring, packaging
from grader.errors import GraderError
from grader.spec import Assignment

STUDENT_FILES = Path(__file__).resolve().parent / "student_files"  # templates of the bundle's own README and .gitignore
BUNDLE_DOCS = {"README.md": "README.md.j2", ".gitignore": "gitignore.j2"}
NOT_SHIPPED = ("lesson.md",)  # assignment sources the generated files already contain
CHECKER_ONLY = ("assignment.toml", "checks", "locales", "stored_examples.json", "diagnosis.json")  # read by the grader, not students


class ReleaseError(GraderError):
    """The bundle cannot be built (missing sources, or an output folder that is not empty)."""


def _skip_caches(folder: str, names: list[str]) -> set[str]:
    return {n for n in names if n == "__pycache__"}


def bundle_docs(assignment: Assignment) -> dict[str, str]:
    """The bundle's README and .gitignore, naming the assignment's files."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(STUDENT_FILES), keep_trailing_newline=True,
                             undefined=jinja2.StrictUndefined)
    return {name: env.get_template(template).render(name=assignment.name, module=assignment.manifest.module)
            for name, template in BUNDLE_DOCS.items()}


def build_bundle(assignment: Assignment, out: Path) -> list[Path]:
    """Write the student bundle of `assignment` into `out` (new or empty); returns the top-level entries."""
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ReleaseError(f"{out}: exists and is not an empty folder; choose a new folder for the bundle")
    generated = authoring.student_files(assignment)
    out.mkdir(parents=True, exist_ok=True)
    for source in sorted(assignment.folder.iterdir()):
        if source.is_file() and source.name not in (*NOT_SHIPPED, *CHECKER_ONLY, *generated):
            shutil.copy2(source, out / source.name)
    for name, text in {**generated, **bundle_docs(assignment)}.items():
        (out / name).write_text(text, encoding="utf-8")
    shutil.copytree(packaging.PACKAGE, out / "grader", ignore=_skip_caches)
    checker = out / "assignments" / assignment.name
    checker.mkdir(parents=True)
    for name in CHECKER_ONLY:
        source = assignment.folder / name
        if source.is_dir():
            shutil.copytree(source, checker / name, ignore=_skip_caches)
        elif source.is_file():
            shutil.copy2(source, checker / name)
    description = f"{assignment.name}: the assignment with its local checker (student bundle)"
    (out / "pyproject.toml").write_text(packaging.pyproject(description, ("pytest>=8",)), encoding="utf-8")
    return sorted(out.iterdir())
