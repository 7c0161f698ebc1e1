"""Frequency caps across campaigns: "at most N emails per customer per period".

Counted from the delivery ledger (everything queued or sent, whichever campaign). A capped step is not lost:
the caller moves it to the instant the cap releases, i.e. when enough of the counted emails have aged out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from engine.config.model import FrequencyCap


def cap_release(recent: Iterable[datetime], caps: Sequence[FrequencyCap], now: datetime) -> datetime | None:
    """None when another email may go out at `now`; else the earliest instant all caps allow one again.

    `recent` are the times of the customer's counted emails (any order, older ones are ignored)."""
    times = sorted(recent)
    release: datetime | None = None
    for cap in caps:
        window = [t for t in times if t > now - cap.per]
        if len(window) < cap.max:
            continue
        # Once the oldest (len - max + 1) of them have aged out, the count is below max again.
        frees_at = window[len(window) - cap.max] + cap.per
        release = frees_at if release is None else max(release, frees_at)
    return release
