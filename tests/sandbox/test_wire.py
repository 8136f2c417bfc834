"""The codec: round trips of every value kind, and refusal of malformed or forged messages."""

from __future__ import annotations

import json
import math
import struct

import numpy as np
import pytest

from grader.sandbox import wire
from grader.sandbox.wire import Encoder, FrameReader, Unsupported, WireError, decode_payload

from sandbox_support import assert_same

LEN = struct.Struct("<Q")
HLEN = struct.Struct("<I")


def roundtrip(value, *, lenient=False, scalars=False, max_str=None):
    enc = Encoder(lenient=lenient, max_str=max_str)
    frame = enc.frame({"v": enc.value(value)})
    (n,) = LEN.unpack_from(frame)
    assert n == len(frame) - LEN.size
    head, dec = decode_payload(frame[LEN.size:], scalars=scalars, max_str=max_str)
    out = dec.value(head["v"])
    dec.check_all_used()
    return out


def payload(head, arrays=(), buffers=b"", *, raw_json=None):
    text = raw_json if raw_json is not None else json.dumps(
        {"head": head, "arrays": list(arrays)}).encode()
    return HLEN.pack(len(text)) + text + buffers


# ------------------------------------------------------------------------- round trips

ARRAYS = [
    np.arange(6, dtype=np.float64).reshape(2, 3),
    np.array([1.5, -2.0], dtype=np.float32),
    np.array(1.0, dtype=np.float16),
    np.array([True, False]),
    np.arange(4, dtype=np.int8),
    np.arange(4, dtype=np.int64),
    np.arange(4, dtype=np.uint16),
    np.arange(4, dtype=np.uint64),
    np.array([1 + 2j], dtype=np.complex64),
    np.array([[1 - 1j]], dtype=np.complex128),
    np.array([1.0], dtype=np.longdouble),
    np.zeros((0, 3)),
    np.zeros((2, 0, 4), dtype=np.int32),
    np.array([np.nan, np.inf, -np.inf, -0.0]),
    np.array(3.5),
]


@pytest.mark.parametrize("arr", ARRAYS, ids=lambda a: f"{a.dtype}{a.shape}")
def test_array_roundtrip_is_a_fresh_base_ndarray(arr):
    out = roundtrip(arr)
    assert_same(arr, out)
    assert type(out) is np.ndarray
    assert out.flags.c_contiguous and out.flags.writeable and out.flags.owndata


VALUES = [
    None, True, False, 0, -7, 2**62, 2**200, 1.25, -0.0, math.inf, -math.inf, "", "héllo ✓",
    "\ud800 lone surrogate", (), [], {}, (1, 2.0, "x"), [None, [True, (3,)]],
    {"a": np.ones(2), "b": {"c": (np.zeros(1), [1.0])}},
    ("key order", {"z": 1, "a": 2}),
]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_value_roundtrip(value):
    assert_same(value, roundtrip(value))


def test_nan_roundtrip():
    assert math.isnan(roundtrip(math.nan))


def test_non_contiguous_and_big_endian_arrays_arrive_native_and_contiguous():
    a = np.arange(12.0).reshape(3, 4)[:, ::2]
    assert_same(np.ascontiguousarray(a), roundtrip(a))
    b = np.arange(3, dtype=">f8")
    out = roundtrip(b)
    assert out.dtype == np.dtype("<f8") and out.dtype.isnative
    assert out.tolist() == [0.0, 1.0, 2.0]


def test_numpy_scalars_are_0d_arrays_in_the_parent_and_scalars_in_the_child():
    for s in (np.float64(2.5), np.int32(-3), np.bool_(True), np.complex128(1j), np.uint8(7)):
        parent = roundtrip(s)
        assert type(parent) is np.ndarray and parent.shape == () and parent.dtype == s.dtype
        child = roundtrip(s, scalars=True)
        assert type(child) is type(s) and child == s


def test_subclass_is_dropped_and_data_kept():
    class Liar(np.ndarray):
        def __eq__(self, other):
            return True

    out = roundtrip(np.arange(3.0).view(Liar))
    assert type(out) is np.ndarray
    assert out.tolist() == [0.0, 1.0, 2.0]


def test_strict_encoder_refuses_what_cannot_travel():
    for bad in (object(), {1: 2}, {1.0}, np.array([object()]), np.array(["a"]),
                np.zeros(2, dtype=[("a", "f8")]), np.datetime64("2020-01-01"), b"bytes"):
        with pytest.raises(TypeError):
            Encoder().value(bad)
    deep: list = []
    for _ in range(wire.MAX_VALUE_DEPTH + 5):
        deep = [deep]
    with pytest.raises(ValueError):
        Encoder().value(deep)


