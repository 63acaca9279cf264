"""Ads (or ad groups) compared with their siblings: pause the credibly worse, resume, conclude A/B tests.

Siblings share a parent (the ads of one ad group, the ad groups of one campaign) and so the same
audience and budget; they differ in creative or targeting. Each is scored by a Beta-Binomial
rate: conversions per impression once the parent has `conversion_floor` conversions, clicks per
impression (CTR) before that. From joint posterior draws:

- P(best) per sibling and the expected loss of each (E[max - it]);
- pause: an active sibling worse than the best with probability >= `pause_probability`, with
  enough data, while another sibling keeps delivering;
- A/B conclusion (stop rule): every active sibling has the minimum data and the leader's
  expected loss is below `ab_expected_loss` of its rate: keep the leader, pause the others;
- resume: a sibling the optimiser paused whose posterior beats the best active sibling's
  recent rate with probability >= `resume_probability`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from zamc_orchestrator.optimizer.domain.stats import BetaPosterior, expected_loss, probability_to_beat


@dataclass(frozen=True, slots=True)
class Sibling:
    object_id: str
    impressions: int
    clicks: int
    conversions: float
    active: bool = True
    paused_by_optimizer: bool = False
    # for a paused sibling the active siblings are judged on their data since the pause
    recent_impressions: int | None = None
    recent_clicks: int | None = None
    recent_conversions: float | None = None


@dataclass(frozen=True)
class SiblingRules:
    min_impressions: int = 2_000
    min_clicks: int = 50
    pause_probability: float = 0.95
    resume_probability: float = 0.5
    ab_expected_loss: float = 0.01
    conversion_floor: float = 30.0
    draws: int = 4_000


@dataclass(frozen=True)
class SiblingDecision:
    kind: str  # pause | resume | ab_winner
    object_ids: list[str]  # to pause (pause, ab_winner) or resume
    keep: str | None  # the sibling kept (the best)
    metric: str  # ctr | conversions_per_impression
    confidence: float
    delta_per_impression: float  # expected rate gain where the moved traffic lands
    low: float
    high: float
    evidence: dict = field(default_factory=dict)


def _posterior(metric: str, impressions: float, clicks: float, conversions: float) -> BetaPosterior:
    successes = clicks if metric == "ctr" else conversions
    return BetaPosterior.update(successes=successes, trials=impressions)


def judge_siblings(
    siblings: Sequence[Sibling], rules: SiblingRules, rng: np.random.Generator
) -> list[SiblingDecision]:
    if len(siblings) < 2:
        return []
    metric = (
        "conversions_per_impression"
        if sum(s.conversions for s in siblings) >= rules.conversion_floor
        else "ctr"
    )
    active = [s for s in siblings if s.active]
    enough = [s for s in active if s.impressions >= rules.min_impressions and s.clicks >= rules.min_clicks]
    decisions: list[SiblingDecision] = []
    if len(active) >= 2 and len(enough) >= 2:
        posts = [_posterior(metric, s.impressions, s.clicks, s.conversions) for s in enough]
        samples = np.stack([p.sample(rng, rules.draws) for p in posts], axis=1)
        p_best = probability_to_beat(samples)
        loss = expected_loss(samples)
        leader = int(np.argmax(p_best))
        evidence = {
            "metric": metric,
            "siblings": [
                {
                    "object_id": s.object_id,
                    "impressions": s.impressions,
                    "clicks": s.clicks,
                    "conversions": round(s.conversions, 3),
                    "rate": round(p.mean, 6),
                    "rate_interval": [round(x, 6) for x in p.interval(0.9)],
                    "probability_to_be_best": round(float(p_best[i]), 4),
                    "expected_loss": float(loss[i]),
                }
                for i, (s, p) in enumerate(zip(enough, posts, strict=True))
            ],
        }
        leader_mean = posts[leader].mean
        stop = len(enough) == len(active) and loss[leader] < rules.ab_expected_loss * leader_mean
        losers = [i for i in range(len(enough)) if i != leader]
        if stop:
            gains = samples[:, leader][:, None] - samples[:, losers]
            gain = gains.mean(axis=1)
            decisions.append(
                SiblingDecision(
                    kind="ab_winner",
                    object_ids=[enough[i].object_id for i in losers],
                    keep=enough[leader].object_id,
                    metric=metric,
                    confidence=float(p_best[leader]),
                    delta_per_impression=float(gain.mean()),
                    low=float(np.quantile(gain, 0.05)),
                    high=float(np.quantile(gain, 0.95)),
                    evidence={
                        **evidence,
                        "stop_rule": f"expected loss of the leader {loss[leader]:.3g} < "
                        f"{rules.ab_expected_loss:g} x its rate {leader_mean:.3g}",
                    },
                )
            )
        else:
            for i in losers:
                worse = float((samples[:, i] < samples[:, leader]).mean())
                if worse >= rules.pause_probability:
                    gain = samples[:, leader] - samples[:, i]
                    decisions.append(
                        SiblingDecision(
                            kind="pause",
                            object_ids=[enough[i].object_id],
                            keep=enough[leader].object_id,
                            metric=metric,
                            confidence=worse,
                            delta_per_impression=float(gain.mean()),
                            low=float(np.quantile(gain, 0.05)),
                            high=float(np.quantile(gain, 0.95)),
                            evidence=evidence,
                        )
                    )
    for paused in [s for s in siblings if not s.active and s.paused_by_optimizer]:
        if not active:
            continue
        recent = [
            _posterior(
                metric,
                s.recent_impressions if s.recent_impressions is not None else s.impressions,
                s.recent_clicks if s.recent_clicks is not None else s.clicks,
                s.recent_conversions if s.recent_conversions is not None else s.conversions,
            )
            for s in active
        ]
        if any(r.alpha + r.beta < rules.min_impressions for r in recent):
            continue
        mine = _posterior(metric, paused.impressions, paused.clicks, paused.conversions)
        draws_mine = mine.sample(rng, rules.draws)
        best_active = np.max(np.stack([r.sample(rng, rules.draws) for r in recent], axis=1), axis=1)
        better = float((draws_mine > best_active).mean())
        if better >= rules.resume_probability:
            gain = draws_mine - best_active
            decisions.append(
                SiblingDecision(
                    kind="resume",
                    object_ids=[paused.object_id],
                    keep=None,
                    metric=metric,
                    confidence=better,
                    delta_per_impression=float(gain.mean()),
                    low=float(np.quantile(gain, 0.05)),
                    high=float(np.quantile(gain, 0.95)),
                    evidence={
                        "metric": metric,
                        "paused_rate": round(mine.mean, 6),
                        "best_active_recent_rate": round(float(best_active.mean()), 6),
                        "probability_better": round(better, 4),
                    },
                )
            )
    return decisions
