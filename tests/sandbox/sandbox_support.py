"""Constants and helpers shared by the sandbox tests (a uniquely named module so it can be
imported from the test files without clashing with other folders' conftest.py)."""

from __future__ import annotations

from pathlib import Path

from grader.sandbox import Limits

HOSTILE = Path(__file__).resolve().parents[1] / "fixtures" / "hostile"

# Small limits so hostile cases cost ~1-2 s each. Calls that are expected to succeed take
# milliseconds, so these never decide a passing test on a slow machine.
FAST = Limits(call_seconds=1.5, import_seconds=2.5, memory_bytes=2**30, output_bytes=64 * 1024)


def fixture_source(name: str) -> str:
    return (HOSTILE / f"{name}.py").read_text(encoding="utf-8")
