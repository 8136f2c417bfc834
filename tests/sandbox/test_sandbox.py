"""Sandbox behaviour with well-behaved code: API, round trips, batching, output, lifecycle."""

from __future__ import annotations

import math
import os
import pickle
import textwrap
import time

import numpy as np
import pytest

from grader.sandbox import CallOutcome, Frame, Limits, LoadError, Sandbox, Unsupported
from grader.sandbox.rlimits import NOFILE_LIMIT, FSIZE_LIMIT

from sandbox_support import FAST, assert_same


# ------------------------------------------------------------------------- API surface


def test_limits_defaults_and_validation():
    lim = Limits()
    assert (lim.call_seconds, lim.import_seconds, lim.memory_bytes, lim.output_bytes) == (
        10.0, 20.0, 2 * 2**30, 64 * 1024)
    assert (lim.processes, lim.isolation) == (16, "auto")
    with pytest.raises(Exception):
        lim.call_seconds = 1  # frozen
    for bad in ({"call_seconds": 0}, {"import_seconds": -1}, {"memory_bytes": True},
                {"output_bytes": "10"}, {"processes": 1.5}, {"isolation": "chroot"}):
        with pytest.raises(ValueError):
            Limits(**bad)


def test_outcome_types_are_frozen_and_fatal_is_derived():
    out = CallOutcome(False, error_kind="timeout")
    assert out.fatal
    assert not CallOutcome(False, error_kind="exception").fatal
    assert not CallOutcome(False, error_kind="skipped").fatal
    assert not CallOutcome(True, value=1).fatal
    for kind in ("crash", "memory", "exit", "protocol"):
        assert CallOutcome(False, error_kind=kind).fatal
    with pytest.raises(Exception):
        out.ok = True
    assert LoadError("syntax", "m") == LoadError("syntax", "m", "")
    assert Unsupported("Foo") == Unsupported("Foo")


@pytest.mark.parametrize("name", ["../x.py", "a/b.py", "x.txt", "", ".py/"])
def test_filename_must_be_a_plain_python_file_name(name):
    with pytest.raises(ValueError):
        Sandbox("x = 1", filename=name)


def test_context_manager_returns_the_box_and_closes_it():
    with Sandbox("def f():\n    return 1\n", limits=FAST) as box:
        assert isinstance(box, Sandbox)
        assert box.load() is None
        assert box.call("f").value == 1
    with pytest.raises(RuntimeError):
        box.call("f")
    box.close()  # idempotent


# ------------------------------------------------------------------------- round trips

KINDS = {
    "float64 2-d": np.arange(6.0).reshape(2, 3),
    "float32": np.array([1.5, -2.0], dtype=np.float32),
    "int64": np.arange(5),
    "uint8": np.arange(3, dtype=np.uint8),
    "bool": np.array([True, False]),
    "complex128": np.array([1 + 2j]),
    "empty": np.zeros((0, 4)),
    "0-d": np.array(2.5),
    "non-finite": np.array([np.nan, np.inf, -np.inf]),
    "float": 1.25,
    "nan": math.nan,
    "int": -42,
    "bool scalar": True,
    "None": None,
    "str": "héllo",
    "tuple": (1, 2.0, "x"),
    "list": [1, [2, [3]]],
    "dict of arrays": {"W": np.ones((2, 2)), "b": np.zeros(2)},
    "nested": {"a": (np.arange(3), [None, {"b": 1.0}])},
}


def test_every_value_kind_round_trips_in_one_batch(good):
    names = list(KINDS)
    outs = good.call_many([("echo", (KINDS[k],)) for k in names])
    assert len(outs) == len(names)
    for name, out in zip(names, outs):
        assert out.ok, (name, out.message)
        assert_same(KINDS[name], out.value)
        assert_same((KINDS[name],), out.args_after)


def test_decoded_arrays_are_plain_parent_owned_and_writeable(good):
    out = good.call("fortran", (np.arange(12.0).reshape(3, 4),))
    assert out.ok
    v = out.value
    assert type(v) is np.ndarray and v.flags.c_contiguous and v.flags.writeable
    assert v.tolist() == [[0.0, 2.0], [4.0, 6.0], [8.0, 10.0]]
    v[0, 0] = 99.0  # ours to modify
    be = good.call("big_endian", (np.arange(3.0),)).value
    assert be.dtype == np.float64 and be.dtype.isnative and be.tolist() == [0.0, 1.0, 2.0]


def test_numpy_scalars_come_back_as_0d_arrays(good):
    out = good.call("scalar", (np.arange(4.0),))
    assert type(out.value) is np.ndarray and out.value.shape == () and out.value == 6.0
    pair = good.call("pair", (np.arange(3.0),)).value
    assert type(pair) is tuple and pair[1].shape == () and pair[1].dtype == np.float64


