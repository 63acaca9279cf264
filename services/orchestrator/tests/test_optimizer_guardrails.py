"""Property tests: no recommendation of any kind ever breaks a guardrail, whatever the data and settings.

Budget shifts, pauses, resumes, A/B winners and bid targets all pass through one check
(`check_changes`), at drafting and again at application; the rules are also spelt out here.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from zamc_orchestrator.optimizer.config import OptimizerSettings
from zamc_orchestrator.optimizer.domain.budgets import (
    budget_state,
    history_state,
    plan_budgets,
    project_budget,
)
from zamc_orchestrator.optimizer.domain.evaluation import autopilot_order, changes_of, draft_round
from zamc_orchestrator.optimizer.domain.guardrails import (
    BID_TARGETS,
    BUDGET,
    STATUS,
    CampaignBudget,
    Change,
    Guardrails,
    ProjectBudget,
    check_budget_plan,
    check_changes,
    cooling_down,
    data_problem,
    project_ceiling,
)
from zamc_orchestrator.optimizer.domain.model import CampaignHistory, CampaignKey, HourRow, fit_portfolio
from zamc_orchestrator.optimizer.domain.recommend import AUTOMATABLE, sibling_draft
from zamc_orchestrator.optimizer.domain.siblings import Sibling, SiblingRules, judge_siblings

pytestmark = pytest.mark.unit

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
HOUR = timedelta(hours=1)

campaign = st.fixed_dictionaries(
    {
        "platform": st.sampled_from(["google_ads", "meta"]),
        "budget": st.integers(min_value=500_000, max_value=500_000_000),
        "hours": st.integers(min_value=0, max_value=96),
        "impressions": st.integers(min_value=0, max_value=3_000),
        "ctr": st.floats(min_value=0.0, max_value=0.2),
        "cvr": st.floats(min_value=0.0, max_value=0.3),
        "roas": st.floats(min_value=0.0, max_value=20.0),
        "spend_share": st.floats(min_value=0.0, max_value=1.2),
        "changed_hours_ago": st.one_of(st.none(), st.floats(min_value=0, max_value=72)),
        "settled_hours": st.integers(min_value=0, max_value=48),
        "budget_changes": st.lists(st.floats(min_value=0.5, max_value=1.5), max_size=3),
        "status": st.sampled_from(["ENABLED", "ENABLED", "ENABLED", "PAUSED"]),
    }
)

guardrails = st.builds(
    Guardrails,
    max_change_fraction=st.floats(min_value=0.01, max_value=0.9),
    min_change_fraction=st.floats(min_value=0.0, max_value=0.1),
    cooldown=st.sampled_from([timedelta(0), timedelta(hours=6), timedelta(hours=24), timedelta(days=3)]),
    min_impressions=st.integers(min_value=0, max_value=50_000),
    min_spend_micros=st.integers(min_value=0, max_value=100_000_000),
    min_conversions=st.floats(min_value=0, max_value=20),
    allow_provisional=st.booleans(),
    min_daily_budget_micros=st.sampled_from([0, 1_000_000, 5_000_000]),
)


def history_of(i: int, c: dict) -> CampaignHistory:
    hours = []
    start = NOW.replace(minute=0, second=0, microsecond=0) - HOUR * c["hours"]
    for h in range(c["hours"]):
        hour = start + HOUR * h
        cost = int(c["budget"] / 24 * c["spend_share"])
        clicks = int(c["impressions"] * c["ctr"])
        conversions = clicks * c["cvr"]
        hours.append(
            HourRow(
                hour_start=hour,
                impressions=c["impressions"],
                clicks=clicks,
                cost_micros=cost,
                conversions=conversions,
                value_micros=int(cost * c["roas"]),
                settled=h < c["settled_hours"],
            )
        )
    budgets = [(start - HOUR * 100, c["budget"])]
    for k, factor in enumerate(c["budget_changes"]):
        budgets.append((start + HOUR * (k * 10), max(int(c["budget"] * factor), 1)))
    budgets.append((start + HOUR * 40, c["budget"]))
    changed = c["changed_hours_ago"]
    return CampaignHistory(
        key=CampaignKey(c["platform"], f"acct-{i % 2}", f"c{i}"),
        currency="EUR",
        daily_budget_micros=c["budget"],
        hours=hours,
        budgets=sorted(budgets, key=lambda b: b[0]),
        last_changed_at=None if changed is None else NOW - timedelta(hours=changed),
        status=c["status"],
    )


caps = st.one_of(st.none(), st.integers(min_value=0, max_value=3_000_000_000))
# what the campaigns of `history_of` spend ranges from 0 to ~17 000 EUR: totals below and above it
totals = st.one_of(st.none(), st.integers(min_value=0, max_value=20_000_000_000))


def assert_within_project_budget(before: int, after: int, project: ProjectBudget) -> None:
    """Daily and total budget never exceeded: the sum of daily budgets stays under the daily cap
    and under what is left of the total budget, or never grows when it already was above them."""
    limits = [project.daily_cap_micros] if project.daily_cap_micros is not None else []
    if project.total_budget_micros is not None:
        limits.append(max(project.total_budget_micros - project.spent_micros, 0))
    if limits and before <= min(limits):
        assert after <= min(limits)
    assert after <= before or (limits and after <= min(limits))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    campaigns=st.lists(campaign, min_size=2, max_size=7),
    guard=guardrails,
    cap=caps,
    total=totals,
    seed=st.integers(min_value=0, max_value=2**32 - 1),
)
def test_no_budget_recommendation_breaks_a_guardrail(campaigns, guard, cap, total, seed):
    histories = [history_of(i, c) for i, c in enumerate(campaigns)]
    models = fit_portfolio(histories, now=NOW, base=OptimizerSettings().priors())
    project = project_budget(histories, daily_cap_micros=cap, total_budget_micros=total)
    # what was spent is filled from the hourly rows the rollups brought
    assert project.spent_micros == sum(r.cost_micros for h in histories for r in h.hours)
    plan = plan_budgets(
        histories=histories,
        models=models,
        guard=guard,
        project=project,
        now=NOW,
        rng=np.random.default_rng(seed),
        draws=16,
    )
    if plan is None:
        return
    states = {str(h.key): budget_state(models[h.key], h) for h in histories}
    assert plan.violations == []
    changes = {str(c.key): c.new_micros for c in plan.changes}
    assert check_budget_plan(changes, states, guard=guard, project=project, now=NOW) == []
    # the same rules, spelt out
    before = sum(s.daily_budget_micros for s in states.values() if s.active)
    after = before + sum(c.new_micros - c.current_micros for c in plan.changes)
    assert after <= before  # reallocation never raises the project's daily budget
    if cap is not None and before <= cap:
        assert after <= cap
    assert_within_project_budget(before, after, project)
    for change in plan.changes:
        state = states[str(change.key)]
        assert change.current_micros == state.daily_budget_micros
        assert change.new_micros != change.current_micros
        assert (
            abs(change.new_micros - change.current_micros)
            <= guard.max_change_fraction * change.current_micros
        )
        # budgets move in whole cents
        assert (change.new_micros - change.current_micros) % 10_000 == 0 or change.new_micros % 10_000 == 0
        assert state.active and not cooling_down(state, guard, NOW)
        assert data_problem(state, guard, to_raise=change.new_micros > change.current_micros) is None
        if change.new_micros < change.current_micros:
            assert change.new_micros >= guard.min_daily_budget_micros
    assert 0 <= plan.confidence <= 1 and plan.low <= plan.high


@settings(max_examples=200, deadline=None)
@given(
    budget=st.integers(min_value=1_000_000, max_value=10**9),
    factor=st.floats(min_value=0.0, max_value=3.0),
    fraction=st.floats(min_value=0.05, max_value=0.5),
    changed_hours_ago=st.one_of(st.none(), st.floats(min_value=0, max_value=48)),
    settled=st.booleans(),
    conversions=st.floats(min_value=0, max_value=10),
)
def test_the_apply_time_check_refuses_every_breach(
    budget, factor, fraction, changed_hours_ago, settled, conversions
):
    guard = Guardrails(max_change_fraction=fraction, min_conversions=3, min_daily_budget_micros=1_000_000)
    state = CampaignBudget(
        campaign="c",
        daily_budget_micros=budget,
        last_changed_at=None if changed_hours_ago is None else NOW - timedelta(hours=changed_hours_ago),
        impressions=10_000,
        spend_micros=10**9,
        conversions=conversions,
        has_settled_data=settled,
    )
    other = CampaignBudget("d", budget, None, 10_000, 10**9, 10, True)
    new = int(budget * factor)
    violations = check_budget_plan(
        {"c": new},
        {"c": state, "d": other},
        guard=guard,
        project=ProjectBudget(daily_cap_micros=2 * budget),
        now=NOW,
    )
    rules = {v.rule for v in violations}
    if new == budget:
        assert violations == []
        return
    assert ("max_change" in rules) == (abs(new - budget) > fraction * budget + 1e-9)
    assert ("cooldown" in rules) == (changed_hours_ago is not None and changed_hours_ago < 24)
    assert ("min_data" in rules) == (not settled or (new > budget and conversions < 3))
    assert ("budget_cap" in rules) == (new > budget)  # the cap is the current sum
    assert ("min_budget" in rules) == (new < 1_000_000)


ad = st.fixed_dictionaries(
    {
        "impressions": st.integers(min_value=0, max_value=40_000),
        "ctr": st.floats(min_value=0.0, max_value=0.1),
        "active": st.sampled_from([True, True, True, False]),
        "paused_by_optimizer": st.booleans(),
    }
)
bidding = st.fixed_dictionaries(
    {
        "strategy": st.sampled_from([None, "TARGET_ROAS", "TARGET_ROAS", "TARGET_CPA"]),
        "target": st.one_of(st.none(), st.floats(min_value=0.5, max_value=8.0)),
    }
)
# thresholds a round often passes, so that every kind of recommendation is drafted often
lenient_guardrails = st.builds(
    Guardrails,
    max_change_fraction=st.floats(min_value=0.05, max_value=0.5),
    min_change_fraction=st.just(0.0),
    cooldown=st.sampled_from([timedelta(0), timedelta(hours=24)]),
    min_impressions=st.integers(min_value=0, max_value=2_000),
    min_spend_micros=st.integers(min_value=0, max_value=20_000_000),
    min_conversions=st.floats(min_value=0, max_value=3),
    allow_provisional=st.booleans(),
)


def siblings_of(i: int, ads: list[dict]) -> list[Sibling]:
    return [
        Sibling(
            object_id=f"c{i}-a{j}",
            impressions=a["impressions"],
            clicks=int(a["impressions"] * a["ctr"]),
            conversions=0.0,
            active=a["active"],
            paused_by_optimizer=a["paused_by_optimizer"] and not a["active"],
        )
        for j, a in enumerate(ads)
    ]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    campaigns=st.lists(st.tuples(campaign, st.lists(ad, max_size=3), bidding), min_size=2, max_size=6),
    guard=st.one_of(guardrails, lenient_guardrails),
    cap=caps,
    total=totals,
    autopilot=st.booleans(),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
)
def test_no_recommendation_of_any_kind_breaks_a_guardrail(campaigns, guard, cap, total, autopilot, seed):
    """Pauses, resumes, A/B winners, budget shifts, bid targets and warnings of one optimiser round."""
    rng = np.random.default_rng(seed)
    histories = []
    for i, (c, _, bid) in enumerate(campaigns):
        history = history_of(i, c)
        history.bidding_strategy = bid["strategy"]
        if bid["target"] is not None:
            history.bid_target = bid["target"] * (10_000_000 if bid["strategy"] == "TARGET_CPA" else 1)
        histories.append(history)
    models = fit_portfolio(histories, now=NOW, base=OptimizerSettings().priors())
    by_key = {h.key: h for h in histories}
    campaign_of_ad = {}
    sibling_drafts = []
    rules = SiblingRules(min_impressions=2_000, min_clicks=50, draws=400)
    for i, ((_, ads, _), history) in enumerate(zip(campaigns, histories, strict=True)):
        siblings = siblings_of(i, ads)
        campaign_of_ad |= {s.object_id: history.key for s in siblings}
        for decision in judge_siblings(siblings, rules, rng):
            sibling_drafts.append(
                sibling_draft(
                    decision, key=history.key, level="ad", parent_id=f"c{i}-g", impressions_per_day=1_000.0
                )
            )

    def campaign_of(action):
        return campaign_of_ad.get(action.platform_object_id)

    def automated(draft):
        return autopilot and draft.applicable and draft.kind in AUTOMATABLE

    project = project_budget(histories, daily_cap_micros=cap, total_budget_micros=total)
    result = draft_round(
        histories=histories,
        models=models,
        sibling_drafts=sibling_drafts,
        campaign_of=campaign_of,
        automated=automated,
        guard=guard,
        project=project,
        now=NOW,
        rng=rng,
        draws=16,
        currency="EUR",
        project_topic="p",
        edits_per_week=4,
    )
    states = {str(h.key): budget_state(models[h.key], h) for h in histories}
    for draft, violations in result.held:  # --hypothesis-show-statistics: what the data exercise
        event(f"held {draft.kind}: {sorted({v.rule for v in violations})}")
    for draft in result.drafts:
        event(f"recommended {draft.kind}")
        changes = changes_of(draft.actions, campaign_of=campaign_of, histories=by_key)
        assert check_changes(changes, states, guard=guard, project=project, now=NOW) == []
        assert 0 <= draft.confidence <= 1
        if draft.expected_impact is not None:
            assert draft.expected_impact.low <= draft.expected_impact.high
        # the same rules, spelt out, for every kind
        for change in changes:
            state = states[change.campaign]
            assert not cooling_down(state, guard, NOW), draft.kind
            assert state.has_settled_data or guard.allow_provisional, draft.kind
            if change.field == BUDGET:
                assert abs(change.new - state.daily_budget_micros) <= guard.max_change_fraction * (
                    state.daily_budget_micros
                )
                assert data_problem(state, guard, to_raise=change.new > change.current) is None
            elif change.field in BID_TARGETS:
                assert draft.kind == "bid_adjustment" and draft.applicable
                assert change.current is not None and change.current > 0
                assert abs(change.new - change.current) <= guard.max_change_fraction * change.current + 1e-9
                assert data_problem(state, guard) is None
                assert draft.expected_impact is not None
            else:
                assert change.field == STATUS and draft.kind in ("pause", "resume", "ab_winner")
        budgets = {c.campaign: c.new for c in changes if c.field == BUDGET}
        if budgets:
            before = sum(s.daily_budget_micros for s in states.values() if s.active)
            after = sum(budgets.get(k, s.daily_budget_micros) for k, s in states.items() if s.active)
            assert_within_project_budget(before, after, project)
    # what was held broke a guardrail, and only that
    for draft, violations in result.held:
        assert violations and draft not in result.drafts
    # the autopilot changes each campaign at most once per round, and only inside the guardrails
    order = autopilot_order(
        result.drafts,
        automated=automated,
        campaigns_of=lambda d: {
            c.campaign for c in changes_of(d.actions, campaign_of=campaign_of, histories=by_key)
        },
    )
    applied = [d for d, ok in zip(result.drafts, order, strict=True) if ok]
    touched = [
        c.campaign
        for d in applied
        for c in {
            ch.campaign: ch for ch in changes_of(d.actions, campaign_of=campaign_of, histories=by_key)
        }.values()
    ]
    assert len(touched) == len(set(touched))
    assert all(automated(d) for d in applied)
    assert project_ceiling(states, project) >= 0


@settings(max_examples=200, deadline=None)
@given(
    field=st.sampled_from(["status", "target_roas", "target_cpa_micros"]),
    changed_hours_ago=st.one_of(st.none(), st.floats(min_value=0, max_value=48)),
    settled=st.booleans(),
    allow_provisional=st.booleans(),
    impressions=st.integers(min_value=0, max_value=3_000),
    current=st.one_of(st.none(), st.floats(min_value=0.5, max_value=50.0)),
    factor=st.floats(min_value=0.0, max_value=3.0),
)
def test_the_apply_time_check_refuses_status_and_bid_changes_that_break_a_guardrail(
    field, changed_hours_ago, settled, allow_provisional, impressions, current, factor
):
    guard = Guardrails(max_change_fraction=0.2, min_impressions=1_000, allow_provisional=allow_provisional)
    state = CampaignBudget(
        campaign="c",
        daily_budget_micros=50_000_000,
        last_changed_at=None if changed_hours_ago is None else NOW - timedelta(hours=changed_hours_ago),
        impressions=impressions,
        spend_micros=10**9,
        conversions=10,
        has_settled_data=settled,
    )
    new = "PAUSED" if field == "status" else (current or 1.0) * factor
    violations = check_changes(
        [Change("c", field, None if field == "status" else current, new)],
        {"c": state},
        guard=guard,
        project=ProjectBudget(),
        now=NOW,
    )
    rules = {v.rule for v in violations}
    assert ("cooldown" in rules) == (changed_hours_ago is not None and changed_hours_ago < 24)
    provisional = not settled and not allow_provisional
    if field == "status":  # an ad's status: the campaign's cool-down and provisional-only data
        assert ("min_data" in rules) == provisional
        assert "max_change" not in rules
    else:  # a bid target: like a budget, minimum data and at most 20 % per step
        assert ("min_data" in rules) == (provisional or impressions < 1_000)
        assert ("max_change" in rules) == (current is None or abs(new - current) > 0.2 * current + 1e-9)
    assert rules <= {"cooldown", "min_data", "max_change"}


def test_a_pause_in_a_campaign_cooling_down_or_with_provisional_data_only_is_not_recommended():
    key = CampaignKey("google_ads", "acct", "c0")
    c = {
        "platform": "google_ads",
        "budget": 50_000_000,
        "hours": 72,
        "impressions": 3_000,
        "ctr": 0.05,
        "cvr": 0.05,
        "roas": 3.0,
        "spend_share": 1.0,
        "changed_hours_ago": None,
        "settled_hours": 48,
        "budget_changes": [],
        "status": "ENABLED",
    }
    # a3 is too young for the A/B stop rule, a2 is credibly worse than a1: pause a2
    siblings = [
        Sibling("a1", 20_000, 1_000, 0.0),
        Sibling("a2", 20_000, 400, 0.0),
        Sibling("a3", 100, 5, 0.0),
    ]
    (decision,) = judge_siblings(siblings, SiblingRules(), np.random.default_rng(1))
    assert decision.kind == "pause"
    draft = sibling_draft(decision, key=key, level="ad", parent_id="g", impressions_per_day=1_000.0)

    def round_of(**changes):
        history = history_of(0, {**c, **changes})
        history.key = key
        others = [history_of(1, c), history_of(2, {**c, "roas": 1.0})]
        histories = [history, *others]
        models = fit_portfolio(histories, now=NOW, base=OptimizerSettings().priors())
        return draft_round(
            histories=histories,
            models=models,
            sibling_drafts=[draft],
            campaign_of=lambda action: key,
            automated=lambda d: True,
            guard=Guardrails(allow_provisional=False),
            project=ProjectBudget(),
            now=NOW,
            rng=np.random.default_rng(2),
            draws=16,
            currency="EUR",
            project_topic="p",
            edits_per_week=4,
        )

    assert draft in round_of().drafts
    # an autopilot pause holds its campaign from the same round's budget step
    ready = round_of()
    assert ready.plan is not None  # the other two campaigns are reallocated
    assert str(key) not in {str(ch.key) for ch in ready.plan.changes}
    assert ready.plan.held[str(key)].startswith("changed in this round by: Pause ad a2")
    cooling = round_of(changed_hours_ago=3.0)
    assert draft not in cooling.drafts
    ((held, violations),) = [(d, v) for d, v in cooling.held if d is draft]
    assert [v.rule for v in violations] == ["cooldown"]
    provisional = round_of(settled_hours=0)
    assert draft not in provisional.drafts
    ((held, violations),) = [(d, v) for d, v in provisional.held if d is draft]
    assert [(v.rule, v.message) for v in violations] == [("min_data", "only provisional data")]


def test_what_was_spent_comes_from_the_rollups_and_caps_the_daily_budgets():
    c = {
        "platform": "meta",
        "budget": 48_000_000,
        "hours": 48,
        "impressions": 3_000,
        "ctr": 0.05,
        "cvr": 0.05,
        "roas": 3.0,
        "spend_share": 1.0,
        "changed_hours_ago": None,
        "settled_hours": 30,
        "budget_changes": [],
        "status": "ENABLED",
    }
    histories = [history_of(0, c), history_of(1, c)]  # each spends 2 EUR an hour for 48 hours
    project = project_budget(histories, daily_cap_micros=None, total_budget_micros=290_000_000)
    assert project.spent_micros == 2 * 48 * 2_000_000
    states = {str(h.key): history_state(h) for h in histories}
    assert project_ceiling(states, project) == 290_000_000 - 192_000_000  # 98 EUR left, 96 a day now
    raise_one = {str(histories[0].key): 52_000_000}  # 100 EUR a day
    violations = check_budget_plan(raise_one, states, guard=Guardrails(), project=project, now=NOW)
    assert [v.rule for v in violations] == ["budget_cap"]
    # without the spend the same raise fits the total budget
    unspent = ProjectBudget(total_budget_micros=290_000_000)
    assert check_budget_plan(raise_one, states, guard=Guardrails(), project=unspent, now=NOW) == []


def test_the_total_budget_is_the_briefs_total_else_the_daily_budget_over_the_schedule():
    from datetime import date

    from zamc_events.contracts.strategy import BriefBudget
    from zamc_orchestrator.optimizer.domain.budgets import total_budget_micros

    start, end = date(2026, 12, 1), date(2026, 12, 30)
    total = BriefBudget(amount_micros=900_000_000, currency="EUR", period="total")
    daily = BriefBudget(amount_micros=30_000_000, currency="EUR", period="daily")
    kw = {"currency": "EUR", "daily_micros": 30_000_000, "start": start}
    assert total_budget_micros(brief_budget=total, end=None, **kw) == 900_000_000  # even without an end
    assert total_budget_micros(brief_budget=daily, end=end, **kw) == 30 * 30_000_000
    assert total_budget_micros(brief_budget=None, end=end, **kw) == 30 * 30_000_000
    assert total_budget_micros(brief_budget=daily, end=None, **kw) is None  # runs until stopped
    in_usd = total.model_copy(update={"currency": "USD"})  # never compared across currencies
    assert total_budget_micros(brief_budget=in_usd, end=None, **kw) is None
