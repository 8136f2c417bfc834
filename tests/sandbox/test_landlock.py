"""The Landlock fence (visibility.landlock_rules, landlock.py, applied by worker.py): what the
worker may read and write at every level, what it can no longer reach (TCP, signals, abstract
sockets), how reports name the isolation, and refusing to grade without a fence."""

from __future__ import annotations

import os
import signal
import socket
import sysconfig
from pathlib import Path

import numpy as np
import pytest

from grader.sandbox import IsolationUnavailable, Limits, Sandbox, isolation, landlock, visibility

from sandbox_support import FAST, PROJECT, fenced, without

ERRORS = ("FileNotFoundError", "PermissionError")


@pytest.fixture
def fence_level(level):
    """``level``, skipped where this machine has no Landlock."""
    if not fenced(level):
        pytest.skip(f"no Landlock at {level} here (kernel ABI {landlock.abi()})")
    return level


def _grants(rules, path) -> set[str]:
    """The kinds of the rules that name ``path`` or a folder above it."""
    path = os.path.realpath(path)
    return {kind for p, kind in rules if path == p or path.startswith(p.rstrip("/") + "/")}


# ------------------------------------------------------------------------- the rules


def test_the_rules_grant_the_runtime_and_numpy_and_write_only_the_own_folder(tmp_path):
    rules = visibility.landlock_rules(str(tmp_path))
    assert {kind for _, kind in rules} <= set(landlock.KINDS)
    assert [p for p, kind in rules if kind == "write"] == [str(tmp_path.resolve())]
    numpy_dir = Path(np.__file__).resolve().parent
    assert _grants(rules, numpy_dir / "linalg" / "__init__.py") == {"read"}
    assert "read" in _grants(rules, Path(os.__file__).parent / "json" / "__init__.py")
    assert "read" in _grants(rules, "/usr/lib")
    # never the project, the grader, the reference, or a whole site-packages folder
    for secret in (PROJECT / "solutions" / "rnn" / "rnn.py", PROJECT / "grader" / "checks",
                   numpy_dir.parent / "hypothesis", Path(sysconfig.get_path("purelib")) / "x.py"):
        assert not _grants(rules, secret), secret
    assert not _grants(rules, "/etc/passwd") and not _grants(rules, "/tmp/x")


def test_a_hidden_path_inside_a_granted_folder_is_carved_out(monkeypatch, tmp_path):
    licences = Path("/usr/share/common-licenses")
    if not (licences / "GPL-3").is_file():
        pytest.skip("no file under /usr to play the reference solution")
    monkeypatch.setenv("RNN_GRADER_SOLUTIONS", str(licences / "GPL-3"))
    rules = visibility.landlock_rules(str(tmp_path))
    assert _grants(rules, licences / "GPL-3") == {"listing"}  # no read, even through a link
    assert _grants(rules, licences) == _grants(rules, "/usr") == {"listing"}  # names only
    others = [p for p in licences.iterdir() if p.resolve().name != "GPL-3"]
    assert others and all(_grants(rules, p) == {"read", "listing"} for p in others)


# ------------------------------------------------------------------------- in the worker


def test_hidden_paths_stay_unreadable_inside_granted_folders(fence_level, make_box, monkeypatch):
    """A reference solution under /usr and a grader installed next to numpy (both faked):
    unreadable; what lies beside them still works."""
    licences = Path("/usr/share/common-licenses")
    if not (licences / "GPL-3").is_file():
        pytest.skip("no file under /usr to play the reference solution")
    monkeypatch.setenv("RNN_GRADER_SOLUTIONS", str(licences / "GPL-3"))
    site = Path(np.__file__).resolve().parents[1]
    monkeypatch.setattr(visibility, "GRADER_PACKAGE", site / "click")
    box = make_box("peeks", isolation=fence_level)
    assert box.call("read", (str(licences / "GPL-3"),)).value in ERRORS
    assert box.call("read", (str(licences / "GPL"),)).value in ERRORS  # a link to it
    assert "GPL-3" in box.call("listdir", (str(licences),)).value
    other = next(p for p in sorted(licences.iterdir()) if p.resolve().name != "GPL-3")
    assert box.call("read", (str(other),)).value not in ERRORS
    assert box.call("read", (str(site / "click" / "__init__.py"),)).value in ERRORS
    assert box.call("read", (str(site / "numpy" / "__init__.py"),)).value not in ERRORS
    assert box.call("listdir", (str(site),)).value in ERRORS  # no whole site-packages
    assert box.call("read", ("/proc/self/root" + str(PROJECT / "solutions" / "rnn" / "rnn.py"),)
                    ).value in ERRORS  # no way round through /proc


