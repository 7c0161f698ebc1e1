"""A small real project for run-engine tests: inline campaigns, simple real templates on disk, a real store,
and helpers to add customers/events and to read back enrolments, deliveries and decisions."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, or_, select, update

from engine.config.model import Config, Defaults, FrequencyCap
from engine.project import Project
from engine.rules.model import Campaign, build_campaign
from engine.runner.options import RunOptions
from engine.runner.summary import RunSummary
from engine.runner.tick import run_tick
from engine.store.models import Customer, Decision, Delivery, Enrollment, Event
from engine.timeutil import parse_instant, to_naive_utc

TEMPLATE = (
    "{% block subject %}{{ step.id }} for {{ customer.first_name }}{% endblock %}"
    "<p>Hello {{ customer.first_name }}, this is {{ campaign.id }}/{{ step.id }}.</p>"
)


def at(text: str) -> datetime:
    return parse_instant(text)


def campaign_doc(cid: str, steps: list[dict] | None = None, **extra: Any) -> dict[str, Any]:
    """A campaign document with sensible defaults: everyone subscribed is the audience."""
    return {
        "id": cid,
        "audience": {"subscribed": True},
        "steps": steps or [{"id": "one", "template": "t/one"}],
        **extra,
    }


@dataclass
class Kit:
    engine: Engine
    root: Path
    project: Project

    # --- project -----------------------------------------------------------------------------------
    def use(self, *docs: dict[str, Any], caps: tuple[tuple[int, str], ...] = (), **defaults: Any) -> "Kit":
        from engine.timeutil import parse_duration

        for doc in docs:
            for step in doc["steps"]:
                self._template(step["template"])
                for variant in step.get("variants", ()):
                    if "template" in variant:
                        self._template(variant["template"])
        config = replace(
            self.project.config,
            defaults=replace(
                self.project.config.defaults,
                frequency_caps=tuple(FrequencyCap(m, parse_duration(p)) for m, p in caps),
                **defaults,
            ),
        )
        self.project = Project(config, tuple(build_campaign(d) for d in docs), {})
        return self

    def _template(self, name: str) -> None:
        path = self.root / "templates" / f"{name}.html"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(TEMPLATE)

    def campaign(self, cid: str) -> Campaign:
        return next(c for c in self.project.campaigns if c.id == cid)

    # --- data --------------------------------------------------------------------------------------
    def customers(self, *rows: dict[str, Any]) -> list[int]:
        prepared = [
            {
                "email": f"{r['external_id']}@example.com", "first_name": r["external_id"].title(),
                "created_at": datetime(2026, 1, 1), "subscribed": True, "attributes": {}, "timezone": "UTC",
                **r,
            }
            for r in rows
        ]
        for row in prepared:
            for key in ("created_at", "last_active_at"):
                if isinstance(row.get(key), datetime):
                    row[key] = to_naive_utc(row[key])
        with self.engine.begin() as conn:
            conn.execute(insert(Customer.__table__), prepared)
            ids = conn.execute(
                select(Customer.id).where(Customer.external_id.in_([r["external_id"] for r in prepared]))
            ).scalars()
            return list(ids)

    def event(self, external_id: str, name: str, when: datetime | str, **properties: Any) -> None:
        """Record an event; activity events also move `last_active_at`, as the importer does."""
        when = to_naive_utc(at(when) if isinstance(when, str) else when)
        with self.engine.begin() as conn:
            cid = conn.execute(select(Customer.id).where(Customer.external_id == external_id)).scalar_one()
            conn.execute(
                insert(Event.__table__),
                {"customer_id": cid, "name": name, "occurred_at": when, "properties": properties},
            )
            if name in self.project.config.defaults.activity_events:
                later = or_(Customer.last_active_at.is_(None), Customer.last_active_at < when)
                conn.execute(update(Customer).where(Customer.id == cid, later).values(last_active_at=when))

    # --- running -----------------------------------------------------------------------------------
    def run(self, now: datetime | str, **options: Any) -> RunSummary:
        now = at(now) if isinstance(now, str) else now
        with self.engine.connect() as conn:
            return run_tick(conn, self.project, RunOptions(now=now, **options), commit=None)

    def every(self, start: str, days: int, step: timedelta = timedelta(days=1)) -> list[RunSummary]:
        first = at(start)
        return [self.run(first + step * i) for i in range(days)]

    # --- reading back ------------------------------------------------------------------------------
    def _rows(self, query) -> list:
        with self.engine.connect() as conn:
            return list(conn.execute(query))

    def deliveries(self, campaign: str | None = None) -> list:
        query = (
            select(Delivery.campaign_id, Delivery.step_id, Customer.external_id, Delivery.queued_at,
                   Delivery.variant, Delivery.subject)
            .join(Customer, Customer.id == Delivery.customer_id)
            .order_by(Delivery.queued_at, Customer.external_id, Delivery.step_id)
        )
        if campaign:
            query = query.where(Delivery.campaign_id == campaign)
        return self._rows(query)

    def sent(self, campaign: str | None = None) -> list[tuple[str, str, str]]:
        """(customer, step, queued day) for each delivery, in order."""
        return [(d.external_id, d.step_id, d.queued_at.date().isoformat()) for d in self.deliveries(campaign)]

    def decisions(self, decision: str | None = None, campaign: str | None = None) -> list:
        query = (
            select(Decision.decision, Decision.campaign_id, Decision.step_id, Customer.external_id,
                   Decision.decided_at, Decision.reason, Decision.details, Decision.campaign_version,
                   Decision.rules_commit)
            .outerjoin(Customer, Customer.id == Decision.customer_id)
            .order_by(Decision.id)
        )
        if decision:
            query = query.where(Decision.decision == decision)
        if campaign:
            query = query.where(Decision.campaign_id == campaign)
        return self._rows(query)

    def enrollments(self, campaign: str | None = None) -> list:
        query = (
            select(*Enrollment.__table__.c, Customer.external_id)
            .join(Customer, Customer.id == Enrollment.customer_id)
            .order_by(Enrollment.id)
        )
        if campaign:
            query = query.where(Enrollment.campaign_id == campaign)
        return self._rows(query)


def make_kit(engine: Engine, root: Path) -> Kit:
    (root / "templates").mkdir(parents=True, exist_ok=True)
    config = Config(root=root, templates_dir=Path("templates"), rules_dir=Path("rules"), defaults=Defaults())
    return Kit(engine, root, Project(config, (), {}))


REFUSED = "the broken campaign is refused"
"""What `refuse` makes the database say: a real error, raised by the database for one campaign's rows."""


def refuse(engine: Engine, table: str, campaign: str = "broken", body: str = f"RAISE EXCEPTION '{REFUSED}';") -> None:
    """A trigger that makes the database refuse every row of `campaign` in `table` (`body` on PostgreSQL)."""
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql(
                f"CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} WHEN NEW.campaign_id = '{campaign}' "
                f"BEGIN SELECT RAISE(ABORT, '{REFUSED}'); END")
            return
        conn.exec_driver_sql(
            f"CREATE FUNCTION refuse_{table}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF NEW.campaign_id = '{campaign}' THEN {body} END IF; RETURN NEW; END $$")
        conn.exec_driver_sql(f"CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} FOR EACH ROW "
                             f"EXECUTE FUNCTION refuse_{table}()")


def allow(engine: Engine, table: str) -> None:
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql(f"DROP TRIGGER refuse_{table}")
        else:
            conn.exec_driver_sql(f"DROP TRIGGER refuse_{table} ON {table}")
