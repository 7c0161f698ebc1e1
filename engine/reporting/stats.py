"""The statistics of a report, as pure functions of counts (no database, no I/O), each with its reference.

- `wilson_interval`: the score interval of one proportion (Wilson 1927), the building block of
- `newcombe_interval`: the 95% interval of a difference of two independent proportions by Newcombe's hybrid
  score method ("method 10" of Newcombe 1998, Statistics in Medicine 17:873-890). It keeps its coverage for
  small groups and rates near 0 or 1, where the textbook Wald interval collapses (a holdout with zero
  conversions has a Wald width of 0).
- `sample_size_per_group`: customers needed to detect a given difference with 80% power at a two-sided 5%
  level (Fleiss, Levin & Paik, Statistical Methods for Rates and Proportions, 3rd ed. 2003, eq. 4.14, without
  continuity correction), for unequal groups such as a 10% holdout.
- `chi_squared_test`: Pearson's chi-squared test of independence on a k x 2 table (variants x converted or
  not), with the exact survival function of the chi-squared distribution for integer degrees of freedom.
- `sequential_difference`: an always-valid p-value and confidence sequence for the difference, so a marketer
  who looks at the report every day and stops at the first "significant" result still has at most a 5% chance
  of a false win. It is the mixture sequential probability ratio test with a normal mixture over the effect
  (Robbins 1970; Johari, Pekelis & Walsh, "Always Valid Inference: Continuous Monitoring of A/B Tests",
  Operations Research 70(3), 2022), whose confidence sequence is the two-sided normal-mixture boundary of
  Howard, Ramdas, McAuliffe & Sekhon, "Time-uniform, nonparametric, nonasymptotic confidence sequences",
  Annals of Statistics 49(2), 2021, eq. (14). See docs/reporting.md for the derivation in our notation.

Everything here takes and returns plain numbers, so it is tested against published worked examples.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

Z95 = NormalDist().inv_cdf(0.975)  # 1.959963984540054
MIXTURE_SD = 0.05
"""Standard deviation of the normal mixture over the true difference in the sequential test: effects of a few
percentage points, typical of email, get the most power. Fixed in advance: choosing it from the data would
break the guarantee."""


def wilson_interval(successes: int, trials: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of successes/trials; (0, 1) when there are no trials."""
    if trials == 0:
        return 0.0, 1.0
    p = successes / trials
    denominator = trials + z * z
    centre = (successes + z * z / 2) / denominator
    half = z * math.sqrt(trials) / denominator * math.sqrt(p * (1 - p) + z * z / (4 * trials))
    return max(0.0, centre - half), min(1.0, centre + half)


def newcombe_interval(x1: int, n1: int, x2: int, n2: int, z: float = Z95) -> tuple[float, float]:
    """The hybrid score interval of p1 - p2 (Newcombe 1998, method 10), from the two Wilson intervals:

        L = d - sqrt((p1 - l1)^2 + (u2 - p2)^2),   U = d + sqrt((u1 - p1)^2 + (p2 - l2)^2)
    """
    if n1 == 0 or n2 == 0:
        raise ValueError("both groups need at least one customer")
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson_interval(x1, n1, z)
    l2, u2 = wilson_interval(x2, n2, z)
    d = p1 - p2
    return d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2), d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)


def sample_size_per_group(
    p1: float, p2: float, ratio: float = 1.0, alpha: float = 0.05, power: float = 0.8
) -> tuple[int, int] | None:
    """(n1, n2) customers needed to tell rates p1 and p2 apart, with n2 = ratio * n1; None when p1 == p2
    (no difference is detectable with any sample). Fleiss et al. 2003 eq. 4.14, no continuity correction:

        n1 = [z_a sqrt(pbar qbar (1 + 1/r)) + z_b sqrt(p1 q1 + p2 q2 / r)]^2 / (p1 - p2)^2
    """
    if p1 == p2 or ratio <= 0:
        return None
    z_alpha = NormalDist().inv_cdf(1 - alpha / 2)
    z_beta = NormalDist().inv_cdf(power)
    pbar = (p1 + ratio * p2) / (1 + ratio)
    root = (z_alpha * math.sqrt(pbar * (1 - pbar) * (1 + 1 / ratio))
            + z_beta * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2) / ratio))
    n1 = math.ceil(root * root / (p1 - p2) ** 2)
    return n1, math.ceil(n1 * ratio)


