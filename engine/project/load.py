"""A Rekindle project: `rekindle.yaml` plus every campaign and segment it points to, loaded and validated.

`load_project(config)` is what every command that runs campaigns calls; it raises `ProjectInvalid` carrying
all diagnostics (of all files) when anything is wrong. `check_project` returns them instead, for `validate`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import Connection

from engine.catalog import Catalog, catalog_file, load_catalog
from engine.errors import InvalidInput
from engine.config.loader import load_config_document
from engine.config.model import Config
from engine.diagnostics import Diagnostic, Location, Severity
from engine.documents.paths import YAML_SUFFIXES, contained, display_path, is_within, yaml_files
from engine.project.checks import ProjectSources, run_checks
from engine.project.model import Project
from engine.rules.loader import CampaignSource, SegmentSource, load_campaign_file, load_segment_file

RULE_TESTS_DIR = "rule_tests"
"""Where `rekindle test` looks by default (engine.ruletest.suite.DEFAULT_FOLDER)."""


class ProjectInvalid(InvalidInput):
    """The project has errors; `diagnostics` lists all of them, sorted by file and position. The message says
    what was not done because of them (the CLI prints the diagnostics, then the message)."""

    def __init__(self, diagnostics: Sequence[Diagnostic], message: str | None = None) -> None:
        ordered = sorted(diagnostics, key=Diagnostic.sort_key)
        super().__init__(_summary(ordered) if message is None else message, ordered)


def _summary(diagnostics: Sequence[Diagnostic]) -> str:
    """The first problem and how many more: what a caller that does not print the diagnostics shows."""
    if not diagnostics:
        return "invalid project"
    first, more = diagnostics[0], len(diagnostics) - 1
    return f"{first.location}: {first.code} {first.message}" + (f" (and {more} more)" if more > 0 else "")


def load_project(config_path: Path) -> Project:
    """The valid project of `config_path`, or ProjectInvalid with every problem found."""
    project, diagnostics = check_project(config_path)
    errors = [d for d in diagnostics if d.severity is Severity.error]
    if project is None or errors:
        raise ProjectInvalid(errors or diagnostics)
    return project


def check_project(
    config_path: Path, rule_paths: Sequence[Path] | None = None, *, store: Connection | None = None
) -> tuple[Project | None, list[Diagnostic]]:
    """Load and check everything; with `rule_paths`, only those rule files (or folders of them) are campaigns.

    Segments always come from the project's segments folder, so references in the given files resolve. With
    `store`, every data name the rules use is also looked up in that store (`validate --against-store`).
    """
    config, config_document, diagnostics = load_config_document(config_path, display_path(config_path))
    if config is None:
        return None, _sorted(diagnostics)
    if rule_paths is None:
        rules_dir = config.path(config.rules_dir)
        if not rules_dir.is_dir():
            diagnostics.append(Diagnostic("C106", f"rules folder not found: {display_path(rules_dir)}",
                                          Location(config.source), "rules_dir"))
            return None, _sorted(diagnostics)
        rule_paths = [rules_dir]
    segments_dir = config.path(config.segments_dir)
    campaigns = []
    for path in yaml_files(rule_paths, diagnostics):
        if is_within(path, segments_dir) or path.absolute() == config_path.absolute():
            continue  # named on the command line, but checked as what it is: a segment, or the config
        source, problems = load_campaign_file(path, display_path(path))
        diagnostics += problems
        if source is not None:
            campaigns.append(source)
    segments = []
    for path in yaml_files([segments_dir] if segments_dir.is_dir() else [], diagnostics):
        segment, problems = load_segment_file(path, display_path(path))
        diagnostics += problems
        if segment is not None:
            segments.append(segment)
    rule_tests = config.root / RULE_TESTS_DIR
    if rule_tests.is_dir():  # rule tests are read by `rekindle test`; a link leaving the folder is refused here too
        contained(sorted(p for p in rule_tests.rglob("*") if p.is_file() and p.suffix in YAML_SUFFIXES), rule_tests,
                  diagnostics)
    catalog, problems = load_catalog(catalog_file(config))
    diagnostics += problems
    diagnostics += run_checks(ProjectSources(config, tuple(campaigns), tuple(segments), catalog, store,
                                             config_document))
    project = _project(config, campaigns, segments, catalog)
    return project, _sorted(diagnostics)


def _project(config: Config, campaigns: list[CampaignSource], segments: list[SegmentSource],
             catalog: Catalog | None) -> Project:
    return Project(config, tuple(s.campaign for s in campaigns), {s.segment.id: s.segment for s in segments},
                   catalog)


def _sorted(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    return sorted(diagnostics, key=Diagnostic.sort_key)
