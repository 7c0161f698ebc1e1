"""check_templates: every problem, with its template:line, found without sending anything."""

from __future__ import annotations

from engine.project import Project

from engine.rendering.checks import check_templates
from tests.rendering.kit import campaign

HEAD = '{% extends "_layouts/base.html" %}\n{% block subject %}Hi {{ customer | first_name }}{% endblock %}\n'


def _found(config, *campaigns) -> list[tuple[str, str, str]]:
    project = Project(config, tuple(campaigns), {})
    return [(d.code, str(d.location), d.message) for d in check_templates(project)]


def test_clean_templates_have_no_diagnostics(project_dir) -> None:
    config = project_dir({"ok.html": HEAD + "{% block body %}{{ vars.discount | money }}{% endblock %}",
                          "ok.txt": "{{ customer.attributes.plan | default('free') }}\n"})
    assert _found(config, campaign({"id": "s", "template": "ok", "vars": {"discount": 5}})) == []


def test_syntax_error_in_any_file_even_unused(project_dir) -> None:
    config = project_dir({"_partials/bad.html": "<p>\n{% for x in %}\n</p>\n"})
    assert _found(config) == [("T301", "templates/_partials/bad.html:2:1", "Expected an expression, got 'end of statement block'")]


def test_unknown_filter_found_at_compile_time(project_dir) -> None:
    config = project_dir({"_partials/typo.html": "<p>\n{{ customer.first_name | titel }}\n</p>\n"})
    assert _found(config) == [("T301", "templates/_partials/typo.html:2:1", "No filter named 'titel'.")]


def test_static_reads_in_branches_no_customer_takes(project_dir) -> None:
    body = ("{% block body %}\n{% if false %}\n{{ promo }}\n{{ customer.nickname }}\n"
            "{{ campaign.owner }}\n{{ customer.attributes.plan | default('x') }}\n{% endif %}\n{% endblock %}")
    found = _found(project_dir({"e.html": HEAD + body}))
    assert found == [
        ("T302", "templates/e.html:5:4", "'promo' is not defined; templates can use campaign, customer, now, "
                                          "step, unsubscribe_url, variant, vars"),
        ("T302", "templates/e.html:6:13", "customer has no field 'nickname' (did you mean \"name\"?); custom data "
                                           "is under customer.attributes"),
        ("T302", "templates/e.html:7:13", "campaign has no field 'owner' (fields: id, name, vars, locale, currency)"),
    ]


def test_vars_a_step_does_not_set(project_dir) -> None:
    config = project_dir({"e.html": HEAD + "{% block body %}\n{% if false %}{{ vars.discount_usd }}{% endif %}\n{% endblock %}"})
    found = _found(config, campaign({"id": "offer", "template": "e"}))
    assert found == [("T302", "templates/e.html:4:23", "campaign 'demo' step 'offer' does not set vars.discount_usd")]
    assert _found(config, campaign({"id": "offer", "template": "e", "vars": {"discount_usd": 20}})) == []
    assert _found(config, campaign({"id": "offer", "template": "e"}, vars={"discount_usd": 20})) == []


def test_attributes_compared_with_the_example_customers(project_dir) -> None:
    config = project_dir({"e.html": HEAD + "{% block body %}\n{% if false %}{{ customer.attributes.tier }}"
                                           "{{ customer.attributes.plan }}{% endif %}\n{% endblock %}"})
    data = config.root / "examples" / "data"
    data.mkdir(parents=True)
    data.joinpath("customers.csv").write_text("id,email,first_name,plan\nc1,a@example.com,Ann,pro\n")
    assert _found(config) == [("T302", "templates/e.html:4:38", "no example customer has the attribute 'tier'; "
                                                              "add `| default(...)` if it is optional")]


def test_render_failures_for_sample_customers_are_reported_once(project_dir) -> None:
    config = project_dir({"e.html": HEAD + "{% block body %}\n{{ customer.attributes.company }}\n{% endblock %}"})
    found = _found(config, campaign({"id": "s", "template": "e"}))
    assert found == [("T302", "templates/e.html:4:1", "campaign 'demo' step 's', customer sample-bare: undefined "
                                                      "variable: 'dict object' has no attribute 'company'; use "
                                                      "`| default(...)` for an optional value")]


def test_a_filter_given_an_unset_var_is_reported_as_the_unset_var_only(project_dir) -> None:
    """The render fails in `money` (T303, "got Undefined"), but the line's cause is the unset var (T302)."""
    body = "{% block body %}\n<p>{{ vars.discount_usd | money }} off</p>\n{% endblock %}"
    config = project_dir({"e.html": HEAD + body})
    found = _found(config, campaign({"id": "offer", "template": "e", "vars": {"discount": 25}}))
    assert found == [
        ("T302", "templates/e.html:4:12", "campaign 'demo' step 'offer' does not set vars.discount_usd (did you mean "
                                         "\"discount\"?)"),
        ("T307", "rules/demo.yaml", "vars.discount is set but no template of step 'offer' reads it (did you mean "
                                    "\"discount_usd\"? the template reads vars.discount_usd)"),
    ]


def test_missing_subject_block_and_variant_subject(project_dir) -> None:
    config = project_dir({"e.html": '{% extends "_layouts/base.html" %}{% block body %}x{% endblock %}'})
    camp = campaign({"id": "s", "template": "e", "variants": [{"id": "v", "subject": "{{ nope }}"}]})
    assert _found(config, camp) == [
        ("T305", "templates/e.html:1:1", "an email template must define {% block subject %}"),
        ("T302", "rules/demo.yaml", "campaign 'demo' step 's' variant 'v', customer sample-full: in the variant "
                                    "subject '{{ nope }}': undefined variable: 'nope' is undefined; use "
                                    "`| default(...)` for an optional value"),
    ]


def test_an_attribute_every_example_has_still_needs_a_fallback(project_dir) -> None:
    """Attributes are free-form: the check also renders for a customer without any (sample-bare)."""
    config = project_dir({"e.html": HEAD + "{% block body %}\n{{ customer.attributes.plan | upper }}\n{% endblock %}"})
    data = config.root / "examples" / "data"
    data.mkdir(parents=True)
    data.joinpath("customers.csv").write_text("id,email,plan\nc1,a@example.com,pro\nc2,b@example.com,free\n")
    assert _found(config, campaign({"id": "s", "template": "e"})) == [
        ("T302", "templates/e.html:4:1", "campaign 'demo' step 's', customer sample-bare: undefined variable: "
                                         "'dict object' has no attribute 'plan'; use `| default(...)` for an "
                                         "optional value")]
