"""Benchmark of analytics-ingest: storage throughput and publish -> rollup_updated freshness.

    .venv/bin/python tests/perf/bench_analytics.py                       # 1,000,000 observations
    .venv/bin/python tests/perf/bench_analytics.py --observations 20000 --latency-seconds 5   # quick

Starts its own nats-server and PostgreSQL (embedded wheels, temporary directories, free ports),
runs analytics-ingest in this process and

1. throughput: publishes N observations (batches of 500: one account, 100 ads x 5 hours) to
   `zamc.metrics.observed.v1` before the consumer starts, then measures from consumer start until
   every observation is stored (facts + rollups in the same transactions: rollups are current in
   the database) and until every changed campaign's rollup_updated has been published; checks the
   stored totals against the generated ones;
2. freshness: publishes 1,000 observations/s (10 events/s x 100 observations, 10 live campaigns
   re-reporting their current hour with growing numbers) and measures, per published event, the
   time until a rollup_updated for its campaign with `observed_at` >= its report time arrives.

It prints the figures; it asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import signal
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import asyncpg
import nats

from zamc_analytics_ingest.config import Settings
from zamc_analytics_ingest.main import definition
from zamc_cli.embedded import EmbeddedNats, EmbeddedPostgres, free_port
from zamc_events.contracts.metrics import MetricsObserved, RollupUpdated
from zamc_events.runtime.migrations import upgrade_to_head
from zamc_events.runtime.service import ServiceRuntime
from zamc_events.runtime.streams import provision_streams

ACCOUNTS = 20
CAMPAIGNS_PER_ACCOUNT = 10
ADS_PER_CAMPAIGN = 10
HOURS_PER_EVENT = 5
BATCH = CAMPAIGNS_PER_ACCOUNT * ADS_PER_CAMPAIGN * HOURS_PER_EVENT  # 500 observations per event
SUBJECT = MetricsObserved.subject


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _envelope(data: str) -> bytes:
    event_id = str(uuid.uuid4())
    return (
        f'{{"event_id":"{event_id}","type":"{SUBJECT}","occurred_at":"{_iso(datetime.now(UTC))}",'
        f'"producer":"bench","tenant_id":null,"correlation_id":"{event_id}","causation_id":null,'
        f'"data":{data}}}'
    ).encode()


def _account(index: int) -> tuple[str, str, str, str]:
    if index % 2:
        return ("meta", f"act_{index}", "USD", "America/New_York")
    return ("google_ads", f"{index:03d}-000-0000", "EUR", "Europe/Berlin")


def _batch_json(platform: str, account: str, currency: str, tz: str, observations: list[str]) -> str:
    return (
        f'{{"platform":"{platform}","account_external_id":"{account}","currency":"{currency}",'
        f'"time_zone":"{tz}","sync_id":"{uuid.uuid4()}","observations":[{",".join(observations)}]}}'
    )


def _observation(campaign: str, ad: str, hour: str, reported: str, impressions: int, seed: int) -> str:
    clicks = impressions // 37
    quarters = seed % 8
    return (
        f'{{"campaign_id":"{campaign}","ad_group_id":"{campaign}-g","ad_id":"{ad}","hour_start":"{hour}",'
        f'"impressions":{impressions},"clicks":{clicks},"cost_micros":{clicks * 350_000 + seed % 1000},'
        f'"conversions":{quarters * 0.25},"conversion_value_micros":{quarters * 12_000_000},'
        f'"reported_at":"{reported}"}}'
    )


@dataclass
class Generated:
    payloads: list[bytes] = field(default_factory=list)
    observations: int = 0
    impressions: int = 0
    cost_micros: int = 0


def generate(observations: int) -> Generated:
    """`observations` (rounded up to 500) distinct facts: event k = account k % 20, hour block k // 20."""
    events = max(1, -(-observations // BATCH))
    blocks = -(-events // ACCOUNTS)
    first_hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(
        hours=blocks * HOURS_PER_EVENT + 2
    )
    reported = _iso(datetime.now(UTC) - timedelta(minutes=5))
    out = Generated()
    for k in range(events):
        platform, account, currency, tz = _account(k % ACCOUNTS)
        block = k // ACCOUNTS
        items = []
        for h in range(HOURS_PER_EVENT):
            hour = _iso(first_hour + timedelta(hours=block * HOURS_PER_EVENT + h))
            for c in range(CAMPAIGNS_PER_ACCOUNT):
                campaign = f"{account}-c{c}"
                for a in range(ADS_PER_CAMPAIGN):
                    seed = k * 31 + (c * ADS_PER_CAMPAIGN + a) * 17 + h * 7
                    impressions = 100 + seed % 900
                    items.append(
                        _observation(campaign, f"{campaign}-a{a}", hour, reported, impressions, seed)
                    )
                    clicks = impressions // 37
                    out.impressions += impressions
                    out.cost_micros += clicks * 350_000 + seed % 1000
        out.payloads.append(_envelope(_batch_json(platform, account, currency, tz, items)))
        out.observations += len(items)
    return out


async def _scalar(database_url: str, sql: str):
    connection = await asyncpg.connect(database_url.replace("postgresql+asyncpg", "postgresql"))
    try:
        return await connection.fetchval(sql)
    finally:
        await connection.close()


async def _wait(database_url: str, sql: str, *, interval: float = 0.2, timeout: float = 3600) -> float:
    connection = await asyncpg.connect(database_url.replace("postgresql+asyncpg", "postgresql"))
    deadline = time.monotonic() + timeout
    try:
        while not await connection.fetchval(sql):
            if time.monotonic() > deadline:
                raise TimeoutError(sql)
            await asyncio.sleep(interval)
        return time.monotonic()
    finally:
        await connection.close()


async def throughput(nats_url: str, database_url: str, settings: Settings, n: int) -> None:
    print(f"generating {n:,} observations ...", flush=True)
    data = generate(n)
    events = len(data.payloads)
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    await provision_streams(js)
    started = time.monotonic()
    for payload in data.payloads:
        await js.publish_async(SUBJECT, payload, headers={"Nats-Msg-Id": str(uuid.uuid4())})
    await js.publish_async_completed()
    published = time.monotonic() - started
    megabytes = sum(map(len, data.payloads)) / 1e6
    print(
        f"published   {data.observations:,} observations in {events:,} events ({megabytes:,.0f} MB) "
        f"in {published:.1f} s ({data.observations / published:,.0f} obs/s)",
        flush=True,
    )
    await nc.close()
    data.payloads.clear()

    runtime = ServiceRuntime(definition, settings)
    await runtime.start()
    started = time.monotonic()
    try:
        stored_at = await _wait(database_url, f"SELECT count(*) >= {events} FROM analytics.inbox")
        stored = stored_at - started
        print(
            f"stored      {data.observations:,} observations in {stored:.1f} s: "
            f"{data.observations / stored:,.0f} observations/s stored, rollups current in the database",
            flush=True,
        )
        published_at = await _wait(
            database_url,
            "SELECT NOT EXISTS (SELECT 1 FROM analytics.campaign_freshness WHERE dirty_since IS NOT NULL)"
            " AND NOT EXISTS (SELECT 1 FROM analytics.outbox WHERE sent_at IS NULL)",
            interval=0.05,
        )
        rollup_events = await _scalar(
            database_url, f"SELECT count(*) FROM analytics.outbox WHERE subject = '{RollupUpdated.subject}'"
        )
        print(
            f"rollups     rollup_updated published for every campaign {published_at - started:.1f} s after start "
            f"({rollup_events:,} rollup_updated events, coalesced)",
            flush=True,
        )
    finally:
        await runtime.stop()
    facts, impressions, cost = (
        await _scalar(database_url, "SELECT count(*) FROM analytics.metric_fact"),
        await _scalar(
            database_url,
            "SELECT sum(impressions) FROM analytics.rollup WHERE level = 'account' AND granularity = 'day'",
        ),
        await _scalar(
            database_url,
            "SELECT sum(cost_micros) FROM analytics.rollup WHERE level = 'campaign' AND granularity = 'hour'",
        ),
    )
    facts, impressions, cost = int(facts), int(impressions or 0), int(cost or 0)
    ok = (facts, impressions, cost) == (data.observations, data.impressions, data.cost_micros)
    print(
        f"check       facts {facts:,}, impressions {impressions:,}, cost {cost:,} micros: "
        f"{'equal to the generated totals' if ok else 'MISMATCH with the generated totals'}",
        flush=True,
    )


async def freshness(nats_url: str, settings: Settings, seconds: float, rate: int) -> None:
    campaigns = 10
    ads = 100
    per_second = rate // ads  # events per second of 100 observations
    runtime = ServiceRuntime(definition, settings)
    await runtime.start()
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    pending: dict[str, list[tuple[datetime, float]]] = {f"live-c{c}": [] for c in range(campaigns)}
    latencies: list[float] = []
    caught_up = asyncio.Event()

    async def received(message) -> None:
        now = time.monotonic()
        data = json.loads(message.data)["data"]
        waiting = pending.get(data["campaign_id"])
        if not waiting or not data.get("observed_at"):
            return
        observed = datetime.fromisoformat(data["observed_at"])
        while waiting and waiting[0][0] <= observed:
            latencies.append(now - waiting.pop(0)[1])
        if not any(pending.values()):
            caught_up.set()

    subscription = await nc.subscribe(RollupUpdated.subject, cb=received)
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    hour_iso = _iso(hour)
    sent = observations = 0
    started = time.monotonic()
    try:
        while time.monotonic() - started < seconds:
            tick = started + sent / per_second
            await asyncio.sleep(max(0.0, tick - time.monotonic()))
            campaign = f"live-c{sent % campaigns}"
            reported = datetime.now(UTC)
            items = [
                _observation(campaign, f"{campaign}-a{a}", hour_iso, _iso(reported), 1000 + sent, sent + a)
                for a in range(ads)
            ]
            payload = _envelope(_batch_json("google_ads", "live-account", "EUR", "Europe/Berlin", items))
            pending[campaign].append((reported, time.monotonic()))
            await js.publish(SUBJECT, payload, headers={"Nats-Msg-Id": str(uuid.uuid4())})
            sent += 1
            observations += ads
        elapsed = time.monotonic() - started
        if any(pending.values()):
            caught_up.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(caught_up.wait(), timeout=15)
    finally:
        await subscription.unsubscribe()
        await nc.close()
        await runtime.stop()
    lost = sum(map(len, pending.values()))
    if len(latencies) < 2:
        print("freshness   too few measurements", flush=True)
        return
    cuts = statistics.quantiles(latencies, n=100)
    print(
        f"freshness   {observations:,} observations at {observations / elapsed:,.0f}/s in {sent} events: "
        f"publish -> rollup_updated p50 {cuts[49] * 1000:,.0f} ms, p95 {cuts[94] * 1000:,.0f} ms, "
        f"max {max(latencies) * 1000:,.0f} ms"
        + (f" ({lost} events never seen in a rollup_updated)" if lost else ""),
        flush=True,
    )


async def main_async(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="zamc-bench-analytics-") as tmp:
        base = Path(tmp)
        broker = EmbeddedNats(base / "nats", port=free_port(), sync_interval="default").start()
        postgres = EmbeddedPostgres(base / "pg", port=free_port(), durable=args.durable).start()
        try:
            database_url = postgres.url("zamc")
            settings = Settings(
                nats_url=broker.url,
                database_url=database_url,
                http_port=free_port(),
                log_json=False,
                log_level="WARNING",
            )
            await asyncio.to_thread(
                upgrade_to_head,
                migrations_dir=definition.migrations_dir,
                database_url=database_url,
                schema=definition.schema,
            )
            mode = "fsync on" if args.durable else "fsync off"
            print(f"analytics-ingest benchmark: {os.cpu_count()} CPUs, PostgreSQL {mode}", flush=True)
            await throughput(broker.url, database_url, settings, args.observations)
            if args.latency_seconds > 0:
                await freshness(broker.url, settings, args.latency_seconds, args.latency_rate)
        finally:
            broker.stop()
            postgres.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--observations", type=int, default=1_000_000)
    parser.add_argument("--latency-seconds", type=float, default=30.0, help="0 skips the freshness phase")
    parser.add_argument("--latency-rate", type=int, default=1000, help="observations per second")
    parser.add_argument(
        "--no-durable", dest="durable", action="store_false", help="run PostgreSQL with fsync off"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    # SIGTERM like Ctrl-C, so that the servers started here are stopped on the way out
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
