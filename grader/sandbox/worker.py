"""Sandbox worker: imports one untrusted submission and answers calls from the grader.

A standalone script, started by grader/sandbox/process.py as

    python -I -B worker.py <absolute path of the submission> <output marker, hex> [<config json>]

with fd 0 = request pipe, fd 1 = response pipe, fd 2 = output pipe (drained by the parent).
It imports only the standard library, numpy, and wire.py and landlock.py from its own folder.

Before the submission is imported, the trusted set-up (``_setup``) applies what the config
asks for: drop to an unprivileged uid/gid, no-new-privileges plus a seccomp filter (no sockets,
no io_uring, no new namespaces), (below the bubblewrap level) a subreaper "monitor" parent
that kills every leftover process when the worker ends or the grader dies, and last a
Landlock ruleset (the parent's list of paths to read and write). A step that was asked for and
fails ends the worker (exit status EXIT_SETUP) before any submission code runs.

Everything here runs next to student code and is therefore untrusted by the parent: the
parent validates every frame, enforces every deadline, and kills the whole process group.
This file only does its best to keep ordinary failures (exceptions, prints, odd return
values) from turning into fatal ones.
"""

import os
import sys


def _setup_fds():
    """Move the protocol pipes to private fds; then stdin <- /dev/null, stdout -> output pipe."""
    proto_in = os.dup(0)  # os.dup: not inheritable by programs the submission starts
    proto_out = os.dup(1)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.dup2(2, 1)  # stdout and stderr share the one output pipe (order is kept)
    return proto_in, proto_out


PROTO_IN, PROTO_OUT = _setup_fds()

import copy  # noqa: E402
import importlib  # noqa: E402
import importlib.machinery  # noqa: E402
import importlib.util  # noqa: E402
import types  # noqa: E402
import resource  # noqa: E402
import signal  # noqa: E402

signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # RLIMIT_FSIZE: EFBIG instead of death
try:
    sys.stdout.reconfigure(line_buffering=True)
except Exception:  # noqa: BLE001
    pass

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, _HERE)
try:
    import numpy as np  # noqa: E402,F401  (imported before the submission, as the grader does)
    import landlock  # noqa: E402
    import wire  # noqa: E402
finally:
    if sys.path and sys.path[0] == _HERE:
        del sys.path[0]
for _ours in ("wire", "landlock"):  # the submission must not find (and patch) them by name
    sys.modules.pop(_ours, None)

EXIT_PROTOCOL, EXIT_SETUP = wire.EXIT_PROTOCOL, wire.EXIT_SETUP  # defined with the wire format: the parent reads them
GRADER_PACKAGE = os.path.basename(os.path.dirname(_HERE))  # "grader"


