"""Strings from the child, made safe to keep, store and show: sanitised once, where the parent
decodes the child's reply (``sandbox._envelope``).

Student code chooses every string the worker sends back: exception messages and type names,
returned strings, dict keys. As they come, a lone surrogate (``"\\ud800"``) makes every UTF-8
writer raise (SQLite, the JSON and Markdown reports), NUL and the other control characters are
not allowed in XML, and escape sequences repaint the terminal of whoever reads the message.
After ``text()`` a string is valid Unicode, holds no control character but newline and tab
(every other one is shown as the four characters ``\\xNN``, so the student still sees what was
there) and has at most ``limit`` characters. Nothing downstream needs to know any of this.
"""
from __future__ import annotations

import re
from typing import Any

__all__ = ["already", "text", "tree"]

ELLIPSIS = "…"
REPLACEMENT = "\ufffd"
# C0 controls but tab and newline, DEL, C1 controls (U+0085, U+009B CSI, ...), lone surrogates
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def _escape(match: re.Match) -> str:
    char = match.group()
    return REPLACEMENT if char >= "\ud800" else f"\\x{ord(char):02x}"


def text(value: str, limit: int) -> str:
    """``value`` made inert and cut to ``limit`` characters (an ellipsis marks the cut).

    Only the first ``limit`` characters are looked at, so a 50 MB message costs no more than a
    short one."""
    if len(value) > limit:
        value = value[:limit - 1] + ELLIPSIS
    value = _UNSAFE.sub(_escape, value)
    return value if len(value) <= limit else value[:limit - 1] + ELLIPSIS


def already(json_text: str, limit: int) -> bool:
    """True when every string parsed from this JSON text is inert as it is, so `tree` would change
    nothing: the text holds no escape (each string holds only characters the text shows), no unsafe
    character, and is no longer than `limit`. Most replies are such, and skip the walk."""
    return len(json_text) <= limit and "\\" not in json_text and _UNSAFE.search(json_text) is None


def tree(node: Any, limit: int) -> Any:
    """A parsed JSON document with every string in it, object keys included, passed through
    ``text()``. The decoder has bounded its depth, so the recursion is bounded too."""
    if type(node) is str:
        return text(node, limit)
    if type(node) is list:
        return [tree(item, limit) for item in node]
    if type(node) is dict:
        return {text(key, limit): tree(item, limit) for key, item in node.items()}
    return node
