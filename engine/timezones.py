"""IANA timezone names: whether one exists, the nearest spelling when it does not, and the zone to use.

One authority for the whole engine. Asking `ZoneInfo(name)` is not a safe existence test: it raises
ZoneInfoNotFoundError, ValueError or (for a tzdata folder such as `America`) IsADirectoryError, and every
caller that guessed the list of exceptions got it wrong once. The set of available zones answers plainly; one
name is looked up the way that set is made (a TZif file under a folder of `zoneinfo.TZPATH`, else tzdata's list
of zones: the same answer in either order, and the files first spare importing `importlib.resources` on a machine
that has them), since making the whole set opens every file under the system's zoneinfo folders (1,300 on a
Debian machine, on every `rekindle validate`). Only a suggestion for an unknown name needs the whole set.
"""

from __future__ import annotations

import os
import zoneinfo
from functools import cache, lru_cache
from zoneinfo import ZoneInfo, available_timezones

from engine.diagnostics.suggest import closest


_NOT_ZONES = frozenset({"localtime", "Factory", "posixrules", "leap-seconds", "leapseconds"})
"""Files in some tzdata folders that `available_timezones()` may list but that name no place: `localtime` is the
machine's own zone (different on every server), `Factory` is a placeholder with the abbreviation "-00"."""


@cache
def _zones() -> frozenset[str]:
    return frozenset(zone for zone in available_timezones()
                     if zone not in _NOT_ZONES and not zone.startswith(("posix/", "right/")))


@cache
def _tzdata_zones() -> frozenset[str]:
    """The zones the tzdata package lists (one small file), as `available_timezones()` reads them."""
    from importlib import resources  # with its zipfile and tempfile, only for a zone no TZif file names

    try:
        return frozenset(filter(None, resources.files("tzdata").joinpath("zones").read_text().split()))
    except (ImportError, FileNotFoundError):
        return frozenset()


@lru_cache(maxsize=1024)
def is_timezone(name: str) -> bool:
    """Whether `name` is in `available_timezones()` (less the entries that name no place), without listing them."""
    parts = name.split("/")
    if name in _NOT_ZONES or parts[0] in ("posix", "right") or any(p in ("", ".", "..") for p in parts):
        return False
    return any(_is_tzif(os.path.join(root, *parts)) for root in zoneinfo.TZPATH) or name in _tzdata_zones()


def _is_tzif(path: str) -> bool:
    try:
        with open(path, "rb") as file:
            return file.read(4) == b"TZif"
    except OSError:  # absent, a folder, unreadable
        return False


def unknown_timezone_message(name: str) -> str | None:
    """None when `name` is a timezone; else a message with the closest known name, if any."""
    if is_timezone(name):
        return None
    match = closest(name, _zones())
    suggestion = f' (did you mean "{match}"?)' if match else " (use an IANA name such as Europe/Paris)"
    return f'unknown timezone "{name}"{suggestion}'


@lru_cache(maxsize=1024)
def resolve_zone(name: str | None, default: str = "UTC") -> ZoneInfo:
    """The named zone, else the default zone, else UTC: an unknown name falls through and never raises, so one
    bad profile field never blocks a customer (or a whole run)."""
    for candidate in (name, default):
        if candidate and is_timezone(candidate):
            return ZoneInfo(candidate)
    return ZoneInfo("UTC")
