"""`<id>.junit.xml`: JUnit XML as CI systems read it (GitHub test reporters, GitLab, Jenkins).

One `<testsuite>` per part, one `<testcase>` per test of the part; a failed test carries a
`<failure>` whose message is the feedback (in the report's language) and whose text adds the
smallest counterexample. A submission that could not be loaded at all gets `<error>`s
instead. The document follows the strict Ant/Jenkins shape (every testsuite has `id`,
`package`, `timestamp`, `hostname`, `properties`, `system-out` and `system-err`), which the
more lenient readers accept too.

Everything the student's code produced is untrusted text: besides the usual XML escaping,
characters XML 1.0 cannot carry at all (control characters, lone surrogates, U+FFFE/U+FFFF)
are written as visible `\\xNN` / `\\uNNNN` escapes, so the file always parses.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import datetime, timezone

from grader.model import PartResult, SubmissionResult, TestResult
from grader.reports.view import counterexample_lines, num, report_lang, translator

# Not allowed anywhere in an XML 1.0 document, not even as character references.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Attribute values are normalised by XML parsers (newlines become spaces); keep them one line.
_ATTRIBUTE_CHARS = 4000


def xml_safe(value: object) -> str:
    """`value` as text that any XML 1.0 parser accepts (ElementTree escapes <, > and & itself)."""
    text = str(value)
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}",
                        text)


def _attribute(value: object, limit: int = _ATTRIBUTE_CHARS) -> str:
    text = " ".join(xml_safe(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _seconds(value: float) -> str:
    return f"{max(float(value), 0.0):.3f}"


def _timestamp(result: SubmissionResult) -> str:
    stamp = result.extra.get("graded_at") if isinstance(result.extra, dict) else None
    if isinstance(stamp, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}", stamp):
        return stamp
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")  # the schema wants no zone


def failure_text(test: TestResult, t) -> str:
    """The body of a <failure>: the feedback, then the counterexample and the line that reproduces it."""
    return xml_safe("\n".join([test.message] + counterexample_lines(test.counterexample, t)))


def _suite(parent: ET.Element, index: int, part: PartResult, result: SubmissionResult, t,
           stamp: str, seconds: float) -> None:
    tests = part.tests
    broken = result.error is not None
    failed = sum(1 for x in tests if not x.passed)
    suite = ET.SubElement(parent, "testsuite", {
        "name": _attribute(part.name), "package": _attribute(f"{result.assignment}.{result.student}"),
        "id": str(index), "timestamp": stamp, "hostname": "localhost",
        "tests": str(len(tests)), "failures": "0" if broken else str(failed),
        "errors": str(failed) if broken else "0", "skipped": "0", "time": _seconds(seconds)})
    properties = ET.SubElement(suite, "properties")
    for name, value in (("score", num(part.score, 4)), ("max_score", num(part.max_score, 4)),
                        ("misconceptions", ",".join(part.misconceptions))):
        ET.SubElement(properties, "property", {"name": name, "value": _attribute(value)})
    for test in tests:
        case = ET.SubElement(suite, "testcase", {
            "name": _attribute(test.name), "classname": _attribute(f"{result.assignment}.{part.name}"),
            "time": _seconds(0)})
        if test.passed:
            continue
        kind = "error" if broken else "failure"
        error_type = result.error.kind if broken else (part.misconceptions[0] if part.misconceptions else "wrong-answer")
        element = ET.SubElement(case, kind, {"message": _attribute(test.message), "type": _attribute(error_type)})
        element.text = failure_text(test, t)
    lines = [t("junit.part_score", part=part.name, score=num(part.score), max_score=num(part.max_score))]
    lines += [f"{d.id}: {d.title}. {d.explanation} {t('report.hint')}: {d.hint}" for d in part.diagnoses]
    ET.SubElement(suite, "system-out").text = xml_safe("\n".join(lines))
    ET.SubElement(suite, "system-err").text = xml_safe(result.error.message) if broken else ""


def render(result: SubmissionResult) -> str:
    t = translator(report_lang(result.lang))
    root = ET.Element("testsuites")
    stamp = _timestamp(result)
    share = result.duration_seconds / max(len(result.parts), 1)
    for index, part in enumerate(result.parts):
        _suite(root, index, part, result, t, stamp, share)
    ET.indent(root, space="  ")
    header = '<?xml version="1.0" encoding="UTF-8"?>\n'
    note = t("junit.comment", student=result.student, score=num(result.score), max_score=num(result.max_score),
             mode=result.mode)
    comment = "<!-- " + re.sub(r"-(?=-)", "- ", xml_safe(" ".join(note.split()))) + " -->\n"
    return header + comment + ET.tostring(root, encoding="unicode") + "\n"
