"""The junk fixtures (tests/fixtures/junk/) as whole submissions: reference, harness, fixture."""
from __future__ import annotations

from pathlib import Path

from tests.conftest import REFERENCE, ROOT

JUNK = ROOT / "tests" / "fixtures" / "junk"
HARNESS = JUNK / "_harness.py"
FIXTURES = sorted(p for p in JUNK.glob("*.py") if p != HARNESS)


def junk_submission(fixture: Path) -> str:
    return "\n\n".join(p.read_text(encoding="utf-8") for p in (REFERENCE, HARNESS, fixture))
