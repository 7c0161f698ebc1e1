"""Bounces and complaints: generic DSN and ARF reports, and Postmark's webhook, onto the suppression list."""

from __future__ import annotations

from sqlalchemy import select

from engine.store.models import Suppression
from tests.web.kit import API_TOKEN, WebKit

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}

DSN = b"""From: MAILER-DAEMON@mx.shop.example
To: news@shop.example
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

Your message could not be delivered to some recipients.

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.shop.example
Arrival-Date: Mon, 23 Nov 2026 10:00:00 +0000

Final-Recipient: rfc822; Gone@Example.com
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 <gone@example.com>: Recipient address
 rejected: User unknown

Final-Recipient: rfc822; full@example.com
Action: delayed
Status: 4.2.2
Diagnostic-Code: smtp; 452 4.2.2 Mailbox full

Final-Recipient: rfc822; quota@example.com
Action: failed
Status: 4.4.7

--B
Content-Type: message/rfc822

Subject: News for you

--B--
"""

ARF = b"""From: feedback@isp.example
To: abuse@shop.example
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="F"

--F
Content-Type: text/plain

This is an email abuse report.

--F
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: SomeISP/1.0
Version: 1
Original-Rcpt-To: <angry@example.com>

--F
Content-Type: message/rfc822

Subject: News for you

--F--
"""


def test_a_dsn_report_suppresses_its_hard_bounces_only(kit: WebKit) -> None:
    response = kit.client().post("/v1/feedback/dsn", content=DSN, headers={**AUTH, "Content-Type": "message/rfc822"})
    assert response.status_code == 200
    assert response.json() == {"suppressed": ["gone@example.com"], "new": 1, "ignored": 2}
    assert kit.suppressions() == [("gone@example.com", "hard_bounce")]
    assert kit.scalar(select(Suppression.detail)) == (
        "DSN 5.1.1 smtp; 550 5.1.1 <gone@example.com>: Recipient address rejected: User unknown")
    again = kit.client().post("/v1/feedback/dsn", content=DSN, headers={**AUTH, "Content-Type": "message/rfc822"})
    assert again.json()["new"] == 0 and len(kit.suppressions()) == 1


def test_a_bare_delivery_status_body(kit: WebKit) -> None:
    status = DSN.split(b"Content-Type: message/delivery-status\n\n", 1)[1].split(b"\n--B", 1)[0]
    response = kit.client().post("/v1/feedback/dsn", content=status,
                                 headers={**AUTH, "Content-Type": "message/delivery-status"})
    assert response.json()["suppressed"] == ["gone@example.com"]


def test_an_abuse_report_is_a_complaint(kit: WebKit) -> None:
    response = kit.client().post("/v1/feedback/dsn", content=ARF, headers={**AUTH, "Content-Type": "message/rfc822"})
    assert response.json() == {"suppressed": ["angry@example.com"], "new": 1, "ignored": 0}
    assert kit.suppressions() == [("angry@example.com", "complaint")]


def test_postmark_hard_bounces_and_complaints(kit: WebKit) -> None:
    client = kit.client()
    hooks = [
        {"RecordType": "Bounce", "Type": "HardBounce", "TypeCode": 1, "Email": "gone@example.com",
         "Description": "The server was unable to deliver your message (ex: unknown user, mailbox not found)."},
        {"RecordType": "Bounce", "Type": "SoftBounce", "TypeCode": 4096, "Email": "full@example.com"},
        {"RecordType": "SpamComplaint", "Type": "SpamComplaint", "Email": "angry@example.com"},
        {"RecordType": "Bounce", "Type": "BadEmailAddress", "Email": "typo@exmaple.com"},
    ]
    results = [client.post("/v1/feedback/postmark", json=hook, headers=AUTH).json() for hook in hooks]
    assert [r["suppressed"] for r in results] == [["gone@example.com"], [], ["angry@example.com"],
                                                  ["typo@exmaple.com"]]
    assert kit.suppressions() == [("angry@example.com", "complaint"), ("gone@example.com", "hard_bounce"),
                                  ("typo@exmaple.com", "hard_bounce")]


def test_postmark_with_basic_auth_in_the_webhook_url(kit: WebKit) -> None:
    hook = {"RecordType": "SpamComplaint", "Email": "angry@example.com"}
    response = kit.client().post("/v1/feedback/postmark", json=hook, auth=("postmark", API_TOKEN))
    assert response.status_code == 200 and kit.suppressions() == [("angry@example.com", "complaint")]


def test_feedback_needs_the_token(kit: WebKit) -> None:
    client = kit.client()
    assert client.post("/v1/feedback/dsn", content=DSN).status_code == 401
    assert client.post("/v1/feedback/postmark", json={"RecordType": "SpamComplaint", "Email": "a@b.example"},
                       headers={"Authorization": "Bearer nope"}).status_code == 401
    assert kit.suppressions() == []
