"""One composed email as a person reads it at a terminal: who, what, subject, preheader, then the text body."""

from __future__ import annotations

from dataclasses import dataclass

from engine.rendering.compose import ComposedEmail
from engine.rules.model import Campaign, Step


@dataclass(frozen=True)
class PreviewInfo:
    campaign: Campaign
    step: Step
    variant: str | None
    customer_line: str
    """`c-1 <ada@example.com> (from the store)`."""
    sender: str
    recipient: str


def format_preview(email: ComposedEmail, info: PreviewInfo) -> str:
    position = info.campaign.steps.index(info.step) + 1
    rows = [
        ("Campaign", f"{info.campaign.id} ({info.campaign.name})"),
        ("Step", f"{info.step.id} ({position} of {len(info.campaign.steps)})"
                 + (f", variant {info.variant}" if info.variant else "")),
        ("Template", email.template),
        ("Customer", info.customer_line),
        ("From", info.sender),
        ("To", info.recipient),
        ("Subject", email.subject),
        ("Preheader", email.preheader or "(none)"),
    ]
    head = "\n".join(f"{label + ':':<11}{value}" for label, value in rows)
    rule = "-" * 72
    return f"{head}\n{rule}\n{email.text.rstrip()}\n{rule}"
