"""Which version of the rules made a decision: the git commit of the rules folder, `-dirty` when edited."""

from __future__ import annotations

import subprocess
from pathlib import Path


def rules_commit(rules_dir: Path) -> str | None:
    """`git rev-parse HEAD` of the checkout holding `rules_dir`, plus `-dirty` when files under it differ from
    HEAD (including untracked ones); None when it is not in a git checkout or git is not installed."""
    try:
        head = _git(rules_dir, "rev-parse", "HEAD")
        changed = _git(rules_dir, "status", "--porcelain", "--", ".")
    except (OSError, subprocess.CalledProcessError):
        return None
    return f"{head}-dirty" if changed else head


def _git(folder: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(folder), *args], capture_output=True, text=True, check=True, timeout=10
    )
    return done.stdout.strip()
