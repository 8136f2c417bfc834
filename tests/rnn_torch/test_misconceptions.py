"""The `rnn_torch` catalog, in-process: its designed inputs tell every mistake apart, each fixture is
diagnosed with exactly its id (wrong classes and training loops, not only functions), and every id
is named and explained in English and Korean."""
from __future__ import annotations

import json
import re

import pytest

from grader import i18n
from grader.checks.framework import arguments
from grader.diagnosis import catalog_ids, diagnose, patched, same_answer
from tests.conftest import ROOT
from tests.rnn_torch.conftest import MISTAKES, AdapterProbe, declared_parts, mistake, submission

CONTRACT = ROOT.parent / "shared" / "CONTRACT.md"
CONTRACT_IDS = ("weight-not-transposed single-bias batch-first-ignored h-n-shape h0-ignored graph-broken "
                "missing-zero-grad clip-before-backward clip-after-step returns-clipped-norm state-not-carried "
                "loss-not-float").split()


def test_the_catalog_names_every_id_of_the_contract(rnn_torch):
    assert set(CONTRACT_IDS) <= set(catalog_ids(rnn_torch.misconceptions))
    if CONTRACT.exists():  # the contract's §6, when the shared folder is next to the project
        section = CONTRACT.read_text(encoding="utf-8").split("## 6.")[1].split("## 7.")[0]
        listed = set(re.findall(r"`([a-z0-9]+(?:-[a-z0-9]+)+)`", section.split("Misconception ids")[1]))
        assert listed == set(CONTRACT_IDS)


def test_every_id_has_a_fixture(rnn_torch):
    assert {mistake(f) for f in MISTAKES} == set(catalog_ids(rnn_torch.misconceptions))


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_every_id_is_titled_explained_and_hinted(rnn_torch, lang):
    for id_ in catalog_ids(rnn_torch.misconceptions):
        for field in ("title", "explanation", "hint"):
            assert i18n.text(lang, f"misconception.{id_}.{field}").strip()


def test_both_languages_have_the_same_keys(rnn_torch):
    en, ko = (json.loads((rnn_torch.folder / "locales" / f"{lang}.json").read_text(encoding="utf-8"))
              for lang in ("en", "ko"))
    assert en.keys() == ko.keys()
    for key in en:
        assert set(re.findall(r"{(\w+)}", en[key])) == set(re.findall(r"{(\w+)}", ko[key])), key


def test_every_key_the_checks_use_exists_and_every_own_key_is_used(rnn_torch):
    code = "\n".join(p.read_text(encoding="utf-8") for p in (rnn_torch.folder / "checks").glob("*.py"))
    used = set(re.findall(r'msg\(\s*"([\w.-]+)"', code))
    for lang in i18n.LANGS:
        assert used <= set(i18n.catalog(lang)), lang
    own = json.loads((rnn_torch.folder / "locales" / "en.json").read_text(encoding="utf-8"))
    mistakes = {f"misconception.{i}.{field}" for i in catalog_ids(rnn_torch.misconceptions)
                for field in ("title", "explanation", "hint")}
    assert set(own) - mistakes <= used


@pytest.mark.parametrize("part", ["rnn_cell", "ManualRNNCell", "ManualRNN", "train", "predict_next"])
def test_designed_inputs_tell_every_mistake_apart(rnn_torch, rnn_torch_reference, part):
    cases = rnn_torch.misconceptions.DESIGNED[part]
    right = [getattr(rnn_torch_reference, part)(*arguments(c)) for c in cases]
    found = []
    for m in rnn_torch.misconceptions.CATALOG:
        for wrong in m.variants:  # a wrong class or loop, built and run by the adapter as a student's would be
            answers = [getattr(patched(rnn_torch_reference, m.function, wrong), part)(*arguments(c)) for c in cases]
            if not same_answer(answers, right):
                found.append((m.id, answers))
    assert found, f"no mistake shows in {part}"
    for k, (one, a) in enumerate(found):
        assert not any(one != other and same_answer(a, b) for other, b in found[k + 1:]), one


@pytest.mark.parametrize("fixture", MISTAKES, ids=lambda p: p.stem)
def test_each_fixture_is_diagnosed_with_exactly_its_id(rnn_torch, rnn_torch_reference, fixture):
    probe = AdapterProbe(submission(fixture), rnn_torch_reference)
    expected = mistake(fixture)
    found = {part: diagnose(rnn_torch.misconceptions, part, probe, rnn_torch_reference,
                            mutated=expected == "mutates-input") for part in declared_parts(fixture)}
    assert set().union(*found.values()) == {expected}


def test_the_reference_shows_no_mistake(rnn_torch, rnn_torch_reference):
    probe = AdapterProbe(rnn_torch_reference.module, rnn_torch_reference)
    assert all(diagnose(rnn_torch.misconceptions, part, probe, rnn_torch_reference) == ()
               for part in rnn_torch.part_names)
