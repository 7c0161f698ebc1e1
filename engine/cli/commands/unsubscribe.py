"""`rekindle unsubscribe TOKEN`: honour a signed unsubscribe link (called by a web form or a mail hook)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import typer

from engine.cli.options import ConfigOption, NowOption


def register(app: typer.Typer) -> None:
    app.command("unsubscribe")(unsubscribe)


def unsubscribe(
    token: str = typer.Argument(..., help="The token from the unsubscribe link."),
    config_path: Path = ConfigOption,
    now: datetime | None = NowOption,
) -> None:
    """Verify TOKEN, mark the customer unsubscribed and suppress the address (safe to repeat).
    Exit 1 if the token is invalid or the signing secret is not set."""
    from engine.cli.store import ready_store
    from engine.cli.options import resolve_now
    from engine.suppression.tokens import TokenError, secret_from_env
    from engine.suppression.unsubscribe import unsubscribe as apply

    config, engine = ready_store(config_path)
    try:
        secret = secret_from_env(config.unsubscribe.secret_env)
        with engine.begin() as conn:
            done = apply(conn, token, secret, resolve_now(now))
    except TokenError as exc:
        raise TokenError(f"invalid unsubscribe token: {exc}; nothing was changed") from None
    finally:
        engine.dispose()
    who = f"customer {done.customer_external_id}" if done.customer_found else "no customer record"
    state = "Unsubscribed" if done.changed else "Already unsubscribed:"
    typer.echo(f"{state} {done.email} ({who}).")
