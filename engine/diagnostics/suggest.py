""""Did you mean ...?": the closest known spelling of a misspelt key, value or name."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest(value: object, options: Iterable[object]) -> str | None:
    """The option `value` most likely meant: a case-insensitive match first, else difflib's best (ratio >= 0.6)."""
    if not isinstance(value, str):
        return None
    texts = sorted({str(option) for option in options})
    by_case = {text.lower(): text for text in texts}
    if value.lower() in by_case:
        return by_case[value.lower()]
    matches = difflib.get_close_matches(value, texts, n=1, cutoff=0.6)
    return matches[0] if matches else None


def did_you_mean(value: object, options: Iterable[object]) -> str:
    """` (did you mean "x"?)` when there is a close option, else the empty string."""
    match = closest(value, options)
    return f' (did you mean "{match}"?)' if match else ""
