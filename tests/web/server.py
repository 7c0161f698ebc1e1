"""`rekindle serve` in a child process on 127.0.0.1, for the tests that need a real HTTP server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.web.kit import ENVIRON


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def serving(config: Path, log: Path) -> Iterator[str]:
    """The base URL of a `rekindle serve` started for `config`; its stderr (the access log) goes to `log`."""
    port = free_port()
    command = [sys.executable, "-m", "engine", "serve", "--host", "127.0.0.1", "--port", str(port),
               "-c", str(config)]
    with open(log, "wb") as stderr:
        child = subprocess.Popen(command, env={**os.environ, **ENVIRON}, stdout=subprocess.DEVNULL, stderr=stderr)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if child.poll() is not None:
                raise AssertionError(f"rekindle serve exited with {child.returncode}:\n{log.read_text()}")
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"rekindle serve did not become ready:\n{log.read_text()}")
            time.sleep(0.1)
        yield base
    finally:
        child.terminate()
        try:
            child.wait(timeout=20)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
