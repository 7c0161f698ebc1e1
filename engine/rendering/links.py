"""Rewriting the links in a rendered email: UTM tagging, so analytics can attribute a visit to a campaign and
step, and click tracking (engine/rendering/clicks.py), which points each link at the web endpoint.

HTML is tokenised with the standard library's `html.parser` and only the `href` of `<a>`/`<area>` start tags
is rewritten, in place: everything else in the document is left byte for byte as rendered. Plain-text bodies
have no markup, so there URLs are found by their `http(s)://` shape.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Collection, Mapping
from functools import lru_cache
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

#: Filled in when the config names neither: the campaign id and the step id (plus variant) identify the email.
DEFAULT_CAMPAIGN = "{campaign}"
DEFAULT_CONTENT = "{step}"


def utm_parameters(settings: Mapping[str, str], campaign: str, step: str, variant: str | None) -> dict[str, str]:
    """The query parameters to add, from `tracking.utm` (keys with or without the `utm_` prefix; values may
    use `{campaign}`, `{step}` and `{variant}`). Empty settings mean no tagging at all."""
    if not settings:
        return {}
    return dict(_utm_parameters(tuple(settings.items()), campaign, step, variant))


@lru_cache(maxsize=256)
def _utm_parameters(settings: tuple[tuple[str, str], ...], campaign: str, step: str,
                    variant: str | None) -> tuple[tuple[str, str], ...]:
    """Cached: the same for every message of a step (the caller gets its own dict)."""
    return tuple(_make_utm_parameters(dict(settings), campaign, step, variant).items())


def _make_utm_parameters(settings: Mapping[str, str], campaign: str, step: str,
                         variant: str | None) -> dict[str, str]:
    params = {(k if k.startswith("utm_") else f"utm_{k}"): str(v) for k, v in settings.items()}
    params.setdefault("utm_campaign", DEFAULT_CAMPAIGN)
    params.setdefault("utm_content", DEFAULT_CONTENT + ("-{variant}" if variant else ""))
    values = {"campaign": campaign, "step": step, "variant": variant or ""}
    return {k: v.replace("{campaign}", values["campaign"]).replace("{step}", values["step"])
            .replace("{variant}", values["variant"]) for k, v in params.items()}


def tag_url(url: str, params: Mapping[str, str]) -> str:
    """`url` with `params` added to its query. Only http(s) links are tagged, and a parameter the link already
    sets (say a hand-written utm_source) is kept as written."""
    return _tag_url(url, tuple(params.items()))


@lru_cache(maxsize=4096)
def _tag_url(url: str, params: tuple[tuple[str, str], ...]) -> str:
    """Cached: most links of a campaign step are the same for every customer; parsing and re-encoding them
    per message was a fifth of composing an email."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return url
    query = parse_qsl(parts.query, keep_blank_values=True)
    present = {key for key, _ in query}
    added = [(k, v) for k, v in params if k not in present]
    if not added:
        return url
    joined = (parts.query + "&" if parts.query else "") + urlencode(added)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, joined, parts.fragment))


LINK_TAGS = ("a", "area")
TAG_NAME = re.compile(r"([a-zA-Z][^\t\n\r\f />\x00]*)")


