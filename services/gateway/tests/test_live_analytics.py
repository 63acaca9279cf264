"""Service tests: analytics read model, anomalies and notifications (gateway + NATS + PostgreSQL)."""

from __future__ import annotations

import asyncio
import csv
import io
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select

from zamc_events.contracts.campaign import DeploymentCompleted, TargetOutcome
from zamc_events.contracts.common import PlatformError
from zamc_events.contracts.metrics import AnomalyDetected, RollupRow, RollupUpdated
from zamc_gateway.adapters import db
from zamc_gateway.adapters.live_db import analytics_rollups
from zamc_testing.service import publish_event

pytestmark = pytest.mark.service

HOUR0 = datetime(2026, 11, 2, 8, tzinfo=UTC)


async def seed_project(gateway, org_id: uuid.UUID, name: str = "Shoes") -> uuid.UUID:
    project_id = uuid.uuid4()
    async with gateway.sessions() as session, session.begin():
        await session.execute(
            insert(db.projects).values(
                id=project_id, organization_id=org_id, name=name, business={"name": name}
            )
        )
    return project_id


async def seed_campaign(
    gateway, org_id: uuid.UUID, project_id: uuid.UUID, platform: str, platform_campaign_id: str
) -> uuid.UUID:
    """A platform campaign as the core projection records it after a deployment."""
    campaign_id = uuid.uuid4()
    async with gateway.sessions() as session, session.begin():
        await session.execute(
            insert(db.platform_campaigns).values(
                id=campaign_id,
                organization_id=org_id,
                project_id=project_id,
                deployment_id=uuid.uuid4(),
                strategy_id=uuid.uuid4(),
                platform=platform,
                account_external_id="acc-1",
                platform_campaign_id=platform_campaign_id,
                name=f"{platform} campaign",
                status="ENABLED",
                currency="EUR",
            )
        )
    return campaign_id


def rollup(
    platform: str, campaign: str, hours: list[int], *, settled: bool, observed: datetime, clicks=10, **over
):
    rows = [
        RollupRow(
            platform=platform,
            account_external_id="acc-1",
            campaign_id=campaign,
            period_start=HOUR0 + timedelta(hours=h),
            granularity="hour",
            currency="EUR",
            impressions=over.get("impressions", 100),
            clicks=clicks,
            cost_micros=over.get("cost_micros", 5_000_000),
            conversions=over.get("conversions", 1.0),
            conversion_value_micros=over.get("conversion_value_micros", 20_000_000),
            settled=settled,
        )
        for h in hours
    ]
    rows.append(
        RollupRow(
            platform=platform,
            account_external_id="acc-1",
            campaign_id=campaign,
            period_start=HOUR0.replace(hour=0),
            granularity="day",
            currency="EUR",
            impressions=sum(r.impressions for r in rows),
            clicks=sum(r.clicks for r in rows),
            cost_micros=sum(r.cost_micros for r in rows),
            conversions=sum(r.conversions for r in rows),
            conversion_value_micros=sum(r.conversion_value_micros for r in rows),
            settled=settled,
        )
    )
    return RollupUpdated(
        platform=platform,
        account_external_id="acc-1",
        campaign_id=campaign,
        window_start=HOUR0,
        window_end=HOUR0 + timedelta(hours=len(hours)),
        rows=rows,
        observed_at=observed,
    )


async def eventually(probe, *, timeout: float = 15.0, interval: float = 0.1):
    """Call `probe()` until it returns a truthy value; returns it."""
    async with asyncio.timeout(timeout):
        while True:
            value = await probe()
            if value:
                return value
            await asyncio.sleep(interval)


RANGE = {"from": HOUR0.isoformat(), "to": (HOUR0 + timedelta(days=1)).isoformat()}


