"""What an assignment is once loaded: its parts with their checks, and its grading budgets.

Data, not code paths: the runner reads this and nothing else to know what to grade. It is
built by grader.assignments from an assignment's folders; this module reads no files and
names no assignment.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from grader.checks.framework import Check
from grader.manifest import Budget, Manifest, Runtime


@dataclass(frozen=True)
class Part:
    name: str
    points: float
    checks: tuple[Check, ...]
    picture: Callable | None = None  # (probe, reference, lang) -> Series, drawn in the HTML report


@dataclass(frozen=True, eq=False)
class Assignment:
    """One loaded assignment (compared by identity: each is loaded once per process)."""

    manifest: Manifest
    parts: tuple[Part, ...]
    solutions: Path | None = None  # the instructor folder, when this machine has it
    misconceptions: Any = None  # the instructor's catalog module (CATALOG, DESIGNED), when present

    @property
    def name(self) -> str:
        return self.manifest.name

    @property
    def default_seed(self) -> int:
        return self.manifest.default_seed

    @property
    def modes(self) -> dict[str, Budget]:
        return self.manifest.modes

    @property
    def runtime(self) -> Runtime:
        return self.manifest.runtime

    @property
    def files(self) -> tuple[str, ...]:
        return self.manifest.files

    @property
    def folder(self) -> Path:
        return self.manifest.folder

    @property
    def part_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.parts)

    @property
    def max_score(self) -> float:
        return float(sum(p.points for p in self.parts))

    def reference_path(self) -> Path | None:
        """Where the instructor's reference solution is, when this machine has the instructor folder."""
        return self.solutions / f"{self.manifest.module}.py" if self.solutions else None
