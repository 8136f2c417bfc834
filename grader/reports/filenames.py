"""Report file names from student ids: the id itself whenever it is safe on every file system.

Student ids are any Unicode a file system allowed (`김민준`, `park jiho`), and the report of
`김민준` is `김민준.json`. What is not safe everywhere is changed, and only that: characters
Windows forbids (`<>:"/\\|?*` and control characters), C1 controls and lone surrogates (a
terminal or a UTF-8 file system would choke on them), a trailing dot or space, a leading dot
(a hidden file), names Windows reserves (`CON`, `nul`, `COM1`...), and names too long once
macOS stores them decomposed (NFD, where one Hangul syllable takes up to 9 bytes). Such an id
gets a readable stem plus a tag: `~` and 16 hex digits of the id's hash.

The mapping is injective (ids equal up to case are already one error row in a batch): an id
kept as it is never ends like a tag (an id that does, say `a_b~<16 hex digits>`, is tagged
too), so a tagged name never equals a kept one, even on a case-insensitive file system; and
two tagged names differ in their tags unless two ids' 64-bit hashes collide.

The gradebook and the reports themselves keep the id intact; only the file name is changed.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata

# bytes of the NFD UTF-8 stem; 255 is the limit on ext4, APFS and (in UTF-16 units) NTFS,
# and the longest extension (`.html`) and a `.tmp-` prefix must still fit
MAX_STEM_BYTES = 200
_UNSAFE = re.compile('[<>:"/\\\\|?*\x00-\x1f\x7f-\x9f\ud800-\udfff]')
HASH_DIGITS = 16
# how a tagged stem ends; case-insensitive, as file systems may be
_TAG = re.compile(rf"~[0-9a-f]{{{HASH_DIGITS}}}$", re.I)
_RESERVED = frozenset({"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
                       *(f"COM{i}" for i in "123456789¹²³"), *(f"LPT{i}" for i in "123456789¹²³")})


def _fits(stem: str) -> bool:
    return len(unicodedata.normalize("NFD", stem).encode("utf-8")) <= MAX_STEM_BYTES


def _truncate(stem: str, budget: int) -> str:
    while stem and len(unicodedata.normalize("NFD", stem).encode("utf-8")) > budget:
        stem = stem[:-1]
    return stem


def report_stem(student: str) -> str:
    """The file name (without extension) of a student's reports; `student` itself when safe."""
    student = unicodedata.normalize("NFC", student)
    stem = _UNSAFE.sub("_", student)
    stem = re.sub(r"[. ]+$", lambda m: "_" * len(m.group()), stem)
    if stem.startswith("."):
        stem = "_" + stem[1:]
    if stem.split(".")[0].rstrip(" ").upper() in _RESERVED:
        stem = "_" + stem
    if stem == student and stem and _fits(stem) and not _TAG.search(stem):
        return stem
    tag = "~" + hashlib.sha256(student.encode("utf-8", "surrogatepass")).hexdigest()[:HASH_DIGITS]
    return (_truncate(stem, MAX_STEM_BYTES - len(tag)) or "submission") + tag
