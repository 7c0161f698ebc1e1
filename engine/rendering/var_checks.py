"""Vars a rule sets that no template reads (T307, a warning): usually a near miss, such as `discount: 25` for a
template that reads `vars.discount_usd`, which would otherwise be found only by the customer reading the email.

A step's templates are its template and its variants' (with every layout and partial they extend or include,
.html and .txt) and its variants' subjects. A var is read by `vars.x`, `campaign.vars.x` or `step.vars.x`;
`language` and `currency` are read by the `date` and `money` filters. A template that reads `vars` as a whole
(`vars[name]`, a loop over it) could read anything, so its step is not checked.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import nodes

from engine.diagnostics import Diagnostic, Location, Severity
from engine.diagnostics.docpath import DocPath
from engine.diagnostics.suggest import closest
from engine.documents.yaml_loader import YamlDocument, load_yaml_file
from engine.rendering.renderer import Renderer
from engine.rendering.static import referenced_templates
from engine.rendering.static import attribute_uses
from engine.rules.model import Campaign, Step

if TYPE_CHECKING:
    from engine.project import Project

UNUSED_VAR = "T307"
READ_BY_FILTERS = frozenset({"language", "currency"})


def _var_reads(tree: nodes.Template) -> tuple[set[str], bool]:
    """(var names the tree reads, whether it also reads `vars` as a whole)."""
    names: set[str] = set()
    chained = 0
    for use in attribute_uses(tree):
        if use.chain[0] == "vars":
            names.add(use.chain[1])
            chained += 1
        elif use.chain[0] in ("campaign", "step") and use.chain[1] == "vars" and len(use.chain) > 2:
            names.add(use.chain[2])
    loaded = sum(1 for node in tree.find_all(nodes.Name) if node.name == "vars" and node.ctx == "load")
    return names, loaded > chained


def _step_reads(step: Step, renderer: Renderer, trees: dict[str, nodes.Template]) -> tuple[set[str], bool]:
    names: set[str] = set()
    opaque = False
    emails = [step.template, *(variant.template for variant in step.variants if variant.template)]
    parsed = [trees[name] for email in emails for suffix in (".html", ".txt")
              for name in referenced_templates(f"{email.removesuffix('.html')}{suffix}", trees)]
    for variant in step.variants:
        if variant.subject:
            try:
                parsed.append(renderer.env.parse(variant.subject))
            except Exception:  # noqa: BLE001 - a broken subject is reported by the render pass
                opaque = True
    for tree in parsed:
        found, whole = _var_reads(tree)
        names |= found
        opaque |= whole
    return names, opaque


def _document(campaign: Campaign) -> YamlDocument | None:
    if not campaign.source or not Path(campaign.source).is_file():
        return None
    document, _ = load_yaml_file(Path(campaign.source), campaign.source)
    return document


def _where(document: YamlDocument | None, campaign: Campaign, path: DocPath) -> Location:
    return document.location(path, key=True) if document is not None else Location(campaign.source or campaign.id)


def _warning(name: str, reads: set[str], defined: dict[str, Any], who: str, location: Location) -> Diagnostic:
    unset = {read for read in reads if read not in defined}
    near = closest(name, unset)
    message = f"vars.{name} is set but no template of {who} reads it"
    if near:
        message += f' (did you mean "{near}"? the template reads vars.{near})'
    return Diagnostic(UNUSED_VAR, message, location, severity=Severity.warning,
                      hint="rename it to what the template reads, or remove it")


def _campaign_warnings(campaign: Campaign, renderer: Renderer, trees: dict[str, nodes.Template]) -> Iterator[Diagnostic]:
    steps = [(index, step) for index, step in enumerate(campaign.steps) if f"{step.template}.html" in trees]
    reads = {index: _step_reads(step, renderer, trees) for index, step in steps}
    if not steps:
        return
    document = _document(campaign)
    for index, step in steps:
        names, opaque = reads[index]
        if opaque:
            continue
        defined = {**campaign.vars, **step.vars}
        for name in step.vars:
            if name not in names and name not in READ_BY_FILTERS:
                yield _warning(name, names, defined, f"step {step.id!r}",
                               _where(document, campaign, ("steps", index, "vars", name)))
    if any(opaque for _, opaque in reads.values()):
        return
    everything = set().union(*(names for names, _ in reads.values()))
    for name in campaign.vars:
        if name not in everything and name not in READ_BY_FILTERS:
            yield _warning(name, everything, dict(campaign.vars), f"campaign {campaign.id!r}",
                           _where(document, campaign, ("vars", name)))


def unused_vars(project: "Project", renderer: Renderer, trees: dict[str, nodes.Template]) -> list[Diagnostic]:
    return [warning for campaign in project.campaigns
            for warning in _campaign_warnings(campaign, renderer, trees)]
