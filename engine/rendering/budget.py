"""The render budget: a template is code, and one loop or one `*` must not take a run (or `validate`) down.

Jinja's sandbox stops templates from reaching Python internals but not from spending unbounded time or memory:
two nested `range(100000)` loops are 10^10 iterations, `'a' * 10**9` is a gigabyte, `'{:>1000000000}'.format(x)`
too. `BudgetedSandbox` is the immutable sandbox plus limits, checked while rendering:

- every loop is wrapped (at parse time) so all loops of one render together run at most MAX_LOOP_ITERATIONS
  times, and every call and loop step checks the render's deadline (RENDER_SECONDS);
- `*` on text or lists and `**` on integers are refused when the result would exceed MAX_TEXT characters (or
  MAX_POWER_BITS bits); `%` formatting, `str.format` and the `format`, `center` and `indent` filters are refused
  when a width or precision exceeds MAX_WIDTH (nested `{:{width}}` specs are refused outright), and so is
  `lipsum` asked for more than MAX_WIDTH paragraphs or words;
- `+`, `join`, `replace` and str methods such as `ljust` are checked before they run, and every filter's and
  call's result after it, so no text or list grows past MAX_TEXT items (repeated `~` is caught by the filter
  and call results it feeds, and by the output cap);
- the rendered output of one template is capped at MAX_OUTPUT characters (engine.rendering.renderer).

Renderer wraps every render in `budget()`; a render outside one is checked against a fresh budget per loop.
The limits are far above what an email needs; exceeding one is a T310 diagnostic at the template line.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from functools import update_wrapper
from string import Formatter
from typing import cast, Any

from jinja2 import nodes, pass_environment, pass_eval_context
from jinja2.nodes import EvalContext
from jinja2.exceptions import SecurityError
from jinja2.filters import do_center, do_format, do_indent, do_join, do_replace, do_wordwrap
from jinja2.runtime import Context
from jinja2.utils import generate_lorem_ipsum
from jinja2.visitor import NodeTransformer
from jinja2.sandbox import ImmutableSandboxedEnvironment

MAX_LOOP_ITERATIONS = 100_000
MAX_CALLS = 1_000_000
MAX_TEXT = 1_000_000
MAX_OUTPUT = 5_000_000
MAX_WIDTH = 1_000
MAX_POWER_BITS = 4_096
RENDER_SECONDS = 5.0
_LOOP_GUARD = "__rekindle_loop_budget"
_SIZE_GUARD = "__rekindle_size_budget"
_PRINTF = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?[a-zA-Z%]")
_NUMBER = re.compile(r"\d+")


class RenderBudgetExceeded(SecurityError):
    """A template went over one of the limits of this module."""


class _Budget:
    """What is left of one render's limits. A plain class with slots (one is made per template rendered, two
    per email with a .txt; a dataclass with a default factory cost a call more each)."""

    __slots__ = ("deadline", "iterations", "calls")

    def __init__(self) -> None:
        self.deadline = time.monotonic() + RENDER_SECONDS
        self.iterations = MAX_LOOP_ITERATIONS
        self.calls = MAX_CALLS

    def step(self, what: str) -> None:
        if what == "loop":
            self.iterations -= 1
            if self.iterations < 0:
                raise RenderBudgetExceeded(f"its loops ran more than {MAX_LOOP_ITERATIONS:,} times")
        else:
            self.calls -= 1
            if self.calls < 0:
                raise RenderBudgetExceeded(f"it made more than {MAX_CALLS:,} calls")
        if time.monotonic() > self.deadline:
            raise RenderBudgetExceeded(f"it ran longer than {RENDER_SECONDS:g} seconds")


_CURRENT: ContextVar[_Budget | None] = ContextVar("rekindle_render_budget", default=None)


class budget:  # noqa: N801 - used as `with budget():`, like the function it was
    """One render's budget: every loop, call and deadline check inside shares it. A class rather than a
    `@contextmanager` generator, which costs several times more to enter (twice per email)."""

    __slots__ = ("_token",)

    def __enter__(self) -> None:
        self._token = _CURRENT.set(_Budget())

    def __exit__(self, *_exc: object) -> None:
        _CURRENT.reset(self._token)


def _current() -> _Budget:
    """The active render's budget; outside `budget()` a fresh one, so each loop or call is bounded alone."""
    return _CURRENT.get() or _Budget()


