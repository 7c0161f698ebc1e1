"""Property: whatever a customer's name or a subject holds, the headers stay exactly the headers we wrote."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.rendering.message import Envelope, build_message
from engine.rendering.text import clean_line
from tests.rendering.kit import NOW, body, parse

EXPECTED = ["From", "To", "Subject", "Date", "Message-ID", "List-Unsubscribe", "List-Unsubscribe-Post",
            "X-Rekindle-Campaign", "MIME-Version", "Content-Type"]
hostile = st.text(alphabet=st.sampled_from(list("ab Z\r\n\t:<>\"'=?,;@\\\x00\x0b\u2028é😀")) | st.characters(),
                  max_size=60)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=hostile, subject=hostile, text=st.text(max_size=300))
def test_headers_survive_any_name_and_subject(name: str, subject: str, text: str) -> None:
    envelope = Envelope(subject=subject or "x", from_address="Rekindle <hello@example.com>",
                        to_address="ada@example.com", to_name=name, message_id="<m@example.com>", date=NOW,
                        list_unsubscribe=("https://example.com/u?token=t",), extra=(("X-Rekindle-Campaign", "c"),))
    raw = build_message(envelope, text, "<p>x</p>")
    message = parse(raw)
    assert list(message.keys()) == EXPECTED
    assert [a.addr_spec for a in message["To"].addresses] == ["ada@example.com"]
    assert str(message["Subject"]) == (clean_line(subject or "x"))
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
    expected = re.sub("[\ud800-\udfff]", "\ufffd", text).replace("\r\n", "\n").replace("\r", "\n")
    assert body(message.get_body(("plain",))) == expected


# Every kind of character the cleaning patterns care about: controls, line and paragraph separators, Unicode
# spaces, surrogates, the reserved private-use characters, format characters (soft hyphen, zero-width space).
_CATEGORIES = st.sampled_from(list(" a\t\n\r\x00\x1c\x1f\x7f\x85\x9f\xa0\xad\u1680\u2000\u200b\u2028\u2029\u202f\u3000"
                                   "\ud800\udfff\ue000\ue003\ue004\uf8ff\ufeffé😀")) | st.characters()


@settings(max_examples=1000, deadline=None)
@given(value=st.text(alphabet=_CATEGORIES, max_size=12))
def test_the_printable_shortcuts_equal_their_patterns(value: str) -> None:
    """`clean_inner`, `has_line_break` and `slots.is_simple` skip their pattern for printable text: the answer
    must be the pattern's."""
    from engine.rendering import slots, text

    assert text.clean_inner(value) == text._SPACES.sub(" ", text._BREAKING.sub(" ", text._SURROGATES.sub("\ufffd", value)))
    assert text.has_line_break(value) == (text._BREAKING.search(value) is not None)
    assert slots.is_simple(value) == (slots._SIMPLE.fullmatch(value) is not None)
