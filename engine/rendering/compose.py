"""`compose_email`: the one call the run engine makes to turn (campaign, step, customer) into message bytes.

It builds the context, renders the template (or the chosen variant's template/subject), tags links with UTM
parameters, points them at the click-tracking endpoint when `tracking.click_url` is set, derives the plain-text body when there is no .txt, and builds the MIME message with the
List-Unsubscribe headers. Any template problem raises `RenderError` (a located T3xx diagnostic).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine.config.model import Config
from engine.rendering.clicks import ClickTracker
from engine.rendering.context import build_context, customer_view
from engine.rendering.links import tag_html_links, tag_text_links, utm_parameters
from engine.rendering.message import Envelope, Pieces, build_message
from engine.rendering.plaintext import html_to_text
from engine.rendering.renderer import Rendered, renderer_for
from engine.rendering.skeleton import escape_values, html_layout, html_pieces, text_layout, text_pieces, text_plan
from engine.rendering.unsubscribe import unsubscribe_links
from engine.rules.model import Campaign, Step, Variant
from engine.suppression.tokens import secret_from_env


@dataclass(frozen=True)
class ComposedEmail:
    subject: str
    preheader: str
    html: str
    text: str
    message: bytes
    template: str = ""
    """The email template actually used (a variant may name its own)."""
    links: tuple[str, ...] = ()
    """With click tracking: the original URL of each tracked link, in the order their tokens number them."""


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
    secret = unsubscribe_secret if unsubscribe_secret is not None else secret_from_env(config.unsubscribe.secret_env)
    links = unsubscribe_links(config.unsubscribe, customer.external_id, customer.email, secret)
    view = customer_view(customer, config.defaults.timezone)
    context = build_context(campaign, step, view, variant=variant_id, now=now, unsubscribe_url=links.url,
                            locale=config.defaults.locale, currency=config.defaults.currency)

    email_name = (chosen.template if chosen and chosen.template else step.template).removesuffix(".html")
    subject = None
    if chosen and chosen.subject:
        subject = renderer.render_string(chosen.subject, context, campaign.source or campaign.id,
                                         step.location.line if step.location else 0)
    rendered = renderer.render(email_name, context, subject, plan=not config.tracking.click_url)

    params = utm_parameters(config.tracking.utm, campaign.id, step.id, variant_id)
    skip = (links.url,)
    tracker = None
    pieces: tuple[Pieces, Pieces] = (None, None)
    if config.tracking.click_url:
        # Click tracking rewrites each link per message, so the skeleton's precomputed links do not apply.
        tracker = ClickTracker(config.tracking.click_url, message_id, secret, skip)
        html = tracker.html(tag_html_links(rendered.html, params, skip))
        text = tracker.text(tag_text_links(rendered.text, params, skip)) if rendered.text is not None else None
        text = text if text is not None else html_to_text(html)
    else:
        html, text, pieces = _bodies(rendered, params, skip)

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
    return ComposedEmail(rendered.subject, rendered.preheader, html, text, build_message(envelope, text, html, text_pieces=pieces[1], html_pieces=pieces[0]),
                         template=email_name, links=tuple(tracker.links) if tracker else ())


def email_bodies(rendered: Rendered, params: dict[str, str], skip: tuple[str, ...]) -> tuple[str, str]:
    """The HTML with tagged links and the plain text (tagged, or generated from the HTML). With a skeleton
    plan (engine/rendering/skeleton.py) the link positions and the text layout are known already; without,
    the rendered document is scanned and converted as it is. Both give the same bytes."""
    html, text, _ = _bodies(rendered, params, skip)
    return html, text


def _bodies(rendered: Rendered, params: dict[str, str], skip: tuple[str, ...]
            ) -> tuple[str, str, tuple[Pieces, Pieces]]:
    """`email_bodies`, and the pieces the HTML and the text are the join of when a plan made them (the message
    builder encodes those faster), or None."""
    if rendered.plan is None:
        html = tag_html_links(rendered.html, params, skip)
        if rendered.text is not None:
            return html, tag_text_links(rendered.text, params, skip), (None, None)
        return html, html_to_text(html), (None, None)
    escaped = escape_values(rendered.values)
    plan = rendered.plan
    out, hrefs = html_pieces(plan, rendered.values, escaped, params, skip)
    html = "".join(out)
    html_encoding = (html_layout(plan), out)
    if rendered.text is not None:
        return html, tag_text_links(rendered.text, params, skip), (html_encoding, None)
    planned = text_plan(plan, escaped, hrefs)
    if planned is None:
        return html, html_to_text(html), (html_encoding, None)
    layout, fill = text_layout(plan, planned)
    text_out = text_pieces(fill, rendered.values, hrefs)
    return html, "".join(text_out), (html_encoding, (layout, text_out))
