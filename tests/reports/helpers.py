"""Hand-built results for the report tests: realistic, with every field the renderers show."""
from __future__ import annotations

import math

from grader.i18n import text
from grader.model import (
    BatchEntry,
    BatchResult,
    Diagnosis,
    GradingError,
    PartResult,
    Series,
    SubmissionResult,
    TestResult,
)

SCRIPT = "<script>alert(1)</script>"
PART_NAMES = ("rnn_cell_forward", "rnn_cell_backward", "gradient_norms_through_time")

DIAGNOSES = {
    "en": Diagnosis("missing-tanh-derivative", "The backward pass drops the tanh derivative",
                    "Your gradients equal the reference ones without the factor (1 − h_t²).",
                    "Multiply dh_t by (1 - h_t**2) before the matrix products."),
    "ko": Diagnosis("missing-tanh-derivative", "역전파에서 tanh 미분이 빠졌습니다",
                    "제출한 기울기가 (1 − h_t²) 인자를 뺀 정답 기울기와 같습니다.",
                    "행렬 곱 전에 dh_t에 (1 - h_t**2)를 곱하세요."),
}
SERIES = {
    "en": ("Gradient norm through time", "step k", "‖∂h_T/∂h_k‖"),
    "ko": ("시간에 따른 기울기 노름", "단계 k", "‖∂h_T/∂h_k‖"),
}


def counterexample(n: int = 1, h: int = 2) -> dict:
    x = [[round(0.1 * (i + j), 1) for j in range(h)] for i in range(n)]
    return {
        "shapes": {"dh_t": [n, h], "x_t": [n, h], "h_prev": [n, h], "h_t": [n, h], "W_xh": [h, h], "W_hh": [h, h]},
        "inputs": {"dh_t": x, "x_t": x, "h_prev": x, "h_t": x,
                   "W_xh": [[0.7] * h for _ in range(h)], "W_hh": [[0.3] * h for _ in range(h)]},
        "expected": [[0.049796] * h for _ in range(n)],
        "got": [[0.98] * h for _ in range(n)],
        "relative_error": 0.949187,
        "worst_index": [0, 0],
        "note": SCRIPT,
        "snippet": "rnn_cell_backward(dh_t=np.array([[1.4, 0.2]]), x_t=np.array([[1.4, 0.0]]), "
                   "h_prev=np.array([[0.7, 0.1]]), h_t=np.array([[0.974262, 0.5]]), "
                   "W_xh=np.array([[0.7, 0.3], [0.1, 0.2]]), W_hh=np.array([[0.7, 0.3], [0.1, 0.2]]))",
    }


def make_result(lang: str = "en", student: str = "lee_seoyeon", ce: dict | None = None,
                series: bool = True) -> SubmissionResult:
    """A graded submission: one part passes, one fails with a diagnosis and a hostile message,
    and the gradient-norm part carries a series with zeros and a NaN in the student's values."""
    title, x_label, y_label = SERIES[lang]
    forward = PartResult("rnn_cell_forward", 10.0, 10.0, (
        TestResult("matches_reference", True, 6.0, 6.0, ""),
        TestResult("does_not_mutate_inputs", True, 4.0, 4.0, ""),
    ))
    backward = PartResult("rnn_cell_backward", 4.2857, 15.0, (
        TestResult("matches_reference", False, 0.0, 6.4286,
                   f"rnn_cell_backward → dx_t: values differ {SCRIPT} (relative error 0.95)",
                   ce if ce is not None else counterexample(), public=False),
        TestResult("finite_differences", False, 0.0, 4.2857,
                   "x_t disagrees with finite differences | a pipe & <b>bold</b> `tick`",
                   {"shapes": {"x_t": [1, 1]}, "inputs": {"x_t": [[1.4]]}, "argument": "x_t",
                    "analytic": 0.1232, "numeric": 0.00626}),
        TestResult("shapes", True, 4.2857, 4.2857, ""),
    ), diagnoses=(DIAGNOSES[lang],))
    norms = PartResult("gradient_norms_through_time", 2.5, 5.0, (
        TestResult("matches_reference", False, 0.0, 2.5, "gradient_norms_through_time: values differ",
                   {"shapes": {"x": [6, 1]}, "inputs": {"x": [[0.1]] * 6}}),
        TestResult("shapes", True, 2.5, 2.5, ""),
    ), series=Series(title, x_label, y_label, x=(0, 1, 2, 3, 4, 5),
                     student=(0.0, 1e-4, math.nan, 0.02, math.inf, 1.0),
                     reference=(1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0)) if series else None)
    parts = (forward, backward, norms)
    return SubmissionResult(
        assignment="rnn", student=student, submission_sha256="ab" * 32, status="graded",
        score=sum(p.score for p in parts), max_score=sum(p.max_score for p in parts), parts=parts,
        grader_version="0.1.0", seed=20261125, lang=lang, mode="grade", isolation="process")


def error_result(lang: str = "en", student: str = "김민준") -> SubmissionResult:
    parts = tuple(PartResult(n, 0.0, 10.0, ()) for n in PART_NAMES)
    return SubmissionResult(
        assignment="rnn", student=student, submission_sha256="cd" * 32, status="error", score=0.0,
        max_score=30.0, parts=parts, grader_version="0.1.0", seed=1, lang=lang, mode="grade",
        isolation="process", error=GradingError("syntax", f"line 3: invalid syntax {SCRIPT}\n    def f(:\n         ^"))


def make_batch(lang: str = "en") -> BatchResult:
    results = [make_result(lang), make_result(lang, student="park jiho #2?"), error_result(lang)]
    return BatchResult(tuple(BatchEntry(r.student, r) for r in results), PART_NAMES)


def catalog_text(lang: str, key: str, **params) -> str:
    return text(lang, key, **params)
