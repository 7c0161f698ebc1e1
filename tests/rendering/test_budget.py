"""The render budget (engine/rendering/budget.py): one template cannot hang or exhaust a run, and the limit it
hit is a T310 at the template line. Limits are counted (iterations, sizes, widths), never timed here."""

from __future__ import annotations

import os

import pytest

from engine.rendering import RenderError, compose_email
from engine.project import Project
from engine.rendering.checks import check_templates
from tests.rendering.kit import NOW, campaign, make_customer
from tests.rendering.test_sandbox import _template

OVER_BUDGET = {
    "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}":
        "its loops ran more than 100,000 times",
    "{{ 'a' * 10**9 }}": "`*` would make 1,000,000,000 items; at most 1,000,000",
    "{{ ([1] * 10**9) | length }}": "`*` would make 1,000,000,000 items; at most 1,000,000",
    "{{ '{:>1000000000}'.format('x') }}": "the format width 1,000,000,000 is wider than 1,000",
    "{{ '{:>{w}}'.format('x', w=10**9) }}": "a format spec takes its width from the arguments ({:{...}})",
    "{{ '%1000000000s' % 'x' }}": "the % format width 1,000,000,000 is wider than 1,000",
    "{{ '%*s' % (10**9, 'x') }}": "a % format takes its width from the arguments (*)",
    "{{ '%1000000000s' | format('x') }}": "the % format width 1,000,000,000 is wider than 1,000",
    "{{ 'x' | center(10**9) }}": "center width 1,000,000,000 is wider than 1,000",
    "{{ 'x' | indent(10**9) }}": "indent width 1,000,000,000 is wider than 1,000",
    "{{ 'x'.ljust(10**9) }}": "ljust width 1,000,000,000 is wider than 1,000",
    "{{ lipsum(10**6) }}": "lipsum size 1,000,000 is wider than 1,000",
    "{{ 7 ** 100000 }}": "`**` would make a number of more than 4,096 bits",
    "{{ range(100000) | join(',' * 100000) }}": "join would make 10,000,000,000 items; at most 1,000,000",
    "{{ ('a' * 1000) | replace('a', 'a' * 100000) }}": "replace would make 100,000,000 items; at most 1,000,000",
    "{% set ns = namespace(x='a') %}{% for i in range(30) %}{% set ns.x = ns.x ~ ns.x %}{% endfor %}":
        "the result would make 1,048,576 items; at most 1,000,000",
    "{% for i in range(60) %}{{ 'a' * 100000 }}{% endfor %}": "it rendered more than 5,000,000 characters",
}


@pytest.mark.parametrize("expression", sorted(OVER_BUDGET))
def test_a_template_over_its_budget_is_a_located_t308(project_dir, expression: str) -> None:
    config = project_dir({"big.html": _template(expression)})
    camp = campaign({"id": "s", "template": "big"})
    with pytest.raises(RenderError) as caught:
        compose_email(config, camp, camp.steps[0], make_customer(), variant=None, now=NOW, message_id="<m@x>")
    error = caught.value
    line = 0 if "rendered more than" in OVER_BUDGET[expression] else 5  # the output cap counts the whole file
    assert (error.code, error.template, error.line) == ("T310", "templates/big.html", line)
    assert error.message == f"the template exceeded its render budget: {OVER_BUDGET[expression]}"


def test_ordinary_loops_formats_and_filters_still_render(project_dir) -> None:
    expression = ("{% for i in range(3) %}[{{ '%3d' % i }}|{{ '{:>4}'.format(i) }}]{% endfor %}"
                  "{{ ['a', 'b'] | join(', ') }}{{ 'ab' * 3 }}{{ 2 ** 10 }}{{ 'x' | center(5) }}")
    config = project_dir({"fine.html": _template(expression)})
    camp = campaign({"id": "s", "template": "fine"})
    html = compose_email(config, camp, camp.steps[0], make_customer(), variant=None, now=NOW,
                         message_id="<m@x>").html
    assert "[  0|   0][  1|   1][  2|   2]a, bababab1024  x  " in html


def test_validate_reports_the_budget_as_a_diagnostic(project_dir) -> None:
    config = project_dir({"big.html": _template("{{ 'a' * 10**9 }}")})
    project = Project(config, (campaign({"id": "s", "template": "big"}),), {})
    [diagnostic] = check_templates(project)
    assert (diagnostic.code, str(diagnostic.location)) == ("T310", "templates/big.html:5:1")


def test_a_partial_linked_outside_the_templates_folder_is_never_read(project_dir, tmp_path) -> None:
    """`ln -s / templates/_partials/root` and an include through it: refused (T309), nothing read."""
    secret = tmp_path / "outside" / "environ.html"
    secret.parent.mkdir()
    secret.write_text("SMTP_PASSWORD=hunter2")
    config = project_dir({"leak.html": _template('{% include "_partials/root/environ.html" %}')})
    os.makedirs(config.root / "templates" / "_partials")
    os.symlink(secret.parent, config.root / "templates" / "_partials" / "root")
    os.symlink(secret, config.root / "templates" / "_partials" / "env.html")
    project = Project(config, (campaign({"id": "s", "template": "leak"}),), {})
    diagnostics = check_templates(project)
    assert [(d.code, str(d.location), d.message) for d in diagnostics] == [
        ("T309", "templates/_partials/env.html", "template '_partials/env.html' is a link to a file outside the "
         "templates folder; it was not read"),
        ("T309", "templates/leak.html:5:1", "campaign 'demo' step 's', customer sample-full: template "
         "'_partials/root/environ.html' is a link to a file outside the templates folder; it was not read"),
    ]
    assert "hunter2" not in repr(diagnostics)
