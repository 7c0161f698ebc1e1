"""The typed project config. Defaults here are the documented defaults (docs/config.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from engine.conditions import Condition
from engine.config.schedule import Cadence


@dataclass(frozen=True)
class FrequencyCap:
    """At most `max` emails per customer per `per`, across all campaigns. A capped step waits, it is not lost."""

    max: int
    per: timedelta


@dataclass(frozen=True)
class Sender:
    from_address: str = "Rekindle <hello@example.com>"
    reply_to: str | None = None


@dataclass(frozen=True)
class Delivery:
    """`backend` is smtp, maildir, console or memory; `options` holds that backend's settings."""

    backend: str = "maildir"
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AudienceGuard:
    """The share guard every campaign has (docs/campaigns.md): a run holds a campaign that would enrol more
    than `max_share` of the subscribed customers at once, unless fewer than `min_audience` would enter."""

    max_share: float = 0.5
    min_audience: int = 100


@dataclass(frozen=True)
class Defaults:
    timezone: str = "UTC"
    activity_events: tuple[str, ...] = ("login", "purchase")
    frequency_caps: tuple[FrequencyCap, ...] = ()
    per_run_limit: int | None = None
    audience_guard: AudienceGuard = AudienceGuard()
    #: The locale and currency emails are written in: money is formatted the same for every recipient.
    locale: str = "en-US"
    currency: str = "USD"


@dataclass(frozen=True)
class Unsubscribe:
    """Where unsubscribe links point. The HMAC secret is read from the environment variable `secret_env`."""

    url: str = "https://example.com/unsubscribe?token={token}"
    mailto: str | None = None
    secret_env: str = "REKINDLE_UNSUBSCRIBE_SECRET"


@dataclass(frozen=True)
class Tracking:
    """UTM parameters added to links (empty: no tagging) and, when `click_url` is set, click tracking: links
    are rewritten to `click_url` with `{token}` naming the delivery and the link (docs/web.md)."""

    utm: dict[str, str] = field(default_factory=dict)
    click_url: str | None = None


@dataclass(frozen=True)
class Web:
    """The web endpoint (`rekindle serve`, docs/web.md). The /v1 bearer token is read from `api_token_env`."""

    api_token_env: str = "REKINDLE_API_TOKEN"
    max_body_bytes: int = 1_048_576
    rate_limit: str = "60/minute"
    forwarded_allow_ips: str = "127.0.0.1"


@dataclass(frozen=True)
class LifecycleStage:
    """A lifecycle stage (`lifecycle.stages`): customers whose condition holds, unless an earlier stage's does."""

    id: str
    condition: Condition
    description: str = ""


@dataclass(frozen=True)
class Reporting:
    """What `rekindle report` counts as revenue and as reactivation (docs/reporting.md)."""

    revenue_events: tuple[str, ...] = ("purchase",)
    dormant_after: timedelta = timedelta(days=90)
    reactivation_within: timedelta = timedelta(days=30)


@dataclass(frozen=True)
class Config:
    root: Path
    store_url: str = "sqlite:///rekindle.db"
    rules_dir: Path = Path("rules")
    segments_dir: Path = Path("segments")
    templates_dir: Path = Path("templates")
    #: The data catalog file; when it does not exist, names are not checked against data.
    catalog: Path = Path("catalog.yaml")
    #: Whether the configured folders (engine.config.loader.PROJECT_FOLDERS) may lie outside the project folder
    #: (otherwise C107 refuses them).
    allow_folders_outside_project: bool = False
    #: The declared run schedule (`schedule:`), or None when the project does not say how often it runs.
    schedule: Cadence | None = None
    sender: Sender = Sender()
    delivery: Delivery = Delivery()
    defaults: Defaults = Defaults()
    unsubscribe: Unsubscribe = Unsubscribe()
    tracking: Tracking = Tracking()
    #: Lifecycle stages in order (first match wins); empty when the config defines none.
    lifecycle: tuple[LifecycleStage, ...] = ()
    reporting: Reporting = Reporting()
    web: Web = Web()
    source: str = ""

    def path(self, relative: Path) -> Path:
        """Folders in the config are relative to the config file's folder."""
        return relative if relative.is_absolute() else self.root / relative
