"""Drop-in integrations with the platforms courses run on: GitHub Actions (`init-ci`), GitHub
Classroom's reporter, and Gradescope (`export gradescope`). Report formats themselves live in
grader/reports (junit, gradescope, classroom, lms); this package writes the files around them:
workflows, and the autograder zip with its scripts."""
from __future__ import annotations

from grader.errors import GraderError


class IntegrationError(GraderError):
    """The integration cannot be written (bad target, missing reference, a file in the way)."""
