"""`rekindle snapshot export FILE` / `rekindle snapshot load FILE`: a masked, sampled copy of a real store for
CI (docs/review.md). Export reads the project's store; load fills an empty one."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import typer

from engine.cli.notes import say
from engine.cli.options import ConfigOption, NowOption, resolve_now
from engine.errors import InvalidInput

snapshot_app = typer.Typer(help="Masked, sampled store snapshots for CI: export from production, load in CI.")

KEY_ENV = "REKINDLE_SNAPSHOT_KEY"


def register(app: typer.Typer) -> None:
    app.add_typer(snapshot_app, name="snapshot")


class MissingSnapshotKey(InvalidInput):
    """--key-env names a variable that is not set."""


@snapshot_app.command("export")
def export(
    file: Path = typer.Argument(..., help="Where to write the snapshot (.jsonl, or .jsonl.gz compressed).",
                                dir_okay=False),
    sample: float = typer.Option(1.0, "--sample", min=0.0, max=1.0,
                                 help="Share of customers to keep (by a stable hash of their id), e.g. 0.1."),
    redact_attribute: list[str] = typer.Option(None, "--redact-attribute",
                                               help="A string attribute holding personal data, replaced by a "
                                                    "stable token (repeatable)."),
    key_env: str = typer.Option(KEY_ENV, "--key-env",
                                help="Environment variable with the pseudonym key (stable pseudonyms across "
                                     "refreshes); unset: a random key per export."),
    config_path: Path = ConfigOption,
    now: datetime | None = NowOption,
) -> None:
    """Write a masked, sampled copy of the store: customers, their events, enrolments (with their positions)
    and suppressions. Emails, names and external ids are replaced consistently by pseudonyms."""
    from engine.cli.store import ready_store, store_errors
    from engine.snapshot import export_snapshot

    secret = os.environ.get(key_env)
    if key_env != KEY_ENV and not secret:
        raise MissingSnapshotKey(f"--key-env {key_env}: that environment variable is not set")
    _, engine = ready_store(config_path)
    with store_errors("exporting the snapshot"), engine.connect() as conn:
        result = export_snapshot(conn, file, sample=sample, key=secret.encode() if secret else None,
                                 redact_attributes=tuple(redact_attribute or ()), now=resolve_now(now))
    engine.dispose()
    say(f"wrote {file}: " + ", ".join(f"{n} {kind}s" for kind, n in result.counts.items()), "snapshot.exported",
        path=str(file), counts=result.counts)


@snapshot_app.command("load")
def load(
    file: Path = typer.Argument(..., help="A snapshot written by `rekindle snapshot export`.", exists=True,
                                dir_okay=False),
    config_path: Path = ConfigOption,
) -> None:
    """Load a snapshot into the project's store, which must be empty (run `rekindle db init` first)."""
    from engine.cli.store import ready_store, store_errors
    from engine.snapshot import load_snapshot

    _, engine = ready_store(config_path)
    with store_errors("loading the snapshot"), engine.begin() as conn:
        result = load_snapshot(conn, file)
    engine.dispose()
    say(f"loaded {file}: " + ", ".join(f"{n} {kind}s" for kind, n in result.counts.items()), "snapshot.loaded",
        path=str(file), counts=result.counts)
