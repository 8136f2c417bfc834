"""The `rnn_torch` assignment's test helpers: the assignment, its reference, a probe that calls code
through the assignment's adapter in this process, and the mistake fixtures (the helpers behind them
are tests/conftest.py's, shared by every assignment)."""
from __future__ import annotations

import copy
import functools
from pathlib import Path

import pytest

from grader import assignments
from grader.checks.framework import arguments
from grader.reference import load_reference
from tests.conftest import ROOT, mistake_fixtures, module_from_source
from tests.conftest import compose as compose_with

FIXTURES = ROOT / "tests" / "fixtures" / "rnn_torch"
REFERENCE = ROOT / "solutions" / "rnn_torch" / "rnn_torch.py"
MISTAKES = mistake_fixtures("rnn_torch")
BUILT_ON_TORCH = sorted((FIXTURES / "built_on_torch").glob("*.py"))
WRONG_FORM = sorted((FIXTURES / "form").glob("*.py"))  # right values in a wrong form (their `# key:` line)


@pytest.fixture(scope="session")
def rnn_torch():
    return assignments.load("rnn_torch")


@pytest.fixture(scope="session")
def rnn_torch_reference(rnn_torch):
    """The reference as the checks call it: through the adapter."""
    return load_reference(rnn_torch)


class AdapterProbe:
    """A Probe without a sandbox: trusted code called through the adapter, as the worker calls it."""

    def __init__(self, module, reference):
        self.module, self.ref = module, reference
        self.adapter = assignments.module_of(assignments.load("rnn_torch"), "adapter")

    def __call__(self, function, case):
        return self.adapter.call(self.module, function, copy.deepcopy(arguments(case)))

    def with_inputs_after(self, function, case):
        args = copy.deepcopy(arguments(case))
        return self.adapter.call(self.module, function, args), args


compose = functools.partial(compose_with, reference=REFERENCE)


def submission(fixture: Path):
    return module_from_source(compose(fixture), fixture.name)
