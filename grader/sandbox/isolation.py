"""Isolation levels: how far a worker is fenced off from the machine and from the grader.

    bubblewrap         bwrap: private mount, pid, network, ipc and uts namespaces. The worker
                       sees only the Python runtime (read-only) and its own folder; killing
                       bwrap kills every process in the pid namespace. As root, the worker
                       also drops to a per-slot unprivileged uid (so RLIMIT_NPROC applies).
    unprivileged-user  no namespaces (bwrap missing, or the kernel refuses them): the worker
                       drops to a per-slot unprivileged uid in a private 0700 folder; every
                       process of that uid is killed when the worker stops. Needs root.
    process            a plain child process with the grader's own uid and view of the disk.

Every level also gets resource limits, a scrubbed environment, (on x86-64) a seccomp
filter that denies sockets, io_uring and new namespaces (see worker.py), and, where the kernel
has Landlock (Linux >= 5.13), a Landlock ruleset (landlock.py, ``landlock_rules``): the worker
reads only the system folders, the Python runtime and numpy, writes only its own folder, and
cannot reach TCP or signal beyond itself. That closes the file system at the two lower levels
too; ``describe`` names what a level leaves open, as reports show it.

``resolve(request)`` turns "auto" into the best level that actually works here (each level
is probed once per process by starting a real worker) and raises ``IsolationUnavailable``
for a forced level that does not work. The parent-side pieces the levels need live here too:
the bwrap command line, per-slot uids and the sweeps that kill every process of a slot or of
a process tree.
"""

from __future__ import annotations

import dataclasses
import fcntl
import functools
import glob
import importlib
import os
import platform
import shutil
import signal
import stat
import sys
import sysconfig
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from . import landlock
from .outcomes import ISOLATION_CHOICES

__all__ = ["LEVELS", "REQUESTS", "IsolationUnavailable", "Plan", "LevelCheck", "resolve", "probe",
           "available_levels", "describe", "files_left_open", "landlock_rules", "bwrap_argv",
           "UidSlot", "kill_tree", "ENV_VAR"]

REQUESTS = ISOLATION_CHOICES  # "auto", then the levels, strongest first
LEVELS = REQUESTS[1:]
ENV_VAR = "RNN_GRADER_ISOLATION"  # operators may force a level for "auto" without code changes

UID_BASE = 1_900_000_000  # per-slot uids: UID_BASE .. UID_BASE + SLOTS - 1 (no passwd entries)
SLOTS = 1024
NOBODY = 65534
WORKDIR_BYTES = 64 * 2**20  # size of the worker's writable tmpfs folder (bubblewrap)
TMP_BYTES = 16 * 2**20  # size of its private /tmp (bubblewrap)
SWEEP_SECONDS = 10.0
PROBE_SECONDS = 60.0
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
SYSTEM_FILES = ("/etc/ld.so.cache",)
WORLD_WRITABLE = ("/tmp", "/var/tmp", "/dev/shm")
# Landlock: what the worker may use besides the system folders and the Python runtime
PRELOADED_PACKAGES = ("numpy",)  # third-party packages the worker imports for the submission
READABLE_FILES = ("/etc/ld.so.cache", "/etc/localtime")
READABLE_KERNEL_INFO = ("/proc/self", "/sys/devices/system/cpu", "/proc/cpuinfo")  # numpy/OpenBLAS, torch count cores
DEVICES = ("/dev/null", "/dev/zero", "/dev/random", "/dev/urandom")

SANDBOX_DIR = Path(__file__).resolve().parent
GRADER_PACKAGE = SANDBOX_DIR.parent  # hidden: its spec and checks are the hidden tests
PROJECT_ROOT = GRADER_PACKAGE.parent  # hidden too (solutions/, tests/), unless site-packages


class IsolationUnavailable(RuntimeError):
    """A forced isolation level cannot run on this machine (the message says why)."""


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


@dataclass(frozen=True)
class LevelCheck:
    """Whether an isolation level works on this machine, found by starting a real worker (and why
    not); not to be confused with the checks' Probe, which calls the student's functions."""
    level: str
    ok: bool
    reason: str = ""  # why not, when not ok
    seccomp: bool = False  # the seccomp filter works at this level
    landlock: int = 0  # the Landlock ABI the worker applies at this level (0: none)


