"""Document paths: how a place inside a YAML document is written in messages, e.g. `steps[1].wait`."""

from __future__ import annotations

from collections.abc import Iterable

PathPart = str | int
DocPath = tuple[PathPart, ...]


def format_path(path: Iterable[PathPart]) -> str:
    """`("steps", 1, "wait")` -> `steps[1].wait`; the empty path is the document itself."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text
