"""References to other files: templates (templates/<name>.html) and segments (segments/<id>.yaml)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from engine.diagnostics import Diagnostic
from engine.diagnostics.docpath import DocPath, format_path
from engine.diagnostics.suggest import did_you_mean
from engine.project.checks.sources import ProjectSources, condition_roots, walk_conditions


def template_names(templates_dir: Path) -> set[str]:
    """Email template names under `templates_dir` (layouts and partials live in `_`-prefixed folders)."""
    if not templates_dir.is_dir():
        return set()
    names = set()
    for file in templates_dir.rglob("*.html"):
        relative = file.relative_to(templates_dir).with_suffix("")
        if not any(part.startswith(("_", ".")) for part in relative.parts):
            names.add(relative.as_posix())
    return names


def templates_exist(sources: ProjectSources) -> Iterator[Diagnostic]:
    templates_dir = sources.config.path(sources.config.templates_dir)
    known = template_names(templates_dir)
    shown_dir = sources.config.templates_dir.as_posix()
    for source in sources.campaigns:
        for index, step in enumerate(source.document.data["steps"]):
            references: list[tuple[DocPath, Any]] = [(("steps", index, "template"), step["template"])]
            references += [(("steps", index, "variants", number, "template"), variant["template"])
                           for number, variant in enumerate(step.get("variants", ())) if "template" in variant]
            for path, name in references:
                if name not in known:
                    yield Diagnostic("R203", f'unknown template "{name}": {shown_dir}/{name}.html does not exist'
                                     + did_you_mean(name, known), source.document.location(path), format_path(path))


def segments_exist(sources: ProjectSources) -> Iterator[Diagnostic]:
    known = {source.segment.id for source in sources.segments}
    shown_dir = sources.config.segments_dir.as_posix()
    for document in sources.condition_documents():  # lifecycle stages too: `rekindle report` compiles them
        for root, node in condition_roots(document):
            for kind, body, path in walk_conditions(node, root):
                if kind == "segment" and body not in known:
                    yield Diagnostic("R204", f'unknown segment "{body}": {shown_dir}/{body}.yaml does not exist'
                                     + did_you_mean(body, known), document.location(path), format_path(path))


def segment_cycles(sources: ProjectSources) -> Iterator[Diagnostic]:
    """A segment that (through others) uses itself would never finish compiling."""
    uses = {
        source.segment.id: [body for _, node in condition_roots(source.document)
                            for kind, body, _ in walk_conditions(node, ("condition",)) if kind == "segment"]
        for source in sources.segments
    }
    for source in sources.segments:
        cycle = _cycle_from(source.segment.id, uses)
        if cycle:
            yield Diagnostic("S103", f"segment \"{source.segment.id}\" uses itself: {' -> '.join(cycle)}",
                             source.document.location(("condition",)), "condition")


def _cycle_from(start: str, uses: dict[str, list[str]]) -> list[str] | None:
    stack = [(start, [start])]
    visited: set[str] = set()
    while stack:
        current, trail = stack.pop()
        for used in uses.get(current, ()):
            if used == start:
                return [*trail, start]
            if used not in visited:
                visited.add(used)
                stack.append((used, [*trail, used]))
    return None
