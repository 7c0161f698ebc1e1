"""The gallery in a real browser: headless Chromium loads every email frame, logs no console error, and a
screenshot is kept in the test's temp folder for a person to look at."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.preview.kit import NOW, invoke, make_project

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1400,1000")


@pytest.fixture
def browser():
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()) or shutil.which("chromedriver") is None:
        if os.environ.get("REKINDLE_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} and {CHROMEDRIVER} are required (apt packages chromium, chromium-driver)")
        pytest.skip("headless Chromium is not installed")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


@pytest.mark.browser
def test_every_email_frame_renders_without_console_errors(browser, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    config = make_project(tmp_path, f"sqlite:///{tmp_path / 'none.db'}")
    out = tmp_path / "gallery"
    assert invoke("--gallery", str(out), "--now", NOW, "--config", str(config)).exit_code == 0
    browser.get((out / "index.html").as_uri())
    WebDriverWait(browser, 30).until(lambda d: d.execute_script("return document.readyState") == "complete")

    frames = browser.find_elements(By.TAG_NAME, "iframe")
    assert len(frames) == 48
    widths = {frame.get_attribute("class"): frame.size["width"] for frame in frames}
    assert widths["desktop"] >= 600 and widths["mobile"] == 375 + 2  # 375px plus the 1px border each side
    for frame in frames:
        browser.switch_to.frame(frame)
        text = browser.execute_script("return document.body ? document.body.innerText : ''")
        container = browser.execute_script(
            "var t = document.querySelector('table.container'); return t ? t.getBoundingClientRect().width : 0")
        browser.switch_to.default_content()
        assert "Unsubscribe" in text, frame.get_attribute("src")
        assert len(text) > 200, frame.get_attribute("src")
        assert 0 < container <= frame.size["width"], frame.get_attribute("src")  # the email fits its frame

    errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert errors == []
    screenshot = tmp_path / "gallery.png"
    assert browser.save_screenshot(str(screenshot))
    assert screenshot.stat().st_size > 10_000
    print(f"screenshot: {screenshot}")
