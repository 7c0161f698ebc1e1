"""Checking a document against its JSON Schema, skipped for a document this project found valid last time.

Validating every rule, segment, config and catalog file is a good share of each command's start-up, and
importing jsonschema another. Inside `remembering_valid_documents(root)` (what `check_project` does), a
document whose data, schema files and code are exactly those of a document found valid in the previous run is
valid without being checked again; the keys live in the project's `.rekindle-cache/` (engine/documents/cache.py,
`REKINDLE_CACHE=off` disables it). Only validity is remembered: a document with problems is always checked, so
its diagnostics are always fresh.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.documents.cache import Fingerprint, ResultCache, project_cache
from engine.documents.schemas import RULE_CODES, SCHEMA_DIR, SCHEMA_FILES

if TYPE_CHECKING:
    from engine.diagnostics import Diagnostic
    from engine.diagnostics.docpath import DocPath
    from engine.documents.yaml_loader import YamlDocument


ENTRY = "valid-documents"
KEPT = 2000
"""At most this many documents are remembered (a 64-character key each)."""


class _ValidDocuments:
    """The keys of the documents found valid: those of the last run (read once) and those of this one."""

    def __init__(self, cache: ResultCache) -> None:
        self.cache = cache
        schemas = Fingerprint(ENTRY).add_code("jsonschema", "referencing")
        for name in sorted(SCHEMA_FILES):
            schemas.add_file(SCHEMA_DIR / SCHEMA_FILES[name])
        self.schemas = schemas.hexdigest()
        stored = cache.get(ENTRY, self.schemas)
        self.before = frozenset(stored) if isinstance(stored, list) else frozenset()
        self.now: set[str] = set()

    def key(self, schema: str, data: Any) -> str:
        return Fingerprint(ENTRY).add(self.schemas, schema, data).hexdigest()

    def save(self) -> None:
        """Keep the keys of before and now (commands check different files: `validate PATH`, the config alone),
        only now's once there are more than KEPT, so edits cannot grow the entry without bound."""
        kept = self.before | self.now
        if len(kept) > KEPT:
            kept = frozenset(self.now)
        if kept != self.before:
            self.cache.put(ENTRY, self.schemas, sorted(kept))


_valid: ContextVar[_ValidDocuments | None] = ContextVar("valid_documents", default=None)


@contextmanager
def remembering_valid_documents(root: Path) -> Iterator[None]:
    """Within: documents are checked against what the project at `root` found valid before; at the end the
    documents found valid now are stored for next time."""
    cache = project_cache(root)
    if cache is None:
        yield
        return
    valid = _ValidDocuments(cache)
    token = _valid.set(valid)
    try:
        yield
    finally:
        _valid.reset(token)
        valid.save()


def schema_problems(document: YamlDocument, schema: str, codes: dict[str, str] = RULE_CODES,
                    hidden: frozenset[DocPath] = frozenset()) -> list[Diagnostic]:
    """Every problem of `document` against the schema `schema` (rule, segment, config, catalog), worded by
    engine/documents/schema_errors.py; none, without checking, for a document remembered as valid."""
    valid = _valid.get()
    key = valid.key(schema, document.data) if valid is not None else ""
    if valid is not None and key in valid.before:
        valid.now.add(key)
        return []
    from engine.documents.schema_errors import schema_diagnostics
    from engine.documents.schemas import validator

    problems = schema_diagnostics(document, validator(schema), codes, hidden)
    if valid is not None and not problems:
        valid.now.add(key)
    return problems
