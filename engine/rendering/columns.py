"""Where on its line a name is written: Jinja's syntax tree keeps lines only, so template diagnostics find
the column by looking for the access chain (`customer.frist_name`, `customer['frist_name']`) in the source."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence


def _pattern(chain: Sequence[str]) -> re.Pattern[str]:
    """`a.b.c` or `a['b'].c` and so on; the last part is captured as `dot` or `key` (where the mistake is)."""
    if len(chain) == 1:
        return re.compile(r"(?<![\w.])(?P<dot>" + re.escape(chain[0]) + r")\b")
    text = r"(?<![\w.])" + re.escape(chain[0])
    for index, part in enumerate(chain[1:], start=1):
        last = index == len(chain) - 1
        dot = f"(?P<dot>{re.escape(part)})" if last else re.escape(part)
        key = f"(?P<key>{re.escape(part)})" if last else re.escape(part)
        text += r"\s*(?:\.\s*" + dot + r"\b|\[\s*['\"]" + key + r"['\"]\s*\])"
    return re.compile(text)


def _start(match: re.Match[str]) -> int:
    return match.start("dot") if match.group("dot") is not None else match.start("key")


class ColumnFinder:
    """Columns of successive uses in one template: the n-th report of the same chain on a line gets the n-th
    place it is written there (uses are reported in source order)."""

    def __init__(self, source: str) -> None:
        self.lines = source.splitlines()
        self.taken: Counter[tuple[int, tuple[str, ...]]] = Counter()

    def column(self, line: int, chain: Sequence[str]) -> int:
        """1-based column of the chain's last part on `line`, 0 when it cannot be found there."""
        if not 1 <= line <= len(self.lines):
            return 0
        key = (line, tuple(chain))
        found = list(_pattern(chain).finditer(self.lines[line - 1]))
        index = self.taken[key]
        self.taken[key] += 1
        return _start(found[index]) + 1 if index < len(found) else 0
