"""The project as it is at a git ref (`rekindle plan --base origin/main`), without touching the work tree.

The config file and the rules, segments and templates folders it names are read with `git ls-tree` and
`git show REF:path` into a temporary directory that mirrors the repository layout; the ordinary project loader
then loads that copy, so the base is checked exactly like the head. Nothing is checked out, stashed or
written inside the repository.
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from engine.config.loader import load_config
from engine.errors import InvalidInput, UsageError
from engine.project import Project, ProjectInvalid, load_project


class UnknownRef(UsageError):
    """`--base` names something git cannot resolve in the project's repository."""


class BaseUnreadable(InvalidInput):
    """The project is not in a git repository, or the base's files cannot be read or loaded."""


def _git(repo: Path, *args: str) -> bytes:
    try:
        done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, check=False)
    except FileNotFoundError:
        raise BaseUnreadable("git is not installed; --base reads the base project from git") from None
    if done.returncode != 0:
        reason = done.stderr.decode(errors="replace").strip().splitlines()
        raise BaseUnreadable(f"git {' '.join(args[:2])} failed: {reason[-1] if reason else done.returncode}")
    return done.stdout


def repository_root(path: Path) -> Path:
    """The top of the git work tree holding `path`."""
    try:
        return Path(_git(path, "rev-parse", "--show-toplevel").decode().strip())
    except BaseUnreadable:
        raise BaseUnreadable(f"{path} is not inside a git repository; --base needs one") from None


def resolve_ref(repo: Path, ref: str) -> str:
    """The commit `ref` names, or UnknownRef (exit 2) with what git said."""
    try:
        return _git(repo, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").decode().strip()
    except BaseUnreadable:
        raise UnknownRef(f"--base {ref!r} is not a commit in {repo} (fetch it first, e.g. "
                         f"`git fetch origin {ref}`)") from None


def _relative(repo: Path, path: Path) -> str | None:
    """`path` as a repository path, or None when it lies outside the repository (then it is not versioned)."""
    try:
        return path.resolve().relative_to(repo.resolve()).as_posix()
    except ValueError:
        return None


def _export(repo: Path, commit: str, paths: list[str], into: Path) -> None:
    """Write every file under `paths` at `commit` into `into`, at the same relative paths."""
    listing = _git(repo, "ls-tree", "-r", "-z", "--name-only", commit, "--", *paths)
    for name in filter(None, listing.decode().split("\0")):
        target = into / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(_git(repo, "show", f"{commit}:{name}"))


@contextmanager
def base_project(config_path: Path, ref: str) -> Iterator[tuple[Project, str]]:
    """(the project at `ref`, its commit) for as long as the context is open; the copy is removed after.

    Folders the head config names are read at the base too, plus the base's own config (which may name
    others). A base that does not validate is an error: the comparison would be meaningless."""
    config_path = config_path.absolute()
    repo = repository_root(config_path.parent)
    commit = resolve_ref(repo, ref)
    config_name = _relative(repo, config_path)
    if config_name is None:
        raise BaseUnreadable(f"{config_path} is outside the git repository {repo}")
    with tempfile.TemporaryDirectory(prefix="rekindle-base-") as folder:
        root = Path(folder)
        _export(repo, commit, [config_name], root)
        base_config_path = root / config_name
        if not base_config_path.is_file():
            raise BaseUnreadable(f"{config_name} does not exist at {ref} ({commit[:12]})")
        head_config, _ = load_config(config_path)
        base_config, _ = load_config(base_config_path)
        folders = set()
        for config, home in ((head_config, config_path.parent), (base_config, base_config_path.parent)):
            if config is None:
                continue
            for relative in (config.rules_dir, config.segments_dir, config.templates_dir):
                anchored = home / relative
                # The base's folders are named relative to its copy; map them back into the repository.
                if home == base_config_path.parent:
                    anchored = config_path.parent / relative
                name = _relative(repo, anchored)
                if name is not None:
                    folders.add(name)
        if folders:
            _export(repo, commit, sorted(folders), root)
        try:
            project = load_project(base_config_path)
        except ProjectInvalid as exc:
            raise BaseUnreadable(f"the project at {ref} ({commit[:12]}) does not load: {exc}",
                                 exc.diagnostics) from None
        yield project, commit
