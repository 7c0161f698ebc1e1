"""The web endpoint under load: requests per second and latency (median, p99) of one-click unsubscribes and
event posts against a real `rekindle serve` (uvicorn, one process) on 127.0.0.1.

A throwaway project gets `--customers` customers; then `--requests` one-click POSTs (each customer at most once)
and `--requests` POSTs of one event each, with `--concurrency` requests in flight, and the same again for
event batches of `--batch` events. The client runs in this process (httpx, asyncio) and shares the machine's
cores with the server, so the figures are a floor. Afterwards the store is checked: every unsubscribe and every
event landed exactly once.

    python -m bench web [--customers 2000] [--requests 2000] [--concurrency 50] [--batch 100] [--postgres URL]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import func, select

from engine.store.database import open_engine
from engine.store.models import Customer, Event
from engine.store.testing import scratch_schema
from engine.suppression.tokens import sign

SECRET, API_TOKEN = "bench-secret", "bench-token"
ENV = {"REKINDLE_UNSUBSCRIBE_SECRET": SECRET, "REKINDLE_API_TOKEN": API_TOKEN}


def write_project(root: Path, store_url: str, customers: int) -> Path:
    (root / "rules").mkdir(parents=True)
    (root / "templates" / "t").mkdir(parents=True)
    (root / "rules" / "news.yaml").write_text(
        "version: 1\nid: news\ncategory: newsletter\naudience: {subscribed: true}\n"
        "steps:\n  - {id: one, template: t/one}\n")
    (root / "templates" / "t" / "one.html").write_text("{% block subject %}Hi{% endblock %}<p>Hi</p>")
    config = root / "rekindle.yaml"
    config.write_text(f"version: 1\nstore:\n  url: \"{store_url}\"\n"
                      "unsubscribe:\n  url: \"http://127.0.0.1/unsubscribe?token={token}\"\n"
                      "web:\n  rate_limit: 1000000/minute\n  max_body_bytes: 10485760\n")
    rows = "id,email\n" + "".join(f"c{i},person{i}@example.com\n" for i in range(customers))
    (root / "customers.csv").write_text(rows)
    for command in (["db", "init"], ["import", "customers", str(root / "customers.csv")]):
        subprocess.run([sys.executable, "-m", "engine", *command, "-c", str(config)], check=True,
                       stdout=subprocess.DEVNULL, env={**os.environ, **ENV})
    return config


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(config: Path, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    with open(log, "wb") as stderr:
        child = subprocess.Popen([sys.executable, "-m", "engine", "serve", "--port", str(port), "-c", str(config)],
                                 env={**os.environ, **ENV}, stdout=subprocess.DEVNULL, stderr=stderr)
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return child, base
        except httpx.TransportError:
            time.sleep(0.1)
    child.kill()
    raise SystemExit(f"rekindle serve did not start:\n{log.read_text()}")


async def measure(base: str, requests: list[dict], concurrency: int) -> tuple[float, list[float], int]:
    """(wall seconds, per-request latencies, retries) of sending `requests` with `concurrency` in flight.

    A request whose connection the server dropped (httpx's ReadError: in full `make bench` runs and, once
    or twice in three, in this benchmark alone; the kernel counted resets of connections closed with unread
    data, not accept-queue overflows; the cause is not confirmed) is sent once more on another connection
    of the pool, as a real client would: one-click unsubscribes and events (by event_id) are
    idempotent, and the store check after the run still proves each landed exactly once. The retries are
    counted and reported beside the rate; a second failure of the same request stops the benchmark."""
    latencies: list[float] = []
    retries = 0
    queue = list(reversed(requests))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=120) as client:

        async def worker() -> None:
            nonlocal retries
            while queue:
                request = queue.pop()
                started = time.perf_counter()
                try:
                    response = await client.post(**request)
                except (httpx.ReadError, httpx.RemoteProtocolError):
                    retries += 1
                    response = await client.post(**request)
                latencies.append(time.perf_counter() - started)
                if response.status_code != 200:
                    raise SystemExit(f"{request['url']} answered {response.status_code}: {response.text[:300]}")

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started, latencies, retries


def measured(base: str, requests: list[dict], concurrency: int, server: subprocess.Popen, log: Path
             ) -> tuple[float, list[float], int]:
    """measure(), but a request that failed twice (or any other transport error) stops the benchmark with
    what the server said: whether it was still running, and the end of its log, which the temporary folder
    would otherwise take with it."""
    try:
        return asyncio.run(measure(base, requests, concurrency))
    except httpx.TransportError as exc:
        state = "still running" if server.poll() is None else f"exited with {server.returncode}"
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-40:]) or "(empty)"
        raise SystemExit(f"{exc!r} talking to {base}; the server is {state}; the end of its log:\n{tail}"
                         ) from exc


def report(name: str, wall: float, latencies: list[float], retries: int, items: int | None = None) -> None:
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    rate = f"{len(ordered) / wall:8.0f} requests/s"
    if items:
        rate += f" ({items / wall:,.0f} events/s)"
    dropped = f"  ({retries} sent again: the server dropped the connection)" if retries else ""
    print(f"{name:<28} {len(ordered):6d} requests  {rate}  median {statistics.median(ordered) * 1000:6.1f} ms  "
          f"p99 {p99 * 1000:6.1f} ms{dropped}", flush=True)


def run(store_url: str, args: argparse.Namespace, label: str) -> None:
    with tempfile.TemporaryDirectory(prefix="rekindle-bench-web-") as tmp:
        root = Path(tmp)
        config = write_project(root / "project", store_url, args.customers)
        log = root / "serve.log"
        server, base = start_server(config, log)
        auth = {"Authorization": f"Bearer {API_TOKEN}"}
        count = min(args.requests, args.customers)
        try:
            print(f"-- {label}: {args.customers:,} customers, concurrency {args.concurrency}", flush=True)
            unsubscribes = [{"url": "/unsubscribe", "params": {"token": sign(f"c{i}", f"person{i}@example.com",
                                                                               SECRET.encode())},
                             "data": {"List-Unsubscribe": "One-Click"}} for i in range(count)]
            report("unsubscribe (one-click)", *measured(base, unsubscribes, args.concurrency, server, log))
            events = [{"url": "/v1/events", "headers": auth,
                       "json": {"customer_id": f"c{i % args.customers}", "name": "login",
                                "occurred_at": "2026-11-23T10:00:00Z", "event_id": f"one-{i}"}}
                      for i in range(args.requests)]
            report("events (1 per request)", *measured(base, events, args.concurrency, server, log))
            batches = [{"url": "/v1/events", "headers": auth,
                        "json": [{"customer_id": f"c{(b * args.batch + j) % args.customers}", "name": "page_view",
                                  "occurred_at": "2026-11-23T10:00:00Z", "event_id": f"batch-{b}-{j}"}
                                 for j in range(args.batch)]}
                       for b in range(max(1, args.requests // args.batch))]
            wall, latencies, retries = measured(base, batches, args.concurrency, server, log)
            report(f"events ({args.batch} per request)", wall, latencies, retries, len(batches) * args.batch)
        finally:
            server.terminate()
            server.wait(timeout=30)
        engine = open_engine(store_url)
        with engine.connect() as conn:
            unsubscribed = conn.execute(select(func.count()).where(Customer.subscribed.is_(False))).scalar()
            stored = conn.execute(select(func.count()).select_from(Event)).scalar()
        engine.dispose()
        expected = args.requests + len(batches) * args.batch
        print(f"   check: {unsubscribed:,} of {count:,} unsubscribed, {stored:,} of {expected:,} events stored",
              flush=True)
        if unsubscribed != count or stored != expected:
            raise SystemExit("the store does not hold exactly what was posted")
        print(f"   load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--postgres", help="also run on this PostgreSQL database (in a schema of its own, dropped after)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="rekindle-bench-web-store-") as tmp:
        run(f"sqlite:///{Path(tmp) / 'store.db'}", args, "SQLite")
    if args.postgres:
        with scratch_schema(args.postgres, "bench_web") as url:
            run(url, args, "PostgreSQL")


if __name__ == "__main__":
    main(sys.argv[1:])
