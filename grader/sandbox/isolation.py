"""Isolation levels: how far a worker is fenced off from the machine and from the grader.

    bubblewrap         bwrap: private mount, pid, network, ipc and uts namespaces. The worker
                       sees only the Python runtime (read-only) and its own folder; killing
                       bwrap kills every process in the pid namespace. As root, the worker
                       also drops to a per-slot unprivileged uid (so RLIMIT_NPROC applies).
    unprivileged-user  no namespaces (bwrap missing, or the kernel refuses them): the worker
                       drops to a per-slot unprivileged uid in a private 0700 folder; every
                       process of that uid is killed when the worker stops. Needs root.
    process            a plain child process with the grader's own uid and view of the disk.

Every level also gets resource limits (rlimits.py), a scrubbed environment, (on x86-64) a seccomp
filter that denies sockets, io_uring and new namespaces (see worker.py), and, where the kernel
has Landlock (Linux >= 5.13), a Landlock ruleset (visibility.landlock_rules): the worker
reads only the system folders, the Python runtime and numpy, writes only its own folder, and
cannot reach TCP or signal beyond itself. That closes the file system at the two lower levels
too; ``describe`` names what a level leaves open, as reports show it.

``resolve(request)`` turns "auto" into the best level that actually works here (each level
is probed once per process by starting a real worker) and raises ``IsolationUnavailable``
for a forced level that does not work. A command that grades one submission may ask
(``remember_in``) for a level that worked to be kept for the rest of the boot, under a key of
everything that could change the answer: a student's second `check` then starts no trial
worker. How each level is built lives beside this module:
bubblewrap.py (the bwrap command line), uid_slots.py (per-slot uids), sweeps.py (killing every
process of a slot or of a process tree).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import platform
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from . import landlock, wire
from .bubblewrap import bwrap_path
from .lease import WorkerLease
from .outcomes import ISOLATION_CHOICES, IsolationUnavailable
from .uid_slots import is_root

__all__ = ["LEVELS", "REQUESTS", "IsolationUnavailable", "LevelCheck", "resolve", "probe",
           "available_levels", "describe", "files_left_open", "network_isolated", "ENV_VAR"]

REQUESTS = ISOLATION_CHOICES  # "auto", then the levels, strongest first
LEVELS = REQUESTS[1:]
ENV_VAR = "RNN_GRADER_ISOLATION"  # operators may force a level for "auto" without code changes
PROBE_SECONDS = 60.0


@dataclass(frozen=True)
class LevelCheck:
    """Whether an isolation level works on this machine, found by starting a real worker (and why
    not); not to be confused with the checks' Probe, which calls the student's functions."""
    level: str
    ok: bool
    reason: str = ""  # why not, when not ok
    seccomp: bool = False  # the seccomp filter works at this level
    landlock: int = 0  # the Landlock ABI the worker applies at this level (0: none)


def seccomp_supported() -> bool:
    """The worker's filter is written for x86-64 Linux only."""
    return sys.platform.startswith("linux") and platform.machine() in ("x86_64", "AMD64")


_probes: dict[str, LevelCheck] = {}
_probe_lock = threading.Lock()
_remembered: list[Path] = []  # the folder of levels kept for the boot, when a command asked for it


def remember_in(folder: Path | None) -> None:
    """Keep the levels found to work in ``folder`` for the rest of this boot, and use those kept
    there (None: probe in every process, as by default)."""
    _remembered[:] = [folder] if folder is not None else []


def probe(level: str) -> LevelCheck:
    """Whether ``level`` works here, found out once per process by starting a real worker (or
    read from what `remember_in` kept of an earlier process in this boot)."""
    if level not in LEVELS:
        raise ValueError(f"unknown isolation level {level!r}; expected one of {', '.join(LEVELS)}")
    with _probe_lock:
        found = _probes.get(level)
        if found is None:
            found = _recalled(level)
        if found is None:
            found = _probe(level)
            _keep(found)
        _probes[level] = found
        return found


@functools.cache
def _machine_key() -> str:
    """Everything that could change whether a level works, short of a real worker: the boot, the
    kernel and its user-namespace switches, who grades with which Python, bwrap, and our worker
    (read once per process: none of it changes while the process runs)."""
    parts = [os.uname().release, str(os.getuid()), sys.executable, sys.version, str(landlock.abi())]
    for path in ("/proc/sys/kernel/random/boot_id", "/proc/sys/kernel/unprivileged_userns_clone",
                 "/proc/sys/user/max_user_namespaces", "/proc/sys/kernel/apparmor_restrict_unprivileged_userns",
                 str(Path(__file__).with_name("worker.py"))):
        try:
            parts.append(Path(path).read_text(errors="replace"))
        except OSError:
            parts.append("-")
    bwrap = bwrap_path()
    if bwrap is not None:
        stat = os.stat(bwrap)
        parts.append(f"{bwrap} {stat.st_dev} {stat.st_ino} {stat.st_size} {stat.st_mode}")  # an upgrade is a new file
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def _kept_file() -> Path | None:
    return _remembered[0] / f"{_machine_key()}.json" if _remembered else None


def _recalled(level: str) -> LevelCheck | None:
    path = _kept_file()
    try:
        fields = json.loads(path.read_text())[level] if path is not None else None
        return LevelCheck(**fields) if fields and fields.get("ok") is True and fields.get("level") == level else None
    except (OSError, ValueError, KeyError, TypeError):
        return None  # nothing kept, or unreadable: probe


