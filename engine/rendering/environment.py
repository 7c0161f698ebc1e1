"""The sandboxed Jinja environment every email template is rendered in.

Templates are written by marketers and reviewed in pull requests, but they are still code run against customer
data, so they run in Jinja's immutable sandbox (no `__class__` walks, no mutating calls), every undefined name is
an error (`StrictUndefined`: a typo must never reach a customer as an empty string), and HTML is autoescaped
while subjects and plain-text bodies are not (`select_autoescape` by file extension).
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import FileSystemLoader, StrictUndefined, select_autoescape
from jinja2.sandbox import ImmutableSandboxedEnvironment

from engine.rendering import filters, slots

#: Names every template can use: the render context built by `engine.rendering.context.build_context`.
CONTEXT_NAMES = frozenset({"customer", "campaign", "step", "vars", "variant", "unsubscribe_url", "now"})


def make_environment(templates_dir: Path, *, auto_reload: bool = False) -> ImmutableSandboxedEnvironment:
    """An environment loading from `templates_dir`. `auto_reload` stats files on every lookup (previews want
    edits to show up; a run compiles each template once)."""
    env = ImmutableSandboxedEnvironment(
        loader=FileSystemLoader(str(templates_dir)),
        undefined=StrictUndefined,
        autoescape=select_autoescape(enabled_extensions=("html", "htm"), default_for_string=False, default=False),
        auto_reload=auto_reload,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=slots.finalize,  # the identity, except while a skeleton is captured (engine/rendering/slots.py)
    )
    env.filters.update(filters.FILTERS)
    return env
