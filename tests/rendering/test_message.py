"""The built message, parsed back with the standard library's strictest policy, part by part."""

from __future__ import annotations

import pytest

from engine.rendering import compose_email
from engine.rendering.message import Envelope, HeaderInjection, build_message
from engine.suppression.tokens import verify
from tests.rendering.kit import NOW, SECRET, body, campaign, make_customer, parse

OFFER = """{% extends "_layouts/base.html" %}
{% block subject %}{{ vars.discount_usd | money }} off your next month, {{ customer | first_name }}{% endblock %}
{% block preheader %}A little something for {{ customer | first_name }}{% endblock %}
{% block body %}<p>Hi {{ customer | first_name }}, here is <b>{{ vars.discount_usd | money }}</b>.</p>
<p><a href="https://app.example.com/login">Come back</a></p>{% endblock %}
"""


@pytest.fixture
def offer(project_dir):
    config = project_dir({"winback/offer.html": OFFER})
    camp = campaign({"id": "offer", "template": "winback/offer", "vars": {"discount_usd": 20}}, id="winback-90")
    return config, camp


def compose(config, camp, customer, **kwargs):
    return compose_email(config, camp, camp.steps[0], customer, variant=kwargs.pop("variant", None), now=NOW,
                         message_id=kwargs.pop("message_id", "<rekindle.1.offer@example.com>"), **kwargs)


