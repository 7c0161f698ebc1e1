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
    typer.echo(f"\nnext: cd {directory} && rekindle validate")
