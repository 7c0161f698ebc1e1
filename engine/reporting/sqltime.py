"""Portable SQL for the time arithmetic reports need: seconds between two columns, day and month keys.

SQLite stores naive UTC datetimes as ISO text and PostgreSQL as `timestamp`; each expression has one spelling
per dialect (`engine.conditions.sql.Portable`), so every aggregate runs unchanged on both.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Float, Integer, String, cast, func

from engine.conditions.sql import Portable


def seconds_between(later: ColumnElement[Any], earlier: ColumnElement[Any]) -> ColumnElement[float]:
    """later - earlier in seconds (a float)."""
    return Portable(
        Float(),
        sqlite=(func.julianday(later) - func.julianday(earlier)) * 86400.0,
        postgresql=func.extract("epoch", later - earlier),
    )


def day_key(column: ColumnElement[Any]) -> ColumnElement[str]:
    """'YYYY-MM-DD' of a naive UTC datetime."""
    return Portable(String(), sqlite=func.substr(column, 1, 10), postgresql=func.to_char(column, "YYYY-MM-DD"))


def month_index(column: ColumnElement[Any]) -> ColumnElement[int]:
    """year * 12 + month - 1 of a naive UTC datetime: consecutive months are consecutive integers."""
    return Portable(
        Integer(),
        sqlite=cast(func.substr(column, 1, 4), Integer) * 12 + cast(func.substr(column, 6, 2), Integer) - 1,
        postgresql=cast(func.extract("year", column), Integer) * 12
        + cast(func.extract("month", column), Integer) - 1,
    )


def month_label(index: int) -> str:
    """'YYYY-MM' of a month_index."""
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def integer_halves(count: ColumnElement[int]) -> tuple[ColumnElement[int], ColumnElement[int]]:
    """The two middle ranks (1-based) of `count` ordered values, (n + 1) / 2 and (n + 2) / 2 in integer
    arithmetic on both dialects: the median is the mean of the values at those ranks."""
    return (count + 1) // 2, (count + 2) // 2
