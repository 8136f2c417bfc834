"""Hostile submissions: each failure stays inside its call (or its load), and the next call
on the same Sandbox works again. (The threat model level by level: test_isolation.py.)"""

from __future__ import annotations

import os

import numpy as np
import pytest

from grader.sandbox import Limits, Unsupported

from sandbox_support import FAST, gone, without


# ------------------------------------------------------------------------- import failures


def test_syntax_error_names_the_line(make_box):
    box = make_box("syntax_error")
    err = box.load()
    assert err.kind == "syntax"
    assert err.message.startswith("SyntaxError: ") and err.message.endswith("(line 7)")


def test_exception_at_import_names_type_and_line(make_box):
    err = make_box("raises_at_import").load()
    assert err.kind == "import"
    assert err.message == "ZeroDivisionError: float division by zero (line 6)"


def test_sys_exit_at_import(make_box):
    err = make_box("exit_at_import").load()
    assert err.kind == "exit"
    assert err.message.startswith("the submission called sys.exit(3) while being imported")


@pytest.mark.parametrize("source, kind, words", [
    ("import os\nos._exit(4)\n", "exit", "exited with code 4 while importing"),
    ("import ctypes\nctypes.string_at(0)\n", "crash", "(signal SIGSEGV) while importing"),
    ("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n", "crash", "SIGKILL"),
    ("import numpy as np\nBIG = np.ones(2**29)\n", "memory", "ran out of memory"),
    ("raise KeyboardInterrupt\n", "import", "KeyboardInterrupt (line 1)"),
])
def test_load_failures_of_every_kind(make_box, source, kind, words):
    err = make_box(source=source).load()
    assert err.kind == kind and words in err.message, err


def test_calls_after_a_load_error_fail_fast_without_reimporting(make_box):
    box = make_box("raises_at_import")
    err = box.load()
    outs = box.call_many([("anything", ()), ("other", (1,))])
    assert [o.error_kind for o in outs] == ["crash", "crash"]
    assert all(o.message == err.message for o in outs)
    assert box._res.worker is None


def test_load_error_during_a_restart_fails_the_remaining_calls(make_box, tmp_path, monkeypatch):
    without(monkeypatch, "process", landlock=0)  # it writes a counter outside its folder
    counter = tmp_path / "imports"
    src = (f"import os\nCOUNT = {str(counter)!r}\n"
           "with open(COUNT, 'a') as f:\n    f.write('x')\n"
           "if len(open(COUNT).read()) > 1:\n    raise RuntimeError('second import fails')\n"
           "def die():\n    os._exit(9)\ndef ok():\n    return 1\n")
    box = make_box(source=src, isolation="process")
    assert box.load() is None
    outs = box.call_many([("ok", ()), ("die", ()), ("ok", ()), ("ok", ())], stop_on_fatal=False)
    assert [o.error_kind for o in outs] == [None, "exit", "crash", "crash"]
    assert outs[2].message == "RuntimeError: second import fails (line 6)"
    again = box.call("ok")  # no third import: the failure is remembered
    assert again.error_kind == "crash"
    assert counter.read_text() == "xx"
    assert box.load().kind == "import"  # an explicit load() retries
    assert counter.read_text() == "xxx"


# ------------------------------------------------------------------------- fatal calls


def _fails_then_recovers(box, bad_call, kind):
    out = box.call(*bad_call)
    assert not out.ok and out.error_kind == kind and out.fatal, out
    assert out.value is None and out.args_after == ()
    assert box._res.worker is None  # killed and reaped right away
    again = box.call("ok", (41,))
    assert again.ok and again.value == 41  # a fresh worker answers
    return out


def test_os_exit_in_a_call(make_box):
    out = _fails_then_recovers(make_box("os_exit_in_call"), ("quit_now", (1,)), "exit")
    assert out.message == "the worker exited with code 0 while running quit_now()"
    assert out.output == "about to leave\n"


@pytest.mark.parametrize("func", ["garbage", "oversize", "object_dtype", "lying_shape",
                                  "wrong_index", "stale_batch", "deep_json", "close_channel",
                                  "flood_frames"])
def test_forged_protocol_messages_are_protocol_outcomes(make_box, func):
    out = _fails_then_recovers(make_box("forges_protocol"), (func, (1,)), "protocol")
    assert out.message


# ------------------------------------------------------------------------- non-fatal BaseExceptions


