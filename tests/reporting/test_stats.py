"""The statistics against published worked examples, an independent implementation where one is installed,
and the property that makes the sequential test worth having: peeking does not inflate false wins."""

from __future__ import annotations

import math
import random

import pytest

from engine.reporting.stats import (
    Z95,
    chi_squared_sf,
    chi_squared_test,
    newcombe_interval,
    sample_size_per_group,
    sequential_difference,
    wilson_interval,
)


@pytest.mark.parametrize(("x1", "n1", "x2", "n2", "low", "high"), [
    # Newcombe (1998), Statistics in Medicine 17:873-890, Table II, method 10 (hybrid score)
    (56, 70, 48, 80, 0.0524, 0.3339),
    (9, 10, 3, 10, 0.1705, 0.8090),
    (5, 56, 0, 29, -0.0381, 0.1926),
    (0, 10, 0, 20, -0.1611, 0.2775),
    (10, 10, 0, 20, 0.6791, 1.0000),
])
def test_newcombe_hybrid_score_interval_matches_the_published_table(x1, n1, x2, n2, low, high) -> None:
    found = newcombe_interval(x1, n1, x2, n2)
    assert found == pytest.approx((low, high), abs=5e-5)


def test_wilson_interval_matches_newcombe_single_proportion_example() -> None:
    # Newcombe (1998), "Two-sided confidence intervals for the single proportion", 81/263: 0.2553 to 0.3662
    assert wilson_interval(81, 263) == pytest.approx((0.2553, 0.3662), abs=5e-5)
    assert wilson_interval(0, 0) == (0.0, 1.0)
    assert Z95 == pytest.approx(1.959964, abs=1e-6)


def test_newcombe_agrees_with_statsmodels_when_installed() -> None:
    proportion = pytest.importorskip("statsmodels.stats.proportion")
    rng = random.Random(11)
    for _ in range(200):
        n1, n2 = rng.randint(1, 400), rng.randint(1, 400)
        x1, x2 = rng.randint(0, n1), rng.randint(0, n2)
        expected = proportion.confint_proportions_2indep(x1, n1, x2, n2, method="newcomb")
        assert newcombe_interval(x1, n1, x2, n2) == pytest.approx(tuple(map(float, expected)), abs=1e-9)


def test_newcombe_needs_customers_in_both_groups() -> None:
    with pytest.raises(ValueError, match="both groups need at least one customer"):
        newcombe_interval(1, 5, 0, 0)


def test_sample_size_matches_the_textbook_value() -> None:
    # Fleiss, Levin & Paik (2003) eq. 4.14 without continuity correction: 10% vs 15%, 5% two-sided, 80% power
    assert sample_size_per_group(0.10, 0.15) == (686, 686)
    n1, n2 = sample_size_per_group(0.15, 0.10, ratio=0.1)  # a 10% holdout: many more mailed, few held out
    assert n2 == math.ceil(n1 * 0.1) and n1 > 686 * 2
    assert sample_size_per_group(0.2, 0.2) is None


@pytest.mark.parametrize(("x", "df"), [(3.841459, 1), (5.991465, 2), (7.814728, 3), (9.487729, 4),
                                       (11.070498, 5), (18.307038, 10), (31.410433, 20)])
def test_chi_squared_tail_at_the_tabulated_5_percent_critical_values(x, df) -> None:
    assert chi_squared_sf(x, df) == pytest.approx(0.05, abs=1e-6)


def test_chi_squared_tail_agrees_with_scipy_when_installed() -> None:
    stats = pytest.importorskip("scipy.stats")
    for df in range(1, 30):
        for x in (0.01, 0.5, 1.0, 3.3, 10.0, 42.0):
            assert chi_squared_sf(x, df) == pytest.approx(float(stats.chi2.sf(x, df)), rel=1e-9, abs=1e-15)


def test_chi_squared_test_on_a_worked_table() -> None:
    # 3 variants: 20/100, 30/100, 50/100 converted; pooled 1/3; expected 33.3 and 66.7 per row
    test = chi_squared_test([(20, 100), (30, 100), (50, 100)])
    expected_stat = sum((o - e) ** 2 / e for o, e in [(20, 100 / 3), (80, 200 / 3), (30, 100 / 3), (70, 200 / 3),
                                                      (50, 100 / 3), (50, 200 / 3)])
    assert test is not None and test.df == 2
    assert test.statistic == pytest.approx(expected_stat) == pytest.approx(21.0)
    assert test.p_value == pytest.approx(math.exp(-21.0 / 2))  # df 2: the tail is exp(-x/2)
    assert test.min_expected == pytest.approx(100 / 3)
    assert chi_squared_test([(0, 10), (0, 12)]) is None
    assert chi_squared_test([(3, 10)]) is None


def test_sequential_value_worked_by_hand() -> None:
    # 56/70 vs 48/80: half-count rates 56.5/71 and 48.5/81, rho = 1/0.05^2 = 400
    a1, a2 = 56.5 / 71, 48.5 / 81
    information = 1 / (a1 * (1 - a1) / 70 + a2 * (1 - a2) / 80)
    s = 0.2 * information
    p = math.sqrt((information + 400) / 400) * math.exp(-s * s / (2 * (information + 400)))
    half = math.sqrt((information + 400) * math.log((information + 400) / (400 * 0.05 ** 2))) / information
    found = sequential_difference(56, 70, 48, 80)
    assert found.p_value == pytest.approx(p)
    assert found.interval == pytest.approx((0.2 - half, 0.2 + half))
    # wider than the fixed-sample interval: the price of being allowed to look every day
    assert found.interval[0] < newcombe_interval(56, 70, 48, 80)[0]


def test_sequential_interval_excludes_zero_exactly_when_p_is_below_alpha() -> None:
    rng = random.Random(3)
    for _ in range(500):
        n1, n2 = rng.randint(5, 5000), rng.randint(5, 5000)
        x1, x2 = rng.randint(0, n1), rng.randint(0, n2)
        found = sequential_difference(x1, n1, x2, n2)
        low, high = found.interval
        assert (low > 0 or high < 0) == (found.p_value < 0.05), (x1, n1, x2, n2)


def test_daily_peeking_keeps_false_wins_rare_with_the_sequential_test() -> None:
    """200 A/A tests (same 10% rate in both arms), looked at after every 50 customers per arm for 60 looks.
    Stopping at the first fixed-sample 'significant' interval wins far more often than 5%; the always-valid
    p-value stays near or under 5%."""
    rng = random.Random(2021)
    fixed_wins = sequential_wins = 0
    for _ in range(200):
        x1 = x2 = n = 0
        fixed = sequential = False
        for _ in range(60):
            x1 += sum(rng.random() < 0.1 for _ in range(50))
            x2 += sum(rng.random() < 0.1 for _ in range(50))
            n += 50
            low, high = newcombe_interval(x1, n, x2, n)
            fixed = fixed or low > 0 or high < 0
            sequential = sequential or sequential_difference(x1, n, x2, n).p_value < 0.05
        fixed_wins += fixed
        sequential_wins += sequential
    assert fixed_wins >= 40  # peeking at a fixed-sample interval: 20% or more false wins
    assert sequential_wins <= 14  # at most 7%: 5% plus Monte Carlo noise over 200 runs
