"""The bubblewrap level's command line: private mount, pid, network, ipc and uts namespaces; the worker
sees only the Python runtime (read-only) and its own folder, and killing bwrap kills every process in
its pid namespace."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from .outcomes import IsolationUnavailable
from .plan import DEFAULT_RUNTIME, Plan
from .uid_slots import is_root
from .visibility import SYSTEM_DIRS, hidden_paths, minimal, runtime_paths, within

__all__ = ["bwrap_path", "bwrap_supports", "bwrap_argv"]

SANDBOX_DIR = Path(__file__).resolve().parent  # the worker's own files are bound from here
NOBODY = 65534
WORKDIR_BYTES = 64 * 2**20  # size of the worker's writable tmpfs folder (bubblewrap)
TMP_BYTES = 16 * 2**20  # size of its private /tmp (bubblewrap)
SYSTEM_FILES = ("/etc/ld.so.cache",)


def bwrap_path() -> str | None:
    return shutil.which("bwrap") or shutil.which("bwrap", path="/usr/bin:/bin:/usr/local/bin")


_bwrap_help: str | None = None


def bwrap_supports(option: str) -> bool:
    """Whether this bwrap knows ``option`` (older ones lack --size, --disable-userns...)."""
    global _bwrap_help
    if _bwrap_help is None:
        try:
            done = subprocess.run([bwrap_path() or "bwrap", "--help"], capture_output=True,
                                  timeout=30, text=True, errors="replace", check=False)
            _bwrap_help = done.stdout + done.stderr
        except (OSError, subprocess.SubprocessError):
            _bwrap_help = ""
    return f"{option} " in _bwrap_help


class _Mounts:
    """bwrap mount options in order, creating each target's missing parent folders with mode
    0755 first (bwrap would make them 0700, which the unprivileged worker could not cross)."""

    def __init__(self) -> None:
        self.argv: list[str] = []
        self._mounts: list[tuple[str, bool]] = [("/", True)]  # (target, writable tmpfs)
        self._made: set[str] = set()

    def _parents(self, target: str) -> None:
        parts = target.strip("/").split("/")[:-1]
        for i in range(1, len(parts) + 1):
            folder = "/" + "/".join(parts[:i])
            cover, writable = max((m for m in self._mounts if within(folder, m[0])),
                                  key=lambda m: len(m[0]))
            if writable and folder != cover and folder not in self._made:
                self.argv += ["--perms", "0755", "--dir", folder]
                self._made.add(folder)

    def add(self, target: str, *option: str, writable: bool = False) -> None:
        self._parents(target)
        self.argv += list(option)
        self._mounts.append((target, writable))

    def ro(self, path: str) -> None:
        self.add(path, "--ro-bind", path, path)

    def tmpfs(self, path: str, perms: str, size: int | None = None) -> None:
        sized = size and bwrap_supports("--size")
        opts = ["--perms", perms] + (["--size", str(size)] if sized else []) + ["--tmpfs", path]
        self.add(path, *opts, writable=True)


def bwrap_argv(workdir: str, submission_path: str, env: dict[str, str], plan: Plan) -> list[str]:
    """The bwrap command line (up to and including "--") for one worker.

    Mounted, in order: a private /tmp, /proc, /dev; the system folders (/usr and the /lib*
    links) and the Python runtime read-only; empty covers over hidden paths inside those
    (with the runtime re-bound where it lies below one); the worker's folder as a small
    private tmpfs holding only the submission, read-only; the worker's modules read-only."""
    bwrap = bwrap_path()
    if bwrap is None:
        raise IsolationUnavailable("bwrap is not installed")
    argv = [bwrap, "--die-with-parent", "--new-session", "--clearenv"]
    if is_root():
        # Privileged bwrap without a user namespace: inside a user namespace our uid would
        # stay 0 outside it and RLIMIT_NPROC would not apply. The worker drops to the slot
        # uid itself (CAP_SETUID/CAP_SETGID are all it keeps, and lose at the drop).
        argv += ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
                 "--unshare-cgroup-try", "--cap-drop", "ALL",
                 "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    else:
        argv += ["--unshare-all", "--unshare-user", "--uid", str(NOBODY), "--gid", str(NOBODY)]
        if bwrap_supports("--disable-userns"):
            argv += ["--disable-userns"]
    for key, value in env.items():
        argv += ["--setenv", key, value]

    m = _Mounts()
    m.tmpfs("/tmp", "1777", TMP_BYTES)
    m.add("/proc", "--proc", "/proc")
    m.add("/dev", "--dev", "/dev")
    system = []
    for d in SYSTEM_DIRS:
        if os.path.islink(d):
            m.add(d, "--symlink", os.readlink(d), d)
        elif os.path.isdir(d):
            system.append(d)
    folders, files = runtime_paths()
    roots = minimal(system + folders)
    for root in sorted(roots, key=lambda p: (p.count("/"), p)):
        m.ro(root)
    for f in SYSTEM_FILES:
        if os.path.exists(f) and not any(within(f, r) for r in roots):
            m.ro(f)
    # Covers over hidden paths, and the runtime brought back where it lies below one; in
    # depth order, so a hidden path below a brought-back folder is covered again.
    hides = [h for h in hidden_paths() + list((plan.runtime or DEFAULT_RUNTIME).hidden)
             if any(within(h, r) for r in roots)  # else it is simply not mounted
             and h not in folders + files]  # never cover the runtime itself
    ops = [(h, 0) for h in hides]
    ops += [(p, 1) for p in set(folders + files)
            if any(within(p, h) and p != h for h in hides if os.path.isdir(h))]
    for path, kind in sorted(ops, key=lambda op: (op[0].count("/"), op[1], op[0])):
        if kind == 1:
            m.ro(path)
        elif os.path.isdir(path):
            m.tmpfs(path, "0755")
        else:
            m.add(path, "--ro-bind", "/dev/null", path)
    m.tmpfs(workdir, "0777", WORKDIR_BYTES)
    m.ro(submission_path)
    for folder, _, names in sorted(os.walk(workdir)):  # the modules handed in with it
        for name in sorted(names):
            if os.path.join(folder, name) != submission_path:
                m.ro(os.path.join(folder, name))
    for name in ("worker.py", "wire.py", "landlock.py"):
        m.ro(str(SANDBOX_DIR / name))
    return argv + m.argv + ["--chdir", workdir, "--"]
