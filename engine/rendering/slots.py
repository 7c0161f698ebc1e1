"""Slots: one HTML render gives both the email and its *skeleton*, the same document with every plain value
replaced by a numbered placeholder.

The skeleton depends only on the template's static text and control flow, not on the customer's name, the
discount or the unsubscribe token, so nearly every message of a step shares one. Work that only depends on
the document's structure (where the links are, what the plain-text version looks like) is then done once per
skeleton instead of once per message (`engine.rendering.skeleton`).

How: the environment's `finalize` hook sees every `{{ ... }}` output. While `capture()` is active it records a
value that is plain data (str, int, float, Decimal) written in autoescaped HTML, whose text is one line of
words separated by single spaces (so HTML whitespace collapsing cannot change it), and returns a placeholder
instead. Anything else (markup from macros, values with odd whitespace) is written as is, so it becomes part
of the skeleton and simply makes a different one.

A placeholder must never reach template logic (a `{% set %}` block capturing output, `| upper` on a macro's
result): `template_is_slot_safe` accepts a template only when none of its files can do that.
"""

from __future__ import annotations

import re
from contextvars import ContextVar
from decimal import Decimal
from typing import Any

from jinja2 import Environment, nodes, pass_eval_context
from jinja2.compiler import CodeGenerator, Frame
from jinja2.meta import find_referenced_templates
from jinja2.nodes import EvalContext
from markupsafe import Markup, escape

OPEN, CLOSE = "\ue000", "\ue001"
"""Private-use characters around a slot number; a value holding any of them is never captured."""
RESERVED = re.compile("[\ue000-\ue003]")
_PLAIN_TYPES = (str, int, float, Decimal)
# One line of words separated by single spaces: no whitespace, controls, surrogates or reserved characters.
_SIMPLE = re.compile(r"[^\s\x00-\x1f\x7f-\x9f\ud800-\udfff\ue000-\ue003]+(?: [^\s\x00-\x1f\x7f-\x9f\ud800-\udfff\ue000-\ue003]+)*")


_simple = _SIMPLE.fullmatch
#: The placeholders of the first slots, made once (finalize runs for every value of every message).
_PLACEHOLDERS = tuple(f"{OPEN}{number}{CLOSE}" for number in range(256))


def is_simple(text: str) -> bool:
    """One line of words separated by single spaces: text the HTML-to-text layout writes unchanged.
    `_SIMPLE` without the pattern for printable text (nearly every value): `str.isprintable` is false for
    every character the pattern refuses but the space (whitespace, controls, surrogates and the reserved
    private-use characters), so then only the spaces are left to check."""
    if text.isprintable():
        return bool(text) and text[0] != " " and text[-1] != " " and "  " not in text
    return _simple(text) is not None


class Capture:
    """The values one render replaced by slots (their text, in slot order)."""

    __slots__ = ("values", "tainted")

    def __init__(self) -> None:
        self.values: list[str] = []
        self.tainted = False
        """A value written as is held a reserved character: the skeleton cannot be trusted."""


_CURRENT: ContextVar[Capture | None] = ContextVar("rekindle_render_capture", default=None)


@pass_eval_context
def finalize(eval_ctx: EvalContext, value: Any) -> Any:
    """The environment's `finalize`: the value itself, unless a capture is active and the value is plain."""
    capture = _CURRENT.get()
    if capture is None or not eval_ctx.autoescape:
        return value
    number = _record(capture, value)
    if number is None:
        return value
    return _PLACEHOLDERS[number] if number < len(_PLACEHOLDERS) else f"{OPEN}{number}{CLOSE}"


def _record(capture: Capture, value: Any) -> int | None:
    """The slot number of `value`, recorded in `capture` when it is plain and simple; None when it is written
    as it is (marking the capture tainted when it holds a reserved character)."""
    kind = type(value)
    if kind is str or kind in _PLAIN_TYPES:  # exact types: bool (an int) and Markup (a str) are not plain
        text = value if kind is str else str(value)
        if is_simple(text):
            capture.values.append(text)
            return len(capture.values) - 1
        if RESERVED.search(text):
            capture.tainted = True
    return None


_MARKUP_PLACEHOLDERS = tuple(Markup(placeholder) for placeholder in _PLACEHOLDERS)


def write_html(value: Any) -> Markup:
    """`escape(finalize(eval_ctx, value))` for an output the compiler knows is autoescaped (`SlotCodeGenerator`
    writes this one call instead of those two and the eval-context lookup): the same result, one call."""
    capture = _CURRENT.get()
    if capture is not None:
        if type(value) is str and value.isprintable() and value and value[0] != " " and value[-1] != " " \
                and "  " not in value:
            # `_record` of a printable str that `is_simple` accepts (nearly every value), without its two calls
            values = capture.values
            values.append(value)
            number: int | None = len(values) - 1
        else:
            number = _record(capture, value)
        if number is not None:
            return _MARKUP_PLACEHOLDERS[number] if number < len(_MARKUP_PLACEHOLDERS) else \
                Markup(f"{OPEN}{number}{CLOSE}")
    return escape(value)


