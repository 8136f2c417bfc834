"""Grade one submission: spec + submission → SubmissionResult.

Hypothesis runs here, in the trusted process; the student's functions are reached only
through the sandbox, and every verdict is computed here from the plain values it returns.
Budgets, so one bad submission costs seconds: a part whose call timed out, crashed or is not
implemented is not called again, and each part has its own share of the submission's wall-clock budget,
enforced on every call (see `spec.Budget`).
"""
from __future__ import annotations

import copy
import math
import re
import time
import zlib
from dataclasses import dataclass, field, replace
from functools import lru_cache
from types import ModuleType
from typing import Any, Callable

import hypothesis
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis.errors import HypothesisException

import grader
from grader import batteries, drawn_store, i18n, values
from grader.determinism import pin_generation
from grader.checks.answers import returned
from grader.manifest import MODES
from grader.checks.framework import (
    Case,
    Check,
    Mismatch,
    Msg,
    PartAborted,
    arguments,
    msg,
)
from grader.model import (
    Diagnosis,
    GradingError,
    PartResult,
    SubmissionResult,
    TestResult,
)
from grader.sandbox import Frame, Limits, LoadError, Sandbox, WorkerRuntime
from grader import assignments
from grader.spec import Assignment, Part
from grader.submissions import Submission

@dataclass(frozen=True)
class GradingOptions:
    mode: str = "grade"
    seed: int | None = None
    limits: Limits = field(default_factory=Limits)
    reference: ModuleType | None = None
    assignment: Assignment = field(default_factory=assignments.load)  # the course's default assignment
    lang: str = "en"

    @property
    def effective_seed(self) -> int:
        return self.assignment.default_seed if self.seed is None else self.seed


class SandboxProbe:
    """The `Probe` checks use: student calls through the sandbox, failures turned into verdicts,
    every call bounded by what is left of the current part's time."""

    def __init__(self, box: Sandbox, submission: Submission, reference: ModuleType | None,
                 broken: dict[str, Msg] | None = None, allowed: tuple[str, ...] = ()):
        self.box = box
        self.allowed = allowed  # what the assignment lets a submission import, for the message
        self.submission = submission
        self.ref = reference
        self.broken = broken or {}  # functions a failed notebook cell took down, with why
        self.part, self.seconds, self.deadline = "", math.inf, math.inf  # no part started: the call limit alone
        self.printed = ""

    def start_part(self, part: str, seconds: float) -> None:
        """Give the calls that follow `part`'s own `seconds`. A worker an earlier part ended is
        restarted first, so that part's failure costs this one no time."""
        self.box.load()
        self.part, self.seconds, self.deadline = part, seconds, time.monotonic() + seconds

    def _out_of_time(self) -> PartAborted:
        return PartAborted(msg("check.budget_exhausted", part=self.part, seconds=f"{self.seconds:g}"))

    def _outcome(self, function: str, case: Case):
        self.before_call(function)
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise self._out_of_time()
        return self.judge(function, self.box.call(function, arguments(case), seconds=left), left)

    def before_call(self, function: str) -> None:
        if function in self.broken:
            raise PartAborted(self.broken[function])

    def call_round(self, calls: list[tuple[str, tuple]]) -> list[tuple[Any, float]]:
        """Calls in one request (a battery's round), each outcome with the time `judge` weighs it by:
        what was left of the part when the request went out, none when the part's time ran out meanwhile."""
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise self._out_of_time()
        outs = self.box.call_many(calls, seconds=left, until=self.deadline)
        left_after = left if time.monotonic() < self.deadline else 0.0
        return [(out, left_after) for out in outs]

    def judge(self, function: str, out, left: float):
        """A call's outcome as a check sees it: the outcome when it answered, else the verdict
        (PartAborted or Mismatch) its failure earns, `left` being the part's time when it was called."""
        self.printed = out.output
        if out.ok:
            return out
        if out.error_kind == "timeout" and left < self.box.limits.call_seconds:
            raise self._out_of_time()  # stopped by the part's time, not by the call limit
        detail = locate(out.message, self.submission)
        if out.error_type == "NotImplementedError":
            raise PartAborted(msg("call.not_implemented", function=function))
        if out.error_type == "AttributeError" and "has no attribute" in out.message and function in out.message:
            raise PartAborted(msg("call.not_defined", function=function))
        if out.disallowed_module is not None:
            raise PartAborted(msg("call.disallowed_import", function=function, module=out.disallowed_module,
                                  allowed=", ".join(self.allowed) or "-"))
        if out.fatal:
            raise PartAborted(msg(f"call.{out.error_kind}", function=function, detail=detail))
        raise Mismatch(msg("call.raised", function=function, detail=detail),
                       {"call_chain": call_chain(out.frames, self.submission)} if out.frames else {})

    def __call__(self, function: str, case: Case) -> Any:
        return returned(self._outcome(function, case).value, function)

    def with_inputs_after(self, function: str, case: Case) -> tuple[Any, tuple[Any, ...]]:
        out = self._outcome(function, case)
        return returned(out.value, function), out.args_after


