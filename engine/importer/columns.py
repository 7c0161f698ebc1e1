"""The column contract of an import file kind, and the check of a CSV header against it."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Contract:
    """`required` and `optional` columns have a meaning; any other column goes into the JSON document
    `extra_into` (customer attributes, event properties)."""

    kind: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    extra_into: str

    @property
    def known(self) -> tuple[str, ...]:
        return self.required + self.optional

    def header_problems(self, columns: tuple[str, ...]) -> list[str]:
        """Everything wrong with a CSV header, in one list (so one run shows every fix to make)."""
        problems = []
        seen: set[str] = set()
        for position, name in enumerate(columns, start=1):
            if not name:
                problems.append(f"column {position} of the header has no name")
            elif name in seen:
                problems.append(f"column {name!r} appears more than once in the header")
            seen.add(name)
        for name in self.required:
            if name not in seen:
                problems.append(f"required column {name!r} is missing{_did_you_mean(name, columns)}")
        return problems


def _did_you_mean(name: str, columns: tuple[str, ...]) -> str:
    by_lower = {c.lower(): c for c in columns if c}
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=1, cutoff=0.75)
    return f" (is {by_lower[close[0]]!r} meant to be {name!r}?)" if close else ""


def given(value: Any) -> bool:
    """Whether a cell holds a value: an empty or blank CSV cell and a JSON null both mean "not given"."""
    return value is not None and not (isinstance(value, str) and not value.strip())
