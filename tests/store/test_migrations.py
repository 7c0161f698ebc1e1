"""The Alembic migrations build exactly the models' schema, and upgrading keeps the data."""

from __future__ import annotations

from datetime import datetime

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, select, text

from engine.store import migrate
from engine.store.database import open_engine
from engine.store.models import Base, Customer


def test_the_migrations_build_exactly_the_models_schema(store_engine: Engine) -> None:
    # store_engine was built by the migrations; autogenerate would change nothing to match the models.
    assert migrate.schema_differences(store_engine) == []
    assert migrate.store_state(store_engine).status is migrate.StoreStatus.current


def test_a_model_change_without_a_migration_is_detected(store_engine: Engine) -> None:
    from sqlalchemy import Column, MetaData, String, Table

    with store_engine.begin() as connection:
        Table("customers_extra", MetaData(), Column("x", String(3))).create(connection)
    (difference,) = migrate.schema_differences(store_engine)
    assert difference[0] == "remove_table" and difference[1].name == "customers_extra"


def test_upgrading_revision_by_revision_keeps_the_data(store_url: str) -> None:
    engine = open_engine(store_url)
    revisions = [script.revision for script in ScriptDirectory(str(migrate.MIGRATIONS)).walk_revisions()][::-1]
    migrate.upgrade(engine, revisions[0])
    with engine.begin() as connection:  # plain SQL: the columns of the oldest revision, not today's models
        connection.exec_driver_sql(
            "INSERT INTO customers (external_id, email, created_at, subscribed, attributes) "
            "VALUES ('c1', 'a@example.com', '2026-01-01 00:00:00', false, '{\"plan\": \"pro\"}')"
        )
    for revision in revisions[1:]:
        migrate.upgrade(engine, revision)
    migrate.upgrade(engine)
    with engine.connect() as connection:
        stored = connection.execute(
            select(Customer.external_id, Customer.created_at, Customer.subscribed, Customer.attributes)
        ).all()
    assert [tuple(row) for row in stored] == [("c1", datetime(2026, 1, 1), False, {"plan": "pro"})]
    assert migrate.store_state(engine).status is migrate.StoreStatus.current
    engine.dispose()


def test_store_states(store_url: str) -> None:
    engine = open_engine(store_url)
    assert migrate.store_state(engine).problem() == "the store has no tables yet; create them with `rekindle db init`"
    Base.metadata.create_all(engine)
    assert migrate.store_state(engine).status is migrate.StoreStatus.unmanaged
    migrate.stamp(engine)
    assert migrate.store_state(engine).status is migrate.StoreStatus.current
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    assert migrate.store_state(engine).problem() == (
        "the store is at schema revision 9999, which this Rekindle does not know (its latest is "
        f"{migrate.head_revision()}); upgrade Rekindle"
    )
    engine.dispose()


def test_the_written_out_head_is_alembics_head() -> None:
    # require_current answers "current" from migrate.HEAD without Alembic: a new migration must update it.
    assert migrate.HEAD == migrate.head_revision(), "update engine.store.migrate.HEAD to the new latest revision"


def test_require_current_accepts_only_the_head(store_url: str) -> None:
    engine = open_engine(store_url)
    with pytest.raises(migrate.StoreNotReady, match="no tables yet"):
        migrate.require_current(engine)  # no version table at all
    migrate.upgrade(engine)
    migrate.require_current(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '0002'")
    with pytest.raises(migrate.StoreNotReady, match=f"at schema revision 0002 but this Rekindle needs {migrate.HEAD}"):
        migrate.require_current(engine)
    engine.dispose()


@pytest.mark.postgres
def test_postgresql_compresses_the_stored_messages_with_lz4(postgres_url: str) -> None:
    engine = open_engine(postgres_url)
    migrate.upgrade(engine)
    with engine.connect() as connection:
        compression = connection.exec_driver_sql(
            "SELECT attcompression FROM pg_attribute WHERE attrelid = 'deliveries'::regclass AND attname = 'message'"
        ).scalar_one()
    engine.dispose()
    assert compression == "l"  # lz4 (the server here is built with it; '' would be the default, pglz)


def test_tables_created_from_the_metadata_keep_the_partial_indexes_partial(store_url: str) -> None:
    # tables.py gives PostgreSQL its predicates only when PostgreSQL creates the tables (no PostgreSQL dialect
    # for SQLite commands): create_all must still make both indexes partial there, as the migrations do.
    engine = open_engine(store_url)
    Base.metadata.create_all(engine)
    names = ("uq_enrollments_active", "uq_campaign_pauses_active")
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            query = text("SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND indexname IN "
                         "(:one, :two)")
        else:
            query = text("SELECT sql FROM sqlite_master WHERE name IN (:one, :two)")
        definitions = connection.execute(query, {"one": names[0], "two": names[1]}).scalars().all()
    engine.dispose()
    assert len(definitions) == 2 and all(" WHERE " in definition for definition in definitions)


def test_deliveries_leave_half_of_each_page_free_on_postgresql(postgres_url: str) -> None:
    # Migration 0019: room on the page for the render claim's new row version (a HOT update, no index touched).
    engine = open_engine(postgres_url)
    migrate.upgrade(engine)
    query = text("SELECT reloptions FROM pg_class WHERE oid = 'deliveries'::regclass")
    with engine.connect() as connection:
        assert connection.execute(query).scalar_one() == ["fillfactor=50"]
    engine.dispose()
