"""The idempotency key of an event (`events.event_id`), unique per customer.

A source that has its own event ids gives them (`event_id` in a file row or an API request) and they are
stored as given. A row without one gets its content key: `content:` and the SHA-256 of the event's name, its
time (naive UTC, to the microsecond) and its properties as canonical JSON. So importing the same file twice, or
retrying an API batch, adds nothing; the price is that two events of one customer with the same name, the same
time and the same properties count once, which is why a source that can produce such twins sends `event_id`.

This definition is a stored contract (migration 0015 filled it in for existing rows): changing it would make
the next import of an old file add every event again.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

CONTENT_PREFIX = "content:"


def content_key(name: str, occurred_at: datetime, properties: dict[str, Any]) -> str:
    canonical = json.dumps(
        [name, occurred_at.replace(tzinfo=None).isoformat(timespec="microseconds"), properties],
        sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str,
    )
    return CONTENT_PREFIX + hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()