def load_error_message(error: LoadError, submission: Submission, options: "GradingOptions") -> str:
    """Why the submission could not be loaded, in the student's coordinates and language where we know it."""
    message = error.message
    if error.disallowed_module is not None:
        return i18n.text(options.lang, "load.disallowed_import", module=error.disallowed_module,
                         allowed=", ".join(options.assignment.runtime.allowed_imports or ()) or "-",
                         where=locate(message[message.find("("):], submission) if "(" in message else "")
    return locate(message, submission)


def locate(message: str, submission: Submission) -> str:
    """Rewrite '(line N)' into the student's own coordinates (a notebook's cell and line)."""
    return re.sub(r"\(line (\d+)\)", lambda m: f"({submission.where(int(m.group(1)))})", message)


def call_chain(frames: tuple[Frame, ...], submission: Submission) -> list[dict[str, str]]:
    """The submission's frames an exception went through, innermost last, each in the student's own
    coordinates (the file, or the notebook's cell and line) with the function running there."""
    def where(frame: Frame) -> str:
        if frame.file == submission.module_file:
            return f"{submission.path.name}, {submission.where(frame.line)}"
        return f"{frame.file}, line {frame.line}"

    return [{"function": frame.function, "where": where(frame)} for frame in frames]


def check_seed(base: int, part: str, check: str) -> int:
    """A per-check seed, stable across runs and machines (base + crc32 of the test id)."""
    return (base + zlib.crc32(f"{part}::{check}".encode())) % 2**32


def _property(check: Check, examples: int, seed: int, body: Callable[[Any], None]) -> Callable[[], None]:
    """`body` as a Hypothesis test over the check's inputs. The one configuration both the
    recording of the inputs and the real run use, so that they draw the same inputs."""
    pin_generation()  # inputs from the seed alone, whatever this process imported
    configured = settings(max_examples=examples, derandomize=True, database=None, deadline=None, print_blob=False,
                          verbosity=Verbosity.quiet, report_multiple_bugs=False,
                          suppress_health_check=list(HealthCheck), phases=(Phase.explicit, Phase.generate, Phase.shrink))
    return hypothesis.seed(seed)(configured(given(check.cases)(body)))


@lru_cache(maxsize=4096)
def drawn_inputs(check: Check, examples: int, seed: int) -> tuple[Any, ...]:
    """The inputs Hypothesis tries, in order, when every one of them passes.

    With a fixed seed, derandomized, that sequence depends on the seed alone (not on the code
    under test), so it is drawn once per process and replayed for every submission: drawing
    is most of the cost of a check; a new process reads them from `drawn_store` when an earlier
    one kept them. A submission that fails goes through Hypothesis itself, which finds the same
    first failure and shrinks it."""
    stored = drawn_store.load(check.name, examples, seed)
    if stored is not None:
        return stored
    seen: list[Any] = []

    def record(drawn: Any) -> None:
        seen.append(drawn)

    _property(check, examples, seed, record)()
    drawn_store.save(check.name, examples, seed, tuple(seen))
    return tuple(seen)


@dataclass(frozen=True)
class Failure:
    """Why a check failed: the feedback, the smallest failing input when there is one, and the
    argument the student's function changed when that was the failure."""

    message: Msg
    counterexample: dict[str, Any] | None = None
    modified: str | None = None


