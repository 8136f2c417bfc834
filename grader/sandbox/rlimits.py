"""The resource limits of a worker, which it sets on itself before any submission code runs.

Not between fork and exec: a `preexec_fn` makes Python fork the whole grader (some 18 ms for a
grader holding numpy and Hypothesis, measured) where it otherwise uses vfork (about 1 ms)."""

from __future__ import annotations

import os
import resource
import sys

from .sweeps import pids
from .uid_slots import is_root

__all__ = ["worker_limits", "nproc_limit"]

FSIZE_LIMIT = 64 * 2**20  # bytes any one file written by the worker may reach
NOFILE_LIMIT = 256


def worker_limits(memory_bytes: int, processes: int | None = None) -> list[list[int]]:
    """[resource, value] pairs, each a soft and hard limit the worker sets first thing (`_setup`)."""
    limits = [
        [resource.RLIMIT_AS, int(memory_bytes)],
        [resource.RLIMIT_CORE, 0],
        [resource.RLIMIT_FSIZE, FSIZE_LIMIT],
        [resource.RLIMIT_NOFILE, NOFILE_LIMIT],
    ]
    if processes is not None:
        limits.append([resource.RLIMIT_NPROC, int(processes)])
    return limits


def _nproc_headroom(limit: int) -> int:
    """RLIMIT_NPROC for a worker that keeps our uid: counts every task of that uid, so
    allow ``limit`` more than there are now."""
    uid = os.getuid()
    count = 0
    for pid in pids():
        try:
            with open(f"/proc/{pid}/status", "rb") as f:
                text = f.read(4096)
        except OSError:
            continue
        fields = dict(line.split(b":", 1) for line in text.split(b"\n") if b":" in line)
        try:
            if int(fields.get(b"Uid", b"-1").split()[0]) == uid:
                count += int(fields.get(b"Threads", b"1").strip())
        except ValueError:
            continue
    return count + limit


def nproc_limit(plan_uid: int | None, limit: int) -> int | None:
    """RLIMIT_NPROC for a worker: ``limit`` for a slot uid; for a worker that keeps our uid,
    ``limit`` on top of what that uid runs now (none for root, where it is not enforced)."""
    if plan_uid is not None:
        return limit
    if is_root() or not sys.platform.startswith("linux"):
        return None
    return _nproc_headroom(limit)
