"""Hill saturation curves: how a campaign's daily impressions (and so its value) respond to spend.

    response(spend) = top * spend^h / (spend^h + half^h)

`half` is the spend at which half of the saturation level `top` is reached; `h` shapes the
curve (h > 1: S-shaped, increasing returns at first; h <= 1: diminishing returns throughout).

A campaign's value per day at budget B is value_per_impression * impressions(B): the curve's
shape is learnt from impressions (thousands per day, reported without lag, so precise) and its
scale from the Beta-Binomial funnel (CTR, conversion rate, value per conversion). `ReachPosterior`
is the Bayesian fit of that shape: a grid over (log half, h) with the level integrated
analytically, from which Thompson sampling draws whole curves.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import least_squares


def hill(spend: np.ndarray | float, top: np.ndarray | float, half: np.ndarray | float, h: np.ndarray | float):
    spend = np.maximum(np.asarray(spend, dtype=float), 0.0)
    # top * s^h / (s^h + k^h) = top / (1 + (k/s)^h), stable for large exponents; k/0 = inf gives 0
    with np.errstate(over="ignore", divide="ignore"):
        ratio = np.where(spend > 0, np.asarray(half, dtype=float) / np.maximum(spend, 1e-300), np.inf)
        return np.asarray(top, dtype=float) / (1.0 + ratio ** np.asarray(h, dtype=float))


def hill_marginal(spend, top, half, h):
    """d response / d spend."""
    spend = np.maximum(np.asarray(spend, dtype=float), 1e-12)
    r = (np.asarray(half, dtype=float) / spend) ** np.asarray(h, dtype=float)
    return np.asarray(top) * np.asarray(h) * r / (spend * (1.0 + r) ** 2)


@dataclass(frozen=True, slots=True)
class HillCurve:
    top: float
    half: float
    h: float

    def __call__(self, spend):
        return hill(spend, self.top, self.half, self.h)

    def marginal(self, spend):
        return hill_marginal(spend, self.top, self.half, self.h)


def fit_hill(spend: Sequence[float], response: Sequence[float]) -> HillCurve:
    """Least-squares Hill fit (relative errors) of response to spend; needs >= 3 distinct spends."""
    x = np.asarray(spend, dtype=float)
    y = np.asarray(response, dtype=float)
    keep = (x > 0) & (y > 0)
    x, y = x[keep], y[keep]
    if len(np.unique(x)) < 3:
        raise ValueError("a Hill curve needs responses at three or more distinct spends")
    scale_x, scale_y = float(np.median(x)), float(np.max(y))
    xs, ys = x / scale_x, y / scale_y

    def residuals(p: np.ndarray) -> np.ndarray:
        top, half, h = np.exp(p)
        return np.log(hill(xs, top, half, h)) - np.log(ys)

    best = None
    for half0 in (0.5, 1.0, 3.0, 10.0):
        for h0 in (0.8, 1.2, 2.0):
            start = np.log([2.0, half0, h0])
            result = least_squares(residuals, start, method="lm", xtol=1e-14, ftol=1e-14, gtol=1e-14)
            if best is None or result.cost < best.cost:
                best = result
    top, half, h = np.exp(best.x)
    return HillCurve(top=float(top * scale_y), half=float(half * scale_x), h=float(h))


# ----- Bayesian fit of a campaign's reach curve ------------------------------------------------
HALF_GRID = np.linspace(-1.0, 7.0, 33)  # log(half / reference spend)
H_GRID = np.linspace(0.5, 1.8, 14)


@dataclass(frozen=True, slots=True)
class ReachPoint:
    """Impressions and cost delivered while the daily budget was `budget_micros`."""

    budget_micros: float
    impressions: float
    cost_micros: float


@dataclass(frozen=True)
class ReachPosterior:
    """Posterior over daily impressions(B) = top * B^h / (B^h + half^h), on a grid."""

    reference_micros: float
    weights: np.ndarray  # (half, h) posterior probabilities
    level_mean: np.ndarray  # (half, h) posterior mean of log(top)
    level_sd: np.ndarray  # (half, h)
    points: int

    @classmethod
    def fit(
        cls,
        points: Sequence[ReachPoint],
        *,
        reference_micros: float,
        prior_half_log_ratio: float = math.log(10.0),
        prior_half_log_sd: float = 1.5,
        prior_h_mean: float = 1.0,
        prior_h_sd: float = 0.25,
        overdispersion: float = 0.05,
        fallback_impressions_per_micro: float = 1e-4,
    ) -> ReachPosterior:
        """Without usable points the level comes from `fallback_impressions_per_micro` (e.g. the
        portfolio's), loosely (sd 1 in log), and the shape from the prior."""
        logk = HALF_GRID[:, None]
        h = H_GRID[None, :]
        log_prior = (
            -0.5 * ((logk - prior_half_log_ratio) / prior_half_log_sd) ** 2
            - 0.5 * ((h - prior_h_mean) / prior_h_sd) ** 2
        )
        usable = [p for p in points if p.impressions > 0 and p.cost_micros > 0 and p.budget_micros > 0]
        if not usable:
            weights = np.exp(log_prior - log_prior.max())
            # level such that impressions per micro at the reference spend is the fallback
            logk2 = np.broadcast_to(logk, log_prior.shape)
            hh2 = np.broadcast_to(h, log_prior.shape)
            shape_at_reference = -np.logaddexp(0.0, hh2 * logk2)  # x = 1
            level = (
                math.log(max(fallback_impressions_per_micro, 1e-12) * reference_micros) - shape_at_reference
            )
            return cls(reference_micros, weights / weights.sum(), level, np.ones(log_prior.shape), 0)
        x = np.array([p.budget_micros for p in usable]) / reference_micros
        y = np.log(np.array([p.impressions / p.cost_micros for p in usable]) * reference_micros)
        w = 1.0 / (1.0 / np.array([p.impressions for p in usable]) + overdispersion**2)
        logx = np.log(x)[None, None, :]
        k = np.exp(HALF_GRID)[:, None, None]
        hh = H_GRID[None, :, None]
        # x = B / reference, k = half / reference:
        # log(impressions per micro * reference) = log(top) + (h-1) log x - log(x^h + k^h)
        shape_term = (hh - 1) * logx - np.logaddexp(hh * logx, hh * np.log(k))
        resid0 = y[None, None, :] - shape_term
        wsum = w.sum()
        level = (resid0 * w).sum(axis=2) / wsum
        sse = (w * (resid0 - level[:, :, None]) ** 2).sum(axis=2)
        log_post = log_prior - 0.5 * sse
        weights = np.exp(log_post - log_post.max())
        return cls(
            reference_micros,
            weights / weights.sum(),
            level,
            np.full(level.shape, 1 / math.sqrt(wsum)),
            len(usable),
        )

    def sample(self, rng: np.random.Generator, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """`size` draws of (top, half, h) in impressions and micros."""
        flat = rng.choice(self.weights.size, size=size, p=self.weights.ravel())
        i, j = np.unravel_index(flat, self.weights.shape)
        level = rng.normal(self.level_mean[i, j], self.level_sd[i, j])
        top = np.exp(level)
        return top, np.exp(HALF_GRID[i]) * self.reference_micros, H_GRID[j]

    def map_curve(self) -> HillCurve:
        i, j = np.unravel_index(int(np.argmax(self.weights)), self.weights.shape)
        return HillCurve(
            top=float(math.exp(self.level_mean[i, j])),
            half=float(math.exp(HALF_GRID[i]) * self.reference_micros),
            h=float(H_GRID[j]),
        )