def test_mixed_python_values(good):
    v = good.call("mixed").value
    assert v[:4] == [None, True, 3, 2.5]
    assert math.isnan(v[4]) and v[5] == math.inf
    assert v[6] == "é" and v[7] == (1, [2])
    assert v[8]["k"].dtype == np.int32 and v[8]["k"] == 7


def test_dict_arguments_and_results(good):
    out = good.call("as_dict", ({"a": np.ones(2), "b": np.arange(2.0)},))
    assert out.ok
    assert list(out.value) == ["a", "b"]
    assert out.value["b"].tolist() == [0.0, 2.0]


def test_args_after_shows_in_place_modification(good):
    x = np.array([1.0, 2.0])
    out = good.call("double_inplace", (x,))
    assert out.ok and out.value is None
    assert out.args_after[0].tolist() == [2.0, 4.0]
    assert x.tolist() == [1.0, 2.0]  # the parent's array is untouched
    same = good.call("add", (x, x))
    assert [a.tolist() for a in same.args_after] == [[1.0, 2.0], [1.0, 2.0]]


def test_arguments_a_call_left_alone_do_not_travel_back(good, monkeypatch):
    """Most calls change nothing: those arguments come back as the parent's own values, their arrays
    not sent again; any change (values, shape, dtype, a list grown) brings the argument back."""
    from grader.sandbox import sandbox as sandbox_module

    sizes: list[int] = []
    decode = sandbox_module.wire.decode_payload
    monkeypatch.setattr(sandbox_module.wire, "decode_payload", lambda payload, **kw: sizes.append(len(payload)) or decode(payload, **kw))
    x, big = np.array([1.0, 2.0]), np.zeros(10_000)
    same = good.call("scalar", (big,))
    assert same.ok and same.args_after[0] is big and sizes[-1] < 1000
    pair = good.call("add", (x, x + 0.0))
    assert pair.args_after[0] is x and pair.args_after[1] is not x and pair.args_after[1].tolist() == [1.0, 2.0]
    out = good.call("double_inplace", (x,))
    assert out.args_after[0] is not x and out.args_after[0].tolist() == [2.0, 4.0] and x.tolist() == [1.0, 2.0]


@pytest.mark.parametrize("unchanged", [[0, 0], [5], [-1], ["0"], [0.0], [1]])
def test_an_unchanged_list_that_does_not_fit_the_arguments_is_a_protocol_error(unchanged):
    from grader.sandbox.sandbox import _Protocol, _restored

    with pytest.raises(_Protocol):
        _restored((None, np.ones(2)), unchanged, (np.zeros(2), np.ones(2)))
    assert _restored((None, 7), [0], ("sent", 8)) == ("sent", 7)


def test_rnn_cell_round_trip_matches_the_parent(good):
    rng = np.random.default_rng(0)
    x, h = rng.normal(size=(3, 4)), rng.normal(size=(3, 5))
    Wx, Wh, b = rng.normal(size=(4, 5)), rng.normal(size=(5, 5)), rng.normal(size=5)
    out = good.call("rnn_cell_forward", (x, h, Wx, Wh, b))
    assert out.ok
    assert np.array_equal(out.value, np.tanh(x @ Wx + h @ Wh + b))


def test_round_trip_never_unpickles_in_the_parent(good, monkeypatch):
    def forbidden(*a, **k):
        raise AssertionError("the parent tried to unpickle")

    monkeypatch.setattr(pickle, "loads", forbidden)
    monkeypatch.setattr(pickle, "load", forbidden)
    monkeypatch.setattr(pickle, "Unpickler", forbidden)
    monkeypatch.setattr(np, "load", forbidden)
    outs = good.call_many([("echo", (KINDS["nested"],)), ("pair", (np.arange(3.0),)),
                           ("fail", (1,))])
    assert outs[0].ok and outs[1].ok and outs[2].error_kind == "exception"


def test_unsendable_arguments_raise_before_anything_runs(good):
    with pytest.raises(TypeError):
        good.call_many([("stateful", ()), ("echo", (object(),))])
    with pytest.raises(TypeError):
        good.call("echo", ({1: 2},))
    with pytest.raises(TypeError):
        good.call("echo", 5)  # args must be a tuple or list
    assert good.call("stateful").value == 1  # the first batch never ran


# ------------------------------------------------------------------------- batches and errors


def test_many_calls_in_one_batch_keep_order_and_worker_state(good):
    outs = good.call_many([("stateful", ())] * 50 + [("add", (1, 2))])
    assert [o.value for o in outs[:50]] == list(range(1, 51))
    assert outs[50].value == 3


