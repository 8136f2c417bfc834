"""The checks of `rnn_torch`, in-process on trusted code called through the adapter: the reference
passes them all, they credit only real answers, every catalogued mistake fails a public check of its
own part, a class built on torch's own layers fails every check of its part and says why, and the
files generated from the reference are up to date."""
from __future__ import annotations

import ast
import copy
import re

import pytest
import torch

from grader import assignments, authoring
from grader.checks import stored
from grader.checks.framework import Mismatch, arguments
from grader.diagnosis import patched, same_answer
from grader.runner import drawn_inputs
from tests.conftest import module_from_source
from tests.rnn_torch.conftest import (
    BUILT_ON_TORCH,
    REFERENCE,
    WRONG_FORM,
    AdapterProbe,
    declared_parts,
    submission,
)

EXAMPLES, SEED = 6, 1


def _checks(assignment, public_only=True):
    return [(part.name, check) for part in assignment.parts for check in part.checks
            if check.public or not public_only]


def _failure(check, probe) -> Exception | None:
    """The first failure of `check` on its replayed inputs (an exception the sandbox would report as
    raised counts too)."""
    for drawn in drawn_inputs(check, EXAMPLES, SEED):
        try:
            check.verify(probe, copy.deepcopy(drawn))
        except Exception as exc:  # noqa: BLE001
            return exc
    return None


def test_the_reference_passes_every_check(rnn_torch, rnn_torch_reference):
    probe = AdapterProbe(rnn_torch_reference.module, rnn_torch_reference)
    assert [(part, check.name) for part, check in _checks(rnn_torch, public_only=False)
            if _failure(check, probe)] == []


def _fake(change):
    """The reference with every answer passed through `change`, and a training loop that trains a copy
    (so the caller's model is left untrained) and reports changed histories: not a real answer."""
    ref = module_from_source(REFERENCE.read_text(encoding="utf-8"), str(REFERENCE))

    class Cell(ref.ManualRNNCell):
        def forward(self, x, h=None):
            return change(super().forward(x, h))

    class Layer(ref.ManualRNN):
        def forward(self, x, h0=None):
            return tuple(map(change, super().forward(x, h0)))

    def train(model, head, seqs, steps, lr, max_norm):
        history = ref.train(copy.deepcopy(model), copy.deepcopy(head), seqs, steps, lr, max_norm)
        return {key: [float(change(torch.tensor(v))) for v in values] for key, values in history.items()}

    return type("Fake", (), {
        "rnn_cell": staticmethod(lambda *args: change(ref.rnn_cell(*args))), "ManualRNNCell": Cell,
        "ManualRNN": Layer, "train": staticmethod(train),
        "predict_next": staticmethod(lambda *args: change(ref.predict_next(*args))),
        "gradient_norms": staticmethod(lambda *args: change(ref.gradient_norms(*args)))})


NOT_REAL = {
    "nan": lambda t: torch.full_like(t, float("nan")),
    "zeros": torch.zeros_like,
    "constant": lambda t: torch.full_like(t, 0.3),
}


@pytest.mark.parametrize("kind", sorted(NOT_REAL))
def test_every_public_check_fails_an_answer_that_is_not_real(rnn_torch, kind):
    probe = AdapterProbe(_fake(NOT_REAL[kind]), None)
    failures = {(part, check.name): _failure(check, probe) for part, check in _checks(rnn_torch)}
    assert [name for name, failure in failures.items() if failure is None] == []
    for failure in failures.values():  # every message exists, with its fields, in both languages
        if isinstance(failure, Mismatch):
            assert failure.message.render("en") and failure.message.render("ko")


VARIANTS = [pytest.param(m, wrong, id=f"{m.id}:{m.function}:{number}")
            for m in assignments.load("rnn_torch").misconceptions.CATALOG for number, wrong in enumerate(m.variants)]


@pytest.mark.parametrize("mistake,wrong", VARIANTS)
def test_every_catalogued_mistake_fails_a_public_check_of_its_own_part(rnn_torch, rnn_torch_reference, mistake,
                                                                       wrong):
    probe = AdapterProbe(patched(rnn_torch_reference, mistake.function, wrong).module, None)
    own = [check for part, check in _checks(rnn_torch) if part == mistake.function
           and check.name != stored.CHECK_NAME]  # properties and torch's layers alone, without the stored answers
    assert any(_failure(check, probe) for check in own)


@pytest.mark.parametrize("fixture", BUILT_ON_TORCH, ids=lambda p: p.stem)
def test_a_class_built_on_torchs_layers_fails_every_check_of_its_part_saying_why(rnn_torch, fixture):
    probe = AdapterProbe(submission(fixture), None)
    (part,) = declared_parts(fixture)
    failures = [_failure(check, probe) for name, check in _checks(rnn_torch) if name == part]
    assert all(isinstance(f, Mismatch) and f.message.key == "check.torch_built_in" for f in failures)
    assert "nn.RNN" in failures[0].message.render("en") and "nn.RNN" in failures[0].message.render("ko")


@pytest.mark.parametrize("fixture", WRONG_FORM, ids=lambda p: p.stem)
def test_right_values_in_the_wrong_form_fail_every_check_of_their_part(rnn_torch, fixture):
    probe = AdapterProbe(submission(fixture), None)
    (part,) = declared_parts(fixture)
    key = re.search(r"^# key: (\S+)$", fixture.read_text(encoding="utf-8"), re.M).group(1)
    failures = [_failure(check, probe) for name, check in _checks(rnn_torch) if name == part]
    assert all(isinstance(f, Mismatch) and f.message.key == key for f in failures)


def test_the_public_checks_define_no_graded_function_or_class(rnn_torch):
    """They ship to students: no part of the assignment may be implemented in them."""
    sources = [*(rnn_torch.folder / "checks").glob("*.py"), rnn_torch.folder / "adapter.py"]
    defined = {node.name for path in sources for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
               if isinstance(node, (ast.FunctionDef, ast.ClassDef))}
    assert defined.isdisjoint(rnn_torch.part_names)


def test_generated_files_are_up_to_date(rnn_torch):
    for name, text in authoring.student_files(rnn_torch).items():
        assert (rnn_torch.folder / name).read_text(encoding="utf-8") == text, f"{name}: run rnn-grader generate"
    assert (rnn_torch.folder / stored.FILE_NAME).read_text(encoding="utf-8") == \
        authoring.stored_examples_text(rnn_torch)


def test_stored_examples_are_the_designed_inputs(rnn_torch, rnn_torch_reference):
    saved = stored.load(rnn_torch.folder / stored.FILE_NAME)
    for part, cases in rnn_torch.misconceptions.DESIGNED.items():
        assert [s[0].keys() for s in saved[part]] == [c.keys() for c in cases]
        for (inputs, expected), case in zip(saved[part], cases):
            assert stored.encode(inputs) == stored.encode(case)
            assert same_answer(expected, getattr(rnn_torch_reference, part)(*arguments(case)), tol=1e-10)


def test_the_stub_defines_every_part_and_implements_none(rnn_torch):
    stub = module_from_source((rnn_torch.folder / "rnn_torch.py").read_text(encoding="utf-8"), "rnn_torch.py")
    probe = AdapterProbe(stub, None)
    for part, check in _checks(rnn_torch):
        assert isinstance(_failure(check, probe), NotImplementedError), (part, check.name)
