"""The checked YAML loader: YAML 1.2 scalars, positions of keys and values, and refusals that never raise."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.documents.yaml_loader import MAX_DEPTH, excerpt, load_yaml_file, load_yaml_text


def _data(text: str):
    document, problems = load_yaml_text(text, "f.yaml")
    assert problems == []
    return document.data


def test_scalars_resolve_like_yaml_1_2() -> None:
    """The YAML 1.1 surprises are gone: Norway is not false, 18:00 is not 1080, dates stay text."""
    assert _data("country: NO\nswitch: off\nyes_: yes\nstart: 18:00\nday: 2026-01-05\nmode: 0755\n") == {
        "country": "NO", "switch": "off", "yes_": "yes", "start": "18:00", "day": "2026-01-05", "mode": "0755",
    }
    assert _data("a: true\nb: False\nc: 12\nd: -3\ne: 1.5\nf: 1_000\ng: ~\nh: 1e3\n") == {
        "a": True, "b": False, "c": 12, "d": -3, "e": 1.5, "f": 1000, "g": None, "h": "1e3",
    }


def test_positions_of_keys_and_values() -> None:
    document, _ = load_yaml_text("id: x\nsteps:\n  - id: a\n    wait: 2d\n", "f.yaml")
    assert str(document.location(("steps", 0, "wait"))) == "f.yaml:4:11"
    assert str(document.location(("steps", 0, "wait"), key=True)) == "f.yaml:4:5"
    assert str(document.location(("steps", 0))) == "f.yaml:3:5"
    # A path that is not in the document (e.g. a missing key) falls back to its nearest parent.
    assert str(document.location(("steps", 0, "template"))) == "f.yaml:3:5"


def test_merge_keys_are_supported_and_located_at_the_merge() -> None:
    document, problems = load_yaml_text("base: &b {wait: 1d}\nstep:\n  <<: *b\n  id: x\n", "f.yaml")
    assert problems == []
    assert document.data["step"] == {"wait": "1d", "id": "x"}
    assert str(document.location(("step", "id"), key=True)) == "f.yaml:4:3"


def test_duplicate_keys_name_both_lines() -> None:
    document, problems = load_yaml_text("a: 1\nb: 2\na: 3\n", "f.yaml")
    assert [(p.code, str(p.location), p.message) for p in problems] == [
        ("R106", "f.yaml:3:1", 'duplicate key "a" (first defined on line 1)')]


@pytest.mark.parametrize("text, tag", [
    ("a: !!python/name:os.system\n", "!!python/name:os.system"),
    ("a: !!binary aGVsbG8=\n", "!!binary"),
    ("a: !!set {x, y}\n", "!!set"),
    ("a: !!timestamp 2026-01-01\n", "!!timestamp"),
    ("a: !env HOME\n", "!env"),
])
def test_tags_other_than_plain_values_are_refused(text: str, tag: str) -> None:
    document, (problem,) = load_yaml_text(text, "f.yaml")
    assert document is None
    assert (problem.code, str(problem.location)) == ("R107", "f.yaml:1:4")
    assert problem.message.startswith(f"the tag {tag} is not allowed")


def test_deep_nesting_is_refused_without_recursion_errors() -> None:
    document, (problem,) = load_yaml_text("a: " + "[" * 2000 + "]" * 2000 + "\n", "f.yaml")
    assert document is None and problem.code == "R111"
    document, (problem,) = load_yaml_text("a: " + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5) + "\n", "f.yaml")
    assert document is None and problem.code == "R111" and problem.location.line == 1


def test_a_byte_order_mark_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbfversion: 1\n")
    document, problems = load_yaml_file(path, "bom.yaml")
    assert problems == [] and document.data == {"version": 1}


def test_an_unreadable_path_is_a_diagnostic(tmp_path: Path) -> None:
    document, (problem,) = load_yaml_file(tmp_path, "folder.yaml")
    assert document is None and problem.code == "R109" and problem.message.startswith("cannot read file")


def test_control_characters_are_a_diagnostic() -> None:
    document, (problem,) = load_yaml_text("a: 1\nb: x\x07bell\n", "f.yaml")
    assert document is None
    assert (problem.code, str(problem.location)) == ("R101", "f.yaml:2:5")
    assert problem.message == "control character U+0007 is not allowed in YAML; delete it"


def test_excerpt_numbers_lines_and_points_at_the_column() -> None:
    assert excerpt("one\ntwo\nthree\nfour\n", 3, 2) == "1 | one\n2 | two\n3 | three\n  |  ^"
    assert excerpt("x\n", 9, 1) == ""
