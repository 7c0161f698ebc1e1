"""The Diagnostic record: one problem in user input, with where it is and what to do about it."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class Severity(str, Enum):
    error = "error"
    warning = "warning"


@dataclass(frozen=True, order=True)
class Location:
    """A place in a file; line and column are 1-based, as editors show them (0 = unknown)."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line:
            return f"{self.file}:{self.line}:{self.column or 1}"
        return self.file


@dataclass(frozen=True)
class Diagnostic:
    """One problem. `path` is the location inside the document (e.g. `steps[1].wait`), `hint` a suggestion."""

    code: str
    message: str
    location: Location
    path: str = ""
    hint: str | None = None
    severity: Severity = Severity.error
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def sort_key(self) -> tuple:
        return (self.location.file, self.location.line, self.location.column, self.code, self.message)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Diagnostic:
        """The diagnostic `to_dict` described, with `extra` when `data` has it (diagnostics kept in a cache)."""
        return cls(data["code"], data["message"], Location(data["file"], data["line"], data["column"]),
                   data["path"], data["hint"], Severity(data["severity"]), dict(data.get("extra") or {}))

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "file": self.location.file,
            "line": self.location.line,
            "column": self.location.column,
            "path": self.path,
            "message": self.message,
            "hint": self.hint,
        }
