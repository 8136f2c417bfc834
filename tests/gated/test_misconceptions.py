"""The `gated` assignment's own strings: both languages have the same keys, and every key its checks
use exists (diagnosis itself is tested for every assignment in tests/test_misconceptions.py)."""
from __future__ import annotations

import json
import re

from grader import i18n
from grader.diagnosis import catalog_ids


def test_both_languages_have_the_same_keys(gated):
    en, ko = (json.loads((gated.folder / "locales" / f"{lang}.json").read_text(encoding="utf-8"))
              for lang in ("en", "ko"))
    assert en.keys() == ko.keys()
    for key in en:
        assert set(re.findall(r"{(\w+)}", en[key])) == set(re.findall(r"{(\w+)}", ko[key])), key


def test_every_key_the_checks_use_exists_and_every_own_key_is_used(gated):
    code = "\n".join(p.read_text(encoding="utf-8") for p in (gated.folder / "checks").glob("*.py"))
    used = set(re.findall(r'msg\(\s*"([\w.-]+)"', code)) | set(re.findall(r'"(plot\.[\w.]+)', code))
    for lang in i18n.LANGS:
        assert used <= set(i18n.catalog(lang)), lang
    own = json.loads((gated.folder / "locales" / "en.json").read_text(encoding="utf-8"))
    mistakes = {f"misconception.{i}.{field}" for i in catalog_ids(gated.misconceptions)
                for field in ("title", "explanation", "hint")}
    assert set(own) - mistakes <= used
