"""The HTML reports in a real browser: headless Chromium loads them from file:// and screenshots them.

Skipped (with the reason) only when no Chromium is installed; `.ci/run` installs it.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from grader.model import SubmissionResult
from grader.reports import html, summary
from tests.reports.helpers import make_batch, make_result

CHROMIUM = next((shutil.which(name) for name in ("chromium", "chromium-browser", "google-chrome")
                 if shutil.which(name)), None)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Debian: apt-get install chromium)")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync")
HANG_GUARD = 300   # seconds; only so a wedged browser cannot hang the suite, never a performance claim


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    profile.mkdir()
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=HANG_GUARD, check=False)


def screenshot(tmp_path: Path, page: Path) -> tuple[Path, np.ndarray]:
    import matplotlib.image

    png = tmp_path / (page.stem + ".png")
    run = chromium(tmp_path, f"--screenshot={png}", "--window-size=1200,1600", page.as_uri())
    assert png.is_file(), f"no screenshot; chromium said:\n{run.stderr[-2000:]}"
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    return png, matplotlib.image.imread(png)


def colours(image: np.ndarray) -> int:
    pixels = (image[..., :3] * 255).round().astype(np.uint8).reshape(-1, 3)
    return len(np.unique(pixels, axis=0))


def keep(tmp_path_factory, png: Path, name: str) -> Path:
    stable = tmp_path_factory.getbasetemp() / "screenshots" / name
    stable.parent.mkdir(exist_ok=True)
    shutil.copyfile(png, stable)
    print(f"\nscreenshot: {stable}")
    return stable


def only_the_series_part(result: SubmissionResult) -> SubmissionResult:
    """The same report with just the gradient-norm part, so its plot sits inside the screenshot."""
    parts = tuple(p for p in result.parts if p.series is not None)
    return SubmissionResult(**{**result.__dict__, "parts": parts})


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_report_renders_in_chromium(tmp_path, tmp_path_factory, lang):
    page = tmp_path / f"report-{lang}.html"
    page.write_text(html.render(make_result(lang)), encoding="utf-8")

    dom = chromium(tmp_path, "--dump-dom", page.as_uri()).stdout
    assert "lee_seoyeon" in dom and "missing-tanh-derivative" in dom
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom and not re.search(r"<script", dom, re.IGNORECASE)

    png, image = screenshot(tmp_path, page)
    assert image.shape[:2] == (1600, 1200)
    assert colours(image) > 16, "the screenshot is blank"
    keep(tmp_path_factory, png, f"report-{lang}.png")


def test_plot_shows_in_chromium(tmp_path, tmp_path_factory):
    """The inline PNG really paints: the page differs from the same page without the <img> by a plot's area."""
    source = html.render(only_the_series_part(make_result("en")))
    assert source.count('<img src="data:image/png;base64,') == 1
    with_plot, without_plot = tmp_path / "plot.html", tmp_path / "no-plot.html"
    with_plot.write_text(source, encoding="utf-8")
    without_plot.write_text(re.sub(r"<img [^>]*>", "", source), encoding="utf-8")
    png, image = screenshot(tmp_path, with_plot)
    _, blank = screenshot(tmp_path, without_plot)
    changed = np.any(np.abs(image[..., :3] - blank[..., :3]) > 0.1, axis=-1).sum()
    assert changed > 20_000, f"only {changed} pixels come from the plot"
    pixels = (image[..., :3] * 255).round().astype(int)
    assert np.all(np.abs(pixels - (0x1F, 0x6F, 0xEB)) <= 40, axis=-1).sum() > 100   # the student's curve
    keep(tmp_path_factory, png, "report-plot.png")


def test_summary_renders_in_chromium(tmp_path, tmp_path_factory):
    page = tmp_path / "summary.html"
    page.write_text(summary.render(make_batch("ko")), encoding="utf-8")
    dom = chromium(tmp_path, "--dump-dom", page.as_uri()).stdout
    assert "reports/%EA%B9%80%EB%AF%BC%EC%A4%80.html" in dom
    png, image = screenshot(tmp_path, page)
    assert colours(image) > 16, "the screenshot is blank"
    keep(tmp_path_factory, png, "summary-ko.png")
