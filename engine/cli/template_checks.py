"""The template checks of a project, answered from the project's cache when nothing they read has changed.

Checking the templates compiles every file and renders every step for the sample customers
(engine/rendering/checks.py); it is most of the time of `rekindle validate` and of every command that refuses
to run with a broken template. The answer depends only on what is fingerprinted here: the parsed project (its
config but its store URL, campaigns, segments and catalog, as their full `repr`), every file under the
templates folder, the example customers, the code, the working folder (diagnostics name files relative to it)
and the day (templates may read `now`). With the same fingerprint, the diagnostics of the last check are returned without importing
the renderer; otherwise the check runs and its answer is stored (engine/documents/cache.py; REKINDLE_CACHE=off
always runs it).
"""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import datetime, timezone

from engine.diagnostics import Diagnostic
from engine.documents.cache import Fingerprint, project_cache
from engine.documents.paths import EXAMPLE_CUSTOMERS
from engine.project import Project

ENTRY = "template-checks"
#: The libraries whose behaviour the check's answer depends on (their upgrade starts afresh).
LIBRARIES = ("jinja2", "markupsafe", "babel", "inscriptis", "lxml")


def checked_templates(project: Project) -> list[Diagnostic]:
    """Every template diagnostic of `project` (errors and warnings), as `check_templates` finds them."""
    now = datetime.now(timezone.utc)
    cache = project_cache(project.config.root)
    key = fingerprint(project, now) if cache is not None else ""
    if cache is not None:
        stored = cache.get(ENTRY, key)
        if isinstance(stored, list):
            return [Diagnostic.from_dict(item) for item in stored]
    from engine.rendering.checks import check_templates

    diagnostics = check_templates(project, now=now)
    if cache is not None:
        cache.put(ENTRY, key, [{**d.to_dict(), "extra": d.extra} for d in diagnostics])
    return diagnostics


def fingerprint(project: Project, now: datetime) -> str:
    """The cache key of the template checks of `project` on the UTC day of `now`."""
    config = project.config
    # The store is never read by the checks: a store URL from the environment (REKINDLE_STORE_URL) must not
    # make every command of another store start afresh.
    checked = replace(project, config=replace(config, store_url=""))
    return (Fingerprint(ENTRY).add_code(*LIBRARIES)
            .add(os.getcwd(), now.date().isoformat(), repr(checked))
            .add_tree(config.path(config.templates_dir))
            .add_file(config.root / EXAMPLE_CUSTOMERS)
            .hexdigest())
