"""Small text helpers shared by rendering and message building: one-line cleaning against header injection."""

from __future__ import annotations

import re

# Every character that could end or fold a header line or hide in one: C0/C1 controls (CR, LF, TAB, NUL...),
# DEL, and the Unicode line/paragraph separators that some clients treat as newlines.
_BREAKING = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_SPACES = re.compile(r"\s{2,}")


def clean_line(value: str) -> str:
    """`value` on a single line: control characters and line breaks become spaces, runs of spaces collapse."""
    return _SPACES.sub(" ", _BREAKING.sub(" ", value)).strip()


def has_line_break(value: str) -> bool:
    """True when `value` holds a character that could start a new header line."""
    return _BREAKING.search(value) is not None
