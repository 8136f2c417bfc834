"""Starting, watching and killing one worker process. The only place processes are started.

``launch`` is the single spawn point: the isolation level (bubblewrap.py, a per-slot uid, seccomp,
Landlock, rlimits.py) is applied there, without touching the protocol code.

``Worker`` is the parent's view of one running worker: three non-blocking pipes (requests out,
responses in, captured stdout+stderr in), a pidfd (or a polling fallback) to notice death, and
a poll loop with a wall-clock deadline. It never blocks without a deadline and never holds more
than ``output_bytes`` of the child's output per segment.
"""

from __future__ import annotations

import collections
import concurrent.futures
import errno
import fcntl
import json
import math
import os
import select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from .bubblewrap import bwrap_argv
from .plan import DEFAULT_RUNTIME, Plan
from .rlimits import nproc_limit, worker_limits
from .sweeps import kill_tree
from .visibility import landlock_rules
from .wire import FrameReader, reply_limit

__all__ = ["WORKER_SCRIPT", "launch", "scrubbed_env", "Worker", "OutputCapture",
           "signal_name"]

WORKER_SCRIPT = Path(__file__).resolve().with_name("worker.py")

READ_CHUNK = 1 << 20
DRAIN_BUDGET = 16 << 20  # bytes of output read per wake-up before the deadline is re-checked
OUTPUT_PIPE_SIZE = 1 << 20
REAP_SECONDS = 10.0
MONITOR_SECONDS = 1.0  # for the monitor to clean up after itself before it is killed


