"""The threat model, level by level: each hostile fixture at every isolation level this
machine can run (the ``level`` parameter; a level is skipped, with the reason, only where it
cannot run). What a level does not protect against is asserted as such, matching
docs/security.md, so no test passes vacuously."""

from __future__ import annotations

import dataclasses
import os
import re
import secrets
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from grader.sandbox import IsolationUnavailable, Limits, Sandbox, Unsupported, isolation, sweeps, uid_slots, visibility
from grader.sandbox.isolation import LevelCheck

from sandbox_support import FAST, HOSTILE, PROJECT, ROOMY, alive_with, fenced, gone, without

ERRORS = ("FileNotFoundError", "PermissionError", "IsADirectoryError", "NotADirectoryError",
          "OSError")


@pytest.fixture
def folders():
    """Folders as an operator would have them, outside the pytest tmp tree: a private one
    (0700, like a folder of submissions) and a world-traversable one (0755, like an output
    folder). Root-owned, as the grader is."""
    made = []

    def make(mode: int) -> Path:
        path = Path(tempfile.mkdtemp(prefix="rnn-grader-test-"))
        path.chmod(mode)
        made.append(path)
        return path

    yield make
    for path in made:
        shutil.rmtree(path, ignore_errors=True)


def _token() -> str:
    return f"{secrets.randbelow(10**9):09d}"


def _world_readable(path: Path) -> bool:
    if not os.stat(path).st_mode & stat.S_IROTH:
        return False
    return all(os.stat(p).st_mode & stat.S_IXOTH for p in path.parents)


# ------------------------------------------------------------------------- choosing a level


def test_auto_picks_the_strongest_level_that_works_here():
    best = next(p.level for p in isolation.available_levels() if p.ok)
    with Sandbox("x = 1\n", limits=FAST) as box:
        assert box.level == best and box.isolation == isolation.describe(best)
        assert box.load() is None


def test_every_available_level_can_be_forced_and_runs_calls(level, make_box):
    box = make_box("good", isolation=level)
    assert box.level == level and box.isolation.startswith(level)
    assert box.call("add", (2, 3)).value == 5
    assert repr(box).endswith(f"isolation={box.isolation}>")


def test_an_unavailable_forced_level_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(isolation._probes, "bubblewrap",
                        LevelCheck("bubblewrap", False, "bwrap is not installed (apt-get install "
                                                   "bubblewrap)"))
    with pytest.raises(IsolationUnavailable,
                       match=r"isolation level 'bubblewrap' is not available here: bwrap is not "
                             r"installed"):
        Sandbox("x = 1\n", limits=Limits(isolation="bubblewrap"))
    with Sandbox("x = 1\n", limits=FAST) as box:  # auto falls back to the next level
        assert box.level != "bubblewrap"


@pytest.fixture
def fresh_process(monkeypatch, tmp_path):
    """The module as a new grader process finds it (nothing probed yet), keeping what works in
    tmp_path; `trials` lists the levels a trial worker was started for."""
    trials: list[str] = []
    real = isolation._probe

    def counted(level: str) -> LevelCheck:
        trials.append(level)
        return real(level)

    monkeypatch.setattr(isolation, "_probes", {})
    monkeypatch.setattr(isolation, "_probe", counted)
    isolation.remember_in(tmp_path)
    yield tmp_path, trials
    isolation.remember_in(None)


def test_a_level_that_worked_is_kept_for_the_next_process_of_the_boot(fresh_process, monkeypatch):
    folder, trials = fresh_process
    first = isolation.probe("process")
    assert first.ok and trials == ["process"] and len(list(folder.glob("*.json"))) == 1
    monkeypatch.setattr(isolation, "_probes", {})  # the next process
    assert isolation.probe("process") == first and trials == ["process"]
    monkeypatch.setattr(isolation, "_machine_key", lambda: "another boot or kernel or bwrap")
    monkeypatch.setattr(isolation, "_probes", {})
    assert isolation.probe("process") == first and trials == ["process", "process"]


def test_a_level_that_failed_is_not_kept(fresh_process, monkeypatch):
    folder, trials = fresh_process
    monkeypatch.setattr(isolation, "_probe", lambda level: trials.append(level) or LevelCheck(level, False, "no"))
    assert not isolation.probe("process").ok
    monkeypatch.setattr(isolation, "_probes", {})
    assert not isolation.probe("process").ok and trials == ["process", "process"]
    assert not list(folder.glob("*.json"))