def chi_squared_sf(x: float, df: int) -> float:
    """P(X >= x) for X ~ chi-squared with integer `df`, by the closed forms (Abramowitz & Stegun 26.4.4/5):
    even df: exp(-x/2) sum_{i<df/2} (x/2)^i / i!;  odd df: erfc(sqrt(x/2)) + 2 phi(sqrt x) sum of odd terms."""
    if df < 1:
        raise ValueError("degrees of freedom must be at least 1")
    if x <= 0:
        return 1.0
    if df % 2 == 0:
        term = total = math.exp(-x / 2)
        for i in range(1, df // 2):
            term *= (x / 2) / i
            total += term
        return min(1.0, total)
    root = math.sqrt(x)
    total = math.erfc(root / math.sqrt(2))
    term = 2 * math.exp(-x / 2) / math.sqrt(2 * math.pi) * root  # 2 phi(sqrt x) * x^(1/2) / 1
    for i in range(1, (df - 1) // 2 + 1):
        total += term
        term *= x / (2 * i + 1)
    return min(1.0, total)


@dataclass(frozen=True)
class ChiSquared:
    statistic: float
    df: int
    p_value: float
    min_expected: float
    """The smallest expected cell count: below 5 the test's approximation is not trusted (Cochran 1954)."""


def chi_squared_test(groups: list[tuple[int, int]]) -> ChiSquared | None:
    """Pearson's chi-squared test that conversion does not depend on the group, over (converted, customers)
    pairs; None with fewer than two non-empty groups or when nobody (or everybody) converted."""
    groups = [(x, n) for x, n in groups if n > 0]
    total_n = sum(n for _, n in groups)
    total_x = sum(x for x, _ in groups)
    if len(groups) < 2 or total_x == 0 or total_x == total_n:
        return None
    rate = total_x / total_n
    statistic, smallest = 0.0, math.inf
    for x, n in groups:
        for observed, expected in ((x, n * rate), (n - x, n * (1 - rate))):
            statistic += (observed - expected) ** 2 / expected
            smallest = min(smallest, expected)
    df = len(groups) - 1
    return ChiSquared(statistic, df, chi_squared_sf(statistic, df), smallest)


@dataclass(frozen=True)
class Sequential:
    p_value: float
    interval: tuple[float, float]


def sequential_difference(
    x1: int, n1: int, x2: int, n2: int, alpha: float = 0.05, mixture_sd: float = MIXTURE_SD
) -> Sequential:
    """Always-valid p-value of "p1 == p2" and (1 - alpha) confidence sequence of p1 - p2.

    With d the observed difference, I = 1 / se^2 its information and rho = 1 / mixture_sd^2, the mixture
    likelihood ratio is  Lambda = sqrt(rho / (I + rho)) exp(S^2 / (2 (I + rho))),  S = d I;  the p-value is
    min(1, 1 / Lambda) and the interval is  d +- sqrt((I + rho) log((I + rho) / (rho alpha^2))) / I.  By Ville's
    inequality the chance that the p-value ever drops below alpha, at any of any number of looks, is at most
    alpha (asymptotically, as the estimate is close to normal). The variance uses half-count adjusted rates,
    (x + 0.5) / (n + 1), so a group with no conversions does not claim zero variance. The interval is clipped
    to [-1, 1], where a difference of two rates lies (which keeps its coverage).
    """
    if n1 == 0 or n2 == 0:
        raise ValueError("both groups need at least one customer")
    d = x1 / n1 - x2 / n2
    a1, a2 = (x1 + 0.5) / (n1 + 1), (x2 + 0.5) / (n2 + 1)
    information = 1 / (a1 * (1 - a1) / n1 + a2 * (1 - a2) / n2)
    rho = 1 / mixture_sd ** 2
    s = d * information
    log_lambda = 0.5 * math.log(rho / (information + rho)) + s * s / (2 * (information + rho))
    p_value = 1.0 if log_lambda <= 0 else math.exp(-log_lambda)
    half = math.sqrt((information + rho) * math.log((information + rho) / (rho * alpha * alpha))) / information
    return Sequential(p_value, (max(-1.0, d - half), min(1.0, d + half)))