def scrubbed_env(home: str) -> dict[str, str]:
    """The complete environment of a worker."""
    return {
        "PATH": "/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "HOME": home,
        "TMPDIR": home,
        "PYTHONHASHSEED": "0",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def _set_nonblocking(fd: int) -> None:
    os.set_blocking(fd, False)


_spawner: concurrent.futures.ThreadPoolExecutor | None = None
_spawner_lock = threading.Lock()


def _spawn(popen_args: list[str], **kwargs) -> subprocess.Popen:
    """Popen from one long-lived thread. PR_SET_PDEATHSIG (bwrap's --die-with-parent, the
    monitor's) fires when the *thread* that forked the process ends, so a Sandbox started
    from a short-lived thread would lose its worker; this thread lives as long as the grader
    process, so workers die with the grader, not with a thread."""
    global _spawner
    with _spawner_lock:
        if _spawner is None:
            _spawner = concurrent.futures.ThreadPoolExecutor(
                max_workers=1, thread_name_prefix="rnn-grader-sandbox-spawner")
    return _spawner.submit(subprocess.Popen, popen_args, **kwargs).result()


def worker_config(plan: Plan, workdir: str, memory_bytes: int) -> str:
    """The worker's set-up instructions (its third argument): trusted, from the parent."""
    runtime = plan.runtime or DEFAULT_RUNTIME
    rules = landlock_rules(workdir, runtime) if plan.landlock else None
    processes = None if plan.processes is None else nproc_limit(plan.uid, plan.processes)
    return json.dumps({"rlimits": worker_limits(memory_bytes, processes), "uid": plan.uid, "gid": plan.gid,
                       "seccomp": plan.seccomp, "monitor": plan.monitor, "parent": os.getpid(), "sections": plan.sections,
                       "landlock": rules, "preload": runtime.preload, "allowed": runtime.allowed_imports,
                       "adapter": runtime.adapter_source}, separators=(",", ":"))


def launch(workdir: str, submission_path: str, marker: bytes, memory_bytes: int,
           plan: Plan | None = None):
    """Start a worker. Returns (Popen, request write fd, response read fd, output read fd).

    The worker gets fd 0 = requests, fd 1 = responses, fd 2 = output; it moves the first two
    to private fds before anything else runs. Own session (so its process group can be
    killed as a whole), scrubbed environment, cwd = ``workdir``, resource limits (which the
    worker sets on itself, rlimits.py); at the bubblewrap level all of it inside ``bwrap``
    (bubblewrap.bwrap_argv).
    """
    plan = plan or Plan()
    env = scrubbed_env(workdir)
    argv = [sys.executable, "-I", "-B", str(WORKER_SCRIPT), submission_path, marker.hex(),
            worker_config(plan, workdir, memory_bytes)]
    if plan.level == "bubblewrap":
        argv = bwrap_argv(workdir, submission_path, env, plan) + argv
        env = {}
    req_r, req_w = os.pipe()
    resp_r, resp_w = os.pipe()
    out_r, out_w = os.pipe()
    try:
        proc = _spawn(
            argv,
            stdin=req_r,
            stdout=resp_w,
            stderr=out_w,
            cwd=workdir,
            env=env,
            start_new_session=True,
            close_fds=True,
        )
    except BaseException:
        for fd in (req_w, resp_r, out_r):
            os.close(fd)
        raise
    finally:
        for fd in (req_r, resp_w, out_w):
            os.close(fd)
    for fd in (req_w, resp_r, out_r):
        _set_nonblocking(fd)
    try:
        fcntl.fcntl(out_r, fcntl.F_SETPIPE_SZ, OUTPUT_PIPE_SIZE)
    except (OSError, AttributeError):
        pass
    return proc, req_w, resp_r, out_r


def signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


class OutputCapture:
    """Splits the child's output stream into segments at ``marker``, keeping at most ``cap``
    bytes of each; the rest is counted and discarded (memory stays bounded whatever is printed).
    """

    def __init__(self, marker: bytes, cap: int) -> None:
        self.marker = marker
        self.cap = cap
        self._cur = bytearray()
        self._dropped = 0
        self._tail = b""  # bytes that may be the start of a marker split across reads
        self.done: collections.deque[str] = collections.deque()

    def feed(self, data: bytes) -> None:
        if self._tail:
            data = self._tail + data
            self._tail = b""
        m = self.marker
        start = 0
        while True:
            i = data.find(m, start)
            if i < 0:
                break
            self._add(data, start, i)
            self.done.append(self._finish())
            start = i + len(m)
        # keep a possible marker prefix at the end for the next read
        keep = 0
        for k in range(min(len(m) - 1, len(data) - start), 0, -1):
            if data.endswith(m[:k]):
                keep = k
                break
        self._add(data, start, len(data) - keep)
        if keep:
            self._tail = bytes(data[len(data) - keep:])

    def take_partial(self) -> str:
        """The current (unterminated) segment, e.g. after the worker died."""
        if self._tail:
            tail, self._tail = self._tail, b""
            self._add(tail, 0, len(tail))
        return self._finish()

    def _add(self, data, start: int, end: int) -> None:
        n = end - start
        if n <= 0:
            return
        room = self.cap - len(self._cur)
        if room > 0:
            take = min(room, n)
            self._cur += data[start:start + take]
            n -= take
        self._dropped += n

    def _finish(self) -> str:
        raw, dropped = bytes(self._cur), self._dropped
        self._cur = bytearray()
        self._dropped = 0
        if not dropped:
            return raw.decode("utf-8", errors="replace")
        note = f"\n[output truncated: {dropped + len(raw)} bytes printed, first {{}} shown]\n"
        keep = max(0, self.cap - len(note) - 20)
        text = raw[:keep].decode("utf-8", errors="replace")
        return text + note.format(keep)


class Worker:
    """The parent's handle on one running worker process."""

    def __init__(self, workdir: str, submission_path: str, marker: bytes, memory_bytes: int,
                 output_bytes: int, plan: Plan | None = None) -> None:
        self.plan = plan or Plan()
        self.marker = marker
        self.proc, self._req, self._resp, self._out = launch(
            workdir, submission_path, marker, memory_bytes, self.plan)
        self.pid = self.proc.pid
        try:
            self._pidfd: int | None = os.pidfd_open(self.pid)
        except (AttributeError, OSError):
            self._pidfd = None
        self.frames: collections.deque[bytes] = collections.deque()
        self.capture = OutputCapture(marker, output_bytes)
        self._reader = FrameReader()
        self._wbuf = memoryview(b"")
        self._resp_eof = False
        self._out_eof = False
        self._dead = False
        self._reaped = False
        self._closed = False
        self.returncode: int | None = None

    # ------------------------------------------------------------------ sending / receiving
    def send(self, data: bytes) -> None:
        """Queue request ``data`` for the child; it is written from the wait loop (never
        blocks). Replies to it may be at most ``wire.reply_limit`` bytes each."""
        self._reader.max_frame = reply_limit(len(data))
        self._wbuf = memoryview(data)
        self._write_some()

    def wait(self, deadline: float) -> str:
        """Pump the pipes until a frame is available ("frame"), the child died ("dead"), it
        closed its protocol channel while alive ("closed"), or ``deadline`` passed ("timeout").

        Raises wire.WireError when the response stream is not a sequence of valid frames.
        """
        while True:
            if self.frames:
                return "frame"
            if self._dead:
                self._read_responses()  # responses written before death are still valid
                return "frame" if self.frames else "dead"
            if self._resp_eof:
                # the child closed its response pipe: normally it is exiting; give it a moment
                if self._wait_exit(min(deadline, time.monotonic() + 1.0)):
                    return "dead"
                return "closed"
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return "timeout"
            self._poll_once(remaining)

    def _poll_once(self, remaining: float) -> None:
        poller = select.poll()
        poller.register(self._resp, select.POLLIN)  # only called while no frame is pending
        if not self._out_eof:
            poller.register(self._out, select.POLLIN)
        if self._wbuf:
            poller.register(self._req, select.POLLOUT)
        if self._pidfd is not None:
            poller.register(self._pidfd, select.POLLIN)
        else:
            remaining = min(remaining, 0.05)
        try:
            events = poller.poll(max(1, math.ceil(remaining * 1000)))
        except InterruptedError:
            return
        for fd, ev in events:
            if fd == self._resp:
                self._read_responses()
            elif fd == self._out:
                self._read_output(DRAIN_BUDGET)
            elif fd == self._req:
                self._write_some()
            elif fd == self._pidfd:
                self._on_exit()
        if self._pidfd is None and not self._dead and self._exited_nowait():
            self._on_exit()

    def _on_exit(self) -> None:
        # Whatever the child wrote before dying is still in the pipes: read it first.
        self._read_responses()
        self._read_output(DRAIN_BUDGET)
        self._dead = True

    def _read_responses(self) -> None:
        # Back-pressure: stop reading once a complete frame waits to be handled, so a child
        # that floods the channel blocks on its own writes instead of filling our memory.
        while not self._resp_eof and not self.frames:
            try:
                data = os.read(self._resp, READ_CHUNK)
            except BlockingIOError:
                return
            except OSError:
                self._resp_eof = True
                return
            if not data:
                self._resp_eof = True
                return
            self.frames.extend(self._reader.feed(data))

    def _read_output(self, budget: int) -> bool:
        """Read up to ``budget`` bytes of output; True if the pipe is empty (or closed)."""
        while budget > 0 and not self._out_eof:
            try:
                data = os.read(self._out, READ_CHUNK)
            except BlockingIOError:
                return True
            except OSError:
                self._out_eof = True
                return True
            if not data:
                self._out_eof = True
                return True
            budget -= len(data)
            self.capture.feed(data)
        return self._out_eof

    def _write_some(self) -> None:
        while self._wbuf:
            try:
                k = os.write(self._req, self._wbuf)
            except BlockingIOError:
                return
            except OSError:  # EPIPE: the child is gone; its death is noticed separately
                self._wbuf = memoryview(b"")
                return
            self._wbuf = self._wbuf[k:]

    def take_output(self) -> str:
        """Output of the segment that just ended (the child writes a marker before each
        response, so after a response the marker is already in the pipe)."""
        if not self.capture.done:
            self._read_output(DRAIN_BUDGET)
        if self.capture.done:
            return self.capture.done.popleft()
        return self.capture.take_partial()

    def take_remaining_output(self) -> str:
        """After the worker was killed: everything left in the pipe, as one segment."""
        self._read_output(DRAIN_BUDGET)
        parts = list(self.capture.done)
        self.capture.done.clear()
        parts.append(self.capture.take_partial())
        return "".join(parts)

    # ------------------------------------------------------------------ life and death
    def _exited_nowait(self) -> bool:
        try:
            info = os.waitid(os.P_PID, self.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:
            return True
        return info is not None

    def _wait_exit(self, deadline: float) -> bool:
        while True:
            if self._exited_nowait():
                self._on_exit()
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            if self._pidfd is not None:
                select.select([self._pidfd], [], [], remaining)
            else:
                time.sleep(min(remaining, 0.02))

    def terminate(self) -> int | None:
        """SIGKILL the whole process group (and the worker itself, should it have left its
        group), then reap the worker. The group is killed before the worker is reaped, so its
        id cannot have been reused. Returns the worker's exit status (Popen convention).

        With a monitor (unprivileged-user and process levels) the monitor is first asked
        (SIGTERM) to kill and reap everything below it, briefly; at the process level the
        whole tree is then stopped and killed anyway (children that left the group with
        setsid included). At the bubblewrap level the worker is bwrap: its death takes down
        the pid namespace. Processes of a slot uid are swept by the Sandbox afterwards."""
        if self._reaped:
            return self.returncode
        if self.plan.monitor and not self._exited_nowait():
            try:
                os.kill(self.pid, signal.SIGTERM)  # not reaped yet: still our child's pid
            except ProcessLookupError:
                pass
            deadline = time.monotonic() + MONITOR_SECONDS
            while not self._exited_nowait() and time.monotonic() < deadline:
                if self._pidfd is not None:
                    select.select([self._pidfd], [], [], deadline - time.monotonic())
                else:
                    time.sleep(0.005)
        if self.plan.level == "process" and os.path.isdir("/proc/self"):
            kill_tree(self.pid)
        for kill in (os.killpg, os.kill):
            try:
                kill(self.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        try:
            self.returncode = self.proc.wait(timeout=REAP_SECONDS)
            self._reaped = True
        except subprocess.TimeoutExpired:  # stuck in the kernel; leave it to init
            self.returncode = None
        self._dead = True
        return self.returncode

    def close(self) -> None:
        """Kill, reap and release every fd. Idempotent."""
        if self._closed:
            return
        self.terminate()
        self._closed = True
        for fd in (self._req, self._resp, self._out, self._pidfd):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError as e:
                    if e.errno != errno.EBADF:
                        raise

    @property
    def alive(self) -> bool:
        return not self._closed and not self._dead
