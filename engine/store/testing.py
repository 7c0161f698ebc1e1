"""A throwaway PostgreSQL schema, for the test suite and the benchmarks (as engine/delivery/testing.py holds
their SMTP sink): each gets an empty store of its own on a shared server, and never fills, nor reads, what
that database already holds."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote

from sqlalchemy import create_engine, text


@contextmanager
def scratch_schema(base_url: str, prefix: str) -> Iterator[str]:
    """A fresh schema `<prefix>_<random>` of the database at `base_url`, as a URL whose search_path is that
    schema; the schema and everything in it are dropped afterwards."""
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{base_url}{'&' if '?' in base_url else '?'}options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
