"""`rnn-grader init-ci`: GitHub Actions workflows for a student repository.

`autograde.yml` grades every push and pull request with the public checks
(`rnn-grader check --format junit,md --fail-under N`), appends the Markdown report to the job
summary, uploads the reports as an artifact and posts (or updates) one pull-request comment
with the score table. `classroom.yml` (with `--classroom`) feeds GitHub Classroom's
autograding reporter (legacy: GitHub Classroom was sunset in 2026). Both cache pip's downloads.
Everything a workflow runs is in its `run:` steps, so the test suite can run exactly those
commands on a sample repository.

Where the grader comes from: by default the repository's own copy (`pip install .` in the student
bundle), which a student can edit in the same commit: right for feedback, not for a grade. With
`gate`, `--install` must name a pinned source outside the student's repository: a package
version (`rnn-grader==0.1.0`), a tag of the course repository (`OWNER/REPO@TAG`, installed from
GitHub) or a git URL ending in `@TAG`.

Which file is graded: the student bundle ships both the assignment's .py and .ipynb, and a
student works in one of them. Unless `--submission` names a file, the workflows pass the folder holding them
to `rnn-grader check`, which picks the file by the rule it always uses (`choose_file`: the one
holding work, else the one changed last) and names it in the job log. A checkout gives every
file the same time, so the workflows first date each assignment file by its last commit.
"""
from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import jinja2

from grader.integrations import IntegrationError
from grader.spec import Assignment
from grader.submissions import SubmissionError, choose_file

WORKFLOWS = Path(".github") / "workflows"
PINNED_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(\[[^\]]*\])?\s*===?\s*[A-Za-z0-9][A-Za-z0-9.+!_-]*$")
REPOSITORY_TAG = re.compile(r"^(?P<repo>[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+)@(?P<tag>[A-Za-z0-9][A-Za-z0-9._/-]*)$")
GIT_URL_AT_REF = re.compile(r"^(?:[A-Za-z0-9._-]+\s*@\s*)?git\+(?:https|ssh)://\S+?/[^/@\s]+@[A-Za-z0-9][A-Za-z0-9._/-]*"
                            r"(?:#\S*)?$")
AUTOGRADE = "autograde.yml"
CLASSROOM = "classroom.yml"


def folders(assignment: Assignment) -> tuple[str, ...]:
    """Where the assignment files may live in a repository: the bundle's top folder, or the course project's."""
    return (".", f"assignments/{assignment.name}")


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


def pinned_source(install: str | None) -> str:
    """What a gate workflow installs: `install` when it pins a source the student cannot change
    (a package version, a git URL at a tag), `OWNER/REPO@TAG` made a GitHub URL."""
    spec = (install or "").strip()
    tagged = REPOSITORY_TAG.match(spec)
    if tagged:
        return f"git+https://github.com/{tagged['repo']}@{tagged['tag']}"
    if PINNED_VERSION.match(spec) or GIT_URL_AT_REF.match(spec):
        return spec
    raise IntegrationError(f"--gate needs --install with a pinned source the student cannot change: a package "
                           f"version (rnn-grader==0.1.0), a tag of the course repository (OWNER/REPO@TAG) or a git "
                           f"URL ending in @TAG; got {spec or 'nothing'!r}")


def default_submission(repo: Path, assignment: Assignment) -> str:
    """The folder holding the assignment files (its .py and .ipynb): `rnn-grader check FOLDER` chooses
    the file in it each time the workflow runs, so a student may work in either."""
    for folder in folders(assignment):
        if any((repo / folder / name).is_file() for name in assignment.files):
            return folder
    raise IntegrationError(f"{repo}: no {' or '.join(assignment.files)} in {' or '.join(folders(assignment))}; "
                           "pass --submission with the path of the file (or folder) students hand in")


def what_is_checked(repo: Path, submission: str, assignment: Assignment) -> str:
    """One line for the instructor: what the workflows grade, and what they would grade today."""
    if not (repo / submission).is_dir():
        return f"the workflows check {submission}"
    rule = (f"the workflows check the file of {submission} that `rnn-grader check` chooses when they run "
            f"({' or '.join(assignment.files)}: the one holding the student's work; the job log names it)")
    try:
        today = choose_file(repo / submission, assignment.files)
    except SubmissionError as exc:
        return f"{rule}; today: {exc}"
    return f"{rule}; today: {today.note.render('en') if today.note else today.path.name}"


def workflow_texts(assignment: Assignment, install: str, submission: str, fail_under: float = 0.0,
                   lang: str = "en", gate: bool = False) -> dict[str, str]:
    """The workflow files, by file name (`gate`: `install` is a pinned source, see `pinned_source`)."""
    for name, value in (("--install", install), ("--submission", submission)):
        if not value.strip() or any(c in value for c in "\n\r\0"):
            raise IntegrationError(f"{name} must be one line, got {value!r}")
    score = f"{fail_under:g}"
    common = {"install": install, "submission": submission, "lang": lang, "files": assignment.files,
              "assignment": assignment.name, "gate": gate}
    return {AUTOGRADE: render("autograde.yml.j2", fail_under=score, **common),
            CLASSROOM: render("classroom.yml.j2", **common)}


def init_ci(repo: Path, assignment: Assignment, fail_under: float | None = None, submission: str | None = None, install: str | None = None,
            classroom: bool = False, lang: str = "en", force: bool = False, gate: bool = False) -> tuple[list[Path], str]:
    """Write the workflows into `repo`; returns the files written and what they check (`what_is_checked`)."""
    repo = Path(repo)
    if not repo.is_dir():
        raise IntegrationError(f"{repo}: not a folder; pass the repository to set up")
    submission = submission or default_submission(repo, assignment)
    install = pinned_source(install) if gate else install or default_install(repo)
    texts = workflow_texts(assignment, install, submission, 0.0 if fail_under is None else fail_under, lang, gate)
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
    return written, what_is_checked(repo, submission, assignment)