# --------------------------------------------------------------------------- choosing a level


def is_root() -> bool:
    return os.geteuid() == 0


def seccomp_supported() -> bool:
    """The worker's filter is written for x86-64 Linux only."""
    return sys.platform.startswith("linux") and platform.machine() in ("x86_64", "AMD64")


def bwrap_path() -> str | None:
    return shutil.which("bwrap") or shutil.which("bwrap", path="/usr/bin:/bin:/usr/local/bin")


_bwrap_help: str | None = None


def bwrap_supports(option: str) -> bool:
    """Whether this bwrap knows ``option`` (older ones lack --size, --disable-userns...)."""
    global _bwrap_help
    if _bwrap_help is None:
        import subprocess

        try:
            done = subprocess.run([bwrap_path() or "bwrap", "--help"], capture_output=True,
                                  timeout=30, text=True, errors="replace", check=False)
            _bwrap_help = done.stdout + done.stderr
        except (OSError, subprocess.SubprocessError):
            _bwrap_help = ""
    return f"{option} " in _bwrap_help


_probes: dict[str, LevelCheck] = {}
_probe_lock = threading.Lock()


def probe(level: str) -> LevelCheck:
    """Whether ``level`` works here, found out once per process by starting a real worker."""
    if level not in LEVELS:
        raise ValueError(f"unknown isolation level {level!r}; expected one of {', '.join(LEVELS)}")
    with _probe_lock:
        found = _probes.get(level)
        if found is None:
            found = _probes[level] = _probe(level)
        return found


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
    """Start a worker at ``level`` on a tiny submission that imports stdlib modules after
    the privilege drop and the Landlock fence (``fenced``); True when it loads."""
    import secrets

    from . import wire
    from .process import Worker

    slot = None
    workdir = tempfile.mkdtemp(prefix="rnn-grader-probe-", dir=workdir_base(level))
    worker = None
    try:
        plan = Plan(level=level, seccomp=seccomp, processes=16, landlock=fenced)
        if level != "process" and is_root():
            slot = UidSlot.acquire()
            plan = dataclasses.replace(plan, uid=slot.uid, gid=slot.uid)
        if level != "bubblewrap" and sys.platform.startswith("linux"):
            plan = dataclasses.replace(plan, monitor=True)
        path = prepare_workdir(workdir, "probe.py", "import json, decimal\n", plan)
        marker = b"\x00\x1eprobe:" + secrets.token_hex(8).encode() + b"\x1e\x00"
        worker = Worker(workdir, path, marker, 2 * 2**30, 4096, plan=plan)
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
        if worker is not None:
            worker.close()
        if slot is not None:
            slot.release()
        shutil.rmtree(workdir, ignore_errors=True)


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


# --------------------------------------------------------------------------- the worker folder


def workdir_base(level: str) -> str | None:
    """Where to make the worker's folder: the usual temporary folder, unless a worker with
    a slot uid could not reach it (a TMPDIR under /root, say); then /tmp."""
    base = tempfile.gettempdir()
    if level != "unprivileged-user":
        return None
    p = os.path.abspath(base)
    while True:
        try:
            if not os.stat(p).st_mode & stat.S_IXOTH:
                return "/tmp"
        except OSError:
            return "/tmp"
        if p == "/":
            return None
        p = os.path.dirname(p)


