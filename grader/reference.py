"""Loading an assignment's trusted reference solution into the grader's own process.

The reference is instructor code: it runs in the parent, never in the sandbox. It lives in
the assignment's instructor folder (`solutions/<name>/<module>.py`), outside the package, so
the student bundle ships without it; `--solutions PATH` or the environment variable below
point elsewhere (a file, or a folder holding `<module>.py`).
"""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from types import ModuleType

from grader.errors import GraderError
from grader.spec import Assignment

ENV_VAR = "RNN_GRADER_SOLUTIONS"


class ReferenceMissing(GraderError):
    """`grade` needs the reference solution and it is not where we looked."""


def reference_path(assignment: Assignment, explicit: Path | None = None) -> Path:
    chosen = explicit or (Path(os.environ[ENV_VAR]) if os.environ.get(ENV_VAR) else None)
    if chosen is None:
        return assignment.reference_path() or Path("solutions", assignment.name, f"{assignment.manifest.module}.py")
    return chosen / f"{assignment.manifest.module}.py" if chosen.is_dir() else chosen


def module_name(assignment: Assignment) -> str:
    return f"{assignment.manifest.module}_reference"


def load_reference(assignment: Assignment, explicit: Path | None = None) -> ModuleType:
    path = reference_path(assignment, explicit)
    if not path.is_file():
        raise ReferenceMissing(f"reference solution not found at {path}; full grading needs it "
                               f"(pass --solutions PATH or set {ENV_VAR}); students can run `rnn-grader check`")
    spec = importlib.util.spec_from_file_location(module_name(assignment), path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
