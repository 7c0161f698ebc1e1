"""Finding the YAML files a project names and naming files in messages, the same way for every document."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from engine.diagnostics import Diagnostic, Location

YAML_SUFFIXES = (".yaml", ".yml")
EXAMPLE_CUSTOMERS = Path("examples/data/customers.csv")
"""The example customers (relative to the project root) that template checks and previews render for
(engine/rendering/samples.py); the template-check cache (engine/cli/template_checks.py) hashes this file."""


def yaml_files(paths: Sequence[Path], diagnostics: list[Diagnostic]) -> list[Path]:
    """The YAML files named by `paths` (folders searched recursively, hidden and `_` entries skipped), sorted.

    A file that is a link leaving its folder (the searched folder, or its own folder when named directly) is
    refused with R114 and never read: a rule file must not be a window onto `~/.aws/credentials`.
    """
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            candidates = sorted(
                file for file in path.rglob("*")
                if file.suffix in YAML_SUFFIXES and file.is_file()
                and not any(part.startswith((".", "_")) for part in file.relative_to(path).parts)
            )
            found += contained(candidates, path, diagnostics)
        elif path.is_file():
            found += contained([path], path.parent, diagnostics)
        else:
            diagnostics.append(Diagnostic("R109", "file not found", Location(display_path(path))))
    return list(dict.fromkeys(found))


def leaves(path: Path, folder: Path) -> bool:
    """Whether `path`, with every link followed, is outside `folder` (links followed too)."""
    return not Path(os.path.realpath(path)).is_relative_to(os.path.realpath(folder))


def contained(files: Sequence[Path], folder: Path, diagnostics: list[Diagnostic], code: str = "R114") -> list[Path]:
    """`files` that stay inside `folder`; each one that leaves it is a diagnostic naming the link, not its target
    or content."""
    kept = []
    for file in files:
        if leaves(file, folder):
            diagnostics.append(Diagnostic(
                code, f"{display_path(file)} is a link to a file outside {display_path(folder)}/; it was not read",
                Location(display_path(file)), hint="copy the file into the folder instead of linking to it"))
        else:
            kept.append(file)
    return kept


def is_within(path: Path, folder: Path) -> bool:
    return path.absolute().is_relative_to(folder.absolute())


def display_path(path: Path) -> str:
    """How a file is named in messages: relative to the working directory when it is below it."""
    relative = os.path.relpath(path.absolute())
    return path.as_posix() if relative.startswith("..") else Path(relative).as_posix()
