"""The `gated` catalog, in-process: its designed inputs tell every mistake apart, each fixture is
diagnosed with exactly its id, and every id is named and explained in English and Korean."""
from __future__ import annotations

import json
import re

import numpy as np
import pytest

from grader import i18n
from grader.checks.framework import arguments
from grader.diagnosis import GENERIC_IDS, catalog_ids, diagnose, patched, same_answer
from tests.conftest import ROOT, InProcessProbe, module_from_source
from tests.gated.conftest import ALL_FIXTURES, compose, declared_parts, mistake

CONTRACT = ROOT.parent / "shared" / "CONTRACT.md"
CONTRACT_IDS = ("lstm-gate-order forget-gate-on-hidden missing-cell-tanh sigmoid-tanh-swapped gru-update-flipped "
                "gru-reset-before-matmul lstm-no-cell-carry mutates-input float32-precision").split()


def test_the_catalog_names_every_id_of_the_contract(gated):
    assert set(CONTRACT_IDS) <= set(catalog_ids(gated.misconceptions))
    if CONTRACT.exists():  # the contract's §7, when the shared folder is next to the project
        section = CONTRACT.read_text(encoding="utf-8").split("## 7.")[1]
        listed = set(re.findall(r"`([a-z0-9]+(?:-[a-z0-9]+)+)`", section.split("Misconception ids")[1]))
        assert listed <= set(catalog_ids(gated.misconceptions))


def test_every_id_has_a_fixture(gated):
    assert {mistake(f) for f in ALL_FIXTURES} == set(catalog_ids(gated.misconceptions))


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_every_id_is_titled_explained_and_hinted(gated, lang):
    for id_ in catalog_ids(gated.misconceptions):
        for field in ("title", "explanation", "hint"):
            assert i18n.text(lang, f"misconception.{id_}.{field}").strip()


def test_both_languages_have_the_same_keys(gated):
    en, ko = (json.loads((gated.folder / "locales" / f"{lang}.json").read_text(encoding="utf-8"))
              for lang in ("en", "ko"))
    assert en.keys() == ko.keys()
    for key in en:
        assert set(re.findall(r"{(\w+)}", en[key])) == set(re.findall(r"{(\w+)}", ko[key])), key


def _answers_by_mistake(gated, reference, part):
    """Every catalogued wrong version's answers on the part's designed inputs, where it shows."""
    cases = gated.misconceptions.DESIGNED[part]
    right = [getattr(reference, part)(*arguments(c)) for c in cases]
    found = []
    for m in gated.misconceptions.CATALOG:
        for wrong in m.variants:
            answers = [getattr(patched(reference, m.function, wrong), part)(*arguments(c)) for c in cases]
            if not same_answer(answers, right):
                found.append((m.id, answers))
    return found


@pytest.mark.parametrize("part", ["lstm_cell_forward", "lstm_cell_backward", "lstm_forward", "lstm_backward",
                                  "gru_cell_forward", "gru_cell_backward"])
def test_designed_inputs_tell_every_mistake_apart(gated, gated_reference, part):
    with np.errstate(all="ignore"):
        found = _answers_by_mistake(gated, gated_reference, part)
    assert found, f"no mistake shows in {part}"
    for k, (one, a) in enumerate(found):
        assert not any(one != other and same_answer(a, b) for other, b in found[k + 1:]), one


@pytest.mark.parametrize("fixture", ALL_FIXTURES, ids=lambda p: p.stem)
def test_each_fixture_is_diagnosed_with_exactly_its_id(gated, gated_reference, fixture):
    probe = InProcessProbe(module_from_source(compose(fixture), fixture.name), gated_reference)
    expected = mistake(fixture)
    with np.errstate(all="ignore"):
        found = {part: diagnose(gated.misconceptions, part, probe, gated_reference,
                                mutated=expected == "mutates-input") for part in declared_parts(fixture)}
    assert set().union(*found.values()) == {expected}


def test_the_reference_shows_no_mistake(gated, gated_reference):
    probe = InProcessProbe(gated_reference, gated_reference)
    assert all(diagnose(gated.misconceptions, part, probe, gated_reference) == () for part in gated.part_names)


def test_the_generic_ids_are_the_engines(gated):
    assert set(GENERIC_IDS) <= set(CONTRACT_IDS)


def test_every_key_the_checks_use_exists_and_every_own_key_is_used(gated):
    code = "\n".join(p.read_text(encoding="utf-8") for p in (gated.folder / "checks").glob("*.py"))
    used = set(re.findall(r'msg\(\s*"([\w.-]+)"', code)) | set(re.findall(r'"(plot\.[\w.]+)', code))
    for lang in i18n.LANGS:
        assert used <= set(i18n.catalog(lang)), lang
    own = json.loads((gated.folder / "locales" / "en.json").read_text(encoding="utf-8"))
    mistakes = {f"misconception.{i}.{field}" for i in catalog_ids(gated.misconceptions)
                for field in ("title", "explanation", "hint")}
    assert set(own) - mistakes <= used
