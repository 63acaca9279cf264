"""Fixtures of the analytics-ingest tests: settings, the running service, reports and state readers."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

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


class Reports:
    """Building observation batches (a fixture so that test modules share it)."""

    GOOGLE = GOOGLE
    META = META
    HOUR = HOUR
    observation = staticmethod(observation)
    batch = staticmethod(batch)
    this_hour = staticmethod(this_hour)


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