class SlotCodeGenerator(CodeGenerator):
    """Jinja's code generator, with `finalize` settled at compile time where the compiler knows whether the
    output is autoescaped (every output but those under a `{% autoescape %}` whose value is only known at
    render time): an autoescaped `{{ x }}` becomes `environment.write_html(x)` (`write_html`), a plain one
    `str(x)` (finalize is the identity there). That is one call per value instead of finalize, its eval-context
    argument and `escape`. Only for an environment whose finalize is this module's; any other is compiled as
    Jinja would."""

    def _ours(self, frame: Frame) -> bool:
        return self.environment.finalize is finalize and not frame.eval_ctx.volatile

    def _output_child_pre(self, node: nodes.Expr, frame: Frame, info: Any) -> None:
        if not self._ours(frame):
            super()._output_child_pre(node, frame, info)
        else:
            self.write("environment.write_html(" if frame.eval_ctx.autoescape else "str(")

    def _output_child_post(self, node: nodes.Expr, frame: Frame, info: Any) -> None:
        if not self._ours(frame):
            super()._output_child_post(node, frame, info)
        else:
            self.write(")")


class capture:  # noqa: N801 - used as `with capture() as captured:`, like the function it was
    """Record slots for everything rendered inside the block (in this thread or task only). A class rather
    than a `@contextmanager` generator, which costs several times more to enter."""

    __slots__ = ("_token",)

    def __enter__(self) -> Capture:
        current = Capture()
        self._token = _CURRENT.set(current)
        return current

    def __exit__(self, *_exc: object) -> None:
        _CURRENT.reset(self._token)


# Nodes through which rendered output can flow into template logic instead of straight to the document.
_CAPTURING_NODES = (nodes.AssignBlock, nodes.FilterBlock, nodes.CallBlock)
# Filters that turn data into markup: such a value is written as is, and a reserved character in it could pass
# for a placeholder. Markup otherwise only comes from the templates' own output (macros, blocks, includes),
# whose placeholders are real.
_MARKUP_FILTERS = frozenset({"safe", "e", "escape", "forceescape", "urlize", "xmlattr", "tojson"})


# Names whose call returns rendered markup (and so placeholders) rather than data.
_MARKUP_CALLABLES = frozenset({"caller", "super", "loop", "self", "varargs", "kwargs"})


def _markup_names(ast: nodes.Template) -> set[str]:
    """Macros defined or imported in a file, and the names that stand for rendered output anywhere."""
    names = set(_MARKUP_CALLABLES)
    names.update(node.name for node in ast.find_all(nodes.Macro))
    names.update(node.target for node in ast.find_all(nodes.Import))
    for node in ast.find_all(nodes.FromImport):
        names.update(item[1] if isinstance(item, tuple) else item for item in node.names)
    return names


def _root_name(node: nodes.Node) -> str | None:
    while isinstance(node, (nodes.Getattr, nodes.Getitem)):
        node = node.node
    return node.name if isinstance(node, nodes.Name) else None


def _source_is_slot_safe(ast: nodes.Template) -> bool:
    if any(True for _ in ast.find_all(_CAPTURING_NODES)):
        return False
    if any(node.name in _MARKUP_FILTERS for node in ast.find_all(nodes.Filter)):
        return False
    # A macro's (or block's, or caller's) output is markup holding placeholders: it may be written out, but
    # not filtered, compared or stored. So every use of such a name must be a call written straight out.
    markup = _markup_names(ast)
    allowed = {id(child.node) for output in ast.find_all(nodes.Output) for child in output.nodes
               if isinstance(child, nodes.Call)}
    for call in ast.find_all(nodes.Call):
        if _root_name(call.node) in markup and id(call.node) not in allowed:
            return False
    called = {id(call.node) for call in ast.find_all(nodes.Call)}
    for name in ast.find_all(nodes.Name):
        if name.name in markup and name.ctx == "load" and not _is_callee_root(name, called, ast):
            return False
    return True


def _is_callee_root(name: nodes.Name, called: set[int], ast: nodes.Template) -> bool:
    """Whether `name` is the base of a called expression (`button(...)`, `m.button(...)`)."""
    for node in ast.find_all((nodes.Getattr, nodes.Getitem, nodes.Name)):
        if id(node) in called and _root_name(node) == name.name and _contains(node, name):
            return True
    return False


def _contains(node: nodes.Node, target: nodes.Node) -> bool:
    while True:
        if node is target:
            return True
        if not isinstance(node, (nodes.Getattr, nodes.Getitem)):
            return False
        node = node.node


def template_is_slot_safe(env: Environment, name: str) -> bool:
    """Whether the template `name` and every template it extends, includes or imports are slot-safe."""
    seen: set[str] = set()
    pending = [name]
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        if env.loader is None:
            return False
        source, _, _ = env.loader.get_source(env, current)
        ast = env.parse(source, current)
        if not _source_is_slot_safe(ast):
            return False
        for referenced in find_referenced_templates(ast):
            if referenced is None:  # a template name computed at render time
                return False
            pending.append(referenced)
    return True
