"""Drawn inputs kept on disk, so that a new process replays them instead of drawing them again.

The inputs a check tries depend on the seed and on the code that draws them, nothing else
(grader.runner.drawn_inputs), and drawing them is most of what `check` and `grade` cost in a
fresh process. So each check's inputs are stored once, under a key made of the check, the
seed, the number of examples and a fingerprint of everything that could change what is drawn
(the versions of Python, numpy, Hypothesis and the grader, and the source of the grader and of
every assignment module loaded). Any change of those is a new key: a stale file is never read.

Stored with the sandbox's value codec (no pickle: reading a file runs no code) and only when
decoding gives back exactly what was drawn (same types, same array bytes); anything else is
simply drawn again every time. Written atomically, so parallel workers can share the folder.

RNN_GRADER_CACHE names the folder (default: the user's cache folder); "off" turns it off.
"""
from __future__ import annotations

import hashlib
import os
import platform
import sys
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from grader.cache import root as cache_root

CODE_PACKAGES = ("grader", "rnn_grader_assignments", "rnn_grader_solutions")


def folder() -> Path | None:
    """Where drawn inputs are kept, or None when the store is off."""
    base = cache_root()
    return None if base is None else base / "drawn"


@cache
def fingerprint() -> str:
    """What could change the drawn inputs besides the check and the seed: versions and our code."""
    import hypothesis

    import grader

    digest = hashlib.sha256()
    for part in (sys.version, np.__version__, hypothesis.__version__, grader.__version__, platform.machine()):
        digest.update(part.encode() + b"\0")
    files = {Path(p).resolve() for p in Path(grader.__file__).parent.rglob("*.py")}
    for name, module in list(sys.modules.items()):
        if name.split(".")[0] in CODE_PACKAGES[1:] and getattr(module, "__file__", None):
            files.add(Path(module.__file__).resolve())
    for path in sorted(p for p in files if p.is_file()):  # a module whose file is gone has nothing to hash
        digest.update(str(path.name).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _path(name: str, examples: int, seed: int) -> Path | None:
    where = folder()
    if where is None:
        return None
    key = hashlib.sha256(f"{fingerprint()}\0{name}\0{examples}\0{seed}".encode()).hexdigest()
    return where / key[:2] / f"{key}.bin"


def load(name: str, examples: int, seed: int) -> tuple[Any, ...] | None:
    """The inputs stored for this check, or None (never stored, unreadable, or the store is off)."""
    from grader.sandbox import wire

    path = _path(name, examples, seed)
    try:
        payload = path.read_bytes()[wire.LEN.size:] if path else None
    except OSError:
        return None
    if payload is None:
        return None
    try:
        head, decoder = wire.decode_payload(payload, scalars=True)
        values = decoder.value(head)
    except (wire.WireError, ValueError, TypeError):
        return None
    return tuple(values) if type(values) is tuple else None


def save(name: str, examples: int, seed: int, values: tuple[Any, ...]) -> None:
    """Keep `values` for the next process, if the codec gives them back exactly."""
    from grader.sandbox import wire

    path = _path(name, examples, seed)
    if path is None:
        return
    try:
        encoder = wire.Encoder()
        frame = encoder.frame(encoder.value(values))
        head, decoder = wire.decode_payload(frame[wire.LEN.size:], scalars=True)
        if not same(decoder.value(head), values):
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".drawn-")
        with os.fdopen(handle, "wb") as out:
            out.write(frame)
        os.replace(temporary, path)
    except (OSError, TypeError, ValueError, wire.WireError):
        return


def same(a: Any, b: Any) -> bool:
    """Equal and of the same types all the way down (arrays: dtype, shape and bytes)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
    if isinstance(a, np.generic):
        return a.dtype == b.dtype and a.tobytes() == b.tobytes()
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, float):
        return a.hex() == b.hex() if a == a else b != b
    return a == b