def run_check(check: Check, probe: SandboxProbe, examples: int, seed: int, function: str = "") -> Failure | None:
    """Run one property; None on success."""
    try:
        batteries.verify_all(check, probe, drawn_inputs(check, examples, seed))
    except Exception:  # noqa: BLE001  (a failure: Hypothesis finds it again, shrinks it, and words it)
        pass
    else:
        return None
    return _run_with_hypothesis(check, probe, examples, seed, function)


def _run_with_hypothesis(check: Check, probe: SandboxProbe, examples: int, seed: int,
                         function: str) -> Failure | None:
    last: list[Any] = [None]

    def verify(drawn: Any) -> None:
        last[0] = drawn
        probe.printed = ""
        check.verify(probe, copy.deepcopy(drawn))  # as in the replay: the drawn value stays as drawn

    try:
        _property(check, examples, seed, verify)()
    except Mismatch as exc:
        return Failure(exc.message, counterexample(last[0], {**exc.details, **printed_field(probe.printed)}, function),
                       exc.modified)
    except HypothesisException:
        return Failure(msg("check.flaky"), counterexample(last[0], {}, function))
    except Exception as exc:  # a grader bug must cost this test, never the batch
        return Failure(msg("check.internal_error", error=f"{type(exc).__name__}: {exc}"))
    return None


SNIPPET_CHARS = 2000
PRINTED_CHARS = 2000


def printed_field(output: str) -> dict[str, str]:
    """The counterexample's `output` field: what the failing call printed, its end when it is long
    (what came just before the failure), or nothing when it printed nothing."""
    if not output:
        return {}
    return {"output": output if len(output) <= PRINTED_CHARS else "…" + output[1 - PRINTED_CHARS:]}


def counterexample(drawn: Any, details: dict[str, Any], function: str = "") -> dict[str, Any]:
    """The smallest failing input as shapes and (rounded) values, plus what was expected and got,
    and a line of Python that calls the student's function on it."""
    case, extra = (drawn[0], drawn[1:]) if isinstance(drawn, tuple) else (drawn, ())
    arguments_only = {name: value for name, value in case.items() if not name.startswith("_")}
    result = {"shapes": values.shapes(arguments_only), "inputs": values.plain(arguments_only), **details}
    context = {name[1:]: values.plain(value) for name, value in case.items() if name.startswith("_")}
    if context:  # what the inputs were built with (e.g. the b_h behind h_t), not an argument
        result["built_with"] = context
    if function:
        call = f"{function}({', '.join(f'{k}={values.source(v)}' for k, v in arguments_only.items())})"
        result["snippet"] = call if len(call) <= SNIPPET_CHARS else None
    if extra:
        result["also"] = [values.plain(v) for v in extra if not isinstance(v, dict)]
    return result


def share_points(points: float, weights: list[float]) -> list[float]:
    """Each test's share of the part's points, rounded to 4 places so that the shares add up
    to the part's points exactly (cumulative rounding): a report's test scores sum to its total."""
    total, cumulative, shares, before = sum(weights), 0.0, [], 0.0
    for weight in weights:
        cumulative += weight
        after = round(points * cumulative / total, 4)
        shares.append(round(after - before, 4))
        before = after
    return shares


def grade_part(part: Part, probe: SandboxProbe, options: GradingOptions) -> PartResult:
    checks = [c for c in part.checks if options.mode == "grade" or c.public]
    budget = options.assignment.modes[options.mode]
    seeds = [check_seed(options.effective_seed, part.name, c.name) for c in checks]
    for check, seed in zip(checks, seeds):
        drawn_inputs(check, budget.examples, seed)  # the grader's own work: before the part's clock starts
    probe.start_part(part.name, budget.part_seconds(len(options.assignment.parts)))
    tests: list[TestResult] = []
    aborted: Msg | None = None
    mutated = False  # a failed check's input was changed by the student's function
    for check, seed, max_score in zip(checks, seeds, share_points(part.points, [c.weight for c in checks])):
        message, example = aborted, None
        if aborted is None:
            try:
                failure = run_check(check, probe, budget.examples, seed, part.name)
            except PartAborted as exc:
                aborted = message = exc.message
            else:
                if failure is not None:
                    message, example = failure.message, failure.counterexample
                    mutated = mutated or failure.modified is not None
        passed = message is None
        text = i18n.text(options.lang, "check.passed") if passed else message.render(options.lang)
        tests.append(TestResult(check.name, passed, max_score if passed else 0.0, max_score, text, example,
                                check.public))
    score = round(sum(t.score for t in tests), 4)
    reference = options.reference
    diagnoses: tuple[Diagnosis, ...] = ()
    if score < part.points:  # in every mode: the designed inputs and wrong answers are public data
        from grader import diagnosis_data
        from grader.diagnosis import MUTATES, diagnose

        evidence = diagnosis_data.load(options.assignment.folder).get(part.name)
        ids = (MUTATES,) if aborted and mutated else () if aborted else diagnose(evidence, part.name, probe, mutated)
        diagnoses = tuple(explain(i, options.lang) for i in ids)
    series = part.picture(probe, reference, options.lang) if part.picture and reference and not aborted else None
    return PartResult(part.name, score, float(part.points), tuple(tests), diagnoses, series)


