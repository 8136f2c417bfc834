"""Strings the child chose are made inert once, where the parent decodes its reply: valid
Unicode, no control character but newline and tab (the others shown as `\\xNN`), bounded."""

from __future__ import annotations

from pathlib import Path

import json

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from grader.sandbox import inert, wire
from grader.sandbox.sandbox import _envelope
from tests.conftest import compose

from sandbox_support import ROOMY

HOSTILE_TEXT = sorted((Path(__file__).resolve().parents[1] / "fixtures" / "hostile_text").glob("*.py"))
LIMIT = 1000


def storable(text: str) -> bool:
    """What every store and renderer needs: encodable, and no control character a terminal or XML acts on."""
    text.encode("utf-8")
    return not any((ord(c) < 32 and c not in "\n\t") or 0x7f <= ord(c) <= 0x9f for c in text)


@pytest.mark.parametrize("raw, shown", [
    ("bad \ud800 value", "bad \ufffd value"),
    ("\udfff\udc80", "\ufffd\ufffd"),
    ("before\x00after", "before\\x00after"),
    ("\x1b[2J\x1b[Hscore 100 / 100", "\\x1b[2J\\x1b[Hscore 100 / 100"),
    ("bell\x07 del\x7f csi\x9b2J nel\x85 cr\r", "bell\\x07 del\\x7f csi\\x9b2J nel\\x85 cr\\x0d"),
    ("two\nlines\tand a tab", "two\nlines\tand a tab"),
    ("김민준: 정상 [red]x[/red] \\x1b", "김민준: 정상 [red]x[/red] \\x1b"),
])
def test_text_escapes_controls_visibly_and_replaces_surrogates(raw, shown):
    assert inert.text(raw, LIMIT) == shown
    assert inert.text(shown, LIMIT) == shown        # already inert text is left alone


def test_text_is_capped_and_looks_only_at_the_head_of_a_huge_string():
    huge = "\x1b[31m" + "spam " * 10_000_000
    out = inert.text(huge, LIMIT)
    assert len(out) == LIMIT and out.startswith("\\x1b[31mspam") and out.endswith(inert.ELLIPSIS)
    assert len(inert.text("\x00" * LIMIT, LIMIT)) == LIMIT      # escaping cannot make it grow past the cap


def test_tree_reaches_every_string_keys_included():
    doc = {"op": "result", "message\ud800": ["a\x1b", {"k\x00": "v\udfff"}], "n": 1.5, "ok": False, "x": None}
    assert inert.tree(doc, LIMIT) == {"op": "result", "message\ufffd": ["a\\x1b", {"k\\x00": "v\ufffd"}],
                                      "n": 1.5, "ok": False, "x": None}


JSON_DOCS = st.recursive(st.none() | st.booleans() | st.integers() | st.text(),
                         lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
                         max_leaves=12)


@settings(derandomize=True, database=None, max_examples=300)
@given(JSON_DOCS, st.booleans(), st.integers(1, 60))
def test_a_text_already_inert_parses_to_what_tree_would_give(doc, ascii_only, limit):
    text = json.dumps(doc, ensure_ascii=ascii_only)
    if inert.already(text, limit):
        assert inert.tree(json.loads(text), limit) == json.loads(text)


@pytest.mark.parametrize("text", ['{"m":"a\\u001b"}', '{"m":"\x1b[2J"}', '{"m":"\x9b"}', '{"m":"\\n"}',
                                  '{"m":"' + "x" * LIMIT + '"}'])
def test_escapes_unsafe_characters_and_long_texts_are_not_already_inert(text):
    assert not inert.already(text, LIMIT)
    assert inert.already('{"op":"result","value":["a",0]}', LIMIT)


def test_a_forged_reply_of_raw_control_characters_is_made_inert():
    """Not every frame is written by json.dumps with its escapes: raw bytes are read as carefully (JSON
    itself refuses raw C0 controls; DEL and the C1 controls, CSI among them, pass it)."""
    text = '{"head":{"op":"result","batch":1,"index":0,"ok":false,"kind":"exception","type":"E\x7f[2J",' \
           '"message":"\x9bx","line":null},"arrays":[]}'
    raw = text.encode()
    read, _ = _envelope(wire.HLEN.pack(len(raw)) + raw, "result")
    assert read["type"] == "E\\x7f[2J" and read["message"] == "\\x9bx"


def _payload(head: dict) -> bytes:
    return wire.Encoder(lenient=True).frame(head)[wire.LEN.size:]


def test_a_forged_reply_is_inert_before_anything_reads_it():
    """The worker runs student code, which may write any frame it likes: what the parent reads of it is inert."""
    head = {"op": "result", "batch": 1, "index": 0, "ok": False, "kind": "exception",
            "type": "Evil\x1b[2J\ud800", "message": "\x00" + "\ud800" * 5000, "line": None,
            "value": ["d", [["key\ud800\x1b", "text\x9b\udfff"]]]}
    read, decoder = _envelope(_payload(head), "result")
    assert read["type"] == "Evil\\x1b[2J\ufffd"
    assert len(read["message"]) <= wire.MAX_STR and storable(read["message"])
    assert decoder.value(read["value"]) == {"key\ufffd\\x1b": "text\\x9b\ufffd"}


def _call(make_box, level: str, fixture: Path, name: str, args: tuple):
    box = make_box(source=compose(fixture), limits=ROOMY, isolation=level)
    assert box.load() is None
    return box.call(name, args)


@pytest.mark.parametrize("fixture", [f for f in HOSTILE_TEXT if f.stem != "hostile_dict_keys"], ids=lambda p: p.stem)
def test_hostile_exception_text_arrives_inert_at_every_level(fixture, level, make_box):
    out = _call(make_box, level, fixture, "clip_grad_value", ({"W": np.ones((2, 2))}, 0.5))
    assert not out.ok and out.error_kind == "exception"
    assert storable(out.message) and storable(out.error_type)
    assert len(out.message) <= 1000


def test_returned_keys_and_strings_arrive_inert(level, make_box):
    fixture = next(f for f in HOSTILE_TEXT if f.stem == "hostile_dict_keys")
    out = _call(make_box, level, fixture, "clip_grad_norm", ({"W": np.ones((2, 2))}, 0.5))
    clipped, norm = out.value
    assert list(clipped) == ["W\ufffd\\x1b[2J"] and norm == "\\x00\ufffd not a norm"
