"""summary.html of a whole class in headless Chromium: it loads from file://, the histogram paints, and a
screenshot is kept (its path is printed; run pytest with -s to see it).

Skipped (with the reason) only when no Chromium is installed; `.ci/run` installs it.
"""
from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pytest

from grader.model import BatchEntry, BatchResult
from grader.reports import summary
from tests.reports.helpers import PART_NAMES, error_result, make_result
from tests.reports.test_browser import CHROMIUM, chromium, colours, keep

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Debian: apt-get install chromium)")
KOREAN = ["김민준", "이서연", "박지호", "최하은", "정도윤", "강서윤", "조예준", "윤지우"]


def a_class(lang: str = "ko") -> tuple[BatchResult, list]:
    """30 students with spread scores, two mistakes of different frequency, errors and similar pairs."""
    results = []
    for i in range(30):
        name = KOREAN[i] if i < len(KOREAN) else f"student_{i:02d}"
        r = make_result(lang, student=name)
        if i % 4:
            r = replace(r, parts=(r.parts[0], replace(r.parts[1], diagnoses=(), score=15.0), r.parts[2]))
        results.append(replace(r, score=round(3 + (i * 7919 % 27) + (i % 3) * 0.5, 2), max_score=30.0))
    results += [error_result(lang, student="장민서"), error_result(lang, student="late submission")]
    similar = [type("Pair", (), {"a": "김민준", "b": "이서연", "score": 1.0, "identical": True})(),
               type("Pair", (), {"a": "student_12", "b": "student_20", "score": 0.94, "identical": False})()]
    return BatchResult(tuple(BatchEntry(r.student, r) for r in results), PART_NAMES), similar


def shot(tmp_path, page, name: str, height: int = 3000) -> np.ndarray:
    import matplotlib.image

    png = tmp_path / f"{name}.png"
    run = chromium(tmp_path, f"--screenshot={png}", f"--window-size=1200,{height}", page.as_uri())
    assert png.is_file(), f"no screenshot; chromium said:\n{run.stderr[-2000:]}"
    return matplotlib.image.imread(png)


TITLES = {"ko": ("점수 분포", "가장 흔한 실수", "비슷한 제출물"),
          "en": ("Score distribution", "Most frequent mistakes", "Similar submissions")}


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_class_summary_renders_and_its_histogram_paints(tmp_path, tmp_path_factory, lang):
    batch, similar = a_class(lang)
    source = summary.render(batch, similar=similar)
    page = tmp_path / "summary.html"
    page.write_text(source, encoding="utf-8")
    dom = chromium(tmp_path, "--dump-dom", page.as_uri()).stdout
    assert all(title in dom for title in TITLES[lang])
    assert "reports/%EA%B9%80%EB%AF%BC%EC%A4%80.html" in dom   # 김민준's report link

    image = shot(tmp_path, page, "summary")
    assert colours(image) > 16, "the screenshot is blank"
    no_plot = tmp_path / "no-plot.html"
    no_plot.write_text(re.sub(r"<img [^>]*>", "", source), encoding="utf-8")
    blank = shot(tmp_path, no_plot, "no-plot")
    changed = np.any(np.abs(image[..., :3] - blank[..., :3]) > 0.1, axis=-1).sum()
    assert changed > 20_000, f"only {changed} pixels come from the histogram"
    pixels = (image[..., :3] * 255).round().astype(int)
    assert np.all(np.abs(pixels - (0x1F, 0x6F, 0xEB)) <= 40, axis=-1).sum() > 2_000   # the bars
    keep(tmp_path_factory, tmp_path / "summary.png", f"summary-class-{lang}.png")
