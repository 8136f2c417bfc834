"""The public checks of `gated`, in-process on trusted code: the reference passes them, they
credit only real answers, every catalogued mistake fails one in its own part, and the files
generated from the reference are up to date."""
from __future__ import annotations

import ast
import copy

import numpy as np
import pytest

from grader import assignments, authoring
from grader.checks import stored
from grader.checks.framework import Mismatch, arguments
from grader.diagnosis import patched, same_answer
from grader.runner import drawn_inputs
from tests.conftest import InProcessProbe

EXAMPLES, SEED = 10, 1


def _public(assignment):
    return [(part.name, check) for part in assignment.parts for check in part.checks if check.public]


def _failure(check, probe) -> Mismatch | None:
    """The first failure of `check` on its replayed inputs (no shrinking: these tests want the verdict)."""
    for drawn in drawn_inputs(check, EXAMPLES, SEED):
        try:
            check.verify(probe, copy.deepcopy(drawn))
        except Mismatch as exc:
            return exc
    return None


def test_the_reference_passes_every_public_check(gated, gated_reference):
    probe = InProcessProbe(gated_reference, None)
    assert [(part, check.name) for part, check in _public(gated) if _failure(check, probe)] == []


class Transformed:
    """The reference's answers, each array passed through `change` (a fake submission)."""

    def __init__(self, reference, change):
        self.reference, self.change = reference, change

    def __getattr__(self, name):
        def function(*args):
            value = getattr(self.reference, name)(*args)
            return tuple(map(self.change, value)) if isinstance(value, tuple) else self.change(value)

        return function


NOT_REAL = {
    "nan": lambda a: np.full_like(a, np.nan),
    "zeros": np.zeros_like,
    "constant": lambda a: np.full_like(a, 0.3),
    "float32": lambda a: a.astype(np.float32),
    "list": lambda a: a.tolist(),
    "transposed": lambda a: a.T,
}


@pytest.mark.parametrize("kind", sorted(NOT_REAL))
def test_every_public_check_fails_an_answer_that_is_not_real(gated, gated_reference, kind):
    probe = InProcessProbe(Transformed(gated_reference, NOT_REAL[kind]), None)
    failures = {(part, check.name): _failure(check, probe) for part, check in _public(gated)}
    assert [name for name, failure in failures.items() if failure is None] == []
    for failure in failures.values():  # every message exists, with its fields, in both languages
        assert failure.message.render("en") and failure.message.render("ko")


VARIANTS = [pytest.param(m, wrong, id=f"{m.id}:{m.function}:{number}")
            for m in assignments.load("gated").misconceptions.CATALOG for number, wrong in enumerate(m.variants)]


@pytest.mark.parametrize("mistake,wrong", VARIANTS)
def test_every_catalogued_mistake_fails_a_public_check_of_its_own_part(gated, gated_reference, mistake, wrong):
    probe = InProcessProbe(patched(gated_reference, mistake.function, wrong), None)
    own = [check for part, check in _public(gated) if part == mistake.function
           and check.name != stored.CHECK_NAME]  # properties alone, without the stored answers
    with np.errstate(all="ignore"):
        assert any(_failure(check, probe) for check in own)


def test_the_public_checks_define_no_graded_function(gated):
    """They ship to students: no part of the assignment may be implemented in them."""
    sources = (gated.folder / "checks").glob("*.py")
    defined = {node.name for path in sources for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
               if isinstance(node, ast.FunctionDef)}
    assert defined.isdisjoint(gated.part_names)


def test_generated_files_are_up_to_date(gated):
    for name, text in authoring.student_files(gated).items():
        assert (gated.folder / name).read_text(encoding="utf-8") == text, f"{name}: run rnn-grader generate"
    assert (gated.folder / stored.FILE_NAME).read_text(encoding="utf-8") == authoring.stored_examples_text(gated)


def test_stored_examples_are_the_designed_inputs(gated, gated_reference):
    saved = stored.load(gated.folder / stored.FILE_NAME)
    for part, cases in gated.misconceptions.DESIGNED.items():
        assert [s[0].keys() for s in saved[part]] == [c.keys() for c in cases]
        for (inputs, expected), case in zip(saved[part], cases):
            assert same_answer(tuple(inputs.values()), arguments(case), tol=0)
            assert same_answer(expected, stored.stable(getattr(gated_reference, part)(*arguments(case))), tol=0)
