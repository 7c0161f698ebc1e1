"""Schema versions of the store: create it at the latest revision, upgrade it, and tell whether it is current.

Alembic runs the migrations in `engine/store/migrations/`; its config is built here in code (no alembic.ini), and
it always runs on a connection from `engine.store.database.open_engine`, so SQLite pragmas and PostgreSQL
connection options apply to migrations too.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, MetaData, inspect, text

from engine.errors import PermanentFailure
from engine.store.tables import metadata, with_postgresql_options

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"

#: The latest revision in engine/store/migrations/versions, written out so that checking a store is current
#: (every command that reads customers does) needs no Alembic, which takes longer to import than the check
#: takes to run. tests/store/test_migrations.py holds it equal to Alembic's own head: adding a migration
#: means updating it. A store at any other revision gets the full check through Alembic (`store_state`).
HEAD = "0021_customers_created_at"
VERSION_TABLE = "alembic_version"
"""Where Alembic records the revision a store is at (its default; env.py does not change it)."""


class StoreStatus(str, Enum):
    empty = "empty"  # no Rekindle table and no revision stamp
    current = "current"  # stamped at the latest revision
    behind = "behind"  # stamped at an older revision: `rekindle db upgrade`
    unknown = "unknown"  # stamped at a revision this version of Rekindle does not know (a newer Rekindle?)
    unmanaged = "unmanaged"  # has Rekindle tables but no revision stamp (created outside the migrations)


@dataclass(frozen=True)
class StoreState:
    status: StoreStatus
    revision: str | None
    head: str

    def problem(self) -> str | None:
        """Why commands that read or write customers cannot run on this store, or None when they can."""
        match self.status:
            case StoreStatus.empty:
                return "the store has no tables yet; create them with `rekindle db init`"
            case StoreStatus.behind:
                return (
                    f"the store is at schema revision {self.revision} but this Rekindle needs {self.head}; "
                    "run `rekindle db upgrade`"
                )
            case StoreStatus.unknown:
                return (
                    f"the store is at schema revision {self.revision}, which this Rekindle does not know "
                    f"(its latest is {self.head}); upgrade Rekindle"
                )
            case StoreStatus.unmanaged:
                return (
                    "the store has Rekindle tables but no schema revision; `rekindle db init` records the "
                    "revision when the tables match it"
                )
        return None


class StoreNotReady(PermanentFailure):
    """The store's schema is missing or not at the revision this code expects."""


def alembic_config(connection: Connection) -> Config:
    """An Alembic config that runs the packaged migrations on `connection`."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert head is not None, "engine/store/migrations/versions has no revision"
    return head


def store_state(engine: Engine) -> StoreState:
    """Inspect the store: which revision it is stamped at, and whether it holds Rekindle tables."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    head = head_revision()
    with engine.connect() as connection:
        revision = MigrationContext.configure(connection).get_current_revision()
        if revision is None:
            tables = set(inspect(connection).get_table_names())
            status = StoreStatus.unmanaged if tables & set(metadata.tables) else StoreStatus.empty
        elif revision == head:
            status = StoreStatus.current
        else:
            known = {script.revision for script in ScriptDirectory(str(MIGRATIONS)).walk_revisions()}
            status = StoreStatus.behind if revision in known else StoreStatus.unknown
    return StoreState(status, revision, head)


def require_current(engine: Engine) -> None:
    """Raise StoreNotReady with the fix to apply unless the store is at the latest revision."""
    if _stamped(engine) == [HEAD]:
        return  # the common case, answered without Alembic
    problem = store_state(engine).problem()
    if problem is not None:
        raise StoreNotReady(problem)


def _stamped(engine: Engine) -> list[str]:
    """The revisions in Alembic's version table (none when there is no such table), read with one SELECT."""
    with engine.connect() as connection:
        if not inspect(connection).has_table(VERSION_TABLE):
            return []
        return [row[0] for row in connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}"))]


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Run the migrations up to `revision` in one transaction (PostgreSQL rolls back a failed upgrade whole)."""
    from alembic import command

    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)


def stamp(engine: Engine, revision: str = "head") -> None:
    """Record `revision` without running migrations (for a store whose tables already match it)."""
    from alembic import command

    with engine.begin() as connection:
        command.stamp(alembic_config(connection), revision)


def schema_differences(engine: Engine) -> list:
    """What Alembic's autogenerate would change to make the store match the models (empty when they agree)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        dialect = connection.dialect.name

        def on_this_dialect(item: Any, name: Any, type_: str, reflected: bool, compare_to: Any) -> bool:
            """Leave out what the metadata creates only on another dialect (`Index(...).ddl_if(dialect=...)`)."""
            condition = getattr(item, "_ddl_if", None)
            return reflected or condition is None or condition.dialect in (None, dialect)

        context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                               "include_object": on_this_dialect})
        return compare_metadata(context, target_metadata(connection))


def target_metadata(connection: Connection) -> MetaData:
    """The tables as Alembic compares them with the store of `connection` (engine/store/tables.py)."""
    return with_postgresql_options() if connection.dialect.name == "postgresql" else metadata
