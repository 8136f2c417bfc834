"""Diagnosis by behaviour, for every installed assignment, in `check` and in `grade`.

Each catalogued mistake has at least two fixtures written differently: the one named after it
in the assignment's fixture folder, and more in its `rewritten/` folder (first lines
`# parts:` and `# mistakes:`; a fixture there may combine two mistakes in one function, or
make none: a correct form, NaN, a constant). Every fixture goes through the runner's own
`grade_part` in both modes, in this process (trusted code), and must be named with exactly
its mistakes; correct and junk answers with none. The public diagnosis file must be what
`rnn-grader generate` writes from the instructor's catalog.
"""
from __future__ import annotations

import copy
import json
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from grader import assignments, authoring, diagnosis_data, i18n
from grader.checks.framework import arguments
from grader.diagnosis import FLOAT32, GENERIC_IDS, MUTATES, catalog_ids, diagnose, same_answer
from grader.reference import adapted, load_reference
from grader.runner import GradingOptions, grade_part
from tests.checks.junk import JUNK, junk_submission
from tests.conftest import ROOT, module_from_source

FIXTURES = {"rnn": ROOT / "tests" / "fixtures" / "mistakes", "gated": ROOT / "tests" / "fixtures" / "gated",
            "rnn_torch": ROOT / "tests" / "fixtures" / "rnn_torch"}
NAMES = sorted(FIXTURES)
CONTRACT = ROOT.parent / "shared" / "CONTRACT.md"
CONTRACT_IDS = {  # the contract's ids per assignment (checked against the shared contract when it is here)
    "rnn": "missing-tanh relu-instead-of-tanh missing-bias transposed-recurrent-weight forward-ignores-previous-state "
           "missing-tanh-derivative bptt-no-accumulation bptt-no-carry loss-not-averaged-over-batch softmax-overflow "
           "clip-per-tensor clip-always-rescales clip-by-value-instead-of-norm mutates-input",
    "rnn_torch": "weight-not-transposed single-bias batch-first-ignored h-n-shape h0-ignored graph-broken "
                 "missing-zero-grad clip-before-backward clip-after-step returns-clipped-norm state-not-carried "
                 "loss-not-float",
    "gated": "lstm-gate-order forget-gate-on-hidden missing-cell-tanh sigmoid-tanh-swapped gru-update-flipped "
             "gru-reset-before-matmul lstm-no-cell-carry mutates-input float32-precision",
}
FEW_EXAMPLES = 5  # per check: enough for a wrong part to fail, so that diagnosis runs, at a fraction of the cost
SECTIONS = {"rnn": ("## 5.", "\n## "), "rnn_torch": ("## 6.", "## 7."), "gated": ("## 7.", "\n## 8.")}


def _header(path: Path, key: str) -> set[str]:
    found = re.search(rf"^# {key}:(.*)$", path.read_text(encoding="utf-8"), re.M)
    return {p.strip() for p in found.group(1).split(",") if p.strip() and p.strip() != "none"} if found else set()


def mistakes_of(path: Path) -> set[str]:
    """A fixture's mistakes: its `# mistakes:` line, or its file name for the one named after it."""
    return _header(path, "mistakes") if path.parent.name == "rewritten" else {path.stem.replace("_", "-")}


def all_fixtures() -> list[tuple[str, Path]]:
    return [(name, path) for name in NAMES for path in [*sorted(FIXTURES[name].glob("*.py")),
                                                        *sorted((FIXTURES[name] / "rewritten").glob("*.py"))]]


class LocalProbe:
    """The runner's probe without a sandbox, for trusted fixtures: calls in this process, through the
    assignment's adapter when it has one, exactly as the worker makes them."""

    def __init__(self, assignment, source: str, name: str):
        self.target = adapted(assignment, module_from_source(source, name))
        self.ref = None

    def start_part(self, part: str, seconds: float) -> None:
        pass

    def __call__(self, function, case):
        return getattr(self.target, function)(*copy.deepcopy(arguments(case)))

    def with_inputs_after(self, function, case):
        args = copy.deepcopy(list(arguments(case)))
        return getattr(self.target, function)(*args), tuple(args)


@pytest.fixture(scope="module", params=NAMES)
def assignment(request):
    return assignments.load(request.param)


def submission(assignment, fixture: Path) -> str:
    return f"{assignment.reference_path().read_text(encoding='utf-8')}\n\n# --- fixture {fixture.name} ---\n" \
           f"{fixture.read_text(encoding='utf-8')}"


