"""`create_app`: the Starlette application of a project, its routes a plain list from small modules."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from datetime import datetime

from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.middleware import Middleware

from engine.project import Project
from engine.runner.provenance import rules_commit
from engine.suppression.tokens import secret_from_env
from engine.web import clicks, events_api, feedback, health, preferences, unsubscribe
from engine.web.context import WebContext, wall_clock
from engine.web.guards import AccessLog, BodyLimit, RateLimit

#: The pages anyone on the internet can reach with a link from an email: rate limited per client.
PUBLIC_PREFIXES = ("/unsubscribe", "/resubscribe", "/preferences", "/c/")


def create_app(
    project: Project,
    store: Engine,
    *,
    environ: Mapping[str, str] | None = None,
    clock: Callable[[], datetime] = wall_clock,
) -> Starlette:
    """The web endpoint of `project` on `store`. The unsubscribe secret must be set (`MissingSecret`
    otherwise: a server that cannot check tokens must not start); the /v1 bearer token may be unset, and
    then /v1 answers 503."""
    environ = os.environ if environ is None else environ
    config = project.config
    ctx = WebContext(
        project=project,
        store=store,
        secret=secret_from_env(config.unsubscribe.secret_env, environ),
        api_token=environ.get(config.web.api_token_env) or None,
        clock=clock,
        rules_commit=rules_commit(config.path(config.rules_dir)),
    )
    routes = [
        *health.routes(ctx),
        *unsubscribe.routes(ctx),
        *preferences.routes(ctx),
        *clicks.routes(ctx),
        *events_api.routes(ctx),
        *feedback.routes(ctx),
    ]
    middleware = [
        Middleware(AccessLog),
        Middleware(BodyLimit, max_bytes=config.web.max_body_bytes),
        Middleware(RateLimit, rate=config.web.rate_limit, prefixes=PUBLIC_PREFIXES),
    ]
    return Starlette(routes=routes, middleware=middleware)