def test_lenient_encoder_turns_unknown_values_into_unsupported():
    class Thing:
        def __array__(self, *a, **k):  # must not be called
            raise AssertionError("__array__ was called")

    out = roundtrip([Thing(), np.array(["a"]), {1: 2}, b"x"], lenient=True)
    assert [type(u) for u in out] == [Unsupported] * 4
    assert out[0] == Unsupported("Thing")
    assert out[1].type_name.startswith("ndarray")


def test_lenient_encoder_cuts_strings_and_bounds_cycles():
    assert roundtrip("y" * 5000, lenient=True, max_str=1000) == "y" * 1000
    cyc: list = []
    cyc.append(cyc)
    out = roundtrip(cyc, lenient=True)
    depth = 0
    while isinstance(out, list):
        out, depth = out[0], depth + 1
    assert isinstance(out, Unsupported) and depth <= wire.MAX_VALUE_DEPTH + 1
    wide: list = []
    wide.extend([wide] * 50)
    assert isinstance(roundtrip(wide, lenient=True), Unsupported)


def test_decoder_cuts_long_strings():
    enc = Encoder()
    frame = enc.frame({"v": enc.value("z" * 3000)})
    head, dec = decode_payload(frame[LEN.size:], max_str=1000)
    assert dec.value(head["v"]) == "z" * 1000


# ------------------------------------------------------------------------- framing


def test_frame_reader_splits_frames_fed_byte_by_byte():
    frames = []
    for v in (1, "two", np.arange(3.0)):
        enc = Encoder()
        frames.append(enc.frame({"v": enc.value(v)}))
    stream = b"".join(frames)
    reader = FrameReader()
    got = []
    for i in range(len(stream)):
        got.extend(reader.feed(stream[i:i + 1]))
    assert got == [f[LEN.size:] for f in frames]
    assert reader.pending == 0


def test_frame_reader_refuses_oversized_length_before_reading_it():
    reader = FrameReader()
    with pytest.raises(WireError):
        reader.feed(LEN.pack(wire.MAX_FRAME + 1))


def test_a_reply_far_larger_than_its_request_is_refused_on_its_length():
    request = Encoder().frame({"op": "calls", "args": np.zeros((4, 8)).tolist()})
    limit = wire.reply_limit(len(request))
    assert 16 * len(request) < limit < wire.MAX_FRAME  # room for any real answer
    reader = FrameReader(limit)
    with pytest.raises(wire.FrameTooLarge) as refused:
        reader.feed(LEN.pack(200 * 10**6) + b"\0" * 1000)  # a 200 MB array announced
    assert (refused.value.size, refused.value.limit) == (200 * 10**6, limit)
    exact = FrameReader(limit)
    assert exact.feed(LEN.pack(limit)) == [] and exact.pending == LEN.size  # the limit itself is fine
    assert wire.reply_limit(wire.MAX_FRAME) == wire.MAX_FRAME


def test_read_frame_and_write_all_over_a_pipe():
    import os
    import threading

    r, w = os.pipe()
    enc = Encoder()
    big = np.arange(200_000.0)  # larger than a pipe buffer
    frame = enc.frame({"v": enc.value(big)})
    t = threading.Thread(target=lambda: (wire.write_all(w, frame), os.close(w)))
    t.start()
    got = wire.read_frame(r)
    assert wire.read_frame(r) is None  # clean EOF
    t.join()
    os.close(r)
    head, dec = decode_payload(got)
    assert np.array_equal(dec.value(head["v"]), big)


# ------------------------------------------------------------------------- malformed input

GOOD_ARRAY = [["<f8", [2], 16]]
GOOD_BUF = b"\x00" * 16


def _decode(p):
    head, dec = decode_payload(p)
    out = dec.value(head)
    dec.check_all_used()
    return out


