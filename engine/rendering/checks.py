"""`check_templates`: every problem in a project's templates, as T3xx diagnostics with template:line.

Three passes, cheapest first:
1. compile every file under the templates folder (T301 syntax errors; T305 an email without a subject block);
2. read each syntax tree for names and `customer.*` / `customer.attributes.*` / `vars.*` reads that will not exist
   at render time (T302), every one of them with its line, column and the nearest correct name, checking
   attributes against the project's catalog (else the example customers' names, when examples/data exists);
3. render every campaign step and variant for the sample customers, exactly as a run would (T302-T304, T306);
4. vars a step sets that none of its templates reads (T307, a warning, with the near miss it probably meant).
The same problem found twice (statically and by rendering) is reported once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from pathlib import Path

from jinja2 import nodes

from engine.catalog import Catalog
from engine.diagnostics import Diagnostic, Location
from engine.diagnostics.suggest import did_you_mean
from engine.project import Project
from engine.rendering.columns import ColumnFinder
from engine.rendering.compose import compose_email
from engine.rendering.context import CUSTOMER_FIELDS, merged_vars
from engine.rendering.environment import CONTEXT_NAMES
from engine.rendering.errors import NO_SUBJECT, UNDEFINED, RenderError
from engine.rendering.renderer import Renderer
from engine.rendering.samples import BUILTIN, example_attribute_names, sample_customers
from engine.rendering.static import attribute_uses, referenced_templates, undeclared_names
from engine.rendering.var_checks import unused_vars
from engine.rules.model import Campaign, Step

#: Signs the unsubscribe links of check renders, which are never sent, so checks work without the real secret.
CHECK_SECRET = b"rekindle-template-check"
_NESTED_FIELDS = {"campaign": ("id", "name", "vars", "locale", "currency"), "step": ("id", "vars")}


class _Report:
    """Diagnostics in the order found. Static findings are kept one per place and message; a render failure
    is kept once per (code, file, line) and dropped where a static finding already explains that line, of any
    code: `{{ vars.discount_usd | money }}` with the var unset is the T302 of the name, not also a T303 "money
    expects a number, got Undefined" that sends the reader after the filter."""

    def __init__(self) -> None:
        self.items: list[Diagnostic] = []
        self._seen: set[tuple] = set()
        self._lines: set[tuple[str, str, int]] = set()
        self._static_lines: set[tuple[str, int]] = set()

    def add(self, diagnostic: Diagnostic) -> None:
        """A static finding (located to the column when known)."""
        where = diagnostic.location
        key = (diagnostic.code, where.file, where.line, where.column, diagnostic.message)
        if key not in self._seen:
            self._seen.add(key)
            self._lines.add((diagnostic.code, where.file, where.line))
            self._static_lines.add((where.file, where.line))
            self.items.append(diagnostic)

    def add_render(self, diagnostic: Diagnostic) -> None:
        """A failure found by rendering, which knows the line only."""
        key = (diagnostic.code, diagnostic.location.file, diagnostic.location.line)
        if key not in self._lines and key[1:] not in self._static_lines:
            self._lines.add(key)
            self.items.append(diagnostic)


def template_files(templates_dir: Path) -> list[str]:
    """Every template file (.html and .txt), as loader names such as `winback/offer.html`."""
    if not templates_dir.is_dir():
        return []
    return sorted(p.relative_to(templates_dir).as_posix() for p in templates_dir.rglob("*")
                  if p.suffix in (".html", ".txt") and p.is_file())


def _is_email(name: str) -> bool:
    return name.endswith(".html") and not any(part.startswith("_") for part in name.split("/"))


def _compile(renderer: Renderer, names: Iterable[str], report: _Report) -> dict[str, nodes.Template]:
    trees = {}
    for name in names:
        path = renderer.templates_dir / name
        try:
            loader = renderer.env.loader
            assert loader is not None  # every Renderer's environment has the contained file loader
            source = loader.get_source(renderer.env, name)[0]  # refuses links leaving the folder
            tree = renderer.env.parse(source, name, str(path))
            # Parsing alone misses what Jinja only finds while generating code (an unknown filter or test),
            # and later passes (find_undeclared_variables) generate code too: do it here, where it is caught.
            renderer.env.compile(tree, name, str(path), raw=True)
            trees[name] = tree
        except Exception as exc:  # noqa: BLE001 - syntax errors, unknown filters and undecodable files alike
            report.add(renderer.error(exc, name).to_diagnostic())
            continue
        if _is_email(name) and "subject" not in {block.name for block in trees[name].find_all(nodes.Block)}:
            report.add(Diagnostic(NO_SUBJECT, "an email template must define {% block subject %}",
                                  Location(renderer.display(name), 1)))
    return trees


