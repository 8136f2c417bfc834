"""`rnn-grader export gradescope [--assignment NAME] --out autograder.zip`: the zip Gradescope takes.

At its root, as Gradescope requires: `setup.sh` (run once when the image is built: Python
3.11+, a venv, and the bundled grader installed into it) and `run_autograder` (run per
submission: `rnn-grader grade /autograder/submission --format gradescope` into
/autograder/results/results.json). Beside them, `rnn-grader/`: the grader package, the
assignment folder (`assignments/<name>/`) and its instructor folder (`solutions/<name>/`:
reference, hidden checks, misconception catalog), laid out as in the course repository so the
grader finds them by its usual rule, with a pyproject of the runtime dependencies (no torch).
The course's seed, language and time limit are fixed in run_autograder.
"""
from __future__ import annotations

import shlex
import stat
import zipfile
from pathlib import Path

from grader import packaging
from grader.integrations import IntegrationError
from grader.integrations.ci import environment
from grader.spec import Assignment

EXECUTABLE = 0o755


def scripts(assignment: Assignment, seed: int | None = None, lang: str = "en", timeout: float = 10.0) -> dict[str, str]:
    env = environment().overlay()
    env.filters["sh"] = lambda value: shlex.quote(str(value))
    seed_option = f"--seed {int(seed)}" if seed is not None else ""
    return {"setup.sh": env.get_template("gradescope/setup.sh.j2").render(),
            "run_autograder": env.get_template("gradescope/run_autograder.j2").render(
                lang=lang, timeout=f"{timeout:g}", seed_option=seed_option, assignment=assignment.name,
                files=" or ".join(assignment.files))}


def _add(archive: zipfile.ZipFile, name: str, data: bytes | str, mode: int = 0o644) -> None:
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = (stat.S_IFREG | mode) << 16
    archive.writestr(info, data.encode("utf-8") if isinstance(data, str) else data)


def build_zip(assignment: Assignment, out: Path, solutions: Path, seed: int | None = None, lang: str = "en",
              timeout: float = 10.0) -> Path:
    """Write the autograder zip to `out` (`solutions`: the reference file to grade with); returns it."""
    out, solutions = Path(out), Path(solutions)
    if not solutions.is_file():
        raise IntegrationError(f"reference solution not found at {solutions}; the Gradescope autograder grades "
                               "with it (pass --solutions PATH)")
    if out.exists() and out.is_dir():
        raise IntegrationError(f"{out}: is a folder; --out names the zip file to write, e.g. autograder.zip")
    if out.suffix.lower() != ".zip":
        raise IntegrationError(f"{out}: Gradescope takes a .zip file; name it e.g. autograder.zip")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    with zipfile.ZipFile(tmp, "w") as archive:
        for name, text in scripts(assignment, seed, lang, timeout).items():
            _add(archive, name, text, EXECUTABLE)
        for name, data in packaging.grader_copy(assignment, "rnn-grader, bundled for a Gradescope autograder",
                                                reference=solutions).items():
            _add(archive, f"rnn-grader/{name}", data)
    tmp.replace(out)
    return out
