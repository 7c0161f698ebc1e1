"""UTM tagging of the links in a rendered email, so analytics can attribute a visit to a campaign and step.

HTML is tokenised with the standard library's `html.parser` and only the `href` of `<a>`/`<area>` start tags
is rewritten, in place: everything else in the document is left byte for byte as rendered. Plain-text bodies
have no markup, so there URLs are found by their `http(s)://` shape.
"""

from __future__ import annotations

import html
import re
from collections.abc import Collection, Mapping
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
    params = {(k if k.startswith("utm_") else f"utm_{k}"): str(v) for k, v in settings.items()}
    params.setdefault("utm_campaign", DEFAULT_CAMPAIGN)
    params.setdefault("utm_content", DEFAULT_CONTENT + ("-{variant}" if variant else ""))
    values = {"campaign": campaign, "step": step, "variant": variant or ""}
    return {k: v.replace("{campaign}", values["campaign"]).replace("{step}", values["step"])
            .replace("{variant}", values["variant"]) for k, v in params.items()}


def tag_url(url: str, params: Mapping[str, str]) -> str:
    """`url` with `params` added to its query. Only http(s) links are tagged, and a parameter the link already
    sets (say a hand-written utm_source) is kept as written."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return url
    query = parse_qsl(parts.query, keep_blank_values=True)
    present = {key for key, _ in query}
    added = [(k, v) for k, v in params.items() if k not in present]
    if not added:
        return url
    joined = (parts.query + "&" if parts.query else "") + urlencode(added)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, joined, parts.fragment))


_LINK_TAGS = ("a", "area")
_TAG_NAME = re.compile(r"([a-zA-Z][^\t\n\r\f />\x00]*)")


class _HrefRewriter(HTMLParser):
    """Collects (start offset, end offset, replacement) for every link start tag whose href changes.

    The whole document is fed in one call, so the index `parse_starttag` receives is an offset into it."""

    def __init__(self, params: Mapping[str, str], skip: Collection[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.params, self.skip = params, skip
        self.edits: list[tuple[int, int, str]] = []
        self._start = 0

    def parse_starttag(self, i: int) -> int:
        # Speed: an email has dozens of layout tags and a handful of links. For a tag that is neither a link nor
        # one that switches the tokenizer into raw-text mode (script, style), only find where it ends, with the
        # standard library's own check, and skip decoding its attributes. bench/render.py measures the gain.
        name = _TAG_NAME.match(self.rawdata, i + 1)
        tag = name.group(1).lower() if name else ""
        if tag not in _LINK_TAGS and tag not in self.CDATA_CONTENT_ELEMENTS and _FAST_PATH:
            return self.check_for_whole_start_tag(i)
        self._start = i
        return super().parse_starttag(i)

    def updatepos(self, i: int, j: int) -> int:
        """Line/column bookkeeping for `getpos()`, which this parser never uses (offsets come from
        `parse_starttag`); skipping it saves a scan of every tag."""
        return j

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _LINK_TAGS:
            return
        new_attrs, changed = [], False
        for name, value in attrs:
            if name == "href" and value is not None and value not in self.skip:
                tagged = tag_url(value.strip(), self.params)
                changed |= tagged != value.strip()
                value = tagged
            new_attrs.append((name, value))
        if not changed:
            return
        raw = self.get_starttag_text() or ""
        rendered = "".join(f" {n}" if v is None else f' {n}="{html.escape(v, quote=True)}"' for n, v in new_attrs)
        closing = "/>" if raw.rstrip().endswith("/>") else ">"
        self.edits.append((self._start, self._start + len(raw), f"<{tag}{rendered}{closing}"))


_FAST_PATH = hasattr(HTMLParser, "check_for_whole_start_tag")


def tag_html_links(document: str, params: Mapping[str, str], skip: Collection[str] = ()) -> str:
    """`document` with UTM parameters on every http(s) link except those in `skip` (the unsubscribe URL)."""
    if not params:
        return document
    parser = _HrefRewriter(params, skip)
    parser.feed(document)
    parser.close()
    pieces, cursor = [], 0
    for start, end, replacement in parser.edits:
        pieces += [document[cursor:start], replacement]
        cursor = end
    pieces.append(document[cursor:])
    return "".join(pieces)


# A URL in running text: scheme, then anything but whitespace and the brackets/quotes that usually enclose it;
# trailing sentence punctuation is not part of it.
_TEXT_URL = re.compile(r"https?://[^\s<>()\[\]\"']+[^\s<>()\[\]\"'.,;:!?]", re.IGNORECASE)


def tag_text_links(text: str, params: Mapping[str, str], skip: Collection[str] = ()) -> str:
    """The same tagging for a plain-text body."""
    if not params:
        return text
    return _TEXT_URL.sub(lambda m: m[0] if m[0] in skip else tag_url(m[0], params), text)