MALFORMED = {
    "empty": b"",
    "short header length": b"\x01\x00",
    "header length past end": HLEN.pack(100) + b"{}",
    "header not utf-8": HLEN.pack(2) + b"\xff\xfe",
    "header not json": payload(None, raw_json=b"{nope"),
    "NaN constant": payload(None, raw_json=b'{"head": NaN, "arrays": []}'),
    "Infinity constant": payload(None, raw_json=b'{"head": [Infinity], "arrays": []}'),
    "huge int literal": payload(None, raw_json=b'{"head": ' + b"9" * 5000 + b', "arrays": []}'),
    "deep json": payload(None, raw_json=b'{"head": ' + b"[" * 5000 + b"]" * 5000
                         + b', "arrays": []}'),
    "deep but parseable json": payload(None, raw_json=b'{"head": ' + b"[" * 200 + b"]" * 200
                                       + b', "arrays": []}'),
    "top is a list": payload(None, raw_json=b"[1, 2]"),
    "extra top key": payload(None, raw_json=b'{"head": 1, "arrays": [], "x": 0}'),
    "arrays not a list": payload(None, raw_json=b'{"head": 1, "arrays": {}}'),
    "object dtype": payload(["a", 0], [["|O", [2], 16]], GOOD_BUF),
    "unicode dtype": payload(["a", 0], [["<U2", [2], 16]], GOOD_BUF),
    "void dtype": payload(["a", 0], [["|V8", [2], 16]], GOOD_BUF),
    "structured dtype": payload(["a", 0], [[[["a", "<f8"]], [2], 16]], GOOD_BUF),
    "non-native dtype": payload(["a", 0], [[">f8", [2], 16]], GOOD_BUF),
    "dtype not a string": payload(["a", 0], [[8, [2], 16]], GOOD_BUF),
    "negative shape": payload(["a", 0], [["<f8", [-2], 16]], GOOD_BUF),
    "bool in shape": payload(["a", 0], [["<f8", [True, 2], 16]], GOOD_BUF),
    "float in shape": payload(["a", 0], [["<f8", [2.0], 16]], GOOD_BUF),
    "too many dims": payload(["a", 0], [["<f8", [1] * 40, 8]], b"\x00" * 8),
    "shape x itemsize != nbytes": payload(["a", 0], [["<f8", [1000, 1000], 16]], GOOD_BUF),
    "nbytes past end": payload(["a", 0], [["<f8", [4], 32]], GOOD_BUF),
    "trailing bytes": payload(["a", 0], GOOD_ARRAY, GOOD_BUF + b"\x00"),
    "bad entry": payload(["a", 0], [["<f8", [2]]], GOOD_BUF),
    "array referenced twice": payload(["t", [["a", 0], ["a", 0]]], GOOD_ARRAY, GOOD_BUF),
    "array never referenced": payload(1, GOOD_ARRAY, GOOD_BUF),
    "array index out of range": payload(["a", 1], GOOD_ARRAY, GOOD_BUF),
    "array index not int": payload(["a", "0"], GOOD_ARRAY, GOOD_BUF),
    "scalar with shape": payload(["n", 0], GOOD_ARRAY, GOOD_BUF),
    "unknown tag": payload(["x", 0]),
    "tag with wrong arity": payload(["t", [], 1]),
    "dict node as object": payload({"a": 1}),
    "dict with int key": payload(["d", [[1, 2]]]),
    "dict duplicate key": payload(["d", [["a", 1], ["a", 2]]]),
    "dict entry wrong shape": payload(["d", [["a"]]]),
    "bad float node": payload(["f", "big"]),
    "unsupported without name": payload(["u", 3]),
    "tuple body not list": payload(["t", "abc"]),
}


def _deep_tree(levels):
    node: list = ["l", []]
    for _ in range(levels):
        node = ["l", [node]]
    return node


MALFORMED["deep value tree"] = payload(_deep_tree(wire.MAX_VALUE_DEPTH + 3))


@pytest.mark.parametrize("data", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_payloads_are_refused(data):
    with pytest.raises(WireError):
        _decode(data)


def test_value_tree_at_the_depth_limit_is_accepted():
    assert isinstance(_decode(payload(_deep_tree(wire.MAX_VALUE_DEPTH - 1))), list)


def test_forged_total_size_is_refused_without_allocating():
    with pytest.raises(WireError):
        decode_payload(payload(["a", 0], [["<f8", [2**40, 2**40], 2**83]], GOOD_BUF))


def test_decoding_never_unpickles(monkeypatch):
    import pickle

    def forbidden(*a, **k):
        raise AssertionError("unpickling attempted")

    monkeypatch.setattr(pickle, "loads", forbidden)
    monkeypatch.setattr(pickle, "load", forbidden)
    monkeypatch.setattr(pickle, "Unpickler", forbidden)
    monkeypatch.setattr(np, "load", forbidden)
    value = {"x": np.arange(5.0), "t": (1, "a", None, [np.int64(3)])}
    assert_same(roundtrip(value)["x"], value["x"])


def test_type_name_is_a_plain_short_str_whatever_the_metaclass_does():
    class Sly(str):
        def __getitem__(self, index):
            raise RuntimeError("sliced")

    class Meta(type):
        @property
        def __name__(cls):
            return cls.answer

    long_name = type("N" * 500, (), {})
    sly = Meta("Sly", (), {"answer": Sly("Sly")})
    broken = Meta("Broken", (), {"answer": 42})
    assert wire.type_name(long_name()) == "N" * wire.MAX_TYPE_NAME
    assert wire.type_name(sly()) == "Sly" and type(wire.type_name(sly())) is str
    assert wire.type_name(broken()) == "?"
    assert wire.type_name(3.5) == "float"
