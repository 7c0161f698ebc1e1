"""Checked YAML loading: safe tags only, duplicate keys refused, and the line/column of every key and value kept.

Every YAML file Rekindle reads (rules, segments, rekindle.yaml) goes through `load_yaml`, which never raises
for bad input: it returns the document (or None) and a list of Diagnostics. Modelled on dbt's
`clients/checked_load.py` and `yaml_helper.py`.

Scalars resolve like YAML 1.2's core schema rather than PyYAML's YAML 1.1 defaults, because the 1.1 rules
surprise marketers: `NO` (Norway) and `off` are not booleans, `18:00` is not the integer 1080, `0755` is not
octal, and `2026-01-01` stays a string (the schema decides what a date field accepts).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from engine.diagnostics import Diagnostic, Location
from engine.diagnostics.docpath import DocPath, format_path

MAX_DEPTH = 40
"""Deeper documents are refused: no rule needs them and they exhaust recursion in later stages."""
MAX_NODES = 50_000
"""More values than this (counting each use of a YAML alias as a copy, as every later stage sees it) are
refused: a "billion laughs" alias bomb stops here, counted in milliseconds, instead of exhausting memory."""
_UNREPRESENTABLE = re.compile("[\x00\ud800-\udfff]")
"""NUL and unpaired surrogates: YAML escapes can write them, but no database, JSON path or email can carry them."""

_TAG = "tag:yaml.org,2002:"
_IMPLICIT_TAGS = {_TAG + kind for kind in ("bool", "int", "float", "timestamp")}
ALLOWED_TAGS = {_TAG + kind for kind in ("str", "int", "float", "bool", "null", "map", "seq", "merge")}


class CheckedLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 core-schema scalars (see the module docstring)."""


LIBYAML = hasattr(yaml, "CSafeLoader")


class FastCheckedLoader(yaml.CSafeLoader if LIBYAML else yaml.SafeLoader):  # type: ignore[misc]
    """The same on libyaml's parser (about ten times faster), used for files known to be shallow: its composer
    recurses on the C stack, and its error messages are vaguer, so any error is re-read by CheckedLoader."""


