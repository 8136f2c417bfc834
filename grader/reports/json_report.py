"""`<id>.json`: the report of CONTRACT §4, written with sorted-free, stable formatting."""
from __future__ import annotations

import json

from grader.model import SubmissionResult


def render(result: SubmissionResult) -> str:
    return json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n"
