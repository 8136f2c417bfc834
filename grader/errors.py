"""The grader's error root and its exit codes, defined once.

Every error meant for the person at the terminal (a bad path, a broken manifest, a missing
reference) derives from `GraderError`; the command line turns any of them into one line on
stderr and `EXIT_INPUT`, never a traceback.
"""
from __future__ import annotations

EXIT_OK, EXIT_BELOW, EXIT_INPUT = 0, 1, 2  # done; below --fail-under; usage or input error
EXIT_INTERRUPTED = 130  # Ctrl-C, as shells report it


class GraderError(Exception):
    """A problem with what the user asked for or gave us, explained in one line."""
