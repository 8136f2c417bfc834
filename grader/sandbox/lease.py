"""The one way to start a worker: a fresh folder, the plan for its level, and the process.

A ``WorkerLease`` is what a Sandbox holds outside Python while it runs submissions: the worker
process, its temporary folder and (as root, above the process level) a uid slot. The isolation
probe starts its trial worker through a lease too, so a level is judged by exactly the start the
Sandbox will make. Kept apart from the Sandbox so a weakref finalizer can release it.
"""

from __future__ import annotations

import secrets
import shutil
import sys
import tempfile

from .plan import Plan, Runtime
from .process import Worker
from .uid_slots import UidSlot, is_root
from .workdir import prepare_workdir, workdir_base

__all__ = ["WorkerLease"]


class WorkerLease:
    """Workers at one isolation level, with the layers (seccomp, Landlock) found to work there,
    started one at a time; ``release`` gives everything back."""

    def __init__(self, level: str, processes: int, seccomp: bool, landlock: bool) -> None:
        self.level = level
        self.processes = processes
        self.seccomp = seccomp
        self.landlock = landlock
        self.worker: Worker | None = None
        self.workdir: str | None = None
        self.slot: UidSlot | None = None

    def plan(self, sections: tuple[tuple[int, int], ...] = (), runtime: Runtime | None = None) -> Plan:
        """How to start the next worker (reserves the uid slot on first use)."""
        uid = None
        if self.level != "process" and is_root():
            if self.slot is None:
                self.slot = UidSlot.acquire()
            uid = self.slot.uid
        # (bwrap's own init does that job; the monitor needs Linux's prctl)
        monitor = self.level != "bubblewrap" and sys.platform.startswith("linux")
        return Plan(level=self.level, uid=uid, gid=uid,
                    processes=self.processes + monitor,  # the monitor is not the submission's
                    seccomp=self.seccomp, monitor=monitor, landlock=self.landlock,
                    sections=sections, runtime=runtime)

    def start(self, filename: str, source: str, memory_bytes: int, output_bytes: int,
              modules: tuple[tuple[str, bytes], ...] = (), sections: tuple[tuple[int, int], ...] = (),
              runtime: Runtime | None = None) -> Worker:
        """Stop the running worker, if any, and start a fresh one on ``source`` (written as
        ``filename`` with ``modules`` beside it) in a new folder. Raises OSError,
        subprocess.SubprocessError or RuntimeError when it cannot be started (nothing is left
        running then)."""
        self.stop_worker()
        self.workdir = tempfile.mkdtemp(prefix="rnn-grader-", dir=workdir_base(self.level))
        marker = b"\x00\x1erng:" + secrets.token_hex(12).encode() + b"\x1e\x00"
        try:
            plan = self.plan(sections, runtime)
            path = prepare_workdir(self.workdir, filename, source, plan, modules)
            self.worker = Worker(self.workdir, path, marker, memory_bytes, output_bytes, plan=plan)
        except BaseException:
            self.stop_worker()
            raise
        return self.worker

    def stop_worker(self) -> None:
        """Kill the worker and everything it started; remove its folder."""
        worker, self.worker = self.worker, None
        if worker is not None:
            worker.close()
        if self.slot is not None:
            self.slot.sweep()  # every process of the slot's uid, wherever it went
        workdir, self.workdir = self.workdir, None
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)

    def release(self) -> None:
        self.stop_worker()
        slot, self.slot = self.slot, None
        if slot is not None:
            slot.release()
