"""Building the RFC 5322 message bytes of one email: multipart/alternative, plain text then HTML.

The message is assembled from pre-encoded parts rather than through `email.message.EmailMessage`: headers are
encoded with the standard library's own `email.header.Header` / `email.utils.formataddr` (RFC 2047), bodies
with quoted-printable (`binascii.b2a_qp`, lines of at most 76 characters), and the MIME skeleton is fixed text.
bench/render.py measures this at about 20x the speed of `EmailMessage` with `policy.default` for identical
meaning, and tests/rendering re-parse every built message with `policy.default` to prove it.

Header injection: display names and the subject are folded onto one line (`clean_line`); addresses, the
Message-ID and URLs are refused with `HeaderInjection` if they hold any line-breaking character.
"""

from __future__ import annotations

import binascii
import hashlib
import re
import string
from dataclasses import dataclass
from datetime import datetime
from email.header import Header
from email.utils import format_datetime, formataddr, getaddresses
from collections.abc import Callable, Sequence
from functools import lru_cache
from operator import itemgetter
from typing import TypeAlias

from engine.errors import InvalidInput
from engine.rendering.text import clean_line, has_line_break, to_utf8

CRLF = "\r\n"
MAX_HEADER_LINE = 78


class HeaderInjection(InvalidInput, ValueError):
    """A header value that must be a single token (address, Message-ID, URL) contained a line break."""


@dataclass(frozen=True)
class Envelope:
    """Everything that goes into the headers, already rendered (subject) or configured (sender)."""

    subject: str
    from_address: str
    to_address: str
    to_name: str
    message_id: str
    date: datetime
    reply_to: str | None = None
    list_unsubscribe: tuple[str, ...] = ()
    one_click: bool = True
    extra: tuple[tuple[str, str], ...] = ()


def _single_token(value: str, what: str) -> str:
    if has_line_break(value) or not value.strip():
        raise HeaderInjection(f"{what} must be a single line without control characters: {value!r}")
    return value.strip()


def _header_address(address: str) -> str:
    """The bare address, with an internationalised domain in its IDNA (xn--) form. A non-ASCII local part
    (`jösé@example.com`) stays UTF-8, as RFC 6532 writes it: such a message can only travel over SMTPUTF8, which
    the SMTP backend asks for (and, when the relay does not offer it, fails that one delivery with the reason)."""
    address = _single_token(address, "an email address")
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain or " " in address:
        raise HeaderInjection(f"not an email address: {address!r}")
    if not domain.isascii():
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            raise HeaderInjection(f"the domain of {address!r} is not a valid internationalised name") from None
    return f"{local}@{domain}"


#: The characters for which `formataddr` quotes an ASCII display name (`email.utils.specialsre`); the two it
#: also backslash-escapes, `\\` and `"`, are among them. A name without any is written as it is, and
#: formataddr's search and substitution (a Python-level call even when nothing matches) are skipped.
#: tests/rendering/test_message_fast.py holds the shortcut to formataddr.
_SPECIALS = re.compile(r'[][\\()<>@,:;".]')


def format_mailbox(name: str | None, address: str) -> str:
    """`Name <addr>` with the name RFC 2047-encoded when it is not ASCII and quoted when it needs it."""
    name = clean_line(name or "")
    address = _header_address(address)
    if address.isascii():
        if not name:
            return address  # what formataddr writes for no name
        if not name.isascii():  # what formataddr writes, without making a Charset per call
            return f"{_word(name)} <{address}>"
        if _SPECIALS.search(name) is None:  # what formataddr writes for a name it neither quotes nor escapes
            return f"{name} <{address}>"
        return formataddr((name, address), charset="utf-8")
    # formataddr would RFC 2047-encode the address itself, which no mail system decodes: keep it raw UTF-8.
    shown = formataddr((name, "x@x"), charset="utf-8").rpartition("<")[0] if name else ""
    return f"{shown}<{address}>" if shown else address


@lru_cache(maxsize=64)
def format_configured_mailbox(value: str) -> str:
    """A configured `From`/`Reply-To` such as `Rekindle Team <hello@example.com>`, re-encoded safely."""
    _single_token(value, "a configured address")
    parsed = getaddresses([value])
    if len(parsed) != 1 or not parsed[0][1]:
        raise HeaderInjection(f"expected exactly one address: {value!r}")
    name, address = parsed[0]
    return format_mailbox(name, address)


