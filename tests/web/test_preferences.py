"""The preference page: opting out of one category stops that category's campaigns, and only those."""

from __future__ import annotations

from sqlalchemy import select

from engine.store.models import Decision
from tests.web.kit import NOW, Delivery, WebKit, token


def test_the_page_lists_every_category_and_saves_the_choice(kit: WebKit) -> None:
    [(cid, email)] = kit.customers(1)
    client = kit.client()
    page = client.get("/preferences", params={"token": token(cid, email)})
    assert page.status_code == 200 and f"Email preferences for {email}" in page.text
    assert 'value="newsletter" id="category-newsletter" checked' in page.text
    assert 'value="offers" id="category-offers" checked' in page.text

    saved = client.post("/preferences", params={"token": token(cid, email)}, data={"category": ["offers"]})
    assert saved.status_code == 200 and "Your choices are saved." in saved.text
    assert 'value="newsletter" id="category-newsletter">' in saved.text
    assert kit.optouts() == [(1, "newsletter")]
    # Saving the same choice again, and changing it back, are both exact.
    client.post("/preferences", params={"token": token(cid, email)}, data={"category": ["offers"]})
    assert kit.optouts() == [(1, "newsletter")]
    client.post("/preferences", params={"token": token(cid, email)}, data={"category": ["offers", "newsletter"]})
    assert kit.optouts() == []
    assert kit.subscribed(cid) is True and kit.suppressions() == []


def test_an_opted_out_category_is_not_sent_and_the_rest_is(kit: WebKit) -> None:
    (first, first_email), (second, _) = kit.customers(2)
    kit.client().post("/preferences", params={"token": token(first, first_email)}, data={"category": ["offers"]})
    kit.rekindle("run", "--now", NOW, "--no-send")
    sent = sorted((campaign, customer) for campaign, customer, *_ in kit.deliveries())
    assert sent == [("news", 2), ("offers", 1), ("offers", 2)]
    assert kit.rows(select(Decision.campaign_id, Decision.customer_id, Decision.reason)
                    .where(Decision.decision == "suppressed")) == [
        ("news", 1, "opted out of the category 'newsletter'")]


def test_a_category_that_no_campaign_declares_is_ignored(kit: WebKit) -> None:
    [(cid, email)] = kit.customers(1)
    kit.client().post("/preferences", params={"token": token(cid, email)}, data={"category": ["made-up"]})
    assert kit.optouts() == [(1, "newsletter"), (1, "offers")]


def test_a_forged_preferences_link_changes_nothing(kit: WebKit) -> None:
    [(cid, email)] = kit.customers(1)
    response = kit.client().post("/preferences", params={"token": token(cid, email, "forged")}, data={})
    assert response.status_code == 400 and "The preferences link is not valid" in response.text
    assert kit.optouts() == []


def _mailed(kit: WebKit) -> list[str]:
    """The recipients of the messages the folder backend wrote (Delivered-To), sorted."""
    import mailbox

    box = mailbox.Maildir(kit.root / "outbox", create=False)
    return sorted(str(message["Delivered-To"]) for message in box)


def test_an_opt_out_after_queueing_stops_the_queued_email_at_send_time(kit: WebKit) -> None:
    (first, first_email), (second, second_email) = kit.customers(2)
    kit.rekindle("run", "--now", NOW, "--no-send")  # both campaigns queued for both customers
    assert len(kit.deliveries()) == 4
    kit.client().post("/preferences", params={"token": token(first, first_email)}, data={"category": ["offers"]})

    result = kit.rekindle("send", "--now", NOW)
    assert result.output.startswith("Sent 3, failed 0, deferred 0, suppressed 1 via maildir"), result.output
    assert _mailed(kit) == [first_email, second_email, second_email]
    assert kit.rows(select(Delivery.campaign_id, Delivery.customer_id, Delivery.status, Delivery.failure_reason)
                    .where(Delivery.status != "sent")) == [
        ("news", 1, "suppressed", "opted out of the category 'newsletter'")]
    # Sending again finds nothing left to send and mails nobody twice.
    kit.rekindle("send", "--now", NOW)
    assert len(_mailed(kit)) == 3


def test_the_run_and_the_worker_check_opt_outs_when_they_send(kit: WebKit) -> None:
    [(cid, email)] = kit.customers(1)
    kit.rekindle("run", "--now", NOW, "--no-send")
    kit.client().post("/preferences", params={"token": token(cid, email)}, data={"category": ["newsletter"]})
    kit.rekindle("run", "--now", NOW)  # the tick queues nothing new; its send finds the opt-out
    assert _mailed(kit) == [email]
    assert kit.rows(select(Delivery.campaign_id, Delivery.status, Delivery.failure_reason).order_by(Delivery.id)) == [
        ("news", "sent", None), ("offers", "suppressed", "opted out of the category 'offers'")]
