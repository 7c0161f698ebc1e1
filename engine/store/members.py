"""`column IN (values)` with the whole list bound as ONE parameter, so the SQL text is the same for every list.

An expanding `IN (?, ?, ...)` renders a different statement for every list length: each one is prepared and
cached anew (sqlite3 keeps 128 prepared statements per connection, psycopg prepares repeated ones), which made
a long import's memory grow, and SQLite refuses more than 32,766 parameters. A single JSON (SQLite) or
array (PostgreSQL) parameter has neither problem and still drives the column's index.
"""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, ColumnElement, String, any_, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY


def member_of(target: ColumnElement, parameter: str, dialect: str) -> ColumnElement[bool]:
    """`target IN (:parameter)` where the parameter is a Python list of strings or integers."""
    if dialect == "postgresql":
        element_type = String() if isinstance(target.type, String) else BigInteger()
        return target == any_(bindparam(parameter, type_=ARRAY(element_type)))
    values = func.json_each(bindparam(parameter, type_=JSON)).table_valued("value")
    return target.in_(select(values.c.value))
