"""Finding and loading assignments: the engine knows none by name.

An assignment is two folders with one rule between them:

    <root>/assignments/<name>/   what students may see: assignment.toml (the manifest), the stubs
                                 and notebook, checks/ (public checks; PUBLIC, optionally PICTURES),
                                 stored_examples.json, locales/<lang>.json
    <root>/solutions/<name>/     instructor-only: the reference (<module>.py, the folder's only
                                 module), checks/hidden.py (HIDDEN), checks/misconceptions.py
                                 (CATALOG and DESIGNED, for diagnosis)

Assignment folders are found on a search path: `--assignments DIR` (each DIR holds assignment
folders), then the `RNN_GRADER_ASSIGNMENTS` environment variable (os.pathsep-separated), then the
project's own `assignments/`, then packages registered under the `rnn_grader.assignments` entry
point group (the entry point names a module whose folder is the assignment folder), so a course
can ship its assignment with pip. The first folder that holds a name wins.

An assignment's Python code is loaded as the packages `rnn_grader_assignments.<name>` (public)
and `rnn_grader_solutions.<name>` (instructor), so its modules import one another by those names.
Those modules belong to the folder they were loaded from: two assignments with the same name in
different folders (a course's pip-installed one and a local `--assignments DIR` copy) each get their
own, as `sys.modules` holds one folder's set at a time (`module_of` reaches any loaded folder's).
"""
from __future__ import annotations

import contextlib
import importlib
import os
import sys
import types
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any, Iterable

from grader import i18n
from grader.checks import stored
from grader.errors import GraderError
from grader.manifest import FILE_NAME, Manifest, ManifestError, read_manifest
from grader.spec import Assignment, Part

ENV_VAR = "RNN_GRADER_ASSIGNMENTS"
ENTRY_POINTS = "rnn_grader.assignments"
DEFAULT = "rnn"  # the course's first assignment: every command defaults to it
PROJECT_ROOT = Path(__file__).resolve().parents[1]
PUBLIC_PACKAGE, SOLUTIONS_PACKAGE = "rnn_grader_assignments", "rnn_grader_solutions"


class AssignmentNotFound(GraderError):
    """No assignment of that name on the search path."""


@dataclass(frozen=True)
class Found:
    name: str
    folder: Path


def search_dirs(extra: Iterable[Path] = ()) -> tuple[Path, ...]:
    """The folders searched for assignment folders, first wins."""
    from_env = [Path(p) for p in os.environ.get(ENV_VAR, "").split(os.pathsep) if p]
    return tuple(dict.fromkeys(Path(os.path.abspath(d)) for d in [*extra, *from_env, PROJECT_ROOT / "assignments"]))


def _entry_point_folders() -> list[Path]:
    folders = []
    for entry in metadata.entry_points(group=ENTRY_POINTS):
        try:
            spec = importlib.util.find_spec(entry.value)
        except (ImportError, ValueError):
            spec = None
        origin = spec and (spec.submodule_search_locations or [spec.origin and os.path.dirname(spec.origin)])
        if origin and origin[0]:
            folders.append(Path(origin[0]))
    return folders


def installed(extra: Iterable[Path] = ()) -> dict[str, Path]:
    """Every assignment found: name → its folder (the first on the search path wins)."""
    found: dict[str, Path] = {}
    candidates = [child for d in search_dirs(extra) if d.is_dir() for child in sorted(d.iterdir())]
    for folder in [*candidates, *_entry_point_folders()]:
        if (folder / FILE_NAME).is_file():
            found.setdefault(folder.name, folder.resolve())
    return found


def owner(file_name: str, extra: Iterable[Path] = ()) -> str | None:
    """The one installed assignment whose students hand in a file called `file_name` (None when none
    or several do); read from the manifests alone, so no assignment code runs."""
    owners = [name for name, folder in installed(extra).items() if file_name in read_manifest(folder / FILE_NAME).files]
    return owners[0] if len(owners) == 1 else None


def find(name: str, extra: Iterable[Path] = ()) -> Path:
    """The folder of assignment `name`, or AssignmentNotFound listing what is installed."""
    found = installed(extra)
    if name not in found:
        known = ", ".join(sorted(found)) or "none"
        raise AssignmentNotFound(f"no assignment named {name!r} (installed: {known}); `rnn-grader list` shows them, "
                                 f"--assignments DIR adds a folder of assignments")
    return found[name]


def solutions_folder(folder: Path) -> Path:
    """The instructor part of the assignment at `folder`: the sibling tree's `solutions/<name>/`."""
    return folder.parent.parent / "solutions" / folder.name


def hidden_paths(extra: Iterable[Path] = ()) -> tuple[Path, ...]:
    """The instructor folders of every installed assignment: never readable by student code."""
    return tuple(p for p in (solutions_folder(f) for f in installed(extra).values()) if p.exists())