def _keep(found: LevelCheck) -> None:
    """Keep a level that worked (only those: a level that failed is probed again next time)."""
    path = _kept_file()
    if path is None or not found.ok:
        return
    try:
        kept = json.loads(path.read_text()) if path.is_file() else {}
        kept[found.level] = dataclasses.asdict(found)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(json.dumps(kept))
        os.replace(temporary, path)
    except (OSError, ValueError, TypeError):
        pass  # a cache: grading goes on without it


def _probe(level: str) -> LevelCheck:
    if level == "bubblewrap" and bwrap_path() is None:
        return LevelCheck(level, False, "bwrap is not installed (apt-get install bubblewrap)")
    if level == "unprivileged-user" and not is_root():
        return LevelCheck(level, False, "switching to an unprivileged uid needs the grader to run as "
                                   "root")
    if not sys.platform.startswith("linux"):
        if level == "process":
            return LevelCheck(level, True)
        return LevelCheck(level, False, "needs Linux")
    reason = ""
    for seccomp in ((True, False) if seccomp_supported() else (False,)):
        for abi in dict.fromkeys((landlock.abi(), 0)):
            ok, reason = _try_worker(level, seccomp, abi > 0)
            if ok:
                return LevelCheck(level, True, seccomp=seccomp, landlock=abi)
    return LevelCheck(level, False, reason)


def _try_worker(level: str, seccomp: bool, fenced: bool) -> tuple[bool, str]:
    """Start a worker at ``level``, as a Sandbox would, on a tiny submission that imports stdlib
    modules after the privilege drop and the Landlock fence (``fenced``); True when it loads."""
    lease = WorkerLease(level, processes=16, seccomp=seccomp, landlock=fenced)
    try:
        worker = lease.start("probe.py", "import json, decimal\n", 2 * 2**30, 4096)
        heads = []
        for _ in range(2):
            if worker.wait(time.monotonic() + PROBE_SECONDS) != "frame":
                break
            head, _ = wire.decode_payload(worker.frames.popleft())
            heads.append(head)
        if len(heads) == 2 and heads[1].get("ok") is True:
            return True, ""
        worker.terminate()
        output = worker.take_remaining_output().strip().splitlines()
        detail = output[-1] if output else f"exit status {worker.returncode}"
        if len(heads) == 2:
            detail = f"{heads[1].get('type')}: {heads[1].get('message')}"
        return False, f"a trial worker did not start: {detail[:300]}"
    except (OSError, RuntimeError, ValueError) as e:
        return False, f"a trial worker did not start: {e}"
    finally:
        lease.release()


def resolve(request: str, require_fence: bool = False) -> str:
    """The level to use for ``request`` ("auto" or a level). Raises IsolationUnavailable, also
    when ``require_fence`` and the level leaves files open (``files_left_open``)."""
    level = _resolve(request)
    gap = files_left_open(level) if require_fence else None
    if gap:
        raise IsolationUnavailable(
            f"isolation {describe(level)} leaves {gap}, and isolation is required: install "
            f"bubblewrap (apt-get install bubblewrap) or grade on Linux >= 5.13 with Landlock")
    return level


def _resolve(request: str) -> str:
    if request not in REQUESTS:
        raise ValueError(f"isolation must be one of {', '.join(REQUESTS)}, got {request!r}")
    if request == "auto":
        forced = os.environ.get(ENV_VAR, "").strip()
        if forced and forced != "auto":
            if forced not in LEVELS:
                raise IsolationUnavailable(f"{ENV_VAR}={forced!r} is not one of "
                                           f"{', '.join(REQUESTS)}")
            request = forced
    if request == "auto":
        for level in LEVELS:
            if probe(level).ok:
                return level
        # Not even a plain worker starts: keep the weakest level, so that every submission
        # gets a LoadError saying what went wrong instead of the grader stopping here.
        return "process"
    found = probe(request)
    if not found.ok:
        raise IsolationUnavailable(f"isolation level {request!r} is not available here: "
                                   f"{found.reason}")
    return request


def available_levels() -> list[LevelCheck]:
    return [probe(level) for level in LEVELS]


def network_isolated(level: str) -> bool:
    """A network namespace (bubblewrap) or the seccomp socket ban (every level, x86-64)."""
    return level == "bubblewrap" or probe(level).seccomp


def files_left_open(level: str) -> str | None:
    """What of the file system student code reaches at ``level``, or None: nothing beyond the
    runtime, its own folder and (bubblewrap) its own /tmp, once a mount namespace or Landlock
    fences it in."""
    if level == "bubblewrap" or probe(level).landlock:
        return None
    if level == "unprivileged-user":
        return "every world-readable file readable"
    return "every file of the grader's user readable and writable"


def describe(level: str) -> str:
    """The isolation as reports show it: the level, "+landlock" when that fence is up, and in
    brackets what is left open, e.g. "process+landlock" or "unprivileged-user (no landlock:
    every world-readable file readable)". Stable: scripts may match on it."""
    found = probe(level)
    gaps = []
    gap = files_left_open(level)
    if gap:
        gaps.append(f"no landlock: {gap}")
    if not network_isolated(level):
        gaps.append("UDP open" if found.landlock >= 4 else "network open")
    name = level + ("+landlock" if found.landlock else "")
    return f"{name} ({'; '.join(gaps)})" if gaps else name

