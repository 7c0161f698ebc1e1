"""The pages in headless Chromium against a real `rekindle serve`: the confirmation page's one button
unsubscribes, the next page resubscribes, the preference page saves a category; no console errors, and the
pages' Content-Security-Policy holds (no script, no inline handler is needed for any of it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import chromium
from tests.web.kit import make_kit, token
from tests.web.server import serving


@pytest.fixture
def browser():
    yield from chromium()


@pytest.mark.browser
def test_unsubscribe_resubscribe_and_preferences_in_a_browser(browser, tmp_path: Path) -> None:
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def wait(until) -> None:
        # A click navigates: the old page's element can go stale between finding it and reading its text.
        ignored = (NoSuchElementException, StaleElementReferenceException)
        WebDriverWait(browser, 20, ignored_exceptions=ignored).until(until)

    kit = make_kit(tmp_path / "project", f"sqlite:///{tmp_path / 'store.db'}")
    [(cid, email)] = kit.customers(1)
    link = token(cid, email)
    try:
        with serving(kit.config, tmp_path / "serve.log") as base:
            browser.get(f"{base}/unsubscribe?token={link}")
            assert browser.find_element(By.TAG_NAME, "h1").text == f"Unsubscribe {email}?"
            assert len(browser.find_elements(By.TAG_NAME, "button")) == 1
            assert kit.subscribed(cid) is True  # loading the page changed nothing

            browser.find_element(By.ID, "unsubscribe").click()
            wait(lambda d: d.find_elements(By.ID, "done"))
            assert browser.find_element(By.ID, "done").text == "You are unsubscribed"
            assert kit.subscribed(cid) is False and kit.suppressions() == [(email, "unsubscribe")]

            browser.find_element(By.ID, "resubscribe").click()
            wait(lambda d: "Welcome back" in d.find_element(By.TAG_NAME, "h1").text)
            assert kit.subscribed(cid) is True and kit.suppressions() == []

            browser.get(f"{base}/unsubscribe?token={link}")
            browser.find_element(By.ID, "preferences").click()
            wait(lambda d: d.find_elements(By.ID, "category-newsletter"))
            newsletter = browser.find_element(By.ID, "category-newsletter")
            assert newsletter.is_selected() and browser.find_element(By.ID, "category-offers").is_selected()
            newsletter.click()
            browser.find_element(By.ID, "save").click()
            wait(lambda d: d.find_elements(By.ID, "saved"))
            assert not browser.find_element(By.ID, "category-newsletter").is_selected()
            assert kit.optouts() == [(1, "newsletter")]

            browser.get(f"{base}/unsubscribe?token={link[:-4]}")
            assert browser.find_element(By.ID, "invalid").text == "This link is not valid"
            errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"
                      and "favicon.ico" not in entry["message"] and "400" not in entry["message"]]
            assert errors == []
            assert browser.save_screenshot(str(tmp_path / "unsubscribe.png"))
    finally:
        kit.store.dispose()
