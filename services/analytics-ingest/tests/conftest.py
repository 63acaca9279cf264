"""Fixtures of the analytics-ingest tests: settings, the running service, reports and state readers."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import create_async_engine

from zamc_analytics_ingest.adapters.db import metric_fact, metric_fact_history, rollup
from zamc_analytics_ingest.config import Settings
from zamc_analytics_ingest.domain.totals import RollupKey, Totals
from zamc_analytics_ingest.main import definition
from zamc_cli.embedded import free_port
from zamc_events.contracts.metrics import MetricObservation, MetricsObserved
from zamc_testing.service import running_service

HOUR = timedelta(hours=1)


def _settings(nats_url: str, database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "nats_url": nats_url,
        "database_url": database_url,
        "http_port": free_port(),
        "log_json": False,
        "consumer_ack_wait_seconds": 2.0,
        "consumer_backoff_seconds": [0.1],
        "consumer_max_deliver": 3,
        "outbox_poll_seconds": 0.01,
        "rollup_poll_seconds": 0.02,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def make_settings(nats_url: str, database_url: str) -> Callable[..., Settings]:
    return lambda **overrides: _settings(nats_url, database_url, **overrides)


@pytest.fixture
async def analytics(jetstream, make_settings) -> AsyncIterator[Any]:
    """analytics-ingest running in-process on clean streams and a fresh database."""
    async with running_service(definition, make_settings()) as runtime:
        yield runtime


@dataclass(frozen=True)
class Account:
    platform: str
    external_id: str
    currency: str
    time_zone: str


GOOGLE = Account("google_ads", "123-456-7890", "EUR", "Europe/Berlin")
META = Account("meta", "act_42", "USD", "America/New_York")


def observation(
    campaign: str,
    hour: datetime,
    reported_at: datetime,
    *,
    ad: str | None = "ad-1",
    ad_group: str | None = "ag-1",
    impressions: int = 1000,
    clicks: int = 20,
    cost_micros: int = 5_000_000,
    conversions: float = 1.5,
    conversion_value_micros: int = 30_000_000,
) -> MetricObservation:
    return MetricObservation(
        campaign_id=campaign,
        ad_group_id=ad_group,
        ad_id=ad,
        hour_start=hour,
        impressions=impressions,
        clicks=clicks,
        cost_micros=cost_micros,
        conversions=conversions,
        conversion_value_micros=conversion_value_micros,
        reported_at=reported_at,
    )


def batch(account: Account, observations: Iterable[MetricObservation]) -> MetricsObserved:
    return MetricsObserved(
        platform=account.platform,
        account_external_id=account.external_id,
        currency=account.currency,
        time_zone=account.time_zone,
        sync_id=uuid.uuid4(),
        observations=list(observations),
    )


def this_hour() -> datetime:
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0)


@dataclass
class Scenario:
    events: list[MetricsObserved]  # in publishing order: shuffled, out of order, with duplicates
    truth: dict[tuple, Totals]  # the facts that must remain: the latest report of each key

    def campaign_rollups(self) -> dict[tuple, Totals]:
        """(platform, account, campaign, granularity, period_start) -> totals, summed plainly."""
        zones = {(a.platform, a.external_id): ZoneInfo(a.time_zone) for a in (GOOGLE, META)}
        sums: dict[tuple, Totals] = defaultdict(Totals)
        for (platform, account, campaign, _group, _ad, hour), totals in self.truth.items():
            local = hour.astimezone(zones[(platform, account)])
            day = local.replace(hour=0).astimezone(UTC)
            sums[(platform, account, campaign, "hour", hour)] += totals
            sums[(platform, account, campaign, "day", day)] += totals
        return dict(sums)


def scenario(
    seed: int,
    *,
    accounts: tuple[Account, ...] = (GOOGLE, META),
    campaigns: int = 2,
    ads: int = 2,
    hours: int = 6,
    versions: int = 3,
    per_batch: int = 7,
    duplicates: int = 5,
) -> Scenario:
    """Every key reported `versions` times with different numbers, batches shuffled, some sent twice."""
    rng = random.Random(seed)
    first_hour = this_hour() - (hours + 3) * HOUR
    truth: dict[tuple, Totals] = {}
    by_account: dict[Account, list[MetricObservation]] = defaultdict(list)
    for account in accounts:
        for c in range(campaigns):
            for g in range(ads):
                for h in range(hours):
                    hour = first_hour + h * HOUR
                    key = (
                        account.platform,
                        account.external_id,
                        f"{account.platform}-c{c}",
                        f"g{g}",
                        f"a{g}",
                        hour,
                    )
                    for v in range(versions):
                        values = Totals(
                            rng.randint(0, 5000),
                            rng.randint(0, 200),
                            rng.randint(0, 50_000_000),
                            rng.randint(0, 40) * 250_000,  # conversions in quarters
                            rng.randint(0, 90_000_000),
                        )
                        reported_at = hour + HOUR + v * timedelta(minutes=37)
                        by_account[account].append(
                            observation(
                                key[2],
                                hour,
                                reported_at,
                                ad_group=key[3],
                                ad=key[4],
                                impressions=values.impressions,
                                clicks=values.clicks,
                                cost_micros=values.cost_micros,
                                conversions=values.conversions_micros / 1_000_000,
                                conversion_value_micros=values.conversion_value_micros,
                            )
                        )
                        if v == versions - 1:
                            truth[key] = values
    events = []
    for account, observations in by_account.items():
        rng.shuffle(observations)
        for start in range(0, len(observations), per_batch):
            events.append(batch(account, observations[start : start + per_batch]))
    events += [rng.choice(events) for _ in range(duplicates)]  # the same batch sent again
    rng.shuffle(events)
    return Scenario(events=events, truth=truth)


def fold_rollup_events(events: Iterable[Any]) -> dict[tuple, Totals]:
    """What a read model following rollup_updated ends with (later rows replace earlier ones)."""
    folded: dict[tuple, Totals] = {}
    for envelope in events:
        for row in envelope.data.rows:
            key = (row.platform, row.account_external_id, row.campaign_id, row.granularity, row.period_start)
            folded[key] = Totals(
                row.impressions,
                row.clicks,
                row.cost_micros,
                round(row.conversions * 1_000_000),
                row.conversion_value_micros,
            )
    return folded


class Reports:
    """Building observation batches (a fixture so that test modules share it)."""

    GOOGLE = GOOGLE
    META = META
    HOUR = HOUR
    observation = staticmethod(observation)
    batch = staticmethod(batch)
    this_hour = staticmethod(this_hour)
    scenario = staticmethod(scenario)
    fold_rollup_events = staticmethod(fold_rollup_events)


@pytest.fixture(scope="session")
def reports() -> type[Reports]:
    return Reports


class AnalyticsState:
    """Reads what analytics-ingest stored (straight from its tables)."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url

    async def _rows(self, statement) -> list[Any]:
        engine = create_async_engine(self.database_url)
        try:
            async with engine.connect() as connection:
                return list(await connection.execute(statement))
        finally:
            await engine.dispose()

    async def facts(self) -> dict[tuple, Totals]:
        rows = await self._rows(select(metric_fact))
        return {
            (r.platform, r.account_external_id, r.campaign_id, r.ad_group_id, r.ad_id, r.hour_start): _totals(
                r
            )
            for r in rows
        }

    async def rollups(self) -> dict[RollupKey, Totals]:
        rows = await self._rows(select(rollup))
        return {
            RollupKey(
                r.level,
                r.granularity,
                r.platform,
                r.account_external_id,
                r.campaign_id,
                r.ad_group_id,
                r.ad_id,
                r.period_start,
            ): _totals(r)
            for r in rows
        }

    async def history(self) -> list[Any]:
        return await self._rows(select(metric_fact_history).order_by(metric_fact_history.c.id))

    async def scalar(self, sql: str) -> Any:
        return (await self._rows(text(sql)))[0][0]

    async def wait_until(self, sql: str, timeout: float = 30.0) -> None:
        """Poll a boolean query until it is true."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            try:
                if await self.scalar(sql):
                    return
            except Exception:  # tables not migrated yet
                pass
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"still false after {timeout}s: {sql}")
            await asyncio.sleep(0.05)

    async def wait_for_facts(
        self, expected: dict[tuple, Totals], timeout: float = 30.0
    ) -> dict[tuple, Totals]:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            try:
                facts = await self.facts()
            except Exception:  # tables not migrated yet
                facts = {}
            if facts == expected or asyncio.get_running_loop().time() > deadline:
                return facts
            await asyncio.sleep(0.1)


def _totals(row: Any) -> Totals:
    return Totals(
        row.impressions, row.clicks, row.cost_micros, row.conversions_micros, row.conversion_value_micros
    )


@pytest.fixture
def state(database_url: str) -> AnalyticsState:
    return AnalyticsState(database_url)