def test_the_submission_still_imports_the_standard_library_and_numpy(fence_level, make_box):
    box = make_box(source="import json, decimal, numpy as np\n"
                          "def use(x):\n"
                          "    import fractions, statistics\n"
                          "    from numpy import fft, polynomial\n"
                          "    a = np.linalg.inv(np.eye(3) * 2) @ np.ones(3)\n"
                          "    return [json.dumps(float(a.sum())), str(fractions.Fraction(1, 3)),\n"
                          "            float(fft.fft(np.ones(4))[0].real), os.cpu_count() > 0]\n"
                          "import os\n", isolation=fence_level)
    assert box.call("use", (0,)).value == ["1.5", "1/3", 4.0, True]


def test_landlock_alone_stops_tcp_signals_and_abstract_sockets(make_box, monkeypatch):
    """At the process level with no seccomp filter, the fence alone: no TCP connection, no
    signal to the grader, no abstract unix socket of the host; plain sockets are still made."""
    without(monkeypatch, "process", seccomp=False)
    if isolation.probe("process").landlock < 6:
        pytest.skip(f"needs Landlock ABI 6, the kernel has {isolation.probe('process').landlock}")
    source = ("import os, socket\n"
              "def attempt(what, port, pid, name):\n"
              "    try:\n"
              "        if what == 'tcp':\n"
              "            socket.create_connection(('127.0.0.1', port), timeout=2).close()\n"
              "        elif what == 'signal':\n"
              "            os.kill(pid, 0)\n"
              "        elif what == 'unix':\n"
              "            s = socket.socket(socket.AF_UNIX); s.connect(name); s.close()\n"
              "        else:\n"
              "            socket.socket(socket.AF_INET, socket.SOCK_DGRAM).close()\n"
              "        return 'done'\n"
              "    except OSError as e:\n"
              "        return type(e).__name__\n")
    name = f"\0rnn-grader-test-{os.getpid()}"
    with socket.socket() as listener, socket.socket(socket.AF_UNIX) as abstract:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        abstract.bind(name)
        abstract.listen()
        port = listener.getsockname()[1]
        box = make_box(source=source, isolation="process")
        assert box.isolation == "process+landlock (UDP open)"
        got = {what: box.call("attempt", (what, port, os.getpid(), name)).value
               for what in ("tcp", "signal", "unix", "udp")}
    assert got == {"tcp": "PermissionError", "signal": "PermissionError",
                   "unix": "PermissionError", "udp": "done"}


def test_a_fence_that_cannot_be_set_up_stops_the_worker_before_the_submission(make_box,
                                                                               monkeypatch, tmp_path):
    if not fenced("process"):
        pytest.skip("no Landlock here")
    import grader.sandbox.process as process_module

    monkeypatch.setattr(process_module, "landlock_rules", lambda workdir, runtime=None: [["/usr", "everything"]])
    marker = tmp_path / "ran"
    box = make_box(source=f"open({str(marker)!r}, 'w').close()\n", isolation="process")
    err = box.load()
    assert err.kind == "crash" and err.message.startswith("the sandbox could not be set up")
    assert not marker.exists()


# ------------------------------------------------------------------------- naming and requiring


@pytest.mark.parametrize("name, seccomp, abi, label", [
    ("bubblewrap", True, 7, "bubblewrap+landlock"),
    ("bubblewrap", True, 0, "bubblewrap"),
    ("unprivileged-user", True, 7, "unprivileged-user+landlock"),
    ("unprivileged-user", True, 0, "unprivileged-user (no landlock: every world-readable file readable)"),
    ("process", True, 3, "process+landlock"),
    ("process", False, 5, "process+landlock (UDP open)"),
    ("process", False, 3, "process+landlock (network open)"),
    ("process", False, 0, "process (no landlock: every file of the grader's user readable and "
                          "writable; network open)"),
])
def test_reports_name_the_level_the_fence_and_what_is_left_open(monkeypatch, name, seccomp, abi,
                                                                  label):
    monkeypatch.setitem(isolation._probes, name, isolation.LevelCheck(name, True, seccomp=seccomp,
                                                                 landlock=abi))
    assert isolation.describe(name) == label
    assert (isolation.files_left_open(name) is None) == ("no landlock" not in label)


def test_required_isolation_refuses_where_files_are_left_open(monkeypatch):
    without(monkeypatch, "process", landlock=0)
    with pytest.raises(IsolationUnavailable, match=r"^isolation process \(no landlock: every file .*"
                                                   r"and isolation is required: install bubblewrap"):
        Sandbox("x = 1\n", limits=Limits(isolation="process", require_isolation=True))
    with Sandbox("x = 1\n", limits=FAST) as box:  # not required: it degrades, and says so
        assert box.isolation.startswith(box.level)


def test_required_isolation_grades_behind_a_fence(level, make_box):
    if isolation.files_left_open(level):
        pytest.skip(f"{level} has no fence here")
    box = make_box("good", limits=Limits(isolation=level, require_isolation=True))
    assert box.call("add", (1, 2)).value == 3
