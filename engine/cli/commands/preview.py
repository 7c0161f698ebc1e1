"""`rekindle preview`: one email in the terminal (HTML and .eml to files), or `--gallery DIR` for all of them.

Exit codes: 0 rendered, 1 invalid project, unknown customer or a template that failed to render, 2 usage
(no campaign, unknown campaign/step/variant).
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from typing import TYPE_CHECKING

import typer

from engine.cli.notes import say
from engine.cli.options import ConfigOption, NowOption, resolve_now
from engine.errors import InvalidInput, UsageError, WorkFailed

if TYPE_CHECKING:
    from engine.project import Project
    from engine.rules.model import Campaign, Step, Variant

#: Signs unsubscribe links in previews when the real secret is not in the environment; previews are never sent.
PREVIEW_SECRET = b"rekindle-preview-only"


def register(app: typer.Typer) -> None:
    app.command("preview")(preview)


def _secret(project: Project) -> bytes | None:
    """None (use the real secret) when it is set; otherwise the preview stand-in, said out loud."""
    import os

    variable = project.config.unsubscribe.secret_env
    if os.environ.get(variable):
        return None
    say(f"note: {variable} is not set; unsubscribe links are signed with a preview-only secret",
        "preview.stand_in_secret", level=logging.WARNING, variable=variable)
    return PREVIEW_SECRET


def _pick(project: Project, campaign_id: str, step_id: str | None, variant_id: str | None
          ) -> tuple[Campaign, Step, Variant | None]:
    from engine.cli.project import require_campaign

    campaign = require_campaign(project, campaign_id)
    step = campaign.step(step_id) if step_id else campaign.steps[0]
    if step is None:
        raise UsageError(f"campaign {campaign.id!r} has no step {step_id!r}; steps: "
                         f"{', '.join(s.id for s in campaign.steps)}")
    variant = None
    if variant_id:
        variant = next((v for v in step.variants if v.id == variant_id), None)
        if variant is None:
            have = ", ".join(v.id for v in step.variants) or "none"
            raise UsageError(f"step {step.id!r} has no variant {variant_id!r}; variants: {have}")
    elif step.variants:
        variant = step.variants[0]
    return campaign, step, variant


def preview(
    campaign: str | None = typer.Argument(None, help="Campaign id (optional with --gallery: only that campaign)."),
    step: str | None = typer.Argument(None, help="Step id (default: the first step)."),
    customer: list[str] = typer.Option(None, "--customer", help="Customer external id; repeat for the gallery. "
                                       "Read from the store, or examples/data/customers.csv when the store is empty."),
    now: datetime | None = NowOption,
    variant: str | None = typer.Option(None, "--variant", help="Variant id (default: the step's first variant)."),
    html: Path | None = typer.Option(None, "--html", help="Write the HTML body to this file.", dir_okay=False),
    eml: Path | None = typer.Option(None, "--eml", help="Write the complete message (.eml) to this file.",
                                    dir_okay=False),
    gallery: Path | None = typer.Option(None, "--gallery", help="Write a static HTML gallery of every email here.",
                                        file_okay=False),
    base: str | None = typer.Option(None, "--base", metavar="REF",
                                    help="With --gallery: mark the emails that differ from what git ref REF's "
                                         "rules and templates render."),
    mask: bool = typer.Option(True, "--mask/--no-mask",
                              help="With --gallery: mask the store's customers (a***@example.com, initials)."),
    per_campaign: int = typer.Option(3, "--per-campaign", min=1,
                                     help="With --gallery: customers of each campaign's audience to render for."),
    config_path: Path = ConfigOption,
) -> None:
    """Show an email as a customer would get it: subject, preheader and text here; HTML and .eml to files.

    With --gallery, every campaign is rendered for customers actually in its audience at --now (masked), or
    for the example customers when the store is empty; --base marks what the branch changed."""
    if gallery is None and campaign is None:
        raise UsageError("name a CAMPAIGN to preview, or use --gallery DIR")
    from engine.cli.project import load_project_or_exit

    project = load_project_or_exit(config_path, templates=False, not_done="nothing was previewed")
    at = resolve_now(now)
    if gallery is not None:
        _gallery(project, gallery, campaign, customer, at, base_ref=base, mask=mask, per_campaign=per_campaign,
                 config_path=config_path)
        return
    assert campaign is not None  # without --gallery a CAMPAIGN is required (checked above)
    _single(project, campaign, step, variant, customer[0] if customer else None, at, html, eml)


def _single(project: Project, campaign_id: str, step_id: str | None, variant_id: str | None,
            customer_id: str | None, at: datetime, html: Path | None, eml: Path | None) -> None:
    from engine.preview.customers import find_customers
    from engine.preview.gallery import preview_message_id
    from engine.preview.terminal import PreviewInfo, format_preview
    from engine.rendering import RenderError, compose_email
    from engine.rendering.message import HeaderInjection, format_configured_mailbox, format_mailbox

    chosen_campaign, chosen_step, chosen_variant = _pick(project, campaign_id, step_id, variant_id)
    found = find_customers(project.config, [customer_id] if customer_id else None, limit=1)
    if not found.customers:
        raise InvalidInput(f"customer {customer_id!r} not found in {found.source}")
    person = found.customers[0]
    try:
        email = compose_email(project.config, chosen_campaign, chosen_step, person, variant=chosen_variant, now=at,
                              message_id=preview_message_id(chosen_campaign, chosen_step, person,
                                                            project.config.sender.from_address),
                              unsubscribe_secret=_secret(project))
    except RenderError as exc:
        raise WorkFailed("the email failed to render", [exc.to_diagnostic()]) from None
    except HeaderInjection as exc:
        raise InvalidInput(f"customer {person.external_id!r} cannot be mailed: {exc}") from None
    info = PreviewInfo(chosen_campaign, chosen_step, chosen_variant.id if chosen_variant else None,
                       f"{person.external_id} <{person.email}> (from {found.source})",
                       format_configured_mailbox(project.config.sender.from_address),
                       format_mailbox(" ".join(filter(None, (person.first_name, person.last_name))), person.email))
    typer.echo(format_preview(email, info))
    for path, data in ((html, email.html.encode("utf-8")), (eml, email.message)):
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            say(f"wrote {path}", "preview.written", path=str(path))


def _gallery(project: Project, out_dir: Path, campaign_id: str | None, customer_ids: list[str] | None,
             at: datetime, *, base_ref: str | None, mask: bool, per_campaign: int, config_path: Path) -> None:
    from contextlib import nullcontext

    from engine.preview.customers import audience_samples, find_customers
    from engine.preview.gallery import Base, Sources, build_gallery
    from engine.privacy import masked_customer
    from engine.project.git import base_project

    if campaign_id is not None:
        _pick(project, campaign_id, None, None)
    samples = None if customer_ids else audience_samples(project, at, per_campaign)
    if samples is not None:
        masked = {cid: [masked_customer(c) for c in found] if mask else found for cid, found in samples.items()}
        sources = Sources(lambda campaign: masked[campaign.id],
                          f"up to {per_campaign} customers in each campaign's audience (from the store)", mask)
    else:
        found = find_customers(project.config, customer_ids or None)
        missing = sorted(set(customer_ids or ()) - {c.external_id for c in found.customers})
        if missing:
            raise InvalidInput(f"customer {', '.join(map(repr, missing))} not found in {found.source}")
        chosen = [masked_customer(c) for c in found.customers] if mask and found.source == "the store" \
            else found.customers
        sources = Sources(lambda campaign: chosen, found.source, mask and found.source == "the store")
    with base_project(config_path, base_ref) if base_ref else nullcontext((None, "")) as (base_side, _):
        result = build_gallery(project, out_dir, sources, at, secret=_secret(project),
                               campaign_ids=[campaign_id] if campaign_id else None,
                               base=Base(base_side, base_ref or "") if base_side is not None else None)
    changed = f", {len(result.changed)} changed against {base_ref}" if base_ref else ""
    say(f"wrote {out_dir / 'index.html'}: {result.emails} emails for {len(result.customers)} customers "
        f"from {sources.description}{changed}", "preview.gallery_written", path=str(out_dir / "index.html"),
        emails=result.emails, customers=len(result.customers))
    for failure in result.failures:
        say(f"{failure}", "render.failed", level=logging.ERROR)
    if result.failures:
        raise WorkFailed(f"{len(result.failures)} emails failed to render")
