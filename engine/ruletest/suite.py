"""A `rekindle test` session: find the test files, load them all, run the selected cases, collect the results."""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from engine.diagnostics import Diagnostic, Location
from engine.documents.paths import contained, display_path
from engine.project import Project
from engine.project.load import RULE_TESTS_DIR
from engine.ruletest.compare import Failure, compare
from engine.ruletest.loader import load_test_file
from engine.ruletest.runner import run_case

DEFAULT_FOLDER = RULE_TESTS_DIR
"""Where the tests of a project live by default, next to rekindle.yaml (and rules/)."""

SUFFIXES = (".test.yaml", ".test.yml")


@dataclass(frozen=True)
class CaseResult:
    file: str
    name: str
    failures: list[Failure]
    seconds: float
    snapshots_written: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures


@dataclass
class SuiteResult:
    files: list[str] = field(default_factory=list)
    """Every test file found, valid or not, in the order they ran."""
    cases: list[CaseResult] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.diagnostics and all(case.passed for case in self.cases)


def find_test_files(paths: Sequence[Path], default_folder: Path) -> tuple[list[Path], list[Diagnostic]]:
    """The files named (folders searched recursively for *.test.yaml), or the project's default folder's."""
    folders_or_files = list(paths) or [default_folder]
    found: list[Path] = []
    refused: list[Diagnostic] = []
    for path in folders_or_files:
        if path.is_dir():
            found += contained(sorted(p for p in path.rglob("*") if p.is_file() and p.name.endswith(SUFFIXES)),
                               path, refused)
        elif path.is_file():
            found += contained([path], path.parent, refused)
    if found or refused:
        return list(dict.fromkeys(found)), refused
    names = ", ".join(display_path(p) for p in folders_or_files)
    return [], [Diagnostic("U107", f"no rule tests found in {names}", Location(names),
                           hint="rule tests are files named *.test.yaml; see docs/rule-tests.md")]


def run_suite(project: Project, paths: Sequence[Path], only: re.Pattern[str] | None = None, *,
              update_snapshots: bool = False) -> SuiteResult:
    """Load every file first (all problems reported at once), then run the valid files' selected cases."""
    result = SuiteResult()
    files, result.diagnostics = find_test_files(paths, project.config.root / DEFAULT_FOLDER)
    campaign_ids = {c.id for c in project.campaigns}
    loaded = []
    for path in files:
        display = display_path(path)
        result.files.append(display)
        test_file, problems = load_test_file(path, display, campaign_ids)
        result.diagnostics += problems
        if test_file is not None:
            loaded.append(test_file)
    for test_file in loaded:
        for case in test_file.cases:
            if only is not None and not only.search(case.name):
                continue
            started = time.perf_counter()
            written: list[str] = []
            failures = compare(case.expect, run_case(project, case), update_snapshots=update_snapshots,
                               written=written)
            result.cases.append(CaseResult(test_file.display, case.name, failures, time.perf_counter() - started,
                                           written))
    result.diagnostics.sort(key=Diagnostic.sort_key)
    return result
