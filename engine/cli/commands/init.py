"""`rekindle init DIR`: write a starter project (config, a rule, a segment, templates, example data) that
validates as it is."""

from __future__ import annotations

from pathlib import Path

import typer

from engine.errors import InvalidInput, PermanentFailure



def register(app: typer.Typer) -> None:
    app.command("init")(init)


def init(
    directory: Path = typer.Argument(..., help="Folder to create the project in (created if missing).",
                                     file_okay=False),
) -> None:
    """Create a starter project: rekindle.yaml, rules/, segments/, templates/, schemas/ and examples/data/.

    Existing files are never overwritten: if any would be, nothing is written and the exit code is 1.
    """
    from engine.scaffold import write_project

    try:
        written = write_project(directory)
    except FileExistsError as exc:
        raise InvalidInput(f"not writing anything: these files already exist: {exc}") from None
    except OSError as exc:
        raise PermanentFailure(f"cannot create the project in {directory}: {exc.strerror or exc}") from None
    for path in written:
        typer.echo(f"created {path}")
    typer.echo(FIRST_RUN.format(directory=directory))


FIRST_RUN = """
Your first run, from start to a sent email (the starter customers signed up this week):

  cd {directory}
  rekindle validate                                      # rules, segments, config and templates are valid
  rekindle db init                                       # create the store: rekindle.db (SQLite)
  rekindle import customers examples/data/customers.csv
  rekindle import events examples/data/events.csv
  rekindle audience welcome                              # who the welcome campaign would reach
  rekindle preview welcome hello --customer c1           # the email c1 would get
  export REKINDLE_UNSUBSCRIBE_SECRET="$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')"
  rekindle run                                           # welcome emails land in outbox/ as files
  rekindle status                                        # what happened, what needs attention

The unsubscribe secret signs the unsubscribe links; keep the same value for good (a new one breaks the
links already sent) in your scheduler's environment or secret store, never in rekindle.yaml.
Then: `rekindle worker` runs it unattended (docs/operations.md); delivery.backend: smtp sends for real."""
