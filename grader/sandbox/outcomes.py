"""The sandbox's value types: limits in, outcomes out. Imports nothing of ours but wire."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from .wire import Unsupported

__all__ = ["Limits", "LoadError", "CallOutcome", "Frame", "Unsupported", "FATAL_KINDS", "IsolationUnavailable"]

FATAL_KINDS = frozenset({"timeout", "crash", "memory", "exit", "protocol"})
ISOLATION_CHOICES = ("auto", "bubblewrap", "unprivileged-user", "process")  # isolation.REQUESTS is built from it


class IsolationUnavailable(RuntimeError):
    """A forced isolation level cannot run on this machine (the message says why)."""


@dataclass(frozen=True)
class Limits:
    """Per-sandbox limits. Times are wall-clock seconds, enforced by the parent.

    memory_bytes: address space of each worker process (RLIMIT_AS).
    processes: processes and threads the submission may run at once (RLIMIT_NPROC; counted
        for the slot's own uid at the bubblewrap and unprivileged-user levels when the grader
        runs as root, else on top of what the grader's uid already runs).
    isolation: "auto" (the strongest level that works here, see isolation.py) or a level to
        insist on; an unavailable level makes Sandbox() raise IsolationUnavailable.
    require_isolation: refuse (IsolationUnavailable) rather than run student code where it could
        read the grader's files: neither bubblewrap nor Landlock available.
    """

    call_seconds: float = 10.0
    import_seconds: float = 20.0
    memory_bytes: int = 2 * 2**30
    output_bytes: int = 64 * 1024
    processes: int = 16
    isolation: str = "auto"
    require_isolation: bool = False

    def __post_init__(self) -> None:
        for name in ("call_seconds", "import_seconds", "memory_bytes", "output_bytes",
                     "processes"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not v > 0:
                raise ValueError(f"Limits.{name} must be a positive number, got {v!r}")
        if self.output_bytes < 256:
            raise ValueError("Limits.output_bytes must be at least 256")
        if not isinstance(self.processes, int):
            raise ValueError(f"Limits.processes must be an int, got {self.processes!r}")
        if not isinstance(self.require_isolation, bool):
            raise ValueError(f"Limits.require_isolation must be a bool, got {self.require_isolation!r}")
        if self.isolation not in ISOLATION_CHOICES:
            raise ValueError(f"Limits.isolation must be one of {', '.join(ISOLATION_CHOICES)}, "
                             f"got {self.isolation!r}")


@dataclass(frozen=True)
class LoadError:
    """Why the submission could not be imported.

    kind: "syntax" | "import" | "timeout" | "exit" | "crash" | "memory" | "protocol"
    message: one line, says what and where (line number in the submission when known)
    output: captured stdout+stderr of the worker up to the failure (capped)
    """

    kind: str
    message: str
    output: str = ""
    disallowed_module: str | None = None  # the module the assignment does not allow, when that was the failure


class Frame(NamedTuple):
    """One step of the student's call chain: a line of a file of the submission (the path relative
    to the submission's folder, so no path of the grader's machine) and the function running there."""

    file: str
    line: int
    function: str


@dataclass(frozen=True, eq=False)
class CallOutcome:
    """What one call of a submission function did.

    ``value`` and ``args_after`` hold parent-owned plain values (base ndarrays, Python scalars,
    str, tuple/list/dict, Unsupported). ``eq=False``: arrays make field-wise == meaningless.
    ``frames``: for an exception, the submission's frames it went through, innermost last (the
    innermost few of a deep recursion).
    """

    ok: bool
    value: Any = None
    args_after: tuple = ()
    error_kind: str | None = None
    error_type: str | None = None
    message: str = ""
    output: str = ""
    disallowed_module: str | None = None  # the module the assignment does not allow, when that was the failure
    frames: tuple[Frame, ...] = ()

    @property
    def fatal(self) -> bool:
        """True when the call ended the worker (timeout, crash, memory, exit, protocol)."""
        return self.error_kind in FATAL_KINDS