class _HideGrader:
    """Meta-path finder refusing the grader's own package (it holds reference code).

    Defence in depth only: code in this process can undo it; what keeps the files unreadable
    is the mount namespace (bubblewrap) or the Landlock fence."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        if name == GRADER_PACKAGE or name.startswith(GRADER_PACKAGE + "."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


def _hide_grader() -> None:
    sys.meta_path[:] = [f for f in sys.meta_path
                        if not str(getattr(f, "__module__", "")).startswith("__editable__")]
    sys.path[:] = [p for p in sys.path if "__editable__" not in str(p)]
    sys.meta_path.insert(0, _HideGrader)
    for name in list(sys.modules):
        if name == GRADER_PACKAGE or name.startswith(GRADER_PACKAGE + "."):
            del sys.modules[name]


# --------------------------------------------------------------------------- trusted set-up


class SetupError(Exception):
    pass


def _libc():
    import ctypes

    return ctypes, ctypes.CDLL(None, use_errno=True)


def _searchable(path, uid, gid):
    """Whether ``uid``/``gid`` (no supplementary groups) can reach ``path``."""
    import stat

    p = os.path.abspath(path)
    while True:
        try:
            st = os.stat(p)
        except OSError:
            return False
        if st.st_uid == uid:
            bit = stat.S_IXUSR
        elif st.st_gid == gid:
            bit = stat.S_IXGRP
        else:
            bit = stat.S_IXOTH
        if not st.st_mode & bit:
            return False
        if p == "/":
            return True
        p = os.path.dirname(p)


def _reroute_import_paths(uid, gid):
    """Import folders the new uid could not reach (e.g. a Python under /root, mode 0700)
    are opened now and used through /proc/self/fd/N: what lies below stays readable, nothing
    beside it becomes so."""
    rerouted = {}
    for entry in sys.path:
        if entry and os.path.isdir(entry) and not _searchable(entry, uid, gid):
            fd = os.open(entry, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
            rerouted[entry] = f"/proc/self/fd/{fd}"
    if not rerouted:
        return

    def new(p):
        for old, rep in rerouted.items():
            if p == old or p.startswith(old + "/"):
                return rep + p[len(old):]
        return p

    sys.path[:] = [new(p) if isinstance(p, str) else p for p in sys.path]
    for module in list(sys.modules.values()):
        path = getattr(module, "__path__", None)
        if isinstance(path, list):
            path[:] = [new(p) if isinstance(p, str) else p for p in path]
    for old in rerouted:  # only their finders: the others keep the listings made before the fence
        sys.path_importer_cache.pop(old, None)


def _drop_privileges(uid, gid):
    _reroute_import_paths(uid, gid)
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    if os.getresuid() != (uid, uid, uid) or os.getresgid() != (gid, gid, gid) or os.getgroups():
        raise SetupError("the uid/gid did not change")
    with open("/proc/self/status") as f:
        caps = {k: v.strip() for k, v in (line.split(":", 1) for line in f if ":" in line)}
    if any(int(caps.get(k, "0"), 16) for k in ("CapPrm", "CapEff", "CapAmb")):
        raise SetupError("capabilities survived the uid change")


# seccomp: x86-64 only (the parent asks for it only there). Returns an errno for: sockets
# (EACCES); io_uring, new namespaces, other processes' memory and fds, and calls only an
# administrator needs (EPERM); clone3 (ENOSYS: glibc falls back to clone, whose flags can be
# checked); and every syscall of another ABI (x32, i386).
_AUDIT_ARCH_X86_64 = 0xC000003E
_X32_BIT = 0x40000000
_NR_SOCKET = 41
_NR_CLONE = 56
_NR_CLONE3 = 435
_NR_SECCOMP = 317
_NR_DENIED = (  # EPERM
    272, 308,  # unshare, setns
    425, 426, 427,  # io_uring_setup / enter / register
    101, 310, 311, 312, 438,  # ptrace, process_vm_readv / writev, kcmp, pidfd_getfd
    321, 298, 323,  # bpf, perf_event_open, userfaultfd
    248, 249, 250,  # add_key, request_key, keyctl
    165, 166, 155, 161,  # mount, umount2, pivot_root, chroot
    303, 304, 300,  # name_to_handle_at, open_by_handle_at, fanotify_init
    167, 169, 246, 175, 313,  # swapon, reboot, kexec_load, init_module, finit_module
)
_CLONE_NEW = 0x7E020000  # CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET


def _seccomp_program():
    import errno
    import struct

    LD, JEQ, JGE, JSET, RET = 0x20, 0x15, 0x35, 0x45, 0x06
    ALLOW, ERRNO = 0x7FFF0000, 0x00050000
    code = []  # (op, jt label or 0, jf label or 0, k)

    def emit(op, k, jt=0, jf=0):
        code.append([op, jt, jf, k])

    emit(LD, 4)  # arch
    emit(JEQ, _AUDIT_ARCH_X86_64, 0, "enosys")
    emit(LD, 0)  # syscall number
    emit(JGE, _X32_BIT, "enosys", 0)
    emit(JEQ, _NR_SOCKET, "eacces", 0)
    for nr in _NR_DENIED:
        emit(JEQ, nr, "eperm", 0)
    emit(JEQ, _NR_CLONE3, "enosys", 0)
    emit(JEQ, _NR_CLONE, 0, "allow")
    emit(LD, 16)  # clone flags (low 32 bits of args[0])
    emit(JSET, _CLONE_NEW, "eperm", "allow")
    labels = {}
    for name, k in (("allow", ALLOW), ("eacces", ERRNO | errno.EACCES),
                    ("eperm", ERRNO | errno.EPERM), ("enosys", ERRNO | errno.ENOSYS)):
        labels[name] = len(code)
        emit(RET, k)
    out = b""
    for i, (op, jt, jf, k) in enumerate(code):
        jt = labels[jt] - i - 1 if isinstance(jt, str) else jt
        jf = labels[jf] - i - 1 if isinstance(jf, str) else jf
        out += struct.pack("=HBBI", op, jt, jf, k)
    return out, len(code)


def _no_new_privs(libc, ctypes):
    if libc.prctl(38, ctypes.c_ulong(1), ctypes.c_ulong(0), ctypes.c_ulong(0),
                  ctypes.c_ulong(0)) != 0:  # PR_SET_NO_NEW_PRIVS
        raise SetupError(f"no_new_privs: errno {ctypes.get_errno()}")


def _install_seccomp(libc, ctypes):
    program, n = _seccomp_program()
    buf = ctypes.create_string_buffer(program, len(program))

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    prog = SockFprog(n, ctypes.addressof(buf))
    # seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog): every thread
    if libc.syscall(ctypes.c_long(_NR_SECCOMP), ctypes.c_ulong(1), ctypes.c_ulong(1),
                    ctypes.byref(prog)) != 0:
        raise SetupError(f"seccomp: errno {ctypes.get_errno()}")


def _descendants(root):
    children = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] not in (b"Z", b"X"):  # fields: state, ppid, ...
            children.setdefault(int(fields[1]), []).append(int(name))
    out, todo = set(), list(children.get(root, ()))
    while todo:
        p = todo.pop()
        if p not in out and p != root:
            out.add(p)
            todo.extend(children.get(p, ()))
    return sorted(out)


class _ParentGone(Exception):
    pass


def _kill_leftovers(own_uid):
    """Kill every process below the monitor (and, for a slot uid, every process of that uid:
    ``kill(-1)`` reaches exactly those), reaping them as they die."""
    import signal
    import time

    end = time.monotonic() + 10
    while time.monotonic() < end:
        if own_uid:
            try:
                os.kill(-1, signal.SIGKILL)  # every process of this uid but the monitor
            except OSError:
                pass
        rest = _descendants(os.getpid())
        for p in rest:
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass
        try:  # reap whatever has died (orphans come to the monitor: it is a subreaper)
            while os.waitpid(-1, os.WNOHANG)[0]:
                pass
        except ChildProcessError:
            if not rest:
                return
        if not rest:
            return
        time.sleep(0.002)


def _monitor(child, parent, own_uid, libc, ctypes):
    """The worker's parent process below the unprivileged-user and process levels: a
    subreaper, so every descendant the submission starts stays below it. When the worker
    ends, all leftovers are killed and reaped and the monitor ends the way the worker did;
    when the grader dies (PR_SET_PDEATHSIG), it kills them all and leaves."""
    import signal

    for fd in (0, 1, 2, PROTO_IN, PROTO_OUT):
        try:
            os.close(fd)
        except OSError:
            pass

    def parent_gone(signum, frame):
        raise _ParentGone

    status = None
    try:
        signal.signal(signal.SIGTERM, parent_gone)
        libc.prctl(1, ctypes.c_ulong(signal.SIGTERM), ctypes.c_ulong(0), ctypes.c_ulong(0),
                   ctypes.c_ulong(0))  # PR_SET_PDEATHSIG
        if parent is not None and os.getppid() != parent:
            raise _ParentGone
        while status is None:
            try:
                pid, st = os.waitpid(-1, 0)
            except ChildProcessError:
                os._exit(EXIT_SETUP)
            if pid == child:
                status = st
    except _ParentGone:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        try:
            os.kill(child, signal.SIGKILL)
        except OSError:
            pass
        _kill_leftovers(own_uid)
        os._exit(0)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _kill_leftovers(own_uid)
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        try:
            signal.signal(sig, signal.SIG_DFL)
            os.kill(os.getpid(), sig)
        except (OSError, ValueError):
            pass
        os._exit(128 + sig)
    os._exit(os.waitstatus_to_exitcode(status) & 0xFF)


# /proc/self names the process that opens it: granted in the worker proper, after the fork
_OWN_PROC = "/proc/self"


def _landlock_ruleset(rules):
    """The Landlock ruleset of the parent's (path, kind) rules, every path opened now, while
    the worker may still reach them all (before the uid drop); /proc/self is left for later."""
    ruleset = landlock.Ruleset()
    for path, kind in rules:
        if path != _OWN_PROC:
            ruleset.allow(path, landlock.KINDS[kind])
    return ruleset


def _fence(ruleset, rules):
    """Add the rule for /proc/self (now the worker proper's), then restrict for good."""
    for path, kind in rules:
        if path == _OWN_PROC:
            ruleset.allow(path, landlock.KINDS[kind])
    ruleset.restrict()


def _setup(config):
    """Apply the parent's protections, in this order, before any submission code runs."""
    uid, gid = config.get("uid"), config.get("gid")
    rules = config.get("landlock")
    try:
        for which, value in config.get("rlimits") or ():  # first: the monitor inherits them too
            resource.setrlimit(which, (value, value))
        ruleset = _landlock_ruleset(rules) if rules is not None else None
        if uid is not None:
            _drop_privileges(uid, gid)
        if config.get("seccomp") or uid is not None or config.get("monitor") or ruleset:
            ctypes, libc = _libc()
            _no_new_privs(libc, ctypes)
            if config.get("seccomp"):
                _install_seccomp(libc, ctypes)
            if config.get("monitor"):
                if libc.prctl(36, ctypes.c_ulong(1), ctypes.c_ulong(0), ctypes.c_ulong(0),
                              ctypes.c_ulong(0)) != 0:  # PR_SET_CHILD_SUBREAPER
                    raise SetupError(f"subreaper: errno {ctypes.get_errno()}")
                monitor = os.getpid()
                child = os.fork()
                if child:
                    if ruleset:
                        ruleset.close()
                    _monitor(child, config.get("parent"), uid is not None, libc, ctypes)
                # the worker proper dies with its monitor
                libc.prctl(1, ctypes.c_ulong(9), ctypes.c_ulong(0), ctypes.c_ulong(0),
                           ctypes.c_ulong(0))  # PR_SET_PDEATHSIG, SIGKILL
                if os.getppid() != monitor:
                    os._exit(EXIT_SETUP)
        if ruleset:
            _fence(ruleset, rules)
    except (SetupError, OSError, ValueError, TypeError, KeyError) as e:
        os.write(2, f"sandbox set-up failed: {type(e).__name__}: {e}\n".encode())
        os._exit(EXIT_SETUP)


def _send(data: bytes) -> None:
    try:
        wire.write_all(PROTO_OUT, data)
    except OSError:
        os._exit(EXIT_PROTOCOL)


def _send_head(head) -> None:
    _send(wire.Encoder(lenient=True, max_str=wire.MAX_STR).frame(head))


def _flush_and_mark(marker: bytes) -> None:
    """Flush Python-level buffers, then write the end-of-segment marker to the output pipe."""
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            stream.flush()
        except BaseException:  # noqa: BLE001 - a replaced or closed stream
            pass
    try:
        os.write(1, marker)
    except OSError:
        pass


def _text(x, limit: int = wire.MAX_STR) -> str:
    try:
        s = str(x)
    except BaseException:  # noqa: BLE001 - a hostile __str__
        s = "<unprintable>"
    if not isinstance(s, str):
        s = "<unprintable>"
    return str.__str__(s)[:limit]


def _submission_line(tb, path: str):
    """Innermost line of the traceback that lies in the submission file."""
    line = None
    try:
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == path:
                line = tb.tb_lineno
            tb = tb.tb_next
    except BaseException:  # noqa: BLE001
        pass
    return line if isinstance(line, int) else None


def _describe(e, path: str) -> dict:
    info = {
        "type": wire.type_name(e),
        "message": _text(e),
        "line": _submission_line(e.__traceback__, path),
    }
    if isinstance(e, DisallowedImport):  # the module as a field of its own: the parent words the rule
        info["disallowed"] = _text(e, wire.MAX_TYPE_NAME)
    return info


def _submission_frames(tb, path: str) -> list:
    """The traceback's frames in files of the submission's folder, outermost first, as
    [file relative to that folder, line, function]: never a path of the grader or the runtime."""
    folder = os.path.join(os.path.dirname(path), "")
    frames = []
    try:
        while tb is not None:
            filename = tb.tb_frame.f_code.co_filename
            if isinstance(filename, str) and filename.startswith(folder) and isinstance(tb.tb_lineno, int):
                frames.append([filename[len(folder):], tb.tb_lineno, _text(tb.tb_frame.f_code.co_name, 200)])
            tb = tb.tb_next
    except BaseException:  # noqa: BLE001
        pass
    return frames


def _call_failure(e, path: str) -> dict:
    """A call's exception, with the submission's frames it went through (the student's call chain)."""
    return {**_describe(e, path), "frames": _submission_frames(e.__traceback__, path)[-wire.MAX_FRAMES:]}


def _run_sections(module, path: str, sections) -> list:
    """Run the submission's sections (a notebook's cells: first and last line) one by one in the
    module's namespace, as Jupyter runs cells: one that raises is recorded and the next one runs.
    Line numbers stay those of the file (each section is compiled at its own place)."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    failed = []
    for index, (first, last) in enumerate(sections):
        code = "\n" * (first - 1) + "\n".join(lines[first - 1:last]) + "\n"
        try:
            exec(compile(code, path, "exec", dont_inherit=True), module.__dict__)
        except SyntaxError as e:
            line = e.lineno if getattr(e, "filename", None) == path and isinstance(e.lineno, int) else None
            failed.append({"section": index, "type": wire.type_name(e), "message": _text(e.msg), "line": line})
        except BaseException as e:  # noqa: BLE001 - SystemExit, KeyboardInterrupt, ...: the cell failed
            failed.append({"section": index, **_describe(e, path)})
    return failed


def _import(path: str, sections=()):
    """Import the submission as module "submission", its folder (the worker's own, holding the
    modules handed in with it) first on sys.path. With ``sections``, they run one by one and those
    that raised are listed in the envelope ("failed"). Returns (module or None, envelope)."""
    sys.path.insert(0, os.path.dirname(path))
    failed = []
    try:
        spec = importlib.util.spec_from_file_location("submission", path)
        module = importlib.util.module_from_spec(spec)
        sys.modules["submission"] = module
        if sections:
            failed = _run_sections(module, path, sections)
        else:
            spec.loader.exec_module(module)
    except SyntaxError as e:
        info = _describe(e, path)
        if getattr(e, "filename", None) == path:
            lineno = e.lineno if isinstance(e.lineno, int) else None
            return None, {"op": "loaded", "ok": False, "kind": "syntax", "type": info["type"],
                          "message": _text(e.msg), "line": lineno}
        return None, {"op": "loaded", "ok": False, "kind": "import", **info}
    except SystemExit as e:
        try:
            code_text = "" if e.code is None else _text(repr(e.code), 200)
        except BaseException:  # noqa: BLE001 - a hostile __repr__
            code_text = "?"
        return None, {"op": "loaded", "ok": False, "kind": "exit", "type": "SystemExit",
                      "message": code_text, "line": _submission_line(e.__traceback__, path)}
    except MemoryError as e:
        return None, {"op": "loaded", "ok": False, "kind": "memory", **_describe(e, path)}
    except BaseException as e:  # noqa: BLE001 - KeyboardInterrupt, GeneratorExit, ...
        return None, {"op": "loaded", "ok": False, "kind": "import", **_describe(e, path)}
    return module, {"op": "loaded", "ok": True, "failed": failed}


class DisallowedImport(ImportError):
    """A module the assignment does not allow; its message is the module's name (the parent words it)."""


class _NotAllowed(types.ModuleType):
    """What importing a module the assignment does not allow gives: a module that fails as soon
    as it is used, so only the functions that use it fail (the rest of the submission is graded)."""

    def __getattr__(self, attr):
        if attr.startswith("__") and attr.endswith("__"):
            raise AttributeError(attr)
        raise DisallowedImport(self.__name__.partition(".")[0])


class _ImportRule:
    """Meta-path finder for imports the submission itself makes (a statement in a file of its own
    folder): the standard library, the allowed top-level modules, the submission's own modules and
    whatever is already loaded import as usual; anything else becomes a _NotAllowed module.
    Imports made by libraries (numpy probing an optional package) are left alone, and the
    Landlock fence keeps other packages' files unreadable anyway; this gives the student a clear
    verdict."""

    def __init__(self, allowed, folder):
        self.folder = os.path.join(folder, "")
        own = {name[:-3] if name.endswith(".py") else name for name in os.listdir(folder)}
        self.allowed = frozenset(allowed) | frozenset(sys.stdlib_module_names) | frozenset(own) | \
            frozenset(name.partition(".")[0] for name in sys.modules)

    def _by_submission(self):
        frame = sys._getframe(2)
        while frame is not None and (frame.f_code.co_filename.startswith("<frozen importlib")
                                     or frame.f_code.co_filename == importlib.__file__):
            frame = frame.f_back
        return frame is not None and frame.f_code.co_filename.startswith(self.folder)

    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in self.allowed or not self._by_submission():
            return None
        return importlib.machinery.ModuleSpec(name, self)

    @staticmethod
    def create_module(spec):
        return _NotAllowed(spec.name)

    @staticmethod
    def exec_module(module):
        return None


def _prepare_runtime(config, folder):
    """Import the assignment's packages once (before the submission, after the fence: their files
    are readable), load its adapter, and install its import rule for the submission in `folder`.
    Returns the adapter or None."""
    for name in config.get("preload") or ():
        importlib.import_module(name)
    adapter = None
    source = config.get("adapter")
    if source:
        adapter = types.ModuleType("rnn_grader_adapter")
        exec(compile(source, "<adapter>", "exec"), adapter.__dict__)  # trusted: from the assignment folder
    allowed = config.get("allowed")
    if allowed is not None:
        sys.meta_path.insert(0, _ImportRule(allowed, folder))
    return adapter


def _snapshot(args):
    """What `_unchanged` compares the arguments with after the call: a copy of each that a call cannot
    reach (None for an argument it would not be able to tell; that one always travels back)."""
    try:
        return tuple(copy.deepcopy(a) for a in args)
    except BaseException:  # noqa: BLE001 - nothing the parent sent fails to copy; be safe anyway
        return None


def _same(before, after) -> bool:
    """`after` is exactly `before`: same types, shapes, dtypes and bytes, all the way down."""
    if type(before) is not type(after):
        return False
    if type(before) is np.ndarray:
        return before.dtype == after.dtype and before.shape == after.shape and before.tobytes() == after.tobytes()
    if type(before) in (tuple, list):
        return len(before) == len(after) and all(_same(b, a) for b, a in zip(before, after))
    if type(before) is dict:
        return list(before) == list(after) and all(_same(before[k], after[k]) for k in before)
    if type(before) is float:
        return before == after or (before != before and after != after)
    return before == after


def _unchanged(before, args) -> list:
    """Positions of the arguments the call left exactly as they came (none when not known)."""
    if before is None or len(before) != len(args):
        return []
    try:
        return [i for i, (b, a) in enumerate(zip(before, args)) if _same(b, a)]
    except BaseException:  # noqa: BLE001 - e.g. a student's ndarray subclass put in a list argument
        return []


def _result_frame(batch, index: int, outcome: dict, value_set: bool, value, args, before=None) -> bytes:
    """Encode one result. Values that cannot be encoded become Unsupported, never a crash. The
    arguments that are as `before` (the snapshot taken before the call) go back as null, listed in
    "unchanged"."""
    enc = wire.Encoder(lenient=True, max_str=wire.MAX_STR)
    head = {"op": "result", "batch": batch, "index": index, **outcome}
    unchanged = _unchanged(before, args)
    if unchanged:
        head["unchanged"] = unchanged
        args = tuple(None if i in unchanged else a for i, a in enumerate(args))
    if value_set:
        try:
            head["value"] = enc.value(value)
        except MemoryError:
            raise
        except BaseException:  # noqa: BLE001 - e.g. a dict subclass whose items() raises
            enc = wire.Encoder(lenient=True, max_str=wire.MAX_STR)
            head["value"] = ["u", wire.type_name(value)]
    try:
        tree = enc.try_value(args)
    except MemoryError:
        raise
    except BaseException:  # noqa: BLE001
        tree = None
    if tree is None:
        tree = ["t", []]
        head.pop("unchanged", None)
    head["args_after"] = tree
    try:
        return enc.frame(head)
    except ValueError:  # too large after all: send the verdict without the arrays
        enc = wire.Encoder(lenient=True, max_str=wire.MAX_STR)
        if value_set:
            head["value"] = ["u", wire.type_name(value) + " (too large to send)"]
        head["args_after"] = ["t", []]
        head.pop("unchanged", None)
        return enc.frame(head)


def _call(module, path: str, batch, index: int, call, decoder, adapter=None) -> tuple[bytes, bool]:
    """Run one call (through the assignment's adapter when it has one). Returns (response frame,
    whether it was a MemoryError)."""
    args = ()
    before = None
    name = "?"
    try:
        name = call["name"]
        args = decoder.value(call["args"])
        before = _snapshot(args)
        fn = getattr(module, name, None)
        if fn is None or not callable(fn):
            outcome = {"ok": False, "kind": "exception", "type": "AttributeError",
                       "message": f"the submission has no attribute {name!r}",
                       "line": None}
            return _result_frame(batch, index, outcome, False, None, args, before), False
        result = adapter.call(module, name, args) if adapter is not None else fn(*args)
    except MemoryError as e:
        outcome = {"ok": False, "kind": "memory", **_describe(e, path)}
        del e
        return _result_frame(batch, index, outcome, False, None, ()), True
    except BaseException as e:  # noqa: BLE001 - SystemExit, KeyboardInterrupt, GeneratorExit...
        outcome = {"ok": False, "kind": "exception", **_call_failure(e, path)}
        del e
        try:
            return _result_frame(batch, index, outcome, False, None, args, before), False
        except MemoryError:
            return _result_frame(batch, index, outcome, False, None, ()), False
    try:
        return _result_frame(batch, index, {"ok": True}, True, result, args, before), False
    except MemoryError as e:
        outcome = {"ok": False, "kind": "memory", **_describe(e, path)}
        outcome["message"] = "while sending the result: " + outcome["message"]
        return _result_frame(batch, index, outcome, False, None, ()), True


def main(argv) -> None:
    import json

    path, marker = argv[1], bytes.fromhex(argv[2])
    config = json.loads(argv[3]) if len(argv) > 3 else {}
    _setup(config)
    _hide_grader()
    try:
        adapter = _prepare_runtime(config, os.path.dirname(path))
    except BaseException as e:  # noqa: BLE001 - the grader's environment, not the submission
        os.write(2, f"sandbox set-up failed: runtime: {type(e).__name__}: {e}\n".encode())
        os._exit(EXIT_SETUP)
    _send_head({"op": "ready", "pid": os.getpid()})
    module, loaded = _import(path, config.get("sections") or ())
    _flush_and_mark(marker)
    _send_head(loaded)
    if module is None:
        os._exit(0)
    while True:
        try:
            payload = wire.read_frame(PROTO_IN)
        except (OSError, wire.WireError):
            os._exit(EXIT_PROTOCOL)
        if payload is None:  # the parent closed the channel
            os._exit(0)
        try:
            head, decoder = wire.decode_payload(payload, scalars=True)
            calls, batch = head["calls"], head["batch"]
            if not isinstance(calls, list):
                raise TypeError("calls must be a list")
        except Exception:  # noqa: BLE001 - the parent is trusted; this is a bug, not a verdict
            os._exit(EXIT_PROTOCOL)
        del payload
        for index, call in enumerate(calls):
            frame, memory = _call(module, path, batch, index, call, decoder, adapter)
            _flush_and_mark(marker)
            _send(frame)
            del frame
            if memory:  # the parent restarts the worker; run nothing more in this one
                break


if __name__ == "__main__":
    try:
        main(sys.argv)
    except BaseException:  # noqa: BLE001 - report on the output pipe, exit without atexit hooks
        try:
            import traceback

            traceback.print_exc()
            sys.stderr.flush()
        finally:
            os._exit(70)
    os._exit(0)