@pytest.mark.parametrize("func, type_name, line", [
    ("interrupt", "KeyboardInterrupt", 5),
    ("generator_exit", "GeneratorExit", 9),
    ("recurse", "RecursionError", 13),
    ("sneaky", "Sneaky", 21),
])
def test_base_exceptions_are_exception_results(make_box, func, type_name, line):
    box = make_box("keyboard_interrupt")
    out = box.call(func, (1,))
    assert out.error_kind == "exception" and not out.fatal
    assert out.error_type == type_name
    assert out.message.startswith(type_name) and out.message.endswith(f"(line {line})")
    pid = box._res.worker.pid
    assert box.call("ok", (2,)).value == 2
    assert box._res.worker.pid == pid  # the same worker


def test_sys_exit_in_a_call_is_an_exception_result(make_box):
    box = make_box("system_exit_in_call")
    outs = box.call_many([("leave", (1,)), ("ok", (2,))])
    assert outs[0].error_kind == "exception" and outs[0].error_type == "SystemExit"
    assert outs[0].message == "SystemExit: 3 (line 6)"
    assert outs[1].ok and outs[1].value == 2


# ------------------------------------------------------------------------- stop_on_fatal


def test_stop_on_fatal_skips_the_rest_of_the_batch(make_box):
    box = make_box("loop_forever")
    outs = box.call_many([("ok", (1,)), ("spin", (2,)), ("ok", (3,)), ("ok", (4,))])
    assert [o.error_kind for o in outs] == [None, "timeout", "skipped", "skipped"]
    assert outs[0].value == 1
    assert all(not o.fatal and "spin()" in o.message for o in outs[2:])
    assert box.call_many([("ok", (5,))])[0].value == 5  # next batch: fresh worker


def test_without_stop_on_fatal_the_worker_restarts_and_the_batch_continues(make_box):
    box = make_box("segfault_in_call")
    outs = box.call_many([("ok", (1,)), ("crash", (0,)), ("ok", (3,)), ("crash", (0,)),
                          ("ok", (5,))], stop_on_fatal=False)
    assert [o.error_kind for o in outs] == [None, "crash", None, "crash", None]
    assert [outs[i].value for i in (0, 2, 4)] == [1, 3, 5]


# ------------------------------------------------------------------------- lying values


def test_ndarray_subclass_arrives_as_a_plain_array_with_its_true_data(make_box):
    box = make_box("returns_subclass")
    out = box.call("liar", (0,))
    assert type(out.value) is np.ndarray
    assert not np.array_equal(out.value, np.zeros(3))
    assert out.value.tolist() == [1.0, 2.0, 3.0]
    nested = box.call("liar_in_dict", (0,)).value
    assert type(nested["dW"]) is np.ndarray and nested["dW"].tolist() == [0.0, 1.0, 2.0, 3.0]
    assert type(nested["db"][0]) is np.ndarray


def test_objects_with_side_effects_arrive_as_unsupported(make_box, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    box = make_box("returns_object")
    outs = box.call_many([(f, (0,)) for f in (
        "sly", "sly_nested", "object_array", "structured", "strings", "long_str", "int_keys",
        "cyclic", "wide_cycle")])
    assert all(o.ok for o in outs)
    sly, nested, obj, struct, strings, long_str, int_keys, cyclic, wide = (o.value for o in outs)
    assert sly == Unsupported("Sly")
    assert nested[0] == 1.0 and nested[1] == [Unsupported("Sly")]
    assert nested[2] == {"a": Unsupported("Sly")}
    for u in (obj, struct, strings, int_keys, wide):
        assert isinstance(u, Unsupported) and u.type_name
    assert long_str == "y" * 1000
    assert isinstance(cyclic, list)
    assert not (tmp_path / "side_effect_ran").exists()


# ------------------------------------------------------------------------- processes


def test_garbage_collected_sandbox_releases_its_worker(make_box):
    from grader.sandbox import Sandbox

    box = Sandbox("def f():\n    return 1\n", limits=FAST)
    assert box.call("f").value == 1
    marker, workdir = box._res.worker.marker.hex(), box._res.workdir
    del box
    import gc

    gc.collect()
    assert gone(marker) == []
    assert not os.path.exists(workdir)


def test_timeout_is_enforced_by_the_parent_even_when_the_child_ignores_signals(make_box):
    src = ("import signal, time\n"
           "for s in (signal.SIGTERM, signal.SIGINT, signal.SIGALRM):\n"
           "    signal.signal(s, signal.SIG_IGN)\n"
           "def nap():\n    time.sleep(30)\n")
    box = make_box(source=src, limits=Limits(call_seconds=1, import_seconds=2.5,
                                             memory_bytes=2**30))
    out = box.call("nap")
    assert out.error_kind == "timeout" and out.message == "nap() took longer than 1 s"
