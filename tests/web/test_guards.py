"""Health checks, the request size limit, rate limits per client, and an access log without tokens."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

from engine.project import load_project
from engine.store import migrate
from engine.store.database import open_engine
from engine.web.app import create_app
from tests.web.kit import API_TOKEN, BASE, ENVIRON, WebKit, make_kit, token

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}


@pytest.fixture
def strict_kit(tmp_path: Path, store_url: str):
    made = make_kit(tmp_path / "strict", store_url, web="  rate_limit: 3/minute\n  max_body_bytes: 2048\n")
    yield made
    made.store.dispose()


def test_healthz_and_readyz(kit: WebKit) -> None:
    client = kit.client()
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready"}


def test_readyz_is_503_while_the_store_schema_is_not_current(kit: WebKit, tmp_path: Path) -> None:
    behind = open_engine(f"sqlite:///{tmp_path / 'behind.db'}")
    migrate.upgrade(behind, "0002")
    app = create_app(load_project(kit.config), behind, environ=ENVIRON)
    with TestClient(app, base_url=BASE) as client:
        response = client.get("/readyz")
        assert (response.status_code, response.json()) == (503, {"status": "unavailable"})
        assert client.get("/healthz").status_code == 200
    behind.dispose()


def test_a_body_over_the_limit_is_refused_before_it_is_read(strict_kit: WebKit) -> None:
    strict_kit.customers(1)
    client = strict_kit.client()
    big = b'[' + b','.join([b'{"customer_id": "c0", "name": "x", "occurred_at": "2026-11-20"}'] * 40) + b']'
    assert len(big) > 2048
    declared = client.post("/v1/events", content=big, headers={**AUTH, "Content-Type": "application/json"})
    assert declared.status_code == 413
    assert declared.json() == {"error": "the request body is larger than 2048 bytes"}

    def chunks():  # no Content-Length: the limit counts what arrives
        for start in range(0, len(big), 500):
            yield big[start:start + 500]

    chunked = client.post("/v1/events", content=chunks(), headers={**AUTH, "Content-Type": "application/json"})
    assert chunked.status_code == 413
    assert strict_kit.events() == []
    small = client.post("/v1/events", content=big[:1000].rsplit(b",{", 1)[0] + b"]",
                        headers={**AUTH, "Content-Type": "application/json"})
    assert small.status_code == 200


def test_public_pages_are_rate_limited_per_client(strict_kit: WebKit) -> None:
    [(cid, email)] = strict_kit.customers(1)
    app = strict_kit.app()

    async def fetch(address: str) -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app, client=(address, 40000))
        async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
            return [await client.get("/unsubscribe", params={"token": token(cid, email)}) for _ in range(4)]

    async def both() -> tuple[list[httpx.Response], list[httpx.Response]]:
        return await fetch("192.0.2.1"), await fetch("192.0.2.2")

    first, second = asyncio.run(both())
    assert [r.status_code for r in first] == [200, 200, 200, 429]
    assert [r.status_code for r in second] == [200, 200, 200, 429]  # another client has its own allowance
    assert 1 <= int(first[3].headers["retry-after"]) <= 61
    assert first[3].json() == {"error": "too many requests; try again later"}


def test_the_api_and_health_checks_are_not_rate_limited(strict_kit: WebKit) -> None:
    client = strict_kit.client()
    assert [client.get("/healthz").status_code for _ in range(5)] == [200] * 5
    assert [client.post("/v1/events", json=[], headers=AUTH).status_code for _ in range(5)] == [200] * 5


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_the_access_log_has_no_tokens(kit: WebKit) -> None:
    [(cid, email)] = kit.customers(1)
    secret_token = token(cid, email)
    handler, logger = Records(), logging.getLogger("rekindle.web.access")
    logger.addHandler(handler)
    old_level = logger.level
    logger.setLevel(logging.INFO)
    try:
        client = kit.client()
        client.get("/unsubscribe", params={"token": secret_token})
        client.post("/unsubscribe", params={"token": secret_token}, data={"List-Unsubscribe": "One-Click"})
        client.get(f"/c/{secret_token}")
        client.post("/v1/events", json=[], headers=AUTH)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
    logged = [(r.method, r.path, r.status) for r in handler.records]
    assert logged == [("GET", "/unsubscribe", 200), ("POST", "/unsubscribe", 200), ("GET", "/c/…", 404),
                      ("POST", "/v1/events", 200)]
    for record in handler.records:
        text = record.getMessage() + repr(vars(record))
        assert secret_token not in text and secret_token[:20] not in text and API_TOKEN not in text
        assert record.client == "testclient" and record.duration_ms >= 0