@pytest.mark.parametrize("kept", ["{not json", "[]", '{"process": {"level": "process", "ok": false}}',
                                  '{"process": {"level": "bubblewrap", "ok": true}}', '{"process": {"ok": true, "x": 1}}'])
def test_a_kept_file_that_is_damaged_or_says_no_means_a_trial_worker(fresh_process, kept):
    folder, trials = fresh_process
    (folder / f"{isolation._machine_key()}.json").write_text(kept)
    assert isolation.probe("process").ok and trials == ["process"]


def test_nothing_is_kept_unless_a_command_asks(fresh_process, monkeypatch):
    folder, trials = fresh_process
    isolation.remember_in(None)
    isolation.probe("process")
    monkeypatch.setattr(isolation, "_probes", {})
    isolation.probe("process")
    assert trials == ["process", "process"] and not list(folder.iterdir())


def test_an_unknown_level_is_rejected_up_front():
    with pytest.raises(ValueError, match="Limits.isolation must be one of auto, bubblewrap"):
        Limits(isolation="docker")
    with pytest.raises(ValueError):
        Limits(processes=0)


def test_the_environment_can_force_the_auto_level(monkeypatch):
    monkeypatch.setenv(isolation.ENV_VAR, "process")
    with Sandbox("x = 1\n", limits=FAST) as box:
        assert box.level == "process"
    monkeypatch.setenv(isolation.ENV_VAR, "chroot")
    with pytest.raises(IsolationUnavailable, match="RNN_GRADER_ISOLATION"):
        Sandbox("x = 1\n", limits=FAST)


def test_sandboxes_at_a_uid_level_get_distinct_uids_and_give_them_back(level, make_box):
    if level == "process" or not isolation.is_root():
        pytest.skip("uid slots exist only above the process level, when the grader is root")
    a, b = make_box("good", isolation=level), make_box("good", isolation=level)
    assert a.call("getuid").value != b.call("getuid").value
    uid = a._res.slot.uid
    assert a.call("getuid").value == uid and uid >= uid_slots.UID_BASE
    a.close()
    assert [p for p, state in sweeps.processes_of(uid) if state != "Z"] == []


def test_a_private_temporary_folder_of_the_grader_is_no_obstacle(level, make_box, folders,
                                                                  monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(folders(0o700)))  # e.g. TMPDIR under /root
    box = make_box("writes", isolation=level)
    assert box.call("write_own", ("scratch.txt",)).value == "written"


# ------------------------------------------------------------------------- time


def test_an_infinite_loop_in_a_call_ends_at_its_limit(level, make_box):
    box = make_box("loop_forever", isolation=level)
    out = box.call("spin", (1,))
    assert out.error_kind == "timeout" and out.message == "spin() took longer than 1 s"
    assert box._res.worker is None  # killed and reaped
    assert box.call("ok", (2,)).value == 2  # a fresh worker answers


@pytest.mark.parametrize("fixture", ["loop_at_import", "sleep_at_import"])
def test_a_slow_import_ends_at_its_limit(level, make_box, fixture):
    box = make_box(fixture, isolation=level)
    err = box.load()
    assert err.kind == "timeout"
    assert err.message == "importing the submission took longer than 1.5 s"
    assert box._res.worker is None


# ------------------------------------------------------------------------- memory


@pytest.mark.parametrize("func", ["hog", "hog_chunks"])
def test_memory_is_capped_per_worker(level, make_box, func):
    box = make_box("memory_hog", isolation=level, limits=dataclasses.replace(ROOMY,
                                                                              memory_bytes=2**30))
    out = box.call(func, (1,))
    assert out.error_kind == "memory" and out.fatal, out
    assert out.message.startswith(f"{func}() ran out of memory (limit 1 GiB): ")
    assert box.call("ok", (3,)).value == 3


def test_a_huge_answer_is_refused_unread_and_the_worker_restarted(level, make_box):
    box = make_box("returns_huge_array", isolation=level,
                   limits=dataclasses.replace(ROOMY, memory_bytes=2 * 2**30))
    x, h = np.zeros((2, 3)), np.zeros((2, 4))
    out = box.call("rnn_cell_forward", (x, h, np.zeros((3, 4)), np.zeros((4, 4)), np.zeros(4)))
    assert out.error_kind == "memory" and out.fatal, out
    assert re.fullmatch(r"rnn_cell_forward\(\) returned 190\.735 MiB, far more than its arguments "
                        r"\(\d+ bytes\) can need; at most 8\.\d+ MiB is accepted", out.message), out
    assert box._res.worker is None  # killed at once, nothing more read from it
    assert box.call("ok", (3,)).value == 3