class _HrefRewriter(HTMLParser):
    """Collects (start offset, end offset, replacement) for every link start tag whose href changes.

    The whole document is fed in one call, so the index `parse_starttag` receives is an offset into it."""

    def __init__(self, rewrite: Callable[[str], str], skip: Collection[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.rewrite, self.skip = rewrite, skip
        self.edits: list[tuple[int, int, str]] = []
        self._start = 0
        self.new_href: str | None = None
        """The last rewritten tag's new href (what an HTML parser reads back from it)."""

    def parse_starttag(self, i: int) -> int:
        # Speed: an email has dozens of layout tags and a handful of links. For a tag that is neither a link nor
        # one that switches the tokenizer into raw-text mode (script, style), only find where it ends, with the
        # standard library's own check, and skip decoding its attributes. bench/render.py measures the gain.
        name = TAG_NAME.match(self.rawdata, i + 1)
        tag = name.group(1).lower() if name else ""
        if tag not in LINK_TAGS and tag not in self.CDATA_CONTENT_ELEMENTS and _FAST_PATH:
            return self.check_for_whole_start_tag(i)
        self._start = i
        return super().parse_starttag(i)

    def updatepos(self, i: int, j: int) -> int:
        """Line/column bookkeeping for `getpos()`, which this parser never uses (offsets come from
        `parse_starttag`); skipping it saves a scan of every tag."""
        return j

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in LINK_TAGS:
            return
        raw = self.get_starttag_text() or ""
        replacement, self.new_href = retag(tag, attrs, raw, self.rewrite, self.skip)
        if replacement is not None:
            self.edits.append((self._start, self._start + len(raw), replacement))


def retag(tag: str, attrs: list[tuple[str, str | None]], raw: str, rewrite: Callable[[str], str],
          skip: Collection[str]) -> tuple[str | None, str | None]:
    """(the new start tag, its new href) for a link tag whose href `rewrite` changes; (None, None) otherwise."""
    new_attrs, changed, new_href = [], False, None
    for name, value in attrs:
        if name == "href" and value is not None and value not in skip:
            tagged = rewrite(value.strip())
            changed |= tagged != value.strip()
            value = tagged
            new_href = tagged if new_href is None else new_href
        new_attrs.append((name, value))
    if not changed:
        return None, None
    rendered = "".join(f" {n}" if v is None else f' {n}="{html.escape(v, quote=True)}"' for n, v in new_attrs)
    closing = "/>" if raw.rstrip().endswith("/>") else ">"
    return f"<{tag}{rendered}{closing}", new_href


class _StartTag(HTMLParser):
    """The name, attributes and text of the first start tag of a fragment."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: tuple[str, list[tuple[str, str | None]], str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.found is None:
            self.found = (tag, attrs, self.get_starttag_text() or "")


@lru_cache(maxsize=2048)
def parse_link_tag(fragment: str) -> tuple[int, tuple[str, list[tuple[str, str | None]], str] | None]:
    """(offset, parsed start tag) of the one link tag a fragment holds, parsed once per distinct text."""
    parser = _StartTag()
    parser.feed(fragment)
    parser.close()
    if parser.found is None:
        return 0, None
    return fragment.find(parser.found[2]), parser.found


_FAST_PATH = hasattr(HTMLParser, "check_for_whole_start_tag")


def tag_html_links(document: str, params: Mapping[str, str], skip: Collection[str] = ()) -> str:
    """`document` with UTM parameters on every http(s) link except those in `skip` (the unsubscribe URL)."""
    if not params:
        return document
    return rewrite_html_links(document, lambda url: tag_url(url, params), skip)


def rewrite_html_links(document: str, rewrite: Callable[[str], str], skip: Collection[str] = ()) -> str:
    """`document` with the href of every link (except those in `skip`) replaced by `rewrite(href)`."""
    parser = _HrefRewriter(rewrite, skip)
    parser.feed(document)
    parser.close()
    pieces, cursor = [], 0
    for start, end, replacement in parser.edits:
        pieces += [document[cursor:start], replacement]
        cursor = end
    pieces.append(document[cursor:])
    return "".join(pieces)


def rewrite_link_tag(tag: str, params: Mapping[str, str], skip: Collection[str] = ()) -> tuple[str, str | None]:
    """One link start tag (`<a href=...>`) tagged exactly as `tag_html_links` would tag it inside a document,
    and its new href, or None when the tag is left as it is."""
    if not params:
        return tag, None
    start, found = parse_link_tag(tag)
    if found is None or found[0] not in LINK_TAGS:
        return tag, None
    name, attrs, raw = found
    replacement, new_href = retag(name, attrs, raw, lambda url: tag_url(url, params), skip)
    if replacement is None:
        return tag, None
    return tag[:start] + replacement + tag[start + len(raw):], new_href


# A URL in running text: scheme, then anything but whitespace and the brackets/quotes that usually enclose it;
# trailing sentence punctuation is not part of it.
_TEXT_URL = re.compile(r"https?://[^\s<>()\[\]\"']+[^\s<>()\[\]\"'.,;:!?]", re.IGNORECASE)


def tag_text_links(text: str, params: Mapping[str, str], skip: Collection[str] = ()) -> str:
    """The same tagging for a plain-text body."""
    if not params:
        return text
    return rewrite_text_links(text, lambda url: tag_url(url, params), skip)


def rewrite_text_links(text: str, rewrite: Callable[[str], str], skip: Collection[str] = ()) -> str:
    """`text` with every http(s) URL (except those in `skip`) replaced by `rewrite(url)`: exactly
    `_TEXT_URL.sub(...)`, but the pattern is only tried where a URL can start. Every match holds `://` right
    after its scheme, `http` or `https` (one character per letter, whatever the case folding), so it starts 4
    or 5 characters before a `://`; `str.find` finds those, and the pattern is matched there, left to right,
    each search starting after the last match, as `sub` does. Scanning the whole text with the pattern cost a
    hand-written text more than rendering one of its lines; tests/rendering/test_links.py compares the two."""
    found = text.find("://")
    if found < 0:
        return text
    pieces: list[str] = []
    cursor = 0  # where the next match may start (the end of the last one)
    match = _TEXT_URL.match
    while found >= 0:
        for start in (found - 5, found - 4):
            if start < cursor:
                continue
            url = match(text, start)
            if url is not None:
                pieces += [text[cursor:start], url[0] if url[0] in skip else rewrite(url[0])]
                cursor = url.end()
                break
        found = text.find("://", max(found + 1, cursor))
    if not pieces:
        return text
    pieces.append(text[cursor:])
    return "".join(pieces)
