"""Template mistakes are reported with the exact template file and line, never as a traceback."""

from __future__ import annotations

import pytest

from engine.rendering import RenderError, compose_email
from tests.rendering.kit import NOW, campaign, make_customer


def _compose(config, template: str, **step):
    camp = campaign({"id": "s", "template": template, **step})
    return compose_email(config, camp, camp.steps[0], make_customer(), variant=None, now=NOW, message_id="<m@x>")


def _error(config, template: str, **step) -> RenderError:
    with pytest.raises(RenderError) as caught:
        _compose(config, template, **step)
    return caught.value


HEAD = '{% extends "_layouts/base.html" %}\n{% block subject %}Hi {{ customer | first_name }}{% endblock %}\n'


@pytest.mark.parametrize(
    ("body", "line", "needle"),
    [
        ("{% block body %}\n<p>a</p>\n<p>{{ customer.nickname }}</p>\n{% endblock %}", 5, "'nickname'"),
        ("{% block body %}\n{{ vars.coupon }}\n{% endblock %}", 4, "'coupon'"),
        ("{% block body %}\n\n\n{{ promo_code }}\n{% endblock %}", 6, "'promo_code' is undefined"),
        ("{% block body %}\n{% if customer.attributes.tier == 'gold' %}x{% endif %}\n{% endblock %}", 4, "'tier'"),
    ],
)
def test_missing_variable_names_template_line_and_variable(project_dir, body: str, line: int, needle: str) -> None:
    error = _error(project_dir({"e.html": HEAD + body}), "e")
    assert (error.code, error.template, error.line) == ("T302", "templates/e.html", line)
    assert needle in error.message
    assert str(error).startswith(f"templates/e.html:{line}: undefined variable: ")


def test_default_filter_is_the_explicit_fallback(project_dir) -> None:
    body = ("{% block body %}<p>{{ customer.attributes.tier | default('standard') }} "
            "{{ vars.coupon | default('none') }} {{ customer | first_name }}</p>{% endblock %}")
    composed = _compose(project_dir({"e.html": HEAD + body}), "e")
    assert "<p>standard none Ada</p>" in composed.html


def test_missing_variable_in_the_layout_points_at_the_layout(project_dir) -> None:
    layout = "<html><head><title>{% block subject %}{% endblock %}</title></head>\n<body>\n{{ brand_name }}\n</body></html>"
    config = project_dir({"_layouts/base.html": layout, "e.html": HEAD + "{% block body %}{% endblock %}"})
    error = _error(config, "e")
    assert (error.code, error.template, error.line) == ("T302", "templates/_layouts/base.html", 3)


def test_missing_variable_in_the_subject_block(project_dir) -> None:
    source = '{% extends "_layouts/base.html" %}\n\n{% block subject %}{{ vars.discount }} off{% endblock %}\n'
    error = _error(project_dir({"e.html": source}), "e")
    assert (error.code, error.template, error.line) == ("T302", "templates/e.html", 3)


def test_missing_variable_in_the_text_body_points_at_the_txt(project_dir) -> None:
    config = project_dir({"e.html": HEAD, "e.txt": "Hi {{ customer | first_name }}\n\n{{ vars.nope }}\n"})
    error = _error(config, "e")
    assert (error.code, error.template, error.line) == ("T302", "templates/e.txt", 3)


def test_syntax_error(project_dir) -> None:
    error = _error(project_dir({"e.html": HEAD + "{% block body %}\n{% if %}\n{% endblock %}"}), "e")
    assert (error.code, error.template, error.line) == ("T301", "templates/e.html", 4)
    assert "Expected an expression" in error.message


def test_filter_failure_is_t303_at_its_line(project_dir) -> None:
    error = _error(project_dir({"e.html": HEAD + "{% block body %}\n{{ 'abc' | money }}\n{% endblock %}"}), "e")
    assert (error.code, error.template, error.line) == ("T303", "templates/e.html", 4)
    assert error.message == "TypeError: money expects a number, got 'abc'"


def test_missing_subject_block(project_dir) -> None:
    error = _error(project_dir({"e.html": '{% extends "_layouts/base.html" %}{% block body %}x{% endblock %}'}), "e")
    assert (error.code, error.template) == ("T305", "templates/e.html")


def test_missing_template(project_dir) -> None:
    error = _error(project_dir({}), "nowhere/here")
    assert (error.code, error.template) == ("T306", "templates/nowhere/here.html")


def test_missing_partial_points_at_the_include_line(project_dir) -> None:
    error = _error(project_dir({"e.html": HEAD + '{% block body %}\n\n{% include "_partials/nope.html" %}\n{% endblock %}'}), "e")
    assert (error.code, error.template, error.line) == ("T306", "templates/e.html", 5)
    assert error.message == "template '_partials/nope.html' not found in templates"
