"""Diagnostic formatters: the exact text, JSON and GitHub workflow-command forms."""

from __future__ import annotations

import json

from engine.diagnostics import Diagnostic, Location, Severity
from engine.diagnostics.formatters import format_github, format_json, format_text

PROBLEMS = [
    Diagnostic("R102", 'unknown key "wiat" in steps[1] (did you mean "wait"?)', Location("rules/a,b.yaml", 9, 5),
               "steps[1].wiat"),
    Diagnostic("R109", "the file is empty; expected a mapping of keys", Location("rules/empty.yaml")),
    Diagnostic("R101", "YAML syntax error: 100% broken", Location("r.yaml", 2, 3), hint="line one\nline two",
               severity=Severity.warning, extra={"excerpt": "2 | a: [\n  |   ^"}),
]


def test_text() -> None:
    assert format_text(PROBLEMS).splitlines() == [
        'rules/a,b.yaml:9:5: R102 unknown key "wiat" in steps[1] (did you mean "wait"?)',
        "rules/empty.yaml: R109 the file is empty; expected a mapping of keys",
        "r.yaml:2:3: R101 YAML syntax error: 100% broken",
        "    hint: line one",
        "          line two",
        "    2 | a: [",
        "      |   ^",
    ]


def test_github_escapes_data_and_properties() -> None:
    assert format_github(PROBLEMS).splitlines() == [
        '::error file=rules/a%2Cb.yaml,line=9,col=5,title=R102::unknown key "wiat" in steps[1] (did you mean "wait"?)',
        "::error file=rules/empty.yaml,title=R109::the file is empty; expected a mapping of keys",
        "::warning file=r.yaml,line=2,col=3,title=R101::YAML syntax error: 100%25 broken%0Ahint: line one%0Aline two",
    ]


def test_json_counts_errors_and_warnings_and_keeps_the_summary() -> None:
    payload = json.loads(format_json(PROBLEMS, {"campaigns": 3}))
    assert (payload["valid"], payload["error_count"], payload["warning_count"], payload["campaigns"]) == (
        False, 2, 1, 3)
    assert payload["diagnostics"][1] == {"code": "R109", "severity": "error", "file": "rules/empty.yaml", "line": 0,
                                         "column": 0, "path": "", "message": PROBLEMS[1].message, "hint": None}


def test_nothing_to_report() -> None:
    assert format_text([]) == "" and format_github([]) == ""
    assert json.loads(format_json([]))["valid"] is True