def named(assignment, source: str, name: str, parts, mode: str) -> dict[str, tuple[str, ...]]:
    """The mistakes the runner names on each of `parts` in `mode`."""
    probe = LocalProbe(assignment, source, name)
    few = {m: replace(budget, examples=min(budget.examples, FEW_EXAMPLES)) for m, budget in assignment.modes.items()}
    options = GradingOptions(mode=mode, assignment=replace(assignment, manifest=replace(assignment.manifest, modes=few)),
                             reference=load_reference(assignment) if mode == "grade" else None)
    found = {}
    with np.errstate(all="ignore"):
        for part in (p for p in assignment.parts if p.name in parts):
            found[part.name] = grade_part(part, probe, options).misconceptions
    return found


# --- the catalog ------------------------------------------------------------------------------------

def test_the_catalog_names_every_id_of_the_contract(assignment):
    ids = set(catalog_ids(assignment.misconceptions))
    assert set(CONTRACT_IDS[assignment.name].split()) <= ids
    if CONTRACT.exists():  # the contract itself, when the shared folder is next to the project
        start, end = SECTIONS[assignment.name]
        section = CONTRACT.read_text(encoding="utf-8").split(start)[1].split(end)[0]
        listed = set(re.findall(r"^\| `([a-z0-9-]+)` \|", section, re.M)) | set(
            re.findall(r"`([a-z0-9]+(?:-[a-z0-9]+)+)`", section.split("Misconception ids")[-1]))
        assert (listed & set(CONTRACT_IDS[assignment.name].split())) <= ids


def test_every_mistake_has_two_differently_written_fixtures(assignment):
    forms: dict[str, int] = {}
    for name, path in all_fixtures():
        if name == assignment.name:
            for mistake in mistakes_of(path):
                forms[mistake] = forms.get(mistake, 0) + 1
    catalogued = {m.id for m in assignment.misconceptions.CATALOG}
    assert {m for m in catalogued if forms.get(m, 0) < 2} == set()
    assert set(forms) <= set(catalog_ids(assignment.misconceptions))


def test_a_fixture_combines_two_mistakes_of_one_function(assignment):
    functions = {}
    for m in assignment.misconceptions.CATALOG:
        functions.setdefault(m.function, set()).add(m.id)
    combined = [mistakes_of(p) for name, p in all_fixtures() if name == assignment.name and len(mistakes_of(p)) == 2]
    assert any(pair <= ids for pair in combined for ids in functions.values() if len(ids) > 1)


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_every_id_is_titled_explained_and_hinted(assignment, lang):
    for id_ in catalog_ids(assignment.misconceptions):
        for field in ("title", "explanation", "hint"):
            assert i18n.text(lang, f"misconception.{id_}.{field}").strip()


def test_the_generic_ids_are_the_engines():
    assert set(GENERIC_IDS) == {FLOAT32, MUTATES}


# --- the public diagnosis file ----------------------------------------------------------------------

def test_the_diagnosis_file_is_what_generate_writes(assignment):
    """Byte for byte: answers are rounded to 12 significant digits, so BLAS rounding the last bits
    differently from one run to the next cannot change the file."""
    text = authoring.diagnosis_text(assignment)
    assert text == (assignment.folder / diagnosis_data.FILE_NAME).read_text(encoding="utf-8"), \
        f"run `rnn-grader generate --assignment {assignment.name}`"
    assert text == authoring.diagnosis_text(assignment)


def test_the_file_holds_no_reference_code_only_answers(assignment):
    raw = json.loads((assignment.folder / diagnosis_data.FILE_NAME).read_text(encoding="utf-8"))
    assert set(raw) == set(assignment.misconceptions.DESIGNED)
    assert all(set(entry) == {"cases", "right", "wrong"} for entry in raw.values())
    assert "def " not in json.dumps(raw) and "lambda" not in json.dumps(raw)


def test_designed_inputs_tell_every_mistake_apart(assignment):
    """No two catalogued mistakes give the same answers on a part's designed inputs."""
    for part, evidence in diagnosis_data.load(assignment.folder).items():
        for k, one in enumerate(evidence.wrong):
            assert not any(one.id != other.id and all(same_answer(a, b) for a, b in zip(one.answers, other.answers))
                           for other in evidence.wrong[k + 1:]), (part, one.id)


