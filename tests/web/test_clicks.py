"""Click tracking: links rewritten at render time, a redirect only to the delivery's own link, one event."""

from __future__ import annotations

import re
from email import message_from_bytes, policy

from engine.rendering.clicks import sign_click
from engine.suppression.tokens import sign_values
from tests.web.kit import NOW, SECRET, WebKit

CLICK = re.compile(r'href="http://testserver/c/([^"]+)"')


def queued(kit: WebKit, count: int = 2) -> list[tuple]:
    kit.customers(count)
    kit.rekindle("run", "--now", NOW, "--no-send", "--campaign", "news")
    return kit.deliveries()


def html_of(message: bytes) -> str:
    parsed = message_from_bytes(message, policy=policy.default)
    return parsed.get_body(("html",)).get_content()


def test_links_are_rewritten_and_their_targets_kept_with_the_delivery(kit: WebKit) -> None:
    (campaign, _, message_id, links, message), _ = queued(kit)
    utm = "utm_source=rekindle&utm_medium=email&utm_campaign=news&utm_content=hello"
    assert links == [f"https://shop.example/sale?{utm}", f"https://shop.example/blog?a=1&b=2&{utm}"]
    html = html_of(message)
    tokens = CLICK.findall(html)
    assert len(tokens) == 3 and tokens[0] == tokens[2]  # the same URL twice is one link
    assert "shop.example/sale" not in html and "shop.example/blog" not in html
    assert 'href="mailto:help@shop.example"' in html
    assert 'href="http://testserver/unsubscribe?token=' in html  # never tracked
    text = message_from_bytes(message, policy=policy.default).get_body(("plain",)).get_content()
    assert "https://shop.example" not in text and text.count("http://testserver/c/") == 3


def test_a_click_redirects_to_its_own_link_and_records_one_event(kit: WebKit) -> None:
    (_, customer, message_id, links, message), _ = queued(kit)
    tokens = CLICK.findall(html_of(message))
    client = kit.client()
    response = client.get(f"/c/{tokens[1]}")
    assert response.status_code == 302
    assert response.headers["location"] == links[1]
    assert response.headers["cache-control"] == "no-store"
    assert kit.events() == [
        (customer, "click", {"campaign": "news", "step": "hello", "link": links[1]},
         kit.events()[0][3]),
    ]
    assert kit.events()[0][3].startswith("content:")


def test_every_click_is_an_event(kit: WebKit) -> None:
    (_, _, _, _, message), _ = queued(kit)
    token = CLICK.findall(html_of(message))[0]
    client = kit.client()
    assert [client.get(f"/c/{token}").status_code for _ in range(2)] == [302, 302]
    assert [row[1] for row in kit.events()] == ["click", "click"]


def test_a_click_token_cannot_point_anywhere_else(kit: WebKit) -> None:
    (_, _, message_id, links, message), (_, _, other_id, other_links, _) = queued(kit)
    client = kit.client()
    secret = SECRET.encode()
    refused = [
        sign_click(message_id, len(links), secret),  # a valid signature, an index the delivery does not have
        sign_click("<no-such-message@shop.example>", 0, secret),
        sign_click(message_id, 0, b"another-secret"),
        sign_values([message_id, 0], secret),  # signed with the unsubscribe key itself, not the click key
        sign_values([message_id, "https://evil.example/"], secret),
        CLICK.findall(html_of(message))[0][:-3] + "AAA",
        "not-a-token",
    ]
    for token in refused:
        response = client.get(f"/c/{token}")
        assert response.status_code == 404, token
        assert "location" not in response.headers and "This link is not valid" in response.text
    assert client.get(f"/c/{sign_click(other_id, 1, secret)}").headers["location"] == other_links[1]
    assert [row[1] for row in kit.events()] == ["click"]


def test_without_click_url_links_are_left_alone(tmp_path, store_url) -> None:
    from tests.web.kit import make_kit

    kit = make_kit(tmp_path / "plain", store_url)
    kit.config.write_text(kit.config.read_text().replace('  click_url: "http://testserver/c/{token}"\n', ""))
    try:
        (_, _, _, links, message), _ = queued(kit)
        assert links is None
        assert 'href="https://shop.example/sale?utm_source=rekindle' in html_of(message)
    finally:
        kit.store.dispose()
