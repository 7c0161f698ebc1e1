"""The one way tests put a project on disk: `rekindle.yaml` (from a mapping or text), any other files from
`{relative path: content}`, and optionally a store created through the migrations, as `rekindle db init`
would. Area kits (tests/runner/cliproject.py, tests/preview/kit.py, ...) only choose what to write.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from engine.store.database import open_engine
from engine.store.migrate import upgrade

Files = Mapping[str, "str | bytes"]


def write_files(root: Path, files: Files) -> None:
    """Write each file under `root`, creating folders; text as UTF-8."""
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def write_project(root: Path, config: Mapping[str, Any] | str, files: Files | None = None, *,
                  migrate_store: str | None = None) -> Path:
    """Write `rekindle.yaml` (a mapping is written as JSON, which is YAML) and `files` under `root`; with
    `migrate_store`, create that store's tables at the latest revision. Returns the config path."""
    root.mkdir(parents=True, exist_ok=True)
    write_files(root, files or {})
    path = root / "rekindle.yaml"
    path.write_text(config if isinstance(config, str) else json.dumps(dict(config)), encoding="utf-8")
    if migrate_store is not None:
        engine = open_engine(migrate_store)
        upgrade(engine)
        engine.dispose()
    return path
