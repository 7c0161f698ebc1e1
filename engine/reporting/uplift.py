"""From counts to a verdict: uplift against the holdout and the test across variants, refusing to call a
winner on too little data. Pure functions of the aggregates (engine.reporting.stats does the mathematics)."""

from __future__ import annotations

from typing import Any

from engine.reporting.model import Group, Uplift, VariantFigures, VariantTest
from engine.reporting.stats import chi_squared_test, newcombe_interval, sample_size_per_group, sequential_difference

METHOD = "Newcombe hybrid score interval (method 10, 1998); always-valid: normal-mixture mSPRT (Johari et al. 2022)"
MIN_GROUP = 30
"""Fewer customers than this in an arm and no verdict is given, whatever the interval says."""
MIN_EXPECTED = 5.0
"""Cochran's rule: every arm needs at least 5 expected conversions and 5 expected non-conversions."""


def _arm(group: Group) -> dict[str, Any]:
    return {"customers": group.customers, "converted": group.converted, "rate": group.rate,
            "revenue": group.revenue}


def _points(value: float) -> str:
    return f"{value * 100:+.1f} points"


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"


def uplift(treatment: Group, holdout: Group) -> Uplift:
    """Mailed vs held out, as assigned (intent to treat)."""
    arms = {"treatment": _arm(treatment), "holdout": _arm(holdout)}
    if treatment.customers + holdout.customers == 0:
        return Uplift(arms["treatment"], arms["holdout"], absolute=None, relative=None, ci95=None, method=METHOD, call="no_data",
                      verdict="No enrolments in this period.")
    if holdout.customers == 0 or treatment.customers == 0:
        missing = "held out" if holdout.customers == 0 else "mailed"
        return Uplift(arms["treatment"], arms["holdout"], absolute=None, relative=None, ci95=None, method=METHOD,
                      call="no_holdout",
                      verdict=f"Nobody was {missing}, so this report cannot say whether emailing helped; give the "
                              "campaign a holdout (e.g. `holdout: 0.1`) to measure it.")
    xt, nt, xh, nh = treatment.converted, treatment.customers, holdout.converted, holdout.customers
    rt, rh = xt / nt, xh / nh
    absolute = rt - rh
    low, high = newcombe_interval(xt, nt, xh, nh)
    sequential = sequential_difference(xt, nt, xh, nh)
    needed = sample_size_per_group(rt, rh, ratio=nh / nt)
    base = Uplift(
        arms["treatment"],
        arms["holdout"],
        absolute=absolute,
        relative=absolute / rh if rh > 0 else None,
        ci95=[low, high],
        method=METHOD,
        verdict="",
        call="",
        incremental_conversions=absolute * nt,
        incremental_revenue=treatment.revenue - holdout.revenue / nh * nt,
        sequential={"p_value": sequential.p_value, "interval": list(sequential.interval), "alpha": 0.05},
        sample_size_needed=None if needed is None else {"treatment": needed[0], "holdout": needed[1]},
    )
    base.call, base.verdict = _verdict(base, nt, nh, xt + xh)
    return base


def _needed(result: Uplift) -> str:
    if result.sample_size_needed is None:
        return "The two rates are equal so far; no sample size would detect a difference of zero."
    need = result.sample_size_needed
    return (f"Detecting the observed difference of {_points(result.absolute or 0.0)} with 80% power needs about "
            f"{need['treatment']:,} mailed and {need['holdout']:,} held out.")


def _verdict(result: Uplift, nt: int, nh: int, converted: int) -> tuple[str, str]:
    pooled = converted / (nt + nh)
    smallest = min(nt, nh) * min(pooled, 1 - pooled)
    rates = (f"{_percent(result.treatment['rate'])} of {nt:,} mailed converted vs "
             f"{_percent(result.holdout['rate'])} of {nh:,} held out")
    low, high = result.ci95 or (0.0, 0.0)
    ci = f"95% CI {_points(low)} to {_points(high)}"
    seq = result.sequential or {}
    seq_low, seq_high = seq.get("interval", (0.0, 0.0))
    p = seq.get("p_value", 1.0)
    if min(nt, nh) < MIN_GROUP or smallest < MIN_EXPECTED:
        return "too_little_data", (f"Too little data to call a winner: {rates}. " + _needed(result))
    if seq_low > 0 or seq_high < 0:
        word = "helped" if seq_low > 0 else "hurt"
        return word, (f"Emailing {word}: {rates}, {_points(result.absolute or 0.0)} ({ci}); this holds even for "
                      f"a report checked every day (always-valid p = {p:.3g}).")
    if low > 0 or high < 0:
        word = "helped" if low > 0 else "hurt"
        return "promising", (f"Emailing probably {word}: {rates} ({ci}), but not yet conclusive for a report "
                             f"checked repeatedly (always-valid p = {p:.3g}); keep the holdout running.")
    return "no_difference", (f"No detectable difference yet: {rates} ({ci}). " + _needed(result))


def variant_test(variants: list[VariantFigures]) -> VariantTest | None:
    """Chi-squared across a step's variants (Braze's test), or None for a step without variants."""
    if len(variants) < 2:
        return None
    test = chi_squared_test([(v.converted, v.customers) for v in variants])
    if test is None:
        return VariantTest(None, len(variants) - 1, None, None,
                           "Cannot compare variants yet: nobody (or everybody) converted.")
    if test.min_expected < MIN_EXPECTED:
        return VariantTest(test.statistic, test.df, test.p_value, test.min_expected,
                           f"Too little data to compare variants: the smallest expected count is "
                           f"{test.min_expected:.1f}, below {MIN_EXPECTED:g}.")
    best = max(variants, key=lambda v: v.rate or 0.0)
    if test.p_value < 0.05:
        verdict = (f"The variants differ (chi-squared {test.statistic:.2f}, df {test.df}, p = {test.p_value:.3g}); "
                   f"best: {best.variant} at {_percent(best.rate)}.")
    else:
        verdict = f"No detectable difference between variants (chi-squared {test.statistic:.2f}, p = {test.p_value:.3g})."
    return VariantTest(test.statistic, test.df, test.p_value, test.min_expected, verdict)
