"""Reading an import file row by row, with each row's line number, without ever holding the whole file.

CSV (RFC 4180, header row first) and JSON Lines (one object per line) are read from a path or from stdin (`-`),
optionally gzip-compressed (`.gz`). A UTF-8 byte-order mark is skipped. Bytes consumed are counted so a progress
bar can show how far through the file the import is.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from engine.errors import InvalidInput
from engine.importer.formats import STDIN, FileFormat, detect_format  # noqa: F401 - still importable from here
from engine.importer.values import INVALID_ROW, RowError


class UnreadableFile(InvalidInput):
    """The file as a whole cannot be read (not found, not UTF-8, no CSV header...)."""

    def __init__(self, message: str, line: int = 0) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class Row:
    """One record: its first line in the file and its values by column (CSV cells are strings, "" if empty).
    `error` is set instead when the record itself is malformed (wrong field count, not a JSON object)."""

    line: int
    values: dict[str, Any]
    error: RowError | None = None


class _CountingReader(io.RawIOBase):
    """Counts the bytes read from the underlying binary stream (before decompression), for progress."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.raw.read(len(buffer))
        buffer[: len(data)] = data
        self.count += len(data)
        return len(data)


class Source:
    """An open import file. `columns` is the CSV header (None for JSON Lines, whose rows name their keys)."""

    def __init__(self, path: str, file_format: FileFormat) -> None:
        self.format = file_format
        self.columns: tuple[str, ...] | None = None
        if path == STDIN:
            raw: IO[bytes] = sys.stdin.buffer
            self.total_bytes: int | None = None
        else:
            try:
                raw = open(path, "rb")  # noqa: SIM115 - closed by close()
            except OSError as exc:
                raise UnreadableFile(f"cannot open {path}: {exc.strerror}") from None
            self.total_bytes = Path(path).stat().st_size
        self._raw = raw
        self._counter = _CountingReader(raw)
        binary: IO[bytes] = io.BufferedReader(self._counter, buffer_size=1 << 16)
        if path.lower().endswith(".gz"):
            binary = gzip.GzipFile(fileobj=binary)  # type: ignore[assignment]
        # Undecodable bytes become lone surrogates instead of failing a whole chunk, so the row they are in can
        # be reported with its line number and the rest of the file still read.
        self._text = io.TextIOWrapper(binary, encoding="utf-8-sig", errors="surrogateescape", newline="")
        if file_format is FileFormat.csv:
            self._reader = csv.reader(self._text)
            try:
                header = self._next_record()
            except _GZIP_ERRORS as exc:
                raise _not_gzip(exc) from None
            if header is None:
                raise UnreadableFile("the file is empty; a CSV import starts with a header row naming its columns")
            if _not_utf8("".join(header)):
                raise UnreadableFile("the header row is not UTF-8 text", 1)
            self.columns = tuple(name.strip() for name in header)

    @property
    def bytes_read(self) -> int:
        return self._counter.count

    def close(self) -> None:
        if self._raw is not sys.stdin.buffer:
            self._raw.close()

    def rows(self) -> Iterator[Row]:
        try:
            yield from self._csv_rows() if self.format is FileFormat.csv else self._jsonl_rows()
        except _GZIP_ERRORS as exc:
            raise _not_gzip(exc) from None

    def _next_record(self) -> list[str] | None:
        return next(self._reader, None)

    def _csv_rows(self) -> Iterator[Row]:
        assert self.columns is not None
        width = len(self.columns)
        while True:
            line = self._reader.line_num + 1  # a quoted field may span lines: report where the record starts
            try:
                record = self._next_record()
            except csv.Error as exc:
                yield Row(line, {}, RowError(INVALID_ROW, f"malformed CSV: {exc}"))
                continue
            if record is None:
                return
            if not record:  # a blank line
                continue
            problem = _unstorable("".join(record))
            if problem:
                yield Row(line, {}, RowError(INVALID_ROW, problem))
                continue
            if len(record) != width:
                message = f"the row has {len(record)} fields but the header has {width}"
                yield Row(line, {}, RowError(INVALID_ROW, message))
                continue
            yield Row(line, dict(zip(self.columns, record)))

    def _jsonl_rows(self) -> Iterator[Row]:
        line = 0
        while True:
            text = self._text.readline(MAX_ROW_CHARS + 1)
            if not text:
                return
            line += 1
            if len(text) > MAX_ROW_CHARS:  # skip the rest of the row without holding it in memory
                while text and not text.endswith("\n"):
                    text = self._text.readline(MAX_ROW_CHARS)
                yield Row(line, {}, RowError(INVALID_ROW, f"the row is longer than {MAX_ROW_CHARS:,} characters"))
                continue
            if text.strip():
                yield jsonl_row(line, text)


