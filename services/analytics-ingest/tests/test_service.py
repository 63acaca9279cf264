"""analytics-ingest with real NATS and PostgreSQL: publish observations, check facts, rollups and events."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest
from prometheus_client import REGISTRY

from zamc_analytics_ingest.adapters.queries import restatements
from zamc_analytics_ingest.domain.totals import Fact, Totals, recompute_rollups
from zamc_events.contracts.base import Envelope
from zamc_events.contracts.metrics import AnomalyDetected, RollupUpdated
from zamc_events.runtime.dlq import list_dead_letters
from zamc_testing.service import EventProbe, publish_event

pytestmark = pytest.mark.service


async def _wait_for_fold(probe, expected, timeout=20.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        folded = probe.fold()
        if folded == expected or asyncio.get_running_loop().time() > deadline:
            return folded
        await asyncio.sleep(0.1)


class _Probe:
    def __init__(self, probe, reports):
        self.probe, self.reports = probe, reports

    def fold(self):
        return self.reports.fold_rollup_events(self.probe.of(RollupUpdated.subject))


async def test_duplicates_restatements_and_out_of_order_reports_end_in_the_ground_truth(
    analytics, jetstream, reports, state
):
    scenario = reports.scenario(seed=7)
    async with EventProbe.watching(jetstream, "zamc.analytics.>") as probe:
        for event in scenario.events:
            envelope = await publish_event(jetstream, event)
        # the very same envelope again, past JetStream's de-duplication: the inbox must drop it
        await jetstream.publish(envelope.type, envelope.to_json(), headers={"Nats-Msg-Id": str(uuid.uuid4())})

        facts = await state.wait_for_facts(scenario.truth)
        assert facts == scenario.truth

        accounts = {(a.platform, a.external_id): a for a in (reports.GOOGLE, reports.META)}
        expected = recompute_rollups(
            Fact(p, a, accounts[(p, a)].time_zone, c, g, ad, hour, totals)
            for (p, a, c, g, ad, hour), totals in scenario.truth.items()
        )
        assert await state.rollups() == expected

        folded = await _wait_for_fold(_Probe(probe, reports), scenario.campaign_rollups())
        assert folded == scenario.campaign_rollups()


async def test_a_restatement_replaces_an_older_report_never_does_and_history_tells_the_change(
    analytics, jetstream, reports, state
):
    r = reports
    hour = r.this_hour() - 30 * r.HOUR
    first, second, third = (hour + r.HOUR * n for n in (2, 5, 9))
    stored = r.observation("c-hist", hour, first, conversions=2.0, cost_micros=5_000_000)
    restated = r.observation("c-hist", hour, second, conversions=3.5, cost_micros=5_000_000)
    confirmed = r.observation("c-hist", hour, third, conversions=3.5, cost_micros=5_000_000)
    late = r.observation("c-hist", hour, first + r.HOUR, conversions=9.0, cost_micros=1)

    async with EventProbe.watching(jetstream, "zamc.analytics.>") as probe:
        for observations in ([stored], [restated], [stored], [confirmed], [late], [restated]):
            await publish_event(jetstream, r.batch(r.GOOGLE, observations))
        await state.wait_until("SELECT count(*) = 6 FROM analytics.inbox")
        # the confirmation at `third` changed no number: no rollup_updated beyond the one for `second`
        await probe.wait_for(RollupUpdated.subject, lambda d: d.observed_at == second, timeout=20)

    [(key, totals)] = (await state.facts()).items()
    assert totals.conversions_micros == 3_500_000
    assert await state.scalar("SELECT reported_at FROM analytics.metric_fact") == third
    assert await state.scalar("SELECT restatements FROM analytics.metric_fact") == 2

    from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

    engine = create_async_engine(analytics.settings.database_url.get_secret_value())
    try:
        async with AsyncSession(engine) as session:
            changes = await restatements(
                session=session,
                platform="google_ads",
                account_external_id=r.GOOGLE.external_id,
                hours_from=hour - timedelta(days=1),
                hours_to=hour + timedelta(days=1),
            )
    finally:
        await engine.dispose()
    # one restatement changed a number (2 -> 3.5 conversions); the confirmation at `third` did not
    assert [(c.previous_reported_at, c.reported_at, c.change.conversions) for c in changes] == [
        (first, second, 1.5)
    ]


async def test_rollup_updated_is_coalesced_to_at_most_one_per_campaign_per_second(
    analytics, jetstream, reports, state
):
    r = reports
    base = r.this_hour() - 10 * r.HOUR
    async with EventProbe.watching(jetstream, "zamc.analytics.>") as probe:
        for n in range(25):
            hour = base + (n % 5) * r.HOUR
            await publish_event(
                jetstream,
                r.batch(
                    r.META, [r.observation("busy", hour, hour + r.HOUR + n * timedelta(seconds=1), clicks=n)]
                ),
            )
            await asyncio.sleep(0.1)
        newest = base + 4 * r.HOUR + r.HOUR + 24 * timedelta(seconds=1)
        await probe.wait_for(RollupUpdated.subject, lambda d: d.observed_at == newest, timeout=20)
        events = probe.of(RollupUpdated.subject)

    times = [e.occurred_at for e in events]
    assert 2 <= len(events) <= 5, times  # 25 batches over ~2.5 s
    assert all(b - a >= timedelta(seconds=0.95) for a, b in zip(times, times[1:], strict=False))
    final = r.fold_rollup_events(events)
    assert [
        final[("meta", r.META.external_id, "busy", "hour", base + i * r.HOUR)].clicks for i in range(5)
    ] == [
        20,
        21,
        22,
        23,
        24,
    ]


async def test_a_spend_spike_is_published_once_with_its_evidence(analytics, jetstream, reports, state):
    r = reports
    start = r.this_hour() - 40 * r.HOUR
    steady = [
        r.observation("spiky", start + i * r.HOUR, start + (i + 1) * r.HOUR, cost_micros=4_000_000)
        for i in range(36)
    ]
    spike_hour = start + 36 * r.HOUR
    spike = r.observation("spiky", spike_hour, spike_hour + r.HOUR, cost_micros=40_000_000)
    async with EventProbe.watching(jetstream, "zamc.analytics.>") as probe:
        await publish_event(jetstream, r.batch(r.GOOGLE, steady))
        await publish_event(jetstream, r.batch(r.GOOGLE, [spike]))
        [anomaly] = await probe.wait_for(AnomalyDetected.subject, timeout=20)
        # the same hour restated even higher: still one anomaly for that hour
        restated = r.observation("spiky", spike_hour, spike_hour + 2 * r.HOUR, cost_micros=60_000_000)
        await publish_event(jetstream, r.batch(r.GOOGLE, [restated]))
        await probe.wait_for(RollupUpdated.subject, lambda d: d.observed_at == spike_hour + 2 * r.HOUR)
        await asyncio.sleep(0.3)
        assert len(probe.of(AnomalyDetected.subject)) == 1

    data = anomaly.data
    assert (data.kind, data.campaign_id, data.hour_start) == ("spend_spike", "spiky", spike_hour)
    assert data.evidence["cost_micros"] == 40_000_000
    assert data.evidence["baseline_cost_micros"] == 4_000_000
    assert data.evidence["currency"] == "EUR"


async def test_metrics_count_stored_observations_and_spend_in_the_reporting_currency(
    analytics, jetstream, reports, state
):
    def sample(name: str, platform: str) -> float:
        return REGISTRY.get_sample_value(name, {"platform": platform}) or 0.0

    names = (
        "zamc_analytics_observations_stored_total",
        "zamc_analytics_spend_micros_total",
        "zamc_analytics_conversion_value_micros_total",
    )
    before = {name: sample(name, "meta") for name in names}
    r = reports
    hour = r.this_hour() - 5 * r.HOUR
    v1 = r.observation("m", hour, hour + r.HOUR, cost_micros=10_000_000, conversion_value_micros=20_000_000)
    v2 = r.observation(
        "m", hour, hour + 2 * r.HOUR, cost_micros=15_000_000, conversion_value_micros=10_000_000
    )
    envelope: Envelope | None = None
    for observations in ([v1], [v2], [v1], [v2]):  # the last two change nothing
        envelope = await publish_event(jetstream, r.batch(r.META, observations))
    assert envelope is not None
    await state.wait_for_facts(
        {
            ("meta", r.META.external_id, "m", "ag-1", "ad-1", hour): Totals(
                1000, 20, 15_000_000, 1_500_000, 10_000_000
            )
        }
    )
    await asyncio.sleep(0.3)  # the counters follow the commit
    after = {name: sample(name, "meta") for name in names}
    assert (
        after["zamc_analytics_observations_stored_total"] - before["zamc_analytics_observations_stored_total"]
        == 2
    )
    # USD at 0.92 EUR: 10 + 5 (the restatement's increase) USD
    assert (
        after["zamc_analytics_spend_micros_total"] - before["zamc_analytics_spend_micros_total"] == 13_800_000
    )
    assert (
        after["zamc_analytics_conversion_value_micros_total"]
        - before["zamc_analytics_conversion_value_micros_total"]
        == 18_400_000
    )


async def test_an_invalid_batch_is_dead_lettered_and_others_still_stored(
    analytics, jetstream, reports, state
):
    r = reports
    hour = r.this_hour() - 2 * r.HOUR
    good = r.batch(r.GOOGLE, [r.observation("c", hour, hour + r.HOUR)])
    bad = good.model_copy(update={"time_zone": "Nowhere/Land", "sync_id": uuid.uuid4()})
    await publish_event(jetstream, bad)
    await publish_event(jetstream, good)
    await state.wait_until("SELECT count(*) = 1 FROM analytics.metric_fact")
    deadline = asyncio.get_running_loop().time() + 10
    letters = []
    while not letters and asyncio.get_running_loop().time() < deadline:
        letters = await list_dead_letters(jetstream)
        await asyncio.sleep(0.1)
    [letter] = letters
    assert "unknown time zone 'Nowhere/Land'" in letter.reason
    assert await state.facts() == {
        ("google_ads", r.GOOGLE.external_id, "c", "ag-1", "ad-1", hour): Totals(
            1000, 20, 5_000_000, 1_500_000, 30_000_000
        )
    }
