"""`rekindle preview --gallery DIR`: every campaign, step and variant rendered for a few customers actually in
its audience at `--now` (masked, from the store), as a static site; with `--base`, emails that differ from the
base ref's rendering are marked and listed first. Each email is its own HTML file shown in sandboxed iframes at desktop and phone widths, with its plain
text and .eml beside it. The same project, customers and `--now` always produce byte-identical files."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parseaddr
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from engine.project import Project
from engine.rendering.compose import ComposedEmail, compose_email
from engine.rendering.errors import RenderError
from engine.rendering.message import HeaderInjection
from engine.rules.model import Campaign, Step, Variant, counterpart
from engine.store.models import Customer
from engine.timeutil import format_duration


@dataclass
class GalleryResult:
    emails: int = 0
    failures: list[Exception] = field(default_factory=list)
    """RenderError (a template problem) or HeaderInjection (customer data no message can carry)."""
    changed: list[str] = field(default_factory=list)
    """Anchors of the emails that are new or differ from the base (with `--base`)."""
    customers: set[str] = field(default_factory=set)
    """External ids of everyone rendered for."""


def slug(value: str) -> str:
    """A file-name-safe form; a short hash keeps two ids that clean to the same text apart."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", value).strip("._") or "x"
    return cleaned if cleaned == value else f"{cleaned}-{hashlib.sha256(value.encode()).hexdigest()[:6]}"


def preview_message_id(campaign: Campaign, step: Step, customer: Customer, sender: str) -> str:
    domain = parseaddr(sender)[1].rpartition("@")[2] or "rekindle.invalid"
    return f"<preview.{campaign.id}.{step.id}.{slug(customer.external_id)}@{domain}>"


def step_variants(step: Step) -> tuple[Variant | None, ...]:
    """What a customer can receive for a step: one of its variants, or the step itself when it has none."""
    return step.variants or (None,)


@dataclass(frozen=True)
class Sources:
    """Who each campaign is rendered for, and how to say so."""

    customers: Callable[[Campaign], list[Customer]]
    description: str
    masked: bool = False
    """The customers are copies with masked emails and names (engine.privacy)."""


@dataclass(frozen=True)
class Base:
    """The project at the base ref (`--base`): each email is rendered with it too and marked when it differs."""

    project: Project
    ref: str


def _render(project: Project, campaign: Campaign, step: Step, variant: Variant | None, customer: Customer,
            now: datetime, secret: bytes | None) -> ComposedEmail:
    return compose_email(project.config, campaign, step, customer, variant=variant, now=now,
                         message_id=preview_message_id(campaign, step, customer, project.config.sender.from_address),
                         unsubscribe_secret=secret)


def _change(base: Base | None, campaign: Campaign, step: Step, variant: Variant | None, customer: Customer,
            now: datetime, secret: bytes | None, email: ComposedEmail) -> str | None:
    """"new" (the base has no such email), "changed" (subject, text or HTML differ from the base's) or None.
    A renamed step is compared with the step it renames (engine.rules.model.counterpart), as `plan --base`
    does, so a rename is not a new email."""
    if base is None:
        return None
    old_campaign = base.project.campaign(campaign.id)
    old_step = counterpart(old_campaign, campaign, step)
    if old_campaign is None or old_step is None:
        return "new"
    old_variant = next((v for v in old_step.variants if variant and v.id == variant.id), None)
    if variant is not None and old_variant is None:
        return "new"
    try:
        old = _render(base.project, old_campaign, old_step, old_variant, customer, now, secret)
    except (RenderError, HeaderInjection):
        return "changed"  # it failed at the base and renders now
    same = (old.subject, old.text, old.html) == (email.subject, email.text, email.html)
    return None if same else "changed"


def _card(project: Project, campaign: Campaign, step: Step, variant: Variant | None, customer: Customer,
          out_dir: Path, now: datetime, secret: bytes | None, result: GalleryResult,
          base: Base | None) -> dict[str, Any]:
    who = f"{customer.external_id} ({customer.first_name or 'no first name'})"
    card: dict[str, Any] = {"variant": variant.id if variant else None, "customer": who}
    try:
        email = _render(project, campaign, step, variant, customer, now, secret)
    except (RenderError, HeaderInjection) as exc:
        result.failures.append(exc)
        card["error"] = str(exc)
        return card
    folder = Path("emails", slug(campaign.id), slug(step.id) + (f".{slug(variant.id)}" if variant else ""))
    base_name = folder / slug(customer.external_id)
    (out_dir / folder).mkdir(parents=True, exist_ok=True)
    (out_dir / base_name).with_suffix(".html").write_text(email.html, encoding="utf-8")
    (out_dir / base_name).with_suffix(".txt").write_text(email.text, encoding="utf-8")
    (out_dir / base_name).with_suffix(".eml").write_bytes(email.message)
    result.emails += 1
    card.update(subject=email.subject, preheader=email.preheader, template=email.template,
                html_path=base_name.with_suffix(".html").as_posix(), text_path=base_name.with_suffix(".txt").as_posix(),
                eml_path=base_name.with_suffix(".eml").as_posix(),
                change=_change(base, campaign, step, variant, customer, now, secret, email),
                anchor=slug(f"{campaign.id}.{step.id}.{variant.id if variant else ''}.{customer.external_id}"))
    if card["change"]:
        result.changed.append(card["anchor"])
    return card


def build_gallery(project: Project, out_dir: Path, sources: Sources, now: datetime, *, secret: bytes | None = None,
                  campaign_ids: list[str] | None = None, base: Base | None = None) -> GalleryResult:
    """Write the gallery into `out_dir` (created if needed) and say how many emails rendered and which failed."""
    result = GalleryResult()
    out_dir.mkdir(parents=True, exist_ok=True)
    campaigns: list[dict[str, Any]] = []
    for campaign in project.campaigns:
        if campaign_ids and campaign.id not in campaign_ids:
            continue
        customers = sources.customers(campaign)
        result.customers.update(c.external_id for c in customers)
        steps = [{"id": step.id, "wait": format_duration(step.wait) if step.wait else "",
                  "cards": [_card(project, campaign, step, variant, customer, out_dir, now, secret, result, base)
                            for variant in step_variants(step) for customer in customers]}
                 for step in campaign.steps]
        campaigns.append({"id": campaign.id, "name": campaign.name, "description": campaign.description,
                          "anchor": slug(campaign.id), "steps": steps, "audience_sample": len(customers)})
    changed = [{"campaign": c["id"], "step": s["id"], **card} for c in campaigns for s in c["steps"]
               for card in s["cards"] if card.get("change")]
    env = Environment(loader=FileSystemLoader(Path(__file__).parent), autoescape=select_autoescape(["j2"]),
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    index = env.get_template("gallery.html.j2").render(
        campaigns=campaigns, count=result.emails, failures=len(result.failures), now=now.isoformat(),
        customers_source=sources.description, masked=sources.masked, base=base.ref if base else None,
        changed=changed)
    (out_dir / "index.html").write_text(index, encoding="utf-8")
    return result
