"""Vega-Lite charts (built with altair) drawn from a Report's data: funnel, conversions over time, uplift
with its intervals, lifecycle stages over time, cohort retention, lifetime value. Each function returns a
Vega-Lite spec (a dict) or None when there is nothing to draw; the data is embedded in the spec, so the
page needs nothing but the inlined Vega libraries."""

from __future__ import annotations

from typing import Any

from engine.reporting.model import Report

WIDTH = 520


def _spec(chart: Any) -> dict[str, Any]:
    return chart.to_dict()


def funnel(report: Report) -> dict[str, Any] | None:
    import altair as alt

    rows = []
    for c in report.campaigns:
        stages = [("enrolled", c.enrolled), ("not held out", c.treatment.customers)]
        stages += [(f"delivered: {s.step}", s.delivered) for s in c.steps]
        stages.append(("converted (mailed)", c.treatment.converted))
        rows += [{"campaign": c.id, "stage": name, "order": i, "customers": n} for i, (name, n) in enumerate(stages)]
    if not any(r["customers"] for r in rows):
        return None
    chart = alt.Chart(alt.Data(values=rows)).mark_bar().encode(
        y=alt.Y("stage:N", sort=alt.EncodingSortField("order"), title=None),
        x=alt.X("customers:Q", title="customers"),
        color=alt.Color("campaign:N", legend=None),
        tooltip=["campaign:N", "stage:N", "customers:Q"],
    ).properties(width=WIDTH, height=alt.Step(16)).facet(row=alt.Row("campaign:N", title=None)).resolve_scale(
        y="independent")
    return _spec(chart)


def conversions_over_time(report: Report) -> dict[str, Any] | None:
    """Cumulative conversion rate by day, mailed vs held out, per campaign."""
    import altair as alt

    rows = []
    for c in report.campaigns:
        totals: dict[str, list[int]] = {}
        for point in c.daily:
            enrolled, converted = totals.setdefault(point.group, [0, 0])
            totals[point.group] = [enrolled + point.enrolled, converted + point.converted]
            enrolled, converted = totals[point.group]
            if enrolled:
                rows.append({"campaign": c.id, "day": point.day, "group": point.group,
                             "rate": converted / enrolled, "converted": converted, "enrolled": enrolled})
    if not rows:
        return None
    chart = alt.Chart(alt.Data(values=rows)).mark_line(point=True, interpolate="step-after").encode(
        x=alt.X("day:T", title="day"),
        y=alt.Y("rate:Q", axis=alt.Axis(format="%"), title="converted so far"),
        color=alt.Color("group:N", scale=alt.Scale(domain=["treatment", "holdout"])),
        tooltip=["campaign:N", "day:T", "group:N", "converted:Q", "enrolled:Q", alt.Tooltip("rate:Q", format=".1%")],
    ).properties(width=WIDTH, height=140).facet(row=alt.Row("campaign:N", title=None))
    return _spec(chart)


def uplift(report: Report) -> dict[str, Any] | None:
    """The absolute uplift with its 95% interval (Newcombe) and its always-valid interval, per campaign."""
    import altair as alt

    rows = []
    for c in report.campaigns:
        u = c.uplift
        if u.absolute is None or u.ci95 is None or u.sequential is None:
            continue
        low, high = u.sequential["interval"]
        rows += [
            {"campaign": c.id, "interval": "95% CI", "low": u.ci95[0], "high": u.ci95[1], "uplift": u.absolute,
             "verdict": u.call},
            {"campaign": c.id, "interval": "always-valid", "low": low, "high": high,
             "uplift": u.absolute, "verdict": u.call},
        ]
    if not rows:
        return None
    base = alt.Chart(alt.Data(values=rows))
    y = alt.Y("campaign:N", title=None)
    offset = alt.YOffset("interval:N")
    bars = base.mark_rule(strokeWidth=3).encode(
        y=y, yOffset=offset, x=alt.X("low:Q", axis=alt.Axis(format="+%"), title="uplift (mailed minus held out)"),
        x2="high:Q", color=alt.Color("interval:N"), tooltip=["campaign:N", "interval:N", alt.Tooltip(
            "low:Q", format="+.1%"), alt.Tooltip("high:Q", format="+.1%"), "verdict:N"])
    points = base.mark_point(filled=True, size=60, color="black").encode(y=y, yOffset=offset, x="uplift:Q")
    zero = alt.Chart(alt.Data(values=[{"x": 0}])).mark_rule(strokeDash=[4, 4], color="gray").encode(x="x:Q")
    return _spec(alt.layer(bars, points, zero).properties(width=WIDTH, height=alt.Step(24)))


