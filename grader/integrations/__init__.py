"""Drop-in integrations with the platforms courses run on: GitHub Actions (`init-ci`), GitHub
Classroom's reporter (legacy), Gradescope (`export gradescope`) and Classroom 50 (`export
classroom50`). Report formats themselves live in grader/reports (junit, gradescope, classroom,
classroom50, lms); this package writes the files around them: workflows, the autograder zip
with its scripts, the autograder folder and the run it makes in a student's checkout."""
from __future__ import annotations

from grader.errors import GraderError


class IntegrationError(GraderError):
    """The integration cannot be written (bad target, missing reference, a file in the way)."""
