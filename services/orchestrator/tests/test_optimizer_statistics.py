"""The optimiser's statistics against known answers (no servers)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from zamc_orchestrator.optimizer.domain.allocation import allocate
from zamc_orchestrator.optimizer.domain.curves import HillCurve, ReachPoint, ReachPosterior, fit_hill, hill
from zamc_orchestrator.optimizer.domain.model import CurveDraws
from zamc_orchestrator.optimizer.domain.siblings import Sibling, SiblingRules, judge_siblings
from zamc_orchestrator.optimizer.domain.stats import (
    BetaPosterior,
    ValuePerConversion,
    estimate_lag_hours,
    expected_loss,
    maturity,
    prob_b_beats_a,
    probability_to_beat,
)

pytestmark = pytest.mark.unit


def test_beta_posterior_mean_and_interval_are_the_conjugate_answer():
    posterior = BetaPosterior.update(successes=30, trials=100, prior_alpha=1, prior_beta=1)
    assert (posterior.alpha, posterior.beta) == (31, 71)
    assert posterior.mean == pytest.approx(31 / 102)
    low, high = posterior.interval(0.9)
    assert low == pytest.approx(sps.beta.ppf(0.05, 31, 71)) and high == pytest.approx(
        sps.beta.ppf(0.95, 31, 71)
    )
    assert posterior.sd == pytest.approx(sps.beta.std(31, 71))
    prior = BetaPosterior.prior_from_mean(0.02, 200)
    assert prior.mean == pytest.approx(0.02) and prior.alpha + prior.beta == pytest.approx(200)


def test_probability_to_beat_matches_the_exact_formula():
    assert prob_b_beats_a(BetaPosterior(1, 1), BetaPosterior(2, 1)) == pytest.approx(2 / 3)
    a, b = BetaPosterior(11, 91), BetaPosterior(21, 81)
    exact = prob_b_beats_a(a, b)
    rng = np.random.default_rng(1)
    samples = np.stack([a.sample(rng, 200_000), b.sample(rng, 200_000)], axis=1)
    p = probability_to_beat(samples)
    assert p[1] == pytest.approx(exact, abs=0.005)
    assert p.sum() == pytest.approx(1)
    same = np.stack([a.sample(rng, 200_000), a.sample(rng, 200_000)], axis=1)
    assert probability_to_beat(same)[0] == pytest.approx(0.5, abs=0.005)


def test_expected_loss_of_certain_arms_is_their_gap():
    samples = np.array([[0.10, 0.04, 0.07]] * 10)
    assert expected_loss(samples) == pytest.approx([0.0, 0.06, 0.03])


def test_value_per_conversion_posterior_mean_shrinks_to_the_prior():
    posterior = ValuePerConversion.update(
        values_micros=[100e6, 50e6], conversions=[2, 1], prior_mean=40e6, prior_conversions=2
    )
    assert posterior.mean == pytest.approx((2 * 40e6 + 150e6) / 5)
    assert posterior.conversions == 3
    assert posterior.sd == pytest.approx(0.5 * posterior.mean / math.sqrt(5))
    assert ValuePerConversion.update(values_micros=[], conversions=[], prior_mean=40e6).mean == 40e6


def test_conversion_lag_is_recovered_from_the_age_profile():
    rng = np.random.default_rng(3)
    groups = []
    for rate in (0.02, 0.05, 0.08):
        ages = np.arange(0.0, 240.0)
        clicks = rng.integers(40, 80, size=ages.size).astype(float)
        conversions = clicks * rate * maturity(ages, 30.0)  # expected counts: no noise
        groups.append((clicks, conversions, ages))
    assert estimate_lag_hours(groups, prior_hours=12.0, prior_log_sd=2.0) == pytest.approx(30.0, rel=0.1)
    assert maturity(30.0, 30.0) == pytest.approx(1 - math.exp(-1))


@pytest.mark.parametrize(("top", "half", "h"), [(5_000, 300e6, 1.2), (80_000, 2e9, 0.85), (1_200, 40e6, 2.0)])
def test_hill_fit_on_noiseless_data_recovers_its_parameters(top, half, h):
    curve = HillCurve(top, half, h)
    spend = np.array([0.2, 0.5, 1.0, 2.0, 4.0]) * half
    fitted = fit_hill(spend, curve(spend))
    assert fitted.top == pytest.approx(top, rel=1e-4)
    assert fitted.half == pytest.approx(half, rel=1e-4)
    assert fitted.h == pytest.approx(h, rel=1e-4)
    with pytest.raises(ValueError):
        fit_hill([1, 1, 2], [1, 1, 2])


def test_reach_posterior_concentrates_on_the_true_curve():
    truth = HillCurve(20_000, 400e6, 1.1)
    budgets = [30e6, 60e6, 120e6, 240e6, 480e6]
    points = [ReachPoint(b, float(truth(b)), b) for b in budgets]
    posterior = ReachPosterior.fit(points, reference_micros=60e6, overdispersion=0.01)
    best = posterior.map_curve()
    assert best.h == pytest.approx(1.1, abs=0.06)
    assert best.half == pytest.approx(400e6, rel=0.2)
    top, half, h = posterior.sample(np.random.default_rng(0), 2_000)
    predicted = hill(300e6, top, half, h)
    assert np.median(predicted) == pytest.approx(float(truth(300e6)), rel=0.03)
    # no data: the prior, and draws still give finite curves
    empty = ReachPosterior.fit([], reference_micros=60e6)
    assert empty.points == 0 and empty.weights.sum() == pytest.approx(1)


def _linear(vpi: float, n: int = 8) -> CurveDraws:
    return CurveDraws(
        top=np.full(n, 1e9),
        half=np.full(n, 1e15),
        h=np.ones(n),
        value_per_impression=np.full(n, vpi),
        utilisation=np.ones(n),
    )


def test_allocation_moves_money_to_the_higher_marginal_roas_within_the_bounds():
    current = np.array([50e6, 50e6, 50e6])
    result = allocate(
        current=current,
        low=current * 0.8,
        high=current * 1.2,
        draws=[_linear(1.0), _linear(3.0), _linear(2.0)],
        total=150_000_000,
    )
    assert list(result.budgets) == [40_000_000, 60_000_000, 50_000_000]
    assert (result.value_delta > 0).all()


def test_allocation_equalises_marginal_roas_at_an_interior_optimum():
    # two concave curves, wide bounds: at the optimum both earn the same on the next euro
    def draws(top, half):
        return CurveDraws(
            top=np.array([top]),
            half=np.array([half]),
            h=np.array([1.0]),
            value_per_impression=np.array([1.0]),
            utilisation=np.array([1.0]),
        )

    a, b = draws(400e6, 100e6), draws(300e6, 50e6)
    current = np.array([100e6, 100e6])
    result = allocate(
        current=current,
        low=np.array([1e6, 1e6]),
        high=np.array([199e6, 199e6]),
        draws=[a, b],
        total=200_000_000,
    )
    spent = result.budgets.astype(float)
    assert spent.sum() <= 200_000_000
    # equal up to the budget grid (21 points across the bounds)
    assert float(a.marginal_roas(spent[0])[0]) == pytest.approx(float(b.marginal_roas(spent[1])[0]), rel=0.1)


def test_siblings_pause_the_credibly_worse_and_conclude_ab_tests():
    rules = SiblingRules(min_impressions=1_000, min_clicks=20)
    rng = np.random.default_rng(5)
    # three ads: one clearly worse, two close: pause the worse one, no conclusion yet
    siblings = [
        Sibling("good", 10_000, 500, 0),
        Sibling("close", 10_000, 490, 0),
        Sibling("bad", 10_000, 200, 0),
    ]
    decisions = judge_siblings(siblings, rules, rng)
    assert [(d.kind, d.object_ids) for d in decisions] == [("pause", ["bad"])]
    assert decisions[0].confidence > 0.99 and decisions[0].metric == "ctr"
    assert decisions[0].low <= decisions[0].delta_per_impression <= decisions[0].high
    # two ads far apart with plenty of data: stop rule met, the leader wins
    (decision,) = judge_siblings([Sibling("a", 50_000, 2_500, 0), Sibling("b", 50_000, 1_000, 0)], rules, rng)
    assert decision.kind == "ab_winner" and decision.keep == "a" and decision.object_ids == ["b"]
    # too little data: nothing
    assert judge_siblings([Sibling("a", 500, 30, 0), Sibling("b", 500, 5, 0)], rules, rng) == []


def test_a_paused_ad_resumes_when_its_siblings_decline():
    rules = SiblingRules(min_impressions=1_000, min_clicks=20)
    rng = np.random.default_rng(6)
    siblings = [
        Sibling("kept", 40_000, 2_000, 0, recent_impressions=10_000, recent_clicks=150, recent_conversions=0),
        Sibling("paused", 10_000, 400, 0, active=False, paused_by_optimizer=True),
    ]
    (decision,) = judge_siblings(siblings, rules, rng)
    assert decision.kind == "resume" and decision.object_ids == ["paused"]
    steady = [
        siblings[0].__class__("kept", 40_000, 2_000, 0, recent_impressions=10_000, recent_clicks=500),
        siblings[1],
    ]
    assert judge_siblings(steady, rules, rng) == []


def test_decisions_use_conversions_once_there_are_enough():
    rules = SiblingRules(min_impressions=1_000, min_clicks=20)
    siblings = [Sibling("a", 20_000, 400, 40), Sibling("b", 20_000, 800, 4)]
    decisions = judge_siblings(siblings, rules, np.random.default_rng(7))
    assert (
        decisions and decisions[0].metric == "conversions_per_impression" and decisions[0].object_ids == ["b"]
    )
