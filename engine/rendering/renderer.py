"""Rendering one email template (subject, preheader, HTML, text) from a context, with errors as RenderError.

A `Renderer` belongs to one templates folder and keeps every compiled template, so a run of 100,000 emails
compiles each template once. `renderer_for(config)` hands out one Renderer per config object.
"""

from __future__ import annotations

import weakref
from itertools import islice
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Iterator
from typing import Any

from jinja2 import Template
from jinja2.runtime import Context, new_context
from markupsafe import Markup

from engine.config.model import Config
from engine.rendering.budget import MAX_OUTPUT, RenderBudgetExceeded, budget
from engine.rendering.environment import make_environment
from engine.rendering.errors import NO_SUBJECT, RenderError, display_path, from_exception
from engine.rendering.message import Line
from engine.rendering.skeleton import MAX_PLANS, HtmlPlan, compile_plan, fill_line, fill_slots, line_pieces
from engine.rendering.slots import capture, template_is_slot_safe
from engine.rendering.text import clean_line


@dataclass(frozen=True)
class Rendered:
    subject: str
    preheader: str
    html: str
    text: str | None
    """The hand-written plain-text body, or None when the template has no .txt (the caller generates it)."""
    plan: HtmlPlan | None = None
    """With `render(..., plan=True)`: the plan of the HTML's skeleton, when it has one (then `html` is empty:
    the HTML is the plan filled with `values`, which `compose.email_bodies` does)."""
    values: tuple[str, ...] = ()
    """The slot values of `plan` (the HTML is the plan filled with them)."""


