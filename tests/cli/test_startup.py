"""Start-up stays small by structure: what a command imports is checked here (its speed is measured in
bench/startup.py, never in a test). Each check runs the real CLI in a fresh interpreter and reads which
libraries it loaded."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.preview.kit import NOW, make_project

HEAVY = ("sqlalchemy", "alembic", "jsonschema", "jinja2", "babel", "inscriptis", "lxml", "pydantic", "rich")
"""Libraries that each take a noticeable share of start-up to import."""
PARTS = ("sqlalchemy.orm", "sqlalchemy.dialects.postgresql")
"""Parts of a HEAVY library that cost a noticeable share again: the ORM (about as much as the rest of SQLAlchemy,
engine/store/tables.py) and the PostgreSQL dialect with all its drivers, which a SQLite store never needs."""

_LOADED = f"""
import json, runpy, sys
sys.argv = ["rekindle", *sys.argv[1:]]
try:
    runpy.run_module("engine", run_name="__main__")
except SystemExit:
    pass
found = ({{m.split(".")[0] for m in sys.modules}} & set({HEAVY!r})) | (set(sys.modules) & set({PARTS!r}))
print(json.dumps(sorted(found)), file=sys.stderr)
"""


def loaded(*args: str, cwd: Path, env: dict[str, str] | None = None) -> set[str]:
    """The HEAVY libraries and PARTS loaded by `rekindle ARGS` from start to exit (the command must succeed)."""
    done = subprocess.run([sys.executable, "-c", _LOADED, *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, **(env or {})})
    assert "Traceback" not in done.stderr, done.stderr
    return set(json.loads(done.stderr.strip().splitlines()[-1]))


def test_building_the_cli_imports_no_heavy_library() -> None:
    code = f"import sys, engine.cli.app; print(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_looking_up_each_command_finds_what_full_discovery_finds() -> None:
    # A run imports only the module named like its command (engine/cli/app.py); any name it does not find
    # there must come from full discovery, so the fast path can never pick another module's command.
    from engine.cli.app import _named_source, command_sources

    for name, source in command_sources().items():
        named = _named_source(name)
        if named is not None:
            assert {i.callback for i in named.registered_commands} == {i.callback for i in source.registered_commands}
            assert [i.name for i in named.registered_groups] == [i.name for i in source.registered_groups]
    assert _named_source("resume") is None  # pause.py registers it: found by full discovery
    assert _named_source("import") is not None  # import_.py, `import` being a keyword


def test_running_a_command_imports_only_its_own_command_module(tmp_path: Path) -> None:
    code = """
import runpy, sys
sys.argv = ["rekindle", "validate", "--help"]
try:
    runpy.run_module("engine", run_name="__main__")
except SystemExit:
    pass
print(sorted(m for m in sys.modules if m.startswith("engine.cli.commands.")), file=sys.stderr)
"""
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert done.stderr.strip().splitlines()[-1] == "['engine.cli.commands.validate']"


def test_validate_never_imports_alembic_and_answers_from_the_cache_without_the_renderer(tmp_path: Path) -> None:
    make_project(tmp_path, f"sqlite:///{tmp_path / 'none.db'}")
    first = loaded("validate", cwd=tmp_path)
    assert "alembic" not in first  # validating reads no store (sample customers are ORM objects: SQLAlchemy)
    assert {"jinja2", "jsonschema"} <= first  # the first run checks everything
    again = loaded("validate", cwd=tmp_path)
    # nothing: the store URL is plainly usable (engine/store/urls.py), nothing of the template or schema checks
    # runs, and Typer converts the options without pydantic (pyproject.toml keeps Typer below 0.29)
    assert again == set()
    assert loaded("validate", cwd=tmp_path, env={"REKINDLE_CACHE": "off"}) >= {"jinja2", "jsonschema"}


def test_audience_reads_the_store_without_alembic_or_the_renderer(tmp_path: Path) -> None:
    from engine.store.database import open_engine
    from engine.store.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'store.db'}"
    make_project(tmp_path, url)
    engine = open_engine(url)
    upgrade(engine)  # as `rekindle db init` does
    engine.dispose()
    first = loaded("audience", "winback-90", "--now", NOW, cwd=tmp_path)
    assert "sqlalchemy.orm" in first  # the first run renders the templates for sample customers (ORM objects)
    # the query needs SQLAlchemy's Core only: the tables of engine/store/tables.py, no ORM, and on SQLite nothing
    # of PostgreSQL (JSONB and the partial indexes' PostgreSQL predicates come in only for PostgreSQL)
    assert loaded("audience", "winback-90", "--now", NOW, cwd=tmp_path) == {"sqlalchemy"}
