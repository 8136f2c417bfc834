"""Message catalogs: every student-facing sentence, in English and Korean.

Texts live in `locales/<lang>.json` (key → template with `{named}` fields), never in code,
so a translator edits one file and a test checks both languages have every key. The engine's
own sentences are in grader/locales; each assignment adds its own (its mistakes, what its
checks compare) from its folder's `locales/` when it is loaded. A leaf module: it imports
nothing of ours, so checks, runner and reports may all use it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

LANGS = ("en", "ko")
LOCALES = Path(__file__).with_name("locales")
_added: list[Path] = []  # assignments' locale folders, in the order they were loaded


def read_catalog(folder: Path, lang: str) -> dict[str, str]:
    """One folder's catalog for `lang` (empty when the folder has none)."""
    path = folder / f"{lang}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


@cache
def catalog(lang: str) -> dict[str, str]:
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; choose one of {', '.join(LANGS)}")
    merged = read_catalog(LOCALES, lang)
    for folder in _added:
        for key, template in read_catalog(folder, lang).items():
            if merged.setdefault(key, template) != template:
                raise ValueError(f"{folder / (lang + '.json')}: {key!r} is already defined differently; "
                                 f"give the assignment's own strings their own keys")
    return merged


def add_catalogs(folder: Path) -> None:
    """Add an assignment's strings (`folder/<lang>.json`) to every language's catalog."""
    if folder not in _added:
        _added.append(folder)
        catalog.cache_clear()


def text(lang: str, key: str, /, **params: Any) -> str:
    """The message `key` in `lang`, with its fields filled in."""
    return catalog(lang)[key].format(**params)


@dataclass(frozen=True)
class Msg:
    """A sentence for a person, kept as a catalog key and its fields until the language is known.

    A field may itself be a Msg or `Names` (rendered in the same language); anything else
    (numbers, paths, code identifiers) is shown as it is."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)

    def render(self, lang: str) -> str:
        return text(lang, self.key, **{k: render(v, lang) for k, v in self.params.items()})


def msg(key: str, /, **params: Any) -> Msg:
    return Msg(key, params)


@dataclass(frozen=True)
class Names:
    """A message field listing names, joined with the language's "and"."""

    names: tuple[str, ...]

    def render(self, lang: str) -> str:
        return text(lang, "input.and").join(self.names)


def render(value: Any, lang: str) -> Any:
    """A Msg or Names in `lang`; anything else as it is."""
    return value.render(lang) if isinstance(value, (Msg, Names)) else value


class LocalisedError(ValueError):
    """An error for the student carrying its `Msg`, so it can be shown in the language they chose;
    `str()` is the English text, for logs and anything that only prints it."""

    def __init__(self, key: str, /, **params: Any):
        self.message = Msg(key, params)
        super().__init__(self.message.render("en"))

    def render(self, lang: str) -> str:
        return self.message.render(lang)
