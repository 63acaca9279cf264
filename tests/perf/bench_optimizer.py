"""Optimiser benchmark: static even split vs ZAMC autopilot vs an oracle, on the market simulator.

For each seed a portfolio of campaigns on Google Ads and Meta (hidden true Hill response curves)
runs 30 simulated days with a fixed total daily budget under three policies:

- static: the total split evenly, never changed (what a user does by hand);
- autopilot: starts from the even split; every evaluation interval (hourly, the service's
  `evaluation_interval_seconds`) it reads what the platforms report (lagged, provisional
  conversions included), fits the optimiser's posteriors and applies the budget step from
  `plan_budgets` inside the guardrails (a campaign changes at most once per cool-down), exactly
  as the service's autopilot does;
- oracle: knows the true curves and allocates the total optimally from day one.

ROAS is the simulator's ground truth (every conversion the attribution windows will ever
credit) over the 30 days; `spent` is the autopilot's spend as a share of the static split's: the
autopilot never raises the daily budgets' sum, and a step whose cuts the raises do not take in
full leaves money unspent. Spending less on the weakest campaigns alone raises ROAS, so compare
ROAS figures only at a similar `spent`. Run: `make bench-optimizer` (options: --seeds,
--seed-list, --days, --campaigns).

The autopilot runs with the service's own settings (`OptimizerSettings()`, so the same
`ZAMC_ORCHESTRATOR_OPTIMIZER_*` variables apply). Hours settle only after analytics' restatement
windows (14 days on Google Ads, 28 on Meta), but an hour is *mature* once it is older than its
platform's typical conversion lag (`maturity_hours_*`: 72 h on Google Ads and on Meta by
default). By default the service does not act on a campaign with no mature hour yet;
`--allow-provisional` shows what acting on provisional data from day one would give.
Every setting that differs from the service's default is printed with the figures.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import timedelta

import numpy as np

from zamc_orchestrator.optimizer.config import OptimizerSettings
from zamc_orchestrator.optimizer.domain.budgets import plan_budgets
from zamc_orchestrator.optimizer.domain.guardrails import ProjectBudget
from zamc_orchestrator.optimizer.domain.model import CampaignHistory, CampaignKey, HourRow, fit_portfolio
from zamc_sandbox.market import Market, build_portfolio

HOUR = timedelta(hours=1)
PLATFORM = {"google": "google_ads", "meta": "meta"}
SETTLE_DAYS = {"google_ads": 14, "meta": 28}  # analytics-ingest's restatement windows


@dataclass
class Result:
    seed: int
    static: float
    autopilot: float
    oracle: float
    changes: int
    spent: float  # the autopilot's spend / the static split's spend


def oracle_allocation(curves: list, total: float, units: int = 500) -> list[float]:
    """Exact optimum of sum value_i(b_i) with sum b_i = total on a grid of `units` steps (DP)."""
    unit = total / units
    values = np.array([[c.conversions_value_micros(k * unit) for k in range(units + 1)] for c in curves])
    best = values[0].copy()
    choices = []
    idx = np.arange(units + 1)
    for row in values[1:]:
        k = idx[None, :]
        j = idx[:, None]
        candidates = np.where(k <= j, best[np.clip(j - k, 0, units)] + row[k], -np.inf)
        choices.append(candidates.argmax(axis=1))
        best = candidates.max(axis=1)
    alloc = [0] * len(curves)
    j = units
    for i in range(len(curves) - 1, 0, -1):
        k = int(choices[i - 1][j])
        alloc[i] = k
        j -= k
    alloc[0] = j
    return [a * unit for a in alloc]


def realised(market: Market, ids: list[str], start, end) -> tuple[float, int]:
    """ROAS and spend (micros) of the campaigns from start to end."""
    value = cost = 0
    for cid in ids:
        totals = market.truth(cid, start, end)
        value += totals.conversions_value_micros
        cost += totals.cost_micros
    return (value / cost if cost else 0.0), cost


def new_market(seed: int, per_platform: int):
    market = Market(seed=seed)
    campaigns = build_portfolio(market, campaigns_per_platform=per_platform)
    return market, [c.campaign_id for c in campaigns], [c.platform.value for c in campaigns]


def run_static(seed: int, per_platform: int, total: int, days: int) -> tuple[float, int]:
    market, ids, _ = new_market(seed, per_platform)
    start = market.clock.now()
    for cid in ids:
        market.set_daily_budget(cid, total // len(ids))
    market.step(days=days)
    return realised(market, ids, start, market.clock.now())


def run_oracle(seed: int, per_platform: int, total: int, days: int) -> float:
    market, ids, _ = new_market(seed, per_platform)
    start = market.clock.now()
    allocation = oracle_allocation([market.response_curve(cid) for cid in ids], total)
    for cid, budget in zip(ids, allocation, strict=True):
        market.set_daily_budget(cid, int(budget))
        if budget <= 0:
            market.set_active(cid, False)
    market.step(days=days)
    return realised(market, ids, start, market.clock.now())[0]


def run_autopilot(
    seed: int, per_platform: int, total: int, days: int, settings: OptimizerSettings, cadence_hours: float
) -> tuple[float, int, int]:
    market, ids, platforms = new_market(seed, per_platform)
    start = market.clock.now()
    guard = settings.guardrails()
    base = settings.priors()
    rng = np.random.default_rng(seed)
    histories: dict[str, CampaignHistory] = {}
    for cid, platform in zip(ids, platforms, strict=True):
        budget = total // len(ids)
        market.set_daily_budget(cid, budget)
        histories[cid] = CampaignHistory(
            key=CampaignKey(PLATFORM[platform], f"{platform}-account", cid),
            currency="EUR",
            daily_budget_micros=budget,
            budgets=[(start, budget)],
        )
    changes = 0
    cadence = timedelta(hours=cadence_hours)
    decision = start + cadence
    while decision < start + timedelta(days=days):
        market.step(hours=(decision - market.clock.now()) / HOUR)
        now = market.clock.now()
        for cid, history in histories.items():
            reported = market.reported_by_hour(cid, start, now)
            settle = timedelta(days=SETTLE_DAYS[history.key.platform])
            history.hours = [
                HourRow(
                    hour_start=hour,
                    impressions=t.impressions,
                    clicks=t.clicks,
                    cost_micros=t.cost_micros,
                    conversions=float(t.conversions),
                    value_micros=t.conversions_value_micros,
                    settled=now >= hour + HOUR + settle,
                )
                for hour, t in reported.items()
            ]
        ordered = [histories[cid] for cid in ids]
        models = fit_portfolio(ordered, now=now, base=base)
        plan = plan_budgets(
            histories=ordered,
            models=models,
            guard=guard,
            project=ProjectBudget(daily_cap_micros=total),
            now=now,
            rng=rng,
            draws=settings.thompson_draws,
        )
        if plan is not None:
            if plan.violations:
                raise AssertionError(f"the planner broke a guardrail: {plan.violations}")
            for change in plan.changes:
                history = histories[change.key.campaign_id]
                market.set_daily_budget(change.key.campaign_id, change.new_micros)
                history.daily_budget_micros = change.new_micros
                history.budgets.append((now, change.new_micros))
                history.last_changed_at = now
                changes += 1
        decision += cadence
    market.step(hours=(start + timedelta(days=days) - market.clock.now()) / HOUR)
    roas, spent = realised(market, ids, start, market.clock.now())
    return roas, changes, spent


def run_seed(args: tuple[int, int, int, int, OptimizerSettings, float]) -> Result:
    seed, per_platform, total, days, settings, cadence_hours = args
    autopilot, changes, spent = run_autopilot(seed, per_platform, total, days, settings, cadence_hours)
    static, static_spent = run_static(seed, per_platform, total, days)
    return Result(
        seed=seed,
        static=static,
        autopilot=autopilot,
        oracle=run_oracle(seed, per_platform, total, days),
        changes=changes,
        spent=spent / static_spent,
    )


def non_default_settings(settings: OptimizerSettings) -> dict[str, object]:
    return {
        name: getattr(settings, name)
        for name, field in OptimizerSettings.model_fields.items()
        if getattr(settings, name) != field.default
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument(
        "--seed-list", type=int, nargs="+", help="run exactly these seeds (instead of --seeds/--first-seed)"
    )
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--campaigns", type=int, default=5, help="campaigns per platform")
    parser.add_argument("--daily-budget", type=float, default=500.0, help="total daily budget, EUR")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--cadence-hours",
        type=float,
        help="hours between autopilot runs (default: the service's evaluation interval, 1 h)",
    )
    parser.add_argument(
        "--allow-provisional",
        action="store_true",
        help="act on provisional-only data (not the service's default)",
    )
    options = parser.parse_args(argv)
    settings = OptimizerSettings(allow_provisional=True) if options.allow_provisional else OptimizerSettings()
    default_cadence = settings.evaluation_interval_seconds / 3600
    if options.cadence_hours is None:
        options.cadence_hours = default_cadence
    total = int(options.daily_budget * 1_000_000)
    started = time.perf_counter()
    seeds = options.seed_list or list(range(options.first_seed, options.first_seed + options.seeds))
    jobs = [(seed, options.campaigns, total, options.days, settings, options.cadence_hours) for seed in seeds]
    print(
        f"optimiser benchmark: {len(seeds)} seeds, {2 * options.campaigns} campaigns "
        f"({options.campaigns} Google Ads + {options.campaigns} Meta), {options.days} days, "
        f"{options.daily_budget:.0f} EUR/day in total"
    )
    differing = non_default_settings(settings)
    if differing:
        print("settings that differ from the service's defaults:")
        for name, value in differing.items():
            why = (
                "--allow-provisional: act before any hour has settled"
                if name == "allow_provisional" and options.allow_provisional
                else "set by ZAMC_ORCHESTRATOR_OPTIMIZER_* in the environment"
            )
            print(f"  {name} = {value!r} (default {OptimizerSettings.model_fields[name].default!r}): {why}")
    else:
        print("settings: the service's defaults (OptimizerSettings())")
    if options.cadence_hours != default_cadence:
        print(
            f"  autopilot every {options.cadence_hours:g} h (--cadence-hours; the service evaluates every {default_cadence:g} h)"
        )
    print(
        "hours settle after "
        + ", ".join(f"{days} days on {platform}" for platform, days in SETTLE_DAYS.items())
        + "; mature after "
        + ", ".join(f"{hours:g} h on {platform}" for platform, hours in settings.maturity_hours().items())
    )
    g = settings.guardrails()
    print(
        f"guardrails: max change {g.max_change_fraction:.0%}/step, cool-down {g.cooldown.total_seconds() / 3600:g} h, "
        f"autopilot run every {options.cadence_hours:g} h, "
        f"min data {g.min_impressions} impressions / {g.min_spend_micros / 1e6:.0f} EUR / "
        f"{g.min_conversions:g} conversions, provisional data allowed: {g.allow_provisional}"
    )
    print(
        f"{'seed':>4} {'static':>8} {'autopilot':>10} {'oracle':>8} {'uplift':>8} {'of oracle':>10} {'changes':>8} "
        f"{'spent':>6}"
    )
    with ProcessPoolExecutor(max_workers=options.workers) as pool:
        results = list(pool.map(run_seed, jobs))
    uplifts, shares = [], []
    for r in results:
        uplift = r.autopilot / r.static - 1
        share = r.autopilot / r.oracle
        uplifts.append(uplift)
        shares.append(share)
        print(
            f"{r.seed:>4} {r.static:>8.3f} {r.autopilot:>10.3f} {r.oracle:>8.3f} "
            f"{uplift:>+8.1%} {share:>10.1%} {r.changes:>8} {r.spent:>6.1%}"
        )
    median = statistics.median
    print(
        f"median ROAS: static {median(r.static for r in results):.3f}, autopilot "
        f"{median(r.autopilot for r in results):.3f}, oracle {median(r.oracle for r in results):.3f}; "
        f"the autopilot spent {median(r.spent for r in results):.1%} of what the static split spent (median)"
    )
    print(
        f"median uplift vs static {median(uplifts):+.1%} (target >= +25 %), worst seed {min(uplifts):+.1%} "
        f"(target >= -5 %), median share of oracle {median(shares):.1%} (target >= 80 %)"
    )
    print(f"took {time.perf_counter() - started:.0f} s")
    ok = median(uplifts) >= 0.25 and min(uplifts) >= -0.05 and median(shares) >= 0.80
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
