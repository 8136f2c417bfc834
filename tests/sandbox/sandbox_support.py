"""Constants and helpers shared by the sandbox tests (a uniquely named module so it can be
imported from the test files without clashing with other folders' conftest.py)."""

from __future__ import annotations

import dataclasses
import math
import os
import time
from pathlib import Path

import numpy as np
import pytest

from grader.sandbox import Limits, isolation

HOSTILE = Path(__file__).resolve().parents[1] / "fixtures" / "hostile"
PROJECT = Path(__file__).resolve().parents[2]

# Small limits so hostile cases cost ~1-2 s each. Calls that are expected to succeed take
# milliseconds, so these never decide a passing test on a slow machine; tests whose calls
# do real work (floods, fork trees) pass generous limits of their own.
FAST = Limits(call_seconds=1.0, import_seconds=1.5, memory_bytes=2**30, output_bytes=64 * 1024)
ROOMY = dataclasses.replace(FAST, call_seconds=60.0, import_seconds=10.0)


def fixture_source(name: str) -> str:
    return (HOSTILE / f"{name}.py").read_text(encoding="utf-8")


def fenced(level: str) -> bool:
    """Whether workers at ``level`` get the Landlock fence on this machine."""
    return isolation.probe(level).landlock > 0


def without(monkeypatch, level: str, **layers) -> None:
    """Run ``level`` without some of its layers from now on in this test, e.g.
    ``without(monkeypatch, "process", landlock=0)``, to test what the others do alone."""
    found = isolation.probe(level)
    if not found.ok:
        pytest.skip(f"{level}: {found.reason}")
    monkeypatch.setitem(isolation._probes, level, dataclasses.replace(found, **layers))


def level_params() -> list:
    """Every isolation level, skipped (with the reason) only where this machine cannot run it."""
    params = []
    for found in isolation.available_levels():
        marks = () if found.ok else (pytest.mark.skip(reason=f"{found.level}: {found.reason}"),)
        params.append(pytest.param(found.level, id=found.level, marks=marks))
    return params


# ------------------------------------------------------------------------- processes on the host


def process_table() -> dict[int, tuple[str, bytes]]:
    """pid -> (state, command line) of every process on the machine."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            state = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[0]
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
        except (OSError, IndexError):
            continue
        table[int(entry)] = (state, cmdline)
    return table


def alive_with(*needles: str) -> list[int]:
    """Live (non-zombie) processes whose command line contains one of ``needles``."""
    keys = [n.encode() for n in needles if n]
    return [pid for pid, (state, cmd) in process_table().items()
            if state not in ("Z", "X") and any(k in cmd for k in keys)]


def gone(*needles: str, seconds: float = 10.0) -> list[int]:
    """Wait (bounded) until no live process matches; returns the ones still there."""
    end = time.monotonic() + seconds
    left = alive_with(*needles)
    while left and time.monotonic() < end:
        time.sleep(0.02)
        left = alive_with(*needles)
    return left


def assert_same(a, b):
    """Exact structural equality, including types (tuple vs list) and array dtypes."""
    assert type(a) is type(b), (a, b)
    if isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape
        assert np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")
    elif isinstance(a, (tuple, list)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert_same(x, y)
    elif isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            assert_same(a[k], b[k])
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b)
    else:
        assert a == b
