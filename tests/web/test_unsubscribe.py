"""RFC 8058 one-click unsubscribe, the confirmation page, resubscribing, and refused tokens."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import insert

from engine.store.models import Suppression
from tests.web.kit import WebKit, token

ONE_CLICK = {"List-Unsubscribe": "One-Click"}


def test_one_click_post_unsubscribes_at_once_and_is_idempotent(kit: WebKit) -> None:
    [(cid, email)] = kit.customers(1)
    client = kit.client()
    first = client.post("/unsubscribe", params={"token": token(cid, email)}, data=ONE_CLICK)
    assert first.status_code == 200
    assert "You are unsubscribed" in first.text and email in first.text
    assert "set-cookie" not in first.headers and first.headers["referrer-policy"] == "no-referrer"
    assert kit.subscribed(cid) is False
    assert kit.suppressions() == [(email, "unsubscribe")]

    again = client.post("/unsubscribe", params={"token": token(cid, email)}, data=ONE_CLICK)
    assert again.status_code == 200 and "You were already unsubscribed" in again.text
    assert kit.suppressions() == [(email, "unsubscribe")]


def test_one_click_post_as_multipart_form_data(kit: WebKit) -> None:
    """RFC 8058 says the POST SHOULD be multipart/form-data; mailbox providers send both encodings."""
    [(cid, email)] = kit.customers(1)
    response = kit.client().post("/unsubscribe", params={"token": token(cid, email)},
                                 files={"List-Unsubscribe": (None, "One-Click")})
    assert response.status_code == 200 and kit.subscribed(cid) is False


def test_get_never_unsubscribes_and_shows_one_button(kit: WebKit) -> None:
    [(cid, email)] = kit.customers(1)
    client = kit.client()
    for _ in range(3):  # link scanners fetch a URL again and again
        page = client.get("/unsubscribe", params={"token": token(cid, email)})
        assert page.status_code == 200
    assert page.text.count("<button") == 1 and page.text.count("<form") == 1
    assert f"Unsubscribe {email}?" in page.text
    assert 'name="List-Unsubscribe" value="One-Click"' in page.text
    assert f'href="preferences?token={token(cid, email)}"' in page.text
    assert kit.subscribed(cid) is True and kit.suppressions() == []


def test_a_post_without_the_one_click_field_changes_nothing(kit: WebKit) -> None:
    [(cid, email)] = kit.customers(1)
    response = kit.client().post("/unsubscribe", params={"token": token(cid, email)}, data={"other": "x"})
    assert response.status_code == 400
    assert "List-Unsubscribe=One-Click is missing" in response.text
    assert kit.subscribed(cid) is True and kit.suppressions() == []


@pytest.mark.parametrize("mangle, reason", [
    (lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"), "unsubscribe token signature does not match"),
    (lambda t: "e30" + t[3:], "unsubscribe token signature does not match"),  # another payload, same signature
    (lambda t: t.partition(".")[0], "unsubscribe token signature does not match"),  # signature cut off
    (lambda t: t[:-1] + "é", "unsubscribe token is malformed"),  # non-ASCII signature
    (lambda t: "", "unsubscribe token signature does not match"),
])
def test_forged_altered_and_truncated_tokens_are_refused(kit: WebKit, mangle, reason: str) -> None:
    [(cid, email)] = kit.customers(1)
    bad = mangle(token(cid, email))
    client = kit.client()
    for response in (client.get("/unsubscribe", params={"token": bad}),
                     client.post("/unsubscribe", params={"token": bad}, data=ONE_CLICK),
                     client.post("/resubscribe", params={"token": bad})):
        assert response.status_code == 400
        assert "This link is not valid" in response.text and f"({reason})" in response.text
        assert "Nothing was changed" in response.text
    assert kit.subscribed(cid) is True and kit.suppressions() == []


def test_a_token_signed_with_a_retired_secret_is_refused(kit: WebKit) -> None:
    """Tokens carry no expiry (an unsubscribe link must work as long as the email exists, docs/web.md); what
    ends a token's life is rotating the secret, and the old tokens are then refused."""
    [(cid, email)] = kit.customers(1)
    response = kit.client().post("/unsubscribe", params={"token": token(cid, email, "retired-secret")},
                                 data=ONE_CLICK)
    assert response.status_code == 400 and "signature does not match" in response.text
    assert kit.subscribed(cid) is True


def test_resubscribing_undoes_an_unsubscribe_but_not_a_hard_bounce(kit: WebKit) -> None:
    (first, first_email), (second, second_email) = kit.customers(2)
    client = kit.client()
    for cid, email in ((first, first_email), (second, second_email)):
        assert client.post("/unsubscribe", params={"token": token(cid, email)}, data=ONE_CLICK).status_code == 200
    with kit.store.begin() as conn:  # the second address also bounced
        conn.execute(Suppression.__table__.delete().where(Suppression.email == second_email))
        conn.execute(insert(Suppression), {"email": second_email, "reason": "hard_bounce", "detail": "550 5.1.1",
                                           "created_at": datetime(2026, 11, 20)})
    back = client.post("/resubscribe", params={"token": token(first, first_email)})
    assert back.status_code == 200 and "Welcome back" in back.text
    blocked = client.post("/resubscribe", params={"token": token(second, second_email)})
    assert blocked.status_code == 200 and "because of a hard bounce" in blocked.text
    assert kit.subscribed(first) is True and kit.subscribed(second) is True
    assert kit.suppressions() == [(second_email, "hard_bounce")]


def test_the_page_after_unsubscribing_offers_to_resubscribe(kit: WebKit) -> None:
    [(cid, email)] = kit.customers(1)
    done = kit.client().post("/unsubscribe", params={"token": token(cid, email)}, data=ONE_CLICK)
    assert f'action="resubscribe?token={token(cid, email)}"' in done.text
