"""The report formats' names, apart from their renderers: the command line offers them without
importing a renderer (the HTML one brings jinja2), so `check` loads none unless asked to write one."""
from __future__ import annotations

ALL_FORMATS = ("json", "md", "html")  # what grade and batch write unless --format says otherwise
# CI and LMS formats, written only when asked for: JUnit XML, Gradescope's results.json,
# GitHub Classroom's grading-reporter result
FORMATS = ALL_FORMATS + ("junit", "gradescope", "classroom")
