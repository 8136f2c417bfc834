"""Loading an assignment's trusted reference solution into the grader's own process.

The reference is instructor code: it runs in the parent, never in the sandbox. It lives in
the assignment's instructor folder (`solutions/<name>/<module>.py`), outside the package, so
the student bundle ships without it; `--solutions PATH` or the environment variable below
point elsewhere (a file, or a folder holding `<module>.py`).
"""
from __future__ import annotations

import importlib
import importlib.util
import os
from pathlib import Path
from types import ModuleType
from typing import Any

from grader.assignments import module_of
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


class Adapted:
    """The reference as the checks call it when the assignment has an adapter: each part through the
    adapter's `call(module, part, args)`, exactly as the worker calls the student's, so that both answers
    have the same plain form (e.g. a class built, run and differentiated, its outputs as arrays)."""

    def __init__(self, module: Any, adapter: ModuleType):
        self.module, self.adapter = module, adapter

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or not hasattr(self.module, name):
            raise AttributeError(name)
        return lambda *args: self.adapter.call(self.module, name, args)


def adapted(assignment: Assignment, module: Any) -> Any:
    """`module` as the checks call it: through the assignment's adapter when it has one."""
    if assignment.runtime.adapter is None:
        return module
    return Adapted(module, module_of(assignment, assignment.runtime.adapter))


def load_reference(assignment: Assignment, explicit: Path | None = None) -> Any:
    """The reference solution, as the checks call it (see `adapted`)."""
    path = reference_path(assignment, explicit)
    if not path.is_file():
        raise ReferenceMissing(f"reference solution not found at {path}; full grading needs it "
                               f"(pass --solutions PATH or set {ENV_VAR}); students can run `rnn-grader check`")
    spec = importlib.util.spec_from_file_location(module_name(assignment), path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return adapted(assignment, module)
