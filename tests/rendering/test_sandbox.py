"""Templates run in Jinja's immutable sandbox: escapes are refused and reported as clean T304 diagnostics."""

from __future__ import annotations

import pytest

from engine.rendering import RenderError, compose_email
from engine.rendering.checks import check_templates
from tests.rendering.kit import NOW, campaign, make_customer

ESCAPES = [
    "{{ ''.__class__.__mro__ }}",
    "{{ cycler.__init__.__globals__ }}",
    "{{ ().__class__.__base__.__subclasses__() }}",
    "{{ customer.__class__ }}",
    "{{ lipsum.__globals__['os'] }}",
    "{{ vars.update({'a': 1}) }}",
    "{{ customer.attributes.pop('plan') }}",
    "{{ joiner.__call__.__self__.__dict__ }}",
]


def _template(expression: str) -> str:
    return ('{% extends "_layouts/base.html" %}\n{% block subject %}Hello{% endblock %}\n'
            "{% block body %}\n<p>ok</p>\n" + expression + "\n{% endblock %}\n")


@pytest.mark.parametrize("expression", ESCAPES)
def test_escape_is_refused_with_the_template_line(project_dir, expression: str) -> None:
    config = project_dir({"evil.html": _template(expression)})
    camp = campaign({"id": "s", "template": "evil"})
    with pytest.raises(RenderError) as caught:
        compose_email(config, camp, camp.steps[0], make_customer(), variant=None, now=NOW, message_id="<m@x>")
    error = caught.value
    assert (error.code, error.template, error.line) == ("T304", "templates/evil.html", 5)
    assert error.message.startswith("the template sandbox refused an unsafe operation: ")
    assert "unsafe" in error.message


def test_escape_becomes_a_diagnostic_in_checks(project_dir) -> None:
    from types import SimpleNamespace

    config = project_dir({"evil.html": _template("{{ ''.__class__.__mro__ }}")})
    project = SimpleNamespace(config=config, campaigns=(campaign({"id": "s", "template": "evil"}),))
    [diagnostic] = check_templates(project)
    assert diagnostic.code == "T304"
    assert str(diagnostic.location) == "templates/evil.html:5:1"
    assert diagnostic.message == ("campaign 'demo' step 's', customer sample-full: the template sandbox refused an "
                                  "unsafe operation: access to attribute '__class__' of 'str' object is unsafe.")


def test_customer_is_plain_data_not_the_orm_row(project_dir) -> None:
    """The ORM row's registry/metadata must be out of reach: templates see a dict of values."""
    config = project_dir({"t.html": _template("{{ customer.metadata | default('none') }}|{{ customer.registry | default('none') }}")})
    camp = campaign({"id": "s", "template": "t"})
    composed = compose_email(config, camp, camp.steps[0], make_customer(), variant=None, now=NOW, message_id="<m@x>")
    assert "none|none" in composed.html
