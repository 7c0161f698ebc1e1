"""Property: whatever a file holds, loading yields a typed campaign or clean diagnostics, never an exception.

Three generators: arbitrary text; arbitrary YAML structures built from the rule vocabulary; and valid
campaigns with random parts replaced, which reach the semantic checks and the typed model.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.diagnostics import CATALOGUE
from engine.project import check_project
from engine.rules.loader import load_campaign_file
from engine.rules.model import Campaign
from engine.documents.yaml_loader import CheckedLoader, FastCheckedLoader, _load, load_yaml_text

VOCABULARY = ["version", "id", "name", "audience", "steps", "wait", "template", "when", "all", "any", "not",
              "attribute", "event", "inactive", "for", "within", "since", "count", "where", "gte", "between",
              "in", "segment", "subscribed", "goal", "condition", "reentry", "policy", "cooldown", "send_window",
              "days", "start", "end", "holdout", "variants", "weight", "subject", "vars", "exit", "on_change"]
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=False),
                    st.text(max_size=12), st.sampled_from(["90d", "2w", "enrolled", "mon", "09:00", "after", "1"]))
KEYS = st.one_of(st.sampled_from(VOCABULARY), st.text(min_size=1, max_size=8))
STRUCTURES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                           st.dictionaries(KEYS, inner, max_size=5)), max_leaves=30)

VALID: dict[str, Any] = {
    "version": 1, "id": "winback", "audience": {"all": [{"inactive": {"for": "90d"}}, {"subscribed": True}]},
    "exit": {"event": {"name": "login", "since": "enrolled"}},
    "goal": {"condition": {"event": {"name": "purchase", "since": "enrolled"}}, "within": "30d"},
    "reentry": {"policy": "after", "cooldown": "180d"},
    "send_window": {"days": ["mon", "tue"], "start": "09:00", "end": "18:00", "timezone": "customer"},
    "holdout": 0.1, "vars": {"discount_usd": 20},
    "steps": [{"id": "a", "template": "t/a"},
              {"id": "b", "wait": "3d", "template": "t/b",
               "when": {"attribute": {"name": "plan", "in": ["pro"]}},
               "variants": [{"id": "x", "subject": "Hi"}, {"id": "y", "weight": 2, "template": "t/a"}]}],
}


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


@st.composite
def mutated_campaigns(draw: st.DrawFn) -> dict[str, Any]:
    """The valid campaign with one to three nodes replaced by arbitrary structures."""
    document = yaml.safe_load(yaml.safe_dump(VALID))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(document)[1:]))
        parent = document
        for part in path[:-1]:
            if not isinstance(parent, (dict, list)) or (isinstance(parent, list) and part >= len(parent)) or (
                    isinstance(parent, dict) and part not in parent):
                break
            parent = parent[part]
        else:
            if isinstance(parent, dict) or (isinstance(parent, list) and path[-1] < len(parent)):
                parent[path[-1]] = draw(STRUCTURES)
    return document


def _write_project(root: Path, document: dict[str, Any]) -> Path:
    """A project with `document` as its only rule file and the templates it references; returns its config."""
    (root / "rules").mkdir()
    (root / "rules" / "rule.yaml").write_text(yaml.safe_dump(document, allow_unicode=True))
    (root / "templates" / "t").mkdir(parents=True)
    for name in ("a", "b"):
        (root / "templates" / "t" / f"{name}.html").write_text("{% block subject %}x{% endblock %}")
    (root / "rekindle.yaml").write_text("version: 1\n")
    return root / "rekindle.yaml"


def _assert_clean(diagnostics: list) -> None:
    for diagnostic in diagnostics:
        assert diagnostic.code in CATALOGUE, diagnostic
        assert diagnostic.message and diagnostic.location.file


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_text_never_raises(text: str) -> None:
    document, diagnostics = load_yaml_text(text, "f.yaml")
    _assert_clean(diagnostics)
    assert document is not None or diagnostics


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(KEYS, STRUCTURES, max_size=8))
def test_arbitrary_structures_give_a_campaign_or_diagnostics(document: dict) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "rule.yaml"
        path.write_text(yaml.safe_dump(document, allow_unicode=True))
        source, diagnostics = load_campaign_file(path, "rule.yaml")
    _assert_clean(diagnostics)
    assert (source is None) == bool(diagnostics)
    if source is not None:
        assert isinstance(source.campaign, Campaign)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_campaigns())
def test_mutated_campaigns_give_a_project_or_diagnostics(document: dict) -> None:
    with tempfile.TemporaryDirectory() as folder:
        project, diagnostics = check_project(_write_project(Path(folder), document))
    _assert_clean(diagnostics)
    if not diagnostics:
        (campaign,) = project.campaigns
        assert campaign.id == document["id"] and len(campaign.steps) == len(document["steps"])


def test_the_unmutated_campaign_is_valid(tmp_path: Path) -> None:
    """The property above starts from a campaign that really is valid (else it would test nothing)."""
    project, diagnostics = check_project(_write_project(tmp_path, VALID))
    assert diagnostics == []
    assert project.campaigns[0].steps[1].variants[1].weight == 2


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(KEYS, STRUCTURES, max_size=8), st.sampled_from([None, True, False]))
def test_the_libyaml_and_pure_python_parsers_agree(document: dict, flow: bool | None) -> None:
    """Shallow files go through libyaml for speed; what comes out must not depend on which parser read it."""
    text = yaml.safe_dump(document, allow_unicode=True, default_flow_style=flow)
    fast, slow = _load(FastCheckedLoader, text, "f.yaml"), _load(CheckedLoader, text, "f.yaml")
    assert fast[1] == slow[1]
    if slow[0] is not None:
        assert (fast[0].data, fast[0].key_marks, fast[0].value_marks) == (
            slow[0].data, slow[0].key_marks, slow[0].value_marks)
