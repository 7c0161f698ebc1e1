"""The decisions ledger of a tick: every choice, with its reason, stamped with campaign version and rules commit.

Per-customer decisions of the step loop are buffered and written in batches; decisions about whole sets of
enrolments (enrolled, exited, converted, version_changed) are written set-based with INSERT ... SELECT.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, DateTime, FromClause, Integer, String, insert, literal, select

from engine.rules.model import Campaign
from engine.runner.summary import RunSummary
from engine.store.bulk import insert_rows
from engine.store.models import Decision

DECISIONS = Decision.__table__


class DecisionLog:
    def __init__(self, conn, run_id: int, now_db, rules_commit: str | None, summary: RunSummary) -> None:
        self.conn = conn
        self.run_id = run_id
        self.now_db = now_db
        self.rules_commit = rules_commit
        self.summary = summary
        self._rows: list[dict[str, Any]] = []

    def add(
        self,
        campaign: Campaign,
        customer_id: int | None,
        enrollment_id: int | None,
        step_id: str | None,
        decision: str,
        reason: str,
        details: dict[str, Any] | None = None,
    ) -> None:
        self._rows.append(
            {
                **self._stamp(campaign),
                "customer_id": customer_id,
                "enrollment_id": enrollment_id,
                "step_id": step_id,
                "decision": decision,
                "reason": reason,
                "details": details or {},
            }
        )
        self.summary.campaign(campaign.id, campaign.version).add(step_id, decision)

    def flush(self) -> None:
        if self._rows:
            insert_rows(self.conn, DECISIONS, self._rows)
            self._rows = []

    def discard(self) -> None:
        """Forget the decisions not yet written: their batch was rolled back."""
        self._rows = []

    def add_selected(
        self,
        campaign: Campaign,
        source: FromClause,
        where: ColumnElement[bool],
        *,
        customer_id: ColumnElement,
        enrollment_id: ColumnElement,
        decision: str,
        reason: str | ColumnElement[str],
        step_id: ColumnElement | None = None,
        details: dict[str, Any] | None = None,
    ) -> int:
        """One decision per row of `source` matching `where`, written by the database; returns how many."""
        columns: dict[str, ColumnElement[Any]] = {
            "run_id": literal(self.run_id, Integer()),
            "decided_at": literal(self.now_db, DateTime()),
            "campaign_id": literal(campaign.id, String()),
            "campaign_version": literal(campaign.version, String()),
            "rules_commit": literal(self.rules_commit, String()),
            "customer_id": customer_id,
            "enrollment_id": enrollment_id,
            "step_id": step_id if step_id is not None else literal(None, String()),
            "decision": literal(decision, String()),
            "reason": reason if isinstance(reason, ColumnElement) else literal(reason, String()),
            "details": literal(details or {}, DECISIONS.c.details.type),
        }
        query = select(*columns.values()).select_from(source).where(where)
        statement = insert(DECISIONS).from_select(list(columns), query).execution_options(preserve_rowcount=True)
        count = self.conn.execute(statement).rowcount
        self.summary.campaign(campaign.id, campaign.version).add(None, decision, count)
        return count

    def _stamp(self, campaign: Campaign) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "decided_at": self.now_db,
            "campaign_id": campaign.id,
            "campaign_version": campaign.version,
            "rules_commit": self.rules_commit,
        }
