"""Message catalogs: every student-facing sentence, in English and Korean.

Texts live in `locales/<lang>.json` (key → template with `{named}` fields), never in code,
so a translator edits one file and a test checks both languages have every key.  A leaf
module: it imports nothing of ours, so checks, runner and reports may all use it.
"""
from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

LANGS = ("en", "ko")
LOCALES = Path(__file__).with_name("locales")


@cache
def catalog(lang: str) -> dict[str, str]:
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; choose one of {', '.join(LANGS)}")
    return json.loads((LOCALES / f"{lang}.json").read_text(encoding="utf-8"))


def text(lang: str, key: str, /, **params: Any) -> str:
    """The message `key` in `lang`, with its fields filled in."""
    return catalog(lang)[key].format(**params)
