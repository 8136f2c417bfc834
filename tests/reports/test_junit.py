"""JUnit XML: valid against the strict JUnit schema CI systems read, one suite per part, one case
per test, failures carrying the feedback, and any student output made XML-safe."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest
import xmlschema

from grader.cli import main
from grader.model import PartResult, SubmissionResult
from grader.model import TestResult as Check
from grader.reports import junit
from tests.conftest import MISTAKES, REFERENCE, STUBS, compose
from tests.reports.helpers import SCRIPT, error_result, make_result

SCHEMA_FILE = Path(__file__).resolve().parents[1] / "fixtures" / "schemas" / "junit.xsd"
FAST = ["--timeout", "5"]


@pytest.fixture(scope="module")
def schema():
    return xmlschema.XMLSchema(SCHEMA_FILE)


def suites(xml: str) -> list[ET.Element]:
    return ET.fromstring(xml.encode("utf-8")).findall("testsuite")


def test_the_schema_is_live(schema):
    # the validator must be able to say no: a test case without classname, a suite without its counts
    bad_case = ('<testsuites><testsuite name="p" package="rnn.x" id="0" timestamp="2026-01-01T00:00:00" '
                'hostname="localhost" tests="1" failures="0" errors="0" time="0"><properties/>'
                '<testcase name="t" time="0"/><system-out/><system-err/></testsuite></testsuites>')
    assert not schema.is_valid(bad_case)
    assert schema.is_valid(bad_case.replace('name="t"', 'name="t" classname="rnn.p"'))
    assert not schema.is_valid(bad_case.replace(' tests="1"', "").replace('name="t"', 'name="t" classname="c"'))


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_hand_built_results_validate_and_map_parts_and_tests(schema, lang):
    result = make_result(lang)
    xml = junit.render(result)
    schema.validate(xml)
    found = suites(xml)
    assert [s.get("name") for s in found] == [p.name for p in result.parts]
    for suite, part in zip(found, result.parts):
        cases = suite.findall("testcase")
        assert [c.get("name") for c in cases] == [t.name for t in part.tests]
        assert {c.get("classname") for c in cases} == {f"rnn.{part.name}"}
        failed = [t for t in part.tests if not t.passed]
        assert int(suite.get("tests")) == len(part.tests) and int(suite.get("failures")) == len(failed)
        for case, test in zip(cases, part.tests):
            failure = case.find("failure")
            assert (failure is None) == test.passed
            if failure is not None:
                assert failure.get("message") == " ".join(test.message.split())
                assert failure.text.startswith(test.message)
        props = {p.get("name"): p.get("value") for p in suite.find("properties")}
        assert float(props["score"]) == pytest.approx(part.score, abs=1e-4)
        assert props["misconceptions"] == ",".join(part.misconceptions)
    backward = found[1].find("testcase/failure")
    assert backward.get("type") == "missing-tanh-derivative"
    assert "np.array" in backward.text  # the counterexample's reproduce line travels with the failure
    assert SCRIPT in backward.text and "<script>" not in xml  # escaped, never raw markup


def test_a_submission_that_did_not_load_gives_errors_not_failures(schema):
    result = error_result("ko")
    xml = junit.render(result)
    schema.validate(xml)
    for suite in suites(xml):
        assert suite.get("errors") == str(len(suite.findall("testcase"))) and suite.get("failures") == "0"
        assert suite.find("system-err").text.startswith("line 3: invalid syntax")


HOSTILE = "bad\x00nul \x1b[31mred\x1b[0m bell\x07 \x0b\x0c lone\ud800surrogate \ufffe\uffff ok\ttab\nline ]]> -- <&>"


def hostile_result() -> SubmissionResult:
    ce = {"shapes": {"x": [1]}, "inputs": {"x": [HOSTILE]}, "expected": HOSTILE, "got": [1.0], "snippet": HOSTILE}
    part = PartResult(f"part{HOSTILE}", 0.0, 5.0, (
        Check(f"name{HOSTILE}", False, 0.0, 5.0, f"message {HOSTILE}", ce),))
    return SubmissionResult("rnn", f"student{HOSTILE}", "0" * 64, "graded", 0.0, 5.0, (part,), "0.1.0", 1)


def test_control_characters_in_student_output_are_escaped(schema):
    xml = junit.render(hostile_result())
    schema.validate(xml)  # parses with a conforming XML parser, and is valid
    failure = suites(xml)[0].find("testcase/failure")
    assert "\\x00" in failure.text and "\\x1b[31m" in failure.text and "\\x07" in failure.text
    assert "\\ud800" in failure.text and "\\ufffe" in failure.text and "\\uffff" in failure.text
    assert "ok\ttab\nline ]]> -- <&>" in failure.text  # allowed characters survive as they are
    assert "\x00" not in xml and "\x1b" not in xml
    assert junit.xml_safe("plain 한국어 text") == "plain 한국어 text"


def test_cli_check_writes_junit_for_the_reference_and_the_stubs(tmp_path, schema, capsys):
    out = tmp_path / "reports"
    assert main(["check", str(REFERENCE), "--format", "junit", "--out", str(out), *FAST]) == 0
    xml = (out / "rnn.junit.xml").read_text(encoding="utf-8")
    schema.validate(xml)
    assert all(s.get("failures") == "0" for s in suites(xml)) and len(suites(xml)) == 10
    stubs = tmp_path / "stubs"
    stubs.mkdir()
    (stubs / "rnn.py").write_bytes(STUBS.read_bytes())
    assert main(["check", str(stubs / "rnn.py"), "--format", "junit,md", "--out", str(out), "--lang", "ko",
                 "--fail-under", "50", *FAST]) == 1
    xml = (out / "rnn.junit.xml").read_text(encoding="utf-8")
    schema.validate(xml)
    assert all(s.get("failures") == s.get("tests") for s in suites(xml))
    assert "구현되지 않았습니다" in xml
    capsys.readouterr()


def test_a_diagnosed_mistake_names_itself_in_the_failure_type(tmp_path, schema, capsys):
    submission = tmp_path / "kim.py"
    submission.write_text(compose(MISTAKES / "missing_tanh.py"), encoding="utf-8")
    out = tmp_path / "out"
    code = main(["grade", str(submission), "--out", str(out), "--format", "junit", "--solutions", str(REFERENCE),
                 *FAST])
    capsys.readouterr()
    assert code == 0
    xml = (out / "kim.junit.xml").read_text(encoding="utf-8")
    schema.validate(xml)
    forward = suites(xml)[0]
    assert forward.get("name") == "rnn_cell_forward" and int(forward.get("failures")) >= 1
    assert forward.find("testcase/failure").get("type") == "missing-tanh"


def test_duration_is_spread_over_the_suites(schema):
    result = replace(make_result("en"), duration_seconds=3.0)
    xml = junit.render(result)
    schema.validate(xml)
    assert [s.get("time") for s in suites(xml)] == ["1.000"] * 3
