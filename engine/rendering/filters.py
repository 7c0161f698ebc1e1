"""Template filters for money, dates and names, formatted with Babel.

Money is written as the campaign declares it: `{{ vars.discount_usd | money }}` reads "$20" for every
recipient of an en-US campaign (the campaign's `locale`/`currency`, else `defaults.locale`/`defaults.currency`
of rekindle.yaml), because an offer's exact amount is the point of the email and must not read "$20", "US$20"
or "20 US$" depending on who opens it. Per-customer formatting is there when asked for:
`money(locale='customer')` uses the customer's locale kept to the email's language, as `date` does by default
(a date reads naturally in the reader's conventions and carries no promise). See docs/templates.md.
"""

from __future__ import annotations

import copy
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency
from jinja2 import pass_context
from jinja2.runtime import Context

from engine.rendering.text import clean_line
from engine.timezones import resolve_zone

DEFAULT_LOCALE = "en_US"
DEFAULT_CURRENCY = "USD"
PER_CUSTOMER = "customer"
"""`money(locale='customer')`: format for each recipient's own locale instead of the campaign's."""
DATE_STYLES = ("short", "medium", "long", "full")


@lru_cache(maxsize=256)
def resolve_locale(tag: str | None, language: str | None = None) -> Locale:
    """The Babel Locale to format for: the customer's locale (`en-US`, `de_DE`), kept to the language the email
    is written in. A German customer reading an English email gets English words with German conventions where
    CLDR has them (en_DE: "20,00 US$"), never "14. März" inside an English sentence. Unknown or malformed tags
    fall back to the email's language rather than failing a send over a bad profile field."""
    fallback = Locale.parse(language or DEFAULT_LOCALE)
    try:
        customer = Locale.parse(tag.replace("-", "_")) if tag else None
    except (ValueError, TypeError, UnknownLocaleError):
        customer = None
    if customer is None or language is None or customer.language == fallback.language:
        return customer or fallback
    try:
        return Locale(fallback.language, customer.territory) if customer.territory else fallback
    except (ValueError, UnknownLocaleError):
        return fallback


def _campaign(ctx: Context) -> dict[str, Any]:
    campaign = ctx.get("campaign")
    return campaign if isinstance(campaign, dict) else {}


def _written_locale(ctx: Context) -> str:
    """The locale the email is written for: the campaign's (or the project's) declared locale."""
    return _campaign(ctx).get("locale") or DEFAULT_LOCALE


def _email_language(ctx: Context) -> str:
    """The language the email is written in: `vars.language`, else the written locale's language."""
    variables = ctx.get("vars")
    language = variables.get("language") if isinstance(variables, dict) else None
    return language or resolve_locale(_written_locale(ctx)).language


def _customer_locale(ctx: Context) -> Locale:
    """The customer's locale kept to the email's language (per-customer conventions)."""
    return resolve_locale(_customer(ctx).get("locale"), _email_language(ctx))


def _context_locale(ctx: Context, explicit: str | None) -> Locale:
    """For dates: an explicit `locale=` argument wins; otherwise the customer's, in the email's language."""
    if explicit and explicit != PER_CUSTOMER:
        return resolve_locale(explicit)
    return _customer_locale(ctx)


def _money_locale(ctx: Context, explicit: str | None) -> Locale:
    """For money: an explicit `locale=` (`'customer'` for the recipient's), else the declared written locale."""
    if explicit == PER_CUSTOMER:
        return _customer_locale(ctx)
    return resolve_locale(explicit or _written_locale(ctx))


@lru_cache(maxsize=256)
def _whole_pattern(locale: Locale):
    """The locale's currency pattern without decimals, for amounts like "$20" (not "$20.00")."""
    pattern = copy.copy(locale.currency_formats["standard"])
    pattern.frac_prec = (0, 0)
    return pattern


def to_decimal(value: Any) -> Decimal:
    """An exact Decimal. Floats go through their shortest repr, so 19.99 stays 19.99, not 19.989999..."""
    if isinstance(value, bool) or value is None:
        raise TypeError(f"money expects a number, got {value!r}")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        value = repr(value)
    try:
        return Decimal(str(value).strip()) if isinstance(value, (int, str)) else Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise TypeError(f"money expects a number, got {value!r}") from None


def _customer(ctx: Context) -> Any:
    customer = ctx.get("customer")
    return customer if isinstance(customer, dict) else {}


@pass_context
def money(ctx: Context, value: Any, currency: str | None = None, cents: bool | str = "auto",
          locale: str | None = None) -> str:
    """`{{ 20 | money }}` -> "$20"; `{{ 19.5 | money }}` -> "$19.50"; `cents=True` always shows them.

    The currency defaults to `vars.currency`, then the campaign's (or project's) declared currency; the locale
    to the campaign's (or project's) declared locale, the same for every recipient. `locale='customer'` formats
    for the recipient's own locale (kept to the email's language); any other `locale=` names one."""
    amount = to_decimal(value)
    variables = ctx.get("vars")
    code = (currency or (variables.get("currency") if isinstance(variables, dict) else None)
            or _campaign(ctx).get("currency") or DEFAULT_CURRENCY)
    whole = cents is False or (cents == "auto" and amount == amount.to_integral_value())
    return _format_money(amount, code, _money_locale(ctx, locale), whole)


@lru_cache(maxsize=4096)
def _format_money(amount: Decimal, currency: str, locale: Locale, whole: bool) -> str:
    """Cached: a campaign formats the same few amounts for every customer of a locale."""
    if whole:
        return format_currency(amount, currency, locale=locale, format=_whole_pattern(locale), currency_digits=False)
    return format_currency(amount, currency, locale=locale)


def _as_date_or_datetime(value: Any) -> date:
    if isinstance(value, (date, datetime)):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            return date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            pass
    raise TypeError(f"date expects a date, a datetime or an ISO 8601 string, got {value!r}")


@pass_context
def date_filter(ctx: Context, value: Any, format: str = "long", locale: str | None = None,
                tz: str | None = None) -> str:
    """`{{ customer.created_at | date }}` -> "November 23, 2026" in the customer's locale and time zone.

    `format` is a style (short, medium, long, full) or a CLDR pattern such as "d MMMM" or "EEEE 'at' HH:mm".
    Datetimes without a zone are UTC (the store's convention) and are shown in the customer's time zone;
    plain dates (a birthday) are never shifted."""
    moment = _as_date_or_datetime(value)
    customer = _customer(ctx)
    loc = _context_locale(ctx, locale)
    if isinstance(moment, datetime):
        aware = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
        # A `tz=` the template names must exist (a typo is a render error that validate reports); the
        # customer's own field falls back to UTC like everywhere else (engine/timezones.py).
        moment = aware.astimezone(ZoneInfo(tz) if tz else resolve_zone(customer.get("timezone")))
        if format in DATE_STYLES:
            return format_date(moment.date(), format, locale=loc)
        return format_datetime(moment, format, locale=loc)
    return format_date(moment, format, locale=loc)


def first_name(value: Any, fallback: str = "there") -> str:
    """The customer's first name, trimmed and on one line, or `fallback` ("Hi there") when it is blank.

    Accepts the customer mapping (`customer | first_name`) or a name string."""
    name = value.get("first_name") if isinstance(value, dict) else value
    cleaned = clean_line(name) if isinstance(name, str) else ""
    return cleaned or fallback


FILTERS = {"money": money, "date": date_filter, "first_name": first_name}
