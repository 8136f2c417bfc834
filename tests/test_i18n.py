"""Both languages have every message, with the same fields, and every key the code uses exists."""
from __future__ import annotations

import re
import string

from grader import i18n
from tests.conftest import ROOT


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_catalogs_have_the_same_keys_and_fields():
    en, ko = i18n.catalog("en"), i18n.catalog("ko")
    assert en.keys() == ko.keys()
    for key in en:
        assert fields(en[key]) == fields(ko[key]), key
        assert ko[key].strip(), key


def test_every_key_used_in_code_exists():
    used = set()
    for path in (ROOT / "grader").rglob("*.py"):
        used |= set(re.findall(r'\bmsg\("([a-z_.]+)"', path.read_text(encoding="utf-8")))
        used |= set(re.findall(r'\btext\([^,]+, "([a-z_.]+)"', path.read_text(encoding="utf-8")))
    assert used, "no message keys found: the pattern is stale"
    missing = used - i18n.catalog("en").keys()
    assert not missing


def test_text_fills_fields_in_each_language():
    assert i18n.text("en", "call.not_implemented", function="rnn_forward").startswith("rnn_forward is not")
    assert "구현되지 않았습니다" in i18n.text("ko", "call.not_implemented", function="rnn_forward")


def test_every_template_formats_with_identifier_fields():
    for lang in i18n.LANGS:
        for key, template in i18n.catalog(lang).items():
            names = fields(template)
            assert all(name.isidentifier() for name in names), (lang, key, names)
            template.format(**{name: "x" for name in names})
