"""Dependencies point one way (DESIGN.md): checked by reading every module's imports with `ast`, never importing."""
from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "grader"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> set[str]:
    """Every module of ours that `path` imports, anywhere in the file (functions included), made absolute."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                origin = ".".join(base + ([node.module] if node.module else []))
            else:
                origin = node.module or ""
            found.add(origin)
            # `from grader import batch` imports the module grader.batch
            found.update(f"{origin}.{alias.name}" for alias in node.names)
    ours = {m for m in found if m == "grader" or m.startswith("grader.")}
    modules = {module_name(p) for p in PACKAGE.rglob("*.py")}
    # keep real modules only: `from grader.runner import grade` is grader.runner, not a module grader.runner.grade
    return {m for m in ours if m in modules}


MODULES = {module_name(p): imports_of(p) for p in sorted(PACKAGE.rglob("*.py"))}


def ours(prefix: str) -> dict[str, set[str]]:
    return {m: deps for m, deps in MODULES.items() if m == prefix or m.startswith(prefix + ".")}


def inside(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def test_the_walk_finds_the_package_and_its_imports():
    assert {"grader.cli", "grader.batch", "grader.runner", "grader.model", "grader.reports.json_report",
            "grader.sandbox.worker"} <= MODULES.keys()
    assert "grader.batch" in MODULES["grader.cli"]
    assert "grader.runner" in MODULES["grader.batch"]
    assert "grader.model" in MODULES["grader.reports.json_report"]


def test_relative_imports_are_resolved(tmp_path, monkeypatch):
    package = tmp_path / "grader"
    (package / "sub").mkdir(parents=True)
    for name in ("__init__.py", "model.py", "sub/__init__.py", "sub/a.py", "sub/b.py"):
        (package / name).write_text("")
    (package / "sub" / "a.py").write_text("from . import b\nfrom ..model import X\nimport grader.sub.b\n")
    (package / "sub" / "__init__.py").write_text("from .a import thing\n")
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", package)
    assert imports_of(package / "sub" / "a.py") == {"grader.sub", "grader.sub.b", "grader.model"}
    assert imports_of(package / "sub" / "__init__.py") == {"grader.sub.a"}


def test_model_imports_nothing_of_ours():
    assert MODULES["grader.model"] == set()


@pytest.mark.parametrize("module", sorted(ours("grader.reports")))
def test_reports_read_only_the_model(module):
    allowed = {"grader", "grader.model", "grader.i18n"}
    bad = {m for m in MODULES[module] if m not in allowed and not inside(m, "grader.reports")}
    assert not bad, f"{module} imports {sorted(bad)}"


def test_reports_do_not_use_grader_i18n_beyond_the_leaf():
    # i18n is a leaf (DESIGN: imports nothing of ours), so reports using it still reach only the model
    assert MODULES.get("grader.i18n", set()) == set()


@pytest.mark.parametrize("module", sorted(ours("grader.sandbox")))
def test_sandbox_imports_nothing_outside_itself(module):
    bad = {m for m in MODULES[module] if m != "grader" and not inside(m, "grader.sandbox")}
    assert not bad, f"{module} imports {sorted(bad)}"


def test_sandbox_modules_import_one_way():
    """No import cycle among the sandbox's modules, lazy imports included: each builds on the ones below it."""
    modules = {m: MODULES[m] & MODULES.keys() - {"grader.sandbox"} for m in ours("grader.sandbox") if m != "grader.sandbox"}

    def reaches(start: str, target: str, seen: set[str]) -> bool:
        return any(m == target or (m not in seen and not seen.add(m) and reaches(m, target, seen)) for m in modules[start])

    assert not [m for m in modules if reaches(m, m, set())]


def test_runner_does_not_reach_up():
    assert not MODULES["grader.runner"] & {"grader.batch", "grader.cli"}


def test_batch_does_not_import_cli():
    assert "grader.cli" not in MODULES["grader.batch"]


@pytest.mark.parametrize("module", sorted(ours("grader.checks")))
def test_checks_do_not_import_machinery(module):
    forbidden = ("grader.runner", "grader.batch", "grader.cli", "grader.sandbox", "grader.reports")
    bad = {m for m in MODULES[module] if any(inside(m, f) for f in forbidden)}
    assert not bad, f"{module} imports {sorted(bad)}"


def test_nothing_below_the_cli_imports_it():
    assert not [m for m, deps in MODULES.items() if "grader.cli" in deps and m not in ("grader.__main__",)]
