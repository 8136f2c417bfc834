"""The `rnn_torch` assignment's test helpers: the assignment, its reference, a probe that calls code
through the assignment's adapter in this process, and the mistake fixtures."""
from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest

from grader import assignments
from grader.checks.framework import arguments
from grader.reference import load_reference
from tests.conftest import ROOT, module_from_source

FIXTURES = ROOT / "tests" / "fixtures" / "rnn_torch"
REFERENCE = ROOT / "solutions" / "rnn_torch" / "rnn_torch.py"
MISTAKES = sorted(FIXTURES.glob("*.py"))
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
        assignments.load("rnn_torch")  # its package, where the adapter lives
        from rnn_grader_assignments.rnn_torch import adapter

        self.module, self.ref, self.adapter = module, reference, adapter

    def __call__(self, function, case):
        return self.adapter.call(self.module, function, copy.deepcopy(arguments(case)))

    def with_inputs_after(self, function, case):
        args = copy.deepcopy(arguments(case))
        return self.adapter.call(self.module, function, args), args


def compose(fixture: Path) -> str:
    """A whole submission: the reference with the fixture's definitions overriding it."""
    return f"{REFERENCE.read_text(encoding='utf-8')}\n\n# --- fixture {fixture.name} ---\n" \
           f"{fixture.read_text(encoding='utf-8')}"


def submission(fixture: Path):
    return module_from_source(compose(fixture), fixture.name)


def declared_parts(fixture: Path) -> set[str]:
    """The parts a fixture declares it loses points on (its `# parts:` line)."""
    line = re.search(r"^# parts:(.*)$", fixture.read_text(encoding="utf-8"), re.M).group(1)
    return {p.strip() for p in line.split(",")}


def mistake(fixture: Path) -> str:
    return fixture.stem.replace("_", "-")
