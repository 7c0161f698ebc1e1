"""The HTML report in a real browser: headless Chromium renders every chart from the inlined Vega bundle,
logs no console error and requests nothing but the file itself. A screenshot is kept for a person to see."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from engine.reporting import build_report
from engine.reporting.charts import CHARTS
from engine.reporting.html import write_html
from tests.browser import chromium
from tests.reporting.kit import campaign, project
from tests.reporting.test_campaign_report import NOW, ledger  # noqa: F401 (the fixture ledger)
from tests.reporting.test_lifecycle import config


@pytest.fixture
def browser():
    yield from chromium(window="1280,4200", network_log=True)


def requested_urls(browser) -> list[str]:
    import json

    urls = []
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


@pytest.mark.browser
def test_every_chart_renders_offline_without_console_errors(browser, ledger, tmp_path: Path) -> None:  # noqa: F811
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    ledger.event("c8", "login", "2026-10-10 00:00")  # the September cohort is active a month later
    c = campaign()
    since = datetime(2026, 6, 1, tzinfo=timezone.utc)
    with ledger.engine.connect() as conn:
        report = build_report(conn, project(c, config=config()), [c], now=NOW, since=since)
    page = tmp_path / "report.html"
    write_html(report, page)
    browser.get(page.as_uri())
    WebDriverWait(browser, 60).until(lambda d: all(
        box.get_attribute("data-rendered") for box in d.find_elements(By.CSS_SELECTOR, "[data-chart]")))

    boxes = browser.find_elements(By.CSS_SELECTOR, "[data-chart]")
    assert [box.get_attribute("data-chart") for box in boxes] == [key for key, _, _ in CHARTS]
    for box in boxes:
        assert box.get_attribute("data-rendered") == "true", box.get_attribute("data-chart")
        svg = box.find_element(By.TAG_NAME, "svg")
        assert svg.size["width"] > 200 and svg.size["height"] > 50, box.get_attribute("data-chart")
        marks = box.find_elements(By.CSS_SELECTOR, "g.mark-rect path, g.mark-line path, g.mark-area path, "
                                                   "g.mark-rule line, g.mark-symbol path")
        assert marks, f"{box.get_attribute('data-chart')} drew no marks"
    assert "winback" in browser.find_element(By.TAG_NAME, "body").text

    errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert errors == []
    urls = requested_urls(browser)
    assert urls and all(url == page.as_uri() for url in urls), urls
    screenshot = tmp_path / "report.png"
    assert browser.save_screenshot(str(screenshot))
    assert screenshot.stat().st_size > 20_000
    print(f"screenshot: {screenshot}")
