"""`is_timezone` looks one name up without listing every zone; it must answer exactly as the full list does."""

from __future__ import annotations

import os
import zoneinfo

import pytest

from engine.timezones import _zones, is_timezone, unknown_timezone_message


def _entries_under_tzpath() -> set[str]:
    """Every file and folder name under the zoneinfo folders, as a relative key (posix/ and right/ included)."""
    keys = set()
    for root in zoneinfo.TZPATH:
        for folder, subfolders, files in os.walk(root):
            keys.update(os.path.relpath(os.path.join(folder, name), root) for name in [*subfolders, *files])
    return keys


def test_every_listed_zone_and_every_file_under_the_zoneinfo_folders_gets_the_listing_s_answer() -> None:
    names = zoneinfo.available_timezones() | _entries_under_tzpath()
    assert [name for name in names if is_timezone(name) != (name in _zones())] == []


@pytest.mark.parametrize("name", [
    "America", "America/", "Europe/Paris/", "Europe//Paris", "./UTC", "../zoneinfo/UTC", "/etc/localtime",
    "posix/Europe/Paris", "right/UTC", "", "UTC ", "utc", "localtime", "Factory", "posixrules", "zone.tab",
])
def test_folders_paths_and_non_places_are_not_timezones(name: str) -> None:
    assert not is_timezone(name)
    assert name not in _zones()


def test_an_unknown_name_still_gets_the_nearest_spelling() -> None:
    assert is_timezone("Europe/Paris")
    expected = 'unknown timezone "Europe/Pariss" (did you mean "Europe/Paris"?)'
    assert unknown_timezone_message("Europe/Pariss") == expected