class Renderer:
    def __init__(self, templates_dir: Path, project_root: Path | None = None, *, auto_reload: bool = False) -> None:
        self.templates_dir = templates_dir.resolve()
        self.project_root = project_root.resolve() if project_root else None
        self.env = make_environment(self.templates_dir, auto_reload=auto_reload)
        self._templates: dict[str, Template | None] = {}
        self._strings: dict[str, Template] = {}
        self._slot_safe: dict[str, bool] = {}
        self._plans: dict[str, HtmlPlan | None] = {}
        self._plans_by_pieces: dict[tuple[str, ...], HtmlPlan | None] = {}
        self._lines: dict[str, Line | str | None] = {}
        self._globals: dict[str, tuple[Template, dict[str, Any]]] = {}

    def _context(self, template: Template, context: dict[str, Any]) -> Context:
        """`template.new_context(context)`, with the template's globals flattened once into a dict. Jinja keeps
        them as a ChainMap (the template's over the environment's), which `new_context` copies and the
        Context's constructor iterates per render, both through ChainMap's Python methods; this Renderer's
        environment never changes its globals once made (as Jinja asks: "avoid modifying any globals after a
        template is loaded"), so the flattened copy is the same mapping, and the Context gets the same parent
        (the globals with the context over them, in the same order) and the same global names."""
        entry = self._globals.get(template.name or "")
        if entry is None or entry[0] is not template:  # a reloaded template (auto_reload) is a new object
            entry = (template, dict(template.globals))
            self._globals[template.name or ""] = entry
        flat = entry[1]
        return new_context(self.env, template.name, template.blocks, {**flat, **context}, True, flat)

    def error(self, exc: Exception, template_name: str) -> RenderError:
        return from_exception(exc, template_name, self.templates_dir, self.project_root)

    def display(self, template_name: str) -> str:
        """The path users see for a template file (`templates/winback/offer.html`)."""
        return display_path(template_name, self.templates_dir, self.project_root)

    def template(self, name: str) -> Template:
        """A compiled template by file name (`winback/offer.html`); RenderError T301/T306 if it cannot be."""
        if name not in self._templates:
            try:
                self._templates[name] = self.env.get_template(name)
            except Exception as exc:  # noqa: BLE001 - every compile failure becomes a located diagnostic
                raise self.error(exc, name) from None
        compiled = self._templates[name]
        assert compiled is not None, f"{name} does not exist"  # callers ask `has_text` before a .txt body
        return compiled

    def has_text(self, email: str) -> bool:
        """Whether `email` has a hand-written plain-text body (`<email>.txt`)."""
        name = f"{email}.txt"
        if name not in self._templates:
            self._templates[name] = self.template(name) if (self.templates_dir / name).is_file() else None
        return self._templates[name] is not None

    def _text(self, email: str, context: dict[str, Any]) -> str:
        """The hand-written plain-text body, under the same budget as the HTML."""
        name = f"{email}.txt"
        template = self.template(name)
        try:
            with budget():
                return _joined(template.root_render_func(self._context(template, context)))
        except Exception:  # noqa: BLE001
            try:
                self.env.handle_exception()
            except Exception as exc:  # noqa: BLE001
                raise self.error(exc, name) from None
        raise AssertionError("unreachable")

    def _block(self, template: Template, name: str, context: Context, written: dict[str, str],
               values: tuple[str, ...] | None = None) -> str:
        """One block un-escaped: subject and preheader are written in the HTML file (so they are escaped there)
        but are plain text in the message headers and the preview. The block's output as the document wrote it
        (`written`, see `_tap_blocks`) is used when there is one; otherwise the block is rendered alone, with
        `context`, the one the whole template was just rendered with (top-level `{% set %}` and imports).
        With `values`, the written output is the skeleton's (slots for values): its layout is worked out once
        (`skeleton.line_pieces`) and filled in per message."""
        if name not in template.blocks:
            return ""
        output = written.get(name)
        if output is None:
            output = self.env.concat(template.blocks[name](context))
        elif values is not None:
            pieces = self._lines.get(output, False)
            if pieces is False:
                pieces = line_pieces(output)
                if len(self._lines) < MAX_PLANS:
                    self._lines[output] = pieces
            if pieces is not None:
                return fill_line(pieces, values)  # type: ignore[arg-type]
            output = fill_slots(output, values)
        return clean_line(Markup(output).unescape())

    def render_string(self, source: str, context: dict[str, Any], where: str, line: int = 0) -> str:
        """A one-line template written in a rule file (a variant's subject), rendered without autoescaping.
        Errors are located at `where`:`line` (the rule file and the step), since the source has no file."""
        try:
            if source not in self._strings:
                self._strings[source] = self.env.from_string(source)
            with budget():
                return clean_line(self._strings[source].render(context))
        except Exception as exc:  # noqa: BLE001
            error = self.error(exc, where)
            raise RenderError(error.code, f"in the variant subject {source!r}: {error.message}", where, line) from None

    def slot_safe(self, html_name: str) -> bool:
        """Whether `html_name` can be rendered with slots (engine/rendering/slots.py), decided once."""
        if html_name not in self._slot_safe:
            try:
                self._slot_safe[html_name] = template_is_slot_safe(self.env, html_name)
            except Exception:  # noqa: BLE001 - a template that cannot be read or parsed fails in render()
                self._slot_safe[html_name] = False
        return self._slot_safe[html_name]

    def _plan(self, pieces: tuple[str, ...], slot_count: int) -> HtmlPlan | None:
        """The plan of the skeleton `pieces` join to, compiled once per distinct skeleton. Looked up by the
        pieces themselves, not their join: nearly all of them are the compiled templates' constant strings
        and the placeholders (the same objects every message, their hashes cached), so the lookup hashes a
        few dozen pointers' worth instead of the whole document, and the skeleton is only joined the first
        time a sequence of pieces is seen. Equal pieces join to the same skeleton, so the plan is the same."""
        found = self._plans_by_pieces.get(pieces, False)
        if found is not False:
            return found  # type: ignore[return-value]
        skeleton = "".join(pieces)
        if skeleton not in self._plans:
            if len(self._plans) >= MAX_PLANS:
                return None
            self._plans[skeleton] = compile_plan(skeleton, slot_count)
        plan = self._plans[skeleton]
        if len(self._plans_by_pieces) < MAX_PLANS:
            self._plans_by_pieces[pieces] = plan
        return plan

    def render(self, email: str, context: dict[str, Any], subject: str | None = None, *,
               plan: bool = False) -> Rendered:
        """Render the email named `email` (`winback/offer`). `subject` overrides the subject block (variants).
        `plan` asks for the HTML's skeleton plan as well (compose_email's fast path): the `html` returned is
        then the skeleton when a plan was found, to be filled in by the caller."""
        html_name = f"{email}.html"
        template = self.template(html_name)
        if "subject" not in template.blocks and subject is None:
            raise RenderError(NO_SUBJECT, "an email template must define {% block subject %}",
                              self.display(html_name), 1)
        skeleton_plan: HtmlPlan | None = None
        values: tuple[str, ...] = ()
        wanted = ("preheader",) if subject is not None else ("subject", "preheader")
        try:
            with budget():
                if plan and self.slot_safe(html_name):
                    state = self._context(template, context)
                    taps = _tap_blocks(template, state, wanted)
                    with capture() as captured:
                        pieces, size = _pieces(template.root_render_func(state))
                    if size + sum(map(len, captured.values)) > MAX_OUTPUT:
                        raise RenderBudgetExceeded(f"it rendered more than {MAX_OUTPUT:,} characters")
                    skeleton_plan = None if captured.tainted else self._plan(tuple(pieces), len(captured.values))
                    values = tuple(captured.values)
                if skeleton_plan is not None:
                    html = ""
                    filled: tuple[str, ...] | None = values
                else:  # no plan (rare: see slots.py): the plain render
                    state = self._context(template, context)
                    taps = _tap_blocks(template, state, wanted)
                    html = _joined(template.root_render_func(state))
                    filled = None
                rendered_subject = subject if subject is not None else self._block(template, "subject", state,
                                                                                   taps, filled)
                preheader = self._block(template, "preheader", state, taps, filled)
        except Exception:  # noqa: BLE001 - Jinja rewrites the traceback to template lines, then we locate it
            try:
                self.env.handle_exception()
            except Exception as exc:  # noqa: BLE001
                raise self.error(exc, html_name) from None
        text = self._text(email, context) if self.has_text(email) else None
        if not rendered_subject:
            raise RenderError(NO_SUBJECT, "the subject rendered empty", self.display(html_name), 1)
        return Rendered(rendered_subject, preheader, html, text, skeleton_plan, values)


