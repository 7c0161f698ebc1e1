"""Reports on the ledgers that break naive code: nothing enrolled, one customer per arm, no holdout, a holdout
that never converts, thin and ample data."""

from __future__ import annotations

import math

import pytest

from engine.reporting import build_report
from engine.reporting.model import VariantFigures
from engine.reporting.uplift import variant_test
from tests.reporting.kit import Ledger, arm, campaign, project
from tests.reporting.test_campaign_report import NOW


def report(led: Ledger, holdout: float = 0.1):
    c = campaign(holdout=holdout)
    with led.engine.connect() as conn:
        return build_report(conn, project(c), [c], now=NOW, with_lifecycle=False).campaigns[0]


def test_empty_campaign_reports_zeros_without_errors(store_engine) -> None:
    r = report(Ledger(store_engine))
    assert (r.enrolled, r.held_out, r.converted, r.revenue, r.exited, r.daily, r.reactivation) == (0, 0, 0, 0, {}, [], None)
    assert (r.treatment.rate, r.holdout.rate, r.treatment.median_hours_to_convert) == (None, None, None)
    assert [(s.step, s.mailed, s.rate, s.variants) for s in r.steps] == [("one", 0, None, []), ("two", 0, None, [])]
    assert (r.uplift.call, r.uplift.verdict, r.uplift.ci95) == ("no_data", "No enrolments in this period.", None)


def test_one_customer_per_arm_is_too_little_data(store_engine) -> None:
    led = Ledger(store_engine)
    arm(led, "t", 1, 1, holdout=False)
    arm(led, "h", 1, 0, holdout=True)
    u = report(led).uplift
    assert (u.treatment["rate"], u.holdout["rate"], u.absolute) == (1.0, 0.0, 1.0)
    assert u.call == "too_little_data" and u.relative is None  # relative to a zero holdout rate: undefined
    assert u.ci95 == pytest.approx([-0.12211, 1.0], abs=1e-5)  # Newcombe's interval for 1/1 vs 0/1
    assert u.sequential["interval"] == [-1.0, 1.0]  # clipped to what a difference of rates can be


def test_no_holdout_says_so_instead_of_an_uplift(store_engine) -> None:
    led = Ledger(store_engine)
    arm(led, "t", 50, 10, holdout=False)
    r = report(led, holdout=0.0)
    assert (r.treatment.customers, r.treatment.converted, r.treatment.revenue) == (50, 10, 100.0)
    assert (r.uplift.call, r.uplift.absolute, r.uplift.ci95, r.uplift.sequential) == ("no_holdout", None, None, None)
    assert r.uplift.verdict.startswith("Nobody was held out")


def test_holdout_with_zero_conversions_gets_a_finite_interval_and_a_cautious_verdict(store_engine) -> None:
    # 12/40 mailed vs 0/35 held out: the Newcombe interval excludes 0 (0.1451 to 0.4543), the always-valid one
    # does not (-0.044 to 0.644): a daily reader is told "probably", not "won"
    led = Ledger(store_engine)
    arm(led, "t", 40, 12, holdout=False)
    arm(led, "h", 35, 0, holdout=True)
    u = report(led).uplift
    assert (u.holdout["converted"], u.holdout["rate"], u.absolute) == (0, 0.0, pytest.approx(0.3))
    assert u.ci95 == pytest.approx([0.14507, 0.45430], abs=1e-5)
    assert u.sequential["interval"][0] < 0 < u.sequential["interval"][1]
    assert u.call == "promising"
    assert u.verdict.startswith("Emailing probably helped: 30.0% of 40 mailed converted vs 0.0% of 35 held out")
    assert u.incremental_revenue == pytest.approx(120.0)  # 12 x 10.00, none of it would have happened anyway


def test_ample_data_calls_the_winner(store_engine) -> None:
    led = Ledger(store_engine)
    arm(led, "t", 100, 30, holdout=False)
    arm(led, "h", 100, 0, holdout=True)
    u = report(led).uplift
    assert u.call == "helped" and u.sequential["p_value"] < 0.001
    assert u.verdict.startswith("Emailing helped: 30.0% of 100 mailed converted vs 0.0% of 100 held out, +30.0 points")
    assert u.incremental_conversions == pytest.approx(30.0)


def variants(*counts: tuple[str, int, int]) -> list[VariantFigures]:
    return [VariantFigures(variant=name, customers=n, converted=x).finish() for name, x, n in counts]


def test_variant_test_names_the_best_variant_only_when_the_difference_is_significant() -> None:
    # a 20/40 vs b 5/40: pooled 25/80, expected 12.5 converted and 27.5 not per variant (all above 5);
    # chi-squared = 2 x 7.5^2/12.5 + 2 x 7.5^2/27.5 = 13.09, df 1, p = erfc(sqrt(13.09 / 2)) = 0.000297
    found = variant_test(variants(("a", 20, 40), ("b", 5, 40)))
    assert found is not None and (found.df, found.min_expected) == (1, 12.5)
    assert found.statistic == pytest.approx(9 + 2 * 56.25 / 27.5)
    assert found.p_value == pytest.approx(math.erfc(math.sqrt(found.statistic / 2)))
    assert found.verdict == "The variants differ (chi-squared 13.09, df 1, p = 0.000297); best: a at 50.0%."
    same = variant_test(variants(("a", 10, 40), ("b", 11, 40)))
    assert same is not None and same.verdict.startswith("No detectable difference between variants (chi-squared 0.06")
    thin = variant_test(variants(("a", 2, 10), ("b", 1, 10)))  # expected 1.5 converted per variant
    assert thin is not None and thin.verdict == ("Too little data to compare variants: the smallest expected count "
                                                 "is 1.5, below 5.")
    none = variant_test(variants(("a", 0, 10), ("b", 0, 10)))
    assert none is not None and none.verdict == "Cannot compare variants yet: nobody (or everybody) converted."
    assert variant_test(variants(("a", 3, 10))) is None  # a single variant: nothing to compare
