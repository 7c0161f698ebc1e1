"""Against a real `rekindle serve` (uvicorn) on 127.0.0.1: the one-click flow over HTTP, and a bounded loopback
load test of 1,000 concurrent unsubscribes and 1,000 concurrent event posts (each sent twice) that must lose
nothing and double nothing."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from engine.store.models import Customer, Event
from tests.web.kit import API_TOKEN, WebKit, token
from tests.web.server import serving

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}
ONE_CLICK = {"List-Unsubscribe": "One-Click"}


def test_one_click_unsubscribe_over_real_http(kit: WebKit, tmp_path: Path) -> None:
    [(cid, email)] = kit.customers(1)
    log = tmp_path / "serve.log"
    with serving(kit.config, log) as base:
        with httpx.Client(base_url=base) as client:
            assert client.get("/unsubscribe", params={"token": token(cid, email)}).status_code == 200
            assert kit.subscribed(cid) is True
            done = client.post("/unsubscribe", params={"token": token(cid, email)}, data=ONE_CLICK)
            assert done.status_code == 200 and "server" not in done.headers
            assert kit.subscribed(cid) is False
            assert client.post("/unsubscribe", params={"token": "x.y"}, data=ONE_CLICK).status_code == 400
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    requests = [(line["method"], line["path"], line["status"]) for line in lines if line.get("event") == "web.request"]
    assert ("POST", "/unsubscribe", 200) in requests and ("POST", "/unsubscribe", 400) in requests
    assert token(cid, email) not in log.read_text()


@pytest.mark.slow
def test_a_thousand_concurrent_unsubscribes_and_event_posts_lose_and_double_nothing(kit: WebKit,
                                                                                    tmp_path: Path) -> None:
    people = kit.customers(1000)
    log = tmp_path / "serve.log"

    async def load(base: str) -> list[int]:
        # One client (1,000 connections) per 1,000 requests: all 3,000 are in flight at once, and httpx's pool
        # never queues (a queue of thousands in one pool costs the client more CPU than the server spends).
        limits = httpx.Limits(max_connections=1000, max_keepalive_connections=1000)
        clients = [httpx.AsyncClient(base_url=base, limits=limits, timeout=300) for _ in range(3)]
        unsubscribing, posting, reposting = clients
        try:
            unsubscribes = [unsubscribing.post("/unsubscribe", params={"token": token(cid, email)}, data=ONE_CLICK)
                            for cid, email in people]
            events = [client.post("/v1/events", headers=AUTH, json={
                          "customer_id": cid, "name": "onboarding_complete", "occurred_at": "2026-11-23T10:00:00Z",
                          "event_id": f"evt-{cid}"})
                      for cid, _ in people for client in (posting, reposting)]  # every event posted twice
            responses = await asyncio.gather(*unsubscribes, *events)
        finally:
            for client in clients:
                await client.aclose()
        return [response.status_code for response in responses]

    with serving(kit.config, log) as base:
        statuses = asyncio.run(load(base))
    assert statuses == [200] * 3000, {s: statuses.count(s) for s in set(statuses)}
    assert kit.scalar(select(func.count()).where(Customer.subscribed.is_(False))) == 1000
    assert len(kit.suppressions()) == 1000
    assert kit.scalar(select(func.count()).select_from(Event)) == 1000
    assert kit.scalar(select(func.count(func.distinct(Event.customer_id)))) == 1000
