"""The envelope sender the dispatcher reads from a queued message (engine/delivery/dispatch.py): the same
address the standard library's full header parse gives, for every shape of header block."""

from __future__ import annotations

import email.parser
import email.utils

import pytest

from engine.delivery.dispatch import _from_address

MESSAGES = [
    b"From: Rekindle <hello@rekindle.example>\r\nTo: b@example.com\r\n\r\nFrom: body@example.com\r\n",
    b"To: x@example.com\r\nSender: bulk@rekindle.example\r\nFrom: hello@rekindle.example\r\n\r\nhi",
    b"FROM: =?utf-8?q?Zo=C3=AB?=\r\n <zoe@rekindle.example>\r\nSubject: s\r\n\r\n",
    b"From: first@rekindle.example\r\nFrom: second@rekindle.example\r\n\r\n",
    b"Subject: no sender\r\n\r\nFrom: body@example.com",
    b"From: unix@line.example\nTo: y@example.com\n\nbody",
    b"",
]


@pytest.mark.parametrize("message", MESSAGES)
def test_envelope_sender_matches_the_full_header_parse(message: bytes) -> None:
    headers = email.parser.BytesHeaderParser().parsebytes(message)
    expected = email.utils.parseaddr(str(headers.get("Sender") or headers.get("From") or ""))[1]
    assert _from_address(message) == expected


def test_envelope_sender_of_each_shape() -> None:
    assert [_from_address(m) for m in MESSAGES] == [
        "hello@rekindle.example", "bulk@rekindle.example", "zoe@rekindle.example", "first@rekindle.example",
        "", "unix@line.example", ""]
