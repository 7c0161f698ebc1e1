"""The skeleton fast path (engine/rendering/slots.py, skeleton.py) gives exactly the bytes of the direct path:
tag every link of the rendered document, convert the whole document to text."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.project import load_project
from engine.rendering.compose import email_bodies
from engine.rendering.context import build_context, customer_view
from engine.rendering.links import utm_parameters
from engine.rendering.renderer import Renderer, renderer_for
from engine.rendering.slots import template_is_slot_safe
from tests.rendering.kit import NOW, campaign, make_customer

ROOT = Path(__file__).resolve().parents[2]
UNSUBSCRIBE = "https://example.com/u?token=abc.def"
PARAMS = utm_parameters({"source": "rekindle", "medium": "email"}, "demo", "s", None)
# Names that stress the slots: spaces, entities, markup characters, the reserved private-use characters.
NAMES = ["Ada", "Zoë Ørsted", "  padded  ", "Tom & Jerry", "<b>x</b>", 'a "quote"', "O'Brien", "two  spaces",
         "line\nbreak", "\ue0000\ue001", "\ue002", "", "x\xa0y", "é" * 40]


def both_paths(renderer: Renderer, email: str, context: dict, params=PARAMS, skip=(UNSUBSCRIBE,)):
    fast = renderer.render(email, context, plan=True)
    direct = renderer.render(email, context)
    assert direct.plan is None
    return fast, email_bodies(fast, params, skip), email_bodies(direct, params, skip)


def context_for(camp, step, **customer) -> dict:
    return build_context(camp, step, customer_view(make_customer(**customer)), variant=None, now=NOW,
                         unsubscribe_url=UNSUBSCRIBE)


@pytest.fixture(scope="module")
def shipped():
    return load_project(ROOT / "rekindle.yaml")


def test_every_shipped_email_has_a_plan_and_the_same_bytes(shipped) -> None:
    renderer = renderer_for(shipped.config)
    checked = 0
    for camp in shipped.campaigns:
        for step in camp.steps:
            for template in {step.template, *(v.template for v in step.variants if v.template)}:
                for name in NAMES:
                    context = context_for(camp, step, first_name=name or None, last_name="Lovelace")
                    fast, fast_bodies, direct_bodies = both_paths(renderer, template.removesuffix(".html"), context)
                    assert fast_bodies == direct_bodies, (template, name)
                    if name == "Ada":
                        assert fast.plan is not None, template  # the fast path is really taken
                    checked += 1
    assert checked >= 10 * len(NAMES)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=st.text(max_size=12), discount=st.integers(min_value=-5, max_value=10**6))
def test_any_customer_value_gives_the_same_bytes(shipped, first: str, discount: int) -> None:
    renderer = renderer_for(shipped.config)
    camp = shipped.campaign("winback-90")
    for step_id in ("offer", "miss-you"):
        step = camp.step(step_id)
        context = context_for(camp, step, first_name=first or None)
        context["vars"] = {**context["vars"], "discount_usd": discount}
        _, fast, direct = both_paths(renderer, step.template.removesuffix(".html"), context)
        assert fast == direct
    welcome = shipped.campaign("welcome")
    step = welcome.step("getting-started")
    _, fast, direct = both_paths(renderer, "welcome/getting-started", context_for(welcome, step, first_name=first))
    assert fast == direct


SUBJECT = "{% block subject %}Hi{% endblock %}"
CASES = {
    # a value in a style attribute changes the text layout: kept per distinct value
    "styled": SUBJECT + '{% block body %}<p style="{{ vars.style }}">{{ customer.first_name }}</p>'
                        '<a href="https://x.example/a?n={{ customer.first_name }}&amp;k=1">go</a>{% endblock %}',
    # a data table pads its columns to the longest cell: no text plan, still the same bytes
    "table": SUBJECT + "{% block body %}<table><tr><td>{{ customer.first_name }}</td><td>b</td></tr></table>"
                       "{% endblock %}",
    # links that tagging leaves alone, an area, a relative link
    "links": SUBJECT + '{% block body %}<a href="mailto:{{ customer.email }}">m</a><a href="/rel">r</a>'
                       '<map><area href="https://x.example/{{ customer.first_name }}"></map>'
                       '<A HREF=https://b.example>b</A>{% endblock %}',
}
NOT_SLOT_SAFE = {
    "safe": SUBJECT + "{% block body %}<p>{{ customer.first_name | safe }}</p>{% endblock %}",
    "set-block": SUBJECT + "{% block body %}{% set x %}{{ customer.first_name }}{% endset %}{{ x | upper }}"
                           "{% endblock %}",
    "filtered-macro": SUBJECT + '{% macro m(v) %}<a href="https://x.example/{{ v }}">{{ v }}</a>{% endmacro %}'
                                "{% block body %}{{ m(customer.first_name) | upper }}{% endblock %}",
    "filter-block": SUBJECT + "{% block body %}{% filter upper %}{{ customer.first_name }}{% endfilter %}"
                              "{% endblock %}",
}


def _project(project_dir, extra: dict[str, str]):
    sources = {f"{name}.html": '{% extends "_layouts/base.html" %}' + source for name, source in extra.items()}
    return project_dir(sources, utm={"source": "rekindle"})


@pytest.mark.parametrize("name", sorted(CASES))
def test_hand_written_cases_give_the_same_bytes(project_dir, name: str) -> None:
    config = _project(project_dir, CASES)
    renderer = renderer_for(config)
    camp = campaign({"id": "s", "template": name}, vars={"style": "display:none"})
    for first in NAMES:
        for style in ("display:none", "color:red", "display: none"):
            context = context_for(camp, camp.steps[0], first_name=first or None)
            context["vars"]["style"] = style
            fast, fast_bodies, direct_bodies = both_paths(renderer, name, context)
            assert fast_bodies == direct_bodies, (name, first, style)
    assert template_is_slot_safe(renderer.env, f"{name}.html")


@pytest.mark.parametrize("name", sorted(NOT_SLOT_SAFE))
def test_templates_where_a_placeholder_could_reach_logic_take_the_direct_path(project_dir, name: str) -> None:
    config = _project(project_dir, NOT_SLOT_SAFE)
    renderer = renderer_for(config)
    assert not template_is_slot_safe(renderer.env, f"{name}.html")
    camp = campaign({"id": "s", "template": name})
    fast, fast_bodies, direct_bodies = both_paths(renderer, name, context_for(camp, camp.steps[0], first_name="ada"))
    assert fast.plan is None
    assert fast_bodies == direct_bodies
    assert "ADA" in fast_bodies[0] or "ada" in fast_bodies[0]


LINKS = ["https://a.example/x", "https://a.example/x?q=1", "https://a.example/a&b=1", "https://a.example/x/",
         "mailto:a@b.example", UNSUBSCRIBE, "https://a.example/'q'", 'https://a.example/"q"', "https://a.example/<x>",
         "HTTPS://A.example/?utm_source=mine", "https://a.example/a b", "ftp://a.example/f"]


def test_a_link_whose_href_is_one_value_is_parsed_once_and_tagged_the_same(project_dir) -> None:
    """The unsubscribe link's tag differs per message: it is parsed once, with its slot, not per message.
    Also a self-closing link and an unquoted href at the end of a tag (a value ending in `/` closes it)."""
    source = (SUBJECT + '{% block body %}<a href="{{ vars.link }}" class="b">q</a><a href={{ vars.link }}>u</a>'
              "<a title=t href='{{ vars.link }}'/>{% endblock %}")
    config = _project(project_dir, {"hrefs": source})
    renderer = renderer_for(config)
    camp = campaign({"id": "s", "template": "hrefs"})
    for link in LINKS:
        context = context_for(camp, camp.steps[0])
        context["vars"]["link"] = link
        fast, fast_bodies, direct_bodies = both_paths(renderer, "hrefs", context)
        assert fast_bodies == direct_bodies, link
        if link == UNSUBSCRIBE:
            tags = [piece for piece in fast.plan.pieces if hasattr(piece, "parsed")]
            # quoted hrefs are parsed once; the unquoted one is parsed per message (a space would split it)
            assert [tag.parsed is not None for tag in tags] == [True, False, True, True]
