"""The gallery in a real browser: headless Chromium loads every email frame, logs no console error, and a
screenshot is kept in the test's temp folder for a person to look at."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import chromium
from tests.preview.kit import NOW, invoke, make_project


@pytest.fixture
def browser():
    yield from chromium()


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


@pytest.mark.browser
def test_review_gallery_fits_a_phone_and_a_desktop(browser, tmp_path: Path) -> None:
    """The index of a --base gallery (badges, the list of changes) never scrolls sideways at phone width, and
    keeps the desktop and phone frames side by side at desktop width."""
    from selenium.webdriver.common.by import By

    from tests.scratch import cli, commit, edit, load_store, make_repo

    config = make_repo(tmp_path, f"sqlite:///{tmp_path / 's.db'}")
    load_store(config, run_at=None)
    edit(config.parent / "templates/winback/miss-you.txt", "did something not work for you?", "did it go wrong?")
    commit(config.parent, "change")
    out = tmp_path / "gallery"
    result = cli("preview", "--gallery", str(out), "--now", NOW, "--base", "HEAD~1", config=config)
    assert result.exit_code == 0, result.output

    widths = {}
    for name, width, height, mobile in (("desktop", 1400, 1000, False), ("phone", 375, 812, True)):
        browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile})
        browser.get((out / "index.html").as_uri())
        page = browser.execute_script(
            "return [document.documentElement.scrollWidth, window.innerWidth]")
        widths[name] = page
        assert page[0] <= page[1], f"{name}: the page is {page[0]}px wide in a {page[1]}px viewport"
        changed = browser.find_elements(By.CSS_SELECTOR, ".email.changed")
        assert len(changed) == 3 and all(e.is_displayed() for e in changed)
        for frame in browser.find_elements(By.TAG_NAME, "iframe"):
            assert frame.rect["x"] >= 0 and frame.rect["x"] + frame.rect["width"] <= page[1], name
        assert browser.save_screenshot(str(tmp_path / f"review-{name}.png"))
    assert widths["phone"][1] == 375 and widths["desktop"][1] == 1400
