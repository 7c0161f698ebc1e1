"""The message builder's shortcuts give exactly the standard library's bytes: quoted-printable built a line at
a time (engine/rendering/message.py `_qp`) against one `binascii.b2a_qp` of the whole body, and the one-word
RFC 2047 subject against `email.header.Header`."""

from __future__ import annotations

import binascii
from email.header import Header

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.rendering import message
from engine.rendering.text import clean_line, to_utf8

# Characters that exercise every quoted-printable rule: line ends, trailing spaces and tabs, lone dots, `=`,
# controls, non-ASCII, and lines around the 76-character limit.
body_text = st.lists(
    st.one_of(
        st.text(alphabet=st.sampled_from(list("ab .=\t \n\r\x00\x7fé€😀<>\"")), max_size=90),
        st.sampled_from([".", " ", "\t", "=", "a" * 75, "a" * 76, "a" * 77, "é" * 30, "x" * 74 + "=", "\n.\n"]),
    ),
    max_size=8,
).map("".join)


def reference_qp(body: str) -> bytes:
    normalised = body.replace("\r\n", "\n").replace("\r", "\n")
    return binascii.b2a_qp(to_utf8(normalised), istext=True).replace(b"\n", b"\r\n")


@settings(max_examples=600, deadline=None)
@given(body=body_text)
def test_line_by_line_quoted_printable_is_b2a_qp(body: str) -> None:
    assert message._qp(body) == reference_qp(body)
    assert message._qp(body) == reference_qp(body)  # the second time from the line cache


@settings(max_examples=600, deadline=None)
@given(pieces=st.lists(body_text, max_size=6))
def test_pieces_without_a_layout_encode_as_their_join(pieces: list[str]) -> None:
    """`qp_with_layout` with no layout (static text holding a CR) gives `_qp` of the joined body."""
    assert message.qp_with_layout(None, pieces) == reference_qp("".join(pieces))
    assert message.qp_with_layout(None, pieces) == reference_qp("".join(pieces))  # the second time from the line cache


@settings(max_examples=600, deadline=None)
@given(pieces=st.lists(st.tuples(body_text, st.booleans()), max_size=8))
def test_a_layout_encodes_as_the_join(pieces: list[tuple[str, bool]]) -> None:
    """`qp_with_layout` (a skeleton plan's static lines encoded once, `qp_layout`) gives `_qp` of the joined
    body, whatever the per-body pieces hold (newlines and CRs included)."""
    layout = message.qp_layout([None if own else text for text, own in pieces])
    texts = [text for text, _ in pieces]
    assert message.qp_with_layout(layout, texts) == reference_qp("".join(texts))
    fills = [text[::-1] if own else text for text, own in pieces]  # other per-body text, the same layout
    assert message.qp_with_layout(layout, fills) == reference_qp("".join(fills))


def test_the_line_cache_is_bounded(monkeypatch) -> None:
    monkeypatch.setattr(message, "MAX_QP_LINES", 3)
    body = "\n".join(f"line {n}" for n in range(10)) + "\n"
    assert message._qp(body) == reference_qp(body)
    assert len(message._QP_LINES) <= 3


subjects = st.text(alphabet=st.sampled_from(list("aZ 0$,.=?_()\"'\t\néüß€😀中")) | st.characters(), max_size=70)


@settings(max_examples=600, deadline=None)
@given(subject=subjects, name=st.sampled_from(["Subject", "X-Rekindle-Campaign", "X"]))
def test_one_word_subject_is_what_header_encodes(subject: str, name: str) -> None:
    value = clean_line(subject)
    charset = "us-ascii" if value.isascii() and "=?" not in value else "utf-8"
    expected = Header(value, charset, maxlinelen=message.MAX_HEADER_LINE, header_name=name).encode(linesep="\r\n")
    assert message.encode_unstructured(name, subject) == f"{name}: {expected}"


def test_the_one_word_shortcut_is_taken_up_to_the_line_limit() -> None:
    for length in range(1, 80):
        value = "é" * length
        expected = Header(value, "utf-8", maxlinelen=78, header_name="Subject").encode(linesep="\r\n")
        word = message._encoded_word("Subject", value)
        assert word is None or word == expected
        assert (word is not None) == ("\r\n" not in expected), length


@settings(max_examples=400, deadline=None)
@given(name=subjects)
def test_a_display_name_is_what_formataddr_writes(name: str) -> None:
    from email.utils import formataddr

    assert message.format_mailbox(name, "ada@example.com") == formataddr((clean_line(name), "ada@example.com"),
                                                                         charset="utf-8")


@settings(max_examples=600, deadline=None)
@given(name=st.text(alphabet=st.sampled_from(list('aZ 0-_\'[]\\()<>@,:;".\t')), max_size=30))
def test_an_ascii_display_name_is_what_formataddr_writes(name: str) -> None:
    """A name without `formataddr`'s special characters is written without calling it; with any (each of them
    and the two it escapes are in the alphabet), formataddr writes it."""
    from email.utils import formataddr

    assert message.format_mailbox(name, "ada@example.com") == formataddr((clean_line(name), "ada@example.com"),
                                                                         charset="utf-8")