def _loop_budget(iterable: Iterable[Any]) -> Iterator[Any]:
    spend = _current()
    for item in iterable:
        spend.step("loop")
        yield item


def check_text_size(size: int, what: str) -> None:
    if size > MAX_TEXT:
        raise RenderBudgetExceeded(f"{what} would make {size:,} items; at most {MAX_TEXT:,}")


def check_width(value: Any, what: str) -> None:
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_WIDTH:
        raise RenderBudgetExceeded(f"{what} {value:,} is wider than {MAX_WIDTH:,}")


def check_result(value: Any) -> Any:
    """`value`, unless it is text or a list longer than MAX_TEXT (a filter or method that grew it too far)."""
    if isinstance(value, (str, list, tuple)):
        check_text_size(len(value), "the result")
    return value


def _size_checked(function: Any) -> Any:
    """A filter whose result is checked by `check_result` (Jinja's pass_context/pass_environment marks kept)."""

    def checked(*args: Any, **kwargs: Any) -> Any:
        return check_result(function(*args, **kwargs))

    checked.__dict__.update(getattr(function, "__dict__", {}))
    if hasattr(function, "jinja_pass_arg"):
        checked.jinja_pass_arg = function.jinja_pass_arg  # type: ignore[attr-defined]
    return update_wrapper(checked, function)


def _check_str_method(text: str, method: str, args: tuple[Any, ...]) -> None:
    """Pre-checks for the str methods that can make text far longer than their input in one call."""
    if method in ("ljust", "rjust", "center", "zfill") and args:
        check_width(args[0], f"{method} width")
    elif method == "expandtabs":
        check_width(args[0] if args else 8, "expandtabs width")
    elif method == "replace" and len(args) >= 2 and isinstance(args[0], str) and isinstance(args[1], str):
        check_text_size(len(text) + text.count(args[0]) * max(len(args[1]) - len(args[0]), 0), "replace")
    elif method == "join" and args:
        items = args[0] if isinstance(args[0], (list, tuple, str)) else ()
        check_text_size(len(text) * len(items), "join")


def check_printf(template: Any) -> None:
    """Refuse `%` formats with a width or precision above MAX_WIDTH, or one taken from the arguments (`*`)."""
    if not isinstance(template, str):
        return
    for match in _PRINTF.finditer(template):
        for number in match.groups():
            if number == "*":
                raise RenderBudgetExceeded("a % format takes its width from the arguments (*)")
            if number is not None:
                check_width(int(number), "the % format width")


def check_format_spec(template: str) -> None:
    """Refuse `str.format` specs wider than MAX_WIDTH, and nested specs (`{:{width}}`), before formatting."""
    try:
        parsed = list(Formatter().parse(template))
    except ValueError:
        return  # str.format will raise the same error itself
    for _, field_name, spec, _ in parsed:
        if field_name is None or not spec:
            continue
        if "{" in spec:
            raise RenderBudgetExceeded("a format spec takes its width from the arguments ({:{...}})")
        for number in _NUMBER.findall(spec):
            check_width(int(number), "the format width")


def _checked_lipsum(n: int = 5, html: bool = True, min: int = 20, max: int = 100) -> str:  # noqa: A002
    for value in (n, min, max):
        check_width(value, "lipsum size")
    return generate_lorem_ipsum(n, html, min, max)


def _guarded(guard: str, node: nodes.Expr) -> nodes.Call:
    return nodes.Call(nodes.Name(guard, "load", lineno=node.lineno), [node], [], None, None, lineno=node.lineno)


