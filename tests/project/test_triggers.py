"""R213: a trigger's event should be one the audience asks for, directly or through a segment it uses."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.project import check_project
from tests.projects import write_project

SEGMENT = "version: 1\nid: onboarded\ncondition:\n  event: {name: onboarding_completed, within: 7d}\n"


def _codes(root: Path, audience: str) -> list[tuple[str, str]]:
    config = write_project(root, {"version": 1}, {
        "rules/celebrate.yaml": "version: 1\nid: celebrate\ntrigger: {event: onboarding_completed, enrol: on_arrival}\n"
                                f"audience:\n{audience}steps:\n  - {{id: hello, template: t/hello}}\n",
        "segments/onboarded.yaml": SEGMENT,
        "templates/t/hello.html": "{% block subject %}Hi{% endblock %}Hello",
    })
    project, diagnostics = check_project(config)
    assert project is not None
    return [(d.code, d.severity.value) for d in diagnostics]


@pytest.mark.parametrize("audience", [
    "  all:\n    - event: {name: onboarding_completed, within: 7d}\n    - subscribed: true\n",
    "  segment: onboarded\n",
    "  not: {last_event: {name: onboarding_completed, gte: 30d}}\n",
])
def test_an_audience_that_asks_for_the_event_is_fine(tmp_path: Path, audience: str) -> None:
    assert _codes(tmp_path, audience) == []


def test_an_audience_without_the_event_is_a_warning(tmp_path: Path) -> None:
    assert _codes(tmp_path, "  event: {name: login, within: 7d}\n") == [("R213", "warning")]
