"""Finding and killing processes through /proc: every process of a uid, or a whole process tree. Each
process is pinned with a pidfd before it is signalled, so a recycled pid is never hit."""

from __future__ import annotations

import os
import signal
import time

__all__ = ["pids", "dead", "processes_of", "signal_pinned", "kill_tree", "SWEEP_SECONDS"]

SWEEP_SECONDS = 10.0


def _status(pid: int) -> tuple[str, int, int] | None:
    """(state, real uid, parent pid) of a process, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            text = f.read(2048)
    except OSError:
        return None
    state, uid, ppid = "?", -1, -1
    for line in text.split(b"\n"):
        if line.startswith(b"State:"):
            state = line.split()[1].decode()
        elif line.startswith(b"PPid:"):
            ppid = int(line.split()[1])
        elif line.startswith(b"Uid:"):
            uid = int(line.split()[1])
            break  # State and PPid come before Uid
    return state, uid, ppid


def pids() -> list[int]:
    try:
        return [int(n) for n in os.listdir("/proc") if n.isdigit()]
    except OSError:
        return []


def signal_pinned(pid: int, sig: int, check) -> bool:
    """Send ``sig`` to ``pid`` if ``check(status)`` still holds once the pid is pinned by a
    pidfd (so a recycled pid is never signalled)."""
    fd = _pin(pid, check)
    if fd is None:
        return False
    try:
        signal.pidfd_send_signal(fd, sig)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


def dead(state: str) -> bool:
    return state in ("Z", "X", "x")


def processes_of(uid: int) -> list[tuple[int, str]]:
    """(pid, state) of every process whose real uid is ``uid``."""
    out = []
    for pid in pids():
        st = _status(pid)
        if st is not None and st[1] == uid:
            out.append((pid, st[0]))
    return out


def kill_tree(root: int, seconds: float = SWEEP_SECONDS) -> None:
    """Stop, then kill, ``root`` and every descendant (the process level; the worker's
    monitor is a subreaper, so orphans stay in the tree while it lives).

    Stopped processes cannot fork, so the walk converges. Each process is pinned with a
    pidfd once it is found (and checked to still hang below ``root``), and killed through
    that pidfd, so a recycled pid is never signalled."""
    deadline = time.monotonic() + seconds
    pinned: dict[int, int | None] = {}  # pid -> pidfd (None: gone or not ours)
    try:
        while time.monotonic() < deadline:
            children: dict[int, list[int]] = {}
            for pid in pids():
                st = _status(pid)
                if st is not None and not dead(st[0]):
                    children.setdefault(st[2], []).append(pid)
            tree, todo = set(), [root]
            while todo:
                p = todo.pop()
                if p not in tree:
                    tree.add(p)
                    todo.extend(children.get(p, ()))
            new = [p for p in tree if p not in pinned]
            if not new:
                break
            for p in sorted(new, key=lambda q: q != root):  # the root first
                fd = _pin(p, lambda st, p=p, tree=tree: p == root or st[2] in tree)
                pinned[p] = fd
                if fd is not None:
                    try:
                        signal.pidfd_send_signal(fd, signal.SIGSTOP)
                    except OSError:
                        pass
        for p in sorted(pinned, key=lambda q: q == root):  # the root last
            fd = pinned[p]
            if fd is not None:
                try:
                    signal.pidfd_send_signal(fd, signal.SIGKILL)
                except OSError:
                    pass
    finally:
        for fd in pinned.values():
            if fd is not None:
                os.close(fd)


def _pin(pid: int, check) -> int | None:
    """A pidfd for ``pid`` if ``check(status)`` holds once it is pinned, else None."""
    try:
        fd = os.pidfd_open(pid)
    except (OSError, AttributeError):
        return None
    st = _status(pid)
    if st is None or not check(st):
        os.close(fd)
        return None
    return fd
