"""Helpers for rendering tests: customers, campaigns, a throwaway templates folder, parsing messages back."""

from __future__ import annotations

import email
from datetime import datetime, timezone
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from engine.config.model import Config, Tracking, Unsubscribe
from engine.rules.model import Campaign, build_campaign
from engine.store.models import Customer
from tests.projects import write_files

SECRET = "test-unsubscribe-secret"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
LAYOUT = """<!doctype html>
<html><head><title>{% block subject %}{% endblock %}</title></head>
<body><div style="display:none">{% block preheader %}{% endblock %}</div>
{% block body %}{% endblock %}
<p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p>
</body></html>
"""


def make_customer(**overrides: Any) -> Customer:
    fields = dict(external_id="c-1", email="ada@example.com", first_name="Ada", last_name="Lovelace", locale="en-US",
                  timezone="Europe/London", created_at=datetime(2023, 3, 14, 10, 30), subscribed=True,
                  attributes={"plan": "pro"}, last_active_at=None)
    return Customer(**{**fields, **overrides})


def campaign(*steps: dict[str, Any], vars: dict[str, Any] | None = None, id: str = "demo") -> Campaign:
    return build_campaign({"id": id, "name": "Demo", "audience": {"subscribed": True}, "steps": list(steps),
                           "vars": vars or {}}, source=f"rules/{id}.yaml")


def write_project(root: Path, templates: dict[str, str], utm: dict[str, str] | None = None,
                  mailto: str | None = "unsubscribe@example.com") -> Config:
    """Templates under root/templates (plus a minimal layout) and a Config for them."""
    write_files(root / "templates", {"_layouts/base.html": LAYOUT, **templates})
    return Config(root=root, tracking=Tracking(utm=utm or {}),
                  unsubscribe=Unsubscribe(url="https://example.com/u?token={token}", mailto=mailto))


def parse(message: bytes) -> EmailMessage:
    return email.message_from_bytes(message, policy=policy.default)


def body(part: EmailMessage) -> str:
    """A decoded text part with the canonical CRLF line ends of MIME turned back into Python's "\\n"."""
    return part.get_content().replace("\r\n", "\n")