def test_exception_is_a_result_with_line_and_the_worker_survives(good):
    outs = good.call_many([("stateful", ()), ("fail", (5,)), ("stateful", ()), ("fail", (-1,))])
    assert outs[0].value == 1
    bad = outs[1]
    assert not bad.ok and bad.error_kind == "exception" and not bad.fatal
    assert bad.error_type == "ValueError"
    assert bad.message == "ValueError: x must be <= 0, got 5 (line 39)"
    assert bad.args_after == (5,)
    assert outs[2].value == 2  # same worker
    assert outs[3].ok and outs[3].value == -1


CALL_CHAIN = """import numpy as np
from helpers import scale


def outer(x):
    return inner(x)


def inner(x):
    return scale(np.squeeze(x)) @ np.ones((2, 2))


def recurse(n):
    return recurse(n + 1) if n < 40 else {}[n]
"""


def test_an_exception_names_the_submissions_frames_innermost_last_and_nothing_else():
    helper = b"def scale(v):\n    return v * 2\n"
    with Sandbox(CALL_CHAIN, "rnn.py", FAST, modules=[("helpers.py", helper)]) as box:
        out = box.call("outer", (np.ones((1, 3)),))  # numpy's own frames raise: they are left out
        assert out.error_kind == "exception" and out.error_type == "ValueError"
        assert out.frames == (Frame("rnn.py", 6, "outer"), Frame("rnn.py", 10, "inner"))
        deep = box.call("recurse", (0,))
        assert deep.error_type == "KeyError"
        assert len(deep.frames) == 10 and set(deep.frames) == {Frame("rnn.py", 14, "recurse")}
        assert box.call("outer", ("text",)).frames[-1] == Frame("helpers.py", 2, "scale")
        assert box.call("inner", (np.ones(2),)).ok and box.call("inner", (np.ones(2),)).frames == ()


def test_missing_function_is_an_exception_result(good):
    out = good.call("no_such_function", (1,))
    assert out.error_kind == "exception" and out.error_type == "AttributeError"
    assert "no_such_function" in out.message
    assert good.call("stateful").ok


def test_empty_batch(good):
    assert good.call_many([]) == []


def test_call_without_load_loads_implicitly(make_box):
    box = make_box("good")
    assert box.call("add", (2, 3)).value == 5


def test_load_twice_is_a_no_op(good):
    assert good.call("stateful").value == 1
    assert good.load() is None
    assert good.call("stateful").value == 2


# ------------------------------------------------------------------------- output capture


def test_output_is_captured_per_call_in_a_batch(good):
    outs = good.call_many([("shout", (i,)) for i in range(5)] + [("echo", (1,))])
    assert [o.output for o in outs[:5]] == [f"value: {i}\n" for i in range(5)]
    assert outs[5].output == ""


def test_output_at_import_is_kept_and_stdout_stderr_are_merged(make_box):
    box = make_box("print_flood")
    assert box.load() is None
    assert box.load_output == ""
    out = box.call("chatty", (7,))
    assert out.output == "first line of 7\nto stderr\n"
    src = "import sys\nprint('at import')\nprint('oops', file=sys.stderr)\ndef f():\n    return 0\n"
    other = make_box(source=src)
    assert other.load() is None
    assert other.load_output == "at import\noops\n"


def test_output_printed_before_an_exception_is_kept(make_box):
    box = make_box(source="def f():\n    print('partial')\n    raise RuntimeError('x')\n")
    out = box.call("f")
    assert out.error_kind == "exception" and out.output == "partial\n"
    assert out.message == "RuntimeError: x (line 3)"


def test_output_comes_back_inert(make_box):
    box = make_box(source="def f():\n    print('\\x1b[2Jred\\x00\\ttab')\n    return 1\n")
    assert box.call("f").output == "\\x1b[2Jred\\x00\ttab\n"


def test_output_of_a_load_error_is_in_the_load_error(make_box):
    box = make_box(source="print('before the crash')\nraise ValueError('bad')\n")
    err = box.load()
    assert err.kind == "import" and err.message == "ValueError: bad (line 2)"
    assert err.output == "before the crash\n"


def test_output_cap(make_box):
    limits = Limits(call_seconds=30, import_seconds=5, memory_bytes=2**30, output_bytes=1000)
    box = make_box(source="def f():\n    print('z' * 100000)\n    return 1\n", limits=limits)
    out = box.call("f")
    assert out.ok and out.value == 1
    assert len(out.output) <= 1000
    assert out.output.startswith("zzz") and "truncated" in out.output
    assert box.call("f").ok


# ------------------------------------------------------------------------- process setup