async def test_rollups_are_projected_into_summary_timeseries_and_csv(
    gateway, client, signup, problem, jetstream
):
    owner = await signup()
    project = await seed_project(gateway, owner.org_id)
    google = await seed_campaign(gateway, owner.org_id, project, "google_ads", "111")
    await seed_campaign(gateway, owner.org_id, project, "meta", "m-222")
    t0 = datetime.now(UTC)
    await publish_event(
        jetstream, rollup("google_ads", "111", [0, 1], settled=True, observed=t0), tenant_id=owner.org_id
    )
    await publish_event(jetstream, rollup("meta", "m-222", [0], settled=False, observed=t0, clicks=30))
    # a rollup of a campaign ZAMC does not know is stored but shows up nowhere
    await publish_event(jetstream, rollup("google_ads", "999", [0], settled=True, observed=t0))

    async def summary():
        response = await client.get(
            "/analytics/summary", params={"project_id": str(project), **RANGE}, headers=owner.headers
        )
        assert response.status_code == 200, response.text
        body = response.json()
        return body if body["overall"] and body["overall"]["clicks"] == 50 else None

    body = await eventually(summary)
    google_totals, meta_totals = body["platforms"]
    assert (google_totals["platform"], google_totals["clicks"], google_totals["impressions"]) == (
        "google_ads",
        20,
        200,
    )
    assert (meta_totals["platform"], meta_totals["clicks"]) == ("meta", 30)
    overall = body["overall"]
    assert overall["spend_micros"] == 15_000_000 and overall["conversion_value_micros"] == 60_000_000
    assert overall["ctr"] == pytest.approx(50 / 300, abs=1e-6) and overall["cpc_micros"] == 300_000
    assert overall["cpa_micros"] == 5_000_000 and overall["roas"] == 4.0
    assert body["settled"] is False

    # a restatement with an older report time never overwrites; a newer one does
    stale = rollup("google_ads", "111", [0], settled=True, observed=t0 - timedelta(hours=1), clicks=999)
    fresh = rollup("google_ads", "111", [1], settled=True, observed=t0 + timedelta(minutes=5), clicks=40)
    await publish_event(jetstream, stale)
    await publish_event(jetstream, fresh)

    async def hourly():
        response = await client.get(
            "/analytics/timeseries",
            params={"campaign_id": str(google), "granularity": "hour", **RANGE},
            headers=owner.headers,
        )
        assert response.status_code == 200, response.text
        points = response.json()["points"]
        return points if [p["clicks"] for p in points] == [10, 40] else None

    points = await eventually(hourly)
    assert [p["provisional"] for p in points] == [False, False]
    async with gateway.sessions() as session:
        stored = await session.scalar(
            select(analytics_rollups.c.clicks).where(
                analytics_rollups.c.campaign_id == "111", analytics_rollups.c.period_start == HOUR0
            )
        )
    assert stored == 10

    daily = await client.get(
        "/analytics/timeseries",
        params={"project_id": str(project), "granularity": "day", **RANGE},
        headers=owner.headers,
    )
    assert daily.status_code == 200
    [day] = daily.json()["points"]
    assert day["provisional"] is True  # the meta day is not settled yet
    assert day["clicks"] == 40 + 30  # google restated to 40 by the newer report, meta 30

    export = await client.get(
        "/analytics/export.csv",
        params={"project_id": str(project), "granularity": "hour", **RANGE},
        headers=owner.headers,
    )
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(export.text)))
    assert {(r["platform"], r["campaign_id"], r["clicks"]) for r in rows} == {
        ("google_ads", "111", "10"),
        ("google_ads", "111", "40"),
        ("meta", "m-222", "30"),
    }

    # errors: both or neither scope, inverted range, another tenant's ids
    problem(
        await client.get("/analytics/timeseries", params=RANGE, headers=owner.headers),
        422,
        field="/campaign_id",
    )
    problem(
        await client.get(
            "/analytics/summary",
            params={"project_id": str(project), "from": RANGE["to"], "to": RANGE["from"]},
            headers=owner.headers,
        ),
        422,
        field="/from",
    )
    problem(await client.get("/analytics/summary", params={"project_id": str(project)}), 401)
    intruder = await signup(organization="Other")
    problem(
        await client.get("/analytics/summary", params={"project_id": str(project)}, headers=intruder.headers),
        404,
    )
    problem(
        await client.get(
            "/analytics/timeseries", params={"campaign_id": str(google)}, headers=intruder.headers
        ),
        404,
    )
    problem(
        await client.get(
            "/analytics/export.csv", params={"project_id": str(project)}, headers=intruder.headers
        ),
        404,
    )


async def test_anomalies_and_deployments_notify_every_member_once(
    gateway, client, signup, problem, jetstream
):
    owner = await signup()
    project = await seed_project(gateway, owner.org_id)
    await seed_campaign(gateway, owner.org_id, project, "google_ads", "321")
    anomaly = AnomalyDetected(
        platform="google_ads",
        account_external_id="acc-1",
        campaign_id="321",
        kind="spend_spike",
        hour_start=HOUR0,
        evidence={"spend_micros": 90_000_000, "baseline_micros": 10_000_000},
    )
    envelope = await publish_event(jetstream, anomaly)
    # the same event again (a redelivery from the producer's relay with a new message id) notifies nobody twice
    await jetstream.publish(anomaly.subject, envelope.to_json())

    async def notifications():
        response = await client.get("/notifications", headers=owner.headers)
        assert response.status_code == 200, response.text
        body = response.json()
        return body if body["items"] else None

    body = await eventually(notifications)
    [item] = body["items"]
    assert item["kind"] == "anomaly_detected" and "Spend spiked" in item["title"]
    assert item["project_id"] == str(project) and body["unread_count"] == 1

    anomalies = await client.get(
        "/analytics/anomalies", params={"project_id": str(project)}, headers=owner.headers
    )
    assert [a["kind"] for a in anomalies.json()] == ["spend_spike"]

    # deployment completed (the deployment belongs to the owner's org through the envelope tenant)
    completed = DeploymentCompleted(
        deployment_id=uuid.uuid4(),
        strategy_id=uuid.uuid4(),
        status="partially_failed",
        targets=[
            TargetOutcome(platform="google_ads", account_external_id="acc-1", status="succeeded"),
            TargetOutcome(
                platform="meta",
                account_external_id="act_1",
                status="failed",
                error=PlatformError(code="BUDGET_TOO_LOW", message="daily budget below minimum"),
            ),
        ],
    )
    await publish_event(jetstream, completed, tenant_id=owner.org_id)
    body = await eventually(lambda: _with_count(client, owner, 2))
    newest = body["items"][0]
    assert newest["kind"] == "deployment_failed" and "daily budget below minimum" in newest["body"]

    intruder = await signup(organization="Other")
    problem(await client.post(f"/notifications/{item['id']}/read", headers=intruder.headers), 404)
    assert (await client.get("/notifications", headers=intruder.headers)).json()["items"] == []

    read = await client.post(f"/notifications/{item['id']}/read", headers=owner.headers)
    assert read.status_code == 200 and read.json()["read"] is True
    count = await client.get("/notifications/unread-count", headers=owner.headers)
    assert count.json() == {"unread_count": 1}
    unread = await client.get("/notifications", params={"unread": "true"}, headers=owner.headers)
    assert [n["kind"] for n in unread.json()["items"]] == ["deployment_failed"]
    all_read = await client.post("/notifications/read-all", headers=owner.headers)
    assert all_read.json()["marked"] == 1
    problem(await client.post(f"/notifications/{uuid.uuid4()}/read", headers=owner.headers), 404)


async def _with_count(client, account, count):
    body = (await client.get("/notifications", headers=account.headers)).json()
    return body if len(body["items"]) >= count else None
