"""Gradescope's results.json: valid against the documented schema, per-test scores and
visibility (hidden tests after_published), the total equal to the grader's score."""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from grader.cli import main
from grader.reports import gradescope
from tests.conftest import MISTAKES, REFERENCE, compose
from tests.reports.helpers import SCRIPT, error_result, make_result

SCHEMA = json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "schemas" /
                     "gradescope_results.schema.json").read_text(encoding="utf-8"))
FAST = ["--timeout", "5"]


def validate(document: dict) -> None:
    jsonschema.Draft202012Validator(SCHEMA).validate(document)


def test_the_schema_is_a_schema_and_is_live():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    with pytest.raises(jsonschema.ValidationError):
        validate({"score": 1, "tests": [{"name": "x", "visibility": "after_grading"}]})
    with pytest.raises(jsonschema.ValidationError):
        validate({"score": 1, "test": []})  # a misspelt key is not silently ignored
    with pytest.raises(jsonschema.ValidationError):
        validate({"tests": [{"name": "no score anywhere"}]})


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_hand_built_result(lang):
    result = make_result(lang)
    document = json.loads(gradescope.render(result))
    validate(document)
    assert document["score"] == pytest.approx(result.score)
    tests = document["tests"]
    expected = [(p.name, t) for p in result.parts for t in p.tests]
    assert [x["name"] for x in tests] == [f"{part}: {t.name}" for part, t in expected]
    assert [x["visibility"] for x in tests] == ["visible" if t.public else "after_published" for _, t in expected]
    assert [x["status"] for x in tests] == ["passed" if t.passed else "failed" for _, t in expected]
    assert sum(x["score"] for x in tests) == pytest.approx(result.score)
    assert sum(x["max_score"] for x in tests) == pytest.approx(result.max_score)
    hidden = tests[2]
    assert hidden["visibility"] == "after_published" and "missing-tanh-derivative" in hidden["tags"]
    assert SCRIPT in hidden["output"] and "np.array" in hidden["output"]  # feedback and how to reproduce
    assert document["extra_data"]["seed"] == result.seed
    assert document["extra_data"]["misconceptions"] == {"rnn_cell_backward": ["missing-tanh-derivative"]}


def test_an_unloadable_submission_says_why():
    document = json.loads(gradescope.render(error_result("en")))
    validate(document)
    assert document["score"] == 0 and "invalid syntax" in document["output"]
    assert document["extra_data"]["error"]["kind"] == "syntax"


def test_grade_writes_results_json_with_hidden_tests_after_published(tmp_path, capsys):
    submission = tmp_path / "kim.py"
    submission.write_text(compose(MISTAKES / "clip_per_tensor.py"), encoding="utf-8")
    out = tmp_path / "results"
    code = main(["grade", str(submission), "--out", str(out), "--format", "gradescope,json",
                 "--solutions", str(REFERENCE), *FAST])
    capsys.readouterr()
    assert code == 0
    document = json.loads((out / "results.json").read_text(encoding="utf-8"))
    report = json.loads((out / "kim.json").read_text(encoding="utf-8"))
    validate(document)
    assert document["score"] == pytest.approx(report["score"]) and report["score"] < 100
    visibilities = {x["visibility"] for x in document["tests"]}
    assert visibilities == {"visible", "after_published"}
    clip = [x for x in document["tests"] if x["name"].startswith("clip_grad_norm:") and x["status"] == "failed"]
    assert clip and "clip-per-tensor" in clip[0]["tags"]


def test_check_writes_only_visible_tests(tmp_path, capsys):
    out = tmp_path / "r"
    assert main(["check", str(REFERENCE), "--format", "gradescope", "--out", str(out), *FAST]) == 0
    capsys.readouterr()
    document = json.loads((out / "results.json").read_text(encoding="utf-8"))
    validate(document)
    assert document["score"] == 100 and {x["visibility"] for x in document["tests"]} == {"visible"}


def test_batch_refuses_gradescope(tmp_path, capsys):
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "a.py").write_text("x = 1\n", encoding="utf-8")
    code = main(["batch", str(folder), "--out", str(tmp_path / "o"), "--format", "gradescope"])
    err = capsys.readouterr().err
    assert code == 2 and "results.json" in err and err.count("\n") == 1
