"""engine/store/bulk.py writes what an executemany would have written, in one statement on PostgreSQL."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, select

from engine.store.bulk import insert_rows, update_rows
from engine.store.database import open_engine
from engine.store.migrate import upgrade
from engine.store.tables import runs

NOW = datetime(2026, 12, 2, 6, 0)


def _run(id_: int, status: str, summary: object) -> dict[str, object]:
    return {"id": id_, "started_at": NOW, "now": NOW, "status": status, "rules_commit": None, "summary": summary,
            "kind": "tick"}


def _stored(engine: Engine) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(
            select(runs.c.id, runs.c.status, runs.c.rules_commit, runs.c.summary).order_by(runs.c.id))]


def test_rows_are_inserted_with_their_json_documents_and_nulls(store_engine: Engine) -> None:
    with store_engine.begin() as conn:
        written = insert_rows(conn, runs, [_run(1, "finished", {"totals": {"queued": 2}}), _run(2, "failed", {})])
    assert written == 2
    assert _stored(store_engine) == [(1, "finished", None, {"totals": {"queued": 2}}), (2, "failed", None, {})]


def test_rows_a_unique_constraint_refuses_are_not_written_and_not_counted(store_engine: Engine) -> None:
    with store_engine.begin() as conn:
        insert_rows(conn, runs, [_run(1, "finished", {})])
    with store_engine.begin() as conn:
        written = insert_rows(conn, runs, [_run(1, "failed", {"x": 1}), _run(2, "failed", {})], ignore_conflicts=True)
    assert written == 1
    assert _stored(store_engine) == [(1, "finished", None, {}), (2, "failed", None, {})]


def test_rows_are_updated_by_key_where_they_still_match(postgres_url: str) -> None:
    engine = open_engine(postgres_url)
    upgrade(engine)
    with engine.begin() as conn:
        insert_rows(conn, runs, [_run(1, "running", {}), _run(2, "running", {}), _run(3, "finished", {})])
    with engine.begin() as conn:
        changes = [{"id": 1, "summary": {"n": 1}}, {"id": 3, "summary": {"n": 3}}, {"id": 4, "summary": None}]
        written = update_rows(conn, runs, changes, key="id", fixed={"rules_commit": "abc"},
                              where={"status": "running"})
    assert written == 1  # run 3 is not running any more, run 4 does not exist
    assert _stored(engine) == [(1, "running", "abc", {"n": 1}), (2, "running", None, {}), (3, "finished", None, {})]
    engine.dispose()
