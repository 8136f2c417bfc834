"""A check's drawn inputs verified in a few sandbox round trips instead of one per call.

The round trip, not the student's code, was half of a `check`'s time: some 1,500 calls, each its
own request. A check's inputs do not depend on one another, so here they advance together, in
rounds: every unfinished input's `verify` runs until its first call that has no answer yet; those
calls, one per input and in input order, go to the worker in one request; with the answers back,
every unfinished input is verified again from its start (a check is deterministic: it makes the
same calls) with one answer more. A check so costs as many round trips as its longest input makes
calls, and its time stays bounded as one by one: each call by the call limit, a request by the part's.

The verdict is the one verifying the inputs one after another gives: the first input, in drawing
order, whose verify raises decides, with what it raises (a failed call judged by the same rules as
one call alone: `SandboxProbe.judge`); inputs after it are dropped. Only the order in which the
worker runs the calls differs (the first call of every input, then the second...), which no
submission whose functions keep nothing between calls can tell.
"""
from __future__ import annotations

import copy
from typing import Any, Sequence

from grader.checks.framework import Case, Check, arguments


class _Unanswered(BaseException):
    """The call an input's verify makes next has no answer yet (a BaseException: no check catches it)."""


class _Replay:
    """The probe one input's verify gets in a round: the real probe's rules and attributes, with the
    calls answered from this input's earlier answers, in order, and the first call beyond them asked."""

    def __init__(self, probe: Any, answers: list[tuple[Any, float]]):
        self._probe, self._answers, self._used = probe, answers, 0
        self.asked: tuple[str, tuple] | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._probe, name)  # ref, limits, ...: those of the probe it stands for

    def __call__(self, function: str, case: Case) -> Any:
        return type(self._probe).__call__(self, function, case)

    def with_inputs_after(self, function: str, case: Case) -> tuple[Any, tuple[Any, ...]]:
        return type(self._probe).with_inputs_after(self, function, case)

    def _outcome(self, function: str, case: Case) -> Any:
        if self._used < len(self._answers):
            out, left = self._answers[self._used]
            self._used += 1
            return self._probe.judge(function, out, left)
        self._probe.before_call(function)  # e.g. a function a notebook cell took down: stops here, as one by one
        self.asked = (function, arguments(case))
        raise _Unanswered


def verify_all(check: Check, probe: Any, inputs: Sequence[Any]) -> None:
    """Verify `check` on every input, as `for drawn in inputs: check.verify(probe, deepcopy(drawn))`
    does, in a few requests; raise what that loop raises first. The first input goes alone, one
    call at a time (as many requests as it has calls in rounds, and no replay): a wrong function
    mostly fails there, and then costs no call on the others."""
    if inputs:
        check.verify(probe, copy.deepcopy(inputs[0]))
    _verify_in_rounds(check, probe, inputs[1:])


def _verify_in_rounds(check: Check, probe: Any, inputs: Sequence[Any]) -> None:
    answers: dict[int, list[tuple[Any, float]]] = {index: [] for index in range(len(inputs))}
    first_failure: tuple[int, BaseException] | None = None
    while answers:
        asked: dict[int, tuple[str, tuple]] = {}
        for index in sorted(answers):
            if first_failure is not None and index > first_failure[0]:
                break  # after the input that decides: never looked at one by one
            replay = _Replay(probe, answers[index])
            try:
                check.verify(replay, copy.deepcopy(inputs[index]))  # the drawn value stays as drawn
            except _Unanswered:
                asked[index] = replay.asked
                continue
            except BaseException as exc:  # noqa: BLE001  (this input's verdict; the earliest one is raised)
                first_failure = (index, exc)
            del answers[index]
        if first_failure is not None:
            answers = {index: got for index, got in answers.items() if index < first_failure[0]}
            asked = {index: call for index, call in asked.items() if index < first_failure[0]}
        if not asked:
            break
        for index, answer in zip(asked, probe.call_round(list(asked.values()))):
            answers[index].append(answer)
    if first_failure is not None:
        raise first_failure[1]
