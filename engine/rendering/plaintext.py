"""The plain-text body of an email without a hand-written .txt, derived from its rendered HTML by inscriptis.

Email HTML lays itself out with tables (`role="presentation"`); rendered as real tables those would pad every
line to the column width. Like a screen reader, the conversion treats layout tables as plain blocks, so the
text reads as paragraphs, with lists and each link's target kept (`[label](url)`).
"""

from __future__ import annotations

import re
import textwrap

from inscriptis import Inscriptis
from inscriptis.model.config import ParserConfig
from lxml import html as lxml_html

_CONFIG = ParserConfig(display_links=True)
_LAYOUT_TAGS = {"table", "tbody", "thead", "tfoot", "tr", "td", "th"}
_BLANK_RUNS = re.compile(r"\n{3,}")


def _unwrap_layout_tables(tree) -> None:
    for table in tree.iter("table"):
        if table.get("role") != "presentation":
            continue
        for element in table.iter():
            if element.tag in _LAYOUT_TAGS and (element is table or _layout_owner(element) is table):
                element.tag = "div"
                element.attrib.pop("style", None)  # layout padding would indent the text


def _layout_owner(element):
    """The nearest enclosing table of a row or cell (nested data tables keep their own cells)."""
    parent = element.getparent()
    while parent is not None and parent.tag != "table":
        parent = parent.getparent()
    return parent


def html_to_text(document: str) -> str:
    """Readable text: paragraphs, lists and link targets, trailing spaces and blank-line runs removed."""
    if not document.strip():
        return ""
    tree = lxml_html.document_fromstring(document)
    _unwrap_layout_tables(tree)
    return _text_of(tree)


def html_to_text_or_none(document: str) -> str | None:
    """`html_to_text`, or None for a document whose layout depends on the width of its words (a data table
    pads its columns to the longest cell): its text cannot be laid out once for values of any length."""
    if not document.strip():
        return ""
    tree = lxml_html.document_fromstring(document)
    _unwrap_layout_tables(tree)
    if any(True for _ in tree.iter("table")):
        return None
    return _text_of(tree)


def _text_of(tree) -> str:
    text = Inscriptis(tree, _CONFIG).get_text()
    # Nested blocks make inscriptis indent everything by the same amount: remove what all lines share.
    lines = textwrap.dedent("\n".join(line.rstrip() for line in text.splitlines()))
    return _BLANK_RUNS.sub("\n\n", lines).strip("\n") + "\n"
