"""Budget allocation across campaigns and platforms: equalise marginal ROAS inside the guardrails.

For one draw of every campaign's value curve, the best split of a fixed sum of daily budgets
within per-campaign bounds [low, high] is found by Lagrangian relaxation: at a price `lam` per
micro each campaign takes the budget on its grid that maximises value - lam * budget; the price
is bisected until the budgets add up to the sum. At the optimum every campaign that is not at a
bound has the same marginal ROAS (= lam), which is the rule a marketer knows as "move money to
where the next euro earns most".

Thompson sampling explores: each draw is one plausible world from the posterior, its optimal
allocation is computed, and the step taken is the median direction over draws, so a campaign is
moved only when the draws agree, and uncertain campaigns keep receiving the variation that
teaches the optimiser their curve.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from zamc_orchestrator.optimizer.domain.guardrails import BUDGET_STEP_MICROS
from zamc_orchestrator.optimizer.domain.model import CurveDraws

GRID = 21


@dataclass(frozen=True)
class Allocation:
    budgets: np.ndarray  # (n,) integer micros
    per_draw: np.ndarray  # (draws, n) optimal budgets in each posterior draw
    value_delta: np.ndarray  # (draws,) daily value gained by `budgets` over the current budgets
    marginal_roas: np.ndarray  # (draws, n) at the current budgets


def _stack(draws: Sequence[CurveDraws], field: str) -> np.ndarray:
    return np.stack([getattr(d, field) for d in draws], axis=1)  # (M, n)


def value_matrix(draws: Sequence[CurveDraws], budgets: np.ndarray) -> np.ndarray:
    """Daily value of each draw (M) for budgets of shape (n,) or (n, G) -> (M, n) or (M, n, G)."""
    top, half, h = _stack(draws, "top"), _stack(draws, "half"), _stack(draws, "h")
    vpi, util = _stack(draws, "value_per_impression"), _stack(draws, "utilisation")
    if budgets.ndim == 2:
        top, half, h, vpi, util = (a[:, :, None] for a in (top, half, h, vpi, util))
        spend = budgets[None, :, :] * util
    else:
        spend = budgets[None, :] * util
    with np.errstate(divide="ignore", over="ignore"):
        ratio = np.where(spend > 0, half / np.maximum(spend, 1e-300), np.inf)
        return vpi * top / (1.0 + ratio**h)


def optimal_per_draw(values: np.ndarray, grid: np.ndarray, total: float, iterations: int = 50) -> np.ndarray:
    """values (M, n, G) at budgets grid (n, G); returns (M, n) budgets summing to `total` per draw."""
    m = values.shape[0]
    # the price bracket: marginal values per micro over the grid
    spans = np.maximum(grid[:, -1] - grid[:, 0], 1.0)
    slope = np.abs(values[:, :, -1] - values[:, :, 0]) / spans
    lam_hi = np.full(m, max(float(slope.max()) * 4, 1e-12) + 1.0)
    lam_lo = np.full(m, -lam_hi)

    def pick(lam: np.ndarray) -> np.ndarray:
        objective = values - lam[:, None, None] * grid[None, :, :]
        idx = objective.argmax(axis=2)
        return np.take_along_axis(np.broadcast_to(grid, values.shape), idx[:, :, None], axis=2)[:, :, 0]

    for _ in range(iterations):
        mid = (lam_lo + lam_hi) / 2
        above = pick(mid).sum(axis=1) > total
        lam_lo = np.where(above, mid, lam_lo)
        lam_hi = np.where(above, lam_hi, mid)
    low_alloc, high_alloc = pick(lam_hi), pick(lam_lo)  # sum(low) <= total <= sum(high)
    s_low, s_high = low_alloc.sum(axis=1), high_alloc.sum(axis=1)
    theta = np.where(s_high > s_low, (total - s_low) / np.maximum(s_high - s_low, 1e-9), 0.0)
    return low_alloc + np.clip(theta, 0.0, 1.0)[:, None] * (high_alloc - low_alloc)


def allocate(
    *,
    current: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    draws: Sequence[CurveDraws],
    total: int,
) -> Allocation:
    """Next daily budgets (integer micros, whole cents) within [low, high], summing to <= total.

    `current`, `low`, `high` are (n,) micros with low <= current <= high; `draws` one CurveDraws
    per campaign with the same number of draws each.
    """
    current = np.asarray(current, dtype=float)
    low = np.asarray(low, dtype=float)
    high = np.asarray(high, dtype=float)
    n = len(current)
    grid = np.linspace(low, high, GRID, axis=1)  # (n, G)
    grid = np.concatenate([grid, current[:, None]], axis=1)
    grid.sort(axis=1)
    values = value_matrix(draws, grid)
    fixed = high <= low
    total = float(min(total, high.sum()))
    per_draw = optimal_per_draw(values, grid, total)
    # the step: per campaign the median over draws, then made to add up (decreases fund increases)
    target = np.median(per_draw, axis=0)
    target = np.where(fixed, current, np.clip(target, low, high))
    budgets = _balance(current, target, low, high, total)
    now_values = value_matrix(draws, current)
    new_values = value_matrix(draws, budgets.astype(float))
    marginal = np.stack([d.marginal_roas(c) for d, c in zip(draws, current, strict=True)], axis=1)
    del n
    return Allocation(
        budgets=budgets,
        per_draw=per_draw,
        value_delta=(new_values - now_values).sum(axis=1),
        marginal_roas=marginal,
    )


def _balance(
    current: np.ndarray, target: np.ndarray, low: np.ndarray, high: np.ndarray, total: float
) -> np.ndarray:
    """Whole-cent budgets near `target`: decreases rounded up, increases paid only from what is freed
    (plus any room under `total`), so the sum never grows past max(sum(current), total)."""
    step = BUDGET_STEP_MICROS
    cur = current.astype(np.int64)
    down = target < current
    new = cur.copy()
    new[down] = np.maximum(np.ceil(target[down] / step).astype(np.int64) * step, low[down].astype(np.int64))
    new[down] = np.minimum(new[down], cur[down])
    freed = int((cur - new).sum()) + max(int(total) - int(cur.sum()), 0)
    wants = np.where(target > current, target - current, 0.0)
    want_total = wants.sum()
    if want_total > 0 and freed > 0:
        scale = min(1.0, freed / want_total)
        raise_by = np.floor(wants * scale / step).astype(np.int64) * step
        new = new + raise_by
        new = np.minimum(new, np.maximum(high.astype(np.int64), cur))
    return new
