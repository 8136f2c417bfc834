"""Generated test inputs that depend on the seed alone, never on what the process imported.

Hypothesis (6.1xx) mixes into its generated values, about one draw in twenty, constants it
harvests from every "local" module loaded in the process: our own package when installed
editable, and the reference solution always. So the inputs a check draws (and the score a
submission gets) would depend on which modules happened to be imported before it: the
`rnn-grader batch -j 1` process imports the CLI, a `-j 2` worker does not, and a few
submissions were graded differently. For grading those constants are noise anyway (the code
under test is the student's, which never runs in this process); `pin_generation()` empties
that pool, for good, in this process. The global constants Hypothesis ships with stay.

Called by grader.runner.run_check before every property, so every way of grading is pinned.
Idempotent and cheap. Hypothesis is pinned in pyproject.toml, and the private names used
here are checked by tests/test_batch.py.
"""
from __future__ import annotations

import threading

_lock = threading.Lock()
_pinned = False


def pin_generation() -> None:
    """Make this process's Hypothesis draw no constants from local modules."""
    global _pinned
    if _pinned:
        return
    with _lock:
        if _pinned:
            return
        from hypothesis.internal.cache import LRUCache
        from hypothesis.internal.conjecture import providers

        empty = providers.Constants()
        providers._get_local_constants = lambda: empty
        # pools computed before this call may hold local constants: start from an empty cache
        providers.CONSTANTS_CACHE = LRUCache(1024)
        _pinned = True