# ------------------------------------------------------------------------- processes


def _started(token: str, n: int) -> None:
    """Wait (bounded) until the fixture's exec'd children show up on the host."""
    for _ in range(500):
        if len(alive_with(token)) >= n:
            return
        time.sleep(0.02)
    raise AssertionError(f"expected {n} processes with {token}, found {alive_with(token)}")


def test_leftover_processes_die_with_the_sandbox(level, make_box):
    token = _token()
    box = make_box("forks_child", isolation=level, limits=ROOMY)
    assert box.call("spawn", (token,)).value == 4
    marker = box._res.worker.marker.hex()  # in the command line of every fork of the worker
    _started(token, 3)  # three sleeps (one in a new session, one a double-forked daemon)
    assert len(alive_with(marker)) >= 2  # the worker (bwrap too) and its setsid fork
    box.close()
    assert gone(token, marker) == []


def test_leftover_processes_die_when_the_worker_exits_on_its_own(level, make_box):
    token = _token()
    box = make_box("forks_child", isolation=level, limits=ROOMY)
    assert box.load() is None
    marker = box._res.worker.marker.hex()
    out = box.call("spawn_and_exit", (token,))
    assert out.error_kind == "exit" and out.message.startswith("the worker exited with code 0")
    assert gone(token, marker) == []  # already, not only at close()
    assert box.call("ok", (1,)).value == 1


GRADER = """
import sys
from grader.sandbox import Limits, Sandbox
source = open(sys.argv[1]).read() + '''
def spin(x):
    import time
    end = time.monotonic() + 60  # bounded, in case nothing kills it
    while time.monotonic() < end:
        pass
'''
box = Sandbox(source, limits=Limits(call_seconds=120, isolation=sys.argv[2]))
assert box.call("spawn", (sys.argv[3],)).value == 4
print(box._res.worker.marker.hex(), flush=True)
box.call("spin", (0,))
"""


def test_nothing_outlives_a_grader_that_was_killed(level):
    token = _token()
    grader = subprocess.Popen([sys.executable, "-c", GRADER, str(HOSTILE / "forks_child.py"),
                               level, token], stdout=subprocess.PIPE, cwd=PROJECT)
    try:
        marker = grader.stdout.readline().decode().strip()
        assert marker, "the grader script did not get going"
        _started(token, 3)
    finally:
        grader.kill()  # SIGKILL: no finalizer, no atexit
        grader.wait()
        grader.stdout.close()
    assert gone(token, marker) == []


def test_a_sandbox_started_in_a_finished_thread_keeps_its_worker(level, make_box):
    box = make_box("good", isolation=level)
    started = threading.Thread(target=box.load)
    started.start()
    started.join()
    time.sleep(0.2)  # let a death signal tied to that thread arrive, if there were one
    assert box.call("add", (1, 2)).value == 3


def test_a_fork_bomb_is_contained_and_cleaned_up(level, make_box):
    limits = dataclasses.replace(ROOMY, processes=8)
    box = make_box("fork_bomb", isolation=level, limits=limits)
    assert box.load() is None
    marker = box._res.worker.marker.hex()
    out = box.call("bomb", (0,))
    assert out.ok, out.message
    forks, failures = out.value
    if box._res.slot is not None:  # its own uid: RLIMIT_NPROC holds (not so for root)
        assert failures > 0 and forks < 8
    box.close()
    assert gone(marker) == []


# ------------------------------------------------------------------------- exits and crashes


@pytest.mark.parametrize("fixture, func, kind, words", [
    ("system_exit_in_call", "leave", "exception", "SystemExit: 3 (line 6)"),
    ("keyboard_interrupt", "interrupt", "exception", "KeyboardInterrupt: pretend Ctrl-C"),
    ("deep_recursion", "recurse", "exception", "RecursionError"),
    ("os_exit_in_call", "quit_now", "exit", "the worker exited with code 0 while running"),
    ("segfault_in_call", "crash", "crash", "the worker crashed (signal SIGSEGV) while running"),
    ("deep_recursion", "c_stack", "crash", "the worker crashed (signal SIGSEGV) while running"),
])
def test_exits_and_crashes_stay_inside_their_call(level, make_box, fixture, func, kind, words):
    box = make_box(fixture, isolation=level, limits=dataclasses.replace(FAST, call_seconds=20))
    out = box.call(func, (1,))
    assert out.error_kind == kind and words in out.message, out
    assert box.call("ok", (7,)).value == 7


