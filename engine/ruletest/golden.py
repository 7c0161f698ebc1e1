"""Golden emails: an expected email may name a snapshot file holding the email as rendered (subject, plain text
and HTML, in one readable file that diffs well in a pull request). A rendering that differs fails with a
unified diff; `rekindle test --update-snapshots` rewrites the file when the change is intended.

The frozen clock and the fixed test secret make the rendering reproducible, so the file only changes when a
template, a rule's vars or a customer fixture does."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from email import message_from_bytes, policy
from pathlib import Path

from engine.documents.paths import display_path

TEXT_MARK = "--- text/plain ---"
HTML_MARK = "--- text/html ---"


def golden_text(subject: str | None, message: bytes) -> str:
    """The snapshot form of a queued message: its subject, then each body under a marker line."""
    parsed = message_from_bytes(message, policy=policy.default)
    text = parsed.get_body(preferencelist=("plain",))
    html = parsed.get_body(preferencelist=("html",))
    parts = [f"Subject: {subject or ''}", "", TEXT_MARK, text.get_content().rstrip("\n") if text else "", "",
             HTML_MARK, html.get_content().rstrip("\n") if html else ""]
    return "\n".join(parts).replace("\r\n", "\n") + "\n"


@dataclass(frozen=True)
class GoldenCheck:
    file: Path
    written: bool = False
    """True when --update-snapshots wrote (or rewrote) the file."""
    diff: tuple[str, ...] = ()
    """Unified diff lines snapshot -> rendered when they differ (empty when they are the same or written)."""
    missing: bool = False


def check_golden(file: Path, rendered: str, *, update: bool) -> GoldenCheck:
    """Compare `rendered` with `file`, or write it there with `update` (only when it differs)."""
    current = file.read_text(encoding="utf-8") if file.is_file() else None
    if current == rendered:
        return GoldenCheck(file)
    if update:
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(rendered, encoding="utf-8")
        return GoldenCheck(file, written=True)
    if current is None:
        return GoldenCheck(file, missing=True)
    name = display_path(file)
    diff = difflib.unified_diff(current.splitlines(), rendered.splitlines(), f"{name} (snapshot)",
                                f"{name} (rendered)", lineterm="", n=2)
    return GoldenCheck(file, diff=tuple(diff))