def _unknown_reads(tree: nodes.Template, known: KnownAttributes,
                   globals_: Iterable[str]) -> Iterator[tuple[int, tuple[str, ...], str]]:
    """(line, the chain read, message) for every read of something the render context will not have.

    A misspelt built-in field is reported even under `| default(...)`: the default would hide it for every
    customer. An attribute is optional data, so a default excuses it, unless the catalog declares the
    attributes and this one is not among them."""
    for name, line in undeclared_names(tree).items():
        if name not in CONTEXT_NAMES and name not in globals_:
            yield line, (name,), (f"{name!r} is not defined; templates can use {', '.join(sorted(CONTEXT_NAMES))}"
                                  + did_you_mean(name, CONTEXT_NAMES))
    for use in attribute_uses(tree):
        root, field = use.chain[0], use.chain[1]
        if root == "customer" and field not in CUSTOMER_FIELDS:
            suggestion = did_you_mean(field, CUSTOMER_FIELDS)
            fields = "" if suggestion else f" (fields: {', '.join(CUSTOMER_FIELDS)})"
            yield use.line, use.chain[:2], (f"customer has no field {field!r}{suggestion}; custom data is under "
                                            f"customer.attributes{fields}")
        elif root == "customer" and field == "attributes" and len(use.chain) > 2:
            message = known.problem(use.chain[2], use.guarded)
            if message:
                yield use.line, use.chain[:3], message
        elif root in _NESTED_FIELDS and field not in _NESTED_FIELDS[root]:
            yield use.line, use.chain[:2], (f"{root} has no field {field!r}{did_you_mean(field, _NESTED_FIELDS[root])}"
                                            f" (fields: {', '.join(_NESTED_FIELDS[root])})")


class KnownAttributes:
    """The attribute names a template may read: the catalog's when the project has one (then even a read
    with a default must name a declared attribute), else the example customers' (None: nothing to compare)."""

    def __init__(self, catalog: Catalog | None, examples: frozenset[str] | None) -> None:
        self.declared = frozenset(catalog.attributes) if catalog is not None else None
        self.source = catalog.source if catalog is not None else ""
        self.examples = examples

    def problem(self, name: str, guarded: bool) -> str | None:
        if self.declared is not None:
            if name in self.declared:
                return None
            return f"the catalog ({self.source}) declares no attribute {name!r}" + did_you_mean(name, self.declared)
        if guarded or self.examples is None or name in self.examples:
            return None
        return (f"no example customer has the attribute {name!r}; add `| default(...)` if it is optional"
                + did_you_mean(name, self.examples))


def _step_vars(campaign: Campaign, step: Step, email: str, renderer: Renderer,
               trees: dict[str, nodes.Template], report: _Report) -> None:
    """`vars.x` reads that neither the campaign nor this step defines, with the nearest var it does set."""
    defined = merged_vars(campaign, step)
    for name in referenced_templates(f"{email}.html", trees) + referenced_templates(f"{email}.txt", trees):
        columns = ColumnFinder(_source(renderer, name))
        for use in attribute_uses(trees[name]):
            if use.chain[0] == "vars" and not use.guarded and use.chain[1] not in defined:
                column = columns.column(use.line, use.chain[:2])
                report.add(Diagnostic(UNDEFINED, f"campaign {campaign.id!r} step {step.id!r} does not set "
                                      f"vars.{use.chain[1]}" + did_you_mean(use.chain[1], defined),
                                      Location(renderer.display(name), use.line, column),
                                      hint=f"set it under `vars:` in {campaign.source or 'the rule file'}, or "
                                           "add `| default(...)` in the template"))


def _source(renderer: Renderer, name: str) -> str:
    try:
        return (renderer.templates_dir / name).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""


def _render_steps(project: Project, renderer: Renderer, trees: dict[str, nodes.Template], now: datetime,
                  report: _Report) -> None:
    # The example customers, plus one with no name and no attributes: attributes are free-form data that any
    # customer may lack, so an email must survive that (with `| default(...)`) before it reaches production.
    customers = sample_customers(project.config.root)
    customers += [c for c in BUILTIN if c.external_id == "sample-bare" and c not in customers]
    for campaign in project.campaigns:
        for step in campaign.steps:
            for variant in (None, *step.variants):
                email = (variant.template if variant and variant.template else step.template).removesuffix(".html")
                if f"{email}.html" not in trees:
                    continue  # a missing template is R203, reported by the rule checks
                _step_vars(campaign, step, email, renderer, trees, report)
                for customer in customers:
                    try:
                        compose_email(project.config, campaign, step, customer, variant=variant, now=now,
                                      message_id=f"check.{campaign.id}.{step.id}@rekindle.invalid",
                                      unsubscribe_secret=CHECK_SECRET)
                    except RenderError as exc:
                        where = f"campaign {campaign.id!r} step {step.id!r}" + (
                            f" variant {variant.id!r}" if variant else "")
                        report.add_render(Diagnostic(exc.code, f"{where}, customer {customer.external_id}: {exc.message}",
                                              Location(exc.template, exc.line)))


def check_templates(project: Project, *, now: datetime | None = None) -> list[Diagnostic]:
    """All template diagnostics of `project`."""
    config = project.config
    renderer = Renderer(config.path(config.templates_dir), config.root, auto_reload=True)
    report = _Report()
    trees = _compile(renderer, template_files(renderer.templates_dir), report)
    known = KnownAttributes(project.catalog, example_attribute_names(config.root))
    for name, tree in trees.items():
        columns = ColumnFinder(_source(renderer, name))
        for line, chain, message in _unknown_reads(tree, known, renderer.env.globals):
            report.add(Diagnostic(UNDEFINED, message, Location(renderer.display(name), line,
                                                               columns.column(line, chain))))
    _render_steps(project, renderer, trees, now or datetime.now(timezone.utc), report)
    report.items.extend(unused_vars(project, renderer, trees))
    return report.items
