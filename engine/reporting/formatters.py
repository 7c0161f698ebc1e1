"""A Report as text (terminal), markdown (a CI summary or a wiki page), JSON (the contract in
docs/reporting.md) or CSV (one row per campaign, step and variant, for spreadsheets)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable

from engine.reporting.model import CampaignReport, Lifecycle, Mail, Report


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def _hours(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.1f} h" if value < 48 else f"{value / 24:.1f} d"


def _money(value: float) -> str:
    return f"{value:,.2f}"


def _ci(values: list[float] | None) -> str:
    return "-" if not values else f"{values[0] * 100:+.1f} to {values[1] * 100:+.1f} points"


MAIL_COLUMNS: list[tuple[str, Callable[[Mail], str]]] = [
    ("mailed", lambda m: str(m.mailed)),
    ("delivered", lambda m: str(m.delivered)),
    ("failed", lambda m: str(m.failed)),
    ("suppressed", lambda m: str(m.suppressed)),
    ("converted", lambda m: str(m.converted)),
    ("rate", lambda m: _pct(m.rate)),
    ("credited", lambda m: str(m.credited_conversions)),
    ("revenue", lambda m: _money(m.credited_revenue)),
    ("median", lambda m: _hours(m.median_hours_to_convert)),
    ("unsubs", lambda m: str(m.unsubscribes)),
    ("bounces", lambda m: str(m.hard_bounces)),
    ("clicks", lambda m: str(m.clicks)),
    ("exits", lambda m: str(sum(m.exited.values()))),
]


def _step_rows(c: CampaignReport) -> list[list[str]]:
    rows = []
    for step in c.steps:
        rows.append([step.step, *(fmt(step) for _, fmt in MAIL_COLUMNS)])
        rows += [[f"  {step.step}/{v.variant}", *(fmt(v) for _, fmt in MAIL_COLUMNS)] for v in step.variants]
    return rows


def _summary_lines(c: CampaignReport) -> list[str]:
    u = c.uplift
    exited = ", ".join(f"{reason} {n}" for reason, n in c.exited.items()) or "none"
    lines = [
        f"enrolled {c.enrolled} (held out {c.held_out}), active {c.active}, completed {c.completed}, "
        f"exited {sum(c.exited.values())} ({exited}), converted {c.converted}, revenue {_money(c.revenue)}",
        f"mailed:   {c.treatment.converted}/{c.treatment.customers} converted ({_pct(c.treatment.rate)}), "
        f"revenue {_money(c.treatment.revenue)}, median time to convert {_hours(c.treatment.median_hours_to_convert)}",
        f"held out: {c.holdout.converted}/{c.holdout.customers} converted ({_pct(c.holdout.rate)}), "
        f"revenue {_money(c.holdout.revenue)}, median time to convert {_hours(c.holdout.median_hours_to_convert)}",
    ]
    if u.absolute is not None:
        seq = u.sequential or {}
        lines.append(
            f"uplift:   {u.absolute * 100:+.1f} points"
            + ("" if u.relative is None else f" ({u.relative * 100:+.0f}% relative)")
            + f", 95% CI {_ci(u.ci95)}; always-valid {_ci(seq.get('interval'))}, p = {seq.get('p_value', 1):.3g}; "
            f"incremental conversions {u.incremental_conversions:+.1f}, revenue {u.incremental_revenue:+,.2f}"
        )
    lines.append(f"verdict:  {u.verdict}")
    if c.reactivation is not None:
        r = c.reactivation
        lines.append(
            f"reactivation (dormant {r.dormant_days:g}d, back within {r.within_days:g}d): mailed "
            f"{r.treatment['reactivated']}/{r.treatment['dormant']} ({_pct(r.treatment['rate'])}), held out "
            f"{r.holdout['reactivated']}/{r.holdout['dormant']} ({_pct(r.holdout['rate'])})"
        )
    for step in c.steps:
        if step.variant_test is not None:
            lines.append(f"variants of {step.step}: {step.variant_test.verdict}")
    return lines


def _table_text(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(r, widths)))
            .rstrip() for r in [header, *rows]]


def _table_markdown(header: list[str], rows: list[list[str]]) -> list[str]:
    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

    return [line(header), "|" + "|".join(" --- " for _ in header) + "|", *(line(r) for r in rows)]


def _lifecycle_tables(lifecycle: Lifecycle) -> list[tuple[str, list[str], list[list[str]]]]:
    tables = []
    if lifecycle.now:
        months = sorted({s.month for s in lifecycle.monthly})
        counts = {(s.month, s.stage): s.customers for s in [*lifecycle.monthly, *lifecycle.now]}
        header = ["stage", *months, "now"]
        rows = [[stage, *(str(counts.get((m, stage), 0)) for m in [*months, "now"])] for stage in lifecycle.stages]
        tables.append(("Lifecycle stages (customers at each month end)", header, rows))
    if lifecycle.retention:
        rows = [[p.month + (" (so far)" if p.partial else ""), str(p.active), _pct(p.retention), _pct(p.churn)]
                for p in lifecycle.retention]
        tables.append(("Monthly retention (active in the month before and in this one)",
                       ["month", "active", "retention", "churn"], rows))
    if lifecycle.value:
        rows = [[v.cohort, str(v.customers), _money(v.revenue), "-" if v.clv is None else _money(v.clv)]
                for v in lifecycle.value]
        tables.append(("Lifetime value by signup cohort", ["cohort", "customers", "revenue", "per customer"], rows))
    return tables


def _period(report: Report) -> str:
    return f"enrolments from {report.since or 'the start'} until {report.until or 'now'}"


def format_text(report: Report) -> str:
    out = [f"Report at {report.generated_at} ({_period(report)})"]
    header = ["step", *(name for name, _ in MAIL_COLUMNS)]
    for c in report.campaigns:
        out += ["", f"{c.id}: {c.name}", *(f"  {line}" for line in _summary_lines(c))]
        if c.steps:
            out += [f"  {line}" for line in _table_text(header, _step_rows(c))]
    if report.lifecycle is not None:
        for title, head, rows in _lifecycle_tables(report.lifecycle):
            out += ["", title, *(f"  {line}" for line in _table_text(head, rows))]
    return "\n".join(out) + "\n"


def format_markdown(report: Report) -> str:
    out = ["# Rekindle report", "", f"Generated {report.generated_at}; {_period(report)}."]
    header = ["step", *(name for name, _ in MAIL_COLUMNS)]
    for c in report.campaigns:
        out += ["", f"## {c.id}: {c.name}", "", *(f"- {line}" for line in _summary_lines(c))]
        if c.steps:
            out += ["", *_table_markdown(header, _step_rows(c))]
    if report.lifecycle is not None:
        for title, head, rows in _lifecycle_tables(report.lifecycle):
            out += ["", f"## {title}", "", *_table_markdown(head, rows)]
    return "\n".join(out) + "\n"


def format_json(report: Report) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"


CSV_FIELDS = ["campaign", "step", "variant", "group", "customers", "converted", "rate", "revenue",
              "median_hours_to_convert", "mailed", "delivered", "failed", "suppressed", "pending",
              "credited_conversions", "credited_revenue", "unsubscribes", "hard_bounces", "clicks", "clickers",
              "exited"]


def format_csv(report: Report) -> str:
    """One row per campaign arm (group treatment/holdout), per step and per variant."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for c in report.campaigns:
        for group, arm in (("treatment", c.treatment), ("holdout", c.holdout)):
            writer.writerow({"campaign": c.id, "group": group, "customers": arm.customers, "converted": arm.converted,
                             "rate": arm.rate, "revenue": arm.revenue,
                             "median_hours_to_convert": arm.median_hours_to_convert})
        for step in c.steps:
            for variant, mail in [("", step), *((v.variant, v) for v in step.variants)]:
                row = {name: getattr(mail, name) for name in CSV_FIELDS[4:] if hasattr(mail, name)}
                row["exited"] = sum(mail.exited.values())
                writer.writerow({"campaign": c.id, "step": step.step, "variant": variant, "group": "treatment",
                                 **row})
    return buffer.getvalue()


FORMATTERS: dict[str, Callable[[Report], str]] = {
    "text": format_text, "markdown": format_markdown, "json": format_json, "csv": format_csv,
}
