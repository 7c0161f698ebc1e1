"""The store URL check's fast path (the standard library's reading) only ever accepts what SQLAlchemy's own
parser accepts too; every refusal, with its message, is SQLAlchemy's."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from engine.store.urls import SUPPORTED_BACKENDS, _plainly_usable, url_problem

PLAIN = ["sqlite:///rekindle.db", "sqlite:////abs/path/store.db", "sqlite://", "sqlite+pysqlite:///x.db",
         "postgresql+psycopg://postgres@127.0.0.1:5432/test", "postgresql:///rekindle",
         "postgresql://user:secret@db.example.com/rekindle"]


def sqlalchemy_accepts(url: str) -> bool:
    try:
        parsed = make_url(url)
        parsed.port  # noqa: B018
    except (ArgumentError, ValueError):
        return False
    return parsed.get_backend_name() in SUPPORTED_BACKENDS and not (parsed.password and not parsed.username)


@pytest.mark.parametrize("url", PLAIN)
def test_ordinary_urls_take_the_fast_path(url: str) -> None:
    assert _plainly_usable(url) and url_problem(url) is None


@pytest.mark.parametrize(("url", "start"), [
    ("mysql://root@localhost/test", "the store URL names a 'mysql' database"),
    ("postgresql+psycopg://db:port/x", "the store URL is not valid: its port is not a number"),
    ("postgresql+psycopg://:secret@db/x", "the store URL has a password but no user name"),
])
def test_refusals_come_from_sqlalchemy_and_never_quote_the_url(url: str, start: str) -> None:
    assert not _plainly_usable(url)
    problem = url_problem(url)
    assert problem is not None and problem.startswith(start) and "secret" not in problem


@settings(max_examples=2000, deadline=None)
@given(st.builds(lambda scheme, rest: f"{scheme}{rest}",
                 st.sampled_from(["sqlite://", "sqlite+pysqlite://", "postgresql://", "postgresql+psycopg://",
                                  "mysql://", "postgres://", ""]),
                 st.text(alphabet="abc:/@?=.%[]#1 0", max_size=24)))
def test_the_fast_path_accepts_only_what_sqlalchemy_accepts(url: str) -> None:
    if _plainly_usable(url):
        assert sqlalchemy_accepts(url), url
