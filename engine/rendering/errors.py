"""Template failures as data: which template, which line, what went wrong, with a stable T3xx code.

Jinja reports runtime errors with a rewritten traceback whose frames carry the template file and line; this
module reads that location so a marketer sees `templates/winback/offer.html:12` instead of a Python traceback.
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType

from jinja2 import TemplateNotFound, TemplateSyntaxError, UndefinedError
from jinja2.exceptions import SecurityError

from engine.errors import InvalidInput
from engine.diagnostics import Diagnostic, Location
from engine.rendering.budget import RenderBudgetExceeded
from engine.rendering.environment import OutsideTemplatesFolder

SYNTAX, UNDEFINED, FAILED, UNSAFE, NO_SUBJECT, NOT_FOUND = "T301", "T302", "T303", "T304", "T305", "T306"
OUTSIDE, BUDGET = "T309", "T310"


class RenderError(InvalidInput):
    """A template could not be compiled or rendered. `template` is the path shown to users (relative to the
    project when possible) and `line` is 1-based, 0 when unknown."""

    def __init__(self, code: str, message: str, template: str, line: int = 0) -> None:
        super().__init__(message)
        self.code, self.template, self.line = code, template, line

    def __str__(self) -> str:
        return f"{self.template}:{self.line}: {self.message}" if self.line else f"{self.template}: {self.message}"

    def to_diagnostic(self, path: str = "", hint: str | None = None) -> Diagnostic:
        return Diagnostic(self.code, self.message, Location(self.template, self.line), path=path, hint=hint)


def _template_frame(tb: TracebackType | None, templates_dir: Path) -> tuple[str, int] | None:
    """The innermost traceback frame that belongs to a template file, as (filename, line)."""
    found = None
    root = str(templates_dir)
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.startswith(root) and not filename.endswith(".py"):
            found = (filename, tb.tb_lineno)
        tb = tb.tb_next
    return found


def display_path(filename: str | None, templates_dir: Path, project_root: Path | None) -> str:
    """A template's path as users see it: relative to the project root (`templates/winback/offer.html`)."""
    path = Path(filename) if filename else templates_dir
    if not path.is_absolute():
        path = templates_dir / path
    if project_root is not None:
        try:
            return str(path.relative_to(project_root))
        except ValueError:
            pass
    return str(path)


def from_exception(exc: Exception, template_name: str, templates_dir: Path, project_root: Path | None) -> RenderError:
    """Map any exception raised while compiling or rendering `template_name` to a RenderError."""
    if isinstance(exc, RenderError):
        return exc
    if isinstance(exc, TemplateSyntaxError):
        return RenderError(SYNTAX, exc.message or str(exc),
                           display_path(exc.filename or exc.name or template_name, templates_dir, project_root),
                           exc.lineno or 0)
    frame = _template_frame(exc.__traceback__, templates_dir)
    filename, line = frame if frame else (template_name, 0)
    where = display_path(filename, templates_dir, project_root)
    if isinstance(exc, TemplateNotFound):  # the email itself, or a layout/partial it extends or includes
        folder = display_path(None, templates_dir, project_root)
        return RenderError(NOT_FOUND, f"template {exc.name!r} not found in {folder}", where, line)
    if isinstance(exc, OutsideTemplatesFolder):
        return RenderError(OUTSIDE, str(exc), where, line)
    if isinstance(exc, RenderBudgetExceeded):
        return RenderError(BUDGET, f"the template exceeded its render budget: {exc}", where, line)
    if isinstance(exc, SecurityError):
        return RenderError(UNSAFE, f"the template sandbox refused an unsafe operation: {exc}", where, line)
    if isinstance(exc, UndefinedError):
        return RenderError(UNDEFINED, f"undefined variable: {exc.message}; use `| default(...)` for an optional "
                                      "value", where, line)
    return RenderError(FAILED, f"{type(exc).__name__}: {exc}", where, line)
