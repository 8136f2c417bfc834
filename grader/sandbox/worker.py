"""Sandbox worker: imports one untrusted submission and answers calls from the grader.

A standalone script, started by grader/sandbox/process.py as

    python -I worker.py <absolute path of the submission> <output marker, hex>

with fd 0 = request pipe, fd 1 = response pipe, fd 2 = output pipe (drained by the parent).
It imports only the standard library, numpy and wire.py from its own folder.

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

import importlib.util  # noqa: E402
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
    import wire  # noqa: E402
finally:
    if sys.path and sys.path[0] == _HERE:
        del sys.path[0]
sys.modules.pop("wire", None)  # the submission must not find (and patch) our codec by name

EXIT_PROTOCOL = 113  # the worker could not use its protocol channel
GRADER_PACKAGE = os.path.basename(os.path.dirname(_HERE))  # "grader"


class _HideGrader:
    """Meta-path finder refusing the grader's own package (it holds reference code).

    Defence in depth only: code in this process can undo it, and files stay readable until
    the worker runs in a filesystem sandbox (bubblewrap)."""

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


def _text(x, limit: int = 1000) -> str:
    try:
        s = str(x)
    except BaseException:  # noqa: BLE001 - a hostile __str__
        s = "<unprintable>"
    if not isinstance(s, str):
        s = "<unprintable>"
    return str.__str__(s)[:limit]


def _type_name(e) -> str:
    try:
        name = type(e).__name__
    except BaseException:  # noqa: BLE001
        name = "?"
    return _text(name, 200)


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
    return {
        "type": _type_name(e),
        "message": _text(e),
        "line": _submission_line(e.__traceback__, path),
    }


def _import(path: str):
    """Import the submission as module "submission". Returns (module or None, envelope)."""
    try:
        spec = importlib.util.spec_from_file_location("submission", path)
        module = importlib.util.module_from_spec(spec)
        sys.modules["submission"] = module
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
    return module, {"op": "loaded", "ok": True}


def _result_frame(batch, index: int, outcome: dict, value_set: bool, value, args) -> bytes:
    """Encode one result. Values that cannot be encoded become Unsupported, never a crash."""
    enc = wire.Encoder(lenient=True, max_str=wire.MAX_STR)
    head = {"op": "result", "batch": batch, "index": index, **outcome}
    if value_set:
        try:
            head["value"] = enc.value(value)
        except MemoryError:
            raise
        except BaseException:  # noqa: BLE001 - e.g. a dict subclass whose items() raises
            enc = wire.Encoder(lenient=True, max_str=wire.MAX_STR)
            head["value"] = ["u", _type_name(value)]
    try:
        tree = enc.try_value(args)
    except MemoryError:
        raise
    except BaseException:  # noqa: BLE001
        tree = None
    head["args_after"] = tree if tree is not None else ["t", []]
    try:
        return enc.frame(head)
    except ValueError:  # too large after all: send the verdict without the arrays
        enc = wire.Encoder(lenient=True, max_str=wire.MAX_STR)
        if value_set:
            head["value"] = ["u", _type_name(value) + " (too large to send)"]
        head["args_after"] = ["t", []]
        return enc.frame(head)


def _call(module, path: str, batch, index: int, call, decoder) -> tuple[bytes, bool]:
    """Run one call. Returns (response frame, whether it was a MemoryError)."""
    args = ()
    name = "?"
    try:
        name = call["name"]
        args = decoder.value(call["args"])
        fn = getattr(module, name, None)
        if fn is None or not callable(fn):
            outcome = {"ok": False, "kind": "exception", "type": "AttributeError",
                       "message": f"the submission has no function named {name!r}",
                       "line": None}
            return _result_frame(batch, index, outcome, False, None, args), False
        result = fn(*args)
    except MemoryError as e:
        outcome = {"ok": False, "kind": "memory", **_describe(e, path)}
        del e
        return _result_frame(batch, index, outcome, False, None, ()), True
    except BaseException as e:  # noqa: BLE001 - SystemExit, KeyboardInterrupt, GeneratorExit...
        outcome = {"ok": False, "kind": "exception", **_describe(e, path)}
        del e
        try:
            return _result_frame(batch, index, outcome, False, None, args), False
        except MemoryError:
            return _result_frame(batch, index, outcome, False, None, ()), False
    try:
        return _result_frame(batch, index, {"ok": True}, True, result, args), False
    except MemoryError as e:
        outcome = {"ok": False, "kind": "memory", **_describe(e, path)}
        outcome["message"] = "while sending the result: " + outcome["message"]
        return _result_frame(batch, index, outcome, False, None, ()), True


def main(argv) -> None:
    path, marker = argv[1], bytes.fromhex(argv[2])
    _hide_grader()
    _send_head({"op": "ready", "pid": os.getpid()})
    module, loaded = _import(path)
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
            frame, memory = _call(module, path, batch, index, call, decoder)
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