def _resolve_like_yaml_1_2(loader: type[yaml.SafeLoader]) -> None:
    loader.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag not in _IMPLICIT_TAGS]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    loader.add_implicit_resolver(_TAG + "bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
    loader.add_implicit_resolver(_TAG + "int", re.compile(r"^[-+]?(?:0|[1-9][0-9_]*)$"), list("-+0123456789"))
    loader.add_implicit_resolver(
        _TAG + "float",
        re.compile(r"^(?:[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+]?[0-9]+)?|[-+]?\.[0-9][0-9_]*(?:[eE][-+]?[0-9]+)?)$"),
        list("-+0123456789."),
    )


_resolve_like_yaml_1_2(CheckedLoader)
_resolve_like_yaml_1_2(FastCheckedLoader)


@dataclass
class YamlDocument:
    """A loaded document with the position of each key and value, addressed by document path."""

    file: str
    data: Any
    text: str
    value_marks: dict[DocPath, tuple[int, int]] = field(default_factory=dict)
    key_marks: dict[DocPath, tuple[int, int]] = field(default_factory=dict)

    def location(self, path: DocPath, *, key: bool = False) -> Location:
        """Where `path` is written; the key itself when `key`, else its value. Falls back to the nearest parent
        (values built by YAML merges have no place of their own)."""
        marks = self.key_marks if key and path in self.key_marks else self.value_marks
        probe = tuple(path)
        while probe and probe not in marks:
            probe = probe[:-1]
            marks = self.value_marks
        line, column = marks.get(probe, (1, 1))
        return Location(self.file, line, column)


def load_yaml_file(path: Path, display: str) -> tuple[YamlDocument | None, list[Diagnostic]]:
    """Read and load `path`; `display` is how the file is named in diagnostics."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, [Diagnostic("R109", f"cannot read file: {exc.strerror or exc}", Location(display))]
    if b"\x00" in raw:
        return None, [Diagnostic("R109", "not a text file (it contains binary data)", Location(display))]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return None, [Diagnostic("R109", f"not UTF-8 text (bad byte at offset {exc.start})", Location(display))]
    return load_yaml_text(text, display)


def load_yaml_text(text: str, display: str) -> tuple[YamlDocument | None, list[Diagnostic]]:
    """Load one YAML document whose top level must be a mapping."""
    if LIBYAML and _shallow(text):
        try:
            return _load(FastCheckedLoader, text, display)
        except (yaml.YAMLError, ValueError, TypeError):
            pass  # reported below, with the pure-Python parser's clearer message
    try:
        return _load(CheckedLoader, text, display)
    except yaml.MarkedYAMLError as exc:
        return None, [_syntax_error(exc, text, display)]
    except yaml.reader.ReaderError as exc:
        return None, [_unprintable(exc, text, display)]
    except RecursionError:
        return None, [Diagnostic("R111", f"nested more than {MAX_DEPTH} levels deep", Location(display))]
    except (ValueError, TypeError) as exc:  # an explicit tag with a value it cannot hold, e.g. `!!int abc`
        return None, [Diagnostic("R101", f"cannot read a value: {exc}", Location(display))]


def _shallow(text: str) -> bool:
    """Whether the document nests at most MAX_DEPTH levels, read as a flat stream of parser events."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=FastCheckedLoader):
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    return False
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
    except yaml.YAMLError:
        return False
    return True


def _load(loader_class: type[yaml.SafeLoader], text: str, display: str) -> tuple[YamlDocument | None, list[Diagnostic]]:
    """Compose, check and construct; YAML errors propagate to the caller."""
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, [Diagnostic("R109", "the file is empty; expected a mapping of keys", Location(display))]
        if not isinstance(node, MappingNode):
            line, column = _mark(node)
            kind = "a list" if isinstance(node, SequenceNode) else "a single value"
            return None, [
                Diagnostic("R109", f"expected a mapping of keys at the top of the file, got {kind}",
                           Location(display, line, column))
            ]
        too_big = _oversized(node)
        if too_big is not None:
            return None, [Diagnostic("R112", f"the document expands to more than {MAX_NODES:,} values (each use of "
                                     "a YAML alias counts as a copy)", Location(display, *_mark(too_big)),
                                     hint="write the values out, or use fewer nested aliases")]
        document = YamlDocument(display, None, text)
        problems: list[Diagnostic] = []
        if _walk(node, (), 0, document, problems):
            return None, problems
        document.data = loader.construct_document(node)
        return document, problems
    finally:
        loader.dispose()


def _mark(node: Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _oversized(root: Node) -> Node | None:
    """The first top-level value (or the root) that expands to more than MAX_NODES values, else None. Sizes are
    memoised per node, so aliases cost nothing to count however often they are used."""
    sizes: dict[int, int] = {}

    def size(node: Node, depth: int) -> int:
        known = sizes.get(id(node))
        if known is not None:
            return known
        total = 1
        if depth <= MAX_DEPTH + 1 and isinstance(node, (SequenceNode, MappingNode)):
            children = node.value if isinstance(node, SequenceNode) else [n for pair in node.value for n in pair]
            for child in children:
                total += size(child, depth + 1)
                if total > MAX_NODES:
                    break
        sizes[id(node)] = total
        return total

    if size(root, 0) <= MAX_NODES:
        return None
    return next((value for _, value in root.value if size(value, 1) > MAX_NODES), root)


def _walk(node: Node, path: DocPath, depth: int, doc: YamlDocument, problems: list[Diagnostic]) -> bool:
    """Record positions and report unsafe tags, non-text keys, duplicate keys and text no store can hold.
    True when loading must stop."""
    doc.value_marks.setdefault(path, _mark(node))
    where = Location(doc.file, *_mark(node))
    if isinstance(node, ScalarNode) and _UNREPRESENTABLE.search(node.value):
        problems.append(Diagnostic("R113", "the text holds a NUL character or an unpaired surrogate escape "
                                   "(\\0, \\ud800 ...), which cannot be stored or sent", where, format_path(path)))
        return True
    if depth > MAX_DEPTH:
        problems.append(Diagnostic("R111", f"nested more than {MAX_DEPTH} levels deep", where, format_path(path)))
        return True
    if node.tag not in ALLOWED_TAGS:
        problems.append(
            Diagnostic("R107", f"the tag {node.tag.replace(_TAG, '!!')} is not allowed; rule files hold plain "
                       "values only (text, numbers, true/false, lists and mappings)", where, format_path(path))
        )
        return True
    fatal = False
    if isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            fatal |= _walk(item, (*path, index), depth + 1, doc, problems)
    elif isinstance(node, MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _TAG + "merge":
                fatal |= _walk(value_node, path, depth + 1, doc, problems)
                continue
            if isinstance(key_node, ScalarNode) and _UNREPRESENTABLE.search(key_node.value):
                fatal |= _walk(key_node, path, depth + 1, doc, problems)
                continue
            if not isinstance(key_node, ScalarNode) or key_node.tag != _TAG + "str":
                line, column = _mark(key_node)
                problems.append(
                    Diagnostic("R103", "a key must be plain text (quote it if it looks like a number or true/false)",
                               Location(doc.file, line, column), format_path(path))
                )
                fatal = True
                continue
            key = key_node.value
            line, column = _mark(key_node)
            if key in seen:
                problems.append(
                    Diagnostic("R106", f'duplicate key "{key}" (first defined on line {seen[key]})',
                               Location(doc.file, line, column), format_path((*path, key)),
                               hint="YAML keeps only the last value; remove one of them")
                )
            else:
                seen[key] = line
            doc.key_marks[(*path, key)] = (line, column)
            doc.value_marks[(*path, key)] = _mark(value_node)
            fatal |= _walk(value_node, (*path, key), depth + 1, doc, problems)
    return fatal


def _syntax_error(exc: yaml.MarkedYAMLError, text: str, display: str) -> Diagnostic:
    mark = exc.problem_mark or exc.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
    problem = exc.problem or "invalid YAML"
    if "'\\t'" in problem:
        message = "tab character: YAML is indented with spaces, never tabs"
    elif problem.startswith("but ") and exc.context:  # the composer's "expected a single document ... but found"
        message = f"YAML syntax error: {exc.context} {problem}"
    else:
        message = f"YAML syntax error: {problem}"
        if exc.context and exc.context_mark and exc.context_mark is not mark:
            message += f" ({exc.context} on line {exc.context_mark.line + 1})"
    return Diagnostic("R101", message, Location(display, line, column),
                      extra={"excerpt": excerpt(text, line, column)})


def _unprintable(exc: yaml.reader.ReaderError, text: str, display: str) -> Diagnostic:
    before = text[: exc.position]
    line, column = before.count("\n") + 1, exc.position - (before.rfind("\n") + 1) + 1
    return Diagnostic("R101", f"control character U+{exc.character:04X} is not allowed in YAML; delete it",
                      Location(display, line, column), extra={"excerpt": excerpt(text, line, column)})


def excerpt(text: str, line: int, column: int, before: int = 2) -> str:
    """The lines up to `line`, numbered, with a caret under `column` (as dbt's prefix_with_line_numbers)."""
    lines = text.splitlines()
    if not 1 <= line <= len(lines):
        return ""
    first = max(1, line - before)
    width = len(str(line))
    shown = [f"{number:>{width}} | {lines[number - 1]}".rstrip() for number in range(first, line + 1)]
    shown.append(f"{' ' * width} | {' ' * max(column - 1, 0)}^")
    return "\n".join(shown)