def test_worker_environment_cwd_and_limits(make_box):
    src = textwrap.dedent("""
        import os, resource, sys
        def env():
            return dict(os.environ)
        def where():
            return [os.getcwd(), os.path.abspath(__file__), sys.flags.isolated,
                    os.getpgrp() == os.getpid(), os.getsid(0) == os.getpid()]
        def limits():
            return [list(resource.getrlimit(r)) for r in (resource.RLIMIT_AS,
                    resource.RLIMIT_CORE, resource.RLIMIT_FSIZE, resource.RLIMIT_NOFILE)]
        def nproc():
            return resource.getrlimit(resource.RLIMIT_NPROC)[0]
        def stdin():
            return sys.stdin.read()
    """)
    box = make_box(source=src, filename="student.py")
    env = box.call("env").value
    assert set(env) <= {"PATH", "LANG", "HOME", "TMPDIR", "PYTHONHASHSEED",
                        "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                        "PYTHONDONTWRITEBYTECODE", "LC_CTYPE", "PWD"}  # bwrap sets PWD
    assert env["PATH"] == "/usr/bin:/bin" and env["PYTHONHASHSEED"] == "0"
    assert env["OPENBLAS_NUM_THREADS"] == "1"
    cwd, path, isolated, leader, session = box.call("where").value
    assert path == os.path.join(cwd, "student.py")
    assert env["HOME"] == cwd and env["TMPDIR"] == cwd
    assert isolated == 1
    if box.level != "bubblewrap":  # there bwrap's init leads the new session
        assert leader and session
    mem = FAST.memory_bytes
    assert box.call("limits").value == [[mem, mem], [0, 0], [FSIZE_LIMIT, FSIZE_LIMIT],
                                        [NOFILE_LIMIT, NOFILE_LIMIT]]
    if box._res.slot is not None:  # its own uid: the limit, plus one for the monitor
        assert box.call("nproc").value == FAST.processes + (box.level != "bubblewrap")
    assert box.call("stdin").value == ""  # /dev/null, not the protocol pipe
    assert os.path.isdir(cwd)
    box.close()
    assert not os.path.exists(cwd)


def test_the_grader_package_is_not_importable_from_the_submission(make_box):
    src = ("def probe():\n    try:\n        import grader.reference\n    except ImportError as e:\n"
           "        return type(e).__name__\n    return 'imported'\n")
    assert make_box(source=src).call("probe").value == "ModuleNotFoundError"


def test_each_worker_start_gets_a_fresh_folder(make_box):
    src = "import os\ndef cwd():\n    return os.getcwd()\ndef die():\n    os._exit(1)\n"
    box = make_box(source=src)
    first = box.call("cwd").value
    assert box.call("die").error_kind == "exit"
    second = box.call("cwd").value
    assert first != second and not os.path.exists(first)


def test_restart_keeps_the_submission_and_forgets_state(good):
    assert good.call("stateful").value == 1
    assert good.call("stateful").value == 2
    good._res.stop_worker()  # as after a fatal outcome
    assert good.call("stateful").value == 1


def test_the_parents_numpy_is_unaffected_by_patches_in_the_child(make_box):
    box = make_box("patches_numpy")
    assert box.load() is None
    assert box.call("patched").value is True  # patched in the child
    assert not np.allclose(1.0, 2.0)
    assert not np.array_equal([1.0], [2.0])
    assert not math.isclose(1.0, 2.0)
    out = box.call("wrong", (np.ones(2),))
    assert out.ok and out.value.tolist() == [12345.0, 12345.0]
    assert not np.allclose(out.value, np.ones(2))


def test_a_call_given_fewer_seconds_stops_at_them_and_more_never_extend_the_limit(make_box):
    box = make_box(source="import time\ndef nap(s):\n    time.sleep(s)\n    return s\n",
                   limits=Limits(call_seconds=1, import_seconds=5))
    out = box.call("nap", (3,), seconds=0.25)  # what is left of a caller's budget
    assert out.error_kind == "timeout" and out.message == "nap() took longer than 0.25 s"
    assert box.call("nap", (0,), seconds=60).value == 0
    assert box.call("nap", (3,), seconds=60).message == "nap() took longer than 1 s"


def test_a_request_stops_at_its_until_however_many_calls_fit_in_the_call_limit(make_box):
    box = make_box(source="import time\ndef nap(s):\n    time.sleep(s)\n    return s\n",
                   limits=Limits(call_seconds=5, import_seconds=5))
    assert box.load() is None
    outs = box.call_many([("nap", (0,)), ("nap", (0.2,)), ("nap", (0.2,)), ("nap", (0.2,))],
                         until=time.monotonic() + 0.3)  # each call alone is far within its 5 s
    assert [o.ok for o in outs[:2]] == [True, True]
    assert outs[2].error_kind == "timeout" and outs[3].error_kind == "skipped"
