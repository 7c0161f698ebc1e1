"""`rekindle run`: one tick of the run engine, then the outbox is sent (docs/campaigns.md, docs/cli.md).

Exit codes: 0 done (or skipped because another run holds the lock), 1 invalid rules, a campaign held by its
max_audience guard, an email that failed to render or a delivery that failed permanently, 2 usage,
3 SMTP unreachable (the queued emails stay queued).
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from engine.cli.exit_codes import ExitCode
from engine.cli.options import ConfigOption, NowOption, OutputFormat, resolve_now

CampaignOption = typer.Option(None, "--campaign", help="Only this campaign id (repeatable).")


def register(app: typer.Typer) -> None:
    app.command("run")(run)


def load_or_exit(config_path: Path, campaigns: list[str] | None = None):
    """The valid project, or its diagnostics on stderr and exit 1: nothing runs when any rule or template is
    invalid. Unknown `--campaign` ids are a usage error (exit 2). Shared by run, plan and simulate."""
    from engine.diagnostics import Severity
    from engine.diagnostics.formatters import format_text
    from engine.project import ProjectInvalid, load_project

    from engine.rendering.checks import check_templates

    try:
        project = load_project(config_path)
    except ProjectInvalid as exc:
        typer.echo(format_text(exc.diagnostics), err=True)
        typer.echo("error: the project has invalid rules; nothing was run", err=True)
        raise typer.Exit(ExitCode.FAILED) from None
    # Templates are part of what a marketer edits: one that no longer compiles or renders stops the run
    # before anything is queued, exactly like an invalid rule file.
    template_problems = [d for d in check_templates(project) if d.severity is Severity.error]
    if template_problems:
        typer.echo(format_text(template_problems), err=True)
        typer.echo("error: the project has invalid templates; nothing was run", err=True)
        raise typer.Exit(ExitCode.FAILED)
    known = {c.id for c in project.campaigns}
    unknown = [c for c in campaigns or () if c not in known]
    if unknown:
        typer.echo(f"error: unknown campaign {', '.join(map(repr, unknown))}; known: {', '.join(sorted(known))}",
                   err=True)
        raise typer.Exit(ExitCode.USAGE)
    return project


def run(
    config_path: Path = ConfigOption,
    now: str | None = NowOption,  # the callback hands over an aware datetime
    dry_run: bool = typer.Option(False, "--dry-run", help="Decide and render everything, write nothing."),
    campaign: list[str] = CampaignOption,
    limit: int | None = typer.Option(None, "--limit", min=0, help="Queue at most this many emails this run."),
    no_send: bool = typer.Option(False, "--no-send", help="Queue emails but leave sending to `rekindle send`."),
    wait: float = typer.Option(0.0, "--wait", min=0, help="Seconds to wait for another run to finish."),
    fmt: OutputFormat = typer.Option(OutputFormat.text, "--format", "-f", help="text or json."),
) -> None:
    """Enrol customers, end sequences, queue the emails that are due and send them.

    Exit codes: 0 finished, 1 partial or failed (each failure is on stderr), 3 SMTP unreachable."""
    from engine.cli.store import ready_store
    from engine.runner.cycle import run_cycle
    from engine.runner.options import RunOptions
    from engine.runner.render import compose_renderer, rehearsal_secret
    from engine.runner.tick import run_tick

    project = load_or_exit(config_path, campaign)
    config, engine = ready_store(config_path)
    at = resolve_now(now)
    options = RunOptions(now=at, campaigns=tuple(campaign or ()), limit=limit, persist=not dry_run)
    if dry_run:
        with engine.connect() as conn:
            summary = run_tick(conn, project, options, compose_renderer(project, at, rehearsal_secret(project)))
            conn.rollback()
        engine.dispose()
        _report(summary, None, summary.status, fmt)
        if summary.failed:
            raise typer.Exit(ExitCode.FAILED)
        return
    require_secret(project)
    backend = None if no_send else backend_or_exit(config)
    cycle = run_cycle(project, engine, options, backend, wait=wait)
    engine.dispose()
    if cycle.skipped is not None:
        _skipped(cycle.skipped, fmt)
        return
    _report(cycle.summary, cycle.delivery, cycle.status, fmt)
    if cycle.unavailable:
        raise typer.Exit(ExitCode.UNAVAILABLE)
    if cycle.status != "finished":
        raise typer.Exit(ExitCode.FAILED)


def require_secret(project) -> None:
    """The unsubscribe secret must be in the environment before anything is queued (it signs the links)."""
    from engine.suppression.tokens import MissingSecret, secret_from_env

    try:
        secret_from_env(project.config.unsubscribe.secret_env)
    except MissingSecret as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(ExitCode.FAILED) from None


def backend_or_exit(config):
    """The configured delivery backend, or the reason it cannot be used and exit 1 before any work."""
    from engine.delivery.registry import BackendConfigError, backend_from_config

    try:
        return backend_from_config(config)
    except BackendConfigError as exc:
        typer.echo(f"error: delivery: {exc}; nothing was run", err=True)
        raise typer.Exit(ExitCode.FAILED) from None


def _skipped(message: str, fmt: OutputFormat) -> None:
    if fmt is OutputFormat.json:
        typer.echo(json.dumps({"status": "skipped", "reason": message}))
    else:
        typer.echo(f"skipped: {message}; it does this run's work, nothing was done here", err=True)


def _report(summary, delivery, status: str, fmt: OutputFormat) -> None:
    if fmt is OutputFormat.json:
        document = {"status": status, **summary.to_dict(),
                    "delivery": delivery.as_dict() if delivery is not None else None}
        typer.echo(json.dumps(document, indent=2, default=str))
        return
    from engine.runner.report import print_table

    when = summary.now.isoformat().replace("+00:00", "Z")
    title = (f"DRY RUN at {when}: nothing was written" if summary.dry_run
             else f"Run {summary.run_id} at {when}" + (f" (rules {summary.rules_commit})" if summary.rules_commit else "")
             + f": {status}")
    print_table(summary, title)
    if delivery is not None:
        typer.echo(f"Sent {delivery.sent}, failed {delivery.failed}, deferred {delivery.deferred}, "
                   f"suppressed {delivery.suppressed} via {delivery.backend}.")
        if delivery.unavailable:
            typer.echo(f"error: cannot send: {delivery.unavailable}; the emails stay queued", err=True)
