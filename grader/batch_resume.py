"""What must match for a stored result to be reused: a submission whose bytes and settings (everything
that can change a score: mode, seed, limits, reference solution, language, the grading code itself, the
assignment's folders) are those of a stored result is not graded again."""
from __future__ import annotations

import functools
import hashlib
import json
import os
from dataclasses import asdict
from pathlib import Path
from typing import Any

import grader
from grader.runner import GradingOptions
from grader.spec import Assignment

__all__ = ["grading_code_sha256", "path_not_scoring", "settings_of", "settings_key"]

# modules that cannot change a score (how results are run, stored and shown)
_NOT_SCORING = {"cli.py", "__main__.py", "progress.py", "similarity.py", "gradebook_db.py",
                "executors.py", "course.py", "deadlines.py", "submission_times.py", "git_times.py"}


def _tree_digest(digest, root: Path, skip) -> None:
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if not path.is_file() or "__pycache__" in relative.parts or skip(relative):
            continue
        digest.update(str(relative).encode() + b"\0" + path.read_bytes() + b"\0")


@functools.cache
def grading_code_sha256(assignment: Assignment) -> str:
    """A hash of the code that decides scores and feedback (the grader's checks, runner, sandbox,
    catalogs..., and the assignment's folder and instructor folder), so results are never reused
    across a change of it, even within one version."""
    package = Path(grader.__file__).resolve().parent
    digest = hashlib.sha256()
    _tree_digest(digest, package, lambda relative: path_not_scoring(relative))
    for folder in (assignment.folder, assignment.solutions):
        if folder is not None:
            digest.update(b"\1" + folder.name.encode())
            _tree_digest(digest, folder, lambda relative: False)
    return digest.hexdigest()


def path_not_scoring(relative: Path) -> bool:
    """Files of the package that cannot change a score or its feedback."""
    return (relative.suffix not in (".py", ".json") or relative.parts[0] == "reports"
            or str(relative) in _NOT_SCORING or relative.name.startswith(("release", "batch")))


def _reference_sha256(options: GradingOptions) -> str:
    if options.reference is None:
        return ""
    file = getattr(options.reference, "__file__", None)
    try:
        return hashlib.sha256(Path(file).read_bytes()).hexdigest() if file else f"unhashable-{os.urandom(8).hex()}"
    except OSError:
        return f"unhashable-{os.urandom(8).hex()}"


def settings_of(options: GradingOptions) -> dict[str, Any]:
    """Everything that can change a result, as plain data (stored with each batch)."""
    assignment = options.assignment
    return {
        "assignment": assignment.name,
        "parts": [[p.name, p.points] for p in assignment.parts],
        "mode": options.mode,
        "seed": options.effective_seed,
        "limits": asdict(options.limits),
        "lang": options.lang,
        "reference_sha256": _reference_sha256(options),
        "grader_version": grader.__version__,
        "grading_code_sha256": grading_code_sha256(assignment),
    }


def settings_key(settings: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:24]