def prepare_workdir(workdir: str, filename: str, source: str, plan: Plan,
                    modules: tuple[tuple[str, bytes], ...] = ()) -> str:
    """Write the submission, and the modules handed in with it (relative path, content), into
    ``workdir`` (a fresh mkdtemp folder); return the submission's path.

    unprivileged-user: the folder belongs to the slot uid (0700) and the files are read-only
    for it; other levels: root-owned 0700 (bubblewrap mounts a private tmpfs over it and
    binds only these files into it)."""
    path = os.path.join(workdir, filename)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    with open(fd, "w", encoding="utf-8") as f:
        f.write(source)
    for relative, content in modules:
        target = os.path.join(workdir, *relative.split("/"))
        os.makedirs(os.path.dirname(target), mode=0o755, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        with open(fd, "wb") as f:
            f.write(content)
    if plan.level == "unprivileged-user" and plan.uid is not None:
        os.chown(workdir, plan.uid, plan.gid)
        os.chmod(workdir, 0o700)
    return path


# --------------------------------------------------------------------------- bubblewrap


def _runtime_paths() -> tuple[list[str], list[str]]:
    """(folders, files) the worker needs to read: the interpreter's prefixes, numpy's
    site-packages, the venv's pyvenv.cfg; found from this (the parent's) interpreter, never
    hard-coded."""
    import numpy

    found = [sys.base_prefix, sys.base_exec_prefix, sys.prefix, sys.exec_prefix,
             os.path.dirname(os.path.dirname(os.path.abspath(numpy.__file__))),
             os.path.dirname(os.path.abspath(sys.executable))]
    folders: list[str] = []
    for p in found:
        for q in (os.path.abspath(p), os.path.realpath(p)):
            if os.path.isdir(q) and q not in folders:
                folders.append(q)
    files = [f for f in (os.path.join(sys.prefix, "pyvenv.cfg"),) if os.path.isfile(f)]
    return folders, files


def hidden_paths() -> list[str]:
    """What the worker must not see even when it lies inside a folder it needs (a project
    under /usr/src with the system Python, a grader pip-installed next to numpy): the grader
    package, the project around it (unless that is just site-packages), and the reference
    solution named by RNN_GRADER_SOLUTIONS (grader/reference.py's variable)."""
    folders, _ = _runtime_paths()
    paths = [str(GRADER_PACKAGE)]
    if str(PROJECT_ROOT) not in folders:
        paths.append(str(PROJECT_ROOT))
    solutions = os.environ.get("RNN_GRADER_SOLUTIONS", "").strip()
    if solutions:
        paths.append(os.path.abspath(solutions))
    return [p for p in paths if os.path.exists(p)]


def _within(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


# --------------------------------------------------------------------------- Landlock


def _package_paths(preload: tuple[str, ...] = PRELOADED_PACKAGES) -> list[str]:
    """The folders of the packages the worker preloads, with the shared libraries their wheels
    ship beside them (``numpy.libs``), found from this (the parent's) interpreter. A single-file
    module (``typing_extensions.py``) is granted alone: its folder is a whole site-packages."""
    paths = []
    for name in dict.fromkeys((*PRELOADED_PACKAGES, *preload)):
        module = importlib.import_module(name)
        if not hasattr(module, "__path__"):
            paths.append(os.path.abspath(module.__file__))
            continue
        folder = os.path.dirname(os.path.abspath(module.__file__))
        paths.append(folder)
        paths += glob.glob(os.path.join(glob.escape(os.path.dirname(folder)), name + "*.libs"))
    return paths


def _python_paths() -> list[str]:
    """The standard library (with its compiled modules), the interpreter, a shared libpython
    and the venv's pyvenv.cfg: what a Python started by the worker needs besides /usr."""
    paths = [os.path.dirname(os.__file__), sysconfig.get_config_var("DESTSHARED") or "",
             sys.executable, os.path.join(sys.prefix, "pyvenv.cfg")]
    if sysconfig.get_config_var("Py_ENABLE_SHARED"):
        paths.append(os.path.join(sysconfig.get_config_var("LIBDIR") or "",
                                  sysconfig.get_config_var("LDLIBRARY") or ""))
    return paths


def _site_folders() -> list[str]:
    """Every site-packages folder this interpreter knows: never granted whole, since anything
    may be installed there (the grader itself, in a non-editable install)."""
    import site

    stdlib = os.path.dirname(os.__file__)
    found = [os.path.join(stdlib, "site-packages"), os.path.join(stdlib, "dist-packages"),
             sysconfig.get_path("purelib"), sysconfig.get_path("platlib")]
    try:
        found += site.getsitepackages() + [site.getusersitepackages()]
    except AttributeError:  # an old virtualenv's site module
        pass
    return found


def _real(paths) -> list[str]:
    out = []
    for p in paths:
        if p and os.path.exists(p):
            real = os.path.realpath(p)
            if real not in out:
                out.append(real)
    return out


@functools.lru_cache(maxsize=64)  # the same few roots and hidden paths for every worker start
def _carve(path: str, hidden: tuple[str, ...]) -> list[tuple[str, str]]:
    """Rules granting ``path`` for reading except the hidden paths inside it: a folder on the
    way to one may be listed (names only), everything beside the way is granted whole. A rule
    holds what its path resolves to, so an entry that is a symbolic link is judged by its
    target (and one pointing out of ``path`` is granted only if nothing hidden lies below)."""
    if not any(_within(h, path) for h in hidden):
        return [(path, "read")]
    if path in hidden:
        return []
    rules = [(path, "listing")]
    try:
        names = sorted(os.listdir(path))
    except OSError:
        return rules
    for name in names:
        entry = os.path.realpath(os.path.join(path, name))
        if any(_within(entry, h) for h in hidden):
            continue
        if _within(entry, path) and entry != path:
            rules += _carve(entry, hidden)
        elif not any(_within(h, entry) for h in hidden):
            rules.append((entry, "read"))
    return rules


def landlock_rules(workdir: str, runtime: Runtime = DEFAULT_RUNTIME) -> list[tuple[str, str]]:
    """(path, kind) rules of the worker's Landlock ruleset; kinds are landlock.KINDS.

    Read: the system folders, the Python runtime and the preloaded packages (never a whole
    site-packages, the project or the grader: those hold the reference and hidden checks),
    with hidden paths carved out of any granted folder that holds them (a project under
    /usr/src, a grader installed next to the runtime). Devices: /dev/null and the random
    sources. Write: the worker's own folder, nothing else (not even /tmp)."""
    hidden = _real(hidden_paths() + _site_folders() + list(runtime.hidden))
    system = _real(d for d in SYSTEM_DIRS if os.path.isdir(d))
    reads = _real(system + _python_paths() + list(READABLE_FILES))
    rules = [rule for root in _minimal(reads) for rule in _carve(root, tuple(hidden))]
    rules += [(p, "read") for p in _real(_package_paths(runtime.preload)) + list(READABLE_KERNEL_INFO)]
    rules += [(d, "device") for d in DEVICES]
    rules.append((os.path.realpath(workdir), "write"))
    return rules


def _minimal(paths: list[str]) -> list[str]:
    out: list[str] = []
    for p in sorted(set(paths), key=len):
        if not any(_within(p, q) for q in out):
            out.append(p)
    return out


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
            cover, writable = max((m for m in self._mounts if _within(folder, m[0])),
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
    folders, files = _runtime_paths()
    roots = _minimal(system + folders)
    for root in sorted(roots, key=lambda p: (p.count("/"), p)):
        m.ro(root)
    for f in SYSTEM_FILES:
        if os.path.exists(f) and not any(_within(f, r) for r in roots):
            m.ro(f)
    # Covers over hidden paths, and the runtime brought back where it lies below one; in
    # depth order, so a hidden path below a brought-back folder is covered again.
    hides = [h for h in hidden_paths() + list((plan.runtime or DEFAULT_RUNTIME).hidden)
             if any(_within(h, r) for r in roots)  # else it is simply not mounted
             and h not in folders + files]  # never cover the runtime itself
    ops = [(h, 0) for h in hides]
    ops += [(p, 1) for p in set(folders + files)
            if any(_within(p, h) and p != h for h in hides if os.path.isdir(h))]
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


# --------------------------------------------------------------------------- processes


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


def _pids() -> list[int]:
    try:
        return [int(n) for n in os.listdir("/proc") if n.isdigit()]
    except OSError:
        return []


def _signal(pid: int, sig: int, check) -> bool:
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


def _dead(state: str) -> bool:
    return state in ("Z", "X", "x")


def processes_of(uid: int) -> list[tuple[int, str]]:
    """(pid, state) of every process whose real uid is ``uid``."""
    out = []
    for pid in _pids():
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
            for pid in _pids():
                st = _status(pid)
                if st is not None and not _dead(st[0]):
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


def _nproc_headroom(limit: int) -> int:
    """RLIMIT_NPROC for a worker that keeps our uid: counts every task of that uid, so
    allow ``limit`` more than there are now."""
    uid = os.getuid()
    count = 0
    for pid in _pids():
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


# --------------------------------------------------------------------------- uid slots


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
            live = [pid for pid, state in procs if not _dead(state)]
            if not live:
                break
            for pid in live:
                _signal(pid, signal.SIGKILL, lambda st: st[1] == uid)
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