def test_sys_exit_at_import_is_a_load_error(level, make_box):
    err = make_box("exit_at_import", isolation=level).load()
    assert err.kind == "exit"
    assert err.message.startswith("the submission called sys.exit(3) while being imported")


# ------------------------------------------------------------------------- forged verdicts


def test_forgeries_stay_in_the_child(level, make_box, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    patched = make_box("patches_numpy", isolation=level)
    assert patched.call("patched").value is True  # patched in the child only
    assert not np.allclose(1.0, 2.0) and not np.array_equal([1.0], [2.0])
    liar = make_box("returns_subclass", isolation=level).call("liar", (0,)).value
    assert type(liar) is np.ndarray and liar.tolist() == [1.0, 2.0, 3.0]
    assert not np.array_equal(liar, np.zeros(3))
    sly = make_box("returns_object", isolation=level).call("sly_nested", (0,)).value
    assert sly[1] == [Unsupported("Sly")] and sly[2] == {"a": Unsupported("Sly")}
    assert not (tmp_path / "side_effect_ran").exists()


# ------------------------------------------------------------------------- peeking


def test_no_expected_values_or_grader_modules_exist_in_the_child(level, make_box):
    expected = np.random.default_rng(7).normal(size=(3, 4))  # the parent's; never sent
    box = make_box("peeks", isolation=level)
    arrays, modules = box.call("scan_memory", (np.zeros((3, 4)),)).value
    assert arrays  # it did find arrays (its own argument at least) ...
    assert not any(a.shape == expected.shape and np.array_equal(a, expected) for a in arrays)
    assert modules == []  # ... but nothing of the grader or the solutions
    environ, memory = box.call("grader_memory", (os.getpid(),)).value
    if level == "bubblewrap":  # the grader is not in its pid namespace
        assert environ == memory == "FileNotFoundError"
    elif level == "unprivileged-user" or fenced(level):  # another uid's process, or fenced
        assert environ == "PermissionError" and memory in ERRORS
    else:  # documented: a process-level worker with the grader's uid may read it
        assert environ == "read"


def test_files_the_child_must_not_read(level, make_box, folders):
    private = folders(0o700)  # e.g. the folder of all submissions
    (private / "bob.py").write_text("def rnn_step(): return 'answers'\n")
    public = folders(0o755)  # e.g. an output folder
    (public / "report.json").write_text('{"score": 100}\n')
    (public / "report.json").chmod(0o644)
    targets = [PROJECT / "solutions" / "rnn" / "rnn.py",  # the reference solution
               PROJECT / "grader" / "runner.py",  # the grader's own tree
               Path(__file__),  # hidden tests
               private / "bob.py",  # another student's submission
               public / "report.json"]  # the output folder
    box = make_box("peeks", isolation=level)
    for path in targets:
        got = box.call("read", (str(path),)).value
        if level == "bubblewrap":  # nothing of it exists in the sandbox
            assert got == "FileNotFoundError", path
        elif fenced(level):  # Landlock: outside the runtime and its folder, nothing
            assert got == "PermissionError", (path, got)
        elif level == "unprivileged-user":  # file permissions decide ("others")
            assert (got not in ERRORS) == _world_readable(path), (path, got)
        else:  # the process level reads whatever the grader can
            assert got not in ERRORS, (path, got)
    if level == "bubblewrap":
        cwd = box.call("listdir", (".",)).value
        assert cwd == ["peeks.py"]
        root = set(box.call("listdir", ("/",)).value)
        assert not root & {"home", "srv", "var", "run", "sys", "mnt", "opt", "boot", "media"}
        procs = [p for p in box.call("listdir", ("/proc",)).value if p.isdigit()]
        assert len(procs) < 10  # its own pid namespace


def test_hidden_paths_inside_mounted_folders_stay_hidden(make_box, monkeypatch):
    """A grader tree or a reference solution inside a folder the runtime needs (here: faked
    under /usr and inside the venv) is covered, and the runtime below it is brought back
    (bubblewrap's mounts alone: the Landlock fence has its own test)."""
    without(monkeypatch, "bubblewrap", landlock=0)
    site = Path(np.__file__).resolve().parents[1]  # numpy's site-packages
    monkeypatch.setattr(visibility, "PROJECT_ROOT", site.parent)
    licence = Path("/usr/share/common-licenses/GPL-3")
    if not licence.is_file():
        pytest.skip("no file to play the reference solution")
    monkeypatch.setenv("RNN_GRADER_SOLUTIONS", str(licence))
    package = site / "click"  # plays a grader installed into site-packages, next to numpy
    if package.is_dir():
        monkeypatch.setattr(visibility, "GRADER_PACKAGE", package)
    box = make_box("peeks", isolation="bubblewrap")
    assert box.call("read", (str(licence),)).value in ERRORS  # covered (by /dev/null, nodev)
    assert box.call("listdir", (str(site.parent),)).value == ["site-packages"]
    if package.is_dir():
        assert box.call("listdir", (str(package),)).value == []
        assert box.call("listdir", (str(site / "numpy"),)).value != []
    assert box.call("listdir", ("/usr/share/common-licenses",)).value != "FileNotFoundError"


# ------------------------------------------------------------------------- writing


def test_writes_outside_its_own_folder_fail(level, make_box, folders):
    out = folders(0o755)  # an output folder
    subs = folders(0o755)  # the submissions, next to each other
    alice = subs / "alice.py"
    alice.write_text("def f(): return 1\n")
    alice.chmod(0o644)
    in_tmp = Path(tempfile.gettempdir()) / f"rnn-grader-test-{_token()}.txt"
    box = make_box("writes", isolation=level)
    assert box.call("write_own", ("scratch.txt",)).value == "written"
    results = {t: box.call("write", (str(t),)).value
               for t in (out / "grades.json", alice, subs / "mallory.py", in_tmp)}
    try:
        if level == "process" and not fenced(level):  # no protection (documented)
            assert set(results.values()) == {"written"}
            return
        for target in (out / "grades.json", alice, subs / "mallory.py"):
            assert results[target] in ERRORS, (target, results[target])
        assert alice.read_text() == "def f(): return 1\n"
        assert sorted(os.listdir(out)) == [] and sorted(os.listdir(subs)) == ["alice.py"]
        project = PROJECT / "tests" / "fixtures" / "hostile" / f"written-{_token()}.txt"
        assert box.call("write", (str(project),)).value in ERRORS
        assert not project.exists()
        if fenced(level):  # nothing outside its own folder, not even /tmp
            assert results[in_tmp] == "PermissionError"
            return
        assert results[in_tmp] == "written"  # its own /tmp: private, or cleaned at close
        if level == "bubblewrap":
            assert not in_tmp.exists()
        box.close()
        assert not in_tmp.exists()
    finally:
        in_tmp.unlink(missing_ok=True)


# ------------------------------------------------------------------------- network


def test_no_network_not_even_loopback(level, make_box):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.setblocking(False)
        port = listener.getsockname()[1]
        box = make_box("network", isolation=level)
        connected = box.call("connect", (port,)).value
        created = box.call("make_socket", (0,)).value
        if box.network_isolated:
            assert connected in ERRORS and created in ERRORS, (connected, created)
            with pytest.raises(BlockingIOError):
                listener.accept()
        else:  # documented: nothing stops it at this level on this platform
            assert connected == "connected"
    assert box.network_isolated or level != "bubblewrap"


def test_the_network_namespace_alone_cuts_loopback(make_box, monkeypatch):
    without(monkeypatch, "bubblewrap", seccomp=False, landlock=0)  # no socket ban, no fence
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        box = make_box("network", isolation="bubblewrap")
        listener.setblocking(False)
        assert box.call("make_socket", (0,)).value == "created"  # allowed without seccomp
        # its own loopback, where nothing listens: the host's port is not there
        assert box.call("connect", (listener.getsockname()[1],)).value == "ConnectionRefusedError"
        with pytest.raises(BlockingIOError):
            listener.accept()


def test_the_seccomp_ban_alone_stops_sockets(make_box):
    if not isolation.probe("process").seccomp:
        pytest.skip("no seccomp filter on this platform")
    box = make_box("network", isolation="process")
    assert box.network_isolated
    assert box.call("make_socket", (0,)).value == "PermissionError"


# ------------------------------------------------------------------------- floods


def test_output_floods_are_capped(level, make_box):
    box = make_box("print_flood", isolation=level, limits=ROOMY)
    outs = box.call_many([("flood", (1,)), ("chatty", (2,))])
    assert outs[0].ok and outs[0].value == 2
    assert len(outs[0].output) <= ROOMY.output_bytes
    assert "209715200 bytes printed" in outs[0].output
    assert outs[1].output == "first line of 2\nto stderr\n"
