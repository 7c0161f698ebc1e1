"""Delivery throughput: the concurrent aiosmtplib dispatcher against a sequential smtplib baseline, raw
throughput to a fast sink, and scale-out over several `rekindle send` processes sharing one store.

The SMTP sink (aiosmtpd) runs in its own process so it does not share the sender's interpreter lock. Every
run goes through the real outbox (claim, send, record) and checks that the sink got each message once.

    python -m bench send [--messages 20000] [--latency 0.05] [--concurrency 50] [--baseline 300]
                         [--scale-messages 3000] [--processes 1,2,4] [--raw-concurrency 4,16,50]
                         [--postgres URL]

Each smtp-sink run also prints the sender's and the sink's CPU per message: on a 2-core machine the sink,
the senders and a PostgreSQL server share the cores, and the CPU figures say what bounds the rate. With a
busy disk, TMPDIR=/dev/shm keeps the SQLite stores off it.

The scale-out figures need idle cores: each process is latency-bound (4 connections x 1 / latency), so N
processes approach N times one only when the machine is not already saturated (the load average is printed).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from bench._child import process_cpu
from bench._report import Figure
from engine.delivery.backends.smtp import SmtpBackend
from engine.delivery.dispatch import dispatch
from engine.delivery.smtp_url import parse_smtp_url
from engine.delivery.testing import RecordingHandler, SmtpSink, build_message, queue_deliveries
from engine.store.database import open_engine
from engine.store.migrate import upgrade

NOW = datetime(2026, 11, 23, 9, tzinfo=timezone.utc)


def _serve(latency: float, pipe) -> None:
    with SmtpSink(RecordingHandler(latency=latency)) as sink:
        pipe.send(sink.port)
        while pipe.recv() == "count":
            counts = sink.handler.counts()
            pipe.send((sum(counts.values()), len(counts)))


class SinkProcess:
    """An aiosmtpd sink with `latency` seconds per message, in a child process."""

    def __init__(self, latency: float) -> None:
        self._pipe, child = multiprocessing.Pipe()
        self._process = multiprocessing.get_context("fork").Process(target=_serve, args=(latency, child), daemon=True)

    def __enter__(self) -> SinkProcess:
        self._process.start()
        self.port = self._pipe.recv()
        self.url = f"smtp://127.0.0.1:{self.port}?tls=none"
        return self

    def received(self) -> tuple[int, int]:
        """(messages received, distinct Message-IDs)."""
        self._pipe.send("count")
        return self._pipe.recv()

    def __exit__(self, *exc: object) -> None:
        self._pipe.send("stop")
        self._process.join(10)


def _store(folder: Path, postgres: str | None, name: str) -> str:
    if postgres is None:
        return f"sqlite:///{folder / (name + '.db')}"
    from sqlalchemy import create_engine, text

    admin = create_engine(postgres, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "bench_{name}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "bench_{name}"'))
    admin.dispose()
    separator = "&" if "?" in postgres else "?"
    return f"{postgres}{separator}options=-csearch_path%3Dbench_{name}"


def _queued_store(url: str, count: int):
    engine = open_engine(url)
    upgrade(engine)
    # The campaign id is part of each Message-ID, so every run's messages are distinct at the sink.
    queue_deliveries(engine, [f"person{i}@example.com" for i in range(count)], NOW, campaign_id=url[-12:])
    return engine


def concurrent_run(url: str, sink: SinkProcess, count: int, concurrency: int) -> float:
    """Messages per second through dispatch() with one SmtpBackend of `concurrency` connections."""
    engine = _queued_store(url, count)
    backend = SmtpBackend(parse_smtp_url(sink.url), concurrency=concurrency, helo="bench.local")
    before = sink.received()[0]
    started = time.perf_counter()
    summary = dispatch(engine, backend, now=NOW, batch_size=max(100, concurrency * 10))
    elapsed = time.perf_counter() - started
    engine.dispose()
    total, _ = sink.received()
    assert summary.sent == count == total - before, (summary, total - before)
    return count / elapsed


def baseline_run(sink: SinkProcess, count: int) -> float:
    """Messages per second with the stdlib: one smtplib connection, one message after the other."""
    messages = [build_message("hello@example.com", f"b{i}@example.com", f"<base-{i}@bench>") for i in range(count)]
    before = sink.received()[0]
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", sink.port, local_hostname="bench.local") as client:
        for i, message in enumerate(messages):
            client.sendmail("hello@example.com", [f"b{i}@example.com"], message)
    elapsed = time.perf_counter() - started
    assert sink.received()[0] - before == count
    return count / elapsed


def scale_out(url: str, sink: SinkProcess, count: int, processes: int, folder: Path) -> float:
    """Messages per second with `processes` real `rekindle send` processes (4 connections each) on one store."""
    engine = _queued_store(url, count)
    engine.dispose()
    config = folder / f"scale-{processes}.yaml"
    config.write_text(json.dumps({"version": 1, "store": {"url": url},
                                  "delivery": {"backend": "smtp", "smtp": {"url": sink.url, "concurrency": 4}}}))
    before = sink.received()
    command = [sys.executable, "-m", "engine", "send", "--config", str(config), "--now", NOW.isoformat()]
    started = time.perf_counter()
    children = [subprocess.Popen([*command, "--worker-id", f"w{i}"], stdout=subprocess.DEVNULL)
                for i in range(processes)]
    codes = [child.wait() for child in children]
    elapsed = time.perf_counter() - started
    total, distinct = sink.received()
    assert codes == [0] * processes, codes
    assert total - before[0] == distinct - before[1] == count, "a message was sent twice or not at all"
    return count / elapsed


class PostfixSink:
    """Postfix's `smtp-sink` (Debian package `postfix`; no MTA configuration needed), a C SMTP server that
    accepts and discards mail as fast as the kernel lets it: the raw ceiling of the sending side."""

    def __init__(self) -> None:
        self.binary = shutil.which("smtp-sink") or next(
            (path for path in ("/usr/sbin/smtp-sink", "/usr/lib/postfix/sbin/smtp-sink") if os.path.exists(path)),
            None)

    def __enter__(self) -> PostfixSink:
        if self.binary is None:
            raise FileNotFoundError("smtp-sink")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        command = [self.binary, *(["-u", "nobody"] if os.geteuid() == 0 else []), f"127.0.0.1:{self.port}", "512"]
        self._process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as client:
                if client.connect_ex(("127.0.0.1", self.port)) == 0:
                    break
            time.sleep(0.05)
        self.url = f"smtp://127.0.0.1:{self.port}?tls=none"
        return self

    def received(self) -> tuple[int, int]:
        return (0, 0)  # smtp-sink keeps no count; the outbox's own records are checked instead

    def cpu_seconds(self) -> float:
        """The sink's user + system CPU so far (/proc/PID/stat): on a 2-core machine it competes with the
        senders, so each run says how much of the machine it took."""
        cpu = process_cpu(self._process.pid)
        if cpu is None:
            raise RuntimeError("smtp-sink ended while it was measured")
        return cpu

    def __exit__(self, *exc: object) -> None:
        self._process.terminate()
        self._process.wait(10)


def _sent_rows(url: str) -> tuple[int, int]:
    """(deliveries recorded as sent, distinct Message-IDs among them) in a store."""
    from sqlalchemy import func, select

    from engine.store.models import Delivery

    engine = open_engine(url)
    with engine.connect() as connection:
        sent, distinct = connection.execute(
            select(func.count(), func.count(Delivery.message_id.distinct())).where(Delivery.status == "sent")).one()
    engine.dispose()
    return sent, distinct


def postfix_run(url: str, sink: PostfixSink, count: int, concurrency: int) -> float:
    """Messages per second through the whole outbox path (claim, send, record) from one process."""
    engine = _queued_store(url, count)
    backend = SmtpBackend(parse_smtp_url(sink.url), concurrency=concurrency, helo="bench.local")
    sink_cpu, cpu = sink.cpu_seconds(), time.process_time()
    started = time.perf_counter()
    summary = dispatch(engine, backend, now=NOW, batch_size=max(500, concurrency * 20))
    elapsed = time.perf_counter() - started
    print(f"  sender CPU {(time.process_time() - cpu) / count * 1e6:.0f} us/msg, smtp-sink's own CPU "
          f"{(sink.cpu_seconds() - sink_cpu) / count * 1e6:.0f} us/msg", flush=True)
    engine.dispose()
    assert summary.sent == count == _sent_rows(url)[0], (summary, count)
    return count / elapsed


def postfix_scale_out(url: str, sink: PostfixSink, count: int, processes: int, concurrency: int,
                      folder: Path) -> float:
    """Messages per second with `processes` `rekindle send` processes on one store, to smtp-sink."""
    engine = _queued_store(url, count)
    engine.dispose()
    config = folder / f"postfix-{processes}.yaml"
    config.write_text(json.dumps({"version": 1, "store": {"url": url},
                                  "delivery": {"backend": "smtp", "smtp": {"url": sink.url,
                                                                           "concurrency": concurrency}}}))
    # The batch of the one-process run: with the CLI's default of 100, 32 connections idle between batches.
    command = [sys.executable, "-m", "engine", "send", "--config", str(config), "--now", NOW.isoformat(),
               "--batch-size", str(max(500, concurrency * 20))]
    sink_cpu = sink.cpu_seconds()
    started = time.perf_counter()
    children = [subprocess.Popen([*command, "--worker-id", f"p{i}"], stdout=subprocess.DEVNULL)
                for i in range(processes)]
    codes = [child.wait() for child in children]
    elapsed = time.perf_counter() - started
    assert codes == [0] * processes, codes
    sent, distinct = _sent_rows(url)
    assert sent == distinct == count, "a message was sent twice or not at all"
    print(f"  smtp-sink's own CPU: {(sink.cpu_seconds() - sink_cpu) / count * 1e6:.0f} us/msg", flush=True)
    return count / elapsed


def postfix_figures(folder: Path, postgres: str | None, args: argparse.Namespace) -> list[Figure]:
    """The whole outbox path to Postfix's smtp-sink on one store: one process at each connection count, then
    1/2/4 `rekindle send` processes at the best of them."""
    store = "PostgreSQL" if postgres else "SQLite"
    figures = []
    with PostfixSink() as postfix:
        best = (0.0, 0)
        for connections in [int(c) for c in args.postfix_concurrency.split(",")]:
            rate = postfix_run(_store(folder, postgres, f"postfix{connections}"), postfix,
                               args.postfix_messages, connections)
            print(f"Postfix smtp-sink ({store}): {args.postfix_messages} messages, one process, {connections} "
                  f"connections, whole outbox path: {rate:,.0f} msg/s", flush=True)
            best = max(best, (rate, connections))
        bounds = "" if best[0] >= 3000 else (
            "the sender's CPU a message (printed above for each run; 0.14-0.2 ms on a quiet machine: claim, two "
            "pipelined SMTP round trips, the outcome's group commit) on a core it shares with smtp-sink and the "
            "store; on PostgreSQL the next batch is claimed while one is sent, and the store thread's own work "
            "(claims, suppression checks, commits) is then about as long as the sending. What would move it: "
            "fewer store round trips a batch, and writing one message's content with the next one's envelope "
            "(docs/delivery.md)")
        figures.append(Figure(f"outbox to Postfix smtp-sink, one process ({store})",
                              f"{best[0]:,.0f} msg/s ({best[1]} connections)", "", "target 3,000 msg/s", bounds))
        rates = {}
        for processes in [int(p) for p in args.processes.split(",")]:
            url = _store(folder, postgres, f"pscale{processes}")
            rates[processes] = postfix_scale_out(url, postfix, args.postfix_messages, processes, best[1], folder)
            print(f"Postfix smtp-sink ({store}): {processes} x `rekindle send` ({best[1]} connections each), "
                  f"{args.postfix_messages} messages: {rates[processes]:,.0f} msg/s", flush=True)
        for processes, rate in rates.items():
            if processes != 1 and 1 in rates:
                figures.append(Figure(f"outbox to smtp-sink, {processes} processes ({store})",
                                      f"{rate:,.0f} msg/s", f"1 process: {rates[1]:,.0f} msg/s",
                                      f"{rate / rates[1]:.2f}x on {os.cpu_count()} cores"))
    return figures


def main(argv: list[str] | None = None) -> list[Figure]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds the slow sink takes per message")
    parser.add_argument("--concurrency", type=int, default=50, help="SMTP connections of the concurrent sender")
    parser.add_argument("--baseline", type=int, default=300, help="messages for the (slow) sequential baseline")
    parser.add_argument("--scale-messages", type=int, default=3000)
    parser.add_argument("--processes", default="1,2,4")
    parser.add_argument("--raw-concurrency", default="4,16,50", help="connection counts tried on the fast sink")
    parser.add_argument("--postfix-messages", type=int, default=20_000,
                        help="messages per run to Postfix's smtp-sink (skipped when it is not installed)")
    parser.add_argument("--postfix-concurrency", default="8,32", help="connections tried on smtp-sink")
    parser.add_argument("--postgres", default=os.environ.get("REKINDLE_BENCH_POSTGRES_URL"),
                        help="run on PostgreSQL (a bench_* schema per run) instead of SQLite; the smtp-sink runs "
                             "on both")
    args = parser.parse_args(argv)
    store = "PostgreSQL" if args.postgres else "SQLite"
    print(f"store: {store}; cpus: {os.cpu_count()}; load average: {os.getloadavg()[0]:.1f}", flush=True)

    figures: list[Figure] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if PostfixSink().binary is None:
            print("Postfix smtp-sink not installed (apt-get install postfix): raw throughput to it skipped")
        else:
            for postgres in [None, args.postgres] if args.postgres else [None]:
                figures += postfix_figures(folder, postgres, args)
        with SinkProcess(args.latency) as slow:
            rate = concurrent_run(_store(folder, args.postgres, "slow"), slow, args.messages, args.concurrency)
            print(f"{args.messages} messages, {args.latency * 1000:.0f} ms per message at the sink, "
                  f"{args.concurrency} connections: {rate:,.0f} msg/s", flush=True)
            base = baseline_run(slow, args.baseline)
            print(f"sequential smtplib baseline ({args.baseline} messages): {base:,.1f} msg/s; "
                  f"speed-up {rate / base:.1f}x", flush=True)
            figures.append(Figure(f"outbox, {args.latency * 1000:.0f} ms per message at the sink, "
                                  f"{args.concurrency} connections ({store})", f"{rate:,.0f} msg/s",
                                  f"sequential smtplib: {base:,.1f} msg/s", f"{rate / base:.1f}x"))
            for processes in [int(p) for p in args.processes.split(",")]:
                url = _store(folder, args.postgres, f"scale{processes}")
                scaled = scale_out(url, slow, args.scale_messages, processes, folder)
                print(f"scale-out: {processes} x `rekindle send` (4 connections each), {args.scale_messages} "
                      f"messages: {scaled:,.0f} msg/s", flush=True)
        with SinkProcess(0.0) as fast:
            for connections in [int(c) for c in args.raw_concurrency.split(",")]:
                raw = concurrent_run(_store(folder, args.postgres, f"fast{connections}"), fast, args.messages,
                                     connections)
                print(f"raw: {args.messages} messages to a fast local sink, {connections} connections: "
                      f"{raw:,.0f} msg/s", flush=True)
    return figures


if __name__ == "__main__":
    main(sys.argv[1:])
