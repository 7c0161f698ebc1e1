"""Formatting diagnostics late: plain text for people, JSON for tools, GitHub workflow commands for CI.

    text    rules/x.yaml:12:5: R102 unknown key "wiat" in steps[1] (did you mean "wait"?)
    json    {"valid": false, "error_count": 1, "diagnostics": [{"code": "R102", "file": ..., "line": 12, ...}]}
    github  ::error file=rules/x.yaml,line=12,col=5,title=R102::unknown key "wiat" in steps[1] ...
    gitlab  [{"check_name": "R102", "description": ..., "location": {"path": ..., "lines": {"begin": 12}}, ...}]
            (GitLab Code Quality: findings shown inline in the merge request diff)
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from enum import Enum
from typing import Any

from engine.diagnostics.diagnostic import Diagnostic, Severity


class DiagnosticFormat(str, Enum):
    text = "text"
    json = "json"
    github = "github"
    gitlab = "gitlab"


def format_text(diagnostics: Sequence[Diagnostic]) -> str:
    """One line per problem, then its hint and (for syntax errors) the numbered source lines around it."""
    blocks = []
    for diagnostic in diagnostics:
        lines = [f"{diagnostic.location}: {diagnostic.code} {diagnostic.message}"]
        if diagnostic.hint:
            first, *rest = diagnostic.hint.splitlines()
            lines += [f"    hint: {first}", *(f"          {line}" for line in rest)]
        excerpt = diagnostic.extra.get("excerpt")
        if excerpt:
            lines += [f"    {line}" for line in excerpt.splitlines()]
        blocks.append("\n".join(lines))
    return "\n".join(blocks)


def format_json(diagnostics: Sequence[Diagnostic], summary: dict[str, Any] | None = None) -> str:
    """A stable document: `valid`, counts, any extra `summary` fields, and every diagnostic as a dict."""
    errors = sum(1 for d in diagnostics if d.severity is Severity.error)
    payload = {
        "valid": errors == 0,
        "error_count": errors,
        "warning_count": len(diagnostics) - errors,
        **(summary or {}),
        "diagnostics": [d.to_dict() for d in diagnostics],
    }
    return json.dumps(payload, indent=2, ensure_ascii=False)


def format_github(diagnostics: Sequence[Diagnostic]) -> str:
    """GitHub Actions workflow commands, which show each problem inline on the pull request's changed lines."""
    lines = []
    for diagnostic in diagnostics:
        location = diagnostic.location
        properties = [f"file={_escape_property(location.file)}"]
        if location.line:
            properties += [f"line={location.line}", f"col={location.column or 1}"]
        properties.append(f"title={_escape_property(diagnostic.code)}")
        message = diagnostic.message + (f"\nhint: {diagnostic.hint}" if diagnostic.hint else "")
        lines.append(f"::{diagnostic.severity.value} {','.join(properties)}::{_escape_data(message)}")
    return "\n".join(lines)


def format_gitlab(diagnostics: Sequence[Diagnostic]) -> str:
    """A GitLab Code Quality report (a JSON array of findings; `artifacts: reports: codequality:`). The
    fingerprint is stable across pipelines for the same problem, which is how GitLab tells new findings from
    old ones."""
    findings = []
    for diagnostic in diagnostics:
        location = diagnostic.location
        identity = f"{diagnostic.code}:{location.file}:{diagnostic.path}:{diagnostic.message}"
        findings.append({
            "type": "issue",
            "check_name": diagnostic.code,
            "description": diagnostic.message + (f" (hint: {diagnostic.hint})" if diagnostic.hint else ""),
            "categories": ["Bug Risk"],
            "severity": "major" if diagnostic.severity is Severity.error else "minor",
            "fingerprint": hashlib.sha256(identity.encode()).hexdigest()[:32],
            "location": {"path": location.file, "lines": {"begin": location.line or 1}},
        })
    return json.dumps(findings, indent=2, ensure_ascii=False)


def render(diagnostics: Sequence[Diagnostic], fmt: DiagnosticFormat, summary: dict[str, Any] | None = None) -> str:
    if fmt is DiagnosticFormat.json:
        return format_json(diagnostics, summary)
    if fmt is DiagnosticFormat.github:
        return format_github(diagnostics)
    if fmt is DiagnosticFormat.gitlab:
        return format_gitlab(diagnostics)
    return format_text(diagnostics)


def _escape_data(text: str) -> str:
    # As the GitHub runner's own toolkit escapes command data (actions/toolkit, command.ts).
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")
