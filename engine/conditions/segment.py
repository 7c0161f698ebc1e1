"""`segment`: a named, reusable condition defined in `segments/<name>.yaml`.

    segment: engaged

Resolved through the context at compile/evaluate time, so one segment edit changes every campaign using it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.conditions.base import Condition


@dataclass(frozen=True)
class SegmentCondition(Condition):
    kind = "segment"
    name: str

    @classmethod
    def parse(cls, body: Any) -> "SegmentCondition":
        return cls(str(body))
