"""Headless Chromium for the browser tests (gallery, report, web pages): one place that finds the browser,
skips when it is absent, and fails instead when CI requires it (REKINDLE_REQUIRE_BROWSER=1, set by .ci/run)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run")


def chromium(window: str = "1400,1000", network_log: bool = False) -> Iterator[Any]:
    """Yield a driver (console messages logged; network requests too with `network_log`), quit afterwards."""
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()) or shutil.which("chromedriver") is None:
        if os.environ.get("REKINDLE_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} and {CHROMEDRIVER} are required (apt packages chromium, chromium-driver)")
        pytest.skip("headless Chromium is not installed")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*FLAGS, f"--window-size={window}"):
        options.add_argument(flag)
    logs = {"browser": "ALL", **({"performance": "ALL"} if network_log else {})}
    options.set_capability("goog:loggingPrefs", logs)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
