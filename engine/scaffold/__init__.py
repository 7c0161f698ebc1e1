"""The starter project `rekindle init` writes: package data under `project/`, plus the JSON Schemas.

The schemas are copied next to the rules so editors (yaml-language-server) validate and complete rule files
(and rule-test files) through the `$schema` comment at their top, with no network access.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from importlib.resources import as_file, files
from pathlib import Path

from engine.documents.schemas import SCHEMA_DIR, SCHEMA_FILES
from engine.ruletest.loader import SCHEMA_FILE as TEST_SCHEMA_FILE

_RENAMED = {"gitignore": ".gitignore"}
"""Dotfiles are stored without their dot so packaging tools do not skip them."""

_RELATIVE_DATE = re.compile(rb"\{today-(\d+)d\}")
"""`{today-3d}` in the example data: the starter customers signed up days before `rekindle init` ran, so the
first `rekindle run` finds new customers to welcome (data dated months ago would send nothing)."""


def scaffold_files(today: date | None = None) -> dict[str, bytes]:
    """Every file of the starter project, by its path relative to the project folder; the example data is
    dated relative to `today` (default: the current UTC date)."""
    today = today or date.today()
    contents: dict[str, bytes] = {}
    with as_file(files(__package__) / "project") as root:
        for file in sorted(root.rglob("*")):
            if file.is_file() and "__pycache__" not in file.parts:
                relative = file.relative_to(root).as_posix()
                data = file.read_bytes()
                if relative.startswith("examples/data/"):
                    data = _RELATIVE_DATE.sub(
                        lambda m: (today - timedelta(days=int(m[1]))).isoformat().encode(), data)
                contents[_RENAMED.get(relative, relative)] = data
    for name in (*SCHEMA_FILES.values(), TEST_SCHEMA_FILE):
        contents[f"schemas/{name}"] = (SCHEMA_DIR / name).read_bytes()
    return contents


def write_project(target: Path, today: date | None = None) -> list[Path]:
    """Write the starter project into `target`; refuses (FileExistsError) to overwrite any existing file."""
    contents = scaffold_files(today)
    clashes = [target / name for name in contents if (target / name).exists()]
    if clashes:
        raise FileExistsError(", ".join(str(path) for path in clashes))
    written = []
    for name, data in contents.items():
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written.append(path)
    return written
