"""What of the disk a worker sees: the Python runtime and preloaded packages it needs, the paths it must
never read (the grader, the project, every instructor folder), and the Landlock rules that say so where
the kernel has Landlock (Linux >= 5.13; applied by worker.py through landlock.py). Everything is found
from this (the parent's) interpreter, never hard-coded."""

from __future__ import annotations

import functools
import glob
import importlib
import os
import sys
import sysconfig
from pathlib import Path

from .plan import DEFAULT_RUNTIME, Runtime

__all__ = ["SYSTEM_DIRS", "GRADER_PACKAGE", "PROJECT_ROOT", "runtime_paths", "hidden_paths", "within", "minimal",
           "landlock_rules"]

SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
# Landlock: what the worker may use besides the system folders and the Python runtime
PRELOADED_PACKAGES = ("numpy",)  # third-party packages the worker imports for the submission
READABLE_FILES = ("/etc/ld.so.cache", "/etc/localtime")
READABLE_KERNEL_INFO = ("/proc/self", "/sys/devices/system/cpu", "/proc/cpuinfo")  # numpy/OpenBLAS, torch count cores
DEVICES = ("/dev/null", "/dev/zero", "/dev/random", "/dev/urandom")

GRADER_PACKAGE = Path(__file__).resolve().parents[1]  # hidden: its spec and checks are the hidden tests
PROJECT_ROOT = GRADER_PACKAGE.parent  # hidden too (solutions/, tests/), unless site-packages


def runtime_paths() -> tuple[list[str], list[str]]:
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
    folders, _ = runtime_paths()
    paths = [str(GRADER_PACKAGE)]
    if str(PROJECT_ROOT) not in folders:
        paths.append(str(PROJECT_ROOT))
    solutions = os.environ.get("RNN_GRADER_SOLUTIONS", "").strip()
    if solutions:
        paths.append(os.path.abspath(solutions))
    return [p for p in paths if os.path.exists(p)]


def within(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


def minimal(paths: list[str]) -> list[str]:
    """The paths that lie inside no other of them (granting those grants all)."""
    out: list[str] = []
    for p in sorted(set(paths), key=len):
        if not any(within(p, q) for q in out):
            out.append(p)
    return out


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
    if not any(within(h, path) for h in hidden):
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
        if any(within(entry, h) for h in hidden):
            continue
        if within(entry, path) and entry != path:
            rules += _carve(entry, hidden)
        elif not any(within(h, entry) for h in hidden):
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
    rules = [rule for root in minimal(reads) for rule in _carve(root, tuple(hidden))]
    rules += [(p, "read") for p in _real(_package_paths(runtime.preload)) + list(READABLE_KERNEL_INFO)]
    rules += [(d, "device") for d in DEVICES]
    rules.append((os.path.realpath(workdir), "write"))
    return rules
