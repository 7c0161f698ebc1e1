"""`rekindle snapshot export` -> `load`: a real store (the example data, a run five days before, suppressions)
exported masked and loaded into a fresh store keeps its counts and every enrolment's position; no real
address, name-bearing id or secret leaves the store; sampling picks the customers the stable hash picks."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine.privacy.pseudonyms import Pseudonyms
from engine.scheduling.hashing import unit_hash
from engine.store.database import open_engine
from engine.store.models import Customer, Enrollment, Event, Suppression
from tests.scratch import cli, load_store, make_repo, real_addresses

KEY = "snapshot-test-key"
TABLES = {"customer": Customer, "event": Event, "enrollment": Enrollment, "suppression": Suppression}


@pytest.fixture(autouse=True)
def snapshot_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REKINDLE_SNAPSHOT_KEY", KEY)


def _counts(url: str) -> dict[str, int]:
    engine = open_engine(url)
    with engine.connect() as conn:
        counts = {kind: conn.execute(select(func.count()).select_from(model)).scalar_one()
                  for kind, model in TABLES.items()}
    engine.dispose()
    return counts


def _positions(url: str, rename=lambda external_id: external_id) -> list[tuple]:
    engine = open_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(select(Customer.external_id, Enrollment.campaign_id, Enrollment.campaign_version,
                                   Enrollment.status, Enrollment.holdout, Enrollment.next_step,
                                   Enrollment.next_step_id, Enrollment.next_due_at, Enrollment.enrolled_at)
                            .join(Customer, Customer.id == Enrollment.customer_id))
        positions = sorted((rename(row[0]), *row[1:]) for row in rows)
    engine.dispose()
    return positions


def _source(tmp_path: Path) -> tuple[Path, str]:
    """A SQLite store with the example data, customers mid-sequence and a suppression of a customer's address."""
    url = f"sqlite:///{tmp_path / 'production.db'}"
    config = make_repo(tmp_path, url)
    load_store(config)
    engine = open_engine(url)
    with engine.begin() as conn:
        email = conn.execute(select(Customer.email).order_by(Customer.id).limit(1)).scalar_one()
    engine.dispose()
    assert cli("suppress", "add", email, "--reason", "bounce", config=config).exit_code == 0
    return config, url


def _target(tmp_path: Path, url: str) -> Path:
    target = tmp_path / "ci"
    target.mkdir()
    config = target / "rekindle.yaml"
    config.write_text(f"version: 1\nstore:\n  url: \"{url}\"\n", encoding="utf-8")
    assert cli("db", "init", config=config).exit_code == 0
    return config


def test_round_trip_keeps_counts_and_positions(tmp_path, store_url):
    config, source_url = _source(tmp_path)
    file = tmp_path / "snapshot.jsonl.gz"
    exported = cli("snapshot", "export", str(file), config=config)
    assert exported.exit_code == 0, exported.output
    before = _counts(source_url)
    assert before["enrollment"] > 0 and before["suppression"] == 1

    target = _target(tmp_path, store_url)
    loaded = cli("snapshot", "load", str(file), config=target)
    assert loaded.exit_code == 0, loaded.output
    assert _counts(store_url) == before
    names = Pseudonyms(KEY.encode())
    assert _positions(store_url) == _positions(source_url, names.external_id)

    # Suppressions still match their customer after masking (same pseudonym for the same address).
    engine = open_engine(store_url)
    with engine.connect() as conn:
        matched = conn.execute(select(func.count()).select_from(Suppression)
                               .join(Customer, func.lower(Customer.email) == Suppression.email)).scalar_one()
    engine.dispose()
    assert matched == 1


def test_the_file_holds_no_real_address_or_id(tmp_path):
    config, source_url = _source(tmp_path)
    file = tmp_path / "snapshot.jsonl.gz"
    assert cli("snapshot", "export", str(file), config=config).exit_code == 0
    text = gzip.open(file, "rt", encoding="utf-8").read()
    engine = open_engine(source_url)
    with engine.connect() as conn:
        ids = [row[0] for row in conn.execute(select(Customer.external_id))]
    engine.dispose()
    assert [a for a in real_addresses() if a.lower() in text.lower()] == []
    assert [i for i in ids if f'"{i}"' in text] == []
    assert KEY not in text
    customers = [json.loads(line) for line in text.splitlines() if '"t":"customer"' in line]
    assert len(customers) == len(ids) and all(c["email"].endswith("@snapshot.invalid") for c in customers)


def test_sampling_keeps_the_customers_the_stable_hash_picks_with_their_rows(tmp_path, store_url):
    config, source_url = _source(tmp_path)
    target = _target(tmp_path, store_url)
    full = tmp_path / "full.jsonl"
    assert cli("snapshot", "export", str(full), config=config).exit_code == 0
    assert cli("snapshot", "load", str(full), config=target).exit_code == 0
    half = tmp_path / "half.jsonl"
    exported = cli("snapshot", "export", str(half), "--sample", "0.5", config=target)  # on this dialect's SQL
    assert exported.exit_code == 0, exported.output
    engine = open_engine(store_url)
    with engine.connect() as conn:
        ids = [row[0] for row in conn.execute(select(Customer.external_id))]
        kept = {i for i in ids if unit_hash("snapshot", i) < 0.5}
        events = conn.execute(select(func.count()).select_from(Event).join(Customer)
                              .where(Customer.external_id.in_(kept))).scalar_one()
    engine.dispose()
    records = [json.loads(line) for line in half.read_text(encoding="utf-8").splitlines()]
    names = Pseudonyms(KEY.encode())
    assert {r["id"] for r in records if r.get("t") == "customer"} == {names.external_id(i) for i in kept}
    assert 0 < len(kept) < len(ids)
    assert records[-1] == {"t": "end", "counts": {"customer": len(kept), "event": events,
                                                   "enrollment": records[-1]["counts"]["enrollment"],
                                                   "suppression": records[-1]["counts"]["suppression"]}}
    assert all(r["customer"] in {names.external_id(i) for i in kept}
               for r in records if r.get("t") in ("event", "enrollment"))


def test_a_truncated_snapshot_is_refused_and_nothing_is_loaded(tmp_path):
    config, _ = _source(tmp_path)
    file = tmp_path / "snapshot.jsonl"
    assert cli("snapshot", "export", str(file), config=config).exit_code == 0
    lines = file.read_text(encoding="utf-8").splitlines(keepends=True)
    file.write_text("".join(lines[:-1]), encoding="utf-8")
    target_url = f"sqlite:///{tmp_path / 'ci.db'}"
    target = _target(tmp_path, target_url)
    result = cli("snapshot", "load", str(file), config=target)
    assert result.exit_code == 1
    assert result.output.strip() == f"error: {file} ends before its last record: the file is truncated"
    assert _counts(target_url) == dict.fromkeys(TABLES, 0)