def _tap_blocks(template: Template, state: Context, names: tuple[str, ...]) -> dict[str, str]:
    """Record what the `names` blocks write while the document renders, so the subject and preheader are not
    rendered a second time on their own. Only the template's own block is wrapped (the one the document
    renders; `super()` calls reach the layout's, unwrapped), with the very context the document renders it in.
    A block the layout never writes is simply not recorded (then `_block` renders it alone, as before).
    Returns block name -> the text its first complete rendering wrote (filled in as the render goes)."""
    taps: dict[str, str] = {}
    for name in names:
        stack = state.blocks.get(name)
        if stack and name in template.blocks:
            stack[0] = _recording(stack[0], name, taps)
    return taps


def _recording(block: Any, name: str, taps: dict[str, str]) -> Any:
    """`block`, recording its output. The block is rendered at once, under the output cap as the document is
    (`_pieces`, so a runaway block is stopped within _CHUNK pieces of MAX_OUTPUT), and its pieces are returned
    as a list, which the document writes as it would the block's own generator (Jinja's code takes a block's
    output with `yield from`, or joins it): one call, where a generator of our own was resumed for every
    piece. The first complete rendering is what is recorded."""
    def recorded(context: Context) -> list[str]:
        pieces = _pieces(block(context))[0]
        taps.setdefault(name, "".join(pieces))
        return pieces
    return recorded


#: Rendered pieces taken at a time by `_joined` before their size is added up.
_CHUNK = 32


def _joined(parts: Iterator[str]) -> str:
    """The rendered pieces of a template joined, stopped once they add up to more than MAX_OUTPUT characters."""
    return "".join(_pieces(parts)[0])


def _pieces(parts: Iterator[str]) -> tuple[list[str], int]:
    """The rendered pieces of a template and their total length, stopped once they add up to more than
    MAX_OUTPUT characters. The pieces are taken a chunk at a time (`islice`, in C) and measured per chunk
    (`sum(map(len, ...))`), not one by one through a generator of our own, which cost a resumed frame per piece
    (an email has about sixty): a runaway template is still stopped within _CHUNK pieces of the cap, each piece
    being a value or a filter's or call's result that budget.py bounds, or static text."""
    pieces: list[str] = []
    size = 0
    while True:
        chunk = list(islice(parts, _CHUNK))
        if not chunk:
            return pieces, size
        size += sum(map(len, chunk))
        if size > MAX_OUTPUT:
            raise RenderBudgetExceeded(f"it rendered more than {MAX_OUTPUT:,} characters")
        pieces += chunk


_RENDERERS: dict[int, tuple[weakref.ref, Renderer]] = {}


def renderer_for(config: Config) -> Renderer:
    """The Renderer of a config object, created on first use and kept while the config lives."""
    key = id(config)
    entry = _RENDERERS.get(key)
    if entry is None or entry[0]() is not config:
        renderer = Renderer(config.path(config.templates_dir), config.root)

        def forget(_ref: weakref.ref[Config]) -> None:
            _RENDERERS.pop(key, None)

        _RENDERERS[key] = entry = (weakref.ref(config, forget), renderer)
    return entry[1]
