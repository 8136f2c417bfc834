"""An assignment's manifest (`assignment.toml`): what it is, read and validated field by field.

The manifest is data only: the assignment's name, the parts and their points, the files
students hand in, the modules a submission may import, the worker's runtime and the grading
budgets. Reading it runs no code, and every problem names the file and the field, so an
instructor who mistypes a manifest gets one line that says where.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.errors import GraderError

FILE_NAME = "assignment.toml"
NAME = re.compile(r"^[a-z][a-z0-9_]*$")  # also a Python identifier: it names the assignment's packages
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
MODES = ("check", "grade")


class ManifestError(GraderError):
    """A manifest that cannot be used; the message names the file and the field."""


@dataclass(frozen=True)
class PartSpec:
    name: str
    points: float


@dataclass(frozen=True)
class Budget:
    """How much grading effort a mode spends; the per-call time limit belongs to the sandbox.

    Every part gets an equal share of `submission_seconds`, its own: a slow function can spend
    only its part's share, so it never takes time (and points) from the parts graded after it,
    and a submission never runs much longer than `submission_seconds`. Equal rather than by
    points, so that even the smallest part has ample time for a correct answer."""

    examples: int
    submission_seconds: float

    def part_seconds(self, parts: int) -> float:
        return self.submission_seconds / parts


@dataclass(frozen=True)
class Runtime:
    """What the student's worker process is: what it may import, what it loads first, its limits."""

    allowed_imports: tuple[str, ...] | None  # top-level modules a submission may import besides the standard
    # library; None (not in the manifest): no rule
    preload: tuple[str, ...]  # imported by the worker before the submission (once per worker)
    adapter: str | None  # a trusted in-worker module of the assignment folder (e.g. converts tensors)
    call_seconds: float
    memory_gib: float


@dataclass(frozen=True)
class Manifest:
    name: str
    title: dict[str, str]
    module: str  # the module name the student's file stands for
    files: tuple[str, ...]  # the files students hand in, e.g. the module's .py and its .ipynb
    parts: tuple[PartSpec, ...]
    default_seed: int
    modes: dict[str, Budget]
    runtime: Runtime
    folder: Path = field(compare=False)  # assignments/<name>/


def _fail(path: Path, where: str, problem: str) -> ManifestError:
    return ManifestError(f"{path}: {where}: {problem}; fix the manifest")


class _Fields:
    """Typed look-ups in one TOML table, each failure naming the file and the field."""

    def __init__(self, path: Path, table: dict[str, Any], prefix: str = ""):
        self.path, self.table, self.prefix = path, table, prefix

    def fail(self, key: str, problem: str) -> ManifestError:
        return _fail(self.path, f"{self.prefix}{key}", problem)

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = ...) -> Any:
        if key not in self.table:
            if default is ...:
                raise self.fail(key, "missing")
            return default
        value = self.table[key]
        if not isinstance(value, kind) or isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple)
                                                                                 else (kind,)):
            names = " or ".join(k.__name__ for k in (kind if isinstance(kind, tuple) else (kind,)))
            raise self.fail(key, f"must be {names}, not {type(value).__name__}")
        return value

    def number(self, key: str, default: Any = ..., positive: bool = True) -> float:
        value = self.get(key, (int, float), default)
        if positive and not value > 0:
            raise self.fail(key, f"must be positive, got {value}")
        return float(value)

    def names(self, key: str, pattern: re.Pattern, default: Any = ...) -> tuple[str, ...]:
        values = self.get(key, list, default)
        for value in values:
            if not isinstance(value, str) or not pattern.match(value):
                raise self.fail(key, f"{value!r} is not a valid name")
        return tuple(values)

    def table_of(self, key: str) -> "_Fields":
        return _Fields(self.path, self.get(key, dict, {}), f"{self.prefix}{key}.")


def read_manifest(path: Path) -> Manifest:
    """The manifest at `path` (a file named assignment.toml), validated."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise _fail(path, "syntax", str(exc)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ManifestError(f"{path}: cannot be read ({exc}); check the path and permissions") from None
    top = _Fields(path, raw)
    name = top.get("name", str)
    if not NAME.match(name):
        raise top.fail("name", f"{name!r} must be lower-case letters, digits and _ (starting with a letter)")
    if name != path.parent.name:
        raise top.fail("name", f"{name!r} must equal its folder's name {path.parent.name!r}")
    title = top.get("title", dict, {})
    if not all(isinstance(v, str) for v in title.values()):
        raise top.fail("title", "must map language codes to text")
    module = top.get("module", str)
    if not IDENTIFIER.match(module):
        raise top.fail("module", f"{module!r} is not a Python module name")
    files = top.names("files", re.compile(r"^[^/\\]+\.(py|ipynb)$"))
    if not files:
        raise top.fail("files", "must name at least one .py or .ipynb file")
    return Manifest(name, dict(title), module, files, _parts(top), top.get("default_seed", int),
                    _modes(top), _runtime(top), path.parent)


def _parts(top: _Fields) -> tuple[PartSpec, ...]:
    raw = top.get("parts", list)
    if not raw:
        raise top.fail("parts", "an assignment needs at least one part")
    parts = []
    for index, entry in enumerate(raw):
        if not isinstance(entry, dict):
            raise top.fail(f"parts[{index}]", "must be a table with name and points")
        fields = _Fields(top.path, entry, f"parts[{index}].")
        name = fields.get("name", str)
        if not IDENTIFIER.match(name):
            raise fields.fail("name", f"{name!r} is not a Python function or class name")
        parts.append(PartSpec(name, fields.number("points")))
    names = [p.name for p in parts]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise top.fail("parts", f"{', '.join(duplicated)} listed more than once")
    return tuple(parts)


def _modes(top: _Fields) -> dict[str, Budget]:
    modes = top.table_of("modes")
    unknown = sorted(set(modes.table) - set(MODES))
    if unknown:
        raise modes.fail(unknown[0], f"unknown mode; the modes are {', '.join(MODES)}")
    budgets = {}
    for mode in MODES:
        fields = modes.table_of(mode)
        examples = fields.get("examples", int)
        if examples < 1:
            raise fields.fail("examples", f"must be at least 1, got {examples}")
        budgets[mode] = Budget(examples, fields.number("submission_seconds"))
    return budgets


def _runtime(top: _Fields) -> Runtime:
    runtime = top.table_of("runtime")
    adapter = runtime.get("adapter", str, "") or None
    if adapter is not None and not IDENTIFIER.match(adapter):
        raise runtime.fail("adapter", f"{adapter!r} is not a module name of the assignment folder")
    module_name = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")
    allowed = runtime.names("allowed_imports", module_name) if "allowed_imports" in runtime.table else None
    return Runtime(allowed, runtime.names("preload", module_name, []),
                   adapter, runtime.number("call_seconds", 10.0), runtime.number("memory_gib", 2.0))
