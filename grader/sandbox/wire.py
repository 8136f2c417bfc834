"""Wire format between the grader (parent) and the sandbox worker (child).

Imports only the standard library and numpy: the worker loads this file as a top-level
module from its own folder, the parent imports it as ``grader.sandbox.wire``.

Nothing here ever pickles or unpickles. A message is a JSON header plus raw array
buffers; the decoder trusts nothing it reads (the child is untrusted) and raises
``WireError`` for anything malformed.

Frame    := u64le N, then N bytes of payload                 (N <= MAX_FRAME)
Payload  := u32le H, then H bytes of UTF-8 JSON, then the array buffers, concatenated
JSON     := {"head": <envelope>, "arrays": [[dtype, [d0, d1, ...], nbytes], ...]}

The envelope is ordinary JSON written by our own code (op names, indices, messages). Values
(call arguments, results) appear inside it as *value trees*:

    null / true / false / JSON int / JSON float / JSON string   -> None, bool, int, float, str
    ["f", "nan" | "inf" | "-inf"]                               -> non-finite float
    ["a", i]                                                    -> array i of the table
    ["n", i]                                                    -> numpy scalar, array i (0-d)
    ["t", [v, ...]]  ["l", [v, ...]]                            -> tuple, list
    ["d", [[key, v], ...]]                                      -> dict with str keys
    ["u", "type name"]                                          -> Unsupported(type name)

Every array of the table must be referenced exactly once (so a small header cannot make the
decoder copy one large buffer many times).

The conversation (envelopes; worker.py and sandbox.py are the two ends):

    child  -> {"op": "ready", "pid": n}                      python and numpy are up
    child  -> {"op": "loaded", "ok": true}                   or "ok": false with kind
              ("syntax" | "import" | "exit" | "memory"), type, message, line
    parent -> {"op": "calls", "batch": b, "calls": [{"name": str, "args": tuple tree}, ...]}
    child  -> {"op": "result", "batch": b, "index": i, "ok": true, "value": tree,
               "args_after": tuple tree, "unchanged": [j, ...]}   one per call, as each finishes
              (the arguments the call left exactly as they came are listed in "unchanged" and
              sent as null: most calls change nothing, and their arrays need not travel back)
              or "ok": false with kind ("exception" | "memory"), type, message, line

Before "loaded" and before each "result" the child flushes stdout/stderr and writes a marker
to its output pipe, so the parent can cut the captured output into per-call segments.
"""

from __future__ import annotations

import json
import math
import os
import struct
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "MAX_FRAME",
    "MAX_HEADER",
    "MAX_VALUE_DEPTH",
    "MAX_JSON_DEPTH",
    "MAX_STR",
    "Unsupported",
    "type_name",
    "WireError",
    "FrameTooLarge",
    "reply_limit",
    "Encoder",
    "Decoder",
    "decode_payload",
    "FrameReader",
    "read_frame",
    "write_all",
    "DTYPES",
    "EXIT_PROTOCOL",
    "EXIT_SETUP",
]

MAX_FRAME = 256 * 2**20  # bytes of payload in one frame
MAX_HEADER = 64 * 2**20  # bytes of JSON in one payload
MAX_VALUE_DEPTH = 32  # nesting of containers inside one value tree
MAX_JSON_DEPTH = 3 * MAX_VALUE_DEPTH + 12  # a dict level costs 3 JSON levels, plus envelope
MAX_NODES = 250_000  # nodes (scalars, containers, arrays) in one message
MAX_NDIM = 32
MAX_STR = 1000  # characters of a str coming back from the child
MAX_TYPE_NAME = 200
MAX_FRAMES = 10  # frames of the student's call chain a failed call reports: the innermost ones (a deep recursion repeats itself)
# A reply may be REPLY_FACTOR times the size of its request plus REPLY_SLACK: answers are the
# size of the inputs (at most ~2x with the arguments echoed back), so this is generous.
REPLY_FACTOR = 16
REPLY_SLACK = 8 * 2**20

# The worker's exit statuses that are not the submission's doing (the parent words them).
EXIT_PROTOCOL = 113  # the worker could not use its protocol channel
EXIT_SETUP = 114  # a requested protection could not be set up

