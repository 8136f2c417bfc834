"""Where the grader keeps what a later process can find again instead of working it out anew: the
drawn inputs (drawn_store) and the isolation levels found to work (sandbox.isolation.remember_in).

RNN_GRADER_CACHE names the folder (default: the user's cache folder); "off" turns it off.
"""
from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "RNN_GRADER_CACHE"


def root() -> Path | None:
    """The grader's cache folder, or None when the cache is off."""
    chosen = os.environ.get(ENV_VAR, "")
    if chosen == "off":
        return None
    if chosen:
        return Path(chosen)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "rnn-grader"
