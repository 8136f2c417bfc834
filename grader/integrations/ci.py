"""`rnn-grader init-ci`: GitHub Actions workflows for a student repository.

`autograde.yml` grades every pull request with the public checks
(`rnn-grader check --format junit,md --fail-under N`), appends the Markdown report to the job
summary, uploads the reports as an artifact and posts (or updates) one pull-request comment
with the score table. `classroom.yml` (with `--classroom`) feeds GitHub Classroom's
autograding reporter. Everything a workflow runs is in its `run:` steps, so the test suite
can run exactly those commands on a sample repository.
"""
from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import jinja2

from grader.integrations import IntegrationError

WORKFLOWS = Path(".github") / "workflows"
AUTOGRADE = "autograde.yml"
CLASSROOM = "classroom.yml"
# Where the assignment file may live in a repository, most specific first.
SUBMISSION_CANDIDATES = ("rnn.py", "rnn.ipynb", "assignments/rnn/rnn.py", "assignments/rnn/rnn.ipynb")


def _yaml(value: object) -> str:
    """A YAML scalar for `value`: a double-quoted string (JSON strings are valid YAML)."""
    return json.dumps(str(value), ensure_ascii=False)


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("grader.integrations", "templates"),
                             variable_start_string="@{", variable_end_string="}@",
                             block_start_string="@%", block_end_string="%@",
                             comment_start_string="@#", comment_end_string="#@",
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False)
    env.filters["yaml"] = _yaml
    return env


def render(template: str, **values: object) -> str:
    return environment().get_template(template).render(**values)


def _is_grader_project(repo: Path) -> bool:
    pyproject = repo / "pyproject.toml"
    try:
        text = pyproject.read_text(encoding="utf-8")
    except OSError:
        return False
    return re.search(r'^name\s*=\s*"rnn-grader"\s*$', text, re.M) is not None


def default_install(repo: Path) -> str:
    if _is_grader_project(repo):
        return "."
    raise IntegrationError(f"{repo}: no pyproject.toml of rnn-grader here, so the workflow cannot install the grader "
                           "from the repository; pass --install with what pip should install (a wheel in the "
                           "repository, a git URL, or a package index name)")


def default_submission(repo: Path) -> str:
    found = [name for name in SUBMISSION_CANDIDATES if (repo / name).is_file()]
    if not found:
        raise IntegrationError(f"{repo}: none of {', '.join(SUBMISSION_CANDIDATES)} is there; "
                               "pass --submission with the path of the file students hand in")
    return found[0]


def workflow_texts(install: str, submission: str, fail_under: float = 0.0, lang: str = "en") -> dict[str, str]:
    """The workflow files, by file name."""
    for name, value in (("--install", install), ("--submission", submission)):
        if not value.strip() or any(c in value for c in "\n\r\0"):
            raise IntegrationError(f"{name} must be one line, got {value!r}")
    score = f"{fail_under:g}"
    return {AUTOGRADE: render("autograde.yml.j2", install=install, submission=submission, fail_under=score, lang=lang),
            CLASSROOM: render("classroom.yml.j2", install=install, submission=submission, lang=lang)}


def init_ci(repo: Path, fail_under: float | None = None, submission: str | None = None, install: str | None = None,
            classroom: bool = False, lang: str = "en", force: bool = False) -> list[Path]:
    """Write the workflows into `repo`; returns the files written."""
    repo = Path(repo)
    if not repo.is_dir():
        raise IntegrationError(f"{repo}: not a folder; pass the repository to set up")
    submission = submission or default_submission(repo)
    texts = workflow_texts(install or default_install(repo), submission,
                           0.0 if fail_under is None else fail_under, lang)
    wanted = [AUTOGRADE] + ([CLASSROOM] if classroom else [])
    folder = repo / WORKFLOWS
    clash = [folder / name for name in wanted if (folder / name).exists()]
    if clash and not force:
        raise IntegrationError(f"{clash[0]} exists; pass --force to overwrite it")
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in wanted:
        (folder / name).write_text(texts[name], encoding="utf-8")
        written.append(folder / name)
    return written