def jsonl_row(line: int, text: str) -> Row:
    """One JSON Lines record (also each object the web API receives, engine/web/events_api.py), checked."""
    problem = _unstorable(text) or (_NUL if "\\u0000" in text else None)  # JSON's spelling of NUL
    if problem:
        return Row(line, {}, RowError(INVALID_ROW, problem))
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except (json.JSONDecodeError, ValueError) as exc:
        return Row(line, {}, RowError(INVALID_ROW, f"not valid JSON: {exc}"))
    except RecursionError:
        return Row(line, {}, RowError(INVALID_ROW, f"the row nests more than {MAX_NESTING} levels deep"))
    if not isinstance(value, dict):
        return Row(line, {}, RowError(INVALID_ROW, "a JSON Lines row must be a JSON object"))
    problem = _shape_problem(value)
    if problem:
        return Row(line, {}, RowError(INVALID_ROW, problem))
    return Row(line, value)


MAX_ROW_CHARS = 1_000_000
"""A JSON Lines row longer than this is refused (that row only): one 200 MB attribute would otherwise be read
into memory by every later run that selects its customer."""
MAX_NESTING = 32
"""Deeper JSON (objects and lists inside each other) is refused per row: no attribute or event property needs
it, and very deep values exhaust recursion in JSON encoders and database JSON functions."""
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _shape_problem(value: Any) -> str | None:
    """Why a parsed row cannot be stored: nesting beyond MAX_NESTING, or text with an unpaired surrogate escape
    such as "\\ud800" (valid JSON, but not Unicode: no database or email can hold it)."""
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if depth > MAX_NESTING:
            return f"the row nests more than {MAX_NESTING} levels deep"
        if isinstance(item, dict):
            for key, child in item.items():
                if _LONE_SURROGATE.search(key):
                    return "the row holds an unpaired surrogate escape (such as \\ud800), which is not Unicode text"
                pending.append((child, depth + 1))
        elif isinstance(item, list):
            pending.extend((child, depth + 1) for child in item)
        elif isinstance(item, str) and _LONE_SURROGATE.search(item):
            return "the row holds an unpaired surrogate escape (such as \\ud800), which is not Unicode text"
    return None


_GZIP_ERRORS = (EOFError, gzip.BadGzipFile, zlib.error)
_NOT_UTF8 = "the row is not UTF-8 text"
_NUL = "the row contains a NUL character"


def _not_gzip(error: Exception) -> UnreadableFile:
    return UnreadableFile(f"the file is not valid gzip: {error}")

_SURROGATE = re.compile("[\udc80-\udcff]")


def _not_utf8(text: str) -> bool:
    return not text.isascii() and _SURROGATE.search(text) is not None


def _unstorable(text: str) -> str | None:
    """Why a row's text cannot be stored: bytes that are not UTF-8, or a NUL character (PostgreSQL text and
    JSONB cannot hold one, so it would fail the whole import there instead of this one row)."""
    if _not_utf8(text):
        return _NOT_UTF8
    return _NUL if "\x00" in text else None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")