def lifecycle_stages(report: Report) -> dict[str, Any] | None:
    import altair as alt

    lifecycle = report.lifecycle
    if lifecycle is None or not lifecycle.monthly:
        return None
    order = {stage: i for i, stage in enumerate(lifecycle.stages)}
    rows = [{"month": s.month, "stage": s.stage, "customers": s.customers, "order": order[s.stage]}
            for s in lifecycle.monthly]
    chart = alt.Chart(alt.Data(values=rows)).mark_area().encode(
        x=alt.X("month:O", title="month end"),
        y=alt.Y("customers:Q", stack="zero"),
        color=alt.Color("stage:N", sort=lifecycle.stages, scale=alt.Scale(scheme="tableau10")),
        order=alt.Order("order:Q"),
        tooltip=["month:O", "stage:N", "customers:Q"],
    ).properties(width=WIDTH, height=220)
    return _spec(chart)


def cohort_retention(report: Report) -> dict[str, Any] | None:
    import altair as alt

    lifecycle = report.lifecycle
    if lifecycle is None or not lifecycle.cohorts:
        return None
    rows = [{"cohort": p.cohort, "age": p.age_months, "share": p.share, "active": p.active, "size": p.size}
            for p in lifecycle.cohorts]
    chart = alt.Chart(alt.Data(values=rows)).mark_rect().encode(
        x=alt.X("age:O", title="months since signup"),
        y=alt.Y("cohort:O", title="signup month"),
        color=alt.Color("share:Q", scale=alt.Scale(scheme="blues", domain=[0, 1]), legend=alt.Legend(format="%")),
        tooltip=["cohort:O", "age:O", "active:Q", "size:Q", alt.Tooltip("share:Q", format=".0%")],
    ).properties(width=WIDTH, height=alt.Step(14))
    return _spec(chart)


def lifetime_value(report: Report) -> dict[str, Any] | None:
    import altair as alt

    lifecycle = report.lifecycle
    if lifecycle is None or not any(v.revenue for v in lifecycle.value):
        return None
    rows = [{"cohort": v.cohort, "clv": v.clv, "customers": v.customers, "revenue": v.revenue}
            for v in lifecycle.value]
    chart = alt.Chart(alt.Data(values=rows)).mark_bar().encode(
        x=alt.X("cohort:O", sort=None, title="signup month"), y=alt.Y("clv:Q", title="revenue per customer"),
        tooltip=["cohort:O", "customers:Q", alt.Tooltip("revenue:Q", format=",.2f"), alt.Tooltip("clv:Q", format=",.2f")],
    ).properties(width=WIDTH, height=180)
    return _spec(chart)


CHARTS = [
    ("funnel", "Funnel per campaign", funnel),
    ("conversions", "Conversions over time (cumulative rate, mailed vs held out)", conversions_over_time),
    ("uplift", "Uplift against the holdout, with its intervals", uplift),
    ("stages", "Lifecycle stages over time", lifecycle_stages),
    ("cohorts", "Cohort retention (share of a signup month active k months later)", cohort_retention),
    ("value", "Lifetime value by signup cohort", lifetime_value),
]


def chart_specs(report: Report) -> list[tuple[str, str, dict[str, Any]]]:
    """(id, title, spec) of every chart that has data."""
    drawn = ((key, title, build(report)) for key, title, build in CHARTS)
    return [(key, title, spec) for key, title, spec in drawn if spec is not None]
