"""A check's inputs verified in rounds, many calls per request (grader.batteries): the verdict is
the one verifying them one after another gives, the earliest failing input deciding, in as many
requests as the longest input makes calls."""
from __future__ import annotations

import copy
from pathlib import Path

import pytest
from hypothesis import strategies as st

from grader import batteries
from grader.checks.framework import Check, Mismatch, PartAborted, msg
from grader.runner import SandboxProbe
from grader.sandbox import Limits, Sandbox
from grader.submissions import Submission

# wrong on -3 (the second call of input 3), raises on 7 (the first call of input 7), not done on -1
STUDENT = """
def double(x):
    if x == 7:
        raise ValueError("seven")
    if x == -1:
        raise NotImplementedError
    return 0 if x == -3 else 2 * x
"""
INPUTS = [{"x": x} for x in (2, 3, 4, 5, 6, 7, 8)]


def _odd(probe, case):
    """Two calls per input, the second built from the case (as the rnn checks' symmetry properties)."""
    twice = probe("double", case)
    if probe("double", {"x": -case["x"]}) != -twice:
        raise Mismatch(msg("check.flaky"), {"x": case["x"]})


ODD = Check("odd", 1.0, True, st.just({"x": 1}), _odd)


@pytest.fixture
def probe():
    with Sandbox(STUDENT, "double.py", Limits(call_seconds=10)) as box:
        assert box.load() is None
        submission = Submission("s", Path("double.py"), STUDENT, "")
        probe = SandboxProbe(box, submission, None)
        probe.start_part("double", 600.0)
        requests: list[int] = []
        call_many = box.call_many

        def counted(calls, **kwargs):
            requests.append(len(calls))
            return call_many(calls, **kwargs)

        box.call_many = counted
        yield probe, requests


def one_by_one(check, probe, inputs):
    """What the battery stands for."""
    for drawn in inputs:
        check.verify(probe, copy.deepcopy(drawn))


def raised(run, *args) -> BaseException | None:
    try:
        run(*args)
    except BaseException as exc:  # noqa: BLE001
        return exc
    return None


def test_all_passing_inputs_cost_as_many_requests_as_calls_per_input(probe):
    probe, requests = probe
    assert batteries.verify_all(ODD, probe, [{"x": x} for x in (2, 4, 5, 6)]) is None
    assert requests == [1, 1, 3, 3]  # the first input alone, then the others together


def test_the_earliest_failing_input_decides_though_a_later_one_failed_first(probe):
    probe, requests = probe
    expected = raised(one_by_one, ODD, probe, INPUTS)
    assert isinstance(expected, Mismatch) and expected.details == {"x": 3}  # input 3, not 7
    requests.clear()
    got = raised(batteries.verify_all, ODD, probe, INPUTS)
    assert type(got) is Mismatch and got.message == expected.message and got.details == expected.details
    # the first input alone; every other first call; the second calls of those before 7, whose first call failed
    assert requests == [1, 1, len(INPUTS) - 1, INPUTS.index({"x": 7}) - 1]


def test_a_part_stopping_failure_of_an_earlier_input_wins_over_a_wrong_answer_after_it(probe):
    probe, _ = probe
    inputs = [{"x": 2}, {"x": 1}, {"x": 7}]  # input 1: its second call is not implemented; 7 raises at once
    expected = raised(one_by_one, ODD, probe, inputs)
    got = raised(batteries.verify_all, ODD, probe, inputs)
    assert isinstance(expected, PartAborted) and type(got) is PartAborted
    assert got.message == expected.message == msg("call.not_implemented", function="double")


def test_a_function_wrong_on_the_first_input_costs_no_call_on_the_others(probe):
    probe, requests = probe
    got = raised(batteries.verify_all, ODD, probe, [{"x": 3}, {"x": 2}, {"x": 4}])
    assert type(got) is Mismatch and got.details == {"x": 3}
    assert requests == [1, 1]