@lru_cache(maxsize=64)
def _date_header(date: datetime) -> str:
    """A run stamps all its messages with the same time: format it once."""
    return format_datetime(date)


def encode_unstructured(name: str, value: str) -> str:
    """A folded, RFC 2047-encoded (when not ASCII) header line such as a subject, without the final CRLF."""
    value = clean_line(value)
    if value.isascii() and "=?" not in value:
        if len(name) + 2 + len(value) <= MAX_HEADER_LINE:
            return f"{name}: {value}"  # nothing to encode or fold (most subjects and all X- headers)
        charset = "us-ascii"
    else:
        word = _encoded_word(name, value)
        if word is not None:
            return f"{name}: {word}"
        charset = "utf-8"
    encoded = Header(value, charset, maxlinelen=MAX_HEADER_LINE, header_name=name).encode(linesep=CRLF)
    return f"{name}: {encoded}"


def _encoded_word(name: str, value: str) -> str | None:
    """The one RFC 2047 word `Header(value, "utf-8", maxlinelen=78, header_name=name).encode()` gives when the
    whole value fits on the header's first line, or None when it must be folded (then `Header` does it).
    Same choice as the standard library's: quoted-printable unless base64 is strictly shorter. `Header` tries
    every prefix of the value to fold it, which made a non-ASCII subject cost half a Jinja render; the
    equality is checked against `Header` in tests/rendering/test_message_fast.py."""
    word = _word(value)
    return word if len(word) <= MAX_HEADER_LINE - len(name) - 2 else None


#: The header quoted-printable table of `email.quoprimime` (which keeps it private): letters, digits and
#: `-!*+/` as they are, a space as `_`, every other byte as `=XX`.
_QP_HEADER = ["=%02X" % byte for byte in range(256)]
for _byte in (b"-!*+/" + (string.ascii_letters + string.digits).encode("ascii")):
    _QP_HEADER[_byte] = chr(_byte)
_QP_HEADER[ord(" ")] = "_"


def _word(value: str) -> str:
    """`Charset("utf-8").header_encode(value)`: one RFC 2047 word, quoted-printable unless base64 is strictly
    shorter (the standard library's SHORTEST rule), however long."""
    raw = value.encode("utf-8")
    quoted = raw.decode("latin-1").translate(_QP_HEADER)
    groups, leftover = divmod(len(raw), 3)
    if groups * 4 + (4 if leftover else 0) < len(quoted):
        return f"=?utf-8?b?{binascii.b2a_base64(raw, newline=False).decode('ascii')}?="
    return f"=?utf-8?q?{quoted}?="


def _list_header(name: str, items: tuple[str, ...]) -> str:
    """`<a>, <b>` folded one item per line, so long signed URLs stay under the 998-character limit."""
    values = [f"<{_single_token(item, name)}>" for item in items]
    line = f"{name}: " + f",{CRLF} ".join(values)
    if max(map(len, line.split(CRLF))) > 998:
        raise HeaderInjection(f"{name} value is longer than 998 characters")
    return line


#: Encoded body lines kept (a line and its newline -> its quoted-printable bytes with CRLF); emptied when full.
MAX_QP_LINES = 8192
_QP_LINES: dict[str, bytes] = {}


def _qp_text(text: str) -> bytes:
    """`binascii.b2a_qp` of `text` as UTF-8, with CRLF line ends: the reference every shortcut here equals."""
    return binascii.b2a_qp(to_utf8(text), istext=True).replace(b"\n", b"\r\n")


def _qp_line(line: str) -> bytes:
    """One body line and its newline, encoded and remembered: most lines of an email are its template's static
    text, the same in every message, so nearly every line is a dictionary hit instead of an encoding."""
    encoded = _qp_text(line + "\n")
    if len(_QP_LINES) >= MAX_QP_LINES:
        _QP_LINES.clear()
    _QP_LINES[line] = encoded
    return encoded