def test_message_parses_back_part_by_part(offer) -> None:
    config, camp = offer
    composed = compose(config, camp, make_customer())
    message = parse(composed.message)

    assert composed.subject == "$20 off your next month, Ada"
    assert composed.preheader == "A little something for Ada"
    assert message["Subject"] == "$20 off your next month, Ada"
    assert message["From"] == "Rekindle <hello@example.com>"
    assert message["To"] == "Ada Lovelace <ada@example.com>"
    assert message["Message-ID"] == "<rekindle.1.offer@example.com>"
    assert message["Date"] == "Mon, 23 Nov 2026 09:00:00 +0000"
    assert message["MIME-Version"] == "1.0"
    assert message["X-Rekindle-Campaign"] == "winback-90"
    assert message["X-Rekindle-Step"] == "offer"
    assert message["X-Rekindle-Variant"] is None
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    mailto, https = [item.strip().strip("<>") for item in message["List-Unsubscribe"].split(",")]
    assert mailto.startswith("mailto:unsubscribe@example.com?subject=unsubscribe%20")
    assert https.startswith("https://example.com/u?token=")
    assert verify(https.split("token=")[1], SECRET.encode()) == ("c-1", "ada@example.com")

    assert message.get_content_type() == "multipart/alternative"
    parts = list(message.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    for part in parts:
        assert part.get_content_charset() == "utf-8"
        assert part["Content-Transfer-Encoding"] == "quoted-printable"
    assert body(parts[0]) == composed.text
    assert body(parts[1]) == composed.html
    assert "Hi Ada, here is $20." in composed.text
    assert "<b>$20</b>" in composed.html
    assert not message.defects and not any(p.defects for p in parts)


def test_header_injection_through_the_first_name_leaves_headers_intact(offer) -> None:
    config, camp = offer
    composed = compose(config, camp, make_customer(first_name="Ada\r\nBcc: x@evil.example", last_name="L\nX: y"))
    message = parse(composed.message)
    assert message["Bcc"] is None and message["X"] is None
    assert len(message.get_all("To")) == 1
    assert message["To"].addresses[0].addr_spec == "ada@example.com"
    assert message["Subject"] == "$20 off your next month, Ada Bcc: x@evil.example"
    header_block = composed.message.split(b"\r\n\r\n", 1)[0]
    assert not any(line.startswith(b"Bcc") for line in header_block.split(b"\r\n"))


@pytest.mark.parametrize("address", ["ada@example.com\r\nBcc: x@evil.example", "ada@example.com\n", "not-an-address"])
def test_builder_refuses_addresses_with_line_breaks(address: str) -> None:
    envelope = Envelope(subject="s", from_address="a@example.com", to_address=address, to_name="Ada",
                        message_id="<m@x>", date=NOW)
    with pytest.raises(HeaderInjection):
        build_message(envelope, "text", "<p>html</p>")


def test_builder_refuses_a_message_id_with_a_line_break() -> None:
    envelope = Envelope(subject="s", from_address="a@example.com", to_address="b@example.com", to_name="",
                        message_id="<m@x>\r\nBcc: x@evil", date=NOW)
    with pytest.raises(HeaderInjection, match="Message-ID"):
        build_message(envelope, "t", "h")


def test_non_ascii_subject_and_names_are_rfc2047_encoded(offer) -> None:
    config, camp = offer
    composed = compose(config, camp, make_customer(first_name="Zoë", last_name="Ørsted", email="zoe@bücher.example"))
    raw_headers = composed.message.split(b"\r\n\r\n", 1)[0]
    assert raw_headers.isascii()
    assert b"=?utf-8?" in raw_headers
    message = parse(composed.message)
    assert message["Subject"] == "$20 off your next month, Zoë"
    assert message["To"].addresses[0].display_name == "Zoë Ørsted"
    assert message["To"].addresses[0].addr_spec == "zoe@xn--bcher-kva.example"


def test_no_line_longer_than_998_and_long_bodies_survive(project_dir) -> None:
    long_word = "x" * 5000
    config = project_dir({"long.html": '{% extends "_layouts/base.html" %}{% block subject %}'
                                       + "Long subject " * 40 + "{% endblock %}{% block body %}<p>"
                                       + long_word + "</p>{% endblock %}"})
    camp = campaign({"id": "s", "template": "long"})
    composed = compose(config, camp, make_customer())
    assert max(len(line) for line in composed.message.split(b"\r\n")) <= 998
    assert max(len(line) for line in composed.message.split(b"\r\n\r\n", 1)[1].split(b"\r\n")) <= 76
    message = parse(composed.message)
    assert long_word in body(message.get_body(("html",)))
    assert long_word in body(message.get_body(("plain",)))
    assert message["Subject"] == ("Long subject " * 40).strip()


def test_same_delivery_gives_identical_bytes_and_a_new_message_id_changes_them(offer) -> None:
    config, camp = offer
    first = compose(config, camp, make_customer()).message
    assert compose(config, camp, make_customer()).message == first
    other = compose(config, camp, make_customer(), message_id="<rekindle.2.offer@example.com>").message
    assert other != first and parse(other)["Message-ID"] == "<rekindle.2.offer@example.com>"


def test_without_a_mailto_list_unsubscribe_has_only_the_https_link(project_dir) -> None:
    config = project_dir({"winback/offer.html": OFFER}, mailto=None)
    camp = campaign({"id": "offer", "template": "winback/offer", "vars": {"discount_usd": 20}})
    message = parse(compose(config, camp, make_customer()).message)
    assert message["List-Unsubscribe"].startswith("<https://example.com/u?token=")
    assert "mailto" not in message["List-Unsubscribe"]


def test_missing_secret_refuses_to_compose(offer, monkeypatch) -> None:
    from engine.suppression.tokens import MissingSecret

    config, camp = offer
    monkeypatch.delenv("REKINDLE_UNSUBSCRIBE_SECRET")
    with pytest.raises(MissingSecret, match="REKINDLE_UNSUBSCRIBE_SECRET"):
        compose(config, camp, make_customer())


def test_variant_subject_and_header(project_dir) -> None:
    config = project_dir({"winback/offer.html": OFFER})
    camp = campaign({"id": "offer", "template": "winback/offer", "vars": {"discount_usd": 20},
                     "variants": [{"id": "a"}, {"id": "b", "subject": "{{ customer | first_name }}: {{ vars.discount_usd | money(cents=True) }} & more"}]})
    composed = compose(config, camp, make_customer(), variant="b")
    message = parse(composed.message)
    assert message["Subject"] == "Ada: $20.00 & more"
    assert message["X-Rekindle-Variant"] == "b"
    assert parse(compose(config, camp, make_customer(), variant="a").message)["Subject"].startswith("$20 off")
    with pytest.raises(ValueError, match="no variant 'zzz'"):
        compose(config, camp, make_customer(), variant="zzz")
