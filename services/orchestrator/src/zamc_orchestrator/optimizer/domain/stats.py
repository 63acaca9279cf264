"""Posteriors the optimiser reasons with: Beta-Binomial rates, value per conversion, conversion lag.

Everything here is pure and deterministic given a `numpy.random.Generator`.

- `BetaPosterior`: a rate (CTR = clicks / impressions, conversion rate = conversions / clicks)
  with a Beta prior; conjugate update with (successes, trials). Trials may be fractional: the
  conversion rate's trials are *matured* clicks (see `maturity`).
- `ValuePerConversion`: the mean value of one conversion, a normal posterior on the mean with
  a prior worth `prior_conversions` conversions and a coefficient of variation estimated from
  the hourly dispersion of values.
- `maturity`/`estimate_lag_hours`: conversions arrive hours after the click, so a recent hour's
  conversions are incomplete. The share reported after `age` hours is 1 - exp(-age / tau); tau
  is estimated per platform by maximum likelihood from the age profile of conversions per click
  (hours of every age are in one snapshot), shrunk towards a configured prior.
- `probability_to_beat` / `expected_loss`: A/B statistics from posterior draws.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats as sps


@dataclass(frozen=True, slots=True)
class BetaPosterior:
    alpha: float
    beta: float

    @classmethod
    def update(
        cls, *, successes: float, trials: float, prior_alpha: float = 1.0, prior_beta: float = 1.0
    ) -> BetaPosterior:
        successes = max(float(successes), 0.0)
        trials = max(float(trials), successes)
        return cls(prior_alpha + successes, prior_beta + trials - successes)

    @classmethod
    def prior_from_mean(cls, mean: float, strength: float) -> BetaPosterior:
        """A prior with the given mean worth `strength` pseudo-trials."""
        mean = min(max(mean, 1e-9), 1 - 1e-9)
        return cls(mean * strength, (1 - mean) * strength)

    def observe(self, *, successes: float, trials: float) -> BetaPosterior:
        return BetaPosterior.update(
            successes=successes, trials=trials, prior_alpha=self.alpha, prior_beta=self.beta
        )

    @property
    def mean(self) -> float:
        return self.alpha / (self.alpha + self.beta)

    @property
    def sd(self) -> float:
        a, b = self.alpha, self.beta
        return math.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)))

    def interval(self, level: float = 0.9) -> tuple[float, float]:
        tail = (1 - level) / 2
        return float(sps.beta.ppf(tail, self.alpha, self.beta)), float(
            sps.beta.ppf(1 - tail, self.alpha, self.beta)
        )

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.beta(self.alpha, self.beta, size)


@dataclass(frozen=True, slots=True)
class ValuePerConversion:
    """Normal posterior of the mean value of a conversion (micros)."""

    mean: float
    sd: float
    conversions: float

    @classmethod
    def update(
        cls,
        *,
        values_micros: Sequence[float],
        conversions: Sequence[float],
        prior_mean: float,
        prior_conversions: float = 2.0,
        prior_cv: float = 0.5,
    ) -> ValuePerConversion:
        """`values_micros[i]` is the value of `conversions[i]` conversions (one hour each)."""
        value = np.asarray(values_micros, dtype=float)
        count = np.asarray(conversions, dtype=float)
        n = float(count.sum())
        total = float(value.sum())
        weight = prior_conversions + n
        mean = (prior_conversions * prior_mean + total) / weight if weight > 0 else prior_mean
        cv = prior_cv
        informative = count >= 0.5  # an hour's mean value is only worth reading with a conversion in it
        if informative.sum() >= 3 and n > 0 and mean > 0:
            per_hour = value[informative] / count[informative]
            # hour means have variance sigma^2 / n_h: pool the scaled squared deviations
            sigma2 = float(np.sum(count[informative] * (per_hour - total / n) ** 2)) / (informative.sum() - 1)
            dof = informative.sum() - 1
            cv2 = (sigma2 / mean**2 * dof + prior_cv**2 * 3) / (dof + 3)
            cv = min(max(math.sqrt(cv2), 0.05), 3.0) if math.isfinite(cv2) else prior_cv
        sd = cv * abs(mean) / math.sqrt(max(weight, 1e-9))
        return cls(mean=mean, sd=sd, conversions=n)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return np.maximum(rng.normal(self.mean, self.sd, size), 0.0)

    def interval(self, level: float = 0.9) -> tuple[float, float]:
        z = float(sps.norm.ppf(0.5 + level / 2))
        return max(self.mean - z * self.sd, 0.0), self.mean + z * self.sd


def maturity(age_hours: np.ndarray | float, lag_hours: float) -> np.ndarray | float:
    """Share of an hour's eventual conversions reported `age_hours` after the hour started."""
    age = np.maximum(np.asarray(age_hours, dtype=float), 0.0)
    return 1.0 - np.exp(-age / max(lag_hours, 1e-6))


LAG_GRID = np.exp(np.linspace(math.log(1.0), math.log(500.0), 80))


def estimate_lag_hours(
    groups: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray]],
    *,
    prior_hours: float,
    prior_log_sd: float = 0.5,
) -> float:
    """Maximum a posteriori mean conversion lag from (clicks, conversions, age_hours) per campaign.

    Each campaign has its own conversion rate (profiled out); hours of different ages tell how
    much of an hour's conversions have arrived. Conversions ~ Poisson(clicks * rate * maturity).
    """
    log_post = -0.5 * ((np.log(LAG_GRID) - math.log(prior_hours)) / prior_log_sd) ** 2
    for clicks, conversions, ages in groups:
        if conversions.sum() <= 0 or clicks.sum() <= 0:
            continue
        shares = 1.0 - np.exp(-np.maximum(ages, 0.0)[None, :] / LAG_GRID[:, None])  # (grid, hours)
        exposure = shares @ clicks
        rate = conversions.sum() / np.maximum(exposure, 1e-12)
        with np.errstate(divide="ignore"):
            log_share = np.where(conversions[None, :] > 0, np.log(np.maximum(shares, 1e-300)), 0.0)
        log_post = log_post + log_share @ conversions + conversions.sum() * np.log(rate) - rate * exposure
    return float(LAG_GRID[int(np.argmax(log_post))])


def probability_to_beat(samples: np.ndarray) -> np.ndarray:
    """P(arm is best) per arm from posterior draws of shape (draws, arms)."""
    best = np.argmax(samples, axis=1)
    return np.bincount(best, minlength=samples.shape[1]) / samples.shape[0]


def expected_loss(samples: np.ndarray) -> np.ndarray:
    """E[max over arms - arm] per arm: what choosing the arm costs if another is better."""
    return np.mean(samples.max(axis=1, keepdims=True) - samples, axis=0)


def prob_b_beats_a(a: BetaPosterior, b: BetaPosterior) -> float:
    """Exact P(p_b > p_a) for Beta posteriors with integer B parameter (Evan Miller's formula)."""
    from scipy.special import betaln

    alpha_a, beta_a, alpha_b, beta_b = a.alpha, a.beta, b.alpha, b.beta
    if not float(alpha_b).is_integer():
        raise ValueError("alpha of b must be an integer")
    total = 0.0
    for i in range(int(alpha_b)):
        total += math.exp(
            betaln(alpha_a + i, beta_a + beta_b)
            - math.log(beta_b + i)
            - betaln(1 + i, beta_b)
            - betaln(alpha_a, beta_a)
        )
    return total
