"""Per-slot unprivileged uids (as root): each Sandbox's worker drops to a uid no other Sandbox uses
meanwhile, so RLIMIT_NPROC counts only its own processes and every process of the slot can be killed
when the worker stops."""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import stat
import tempfile
import threading
import time

from .sweeps import SWEEP_SECONDS, dead, processes_of, signal_pinned

__all__ = ["is_root", "UidSlot", "UID_BASE"]

UID_BASE = 1_900_000_000  # per-slot uids: UID_BASE .. UID_BASE + SLOTS - 1 (no passwd entries)
SLOTS = 1024
WORLD_WRITABLE = ("/tmp", "/var/tmp", "/dev/shm")


def is_root() -> bool:
    """Only root can switch to a slot uid (and bwrap runs privileged, without a user namespace)."""
    return os.geteuid() == 0


def _lock_dir() -> str:
    base = "/run" if os.access("/run", os.W_OK) else tempfile.gettempdir()
    path = os.path.join(base, f"rnn-grader-slots-{os.geteuid()}")
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    st = os.lstat(path)
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.geteuid() or st.st_mode & 0o022:
        raise RuntimeError(f"{path} is not a private folder of ours; remove it")
    return path


_slot_counter = 0
_slot_counter_lock = threading.Lock()


class UidSlot:
    """An unprivileged uid (and gid) reserved for one Sandbox: locked with flock, so no
    other Sandbox, in this or another grader process, uses it meanwhile."""

    def __init__(self, uid: int, fd: int) -> None:
        self.uid = uid
        self._fd: int | None = fd

    @classmethod
    def acquire(cls) -> "UidSlot":
        global _slot_counter
        if not is_root():
            raise RuntimeError("uid slots need root")
        with _slot_counter_lock:
            _slot_counter += 1
            start = (os.getpid() * 31 + _slot_counter) % SLOTS
        folder = _lock_dir()
        for i in range(SLOTS):
            uid = UID_BASE + (start + i) % SLOTS
            fd = os.open(os.path.join(folder, f"{uid}.lock"),
                         os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                continue
            slot = cls(uid, fd)
            # leftovers of an earlier grader that died: kill them; skip a slot whose
            # processes will not go away (or linger as zombies nobody reaps, which would
            # still count against RLIMIT_NPROC)
            if slot.sweep() and not processes_of(uid):
                return slot
            slot._unlock()
        raise RuntimeError("no free uid slot for the sandbox")

    def sweep(self, seconds: float = SWEEP_SECONDS, zombie_seconds: float = 0.5) -> bool:
        """Kill every process of the slot uid; True once none is left alive. Then give their
        reapers (init, mostly) a moment, as unreaped zombies still count against
        RLIMIT_NPROC."""
        deadline = time.monotonic() + seconds
        uid = self.uid
        while True:
            procs = processes_of(uid)
            live = [pid for pid, state in procs if not dead(state)]
            if not live:
                break
            for pid in live:
                signal_pinned(pid, signal.SIGKILL, lambda st: st[1] == uid)
            if time.monotonic() > deadline:
                return False
            time.sleep(0.002)
        end = time.monotonic() + zombie_seconds
        while procs and time.monotonic() < end:
            time.sleep(0.005)
            procs = processes_of(uid)
        return True

    def clean_shared_folders(self) -> None:
        """Remove what the slot uid left at the top of world-writable folders (/tmp...), so
        the next submission in this slot cannot read it."""
        for folder in WORLD_WRITABLE:
            try:
                entries = list(os.scandir(folder))
            except OSError:
                continue
            for entry in entries:
                try:
                    st = entry.stat(follow_symlinks=False)
                    if st.st_uid != self.uid:
                        continue
                    if stat.S_ISDIR(st.st_mode):
                        shutil.rmtree(entry.path, ignore_errors=True)
                    else:
                        os.unlink(entry.path)
                except OSError:
                    pass

    def release(self) -> None:
        if self._fd is None:
            return
        self.sweep()
        self.clean_shared_folders()
        self._unlock()

    def _unlock(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)
