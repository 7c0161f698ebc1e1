"""The project cache (engine/documents/cache.py) and what is kept in it: an entry is used only for exactly the
inputs it was computed from, never through a link, and not at all with REKINDLE_CACHE=off."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.cli.app import app
from engine.documents.cache import CACHE_DIR, Fingerprint, project_cache
from tests.preview.kit import make_project

SHIPPED = Path(__file__).resolve().parents[2]


def test_an_entry_answers_only_its_own_key(tmp_path: Path) -> None:
    cache = project_cache(tmp_path)
    assert cache is not None
    cache.put("entry", "key-1", {"value": [1, 2]})
    assert cache.get("entry", "key-1") == {"value": [1, 2]}
    assert cache.get("entry", "key-2") is None
    assert (tmp_path / CACHE_DIR / ".gitignore").read_text().splitlines()[-1] == "*"


def test_a_fingerprint_follows_content_and_links_not_times(tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "a.html").write_text("one")
    first = Fingerprint("t").add_tree(folder).hexdigest()
    (folder / "a.html").write_text("one")  # rewritten, same content
    assert Fingerprint("t").add_tree(folder).hexdigest() == first
    (folder / "a.html").write_text("two")
    second = Fingerprint("t").add_tree(folder).hexdigest()
    assert second != first
    (folder / "b.html").symlink_to("/etc/hostname")
    assert Fingerprint("t").add_tree(folder).hexdigest() != second


def test_a_linked_cache_folder_is_never_used(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    project = tmp_path / "project"
    project.mkdir()
    (project / CACHE_DIR).symlink_to(outside)
    assert project_cache(project) is None


def test_the_switch_turns_it_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REKINDLE_CACHE", "off")
    assert project_cache(tmp_path) is None


def test_validate_sees_an_edit_made_after_a_cached_run(tmp_path: Path) -> None:
    config = make_project(tmp_path, f"sqlite:///{tmp_path / 'none.db'}")
    assert CliRunner().invoke(app, ["validate", "--config", str(config)]).exit_code == 0
    assert (tmp_path / CACHE_DIR / "template-checks.json").is_file()
    assert (tmp_path / CACHE_DIR / "valid-documents.json").is_file()
    hello = tmp_path / "templates" / "welcome" / "hello.txt"
    hello.write_text(hello.read_text().replace("Hi {{ customer | first_name }},", "Hi {{ customer.nickname }},"))
    broken = CliRunner().invoke(app, ["validate", "--config", str(config)])
    assert broken.exit_code == 1
    assert broken.stdout.startswith("templates/welcome/hello.txt:3:16: T302 customer has no field 'nickname'")
    hello.write_text(hello.read_text().replace("Hi {{ customer.nickname }},", "Hi {{ customer | first_name }},"))
    assert CliRunner().invoke(app, ["validate", "--config", str(config)]).exit_code == 0


def test_a_rule_edited_after_a_cached_run_is_checked_again(tmp_path: Path) -> None:
    config = make_project(tmp_path, f"sqlite:///{tmp_path / 'none.db'}")
    shutil.copytree(SHIPPED / "rules", tmp_path / "rules")
    config.write_text(config.read_text().replace(f"rules_dir: {SHIPPED / 'rules'}", "rules_dir: rules"))
    first = CliRunner().invoke(app, ["validate", "--config", str(config)])
    assert first.exit_code == 0, first.output
    rule = tmp_path / "rules" / "reactivation" / "winback-90.yaml"
    rule.write_text(rule.read_text().replace("inactive:", "inactiv:", 1))
    again = CliRunner().invoke(app, ["validate", "--config", str(config)])
    assert again.exit_code == 1
    assert 'unknown condition kind "inactiv"' in again.stdout
