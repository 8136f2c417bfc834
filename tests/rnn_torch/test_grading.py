"""`rnn_torch` graded for real, through the sandbox with torch preloaded in the worker: a class built on
torch's own layers scores 0 on its part and is told why (what every assignment's grading must do is
tests/test_installed_assignments.py's; these share its gradings)."""
from __future__ import annotations

import pytest

from tests.conftest import affected_parts
from tests.rnn_torch.conftest import BUILT_ON_TORCH, compose


@pytest.mark.parametrize("fixture", BUILT_ON_TORCH, ids=lambda p: p.stem)
def test_a_class_built_on_torchs_layers_scores_nothing_on_its_part_and_is_told_why(graded, fixture):
    result = graded("rnn_torch", fixture.stem, compose(fixture))
    (part,) = [p for p in result.parts if p.name in affected_parts(fixture)]
    assert part.score == 0 and all("nn.RNN" in test.message for test in part.tests)
    assert result.score == result.max_score - part.max_score
