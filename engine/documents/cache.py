"""Results worked out from a project's files, kept in `.rekindle-cache/` at the project root between runs.

`rekindle validate` and every command that loads the project check the templates by rendering every step for
the sample customers; that is most of their time and gives the same answer until something it reads changes.
An entry is stored under a key that is a hash of everything the result depends on (file contents, the
parsed project, the code) and is used only when the key is the same, so an edit anywhere makes a fresh check.

Safe by construction: the folder is used only when it is a real folder inside the project (never a link,
entries are opened without following links), writes go through a temporary file and an atomic rename, and any
failure to read or write (a read-only checkout, a full disk, a damaged entry) just means no cache. The folder
holds its own `.gitignore`, so it is never committed. `REKINDLE_CACHE=off` turns the cache off.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import os
import sys
from pathlib import Path
from typing import Any

CACHE_DIR = ".rekindle-cache"
SWITCH = "REKINDLE_CACHE"
"""Environment variable: `off` (or `0`, `no`, `false`) and nothing is read from or written to the cache."""

_ENGINE = Path(__file__).resolve().parents[1]
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
_WRITE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)


def enabled() -> bool:
    return os.environ.get(SWITCH, "").strip().lower() not in ("off", "0", "no", "false")


@functools.cache
def _engine_code() -> str:
    """Rekindle's .py files by path, size and modification time, hashed: read once per process (several caches
    ask for it, and the code a process runs does not change while it runs)."""
    code = hashlib.sha256()
    for folder, subfolders, files in os.walk(_ENGINE):
        subfolders.sort()
        for name in sorted(files):
            if name.endswith(".py"):
                stat = os.stat(os.path.join(folder, name))
                code.update(repr((os.path.join(folder, name), stat.st_size, stat.st_mtime_ns)).encode())
    return code.hexdigest()


class Fingerprint:
    """A running hash of what a result depends on; `hexdigest()` is the key it is cached under."""

    def __init__(self, kind: str) -> None:
        self._hash = hashlib.sha256(kind.encode())

    def add(self, *parts: object) -> Fingerprint:
        for part in parts:
            data = part if isinstance(part, bytes) else repr(part).encode()
            self._hash.update(len(data).to_bytes(8, "big") + data)
        return self

    def add_code(self, *libraries: str) -> Fingerprint:
        """Rekindle's own code and the named libraries, by size and modification time of their files (the test
        Python applies to its own bytecode cache), so an upgrade or a local edit invalidates every entry."""
        self.add(sys.version, _engine_code())
        for library in libraries:
            spec = importlib.util.find_spec(library)
            origin = spec.origin if spec is not None else None
            found = os.stat(origin) if origin else None
            self.add(library, origin, found and (found.st_size, found.st_mtime_ns))
        return self

    def add_file(self, path: Path) -> Fingerprint:
        """A file by its content (absent, a folder or unreadable: said so); a link by its target too."""
        self.add(str(path))
        if path.is_symlink():
            self.add("link", os.readlink(path))
        try:
            self.add(path.read_bytes() if path.is_file() else "not a file")
        except OSError as exc:
            self.add("unreadable", exc.errno)
        return self

    def add_tree(self, folder: Path) -> Fingerprint:
        """Every entry under `folder`, by name, kind and content; links are recorded by their target and not
        followed (what a link reaches inside the folder is hashed where it is)."""
        self.add(str(folder), folder.is_dir())
        for base, subfolders, files in os.walk(folder):
            subfolders.sort()
            for name in sorted(subfolders):
                path = Path(base, name)
                if path.is_symlink():
                    self.add(str(path), "link", os.readlink(path))
            for name in sorted(files):
                path = Path(base, name)
                if path.is_symlink():
                    self.add(str(path), "link", os.readlink(path))
                else:
                    self.add_file(path)
        return self

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


class ResultCache:
    """One JSON entry per name (`templates`), holding the key it was computed for and the value."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def get(self, name: str, key: str) -> Any | None:
        """The value stored under `name` for exactly `key`, else None."""
        try:
            descriptor = os.open(self.folder / f"{name}.json", _READ_FLAGS)
            with os.fdopen(descriptor, "rb") as handle:
                entry = json.loads(handle.read())
        except (OSError, ValueError):
            return None
        if not isinstance(entry, dict) or entry.get("key") != key:
            return None
        return entry.get("value")

    def put(self, name: str, key: str, value: Any) -> None:
        """Store `value` (JSON) for `key`, replacing what `name` held; silently nothing when it cannot."""
        try:
            data = json.dumps({"key": key, "value": value}, ensure_ascii=False).encode()
        except (TypeError, ValueError):
            return  # not plain JSON: not cached
        temporary = self.folder / f".{name}.{os.getpid()}.tmp"
        try:
            if not _prepare(self.folder):
                return
            descriptor = os.open(temporary, _WRITE_FLAGS, 0o644)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
            os.replace(temporary, self.folder / f"{name}.json")  # replaces a link itself, never its target
        except OSError:
            temporary.unlink(missing_ok=True)


def project_cache(root: Path) -> ResultCache | None:
    """The cache of the project at `root`, or None when it is switched off or `.rekindle-cache` exists but is
    not a real folder (a link, a file)."""
    if not enabled():
        return None
    folder = root / CACHE_DIR
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        return None
    return ResultCache(folder)


def _prepare(folder: Path) -> bool:
    """Make the cache folder, with the `.gitignore` that keeps it out of commits. False if it is a link."""
    if folder.is_symlink():
        return False
    if not folder.is_dir():
        folder.mkdir()
        (folder / ".gitignore").write_text("# Made by rekindle; safe to delete.\n*\n", encoding="utf-8")
    return True
