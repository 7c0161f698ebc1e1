"""Rule-test results for people (text, promtool's `exp:` / `got:`), tools (JSON) and CI (JUnit XML)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from itertools import groupby
from pathlib import Path

from engine.diagnostics.formatters import format_text
from engine.ruletest.compare import Failure
from engine.ruletest.suite import CaseResult, SuiteResult


def text_report(result: SuiteResult) -> str:
    """Diagnostics first (like `validate`), then each file's tests with the failures spelled out."""
    blocks = [format_text(result.diagnostics)] if result.diagnostics else []
    for file, cases in groupby(result.cases, key=lambda case: case.file):
        lines = [file]
        for case in cases:
            lines.append(f"  {'PASS' if case.passed else 'FAIL'}  {case.name}")
            lines += [f"    wrote {name}" for name in case.snapshots_written]
            for failure in case.failures:
                lines += _failure_lines(failure)
        blocks.append("\n".join(lines))
    return "\n".join(blocks)


def _failure_lines(failure: Failure) -> list[str]:
    lines = [f"    {failure.what}:"]
    for label, values in (("exp", failure.expected), ("got", failure.got)):
        first, *rest = values or ["(none)"]
        lines.append(f"      {label}: {first}")
        lines += [f"           {value}" for value in rest]
    return lines


def summary_line(result: SuiteResult) -> str:
    failed = sum(not case.passed for case in result.cases)
    invalid = len({d.location.file for d in result.diagnostics})
    text = f"{_count(len(result.cases), 'test')}: {len(result.cases) - failed} passed, {failed} failed"
    written = sum(len(case.snapshots_written) for case in result.cases)
    text += f"; {_count(written, 'golden email')} written" if written else ""
    return text + (f"; {_count(invalid, 'invalid file')}" if invalid else "")


def json_report(result: SuiteResult) -> str:
    document = {
        "passed": result.passed,
        "files": result.files,
        "tests": [
            {"file": case.file, "name": case.name, "passed": case.passed,
             "failures": [{"what": f.what, "expected": f.expected, "got": f.got} for f in case.failures]}
            for case in result.cases
        ],
        "diagnostics": [d.to_dict() for d in result.diagnostics],
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


def write_junit(result: SuiteResult, target: Path) -> None:
    """One <testsuite> per file; an invalid file is one test case in <error> with its diagnostics."""
    root = ET.Element("testsuites", name="rekindle test")
    files = [*result.files, *(d.location.file for d in result.diagnostics)]
    by_file: dict[str, list[CaseResult]] = {file: [] for file in files}
    for case in result.cases:
        by_file.setdefault(case.file, []).append(case)
    problems = {file: [d for d in result.diagnostics if d.location.file == file] for file in by_file}
    for file, cases in by_file.items():
        suite = ET.SubElement(root, "testsuite", name=file, tests=str(len(cases) or int(bool(problems[file]))),
                              failures=str(sum(not c.passed for c in cases)), errors=str(int(bool(problems[file]))),
                              time=f"{sum(c.seconds for c in cases):.3f}")
        if problems[file]:
            case_element = ET.SubElement(suite, "testcase", classname=file, name="the test file is valid")
            error = ET.SubElement(case_element, "error", message=f"{len(problems[file])} problem(s) in {file}")
            error.text = format_text(problems[file])
        for case in cases:
            case_element = ET.SubElement(suite, "testcase", classname=file, name=case.name, time=f"{case.seconds:.3f}")
            if case.failures:
                failure = ET.SubElement(case_element, "failure",
                                        message="not as expected: " + ", ".join(f.what for f in case.failures))
                failure.text = "\n".join(line for f in case.failures for line in _failure_lines(f))
    ET.indent(root)
    target.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(root).write(target, encoding="utf-8", xml_declaration=True)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
