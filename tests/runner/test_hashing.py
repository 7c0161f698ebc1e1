"""Holdout and variant assignment: deterministic, well spread, and identical in Python and in SQL."""

from collections import Counter

from sqlalchemy import select

from engine.rules.model import Variant
from engine.scheduling.hashing import choose_variant, in_holdout, register_sqlite_functions, unit_hash, unit_hash_sql


def test_unit_hash_is_stable_and_in_range():
    # A pinned value: changing the hash would silently move every customer to another group.
    # md5("winback-90:c-000001") starts with 11be7238.
    assert unit_hash("winback-90", "c-000001") == int("11be7238", 16) / 2**32
    values = [unit_hash("c", f"cust-{i}") for i in range(5000)]
    assert all(0 <= v < 1 for v in values)
    assert unit_hash("c", "cust-1") == unit_hash("c", "cust-1")


def test_holdout_share_is_close_to_the_setting():
    held = sum(in_holdout("winback-90", f"cust-{i}", 0.1) for i in range(20000))
    assert 1800 <= held <= 2200
    assert not any(in_holdout("winback-90", f"cust-{i}", 0.0) for i in range(1000))


def test_holdout_depends_on_the_campaign():
    a = {i for i in range(5000) if in_holdout("a", f"cust-{i}", 0.1)}
    b = {i for i in range(5000) if in_holdout("b", f"cust-{i}", 0.1)}
    assert a != b and len(a & b) < 0.2 * len(a)


def test_variants_are_weighted_and_stable():
    variants = (Variant("a", weight=3), Variant("b", weight=1))
    picks = [choose_variant(variants, "c", "s", f"cust-{i}").id for i in range(8000)]
    share = Counter(picks)["a"] / len(picks)
    assert 0.72 <= share <= 0.78
    assert picks == [choose_variant(variants, "c", "s", f"cust-{i}").id for i in range(8000)]
    assert choose_variant((), "c", "s", "x") is None


def test_sql_and_python_hash_agree(store_engine):
    keys = [f"cust-{i}" for i in range(200)] + ["ünïcode-ß", "with:colon"]
    with store_engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            register_sqlite_functions(conn.connection.driver_connection)
        for key in keys:
            got = conn.execute(select(unit_hash_sql("winback-90", key))).scalar_one()
            assert abs(got - unit_hash("winback-90", key)) < 1e-12, key
