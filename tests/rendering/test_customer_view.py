"""`customer_view` reads a stored row's columns straight from its `__dict__` when they are loaded: the view is
the same for a loaded row, an expired or partly expired one (read back through SQLAlchemy), a row built in
memory, and a plain object with the same attributes."""

from __future__ import annotations

from datetime import datetime, timezone
from types import SimpleNamespace

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from engine.rendering.context import customer_view
from engine.store.models import Customer
from tests.rendering.kit import make_customer

ACTIVE = datetime(2026, 1, 2, 3, 4)
EXPECTED = {
    "id": "c-1", "external_id": "c-1", "email": "ada@example.com", "first_name": "Ada", "last_name": "Lovelace",
    "name": "Ada Lovelace", "locale": "en-US", "timezone": "Europe/London",
    "created_at": datetime(2023, 3, 14, 10, 30, tzinfo=timezone.utc), "subscribed": True,
    "last_active_at": ACTIVE.replace(tzinfo=timezone.utc), "attributes": {"plan": "pro"},
}


def test_a_stored_row_loaded_expired_or_partly_expired_gives_the_same_view(store_engine: Engine) -> None:
    with Session(store_engine) as session:
        session.add(make_customer(last_active_at=ACTIVE))
        session.commit()
        row = session.scalars(select(Customer)).one()
        assert "first_name" in row.__dict__
        assert customer_view(row, "UTC") == EXPECTED
        session.expire(row, ["first_name", "last_active_at"])
        assert "first_name" not in row.__dict__
        assert customer_view(row, "UTC") == EXPECTED
        session.expire(row)
        assert customer_view(row, "UTC") == EXPECTED


def test_a_row_built_in_memory_and_a_plain_object_give_the_same_view() -> None:
    assert customer_view(make_customer(last_active_at=ACTIVE)) == EXPECTED
    fields = {key: value for key, value in EXPECTED.items() if key not in ("id", "name")}
    fields.update(created_at=datetime(2023, 3, 14, 10, 30), last_active_at=ACTIVE)
    assert customer_view(SimpleNamespace(**fields)) == EXPECTED


@pytest.mark.parametrize(("first", "last", "name"), [("Ada", None, "Ada"), (None, "Lovelace", "Lovelace"),
                                                     ("", "", None), (None, None, None)])
def test_the_name_joins_the_parts_that_are_set(first: str | None, last: str | None, name: str | None) -> None:
    view = customer_view(make_customer(first_name=first, last_name=last))
    assert (view["first_name"], view["last_name"], view["name"]) == (first or None, last or None, name)


def test_a_plain_object_takes_the_defaults_and_needs_an_id_and_an_address() -> None:
    view = customer_view(SimpleNamespace(external_id="c-2", email="bob@example.com"), "Europe/Paris")
    assert view == {"id": "c-2", "external_id": "c-2", "email": "bob@example.com", "first_name": None,
                    "last_name": None, "name": None, "locale": None, "timezone": "Europe/Paris", "created_at": None,
                    "subscribed": True, "last_active_at": None, "attributes": {}}
    with pytest.raises(AttributeError, match="external_id"):
        customer_view(SimpleNamespace(email="bob@example.com"))


def test_a_stored_time_gets_the_zone_as_as_utc_gives_it() -> None:
    from hypothesis import given
    from hypothesis import strategies as st

    from engine.rendering.context import _utc
    from engine.timeutil import as_utc

    def fields(value: datetime) -> tuple:
        return (value.year, value.month, value.day, value.hour, value.minute, value.second, value.microsecond,
                value.tzinfo, value.fold)

    @given(value=st.datetimes() | st.datetimes(timezones=st.timezones()))
    def same(value: datetime) -> None:
        assert fields(_utc(value)) == fields(as_utc(value))

    same()
