"""Rendering queued emails: the tick's seam to the rendering package (engine/rendering/compose.py).

A message is rendered once, at queue time, and stored in the delivery row, so sending never re-renders and
what was queued is exactly what is sent. The Message-ID is derived from the enrolment and step, which makes
it unique (the ledger is unique per enrolment and step) and reproducible under a fixed `--now`.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.utils import parseaddr
from functools import lru_cache
from typing import Any

from engine.project import Project
from engine.rules.model import Campaign, Step, Variant


@dataclass(frozen=True)
class Rendered:
    subject: str
    message: bytes
    #: The original URLs behind the message's tracked links (click tracking), kept with the delivery.
    links: tuple[str, ...] = ()


Renderer = Callable[[Campaign, Step, Any, "Variant | None", str], Rendered]
"""(campaign, step, customer, variant, message_id) -> the rendered email; `customer` has the attributes of a
store Customer. Raises RenderError when this email cannot be built."""


def message_id(enrollment_id: int, step_id: str, from_address: str, *, campaign_id: str, customer: str,
               enrolled_at: datetime) -> str:
    """`<rekindle.<enrolment>.<step>.<digest>@<sender domain>>`. The enrolment id alone repeats across stores
    (every fresh store starts at 1, and receivers that deduplicate on Message-ID would drop real mail); the
    digest of campaign, customer and enrolment time makes it globally unique while staying the same for the
    same delivery, so a retried send is still recognisable as a copy."""
    domain = _domain(from_address)
    identity = "\x00".join((campaign_id, customer, enrolled_at.isoformat(), str(enrollment_id), step_id))
    digest = hashlib.sha256(identity.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return f"<rekindle.{enrollment_id}.{step_id}.{digest}@{domain}>"


@lru_cache(maxsize=16)
def _domain(from_address: str) -> str:
    """The sender's domain, parsed once per address (not once per email)."""
    return parseaddr(from_address)[1].rpartition("@")[2] or "rekindle.invalid"


def compose_renderer(project: Project, now: datetime, unsubscribe_secret: bytes | None = None) -> Renderer:
    """The production renderer: `compose_email` with the project's templates and settings. The unsubscribe
    secret comes from the environment unless given (see `rehearsal_secret`)."""
    from engine.rendering.compose import compose_email

    def render(campaign: Campaign, step: Step, customer: Any, variant: Variant | None, msgid: str) -> Rendered:
        email = compose_email(project.config, campaign, step, customer, variant=variant, now=now, message_id=msgid,
                              unsubscribe_secret=unsubscribe_secret)
        return Rendered(subject=email.subject, message=email.message, links=email.links)

    return render


def rehearsal_secret(project: Project) -> bytes | None:
    """For work that is thrown away (dry run, plan, simulate): the real secret when it is set, else a
    stand-in, so a CI job can plan without holding the production secret. Nothing signed with it is kept."""
    return None if os.environ.get(project.config.unsubscribe.secret_env) else b"rehearsal-only, never sent"