def _qp(body: str) -> bytes:
    """Quoted-printable UTF-8 with CRLF line ends; every encoded line is at most 76 characters.

    Exactly `binascii.b2a_qp(body, istext=True)` with CRLF line ends, built a line at a time: b2a_qp starts
    afresh after every newline (its soft breaks and escapes depend only on the line itself), so each line and
    its newline encode the same alone. Only the last line, which has no newline, is encoded in place (a space
    or a lone dot at the very end of the data is encoded differently). tests/rendering/test_message_fast.py
    compares the two."""
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    last = lines.pop()
    known = _QP_LINES.get
    encoded = [known(line) or _qp_line(line) for line in lines]
    encoded.append(_qp_text(last))
    return b"".join(encoded)


Line: TypeAlias = tuple[str, Callable[[Sequence[str]], object]]
"""A line holding per-body pieces, compiled: a `%` format of its static text with `%s` for each per-body piece,
and an `itemgetter` of those pieces (formatting is one C call, where joining its fragments was a loop)."""
QpLayout: TypeAlias = tuple[tuple[tuple[bytes, Line], ...], bytes, Line | bytes]
"""Each line holding per-body pieces with the encoded static lines before it; the encoded static lines after
the last such line; the last line (no newline), compiled, or encoded already when it is all static text."""


def compile_line(fragments: list[str | int]) -> Line | str:
    """The line of `fragments` (static text, indices of per-body pieces) compiled, or its text when it is all
    static (skeleton.py compiles its link tags the same way)."""
    indices = [fragment for fragment in fragments if isinstance(fragment, int)]
    if not indices:
        return "".join(fragments)  # type: ignore[arg-type]  # no indices: all text
    # One index: the getter gives that piece itself, a str, which `%` takes as its one argument.
    formats = "".join(fragment.replace("%", "%%") if isinstance(fragment, str) else "%s" for fragment in fragments)
    return formats, itemgetter(*indices)


def qp_layout(template: list[str | None]) -> QpLayout | None:
    """How to encode bodies made of fixed pieces: `template` has each static piece (the same text in every
    body) and None where a body has its own text. The layout is the encoded whole lines of the static text
    (bytes, made here once) and, for each line that holds a per-body piece, that line compiled (`Line`); then
    the last line, compiled, or encoded here when it is static. None when the static text holds a CR (`_qp`
    folds CRLF and CR into LF over the whole body)."""
    if any(piece is not None and "\r" in piece for piece in template):
        return None
    layout: list[tuple[bytes, Line]] = []
    line: list[str | int] = []
    static: list[bytes] = []
    for index, piece in enumerate(template):
        if piece is None:
            line.append(index)
            continue
        head, *rest = piece.split("\n")
        if head:
            line.append(head)
        if not rest:
            continue
        compiled = compile_line(line)
        if isinstance(compiled, str):
            static.append(_QP_LINES.get(compiled) or _qp_line(compiled))
        else:
            layout.append((b"".join(static), compiled))
            static = []
        *middle, tail = rest
        static += [_QP_LINES.get(text) or _qp_line(text) for text in middle]
        line = [tail] if tail else []
    last = compile_line(line)
    # the last line has no newline: encoded in place (a space or a lone dot at the very end differs)
    return tuple(layout), b"".join(static), _qp_text(last) if isinstance(last, str) else last


def qp_with_layout(layout: QpLayout | None, pieces: Sequence[str]) -> bytes:
    """`_qp("".join(pieces))` for pieces that follow `layout` (`qp_layout` of their template): only the lines
    that hold a per-body piece are formatted and encoded (most from the line cache). A per-body piece holding a
    newline (a link tag written over several lines) splits its line the same way; one holding a CR takes `_qp`,
    which folds CRLF and CR into LF first, as does a body whose static text holds a CR (no layout).
    tests/rendering/test_message_fast.py compares the two."""
    if layout is None:
        return _qp("".join(pieces))
    lines, tail, last = layout
    encoded: list[bytes] = []
    known = _QP_LINES.get
    for static, (formats, arguments) in lines:
        encoded.append(static)
        text = formats % arguments(pieces)
        if "\n" in text or "\r" in text:
            spilled = _spill(text, encoded)
            if spilled is None:
                return _qp("".join(pieces))
            text = spilled
        encoded.append(known(text) or _qp_line(text))
    encoded.append(tail)
    if isinstance(last, bytes):
        encoded.append(last)
        return b"".join(encoded)
    formats, arguments = last
    text = formats % arguments(pieces)
    if "\n" in text or "\r" in text:
        spilled = _spill(text, encoded)
        if spilled is None:
            return _qp("".join(pieces))
        text = spilled
    encoded.append(_qp_text(text))  # the last line has no newline: encoded in place
    return b"".join(encoded)


