"""`rekindle serve`: the web endpoint (docs/web.md): one-click unsubscribe, preferences, click tracking, the
/v1 events and customers API, bounce and complaint feedback, health checks. Run it behind a reverse proxy."""

from __future__ import annotations

import logging
from pathlib import Path

import typer

from engine.cli.notes import say
from engine.cli.options import ConfigOption


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (behind a reverse proxy: keep 127.0.0.1)."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="TCP port to listen on."),
    log_format: str = typer.Option("json", "--log-format", help="json (one access-log line per request) or text."),
    config_path: Path = ConfigOption,
) -> None:
    """Serve the web endpoint with uvicorn until interrupted. Exit 1 if the project is invalid or the
    unsubscribe secret is not set, 3 if the store is unreachable."""
    import uvicorn

    from engine.cli.project import load_project_or_exit
    from engine.cli.store import ready_store
    from engine.observability.logs import configure
    from engine.web.app import create_app

    if log_format not in ("json", "text"):
        raise typer.BadParameter("must be json or text", param_hint="--log-format")
    project = load_project_or_exit(config_path, templates=False, not_done="not serving")
    config, store = ready_store(config_path)
    try:
        application = create_app(project, store)  # MissingSecret (exit 1) without the unsubscribe secret
    except BaseException:
        store.dispose()
        raise
    configure(log_format, logging.INFO)
    # uvicorn's own errors (an exception in a request, a bad request line) go to the same stream and format.
    uvicorn_errors = logging.getLogger("uvicorn.error")
    uvicorn_errors.handlers = list(logging.getLogger("rekindle").handlers)
    uvicorn_errors.setLevel(logging.WARNING)
    uvicorn_errors.propagate = False
    say(f"Serving {config_path} on http://{host}:{port} (Ctrl-C stops).", "serve.started", host=host, port=port)
    try:
        uvicorn.run(application, host=host, port=port, access_log=False, server_header=False, log_config=None,
                    proxy_headers=True, forwarded_allow_ips=config.web.forwarded_allow_ips, log_level="warning")
    finally:
        store.dispose()
