"""Shared pieces of the delivery tests: misbehaving aiosmtpd handlers and a throwaway project for the CLI."""

from __future__ import annotations

import socket
from collections import Counter
from pathlib import Path

from aiosmtpd.smtp import SMTP
from sqlalchemy import Engine

from engine.delivery.testing import Received, RecordingHandler
from engine.store.database import open_engine
from tests.projects import write_project as write_project_files


class Flaky(RecordingHandler):
    """Refuses the first `times` attempts for each recipient with `reply` (at RCPT, or at DATA)."""

    def __init__(self, reply: str, times: int, at: str = "rcpt") -> None:
        super().__init__()
        self.reply, self.times, self.at = reply, times, at
        self.attempts: Counter[str] = Counter()

    def rcpt_reply(self, address: str) -> str | None:
        self.attempts[address] += 1
        if self.at == "rcpt" and self.attempts[address] <= self.times:
            return self.reply
        return None

    async def data_reply(self, server: SMTP, received: Received) -> str | None:
        if self.at == "data" and self.attempts[received.recipients[0]] <= self.times:
            return self.reply
        return None


class RejectOne(RecordingHandler):
    def rcpt_reply(self, address: str) -> str | None:
        return "550 5.1.1 <gone@example.com>: user unknown" if address == "gone@example.com" else None


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def write_project(folder: Path, store_url: str, delivery: dict) -> tuple[Path, Engine]:
    """Write rekindle.yaml (JSON is YAML) naming `store_url` and `delivery`, migrate the store, return both."""
    config = write_project_files(folder, {"version": 1, "store": {"url": store_url}, "delivery": delivery},
                           migrate_store=store_url)
    return config, open_engine(store_url)
