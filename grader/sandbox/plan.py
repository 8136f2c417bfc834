"""How one worker is started: the isolation settings the Sandbox chose for it, and what the worker is for
one assignment (its runtime). Plain values, shared by every module that starts or fences a worker."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Plan", "Runtime", "DEFAULT_RUNTIME"]


@dataclass(frozen=True)
class Plan:
    """How one worker is started (built by the Sandbox, used by process.launch)."""

    level: str = "process"
    uid: int | None = None  # the worker drops to this uid/gid before importing the submission
    gid: int | None = None
    processes: int | None = None  # RLIMIT_NPROC
    seccomp: bool = False  # the worker must install the seccomp filter (or refuse to run)
    monitor: bool = False  # a subreaper parent kills leftovers when the worker or grader dies
    landlock: bool = False  # the worker must apply landlock_rules (or refuse to run)
    sections: tuple[tuple[int, int], ...] = ()  # lines (first, last) the worker runs one by one (notebook cells)
    runtime: "Runtime" = None  # what the worker loads and allows (the assignment's); None: numpy only


@dataclass(frozen=True)
class Runtime:
    """What the worker is for one assignment: the packages it imports once before the submission
    (readable inside the fence), the top-level modules a submission may import besides the standard
    library (None: any), a trusted adapter's source that answers the calls (None: call the
    submission's function itself), and more paths no worker may read (instructor folders)."""

    preload: tuple[str, ...] = ("numpy",)
    allowed_imports: tuple[str, ...] | None = None
    adapter_source: str | None = None
    hidden: tuple[str, ...] = ()


DEFAULT_RUNTIME = Runtime()
