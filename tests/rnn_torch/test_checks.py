"""The checks of `rnn_torch`, in-process on trusted code called through the adapter: they credit only real
answers, a class built on torch's own layers fails every check of its part and says why, and so do right
values in a wrong form (what every assignment's checks must do is tests/test_installed_assignments.py's)."""
from __future__ import annotations

import copy
import re

import pytest
import torch

from grader.checks.framework import Mismatch
from tests.conftest import affected_parts, first_failure, module_from_source
from tests.rnn_torch.conftest import BUILT_ON_TORCH, REFERENCE, WRONG_FORM, AdapterProbe, submission

EXAMPLES = 6


def _failures(assignment, probe, part=None) -> list:
    """The first failure of every public check (of `part` alone, when given)."""
    return [first_failure(check, probe, EXAMPLES) for p in assignment.parts if part in (None, p.name)
            for check in p.checks if check.public]


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
    failures = _failures(rnn_torch, AdapterProbe(_fake(NOT_REAL[kind]), None))
    assert None not in failures
    for failure in failures:  # every message exists, with its fields, in both languages
        if isinstance(failure, Mismatch):
            assert failure.message.render("en") and failure.message.render("ko")


@pytest.mark.parametrize("fixture", BUILT_ON_TORCH, ids=lambda p: p.stem)
def test_a_class_built_on_torchs_layers_fails_every_check_of_its_part_saying_why(rnn_torch, fixture):
    (part,) = affected_parts(fixture)
    failures = _failures(rnn_torch, AdapterProbe(submission(fixture), None), part)
    assert all(isinstance(f, Mismatch) and f.message.key == "check.torch_built_in" for f in failures)
    assert "nn.RNN" in failures[0].message.render("en") and "nn.RNN" in failures[0].message.render("ko")


@pytest.mark.parametrize("fixture", WRONG_FORM, ids=lambda p: p.stem)
def test_right_values_in_the_wrong_form_fail_every_check_of_their_part(rnn_torch, fixture):
    (part,) = affected_parts(fixture)
    key = re.search(r"^# key: (\S+)$", fixture.read_text(encoding="utf-8"), re.M).group(1)
    failures = _failures(rnn_torch, AdapterProbe(submission(fixture), None), part)
    assert all(isinstance(f, Mismatch) and f.message.key == key for f in failures)
