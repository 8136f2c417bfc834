"""Loading the trusted reference solution into the grader's own process.

The reference is instructor code: it runs in the parent, never in the sandbox, and it is
looked up outside the package so the student bundle can ship without it.
"""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from types import ModuleType

DEFAULT_PATH = Path(__file__).resolve().parents[1] / "solutions" / "rnn" / "rnn.py"
ENV_VAR = "RNN_GRADER_SOLUTIONS"


class ReferenceMissing(FileNotFoundError):
    """`grade` needs the reference solution and it is not where we looked."""


def reference_path(explicit: Path | None = None) -> Path:
    return explicit or (Path(os.environ[ENV_VAR]) if os.environ.get(ENV_VAR) else DEFAULT_PATH)


def load_reference(explicit: Path | None = None) -> ModuleType:
    path = reference_path(explicit)
    if not path.is_file():
        raise ReferenceMissing(f"reference solution not found at {path}; full grading needs it "
                               f"(pass --solutions PATH or set {ENV_VAR}); students can run `rnn-grader check`")
    spec = importlib.util.spec_from_file_location("rnn_reference", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
