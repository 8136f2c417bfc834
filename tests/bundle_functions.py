"""Run as `python bundle_functions.py BUNDLE`: prints every function of the student bundle that
reproduces a graded part's answer, one per line (nothing when the bundle implements none).

Every top-level function of every module of the bundle whose signature accepts a part's
arguments is called on that part's stored example inputs (shipped in the bundle with the
reference's answers) and compared with the answer.  Run it in an empty working folder: the
calls pass arrays and dicts to functions that expect other things, and fail.
"""
import contextlib
import copy
import importlib
import inspect
import io
import sys
import warnings
from pathlib import Path

import numpy as np

SCRIPTS = {"grader/__main__.py", "grader/sandbox/worker.py"}  # programs: importing them runs them


def same(got, expected) -> bool:
    if isinstance(expected, dict):
        return isinstance(got, dict) and got.keys() == expected.keys() and all(same(got[k], expected[k]) for k in got)
    if isinstance(expected, tuple):
        return (isinstance(got, (tuple, list)) and len(got) == len(expected)
                and all(same(g, e) for g, e in zip(got, expected)))
    try:
        g, e = np.asarray(got, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return g.shape == e.shape and bool(np.allclose(g, e, rtol=1e-6, atol=1e-9))


def reproduces(function, examples) -> bool:
    """Whether `function` gives the stored answer on every stored input it accepts."""
    tried = 0
    for case, expected in examples:
        args = copy.deepcopy(list(case.values()))
        try:
            inspect.signature(function).bind(*args)
        except TypeError:
            return False
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"), \
                    contextlib.redirect_stdout(io.StringIO()):  # a function that prints must not look like a finding
                warnings.simplefilter("ignore")
                got = function(*args)
        except BaseException:  # noqa: BLE001 - any failure means: not this part
            return False
        tried += 1
        if not same(got, expected):
            return False
    return tried > 0


def main(bundle: Path) -> None:
    sys.path.insert(0, str(bundle))
    from grader.checks import stored

    examples = {part: cases for folder in sorted((bundle / "assignments").iterdir())
                for part, cases in stored.load(folder / stored.FILE_NAME).items()}
    for path in sorted(bundle.rglob("*.py")):
        relative = path.relative_to(bundle)
        if relative.as_posix() in SCRIPTS:
            continue
        module = importlib.import_module(".".join(relative.with_suffix("").parts).removesuffix(".__init__"))
        for name, function in list(vars(module).items()):
            if inspect.isfunction(function) and function.__module__ == module.__name__:
                for part, part_examples in examples.items():
                    if reproduces(function, part_examples):
                        print(f"{relative.as_posix()}::{name} reproduces {part}")


if __name__ == "__main__":
    main(Path(sys.argv[1]).resolve())
