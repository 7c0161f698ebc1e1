"""How a run ended, as the operator needs it: one status word on the `runs` row (with the delivery summary
next to the tick's), and every failure with its customer, campaign/step, file:line and reason.

    finished   nothing failed
    partial    something failed (an email that did not render, a delivery refused or given up, a campaign
               held by its max_audience guard or failed on a database error, the relay unreachable) beside
               work that was done
    failed     only failures: nothing was queued or sent, or the tick itself broke
"""

from __future__ import annotations

from sqlalchemy import Connection, select, update

from engine.delivery.dispatch import DispatchSummary
from engine.observability.failures import CAP, Failure
from engine.project import Project
from engine.runner.summary import RunSummary
from engine.store.models import Customer, Delivery, Run


def run_status(summary: RunSummary, delivery: DispatchSummary | None) -> str:
    """The status of a tick and the sending that followed it."""
    if delivery is None or not (delivery.failed or delivery.unavailable):
        return summary.status
    if summary.status == "failed":
        return "failed"
    return "partial" if summary.total("queued") or delivery.sent else "failed"


def record_delivery(conn: Connection, summary: RunSummary, delivery: DispatchSummary) -> str:
    """Add the delivery summary to the run's row and settle its status; returns the status."""
    status = run_status(summary, delivery)
    document = {**summary.to_dict(), "delivery": _brief(delivery)}
    conn.execute(update(Run).where(Run.id == summary.run_id).values(status=status, summary=document))
    return status


def delivery_failures(conn: Connection, project: Project | None, delivery: DispatchSummary) -> list[Failure]:
    """The first CAP failed deliveries of a dispatch, with their customer and the rule file's step line."""
    reasons = {int(str(f["delivery_id"])): str(f["reason"]) for f in delivery.failures[:CAP]}
    if not reasons:
        return []
    query = (
        select(Delivery.id, Customer.external_id, Delivery.campaign_id, Delivery.step_id)
        .join(Customer, Customer.id == Delivery.customer_id)
        .where(Delivery.id.in_(list(reasons)))
        .order_by(Delivery.id)
    )
    return [Failure("delivery", customer, campaign, step, step_location(project, campaign, step), reasons[id_])
            for id_, customer, campaign, step in conn.execute(query)]


def step_location(project: Project | None, campaign_id: str, step_id: str) -> str:
    """`rules/x.yaml:12` for a campaign's step, or the rule file, or "" when the campaign is gone."""
    campaign = next((c for c in project.campaigns if c.id == campaign_id), None) if project is not None else None
    if campaign is None:
        return ""
    step = campaign.step(step_id)
    if step is not None and step.location is not None:
        return f"{step.location.file}:{step.location.line}"
    return campaign.source


def _brief(delivery: DispatchSummary) -> dict[str, object]:
    return {**delivery.as_dict(), "failures": delivery.failures[:CAP]}