# --- fixtures, in both modes ------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["check", "grade"])
@pytest.mark.parametrize("name, fixture", all_fixtures(), ids=lambda v: v if isinstance(v, str) else
                         f"{v.parent.name}/{v.stem}")
def test_each_fixture_is_named_with_exactly_its_mistakes(name, fixture, mode):
    assignment = assignments.load(name)
    expected = mistakes_of(fixture)
    parts = _header(fixture, "parts") if expected else set(assignment.part_names)
    found = named(assignment, submission(assignment, fixture), fixture.name, parts, mode)
    assert set().union(*found.values()) == expected
    assert all(set(ids) <= expected for ids in found.values())


@pytest.mark.parametrize("name, fixture", [(n, p) for n, p in all_fixtures() if not mistakes_of(p)],
                         ids=lambda v: v if isinstance(v, str) else v.stem)
def test_correct_and_junk_fixtures_name_nothing_even_where_they_pass(name, fixture):
    """Diagnosis called on every part, failed or not: the evidence supports no mistake."""
    assignment = assignments.load(name)
    probe = LocalProbe(assignment, submission(assignment, fixture), fixture.name)
    evidence = diagnosis_data.load(assignment.folder)
    with np.errstate(all="ignore"):
        assert all(diagnose(evidence.get(part), part, probe) == () for part in assignment.part_names)


@pytest.mark.parametrize("name", NAMES)
def test_the_reference_shows_no_mistake(name):
    assignment = assignments.load(name)
    probe = LocalProbe(assignment, assignment.reference_path().read_text(encoding="utf-8"), "reference.py")
    evidence = diagnosis_data.load(assignment.folder)
    assert all(diagnose(evidence.get(part), part, probe) == () for part in assignment.part_names)


@pytest.mark.parametrize("junk", sorted(p for p in JUNK.glob("*.py") if not p.stem.startswith("_")),
                         ids=lambda p: p.stem)
def test_junk_answers_name_no_mistake(junk):
    """NaN, constants, random numbers, wrong forms: no mistake explains what is no answer."""
    rnn = assignments.load("rnn")
    probe = LocalProbe(rnn, junk_submission(junk), junk.name)
    evidence = diagnosis_data.load(rnn.folder)
    with np.errstate(all="ignore"):
        assert all(diagnose(evidence.get(part), part, probe) == () for part in rnn.part_names)


def test_a_part_without_diagnosis_data_names_nothing_but_mutation(assignment):
    probe = LocalProbe(assignment, assignment.reference_path().read_text(encoding="utf-8"), "reference.py")
    assert diagnose(None, assignment.part_names[0], probe) == ()
    assert diagnose(None, assignment.part_names[0], probe, mutated=True) == (MUTATES,)


def test_the_check_mode_names_without_the_instructor_folder(tmp_path):
    """A student bundle has no solutions/: the public file alone names the mistake."""
    rnn = assignments.load("rnn")
    student = replace(rnn, solutions=None, misconceptions=None)
    fixture = FIXTURES["rnn"] / "rewritten" / "softmax_overflow__log_sum_exp.py"
    found = named(student, submission(rnn, fixture), fixture.name, {"sequence_cross_entropy"}, "check")
    assert found == {"sequence_cross_entropy": ("softmax-overflow",)}


def test_check_in_the_sandbox_names_both_mistakes_in_the_terminal_and_markdown(tmp_path, capsys):
    """End to end: `rnn-grader check` on a loss written as log-sum-exp without the shift, and a BPTT with
    neither carry nor accumulation, names all three mistakes in the student's terminal and Markdown reports."""
    from grader.cli import main

    sources = [FIXTURES["rnn"] / "rewritten" / f for f in ("softmax_overflow__log_sum_exp.py",
                                                            "bptt_no_carry_and_no_accumulation.py")]
    rnn = assignments.load("rnn")
    path = tmp_path / "rnn.py"
    path.write_text(rnn.reference_path().read_text(encoding="utf-8") + "".join(
        f"\n\n{p.read_text(encoding='utf-8')}" for p in sources), encoding="utf-8")
    assert main(["check", str(path), "--format", "md", "--out", str(tmp_path / "out")]) == 0
    terminal = capsys.readouterr().out
    markdown = (tmp_path / "out" / "rnn.md").read_text(encoding="utf-8")
    for mistake in ("softmax-overflow", "bptt-no-carry", "bptt-no-accumulation"):
        assert f"[{mistake}]" in terminal and f"`{mistake}`" in markdown
