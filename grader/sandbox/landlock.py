"""Landlock: a process fences itself off from files, TCP and other processes, unprivileged.

Imports only the standard library: the worker loads this file as a top-level module from its
own folder (before the submission is imported), the parent imports it as
``grader.sandbox.landlock`` to ask which ABI the kernel offers.

Three system calls (the same numbers on every Linux architecture) after
``prctl(PR_SET_NO_NEW_PRIVS)``: a ruleset names what is *handled* (denied unless a rule
grants it), rules grant access beneath a path, and ``restrict`` applies it to the calling
thread and every process it starts, for good. Rights this kernel's ABI does not know are
masked off (best effort): ABI 1 files, 2 moving files between folders, 3 truncating,
4 TCP bind/connect, 5 device ioctls, 6 signals and abstract unix sockets beyond the domain,
7 quiet audit logs. No binding from PyPI is used: the worker must not import third-party
code before the fence is up, and the calls are few.

    ruleset = Ruleset()                    # OSError when Landlock is unavailable
    ruleset.allow("/usr", READ)            # False when the path does not exist
    ruleset.allow(workdir, WRITE)
    ruleset.restrict()                     # single-threaded callers only
"""

from __future__ import annotations

import ctypes
import os
import stat
import struct
import sys

__all__ = ["abi", "Ruleset", "READ", "WRITE", "DEVICE", "KINDS"]

_CREATE_RULESET, _ADD_RULE, _RESTRICT_SELF = 444, 445, 446
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1
_RESTRICT_SELF_LOG_SAME_EXEC_OFF = 1  # ABI 7: a hostile submission must not flood the audit log

# access rights on files and folders (LANDLOCK_ACCESS_FS_*)
EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
REMOVE_DIR, REMOVE_FILE, MAKE_CHAR, MAKE_DIR = 1 << 4, 1 << 5, 1 << 6, 1 << 7
MAKE_REG, MAKE_SOCK, MAKE_FIFO, MAKE_BLOCK, MAKE_SYM = 1 << 8, 1 << 9, 1 << 10, 1 << 11, 1 << 12
REFER, TRUNCATE, IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
_FS_BY_ABI = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 5: (1 << 16) - 1}
_FILE_RIGHTS = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE | IOCTL_DEV  # all a file rule may hold
_NET_TCP = 0b11  # LANDLOCK_ACCESS_NET_BIND_TCP | CONNECT_TCP (ABI 4)
_SCOPES = 0b11  # LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | SIGNAL (ABI 6)

# what a rule grants, by kind
READ = EXECUTE | READ_FILE | READ_DIR
WRITE = (READ_FILE | READ_DIR | WRITE_FILE | REMOVE_DIR | REMOVE_FILE | MAKE_DIR | MAKE_REG
         | MAKE_SOCK | MAKE_FIFO | MAKE_SYM | REFER | TRUNCATE)  # no exec, no device nodes
DEVICE = READ_FILE | WRITE_FILE | TRUNCATE | IOCTL_DEV  # /dev/null and friends
LISTING = READ_DIR  # a folder whose names may be listed, whose files may not be read
KINDS = {"read": READ, "write": WRITE, "device": DEVICE, "listing": LISTING}

_abi: int | None = None


def _syscall():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    return libc.syscall


def _error(what: str) -> OSError:
    err = ctypes.get_errno()
    return OSError(err, f"landlock {what}: {os.strerror(err)}")


def abi() -> int:
    """The Landlock ABI version this kernel offers; 0 when there is none (not Linux, a kernel
    before 5.13, Landlock not enabled at boot, or the call blocked, as a container may do)."""
    global _abi
    if _abi is None:
        version = 0
        if sys.platform.startswith("linux"):
            try:
                version = max(0, _syscall()(ctypes.c_long(_CREATE_RULESET), None, ctypes.c_size_t(0),
                                             ctypes.c_uint32(_CREATE_RULESET_VERSION)))
            except (OSError, AttributeError):
                version = 0
        _abi = version
    return _abi


def _fs_rights(version: int) -> int:
    return _FS_BY_ABI[max(v for v in _FS_BY_ABI if v <= version)]


class Ruleset:
    """One ruleset: every file access the running ABI knows is handled; TCP too from ABI 4;
    signals and abstract unix sockets are scoped to the domain from ABI 6."""

    def __init__(self) -> None:
        self.abi = abi()
        if self.abi < 1:
            raise OSError("Landlock is not available on this kernel")
        self._syscall = _syscall()
        self.handled = _fs_rights(self.abi)
        net = _NET_TCP if self.abi >= 4 else 0
        scoped = _SCOPES if self.abi >= 6 else 0
        size = 24 if self.abi >= 6 else 16 if self.abi >= 4 else 8  # the struct as this ABI knows it
        attr = ctypes.create_string_buffer(struct.pack("=QQQ", self.handled, net, scoped)[:size], size)
        fd = self._syscall(ctypes.c_long(_CREATE_RULESET), attr, ctypes.c_size_t(size), ctypes.c_uint32(0))
        if fd < 0:
            raise _error("create_ruleset")
        self.fd: int | None = fd

    def allow(self, path: str, rights: int) -> bool:
        """Grant ``rights`` (masked to what this ABI handles, and to file rights for a file)
        beneath ``path``. False, and nothing granted, when the path does not exist."""
        try:
            target = os.open(path, os.O_PATH | os.O_CLOEXEC)
        except FileNotFoundError:
            return False
        try:
            rights &= self.handled
            if not stat.S_ISDIR(os.fstat(target).st_mode):
                rights &= _FILE_RIGHTS
            if not rights:
                return False
            rule = ctypes.create_string_buffer(struct.pack("=Qi", rights, target), 12)  # packed
            if self._syscall(ctypes.c_long(_ADD_RULE), ctypes.c_int(self.fd), ctypes.c_int(_RULE_PATH_BENEATH),
                             rule, ctypes.c_uint32(0)) != 0:
                raise _error(f"add_rule {path}")
            return True
        finally:
            os.close(target)

    def restrict(self) -> None:
        """Apply the ruleset to the calling thread and all it starts (no_new_privs must be set).
        Refuses when the process has other threads: they would stay unrestricted."""
        threads = os.listdir("/proc/self/task") if os.path.isdir("/proc/self/task") else ["?"]
        if len(threads) != 1:
            raise OSError(f"landlock needs a single-threaded process, found {len(threads)} threads")
        flags = _RESTRICT_SELF_LOG_SAME_EXEC_OFF if self.abi >= 7 else 0
        if self._syscall(ctypes.c_long(_RESTRICT_SELF), ctypes.c_int(self.fd), ctypes.c_uint32(flags)) != 0:
            raise _error("restrict_self")
        self.close()

    def close(self) -> None:
        fd, self.fd = self.fd, None
        if fd is not None:
            os.close(fd)
