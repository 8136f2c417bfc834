"""Answers that are not answers (tests/fixtures/junk/) earn nothing, graded through the real sandbox.

Each fixture turns the reference's results into junk of one kind on the parts its `# parts:`
line names: those parts score 0 in every test, with feedback that says what is wrong with the
answer and no diagnosed mistake; every other part keeps full marks.
"""
from __future__ import annotations

import pytest

from grader.runner import GradingOptions, grade
from grader.sandbox import Limits
from grader.submissions import read_submission
from tests.checks.junk import FIXTURES, junk_submission
from tests.conftest import affected_parts

FAST = Limits(call_seconds=2.0, import_seconds=5.0)

# what every test of a broken part says about the answer
TELLS = {
    "nan_everywhere": "nan",
    "returns_lists": "a list of",
    "extra_axis": "shape",
    "complex_arrays": "complex",
    "object_arrays": "|O",
    "wrong_tuple_length": "expected a tuple",
    "returns_string": "of type str",
}
# answers of the right form that are no function of the inputs: what "inputs unchanged" says
INPUT_FREE = {
    "constant_answer": "exactly the same answer for other inputs",
    "random_answer": "a second call with the same inputs gave a different result",
}


def test_every_junk_fixture_is_tested():
    assert {p.stem for p in FIXTURES} == set(TELLS) | set(INPUT_FREE)


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.stem)
def test_junk_earns_nothing_on_the_parts_it_breaks(fixture, tmp_path, reference):
    path = tmp_path / "student.py"
    path.write_text(junk_submission(fixture), encoding="utf-8")
    result = grade(read_submission(path), GradingOptions(limits=FAST, reference=reference))
    broken = affected_parts(fixture)
    assert result.status == "graded" and broken
    for part in result.parts:
        if part.name not in broken:
            assert part.score == part.max_score, part.name
            continue
        assert part.score == 0 and not any(t.passed for t in part.tests), part.name
        assert not part.misconceptions, part.name
        if fixture.stem in TELLS:
            assert all(TELLS[fixture.stem] in t.message for t in part.tests), [t.message for t in part.tests]
        else:
            unchanged = next(t for t in part.tests if t.name == "inputs_unchanged")
            assert INPUT_FREE[fixture.stem] in unchanged.message, unchanged.message