def explain(misconception: str, lang: str) -> Diagnosis:
    """A diagnosed mistake with its title, explanation and hint in `lang`."""
    key = f"misconception.{misconception}"
    return Diagnosis(misconception, i18n.text(lang, f"{key}.title"), i18n.text(lang, f"{key}.explanation"),
                     i18n.text(lang, f"{key}.hint"))


def error_result(student: str, sha256: str, error: GradingError, options: GradingOptions,
                 isolation: str = "") -> SubmissionResult:
    """A submission that could not be loaded: every part scores 0 and says why."""
    parts = tuple(
        PartResult(p.name, 0.0, float(p.points),
                   (TestResult("loads", False, 0.0, float(p.points),
                               i18n.text(options.lang, "check.not_graded", detail=error.message)),))
        for p in options.assignment.parts)
    return SubmissionResult(options.assignment.name, student, sha256, "error", 0.0, options.assignment.max_score,
                            parts, grader.__version__, options.effective_seed, error, options.lang, options.mode,
                            isolation)


@lru_cache(maxsize=None)
def worker_runtime(assignment: Assignment) -> WorkerRuntime:
    """What the assignment's worker loads and allows, with every instructor folder of this machine
    hidden from it."""
    runtime = assignment.runtime
    adapter = (assignment.folder / f"{runtime.adapter}.py").read_text(encoding="utf-8") if runtime.adapter else None
    hidden = tuple(str(path) for path in assignments.hidden_paths())
    return WorkerRuntime(runtime.preload or ("numpy",), runtime.allowed_imports, adapter, hidden)


def grade(submission: Submission, options: GradingOptions) -> SubmissionResult:
    """Grade every part of one submission in one sandbox."""
    if options.mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    if options.mode == "grade" and options.reference is None:
        raise ValueError("grade mode needs the reference solution")
    started = time.monotonic()
    with Sandbox(submission.source, submission.module_file, options.limits, submission.modules,
                 submission.sections, worker_runtime(options.assignment)) as box:
        isolation = getattr(box, "isolation", "process")
        load_error = box.load()
        if load_error is not None:
            error = GradingError(load_error.kind, load_error_message(load_error, submission, options))
            result = error_result(submission.student, submission.sha256, error, options, isolation)
            return _timed(replace(result, extra=_notes(submission.notes, options.lang)), started)
        failed = {index: locate(message, submission) for index, message in box.failed_sections.items()}
        broken, notes = submission.after_loading(failed, options.assignment.part_names)
        probe = SandboxProbe(box, submission, options.reference, broken, options.assignment.runtime.allowed_imports or ())
        parts = tuple(grade_part(p, probe, options) for p in options.assignment.parts)
    max_score = float(sum(p.max_score for p in parts))
    score = round(sum(p.score for p in parts), 4)
    result = SubmissionResult(options.assignment.name, submission.student, submission.sha256, "graded", score,
                              max_score, parts, grader.__version__, options.effective_seed, None, options.lang,
                              options.mode, isolation, extra=_notes(notes, options.lang))
    return _timed(result, started)


def _notes(notes: tuple[Msg, ...], lang: str) -> dict[str, Any]:
    """The report's `notes` field (how the file was chosen, notebook cells skipped), when there are any."""
    return {"notes": [note.render(lang) for note in notes]} if notes else {}


def _timed(result: SubmissionResult, started: float) -> SubmissionResult:
    return replace(result, duration_seconds=round(time.monotonic() - started, 3))
