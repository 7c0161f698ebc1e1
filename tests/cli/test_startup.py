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


UNUSED = ("sqlalchemy.connectors.asyncio", "importlib.resources", "pkgutil")
"""Modules `rekindle audience` once imported without using them: SQLAlchemy's asyncio connector (its aiosqlite
driver is deferred), importlib.resources with zipfile and tempfile (engine/timezones.py looks a zone up in the
system's files first) and pkgutil (only full command discovery lists the command modules)."""

DEFERRED_CHECK = f"""
import json, runpy, sys
sys.argv = ["rekindle", *sys.argv[1:]]
try:
    runpy.run_module("engine", run_name="__main__")
except SystemExit:
    pass
from engine.cli.deferred import DEFERRED, is_loaded
print(json.dumps([sorted(name for name in DEFERRED if is_loaded(name)), sorted(set({UNUSED!r}) & set(sys.modules))]),
      file=sys.stderr)
"""


def test_audience_never_runs_the_standard_modules_sqlalchemy_imports_but_does_not_use(tmp_path: Path) -> None:
    # asyncio and importlib.metadata were a twentieth of `audience`'s start-up (engine/cli/deferred.py); a
    # library that starts reading them at import time shows up here first
    from engine.store.database import open_engine
    from engine.store.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'store.db'}"
    make_project(tmp_path, url)
    engine = open_engine(url)
    upgrade(engine)
    engine.dispose()
    for run in range(2):  # the first run fills the check cache, the second is every later one
        done = subprocess.run([sys.executable, "-c", DEFERRED_CHECK, "audience", "winback-90", "--now", NOW],
                              cwd=tmp_path, capture_output=True, text=True)
        assert "Traceback" not in done.stderr, done.stderr
        assert done.stdout.startswith("winback-90: ")
        deferred, unused = json.loads(done.stderr.strip().splitlines()[-1])
        assert deferred == []
        if run:  # the first one renders the templates too, with libraries that import some of UNUSED
            assert unused == []


def test_a_deferred_module_is_the_real_module_from_its_first_use() -> None:
    code = """
import sys
from engine.cli.deferred import defer, is_loaded
defer()
import asyncio, importlib.metadata
from sqlalchemy.util import concurrency  # reads asyncio.iscoroutine while it is imported
assert not is_loaded("asyncio") and not is_loaded("importlib.metadata")
async def seven():
    return 7
coroutine = seven()
assert concurrency.iscoroutine(coroutine) and not concurrency.iscoroutine(seven)  # loads asyncio
assert is_loaded("asyncio") and asyncio.run(coroutine) == 7
from asyncio import Queue
assert Queue is sys.modules["asyncio"].Queue is sys.modules["asyncio.queues"].Queue
print(importlib.metadata.version("sqlalchemy") == __import__("sqlalchemy").__version__,
      sys.modules["importlib"].metadata is importlib.metadata)
import importlib.machinery
assert type(asyncio.__spec__.loader) is importlib.machinery.SourceFileLoader  # the real spec, once loaded
asyncio.__all__ = None
assert importlib.reload(asyncio) is asyncio and "Queue" in asyncio.__all__  # a reload runs the code again
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "True"]


def test_the_deferred_sqlite_asyncio_driver_is_loaded_for_a_url_that_names_it() -> None:
    # the SQLite dialect's package imports its aiosqlite module; a deferred submodule is found only once its
    # package is imported, so `defer()` imports no SQLAlchemy itself
    code = """
import sys
from engine.cli.deferred import defer, is_loaded
defer()
assert "sqlalchemy" not in sys.modules
import sqlalchemy
from sqlalchemy.dialects import registry, sqlite
assert sqlalchemy.create_engine("sqlite://").dialect.driver == "pysqlite"
assert not is_loaded("sqlalchemy.dialects.sqlite.aiosqlite") and "sqlalchemy.connectors.asyncio" not in sys.modules
driver = registry.load("sqlite.aiosqlite")
print(driver.driver, driver is sqlite.aiosqlite.dialect, is_loaded("sqlalchemy.dialects.sqlite.aiosqlite"))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["aiosqlite", "True", "True"]


def test_a_module_imported_before_defer_is_left_as_it_is() -> None:
    code = """
import asyncio, sys
from engine.cli.deferred import defer, is_loaded
defer()
print(sys.modules["asyncio"] is asyncio, is_loaded("asyncio"))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["True", "True"]


def test_a_command_that_loads_the_project_reads_its_config_once(tmp_path: Path, monkeypatch) -> None:
    # the store is opened with the project's config (engine/cli/store.py ready_config_store), not a second
    # reading and checking of rekindle.yaml
    from typer.testing import CliRunner

    import engine.config.loader
    import engine.project.load
    from engine.cli.app import app
    from engine.store.database import open_engine
    from engine.store.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'store.db'}"
    make_project(tmp_path, url)
    store = open_engine(url)
    upgrade(store)
    store.dispose()
    reads: list[Path] = []
    real = engine.config.loader.load_config_document

    def counted(path: Path, *args, **kwargs):
        reads.append(path)
        return real(path, *args, **kwargs)

    for module in (engine.config.loader, engine.project.load):  # the store's loader, the project's
        monkeypatch.setattr(module, "load_config_document", counted)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["audience", "winback-90", "--now", NOW])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("winback-90: ")
    assert reads == [Path("rekindle.yaml")]
