"""money, date and first_name, in the customer's locale and time zone."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfoNotFoundError

import pytest

from engine.rendering.environment import make_environment
from engine.rendering.filters import first_name, to_decimal


@pytest.fixture
def render(tmp_path):
    env = make_environment(tmp_path)

    def run(source: str, locale: str | None = "en-US", tz: str | None = "UTC", **variables) -> str:
        customer = {"locale": locale, "timezone": tz, "first_name": variables.pop("name", "Ada")}
        return env.from_string(source).render(customer=customer, vars=variables.pop("vars", {}), **variables)

    return run


@pytest.mark.parametrize(
    ("source", "locale", "expected"),
    [
        ("{{ 20 | money(locale='customer') }}", "en-US", "$20"),
        ("{{ 19.5 | money(locale='customer') }}", "en-US", "$19.50"),
        ("{{ 20 | money(cents=True, locale='customer') }}", "en-US", "$20.00"),
        ("{{ 19.99 | money(cents=False, locale='customer') }}", "en-US", "$20"),
        ("{{ '1234.5' | money('EUR', locale='customer') }}", "de-DE", "1.234,50\xa0€"),
        ("{{ 20 | money(locale='customer') }}", "de-DE", "20\xa0US$"),
        ("{{ 20 | money('EUR', locale='customer') }}", "fr", "€20"),
        ("{{ 20 | money(locale='customer') }}", "pt-BR", "$20"),
        ("{{ 20 | money('EUR', locale='fr-FR') }}", "en-US", "20\xa0€"),
        ("{{ 20 | money(locale='customer') }}", "en-GB", "US$20"),
        ("{{ 0.1 | money(locale='customer') }}", "en-US", "$0.10"),
        ("{{ 20 | money(locale='customer') }}", "xx-not-a-locale", "$20"),
    ],
)
def test_money_per_customer_when_asked_kept_to_the_email_language(render, source: str, locale: str,
                                                                  expected: str) -> None:
    assert render(source, locale=locale) == expected


@pytest.mark.parametrize("customer_locale", ["en-US", "en-GB", "de-DE", "pt-BR", "fr", None, "xx-not-a-locale"])
def test_money_reads_the_same_for_every_recipient_by_default(render, customer_locale: str | None) -> None:
    """The issue's win-back subject: "$25" for everyone, never "US$25" or "25 US$" depending on the reader."""
    assert render("{{ 25 | money }} off", locale=customer_locale) == "$25 off"
    assert render("{{ 19.5 | money(cents=True) }}", locale=customer_locale) == "$19.50"


def test_money_follows_the_campaign_declared_locale_and_currency(render) -> None:
    campaign = {"locale": "de-DE", "currency": "EUR"}
    for customer_locale in ("en-US", "de-DE", None):
        assert render("{{ 1234.5 | money }}", locale=customer_locale, campaign=campaign) == "1.234,50\xa0€"
    assert render("{{ 20 | money('USD') }}", campaign=campaign) == "20\xa0$"
    assert render("{{ 20 | money }}", campaign=campaign, vars={"currency": "GBP"}) == "20\xa0£"
    assert render("{{ 20 | money(locale='customer') }}", locale="en-GB", campaign=campaign) == "20\xa0€"


def test_money_currency_from_vars(render) -> None:
    assert render("{{ 20 | money }}", vars={"currency": "GBP"}, locale="en-GB") == "£20"


def test_to_decimal_is_exact() -> None:
    assert to_decimal(19.99) == Decimal("19.99")
    assert to_decimal("20") == Decimal(20)
    for bad in (True, None, "twenty", [1]):
        with pytest.raises(TypeError, match="money expects a number"):
            to_decimal(bad)


def test_date_in_the_customer_time_zone_and_locale(render) -> None:
    late = datetime(2026, 11, 23, 23, 30, tzinfo=timezone.utc)
    assert render("{{ t | date }}", tz="America/New_York", t=late) == "November 23, 2026"
    assert render("{{ t | date }}", tz="Asia/Tokyo", t=late) == "November 24, 2026"
    assert render("{{ t | date }}", locale="de-DE", tz="Asia/Tokyo", t=late) == "24 November 2026"
    assert render("{{ t | date }}", locale="de-DE", tz="Asia/Tokyo", t=late, vars={"language": "de"}) == \
        "24. November 2026"
    assert render("{{ t | date('EEEE HH:mm') }}", tz="Asia/Tokyo", t=late) == "Tuesday 08:30"
    naive = datetime(2026, 11, 23, 23, 30)  # the store's naive UTC
    assert render("{{ t | date('short') }}", tz="Asia/Tokyo", t=naive) == "11/24/26"
    # A stored zone that is not one (a tzdata folder, a typo) reads as UTC instead of failing the email.
    assert render("{{ t | date('EEEE HH:mm') }}", tz="America", t=late) == "Monday 23:30"
    assert render("{{ t | date('EEEE HH:mm') }}", tz="Mars/Olympus", t=late) == "Monday 23:30"
    with pytest.raises(ZoneInfoNotFoundError):  # a zone the template itself names must exist
        render("{{ t | date(tz='Europe/Pariss') }}", t=late)


def test_plain_dates_and_iso_strings_are_not_shifted(render) -> None:
    assert render("{{ '1990-12-10' | date('d MMMM') }}", tz="Pacific/Kiritimati") == "10 December"
    assert render("{{ d | date('medium') }}", locale="fr", d=date(2026, 1, 2)) == "Jan 2, 2026"
    assert render("{{ d | date('medium') }}", locale="fr", d=date(2026, 1, 2), vars={"language": "fr"}) == \
        "2 janv. 2026"
    with pytest.raises(TypeError, match="date expects"):
        render("{{ 'yesterday' | date }}")


def test_first_name_fallback_and_cleaning() -> None:
    assert first_name({"first_name": "  Ada "}) == "Ada"
    assert first_name({"first_name": None}) == "there"
    assert first_name({"first_name": ""}, fallback="friend") == "friend"
    assert first_name("Ada\r\nBcc: x") == "Ada Bcc: x"
    assert first_name(None) == "there"
