"""The public checks of `gated`, in-process on trusted code: they credit only real answers (what every
assignment's checks must do is tests/test_installed_assignments.py's)."""
from __future__ import annotations

import numpy as np
import pytest

from grader.checks.framework import Mismatch
from tests.conftest import InProcessProbe, first_failure

EXAMPLES = 10


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
    failures = {(part.name, check.name): first_failure(check, probe, EXAMPLES)
                for part in gated.parts for check in part.checks if check.public}
    assert [name for name, failure in failures.items() if not isinstance(failure, Mismatch)] == []
    for failure in failures.values():  # every message exists, with its fields, in both languages
        assert failure.message.render("en") and failure.message.render("ko")
