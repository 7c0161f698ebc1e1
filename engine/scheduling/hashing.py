"""Deterministic buckets for holdout groups and variants: the same campaign and customer always land in the
same place, on every run, on every machine, in Python and in SQL alike.

The bucket is the first 32 bits of MD5("part:part:...") read as an unsigned integer, divided by 2**32, so it
is uniform in [0, 1). MD5 is used for spread, not security, and because PostgreSQL has it built in; SQLite
gets the same function registered on its connection (`register_sqlite_functions`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from sqlalchemy import Float, Text, cast, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from engine.rules.model import Variant

SQLITE_FUNCTION = "rekindle_unit_hash"
_SCALE = float(2**32)


def unit_hash(*parts: str) -> float:
    """A stable number in [0, 1) for the joined parts."""
    digest = hashlib.md5(":".join(parts).encode()).hexdigest()
    return int(digest[:8], 16) / _SCALE


def in_holdout(campaign_id: str, customer_key: str, share: float) -> bool:
    """True when the customer is in the campaign's control group (never mailed)."""
    return share > 0 and unit_hash(campaign_id, customer_key) < share


def choose_variant(variants: Sequence[Variant], campaign_id: str, step_id: str, customer_key: str) -> Variant | None:
    """The customer's variant of a step, by weight; stable as long as the variant list is unchanged."""
    if not variants:
        return None
    point = unit_hash(campaign_id, step_id, customer_key) * sum(v.weight for v in variants)
    for variant in variants:
        point -= variant.weight
        if point < 0:
            return variant
    return variants[-1]


class _UnitHash(FunctionElement):
    """SQL form of `unit_hash(a, b)`: compiled per dialect below."""

    type = Float()
    inherit_cache = True
    name = "unit_hash"


@compiles(_UnitHash, "postgresql")
def _unit_hash_pg(element, compiler, **kw) -> str:
    a, b = list(element.clauses)
    joined = compiler.process(a, **kw) + " || ':' || " + compiler.process(b, **kw)
    # 'x' || 8 hex digits -> bit(32) -> bigint reads them as an unsigned 32-bit number.
    return f"(('x' || substr(md5({joined}), 1, 8))::bit(32)::bigint / {_SCALE})"


@compiles(_UnitHash, "sqlite")
def _unit_hash_sqlite(element, compiler, **kw) -> str:
    return f"{SQLITE_FUNCTION}({compiler.process(element.clauses, **kw)})"


def unit_hash_sql(a: ColumnElement | str, b: ColumnElement | str) -> ColumnElement[float]:
    """`unit_hash(a, b)` as a SQL expression (for set-based holdout assignment at enrolment)."""
    a = literal(a) if isinstance(a, str) else a
    b = literal(b) if isinstance(b, str) else b
    return _UnitHash(cast(a, Text()), cast(b, Text()))


def register_sqlite_functions(dbapi_connection) -> None:
    """Make `rekindle_unit_hash` available on a sqlite3 connection (idempotent)."""
    dbapi_connection.create_function(SQLITE_FUNCTION, 2, lambda a, b: unit_hash(str(a), str(b)), deterministic=True)


__all__ = ["choose_variant", "in_holdout", "register_sqlite_functions", "unit_hash", "unit_hash_sql"]
