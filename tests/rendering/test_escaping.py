"""Customer data is escaped in HTML, untouched in plain text and headers."""

from __future__ import annotations

from engine.rendering import compose_email
from tests.rendering.kit import NOW, body, campaign, make_customer, parse

HTML = ('{% extends "_layouts/base.html" %}{% block subject %}Hi {{ customer | first_name }} & co{% endblock %}'
        '{% block body %}<p id="greeting">Hi {{ customer | first_name }} from {{ customer.attributes.company }}</p>'
        '{% endblock %}')
TEXT = "Hi {{ customer | first_name }} from {{ customer.attributes.company }}\n"
EVIL = "<script>alert('x')</script>"


def _compose(config):
    camp = campaign({"id": "s", "template": "e"})
    customer = make_customer(first_name=EVIL, attributes={"company": 'Fish & "Chips" <Ltd>'})
    return compose_email(config, camp, camp.steps[0], customer, variant=None, now=NOW, message_id="<m@x>")


def test_html_escaped_text_verbatim_with_a_hand_written_txt(project_dir) -> None:
    composed = _compose(project_dir({"e.html": HTML, "e.txt": TEXT}))
    assert "<script>" not in composed.html
    assert ("Hi &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; from Fish &amp; &#34;Chips&#34; &lt;Ltd&gt;"
            in composed.html)
    assert composed.text == f"Hi {EVIL} from Fish & \"Chips\" <Ltd>\n"
    assert composed.subject == f"Hi {EVIL} & co"
    message = parse(composed.message)
    assert message["Subject"] == f"Hi {EVIL} & co"
    assert body(message.get_body(("plain",))) == composed.text


def test_text_generated_from_html_shows_the_data_as_written(project_dir) -> None:
    composed = _compose(project_dir({"e.html": HTML}))
    assert f"Hi {EVIL} from Fish & \"Chips\" <Ltd>" in composed.text
    assert "&lt;" not in composed.text and "&amp;" not in composed.text
