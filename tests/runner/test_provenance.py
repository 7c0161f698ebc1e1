"""The rules commit stamped on every decision: HEAD of the rules' checkout, `-dirty` when edited, else None."""

import shutil
import subprocess

import pytest

from engine.runner.provenance import rules_commit

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def git(folder, *args):
    return subprocess.run(["git", "-C", str(folder), *args], check=True, capture_output=True, text=True).stdout.strip()


def test_commit_dirty_and_no_checkout(tmp_path):
    rules = tmp_path / "repo" / "rules"
    rules.mkdir(parents=True)
    (rules / "a.yaml").write_text("id: a\n")
    (tmp_path / "repo" / "README").write_text("x\n")
    assert rules_commit(rules) is None  # not a git checkout yet
    git(tmp_path / "repo", "init", "-q")
    git(tmp_path / "repo", "add", ".")
    git(tmp_path / "repo", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "rules")
    head = git(tmp_path / "repo", "rev-parse", "HEAD")
    assert rules_commit(rules) == head
    (tmp_path / "repo" / "README").write_text("edited outside the rules folder\n")
    assert rules_commit(rules) == head  # only the rules folder counts
    (rules / "b.yaml").write_text("id: b\n")  # an untracked rule file
    assert rules_commit(rules) == f"{head}-dirty"
