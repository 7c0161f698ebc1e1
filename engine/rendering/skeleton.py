"""Per-skeleton plans: the link positions and the plain-text layout of an HTML email, worked out once per
skeleton (`engine.rendering.slots`) and replayed for every message that shares it.

A plan splits the skeleton into static text, value slots and link start tags. Building a message is then a
join: each slot gets its escaped value, each link tag (a handful per email) is re-tagged with UTM parameters
by the same code as `tag_html_links`, applied to that one tag. The generated plain text (for emails without a
hand-written .txt) is `html_to_text` of the skeleton with each link's href replaced by a link slot, split the
same way; a message's text is the join of its values (as text) and its links' final targets.

Values inside a start tag other than a link's href (a `style`, an `align`) can change the text layout, so
they are "structural": the text layout is kept per distinct tuple of them. A skeleton the text conversion
would lay out by content width (a real data table) gets no text plan: those messages take the direct path.
Every plan is checked to reproduce its skeleton's placeholders exactly; anything unexpected means no plan,
never a wrong message. tests/rendering/test_skeleton.py compares both paths on every shipped template.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from operator import itemgetter
from typing import TypeAlias

from markupsafe import escape

from engine.rendering.message import Line, QpLayout, compile_line, qp_layout
from engine.rendering.links import LINK_TAGS, TAG_NAME, parse_link_tag, retag, rewrite_link_tag, tag_url
from engine.rendering.plaintext import html_to_text_or_none
from engine.rendering.slots import CLOSE, OPEN, RESERVED, is_simple
from engine.rendering.text import clean_inner

_SLOT = re.compile(f"{OPEN}(\\d+){CLOSE}")
LINK_OPEN, LINK_CLOSE = "\ue002", "\ue003"
_TEXT_SLOT = re.compile(f"{OPEN}(\\d+){CLOSE}|{LINK_OPEN}(\\d+){LINK_CLOSE}")
_OPEN_END = re.compile(f"{CLOSE}\\s*/?>$")
#: Distinct skeletons (and structural variants) kept per renderer; beyond that messages take the direct path.
MAX_PLANS = 256


Attribute = tuple[str, str | int | None]


@dataclass(frozen=True)
class LinkTag:
    """A link start tag of the skeleton: its pieces (static text and slot numbers)."""

    pieces: tuple[str | int, ...]
    parsed: tuple[str, tuple[Attribute, ...]] | None = None
    """The tag parsed once, when its only slot-bearing attribute is an href that is exactly one slot (the
    footer's `href="{{ unsubscribe_url }}"`): its name and attributes, that href as its slot number. Then no
    message parses the tag again (its text differs per message, so the parse cache never hits)."""
    retagged: dict[tuple[object, ...], tuple[str, str | None]] = field(default_factory=dict, compare=False)
    """For a `parsed` tag: the retagged tag and href per (href values, which of them are skipped, UTM
    parameters), so a link whose target is the same for every customer (a button) is retagged once."""
    format: Line | str = field(init=False, compare=False, repr=False)
    """`pieces` compiled (`message.compile_line`): the tag's text for a message is one `%` format."""
    hrefs: tuple[str | int, ...] = field(init=False, compare=False, repr=False)
    """For a `parsed` tag: its href values, a slot's as its number (what `retagged` is keyed by)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "format", compile_line(list(self.pieces)))
        attrs = self.parsed[1] if self.parsed is not None else ()
        object.__setattr__(self, "hrefs", tuple(value for name, value in attrs if name == "href" and value is not None))

    def written(self, escaped: Sequence[str]) -> str:
        """The tag as the message's HTML writes it (its slots filled with their escaped values)."""
        if isinstance(self.format, str):
            return self.format
        formats, arguments = self.format
        return formats % arguments(escaped)


def _parse_once(text: str) -> tuple[str, tuple[Attribute, ...]] | None:
    """`parsed` for a link tag's skeleton text, or None. Without `&` in it, the parser decodes nothing, so the
    attribute values are the tag's own text; a message's escaped value in the slot decodes back to the value
    (markupsafe escapes exactly what the parser decodes, quotes included, so a quoted value stays whole)."""
    if "&" in text:
        return None
    start, found = parse_link_tag(text)
    if found is None or start != 0 or found[2] != text or found[0] not in LINK_TAGS:
        return None
    name, attrs, _ = found
    parsed: list[Attribute] = []
    seen = 0
    for attribute, value in attrs:
        if value is None or not RESERVED.search(value):
            parsed.append((attribute, value))
            continue
        slot = _SLOT.fullmatch(value)
        if attribute != "href" or slot is None or not (f'"{value}"' in text or f"'{value}'" in text):
            return None  # unquoted, a value with a space would end the attribute: parse each message's tag
        parsed.append((attribute, int(slot[1])))
        seen += 1
    return (name, tuple(parsed)) if seen == len(_SLOT.findall(text)) else None


def _rewrite_parsed(piece: LinkTag, escaped: Sequence[str], values: tuple[str, ...], params: Mapping[str, str],
                    params_key: tuple[tuple[str, str], ...], skip: Collection[str]) -> tuple[str, str | None]:
    """`rewrite_link_tag(piece.written(escaped), params, skip)` for a tag parsed once: its attributes with this
    message's values, retagged by the same code (once per distinct href values, `LinkTag.retagged`)."""
    assert piece.parsed is not None
    hrefs = tuple(values[value] if isinstance(value, int) else value for value in piece.hrefs)
    skipped = tuple(value in skip for value in hrefs)
    if all(skipped):
        return piece.written(escaped), None  # the unsubscribe link: `retag` leaves a skipped href as it is
    # The tag's only slots are its hrefs (`_parse_once`), so its text is a function of them; `retag` reads
    # nothing else.
    key = (hrefs, skipped, params_key)
    found = piece.retagged.get(key)
    if found is None:
        name, attrs = piece.parsed
        real = [(attribute, values[value] if isinstance(value, int) else value) for attribute, value in attrs]
        written = piece.written(escaped)
        replacement, href = retag(name, real, written, lambda url: tag_url(url, params), skip)
        found = (written, None) if replacement is None else (replacement, href)
        if len(piece.retagged) < MAX_PLANS:
            piece.retagged[key] = found
    return found


@dataclass
class HtmlPlan:
    pieces: tuple[str | int | LinkTag, ...]
    structural: tuple[int, ...]
    """Slots inside start tags other than link hrefs: the text layout may depend on their values."""
    closed_by_value: bool = False
    """A link tag ends in an unquoted value (`<a href={{ url }}>`): a value ending in `/` makes it `<a .../>`,
    an empty link, so no text layout stands for every value (those messages are converted whole)."""
    texts: dict[tuple[str | bool, ...], tuple[str | tuple[str, int], ...] | None] = field(default_factory=dict)
    qp: QpLayout | None | bool = False
    """The quoted-printable layout of the HTML (`message.qp_layout`), made on first use (False until then)."""
    text_qp: dict[int, tuple[tuple[str | tuple[str, int], ...], QpLayout | None, Fill]] = field(default_factory=dict)
    """The same per text layout of `texts` (by the id of that tuple, which `texts` keeps alive), with that
    layout's `Fill`."""
    links: tuple[LinkTag, ...] = field(init=False, compare=False, repr=False)
    """The link tags of `pieces`, in order."""
    fill: Fill = field(init=False, compare=False, repr=False)
    """`pieces` as a `Fill` of (link tags, static pieces, values): see `html_pieces`."""

    def __post_init__(self) -> None:
        self.links = tuple(piece for piece in self.pieces if isinstance(piece, LinkTag))
        links = iter(range(len(self.links)))
        self.fill = _fill([piece if isinstance(piece, str) else ("v", piece) if isinstance(piece, int) else
                           ("l", next(links)) for piece in self.pieces], len(self.links))


Fill: TypeAlias = tuple[tuple[str, ...], Callable[[Sequence[str]], Sequence[str]]]
"""A body's pieces compiled: its static pieces, and a getter that picks every piece of the body, in order, out
of (per-message link pieces, the static pieces, the per-message values) in one C call (`itemgetter`), where a
loop over the pieces tested and appended each."""


def _fill(pieces: Sequence[str | tuple[str, int]], links: int) -> Fill:
    """The `Fill` of a body's pieces (static text, ("v", value number), ("l", link number)) for a source of
    `links` link pieces, then the static pieces, then the values."""
    static = tuple(piece for piece in pieces if isinstance(piece, str))
    positions = iter(range(links, links + len(static)))
    indices = [next(positions) if isinstance(piece, str) else piece[1] if piece[0] == "l" else
               links + len(static) + piece[1] for piece in pieces]
    if len(indices) == 1:  # itemgetter of one index gives the item itself, not a tuple of it
        only = indices[0]
        return static, lambda source: (source[only],)
    return static, (itemgetter(*indices) if indices else lambda _source: ())


def html_layout(plan: HtmlPlan) -> QpLayout | None:
    """The quoted-printable layout of the plan's HTML: `html_pieces` gives one piece per plan piece."""
    if plan.qp is False:
        plan.qp = qp_layout([piece if isinstance(piece, str) else None for piece in plan.pieces])
    return plan.qp  # type: ignore[return-value]


def text_layout(plan: HtmlPlan, pieces: tuple[str | tuple[str, int], ...]) -> tuple[QpLayout | None, Fill]:
    """The quoted-printable layout of a text plan of `plan` (`text_pieces` gives one piece per plan piece),
    and the plan's `Fill` for `text_pieces`."""
    entry = plan.text_qp.get(id(pieces))
    if entry is not None and entry[0] is pieces:
        return entry[1], entry[2]
    layout = qp_layout([piece if isinstance(piece, str) else None for piece in pieces])
    fill = _fill(pieces, len(plan.links))
    if len(plan.text_qp) < MAX_PLANS:  # as `texts`, which beyond that hands out layouts it does not keep
        plan.text_qp[id(pieces)] = (pieces, layout, fill)
    return layout, fill


class _Scanner(HTMLParser):
    """Start-tag spans of the skeleton: every link tag, and the slots that sit inside any other tag text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[int, int]] = []
        self.structural: set[int] = set()
        self._href: str | None = None

    def parse_starttag(self, i: int) -> int:
        name = TAG_NAME.match(self.rawdata, i + 1)
        tag = name.group(1).lower() if name else ""
        if tag not in LINK_TAGS:
            end = super().parse_starttag(i)
            if end > i:
                self.structural.update(int(n) for n in _SLOT.findall(self.rawdata, i, end))
            return end
        self._href = None
        end = super().parse_starttag(i)
        if end > i:
            in_href = set(_SLOT.findall(self._href or ""))
            self.structural.update(int(n) for n in _SLOT.findall(self.rawdata, i, end) if n not in in_href)
            self.links.append((i, end))
        return end

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in LINK_TAGS:
            self._href = next((value for name, value in attrs if name == "href" and value is not None), None)

    def updatepos(self, i: int, j: int) -> int:
        return j


def _split(text: str) -> list[str | int]:
    pieces: list[str | int] = []
    cursor = 0
    for match in _SLOT.finditer(text):
        if match.start() > cursor:
            pieces.append(text[cursor:match.start()])
        pieces.append(int(match[1]))
        cursor = match.end()
    if cursor < len(text):
        pieces.append(text[cursor:])
    return pieces


def compile_plan(skeleton: str, slot_count: int) -> HtmlPlan | None:
    """The plan of one skeleton, or None when the skeleton is not exactly `slot_count` well-formed slots."""
    numbers = [int(n) for n in _SLOT.findall(skeleton)]
    if numbers != list(range(slot_count)) or RESERVED.search(_SLOT.sub("", skeleton)):
        return None
    scanner = _Scanner()
    scanner.feed(skeleton)
    scanner.close()
    pieces: list[str | int | LinkTag] = []
    cursor = 0
    for start, end in scanner.links:
        pieces += _split(skeleton[cursor:start])
        text = skeleton[start:end]
        pieces.append(LinkTag(tuple(_split(text)), _parse_once(text) if RESERVED.search(text) else None))
        cursor = end
    pieces += _split(skeleton[cursor:])
    closed_by_value = any(_OPEN_END.search(skeleton, start, end) for start, end in scanner.links)
    return HtmlPlan(tuple(pieces), tuple(sorted(scanner.structural)), closed_by_value)


def _join(pieces: tuple[str | int, ...], escaped: list[str]) -> str:
    return "".join(piece if isinstance(piece, str) else escaped[piece] for piece in pieces)


def html_pieces(plan: HtmlPlan, values: tuple[str, ...], escaped: list[str], params: Mapping[str, str],
                skip: Collection[str]) -> tuple[Sequence[str], list[str | None]]:
    """The message's HTML as pieces to join (links tagged) and, per link tag, its new href (None when tagging
    left it as is). The plan's static pieces (the same strings for every message, which the
    message builder's quoted-printable encoding uses, engine/rendering/message.py) between the values and tags.
    Only the link tags are worked out one by one; the pieces are then picked in one call (`HtmlPlan.fill`)."""
    tags: list[str] = []
    hrefs: list[str | None] = []
    params_key = tuple(params.items())
    for piece in plan.links:
        if piece.parsed is not None and params:
            tag, href = _rewrite_parsed(piece, escaped, values, params, params_key, skip)
        else:
            tag, href = rewrite_link_tag(piece.written(escaped), params, skip)
        tags.append(tag)
        hrefs.append(href)
    static, fill = plan.fill
    return fill((*tags, *static, *escaped)), hrefs


def _text_skeleton(plan: HtmlPlan, escaped: list[str], hrefs: list[str | None]) -> str:
    """The skeleton for the text conversion: structural slots filled in, each re-tagged link's href a link
    slot (a link tagging left alone keeps its slots, which the text then shows as values)."""
    structural = set(plan.structural)
    filled = [escaped[i] if i in structural else f"{OPEN}{i}{CLOSE}" for i in range(len(escaped))]
    out: list[str] = []
    link = 0
    for piece in plan.pieces:
        if isinstance(piece, str):
            out.append(piece)
        elif isinstance(piece, int):
            out.append(filled[piece])
        else:
            tag = _join(piece.pieces, filled)
            out.append(tag if hrefs[link] is None else _with_link_slot(tag, link))
            link += 1
    return "".join(out)


class _OneTag(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tag: tuple[str, list[tuple[str, str | None]]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tag = (tag, attrs)


def _with_link_slot(tag_text: str, number: int) -> str:
    parser = _OneTag()
    parser.feed(tag_text)
    parser.close()
    if parser.tag is None:
        return tag_text
    tag, attrs = parser.tag
    rendered = "".join(
        f" {name}" if value is None else
        f' {name}="{LINK_OPEN}{number}{LINK_CLOSE}"' if name == "href" and value else
        f' {name}="{html_lib.escape(value, quote=True)}"' for name, value in attrs)
    closing = "/>" if tag_text.rstrip().endswith("/>") else ">"  # as `retag` writes it: `<a .../>` stays empty
    return f"<{tag}{rendered}{closing}"


def text_plan(plan: HtmlPlan, escaped: list[str], hrefs: list[str | None]) -> tuple[str | tuple[str, int], ...] | None:
    """The generated text's pieces for this message's structural values and re-tagged links (built on first
    use), or None when this layout has no plan."""
    if plan.closed_by_value or any(href is not None and not is_simple(href) for href in hrefs):
        return None  # the conversion would collapse its spaces: no slot can stand for it
    key: tuple[str | bool, ...] = (*(escaped[i] for i in plan.structural), *(href is None for href in hrefs))
    if key in plan.texts:
        return plan.texts[key]
    text = html_to_text_or_none(_text_skeleton(plan, escaped, hrefs))
    pieces: list[str | tuple[str, int]] | None = None
    if text is not None:
        pieces = []
        cursor = 0
        for match in _TEXT_SLOT.finditer(text):
            if match.start() > cursor:
                pieces.append(text[cursor:match.start()])
            pieces.append(("v", int(match[1])) if match[1] is not None else ("l", int(match[2])))
            cursor = match.end()
        pieces.append(text[cursor:])
        if RESERVED.search(_TEXT_SLOT.sub("", text)):
            pieces = None
    if len(plan.texts) < MAX_PLANS:
        plan.texts[key] = tuple(pieces) if pieces is not None else None
    return tuple(pieces) if pieces is not None else None


def text_pieces(fill: Fill, values: Sequence[str], hrefs: list[str | None]) -> Sequence[str]:
    """The generated text as pieces to join (for the message builder, as `html_pieces`): the pieces of a text plan,
    picked by its `Fill` (`text_layout`)."""
    static, getter = fill
    return getter((*(href or "" for href in hrefs), *static, *values))


_NEEDS_ESCAPE = re.compile(r"[&<>\"']")


def fill_slots(text: str, values: tuple[str, ...]) -> str:
    """A piece of the skeleton with its slots filled in, escaped as the template wrote them."""
    return _SLOT.sub(lambda match: str(escape(values[int(match[1])])), text) if OPEN in text else text


def line_pieces(text: str) -> Line | str | None:
    """A captured skeleton piece (a subject block as the document wrote it) laid out so that
    `clean_line(Markup(fill_slots(text, values)).unescape())` is the stripped join of its static text, cleaned,
    and its raw values: None when that cannot be (static text holding `&` could make an entity with a value).
    A slot value is one line of words with no space at either end (`slots.is_simple`), so no run of spaces or
    entity crosses it, and unescaping its escaped form gives it back. The layout is compiled into one `%`
    format of the values (`message.compile_line`), or is the stripped text when the piece holds no slot."""
    pieces = _split(text)
    if any(isinstance(piece, str) and ("&" in piece or RESERVED.search(piece)) for piece in pieces):
        return None
    compiled = compile_line([clean_inner(piece) if isinstance(piece, str) else piece for piece in pieces])
    return compiled.strip() if isinstance(compiled, str) else compiled


def fill_line(pieces: Line | str, values: tuple[str, ...]) -> str:
    """The line `line_pieces` laid out, for this message's values."""
    if isinstance(pieces, str):
        return pieces
    formats, arguments = pieces
    return (formats % arguments(values)).strip()


def escape_values(values: tuple[str, ...]) -> list[str]:
    """Each slot value as the template wrote it (autoescaped by markupsafe; most values need nothing, so all
    of them are searched at once, and one by one only when one needs escaping)."""
    if _NEEDS_ESCAPE.search("".join(values)) is None:
        return list(values)
    return [str(escape(value)) if _NEEDS_ESCAPE.search(value) else value for value in values]