LEN = struct.Struct("<Q")
HLEN = struct.Struct("<I")

# Plain numeric dtypes in native byte order. Anything else is refused by the decoder.
DTYPES: dict[str, np.dtype] = {
    np.dtype(t).str: np.dtype(t)
    for t in (
        np.bool_,
        np.int8, np.int16, np.int32, np.int64,
        np.uint8, np.uint16, np.uint32, np.uint64,
        np.float16, np.float32, np.float64, np.longdouble,
        np.complex64, np.complex128, np.clongdouble,
    )
}
_KINDS = frozenset("biufc")


@dataclass(frozen=True)
class Unsupported:
    """A value the child returned that cannot travel (stands in for it; has only its type name)."""

    type_name: str


class WireError(ValueError):
    """A malformed frame, header or value tree."""


class FrameTooLarge(WireError):
    """A frame announces more bytes than the reader accepts (refused before any are buffered)."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"frame of {size} bytes exceeds the limit of {limit}")
        self.size, self.limit = size, limit


class _TooBig(Exception):
    pass


def reply_limit(request_bytes: int) -> int:
    """The largest reply the parent accepts to a request frame of ``request_bytes``. The reader
    checks it on the length prefix, so a submission returning a huge array costs the grader
    nothing: the parent never holds more than this for one worker."""
    return min(MAX_FRAME, REPLY_FACTOR * request_bytes + REPLY_SLACK)


def type_name(v: Any) -> str:
    """The name of ``v``'s type as a plain str of at most MAX_TYPE_NAME characters, whatever its
    metaclass makes of ``__name__`` (a str subclass with its own methods, or no str at all)."""
    try:
        name = type(v).__name__
        name = str.__str__(name) if isinstance(name, str) else "?"
    except BaseException:  # noqa: BLE001 - a hostile metaclass
        name = "?"
    return name[:MAX_TYPE_NAME]


# --------------------------------------------------------------------------- encoding


class Encoder:
    """Turns values into value trees, collecting array buffers; then builds one frame.

    strict (the parent): a value outside the supported kinds raises TypeError/ValueError.
    lenient (the child): such values become ``["u", type name]`` and strings are cut to
    ``max_str`` characters.
    """

    def __init__(self, *, lenient: bool = False, max_str: int | None = None,
                 max_bytes: int = MAX_FRAME - MAX_HEADER) -> None:
        self.lenient = lenient
        self.max_str = max_str
        self.max_bytes = max_bytes
        self._meta: list[list] = []
        self._buffers: list[bytes] = []
        self._nbytes = 0
        self._nodes = 0
        self._text = 0  # rough JSON size of strings

    # -- public
    def value(self, v: Any) -> Any:
        """Encode one value tree. In lenient mode a value too large to send becomes Unsupported."""
        state = (len(self._meta), self._nbytes, self._nodes, self._text)
        try:
            return self._enc(v, 0)
        except _TooBig as e:
            if not self.lenient:
                raise ValueError(f"value too large to send: {e}") from None
            self._rollback(state)
            return ["u", f"{type_name(v)} (too large to send)"[:MAX_TYPE_NAME]]

    def try_value(self, v: Any) -> Any | None:
        """Like value(), but None (and nothing kept) when the value is too large to send."""
        state = (len(self._meta), self._nbytes, self._nodes, self._text)
        try:
            return self._enc(v, 0)
        except _TooBig:
            self._rollback(state)
            return None

    def frame(self, head: Any) -> bytes:
        """The complete frame (length prefix included) for envelope ``head``."""
        text = json.dumps({"head": head, "arrays": self._meta}, allow_nan=False,
                          separators=(",", ":")).encode("utf-8")
        if len(text) > MAX_HEADER:
            raise ValueError(f"message header too large ({len(text)} bytes)")
        n = HLEN.size + len(text) + self._nbytes
        if n > MAX_FRAME:
            raise ValueError(f"message too large ({n} bytes)")
        return b"".join([LEN.pack(n), HLEN.pack(len(text)), text, *self._buffers])

    # -- internals
    def _rollback(self, state) -> None:
        k, self._nbytes, self._nodes, self._text = state
        del self._meta[k:]
        del self._buffers[k:]

    def _count(self, text: int = 8) -> None:
        self._nodes += 1
        self._text += text
        if self._nodes > MAX_NODES or self._text > MAX_HEADER // 2:
            raise _TooBig(f"more than {MAX_NODES} nodes or {MAX_HEADER // 2} bytes of text")

    def _unsupported(self, v: Any, why: str = "") -> list:
        if not self.lenient:
            raise TypeError(f"cannot send a value of type {type_name(v)}{why}")
        self._count()
        return ["u", (type_name(v) + why)[:MAX_TYPE_NAME]]

    def _array(self, a: np.ndarray, tag: str) -> list:
        a = np.asarray(a)  # drops ndarray subclasses (in the child that may run student code)
        dt = a.dtype
        if dt.kind not in _KINDS or dt.fields is not None or dt.subdtype is not None:
            return self._unsupported(a, f"[{dt.str}]")
        if not dt.isnative:
            a = a.astype(dt.newbyteorder("="))
        key = a.dtype.str
        if key not in DTYPES:
            return self._unsupported(a, f"[{key}]")
        if a.ndim > MAX_NDIM:
            return self._unsupported(a, f" with {a.ndim} dimensions")
        n = a.size * a.dtype.itemsize
        if self._nbytes + n > self.max_bytes:
            raise _TooBig(f"{self._nbytes + n} bytes of arrays")
        self._count(40 + 8 * a.ndim)
        buf = a.tobytes(order="C")
        self._meta.append([key, [int(d) for d in a.shape], len(buf)])
        self._buffers.append(buf)
        self._nbytes += len(buf)
        return [tag, len(self._meta) - 1]

    def _str(self, s: str) -> str:
        s = str.__str__(s)
        if self.max_str is not None and len(s) > self.max_str:
            s = s[: self.max_str]
        self._count(len(s) + 2)
        return s

    def _enc(self, v: Any, depth: int) -> Any:
        if depth > MAX_VALUE_DEPTH:
            if not self.lenient:
                raise ValueError(f"value nested deeper than {MAX_VALUE_DEPTH} levels")
            return self._unsupported(v, f" (nested deeper than {MAX_VALUE_DEPTH} levels)")
        if v is None:
            self._count()
            return None
        if isinstance(v, np.ndarray):
            return self._array(v, "a")
        if isinstance(v, str):  # before np.generic: np.str_ is both
            return self._str(v)
        if isinstance(v, np.generic):
            if not isinstance(v, (np.bool_, np.number)):
                return self._unsupported(v)
            return self._array(np.asarray(v), "n")
        if isinstance(v, bool):
            self._count()
            return bool(v)
        if isinstance(v, int):
            v = int(v)
            if abs(v) >= 1 << 64 * 16:  # ~300 digits is plenty; huge ints are not values we grade
                return self._unsupported(v, " (too large)")
            self._count(len(str(v)))
            return v
        if isinstance(v, float):
            v = float(v)
            self._count(24)
            if math.isnan(v):
                return ["f", "nan"]
            if math.isinf(v):
                return ["f", "inf" if v > 0 else "-inf"]
            return v
        if isinstance(v, (tuple, list)):
            self._count()
            tag = "t" if isinstance(v, tuple) else "l"
            return [tag, [self._enc(x, depth + 1) for x in v]]
        if isinstance(v, dict):
            items = list(v.items())
            if not all(isinstance(k, str) for k, _ in items):
                return self._unsupported(v, " with non-str keys")
            self._count()
            out = []
            for k, x in items:
                k = str.__str__(k)
                if self.max_str is not None and len(k) > self.max_str:
                    return self._unsupported(v, " with a key longer than 1000 characters")
                self._count(len(k) + 2)
                out.append([k, self._enc(x, depth + 1)])
            return ["d", out]
        return self._unsupported(v)


# --------------------------------------------------------------------------- decoding


def _reject_constant(name: str) -> Any:
    raise WireError(f"non-standard JSON constant {name}")


def _too_deep(obj: Any, limit: int = MAX_JSON_DEPTH) -> bool:
    """True if the parsed JSON nests containers deeper than ``limit`` (breadth-first, so no
    recursion however deep the input)."""
    level = [obj] if type(obj) in (list, dict) else []
    depth = 1
    while level:
        if depth > limit:
            return True
        nxt: list = []
        for o in level:
            items = o if type(o) is list else o.values()
            nxt += [x for x in items if type(x) is list or type(x) is dict]
        level = nxt
        depth += 1
    return False


def _is_int(x: Any) -> bool:
    return type(x) is int


class Decoder:
    """Rebuilds value trees of one decoded payload; every array is fresh, parent-owned memory."""

    def __init__(self, payload: bytes, table: list, *, max_str: int | None,
                 scalars: bool, header: str = "") -> None:
        self.header = header  # the JSON text the envelope was parsed from
        self._payload = payload
        self._table = table  # [(dtype, shape, offset, nbytes)]
        self._used = [False] * len(table)
        self._max_str = max_str
        self._scalars = scalars  # "n" nodes become numpy scalars (child) or 0-d arrays (parent)

    def value(self, node: Any, _depth: int = 0) -> Any:
        if _depth > MAX_VALUE_DEPTH + 1:
            raise WireError("value tree nested too deeply")
        if node is None or type(node) in (bool, int, float):
            return node
        if type(node) is str:
            if self._max_str is not None and len(node) > self._max_str:
                return node[: self._max_str]
            return node
        if type(node) is not list or len(node) != 2 or type(node[0]) is not str:
            raise WireError(f"malformed value node of type {type(node).__name__}")
        tag, body = node
        if tag in ("a", "n"):
            if not _is_int(body) or not 0 <= body < len(self._table):
                raise WireError("array reference out of range")
            if self._used[body]:
                raise WireError(f"array {body} referenced twice")
            self._used[body] = True
            arr = self._array(body)
            if tag == "n":
                if arr.ndim != 0:
                    raise WireError("numpy scalar with a non-empty shape")
                return arr[()] if self._scalars else arr
            return arr
        if tag in ("t", "l"):
            if type(body) is not list:
                raise WireError(f"malformed {tag!r} node")
            items = [self.value(x, _depth + 1) for x in body]
            return tuple(items) if tag == "t" else items
        if tag == "d":
            if type(body) is not list:
                raise WireError("malformed dict node")
            out: dict[str, Any] = {}
            for pair in body:
                if type(pair) is not list or len(pair) != 2 or type(pair[0]) is not str:
                    raise WireError("malformed dict entry")
                key = pair[0]
                if self._max_str is not None and len(key) > self._max_str:
                    raise WireError("dict key too long")
                if key in out:
                    raise WireError(f"duplicate dict key {key[:40]!r}")
                out[key] = self.value(pair[1], _depth + 1)
            return out
        if tag == "f":
            if body == "nan":
                return math.nan
            if body == "inf":
                return math.inf
            if body == "-inf":
                return -math.inf
            raise WireError("malformed float node")
        if tag == "u":
            if type(body) is not str:
                raise WireError("malformed unsupported node")
            return Unsupported(body[:MAX_TYPE_NAME])
        raise WireError(f"unknown value tag {tag[:20]!r}")

    def check_all_used(self) -> None:
        if not all(self._used):
            raise WireError("array table holds arrays no value refers to")

    def _array(self, i: int) -> np.ndarray:
        dtype, shape, offset, nbytes = self._table[i]
        if nbytes == 0:
            return np.zeros(shape, dtype=dtype)
        return np.ndarray(shape, dtype=dtype, buffer=self._payload, offset=offset).copy()


def decode_payload(payload: bytes, *, max_str: int | None = None,
                   scalars: bool = False) -> tuple[Any, Decoder]:
    """Parse and validate one payload. Returns (envelope, decoder for its value trees)."""
    if not isinstance(payload, bytes):
        payload = bytes(payload)
    n = len(payload)
    if n > MAX_FRAME:
        raise WireError(f"payload of {n} bytes exceeds {MAX_FRAME}")
    if n < HLEN.size:
        raise WireError("payload shorter than its header length")
    (hlen,) = HLEN.unpack_from(payload, 0)
    if hlen > MAX_HEADER or HLEN.size + hlen > n:
        raise WireError(f"header length {hlen} out of range")
    try:
        text = payload[HLEN.size:HLEN.size + hlen].decode("utf-8")
        obj = json.loads(text, parse_constant=_reject_constant)
    except WireError:
        raise
    except (ValueError, RecursionError) as e:  # UnicodeDecodeError, JSONDecodeError, int digits
        raise WireError(f"header is not valid JSON ({type(e).__name__})") from None
    if text.count("[") + text.count("{") > MAX_JSON_DEPTH and _too_deep(obj):  # fewer brackets: not that deep
        raise WireError(f"header nested deeper than {MAX_JSON_DEPTH} levels")
    if type(obj) is not dict or set(obj) != {"head", "arrays"}:
        raise WireError("header must be an object with exactly 'head' and 'arrays'")
    arrays = obj["arrays"]
    if type(arrays) is not list:
        raise WireError("'arrays' must be a list")
    table = []
    offset = HLEN.size + hlen
    for i, entry in enumerate(arrays):
        if type(entry) is not list or len(entry) != 3:
            raise WireError(f"array {i}: entry must be [dtype, shape, nbytes]")
        dstr, shape, nbytes = entry
        if type(dstr) is not str or dstr not in DTYPES:
            raise WireError(f"array {i}: dtype {str(dstr)[:20]!r} not allowed")
        dtype = DTYPES[dstr]
        if type(shape) is not list or len(shape) > MAX_NDIM:
            raise WireError(f"array {i}: malformed shape")
        count = 1
        for d in shape:
            if type(d) is not int or d < 0:
                raise WireError(f"array {i}: shape entries must be non-negative ints")
            count *= d
        if not _is_int(nbytes) or nbytes != count * dtype.itemsize:
            raise WireError(f"array {i}: byte count does not match shape and dtype")
        if offset + nbytes > n:
            raise WireError(f"array {i}: buffer runs past the end of the payload")
        table.append((dtype, tuple(shape), offset, nbytes))
        offset += nbytes
    if offset != n:
        raise WireError(f"{n - offset} trailing bytes after the array buffers")
    return obj["head"], Decoder(payload, table, max_str=max_str, scalars=scalars, header=text)


# --------------------------------------------------------------------------- framing


class FrameReader:
    """Incremental frame splitter for a non-blocking reader (the parent)."""

    def __init__(self, max_frame: int = MAX_FRAME) -> None:
        self.max_frame = max_frame
        self._buf = bytearray()

    def feed(self, data: bytes) -> list[bytes]:
        self._buf += data
        out = []
        while len(self._buf) >= LEN.size:
            (n,) = LEN.unpack_from(self._buf, 0)
            if n > self.max_frame:
                raise FrameTooLarge(n, self.max_frame)
            end = LEN.size + n
            if len(self._buf) < end:
                break
            out.append(bytes(self._buf[LEN.size:end]))
            del self._buf[:end]
        return out

    @property
    def pending(self) -> int:
        return len(self._buf)


def _read_exact(fd: int, n: int) -> bytes | None:
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    while got < n:
        k = os.readv(fd, [view[got:]])
        if k == 0:
            return None
        got += k
    return bytes(buf)


def read_frame(fd: int, max_frame: int = MAX_FRAME) -> bytes | None:
    """Blocking read of one frame's payload (the worker). None on a clean EOF."""
    head = _read_exact(fd, LEN.size)
    if head is None:
        return None
    (n,) = LEN.unpack(head)
    if n > max_frame:
        raise FrameTooLarge(n, max_frame)
    payload = _read_exact(fd, n)
    if payload is None:
        raise WireError("EOF in the middle of a frame")
    return payload


def write_all(fd: int, data: bytes) -> None:
    """Blocking write of all of ``data``."""
    view = memoryview(data)
    while view:
        k = os.write(fd, view)
        view = view[k:]
