"""A progress bar for long imports, shown only when stderr is a terminal (never in cron mail or CI logs)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol


class Progress(Protocol):
    def advance_to(self, done: int) -> None: ...


class _Silent:
    def advance_to(self, done: int) -> None:
        pass


class _Bar:
    def __init__(self, progress, task) -> None:  # rich types, imported lazily
        self._progress = progress
        self._task = task

    def advance_to(self, done: int) -> None:
        self._progress.update(self._task, completed=done)


@contextmanager
def progress_bar(description: str, total_bytes: int | None, *, enabled: bool) -> Iterator[Progress]:
    """Yields something to report bytes read to; a rich bar on a terminal, a no-op otherwise."""
    if not enabled:
        yield _Silent()
        return
    from rich.console import Console
    from rich import progress

    console = Console(stderr=True)
    if not console.is_terminal:
        yield _Silent()
        return
    columns = [
        progress.TextColumn("{task.description}"),
        progress.BarColumn(),
        progress.DownloadColumn(),
        progress.TransferSpeedColumn(),
        progress.TimeRemainingColumn(),
    ]
    with progress.Progress(*columns, console=console, transient=True) as bar:
        yield _Bar(bar, bar.add_task(description, total=total_bytes))
