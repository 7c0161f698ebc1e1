"""`compose_email`: the one call the run engine makes to turn (campaign, step, customer) into message bytes.

It builds the context, renders the template (or the chosen variant's template/subject), tags links with UTM
parameters, derives the plain-text body when there is no .txt, and builds the MIME message with the
List-Unsubscribe headers. Any template problem raises `RenderError` (a located T3xx diagnostic).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine.config.model import Config
from engine.rendering.context import build_context, customer_view
from engine.rendering.links import tag_html_links, tag_text_links, utm_parameters
from engine.rendering.message import Envelope, build_message
from engine.rendering.plaintext import html_to_text
from engine.rendering.renderer import renderer_for
from engine.rendering.unsubscribe import unsubscribe_links
from engine.rules.model import Campaign, Step, Variant


@dataclass(frozen=True)
class ComposedEmail:
    subject: str
    preheader: str
    html: str
    text: str
    message: bytes
    template: str = ""
    """The email template actually used (a variant may name its own)."""


def resolve_variant(step: Step, variant: str | Variant | None) -> Variant | None:
    """The step's Variant for an id (or the Variant itself); ValueError for an id the step does not define."""
    if variant is None or isinstance(variant, Variant):
        return variant
    for candidate in step.variants:
        if candidate.id == variant:
            return candidate
    raise ValueError(f"step {step.id!r} has no variant {variant!r}")


def compose_email(
    config: Config,
    campaign: Campaign,
    step: Step,
    customer: Any,
    *,
    variant: str | Variant | None,
    now: datetime,
    message_id: str,
    unsubscribe_secret: bytes | None = None,
) -> ComposedEmail:
    """Render and build one email with the project's `config` (templates, sender, tracking, unsubscribe links).
    `customer` is a store Customer (or any object with its attributes); `message_id` is the delivery's stable
    Message-ID; `unsubscribe_secret` overrides the secret read from `config.unsubscribe.secret_env` (previews
    use a stand-in so they work without the real secret)."""
    renderer = renderer_for(config)
    chosen = resolve_variant(step, variant)
    variant_id = chosen.id if chosen else None
    links = unsubscribe_links(config.unsubscribe, customer.external_id, customer.email, unsubscribe_secret)
    view = customer_view(customer, config.defaults.timezone)
    context = build_context(campaign, step, view, variant=variant_id, now=now, unsubscribe_url=links.url)

    email_name = (chosen.template if chosen and chosen.template else step.template).removesuffix(".html")
    subject = None
    if chosen and chosen.subject:
        subject = renderer.render_string(chosen.subject, context, campaign.source or campaign.id,
                                         step.location.line if step.location else 0)
    rendered = renderer.render(email_name, context, subject)

    params = utm_parameters(config.tracking.utm, campaign.id, step.id, variant_id)
    skip = (links.url,)
    html = tag_html_links(rendered.html, params, skip)
    text = tag_text_links(rendered.text, params, skip) if rendered.text is not None else html_to_text(html)

    envelope = Envelope(
        subject=rendered.subject,
        from_address=config.sender.from_address,
        reply_to=config.sender.reply_to,
        to_address=customer.email,
        to_name=view["name"] or "",
        message_id=message_id,
        date=now,
        list_unsubscribe=tuple(link for link in (links.mailto, links.url) if link),
        extra=(("X-Rekindle-Campaign", campaign.id), ("X-Rekindle-Step", step.id))
        + ((("X-Rekindle-Variant", variant_id),) if variant_id else ()),
    )
    return ComposedEmail(rendered.subject, rendered.preheader, html, text, build_message(envelope, text, html),
                         template=email_name)
