"""Finding the YAML files a project names and naming files in messages, the same way for every document."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from engine.diagnostics import Diagnostic, Location

YAML_SUFFIXES = (".yaml", ".yml")


def yaml_files(paths: Sequence[Path], diagnostics: list[Diagnostic]) -> list[Path]:
    """The YAML files named by `paths` (folders searched recursively, hidden and `_` entries skipped), sorted."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(
                file for file in path.rglob("*")
                if file.suffix in YAML_SUFFIXES and file.is_file()
                and not any(part.startswith((".", "_")) for part in file.relative_to(path).parts)
            )
        elif path.is_file():
            found.append(path)
        else:
            diagnostics.append(Diagnostic("R109", "file not found", Location(display_path(path))))
    return list(dict.fromkeys(found))


def is_within(path: Path, folder: Path) -> bool:
    return path.absolute().is_relative_to(folder.absolute())


def display_path(path: Path) -> str:
    """How a file is named in messages: relative to the working directory when it is below it."""
    relative = os.path.relpath(path.absolute())
    return path.as_posix() if relative.startswith("..") else Path(relative).as_posix()
