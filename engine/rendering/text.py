"""Small text helpers shared by rendering and message building: one-line cleaning against header injection."""

from __future__ import annotations

import re

# Every character that could end or fold a header line or hide in one: C0/C1 controls (CR, LF, TAB, NUL...),
# DEL, and the Unicode line/paragraph separators that some clients treat as newlines.
_BREAKING = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_SPACES = re.compile(r"\s{2,}")
# Lone UTF-16 surrogates (a JSON attribute can carry "\ud800") cannot be encoded as UTF-8 at all.
_SURROGATES = re.compile("[\ud800-\udfff]")


def clean_line(value: str) -> str:
    """`value` on a single line: control characters and line breaks become spaces, runs of spaces collapse,
    unencodable surrogates become U+FFFD."""
    return clean_inner(value).strip()


def clean_inner(value: str) -> str:
    """`clean_line` without the final strip: for a piece of a line between words that have no spaces, controls
    or surrogates at all, so that cleaning the pieces and stripping their join is cleaning the join.
    Most values (a name, a subject) need nothing: `str.isprintable` is false for every control, separator
    and surrogate and for every whitespace character but the ASCII space, so printable text without two
    spaces in a row is already clean (three regular-expression passes saved per call; equality tested in
    tests/rendering/test_header_properties.py)."""
    if value.isprintable() and "  " not in value:
        return value
    return _SPACES.sub(" ", _BREAKING.sub(" ", _SURROGATES.sub("\ufffd", value)))


def to_utf8(value: str) -> bytes:
    """UTF-8 bytes; a lone surrogate becomes U+FFFD instead of failing the whole email."""
    try:
        return value.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATES.sub("\ufffd", value).encode("utf-8")


def has_line_break(value: str) -> bool:
    """True when `value` holds a character that could start a new header line (none of them is printable,
    so printable text, most URLs and addresses, skips the scan)."""
    return not value.isprintable() and _BREAKING.search(value) is not None