def _package(name: str, folder: Path | None) -> types.ModuleType:
    """A package whose modules are the .py files of `folder` (created without running any file)."""
    module = sys.modules.get(name)
    if module is None:
        module = types.ModuleType(name)
        module.__path__ = []
        sys.modules[name] = module
        _attach(name)
    if folder is not None and str(folder) not in module.__path__:
        module.__path__.append(str(folder))
    return module


def _attach(name: str) -> None:
    """Make the package `name` its parent's attribute too, as an import does."""
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(sys.modules[parent], child, sys.modules[name])


_LOADED: dict[Path, dict[str, types.ModuleType]] = {}  # an assignment folder → its modules, by name


@contextlib.contextmanager
def _modules_of(folder: Path, name: str):
    """Inside, `sys.modules` holds the modules loaded from `folder` under the assignment's package names;
    another folder's modules of the same name are set aside (kept in `_LOADED`), never shared."""
    packages = (f"{PUBLIC_PACKAGE}.{name}", f"{SOLUTIONS_PACKAGE}.{name}")

    def own(module: str) -> bool:
        return any(module == p or module.startswith(p + ".") for p in packages)

    for module in [m for m in sys.modules if own(m)]:
        del sys.modules[module]
    sys.modules.update(_LOADED.get(folder.resolve(), {}))
    for package in packages:
        if package in sys.modules:
            _attach(package)
    try:
        yield
    finally:
        _LOADED[folder.resolve()] = {m: module for m, module in sys.modules.items() if own(m)}


def module_of(assignment: Assignment, relative: str) -> types.ModuleType:
    """The module `relative` (e.g. its adapter) of the assignment's public package, from its own folder."""
    with _modules_of(assignment.folder, assignment.name):
        return importlib.import_module(f"{PUBLIC_PACKAGE}.{assignment.name}.{relative}")


def _optional(module: str) -> Any:
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name == module:
            return None
        raise


@cache
def load_folder(folder: Path) -> Assignment:
    """The assignment at `folder`: its manifest, checks, stored examples and strings (and, when its
    instructor folder is here, the hidden checks and the misconception catalog)."""
    manifest = read_manifest(folder / FILE_NAME)
    i18n.add_catalogs(folder / "locales")
    with _modules_of(folder, manifest.name):
        return _load_code(folder, manifest)


def _load_code(folder: Path, manifest: Manifest) -> Assignment:
    _package(PUBLIC_PACKAGE, None)
    _package(SOLUTIONS_PACKAGE, None)
    _package(f"{PUBLIC_PACKAGE}.{manifest.name}", folder)
    instructor = solutions_folder(folder)
    _package(f"{SOLUTIONS_PACKAGE}.{manifest.name}", instructor if instructor.is_dir() else None)
    try:
        checks = importlib.import_module(f"{PUBLIC_PACKAGE}.{manifest.name}.checks")
        hidden = _optional(f"{SOLUTIONS_PACKAGE}.{manifest.name}.checks.hidden") if instructor.is_dir() else None
        catalog = _optional(f"{SOLUTIONS_PACKAGE}.{manifest.name}.checks.misconceptions") if instructor.is_dir() else None
    except GraderError:
        raise
    except Exception as exc:  # the assignment's own code does not import: name the folder
        if isinstance(exc, ModuleNotFoundError) and (exc.name or "").partition(".")[0] in manifest.runtime.preload:
            raise ManifestError(f"{folder}: assignment {manifest.name!r} needs the package {exc.name!r}, which is not "
                                f"installed here; install it (the grader's README says how)") from None
        raise ManifestError(f"{folder}: its checks could not be loaded ({type(exc).__name__}: {exc}); "
                            f"fix the assignment's code") from None
    return _assemble(manifest, checks, hidden, catalog, instructor if instructor.is_dir() else None)


def _assemble(manifest: Manifest, checks: Any, hidden: Any, catalog: Any, instructor: Path | None) -> Assignment:
    public = getattr(checks, "PUBLIC", None)
    if not isinstance(public, dict):
        raise ManifestError(f"{manifest.folder / 'checks'}: defines no PUBLIC dict (part name → checks)")
    unknown = sorted(set(public) - {p.name for p in manifest.parts})
    if unknown:
        raise ManifestError(f"{manifest.folder / 'checks'}: PUBLIC names parts the manifest lacks: {', '.join(unknown)}")
    hidden_checks = getattr(hidden, "HIDDEN", {}) if hidden is not None else {}
    pictures = getattr(checks, "PICTURES", {})
    examples = stored.load(manifest.folder / stored.FILE_NAME)
    parts = []
    for spec in manifest.parts:
        saved = examples.get(spec.name)
        own = tuple(hidden_checks.get(spec.name, ())) + tuple(public.get(spec.name, ()))
        parts.append(Part(spec.name, spec.points, own + ((stored.stored_check(spec.name, saved, checks.COMPARE),)
                                                          if saved else ()), pictures.get(spec.name)))
    return Assignment(manifest, tuple(parts), instructor, catalog)


def load(name: str = DEFAULT, extra: Iterable[Path] = ()) -> Assignment:
    """The assignment called `name`, found on the search path."""
    return load_folder(find(name, extra))
