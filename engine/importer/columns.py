"""The column contract of an import file kind, and the check of a CSV header against it."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from engine.importer.values import json_object, typed_text


@dataclass(frozen=True)
class Contract:
    """`required` and `optional` columns have a meaning; any other column goes into the JSON document
    `extra_into` (customer attributes, event properties)."""

    kind: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    extra_into: str

    @cached_property
    def known(self) -> frozenset[str]:
        return frozenset(self.required + self.optional)

    def document(self, values: dict[str, Any], *, typed_strings: bool) -> dict[str, Any]:
        """The JSON document `extra_into`: the object in its own column, then every column outside the contract
        (CSV text typed by `typed_text`). Null values mean "not given" and are left out."""
        document: dict[str, Any] = {}
        if given(values.get(self.extra_into)):
            document.update(json_object(self.extra_into, values[self.extra_into]))
        for name, value in values.items():
            if name not in self.known and given(value):
                document[name] = typed_text(value) if typed_strings and isinstance(value, str) else value
        return {name: value for name, value in document.items() if value is not None}

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
        for name in self.optional:
            if name not in seen:  # a misspelt optional column would silently become an attribute or property
                close = _did_you_mean(name, tuple(c for c in columns if c not in self.known))
                if close:
                    problems.append(f"column {name!r} is missing{close}")
        return problems


def _did_you_mean(name: str, columns: tuple[str, ...]) -> str:
    by_lower = {c.lower(): c for c in columns if c}
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=1, cutoff=0.75)
    return f" (is {by_lower[close[0]]!r} meant to be {name!r}?)" if close else ""


def given(value: Any) -> bool:
    """Whether a cell holds a value: an empty or blank CSV cell and a JSON null both mean "not given"."""
    return value is not None and not (isinstance(value, str) and not value.strip())
