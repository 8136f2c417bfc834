"""The result model: what grading produced, as frozen dataclasses.

Every report renderer reads only this module, and this module imports nothing of
ours, so a report can never reach back into grading.  `to_dict` gives the exact
JSON shape of CONTRACT §4.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class TestResult:
    """One weighted test of a part: passed or not, with feedback and the smallest failing input."""

    name: str
    passed: bool
    score: float
    max_score: float
    message: str
    counterexample: dict[str, Any] | None = None
    public: bool = True


@dataclass(frozen=True)
class Diagnosis:
    """A known mistake recognised from the student's outputs, explained in the report's language."""

    id: str
    title: str
    explanation: str
    hint: str


@dataclass(frozen=True)
class Series:
    """A curve to plot: the student's values against the reference's over x (e.g. ‖∂h_T/∂h_k‖ over k)."""

    title: str
    x_label: str
    y_label: str
    x: tuple[float, ...]
    student: tuple[float, ...]
    reference: tuple[float, ...]
    log_y: bool = True


@dataclass(frozen=True)
class PartResult:
    """One student function: its tests and the mistakes diagnosed from its outputs."""

    name: str
    score: float
    max_score: float
    tests: tuple[TestResult, ...]
    diagnoses: tuple[Diagnosis, ...] = ()
    series: Series | None = None

    @property
    def misconceptions(self) -> tuple[str, ...]:
        return tuple(d.id for d in self.diagnoses)

    @property
    def first_failure(self) -> TestResult | None:
        return next((t for t in self.tests if not t.passed), None)


@dataclass(frozen=True)
class GradingError:
    """Why a submission could not be graded at all (it would not load)."""

    kind: str
    message: str


@dataclass(frozen=True)
class SubmissionResult:
    """The whole verdict on one submission; `to_dict` is the `<id>.json` report."""

    assignment: str
    student: str
    submission_sha256: str
    status: str
    score: float
    max_score: float
    parts: tuple[PartResult, ...]
    grader_version: str
    seed: int
    error: GradingError | None = None
    lang: str = "en"
    mode: str = "grade"
    isolation: str = ""
    duration_seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "assignment": self.assignment,
            "student": self.student,
            "submission_sha256": self.submission_sha256,
            "status": self.status,
            "error": asdict(self.error) if self.error else None,
            "score": self.score,
            "max_score": self.max_score,
            "parts": [
                {
                    "name": p.name,
                    "score": p.score,
                    "max_score": p.max_score,
                    "misconceptions": list(p.misconceptions),
                    "diagnoses": [asdict(d) for d in p.diagnoses],
                    "series": asdict(p.series) if p.series else None,
                    "tests": [
                        {
                            "name": t.name,
                            "passed": t.passed,
                            "score": t.score,
                            "max_score": t.max_score,
                            "message": t.message,
                            "counterexample": t.counterexample,
                            "public": t.public,
                        }
                        for t in p.tests
                    ],
                }
                for p in self.parts
            ],
            "grader_version": self.grader_version,
            "seed": self.seed,
            "lang": self.lang,
            "mode": self.mode,
            "isolation": self.isolation,
            "duration_seconds": self.duration_seconds,
            **self.extra,
        }


@dataclass(frozen=True)
class Lateness:
    """When a submission came in against its deadline, and what that costs under the course's policy.

    Kept beside the result, never in it: a changed deadline or extension recomputes this and
    grades nothing again."""

    submitted_at: str    # UTC ISO 8601; "" when no source says
    time_source: str     # where the time comes from: classroom50, git, gradescope, lms, mtime (weakest), unknown
    deadline: str        # the student's own deadline (extension included), ISO 8601 in the course's time zone
    extended: bool
    late_hours: float    # after that deadline (0 when on time)
    late_days: int       # days charged: 0 when on time or within the grace period
    penalty: float       # points taken off
    final_score: float


@dataclass(frozen=True)
class BatchEntry:
    """One row of a batch: the submission's id and its result (and its lateness, when a deadline is set)."""

    student: str
    result: SubmissionResult
    late: Lateness | None = None


@dataclass(frozen=True)
class BatchResult:
    """Every submission of a batch, in gradebook order."""

    entries: tuple[BatchEntry, ...]
    part_names: tuple[str, ...]