def _spill(text: str, encoded: list[bytes]) -> str | None:
    """A formatted line whose per-body piece held a newline (rare): its whole lines encoded onto `encoded`,
    and its last part returned, to be encoded as the line it ends; None when it holds a CR (then the body
    takes `_qp`, which folds CRLF and CR into LF first)."""
    if "\r" in text:
        return None
    *split, last = text.split("\n")
    encoded += [_QP_LINES.get(line) or _qp_line(line) for line in split]
    return last


def _boundary(message_id: str) -> str:
    """Stable per message (same delivery, same bytes) and impossible inside a quoted-printable body, which can
    never contain `==` (a literal `=` is always encoded as `=3D`)."""
    return "==rk-" + hashlib.sha256(message_id.encode()).hexdigest()[:24] + "=="


Pieces: TypeAlias = tuple[QpLayout | None, Sequence[str]] | None


def _head(content_type: str) -> bytes:
    return f"Content-Type: {content_type}; charset=utf-8{CRLF}Content-Transfer-Encoding: quoted-printable{CRLF}{CRLF}".encode("ascii")


#: The two parts' headers, the same in every message.
_TEXT_HEAD, _HTML_HEAD = _head("text/plain"), _head("text/html")


def _part(head: bytes, body: str, pieces: Pieces = None) -> bytes:
    return head + (_qp(body) if pieces is None else qp_with_layout(*pieces))


@lru_cache(maxsize=256)
def _extra_headers(extra: tuple[tuple[str, str], ...]) -> list[str]:
    """The X-Rekindle-* lines: the same few per campaign step, so encoded once."""
    return [encode_unstructured(_single_token(name, "header name"), value) for name, value in extra]


def build_message(envelope: Envelope, text: str, html: str, *, text_pieces: Pieces = None,
                  html_pieces: Pieces = None) -> bytes:
    """The complete message, CRLF line endings, ready for SMTP `DATA` or a maildir file. `text_pieces` and
    `html_pieces`, when given, are the `qp_layout` of pieces whose join is `text` / `html` and those pieces
    (compose_email's skeleton plans make them): the same bytes, encoded faster (`qp_with_layout`)."""
    message_id = _single_token(envelope.message_id, "Message-ID")
    if not message_id.startswith("<"):
        message_id = f"<{message_id}>"
    headers = [
        f"From: {format_configured_mailbox(envelope.from_address)}",
        f"To: {format_mailbox(envelope.to_name, envelope.to_address)}",
    ]
    if envelope.reply_to:
        headers.append(f"Reply-To: {format_configured_mailbox(envelope.reply_to)}")
    headers += [
        encode_unstructured("Subject", envelope.subject),
        f"Date: {_date_header(envelope.date)}",
        f"Message-ID: {message_id}",
    ]
    if envelope.list_unsubscribe:
        headers.append(_list_header("List-Unsubscribe", envelope.list_unsubscribe))
        if envelope.one_click:
            headers.append("List-Unsubscribe-Post: List-Unsubscribe=One-Click")
    headers += _extra_headers(envelope.extra)
    boundary = _boundary(message_id)
    headers += ["MIME-Version: 1.0", f'Content-Type: multipart/alternative; boundary="{boundary}"']
    delimiter = f"{CRLF}--{boundary}{CRLF}".encode("ascii")
    return b"".join(
        (
            (CRLF.join(headers) + CRLF + CRLF).encode("utf-8"),  # UTF-8 only for an SMTPUTF8 address
            f"--{boundary}{CRLF}".encode("ascii"),
            _part(_TEXT_HEAD, text, text_pieces),
            delimiter,
            _part(_HTML_HEAD, html, html_pieces),
            f"{CRLF}--{boundary}--{CRLF}".encode("ascii"),
        )
    )