class _Guards(NodeTransformer):
    """Every loop's iterable goes through the loop budget, every `~` result through the size check."""

    def visit_For(self, node: nodes.For) -> nodes.For:
        self.generic_visit(node)
        node.iter = _guarded(_LOOP_GUARD, cast(nodes.Expr, node.iter))  # a loop iterates over an expression
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Call:
        self.generic_visit(node)
        return _guarded(_SIZE_GUARD, node)


class BudgetedSandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox with the render budget of this module."""

    intercepted_binops = frozenset({"*", "**", "%", "+"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.globals["lipsum"] = _checked_lipsum
        self.globals[_LOOP_GUARD] = _loop_budget
        self.globals[_SIZE_GUARD] = check_result

    def install_budget_filters(self) -> None:
        """Filters whose size arguments are checked (after the project's own filters are installed)."""

        def checked_format(value: Any, *args: Any, **kwargs: Any) -> str:
            check_printf(value)
            return do_format(value, *args, **kwargs)

        def checked_center(value: str, width: int = 80) -> str:
            check_width(width, "center width")
            return do_center(value, width)

        def checked_indent(value: str, width: int | str = 4, first: bool = False, blank: bool = False) -> str:
            check_width(width if isinstance(width, int) else len(width), "indent width")
            return do_indent(value, width, first, blank)

        @pass_eval_context
        def checked_join(eval_ctx: EvalContext, value: Any, d: str = "", attribute: Any = None) -> str:
            items = list(value)
            check_text_size(len(str(d)) * len(items), "join")
            return do_join(eval_ctx, items, d, attribute)

        @pass_eval_context
        def checked_replace(eval_ctx: EvalContext, value: str, old: str, new: str, count: int | None = None) -> str:
            text = str(value)
            check_text_size(len(text) + text.count(str(old)) * max(len(str(new)) - len(str(old)), 0), "replace")
            return do_replace(eval_ctx, value, old, new, count)

        @pass_environment
        def checked_wordwrap(environment: Any, value: str, width: int = 79, break_long_words: bool = True,
                             wrapstring: str | None = None, break_on_hyphens: bool = True) -> str:
            check_width(len(wrapstring or ""), "wordwrap wrapstring")
            return do_wordwrap(environment, value, width, break_long_words, wrapstring, break_on_hyphens)

        self.filters.update(format=checked_format, center=checked_center, indent=checked_indent, join=checked_join,
                            replace=checked_replace, wordwrap=checked_wordwrap)
        for name, function in list(self.filters.items()):
            self.filters[name] = _size_checked(function)

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        return _Guards().visit(super()._parse(source, name, filename))

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        _current().step("call")
        owner = getattr(__obj, "__self__", None)
        if isinstance(owner, str):
            _check_str_method(owner, getattr(__obj, "__name__", ""), args)
        return check_result(super().call(__context, __obj, *args, **kwargs))

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "+" and isinstance(left, (str, list, tuple)) and isinstance(right, (str, list, tuple)):
            check_text_size(len(left) + len(right), "`+`")
        elif operator == "*":
            for sequence, times in ((left, right), (right, left)):
                if isinstance(sequence, (str, list, tuple)) and isinstance(times, int):
                    check_text_size(len(sequence) * max(times, 0), "`*`")
        elif operator == "**" and isinstance(left, int) and isinstance(right, int) and abs(left) > 1:
            if right > 0 and right * left.bit_length() > MAX_POWER_BITS:
                raise RenderBudgetExceeded(f"`**` would make a number of more than {MAX_POWER_BITS:,} bits")
        elif operator == "%":
            check_printf(left)
        return super().call_binop(context, operator, left, right)

    def wrap_str_format(self, value: Any) -> Any:
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        template = value.__self__

        def checked(*args: Any, **kwargs: Any) -> str:
            check_format_spec(template)
            return wrapped(*args, **kwargs)

        return checked
