"""The sandboxed Jinja environment every email template is rendered in.

Templates are written by marketers and reviewed in pull requests, but they are still code run against customer
data, so they run in Jinja's immutable sandbox (no `__class__` walks, no mutating calls), every undefined name is
an error (`StrictUndefined`: a typo must never reach a customer as an empty string), and HTML is autoescaped
while subjects and plain-text bodies are not (`select_autoescape` by file extension).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from jinja2 import FileSystemLoader, StrictUndefined, select_autoescape
from jinja2.environment import Environment
from jinja2.exceptions import SecurityError
from jinja2.loaders import split_template_path
from jinja2.sandbox import ImmutableSandboxedEnvironment

from engine.rendering import filters, slots
from engine.rendering.budget import BudgetedSandbox, RenderBudgetExceeded

#: Names every template can use: the render context built by `engine.rendering.context.build_context`.
CONTEXT_NAMES = frozenset({"customer", "campaign", "step", "vars", "variant", "unsubscribe_url", "now"})


class OutsideTemplatesFolder(SecurityError):
    """A template (or a layout/partial it includes) is a link whose target is outside the templates folder."""


class ContainedLoader(FileSystemLoader):
    """A FileSystemLoader that refuses any file whose real path (links followed) leaves the templates folder:
    `{% include "_partials/root/proc/self/environ" %}` through a link to `/` must never reach an email."""

    def get_source(self, environment: Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        pieces = split_template_path(template)
        for folder in self.searchpath:  # checked before anything is opened: a link to a FIFO must not block
            candidate = os.path.join(folder, *pieces)
            if os.path.lexists(candidate) and not _inside(candidate, folder):
                raise OutsideTemplatesFolder(f"template {template!r} is a link to a file outside the templates "
                                             "folder; it was not read")
        return super().get_source(environment, template)


def _inside(path: str, folder: str) -> bool:
    root = os.path.realpath(folder)
    return os.path.realpath(path).startswith(root.rstrip(os.sep) + os.sep)


def make_environment(templates_dir: Path, *, auto_reload: bool = False) -> ImmutableSandboxedEnvironment:
    """An environment loading from `templates_dir`. `auto_reload` stats files on every lookup (previews want
    edits to show up; a run compiles each template once)."""
    env = BudgetedSandbox(
        loader=ContainedLoader(str(templates_dir)),
        undefined=StrictUndefined,
        autoescape=select_autoescape(enabled_extensions=("html", "htm"), default_for_string=False, default=False),
        auto_reload=auto_reload,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=slots.finalize,  # the identity, except while a skeleton is captured (engine/rendering/slots.py)
    )
    env.code_generator_class = slots.SlotCodeGenerator
    env.write_html = slots.write_html  # type: ignore[attr-defined]  # what SlotCodeGenerator's code calls
    env.filters.update(filters.FILTERS)
    env.install_budget_filters()
    return env


__all__ = ["CONTEXT_NAMES", "ContainedLoader", "OutsideTemplatesFolder", "RenderBudgetExceeded", "make_environment",
           "ImmutableSandboxedEnvironment"]
