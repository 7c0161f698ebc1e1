"""POST /v1/events and /v1/customers: the importer's checks and errors, idempotent batches, the bearer token."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from engine.store.models import Customer
from tests.web.kit import API_TOKEN, SECRET, WebKit

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}
BATCH = [
    {"customer_id": "c0", "name": "purchase", "occurred_at": "2026-11-20T10:00:00Z", "event_id": "ord-1",
     "amount": 42.5},
    {"customer_id": "c0", "name": "login", "occurred_at": "2026-11-21T08:00:00+01:00"},
    {"customer_id": "c1", "name": "login", "occurred_at": "2026-11-21T08:00:00Z", "properties": {"app": "ios"}},
]


def test_a_batch_is_stored_once_however_often_it_is_posted(kit: WebKit) -> None:
    kit.customers(2)
    client = kit.client()
    first = client.post("/v1/events", json=BATCH, headers=AUTH)
    assert first.status_code == 200
    assert first.json() == {"imported": 3, "duplicates": 0, "rejected": 0, "errors": [],
                            "summary": "Imported 3 event rows from POST /v1/events.", "enrolled": {}}
    stored = kit.events()
    again = client.post("/v1/events", json=BATCH, headers=AUTH)
    assert again.json()["imported"] == 0 and again.json()["duplicates"] == 3
    assert kit.events() == stored
    assert [row[1:3] for row in stored] == [("purchase", {"amount": 42.5}), ("login", {}), ("login", {"app": "ios"})]
    # last_active_at moved exactly as an import moves it
    assert kit.scalar(select(Customer.last_active_at).where(Customer.external_id == "c0")).isoformat() == (
        "2026-11-21T07:00:00")


def test_the_same_events_from_a_file_and_from_the_api_are_one(kit: WebKit) -> None:
    kit.customers(2)
    path = kit.root / "events.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in BATCH), encoding="utf-8")
    kit.rekindle("import", "events", str(path))
    response = kit.client().post("/v1/events", json=BATCH, headers=AUTH)
    assert response.json()["duplicates"] == 3 and len(kit.events()) == 3


def test_a_single_object_and_json_lines_are_accepted(kit: WebKit) -> None:
    kit.customers(2)
    client = kit.client()
    assert client.post("/v1/events", json=BATCH[0], headers=AUTH).json()["imported"] == 1
    lines = "\n".join(json.dumps(row) for row in BATCH[1:]) + "\n"
    response = client.post("/v1/events", content=lines, headers={**AUTH, "Content-Type": "application/x-ndjson"})
    assert response.json()["imported"] == 2 and len(kit.events()) == 3


def test_bad_objects_get_the_importers_errors_and_the_good_ones_are_stored(kit: WebKit) -> None:
    kit.customers(2)
    batch = [BATCH[0], {"customer_id": "c0", "name": "login"}, {"customer_id": "nobody", "name": "x",
             "occurred_at": "2026-11-21"}, {"customer_id": "c1", "name": "x", "occurred_at": "yesterday"}, [1]]
    response = kit.client().post("/v1/events", json=batch, headers=AUTH)
    assert response.status_code == 422
    body = response.json()
    assert (body["imported"], body["rejected"]) == (1, 4)
    assert body["errors"] == [
        {"item": 2, "code": "I403", "field": "occurred_at", "message": "occurred_at is missing"},
        {"item": 3, "code": "I406", "field": "customer_id",
         "message": "1 event names a customer that is not in the store: id 'nobody' on line 3"},
        {"item": 4, "code": "I404", "field": "occurred_at", "message": body["errors"][2]["message"]},
        {"item": 5, "code": "I401", "field": None, "message": "a JSON Lines row must be a JSON object"},
    ]
    assert body["errors"][2]["message"].startswith("occurred_at: ")
    assert len(kit.events()) == 1


def test_strict_refuses_the_whole_batch(kit: WebKit) -> None:
    kit.customers(2)
    response = kit.client().post("/v1/events?strict=true", json=[BATCH[0], {"name": "x"}], headers=AUTH)
    assert response.status_code == 422 and response.json()["imported"] == 0
    assert kit.events() == []


def test_a_body_that_is_not_json_is_a_400(kit: WebKit) -> None:
    response = kit.client().post("/v1/events", content=b"{oops", headers={**AUTH, "Content-Type": "application/json"})
    assert response.status_code == 400 and response.json()["error"].startswith("the body is not valid JSON: ")


def test_customers_are_upserted_like_an_import(kit: WebKit) -> None:
    client = kit.client()
    rows = [{"id": "n1", "email": "n1@example.com", "plan": "pro"}, {"id": "n2", "email": "not-an-address"}]
    response = client.post("/v1/customers", json=rows, headers=AUTH)
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"item": 2, "code": "I405", "field": "email", "message": "email 'not-an-address' is not an email address"}]
    client.post("/v1/customers", json={"id": "n1", "email": "n1@example.com", "seats": 3}, headers=AUTH)
    assert kit.rows(select(Customer.external_id, Customer.attributes)) == [("n1", {"plan": "pro", "seats": 3})]


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": API_TOKEN},
                                     {"Authorization": "Basic !!!"}])
def test_v1_needs_the_bearer_token(kit: WebKit, headers: dict[str, str]) -> None:
    kit.customers(1)
    response = kit.client().post("/v1/events", json=BATCH[:1], headers=headers)
    assert response.status_code == 401 and response.headers["www-authenticate"] == 'Bearer realm="rekindle"'
    assert kit.events() == []


def test_basic_auth_with_the_token_as_password_is_accepted(kit: WebKit) -> None:
    kit.customers(1)
    response = kit.client().post("/v1/events", json=BATCH[:1], auth=("postmark", API_TOKEN))
    assert response.status_code == 200


def test_without_the_token_variable_v1_is_off(kit: WebKit) -> None:
    client = kit.client(environ={"REKINDLE_UNSUBSCRIBE_SECRET": SECRET})
    response = client.post("/v1/events", json=BATCH, headers=AUTH)
    assert response.status_code == 503
    assert response.json() == {"error": "the API is off: environment variable REKINDLE_API_TOKEN is not set"}
