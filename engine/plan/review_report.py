"""The review of `rekindle plan --base` as Markdown (one sticky pull-request comment), plain text and JSON.

The Markdown starts with a hidden marker (`<!-- rekindle-plan -->`) so a CI step can find and update the same
comment on every push instead of adding a new one."""

from __future__ import annotations

import json

from engine.diagnostics import Diagnostic
from engine.plan.review import CampaignReview, EmailChange, Review

MARKER = "<!-- rekindle-plan -->"
COMMENT_BUDGET = 45_000
"""Characters the review may reach with email diffs; later diffs are counted instead of shown. GitHub refuses
a comment above 65,536 characters (GitLab's notes allow 1,000,000); what is left holds the rest of the review,
the headers of later campaigns and the run table `rekindle plan` appends. A change of a shared layout or
partial can change every email of every campaign."""


def _instant(review: Review) -> str:
    return review.now.isoformat().replace("+00:00", "Z")


def _md(text: str) -> str:
    """Text safe in a Markdown table cell or line: no HTML, no cell breaks."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")


def _count(value: int | None) -> str:
    return "-" if value is None else str(value)


def _delta(campaign: CampaignReview) -> str:
    return f"{campaign.delta:+d}" if campaign.delta else "±0"


def _email_title(email: EmailChange) -> str:
    step = email.step + (f" (variant {email.variant})" if email.variant else "")
    what = {"changed": "changed", "html": "HTML changed, text the same", "added": "new step",
            "removed": "step removed"}[email.change]
    subject = email.new_subject if email.new_subject is not None else email.old_subject
    return f"{step} for {email.customer}: {what} — “{subject}”"


def _warning_line(warning: Diagnostic) -> str:
    return f"`{warning.location}` **{warning.code}** {_md(warning.message)}"


def _email_blocks(email: EmailChange) -> list[str]:
    block = [f"<details><summary>{_md(_email_title(email))}</summary>"]
    block += ["", "````diff", *email.diff, "````", ""] if email.diff else [""]
    return block + ["</details>", ""]


def as_markdown(review: Review, budget: int = COMMENT_BUDGET) -> str:
    """The review as one comment; an email diff that would take it past `budget` characters is counted instead
    of shown."""
    changed, unchanged = review.changed(), [c for c in review.campaigns if c.status == "unchanged"]
    lines = [MARKER, f"### Rekindle plan: this branch compared with `{review.base_ref}` "
             f"(`{review.base_commit[:12]}`) at {_instant(review)}", ""]
    summary = f"**{len(changed)} campaign{'s' if len(changed) != 1 else ''} changed**, {len(unchanged)} unchanged."
    lines += [summary + (" Sample recipients are masked." if review.masked else ""), ""]
    if review.warnings:
        lines += [f"#### ⚠️ {len(review.warnings)} warning{'s' if len(review.warnings) != 1 else ''}", ""]
        lines += [f"- {_warning_line(w)}" for w in review.warnings] + [""]
    for campaign in changed:
        lines += [f"#### `{campaign.campaign}` — {campaign.status}", "",
                  "| audience | base | head | change |", "|---|---:|---:|---:|",
                  f"| customers at --now | {_count(campaign.audience_base)} | {_count(campaign.audience_head)} | "
                  f"{_delta(campaign)} |", ""]
        if campaign.keys:
            lines += ["Changed keys:", ""] + [f"- `{k.key}`: {_md(k.describe().split(': ', 1)[1])}"
                                               for k in campaign.keys] + [""]
        elif campaign.status == "changed":
            lines += ["The rule file is the same; its templates render differently.", ""]
        if campaign.waiting:
            lines += [f"Customers mid-sequence (on_change: `{campaign.on_change}`):", "",
                      "| waiting at | customers | change | effect |", "|---|---:|---|---|"]
            lines += [f"| {_md(w.step or '-')} | {w.customers} | {_md(w.change)} | {_md(w.effect)} |"
                      for w in campaign.waiting] + [""]
        if campaign.emails:
            lines += ["Emails that change for sample customers of the audience:", ""]
            left_out = 0
            used = sum(len(line) + 1 for line in lines)  # characters so far, kept up to date below
            for email in campaign.emails:
                block = _email_blocks(email)
                size = sum(len(line) + 1 for line in block)
                if left_out or used + size > budget:
                    left_out += 1
                    continue
                lines += block
                used += size
            if left_out:
                lines += [f"… and {left_out} more changed email{'s' if left_out != 1 else ''} of `{campaign.campaign}`"
                          " not shown, to keep this comment within GitHub's size limit: `rekindle plan --base "
                          f"{review.base_ref} --format json` (or `text`) lists every one.", ""]
        elif campaign.status != "removed":
            lines += ["No email changes for the sample customers.", ""]
    if unchanged:
        listed = ", ".join(f"`{c.campaign}` ({_count(c.audience_head)})" for c in unchanged)
        lines += [f"Unchanged (audience at --now): {listed}", ""]
    return "\n".join(lines)


def as_text(review: Review) -> str:
    changed = review.changed()
    lines = [f"plan: this branch compared with {review.base_ref} ({review.base_commit[:12]}) at {_instant(review)}"
             + (" (sample recipients masked)" if review.masked else "")]
    for warning in review.warnings:
        lines.append(f"warning: {warning.location}: {warning.code} {warning.message}")
    for campaign in review.campaigns:
        counts = f"audience {_count(campaign.audience_base)} -> {_count(campaign.audience_head)} ({_delta(campaign)})"
        if campaign.status == "unchanged":
            lines.append(f"  {campaign.campaign}: unchanged, {counts}")
            continue
        lines.append(f"  {campaign.campaign}: {campaign.status}, {counts}")
        lines += [f"      {k.describe()}" for k in campaign.keys]
        lines += [f"      waiting at {w.step}: {w.customers} customers, {w.change}; {w.effect}"
                  for w in campaign.waiting]
        for email in campaign.emails:
            lines.append(f"      email {_email_title(email)}")
            lines += [f"        {line}" for line in email.diff]
    if not changed:
        lines.append("  no campaign changed")
    return "\n".join(lines) + "\n"


def as_json(review: Review, plan: dict | None = None) -> str:
    return json.dumps({**review.to_dict(), **({"plan": plan} if plan is not None else {})}, indent=2,
                      ensure_ascii=False, default=str)
