"""Service tests of the live part of the gateway (gateway + real NATS + PostgreSQL, other services absent):
analytics, notifications, recommendations, autopilot, assets, server-sent events and GraphQL."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import hashlib
import io
import json
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import nats
import pytest
import uvicorn
import websockets
from sqlalchemy import insert, select

from zamc_cli.embedded import free_port
from zamc_events.contracts.campaign import CampaignBidTargetChangeFailed, DeploymentCompleted, TargetOutcome
from zamc_events.contracts.common import PlatformError
from zamc_events.contracts.metrics import AnomalyDetected, RollupRow, RollupUpdated
from zamc_events.contracts.optimization import (
    ExpectedImpact,
    OptimizationApplied,
    OptimizationClosed,
    OptimizationRecommended,
    RecommendedAction,
)
from zamc_gateway.adapters import db
from zamc_gateway.adapters.live import LiveHub
from zamc_gateway.adapters.live_db import analytics_rollups
from zamc_gateway.graphql.schema import SDL_PATH, sdl
from zamc_testing.service import EventProbe, publish_event

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
    # the summary reads its query through a model (api/query.py): refused as FastAPI refuses
    for params, field in (
        ({}, "project_id"),
        ({"project_id": "not-a-uuid"}, "project_id"),
        ({"project_id": str(project), "to": "yesterday"}, "to"),
    ):
        body = problem(await client.get("/analytics/summary", params=params, headers=owner.headers), 422)
        assert [(e["field"], e["in"]) for e in body["errors"]] == [(field, "query")], body
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


@pytest.mark.parametrize("gateway_overrides", [{"summary_cache_seconds": 3600}])
async def test_remembered_totals_are_forgotten_when_the_organizations_data_changes(
    gateway, client, signup, problem, jetstream
):
    """Totals are remembered per organization (here for an hour) but never outlive a change: a
    newly projected rollup shows at once, and so does the project's deletion."""
    owner = await signup()
    project = await seed_project(gateway, owner.org_id)
    await seed_campaign(gateway, owner.org_id, project, "google_ads", "111")
    t0 = datetime.now(UTC)

    async def clicks() -> int | None:
        response = await client.get(
            "/analytics/summary", params={"project_id": str(project), **RANGE}, headers=owner.headers
        )
        assert response.status_code == 200, response.text
        overall = response.json()["overall"]
        return overall["clicks"] if overall else None

    assert await clicks() is None
    await publish_event(jetstream, rollup("google_ads", "111", [0], settled=True, observed=t0))
    assert await eventually(clicks) == 10
    await publish_event(
        jetstream, rollup("google_ads", "111", [0, 1], settled=True, observed=t0 + timedelta(seconds=1))
    )
    assert await eventually(lambda: _equal(clicks, 20)) == 20

    deleted = await client.delete(f"/projects/{project}", headers=owner.headers)
    assert deleted.status_code == 204
    problem(
        await client.get(
            "/analytics/summary", params={"project_id": str(project), **RANGE}, headers=owner.headers
        ),
        404,
    )


async def _equal(probe, expected):
    value = await probe()
    return value if value == expected else None


async def test_summary_adds_whole_days_from_the_day_sums_and_edge_hours_from_the_hourly_rollups(
    gateway, client, signup, jetstream
):
    """The summary reads whole UTC days from `analytics_rollup_days`: every range must still equal
    the plain sum of the hourly rollups in it, after restatements and whatever the range's edges."""
    owner = await signup()
    project = await seed_project(gateway, owner.org_id)
    await seed_campaign(gateway, owner.org_id, project, "google_ads", "g-1")
    await seed_campaign(gateway, owner.org_id, project, "meta", "m-1")
    base = datetime(2026, 11, 1, tzinfo=UTC)
    t0 = datetime.now(UTC)
    hourly: dict[tuple[str, int], tuple[int, bool]] = {}  # (platform, hour) -> (clicks, settled)

    def event(platform: str, campaign: str, hours: dict[int, tuple[int, bool]], observed: datetime):
        for hour, value in hours.items():
            hourly[(platform, hour)] = value
        return RollupUpdated(
            platform=platform,
            account_external_id="acc-1",
            campaign_id=campaign,
            window_start=base,
            window_end=base + timedelta(hours=72),
            rows=[
                RollupRow(
                    platform=platform,
                    account_external_id="acc-1",
                    campaign_id=campaign,
                    period_start=base + timedelta(hours=hour),
                    granularity="hour",
                    currency="EUR",
                    impressions=100 * clicks,
                    clicks=clicks,
                    cost_micros=1_000 * clicks,
                    conversions=0.5,
                    conversion_value_micros=3_000 * clicks,
                    settled=settled,
                )
                for hour, (clicks, settled) in hours.items()
            ],
            observed_at=observed,
        )

    await publish_event(
        jetstream,
        event("google_ads", "g-1", {h: (h + 1, True) for h in range(72)}, t0),
        tenant_id=owner.org_id,
    )
    await publish_event(
        jetstream,
        event("meta", "m-1", {h: (2 * h + 1, h != 37) for h in range(72)}, t0),  # 13:00 of day 2 unsettled
        tenant_id=owner.org_id,
    )
    # a later restatement of two hours of day 2 (the day's sums are recomputed)
    await publish_event(
        jetstream,
        event("google_ads", "g-1", {30: (1_000, True), 47: (7, False)}, t0 + timedelta(minutes=1)),
        tenant_id=owner.org_id,
    )

    async def summary(start: int, end: int):
        response = await client.get(
            "/analytics/summary",
            params={
                "project_id": str(project),
                "from": (base + timedelta(hours=start)).isoformat(),
                "to": (base + timedelta(hours=end)).isoformat(),
            },
            headers=owner.headers,
        )
        assert response.status_code == 200, response.text
        return response.json()

    async def restated():
        overall = (await summary(30, 48))["overall"]
        return (
            overall
            if overall
            and overall["clicks"]
            == 1_000 + 7 + sum(2 * h + 1 for h in range(30, 48)) + sum(h + 1 for h in range(31, 47))
            else None
        )

    await eventually(restated)
    for start, end in [(0, 72), (5, 67), (24, 48), (25, 30), (0, 24), (23, 49), (47, 48), (40, 72)]:
        body = await summary(start, end)
        expected = {
            platform: sum(hourly[(platform, h)][0] for h in range(start, end))
            for platform in ("google_ads", "meta")
        }
        got = {p["platform"]: p["clicks"] for p in body["platforms"]}
        assert got == expected, (start, end)
        assert body["overall"]["clicks"] == sum(expected.values())
        assert body["overall"]["impressions"] == 100 * sum(expected.values())
        assert body["overall"]["conversions"] == pytest.approx(0.5 * 2 * (end - start))
        assert body["settled"] is all(hourly[(p, h)][1] for p in expected for h in range(start, end)), (
            start,
            end,
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


# recommendations and autopilot -------------------------------------------------------------------


async def read_key(client, account) -> dict[str, str]:
    """Headers of a read-scoped API key of the account's organization."""
    response = await client.post(
        "/api-keys", json={"name": "dashboards", "scope": "read"}, headers=account.headers
    )
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['key']}"}


def recommended(project_id: uuid.UUID | None, campaign: str = "555", **over) -> OptimizationRecommended:
    return OptimizationRecommended(
        recommendation_id=over.pop("recommendation_id", uuid.uuid4()),
        project_id=project_id,
        kind="budget_shift",
        title="Move 20 EUR/day from Meta to Google Ads",
        actions=[
            RecommendedAction(
                platform="google_ads",
                account_external_id="acc-1",
                platform_object_id=campaign,
                daily_budget_micros=40_000_000,
            )
        ],
        evidence={"marginal_roas": {"google_ads": 3.1, "meta": 1.2}},
        expected_impact=ExpectedImpact(metric="roas", delta=0.4, low=0.1, high=0.7),
        confidence=0.8,
        **over,
    )


async def test_recommendations_apply_dismiss_and_autopilot(gateway, client, signup, problem, jetstream):
    owner = await signup()
    project = await seed_project(gateway, owner.org_id)
    await seed_campaign(gateway, owner.org_id, project, "google_ads", "555")
    first, second = recommended(project), recommended(None)  # the second is owned through its campaign
    async with EventProbe.watching(jetstream, "zamc.optimization.>") as probe:
        await publish_event(jetstream, first)
        await publish_event(jetstream, second)

        async def listed():
            response = await client.get(
                "/recommendations", params={"project_id": str(project)}, headers=owner.headers
            )
            assert response.status_code == 200, response.text
            return response.json() if len(response.json()) == 2 else None

        items = await eventually(listed)
        assert {i["status"] for i in items} == {"open"}
        assert {i["project_id"] for i in items} == {str(project)}
        notes = await eventually(lambda: _with_count(client, owner, 2))
        assert {n["kind"] for n in notes["items"]} == {"recommendation_available"}

        viewer = await read_key(client, owner)
        assert (
            await client.get(f"/recommendations/{first.recommendation_id}", headers=viewer)
        ).status_code == 200
        problem(await client.post(f"/recommendations/{first.recommendation_id}/apply", headers=viewer), 403)

        intruder = await signup(organization="Other")
        for path in ("apply", "dismiss"):
            problem(
                await client.post(
                    f"/recommendations/{first.recommendation_id}/{path}", headers=intruder.headers
                ),
                404,
            )
        problem(
            await client.get(f"/recommendations/{first.recommendation_id}", headers=intruder.headers), 404
        )
        problem(
            await client.get(
                "/recommendations", params={"project_id": str(project)}, headers=intruder.headers
            ),
            404,
        )
        assert (await client.get("/recommendations", headers=intruder.headers)).json() == []

        applied = await client.post(
            f"/recommendations/{first.recommendation_id}/apply", headers=owner.headers
        )
        assert applied.status_code == 202 and applied.json()["status"] == "apply_requested"
        problem(
            await client.post(f"/recommendations/{first.recommendation_id}/apply", headers=owner.headers), 409
        )
        problem(
            await client.post(f"/recommendations/{first.recommendation_id}/dismiss", headers=owner.headers),
            409,
        )
        dismissed = await client.post(
            f"/recommendations/{second.recommendation_id}/dismiss", headers=owner.headers
        )
        assert dismissed.status_code == 200 and dismissed.json()["status"] == "dismissed"

        [request] = await probe.wait_for(
            "zamc.optimization.apply_requested.v1", lambda d: d.recommendation_id == first.recommendation_id
        )
        assert request.tenant_id == owner.org_id and request.data.requested_by == owner.user_id
        [dismissal] = await probe.wait_for("zamc.optimization.dismissed.v1")
        assert dismissal.data.recommendation_id == second.recommendation_id
        assert not probe.of("zamc.optimization.apply_requested.v1")[1:]  # the 409s emitted nothing

        # the optimiser confirms: applied
        change_id = uuid.uuid4()
        await publish_event(
            jetstream,
            OptimizationApplied(
                recommendation_id=first.recommendation_id, change_ids=[change_id], applied_by="autopilot"
            ),
        )

        async def applied_status():
            body = (
                await client.get(f"/recommendations/{first.recommendation_id}", headers=owner.headers)
            ).json()
            return body if body["status"] == "applied" else None

        body = await eventually(applied_status)
        assert body["change_ids"] == [str(change_id)] and body["applied_by"] == "autopilot"
        notes = await eventually(lambda: _with_count(client, owner, 3))
        [done] = [n for n in notes["items"] if n["kind"] == "recommendation_applied"]
        assert done["resource_id"] == str(first.recommendation_id) and done["body"] == first.title
        assert done["title"] == "Autopilot applied a recommendation" and done["project_id"] == str(project)

        # the platform refuses the change the recommendation sent: every member is told why
        await publish_event(
            jetstream,
            CampaignBidTargetChangeFailed(
                change_id=change_id,
                platform="google_ads",
                account_external_id="123",
                platform_campaign_id="555",
                error=PlatformError(
                    code="BIDDING_STRATEGY_NOT_SUPPORTED", message="the campaign bids manually"
                ),
            ),
            tenant_id=owner.org_id,
        )
        notes = await eventually(lambda: _with_count(client, owner, 4))
        [refused] = [n for n in notes["items"] if n["kind"] == "recommendation_failed"]
        assert refused["severity"] == "error" and refused["resource_id"] == str(first.recommendation_id)
        assert refused["title"] == "Google Ads refused a recommended change"
        assert refused["body"].startswith(f"{first.title}: the campaign bids manually.")

        # autopilot
        problem(
            await client.post(f"/projects/{project}/autopilot", json={"enabled": True}, headers=viewer), 403
        )
        problem(
            await client.post(
                f"/projects/{project}/autopilot", json={"enabled": True}, headers=intruder.headers
            ),
            404,
        )
        problem(
            await client.post(f"/projects/{project}/autopilot", json={"on": True}, headers=owner.headers), 422
        )
        switched = await client.post(
            f"/projects/{project}/autopilot", json={"enabled": True}, headers=owner.headers
        )
        assert switched.status_code == 200 and switched.json()["enabled"] is True
        assert (await client.get(f"/projects/{project}/autopilot", headers=owner.headers)).json()[
            "enabled"
        ] is True
        [change] = await probe.wait_for("zamc.optimization.autopilot_changed.v1")
        assert change.tenant_id == owner.org_id
        assert (change.data.project_id, change.data.enabled, change.data.platform_campaign_ids) == (
            project,
            True,
            ["555"],
        )
        assert (
            len(probe.of("zamc.optimization.autopilot_changed.v1")) == 1
        )  # the refused calls emitted nothing


# assets ----------------------------------------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))
PNG_2 = b"\x89PNG\r\n\x1a\n" + bytes(range(64, 160))


async def test_recommendations_the_optimiser_closes_show_why_and_a_refused_apply_notifies(
    gateway, client, signup, problem, jetstream
):
    owner = await signup()
    project = await seed_project(gateway, owner.org_id)
    await seed_campaign(gateway, owner.org_id, project, "google_ads", "555")
    refused, stale = recommended(project), recommended(project, campaign="556")
    await publish_event(jetstream, refused)
    await publish_event(jetstream, stale)

    async def status_of(recommendation: OptimizationRecommended, wanted: str):
        body = (
            await client.get(f"/recommendations/{recommendation.recommendation_id}", headers=owner.headers)
        ).json()
        return body if body.get("status") == wanted else None

    await eventually(lambda: status_of(refused, "open"))
    await eventually(lambda: status_of(stale, "open"))
    applied = await client.post(f"/recommendations/{refused.recommendation_id}/apply", headers=owner.headers)
    assert applied.status_code == 202 and applied.json()["status"] == "apply_requested"

    reason = "guardrails: cooldown: google_ads:acc-1:555 changed 3 h ago"
    await publish_event(
        jetstream,
        OptimizationClosed(
            recommendation_id=refused.recommendation_id,
            status="refused",
            reason=reason,
            closed_by=f"user:{owner.user_id}",
        ),
    )
    await publish_event(
        jetstream,
        OptimizationClosed(
            recommendation_id=stale.recommendation_id, status="expired", reason="open for more than 48 h"
        ),
    )
    body = await eventually(lambda: status_of(refused, "refused"))
    assert body["reason"] == reason
    assert (await eventually(lambda: status_of(stale, "expired")))["reason"] == "open for more than 48 h"
    problem(
        await client.post(f"/recommendations/{stale.recommendation_id}/apply", headers=owner.headers), 409
    )

    notes = await eventually(lambda: _with_count(client, owner, 3))
    [note] = [n for n in notes["items"] if n["kind"] == "recommendation_refused"]
    assert note["title"] == "Recommendation not applied" and note["severity"] == "warning"
    assert note["body"] == f"{refused.title}: {reason}. Nothing was changed on the platforms."


async def test_assets_upload_dedupe_versions_review_and_content(gateway, client, signup, problem, jetstream):
    owner = await signup()
    project = await seed_project(gateway, owner.org_id)
    uploaded = await client.post(
        f"/projects/{project}/assets",
        files={"file": ("hero.png", PNG, "image/png")},
        data={"name": "Hero image"},
        headers=owner.headers,
    )
    assert uploaded.status_code == 201, uploaded.text
    asset = uploaded.json()
    assert (asset["name"], asset["kind"], asset["status"], asset["current_version"]) == (
        "Hero image",
        "image",
        "pending_review",
        1,
    )
    assert asset["sha256"] == hashlib.sha256(PNG).hexdigest() and asset["size_bytes"] == len(PNG)
    bucket = await jetstream.object_store("zamc-assets")
    assert (await bucket.get(asset["sha256"])).data == PNG

    again = await client.post(
        f"/projects/{project}/assets", files={"file": ("copy.png", PNG, "image/png")}, headers=owner.headers
    )
    assert again.status_code == 200 and again.json()["id"] == asset["id"]

    content = await client.get(f"/assets/{asset['id']}/content", headers=owner.headers)
    assert content.status_code == 200 and content.content == PNG
    assert (
        content.headers["content-type"] == "image/png" and content.headers["etag"] == f'"{asset["sha256"]}"'
    )

    text = await client.post(
        f"/projects/{project}/assets",
        files={"file": ("claim.txt", b"Schuhe, die mitlaufen.", "text/plain")},
        headers=owner.headers,
    )
    assert text.status_code == 201 and text.json()["kind"] == "text" and text.json()["name"] == "claim.txt"

    problem(
        await client.post(
            f"/projects/{project}/assets",
            files={"file": ("x.png", b"<svg onload=alert(1)>", "image/png")},
            headers=owner.headers,
        ),
        422,
        field="/file",
    )
    problem(
        await client.post(
            f"/projects/{project}/assets",
            files={"file": ("big.txt", b"a" * (64 * 1024 + 1), "text/plain")},
            headers=owner.headers,
        ),
        413,
    )

    version = await client.post(
        f"/assets/{asset['id']}/versions",
        files={"file": ("hero2.png", PNG_2, "image/png")},
        headers=owner.headers,
    )
    assert version.status_code == 201 and version.json()["current_version"] == 2
    assert [v["version"] for v in version.json()["versions"]] == [1, 2]
    same = await client.post(
        f"/assets/{asset['id']}/versions",
        files={"file": ("hero2.png", PNG_2, "image/png")},
        headers=owner.headers,
    )
    assert same.status_code == 200 and same.json()["current_version"] == 2
    problem(
        await client.post(
            f"/assets/{asset['id']}/versions",
            files={"file": ("t.txt", b"words", "text/plain")},
            headers=owner.headers,
        ),
        422,
        field="/file",
    )
    assert (await client.get(f"/assets/{asset['id']}/content", headers=owner.headers)).content == PNG_2
    first = await client.get(f"/assets/{asset['id']}/content", params={"version": 1}, headers=owner.headers)
    assert first.content == PNG

    approved = await client.post(f"/assets/{asset['id']}/approve", headers=owner.headers)
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    problem(await client.post(f"/assets/{asset['id']}/approve", headers=owner.headers), 409)
    rejected = await client.post(
        f"/assets/{asset['id']}/reject", json={"note": "off-brand"}, headers=owner.headers
    )
    assert rejected.json()["status"] == "rejected" and rejected.json()["review_note"] == "off-brand"

    viewer = await read_key(client, owner)
    assert (await client.get(f"/assets/{asset['id']}", headers=viewer)).status_code == 200
    problem(await client.post(f"/assets/{asset['id']}/approve", headers=viewer), 403)
    problem(
        await client.post(
            f"/projects/{project}/assets", files={"file": ("a.png", PNG, "image/png")}, headers=viewer
        ),
        403,
    )

    intruder = await signup(organization="Other")
    other_project = await seed_project(gateway, intruder.org_id)
    for method, path in (
        ("get", f"/assets/{asset['id']}"),
        ("get", f"/assets/{asset['id']}/content"),
        ("post", f"/assets/{asset['id']}/approve"),
        ("post", f"/assets/{asset['id']}/reject"),
        ("get", f"/projects/{project}/assets"),
    ):
        problem(await client.request(method, path, headers=intruder.headers), 404)
    problem(
        await client.post(
            f"/assets/{asset['id']}/versions",
            files={"file": ("v.png", PNG, "image/png")},
            headers=intruder.headers,
        ),
        404,
    )
    problem(
        await client.post(
            f"/projects/{project}/assets",
            files={"file": ("a.png", PNG, "image/png")},
            headers=intruder.headers,
        ),
        404,
    )
    # the same bytes in another organization's project are that organization's own asset
    theirs = await client.post(
        f"/projects/{other_project}/assets",
        files={"file": ("a.png", PNG, "image/png")},
        headers=intruder.headers,
    )
    assert theirs.status_code == 201 and theirs.json()["id"] != asset["id"]
    listed = await client.get(f"/projects/{project}/assets", headers=owner.headers)
    assert {a["id"] for a in listed.json()} == {asset["id"], text.json()["id"]}
    unchanged = (await client.get(f"/assets/{asset['id']}", headers=owner.headers)).json()
    assert (unchanged["status"], unchanged["current_version"]) == ("rejected", 2)


# server-sent events and GraphQL over a real HTTP server ------------------------------------------------


class _TestServer(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self):
        yield


@pytest.fixture
async def served(gateway):
    """The gateway's HTTP app on a free loopback port (streams need a real server), stopped after the test."""
    port = free_port()
    server = _TestServer(
        uvicorn.Config(
            gateway.build_http_app(),
            host="127.0.0.1",
            port=port,
            log_config=None,
            access_log=False,
            lifespan="off",
            ws="websockets-sansio",
            timeout_graceful_shutdown=1,
        )
    )
    task = asyncio.create_task(server.serve())
    async with asyncio.timeout(10):
        while not server.started:  # noqa: ASYNC110 - uvicorn offers no event to wait on
            await asyncio.sleep(0.02)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)


class EventStream:
    """Reads `text/event-stream` frames from an open response into a list."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.events: list[tuple[str, dict]] = []
        self._task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        event, data = None, []
        async for line in self.response.aiter_lines():
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: "):
                data.append(line[6:])
            elif line == "" and event is not None:
                self.events.append((event, json.loads("".join(data))))
                event, data = None, []

    async def wait_for(self, topic: str, where=lambda data: True, timeout: float = 15.0) -> dict:
        async with asyncio.timeout(timeout):
            while True:
                for name, payload in self.events:
                    if name == topic and where(payload):
                        return payload
                await asyncio.sleep(0.05)

    def topics(self) -> list[str]:
        return [name for name, _ in self.events]

    def close(self) -> None:
        self._task.cancel()


@contextlib.asynccontextmanager
async def event_stream(http: httpx.AsyncClient, headers: dict[str, str], **params):
    async with http.stream("GET", "/stream", headers=headers, params=params) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        stream = EventStream(response)
        try:
            await stream.wait_for("ready")
            yield stream
        finally:
            stream.close()


async def test_stream_pushes_each_organizations_changes_to_it_alone(
    gateway, served, signup, problem, jetstream, nats_url
):
    owner = await signup()
    intruder = await signup(organization="Other")
    project = await seed_project(gateway, owner.org_id)
    campaign = await seed_campaign(gateway, owner.org_id, project, "google_ads", "777")
    # another replica: its own NATS connection and hub, no consumer of its own
    replica_nc = await nats.connect(nats_url)
    replica = LiveHub(replica_nc)
    try:
        async with (
            httpx.AsyncClient(base_url=f"http://{served}/api/v1", timeout=30) as http,
            replica.subscription(organization_id=owner.org_id, user_id=owner.user_id) as on_replica,
        ):
            problem(await http.get("/stream", params={"topics": "gossip"}, headers=owner.headers), 422)
            problem(await http.get("/stream"), 401)
            async with (
                event_stream(http, owner.headers) as mine,
                event_stream(http, intruder.headers) as theirs,
                event_stream(http, owner.headers, topics="notification.created") as only_notifications,
            ):
                await publish_event(
                    jetstream, rollup("google_ads", "777", [0], settled=False, observed=datetime.now(UTC))
                )
                metrics = await mine.wait_for("metrics.updated")
                assert metrics["organization_id"] == str(owner.org_id)
                assert metrics["data"]["campaign_id"] == str(campaign) and metrics["data"][
                    "project_id"
                ] == str(project)
                assert metrics["data"]["rows"][0]["clicks"] == 10

                suggestion = recommended(project, "777")
                await publish_event(jetstream, suggestion)
                changed = await mine.wait_for("recommendation.changed")
                assert changed["data"]["id"] == str(suggestion.recommendation_id)
                note = await mine.wait_for("notification.created")
                assert (
                    note["user_id"] == str(owner.user_id)
                    and note["data"]["kind"] == "recommendation_available"
                )
                await only_notifications.wait_for("notification.created")

                # a change made through the API (after its transaction commits) is pushed too
                async with httpx.AsyncClient(base_url=f"http://{served}/api/v1") as api:
                    applied = await api.post(
                        f"/recommendations/{suggestion.recommendation_id}/apply", headers=owner.headers
                    )
                    assert applied.status_code == 202
                await mine.wait_for(
                    "recommendation.changed", lambda p: p["data"]["status"] == "apply_requested"
                )

                # the other replica heard every change too
                seen = []
                async with asyncio.timeout(10):
                    while {"metrics.updated", "recommendation.changed", "notification.created"} - set(seen):
                        item = await on_replica.get(timeout=10)
                        seen.append(item.topic)
                await asyncio.sleep(0.3)
                assert theirs.topics() == ["ready"], theirs.events
                assert set(only_notifications.topics()) == {"ready", "notification.created"}
        assert replica.subscriber_count() == 0
        async with asyncio.timeout(5):
            while gateway.live_hub.subscriber_count():  # noqa: ASYNC110 - polled state
                await asyncio.sleep(0.05)  # closed streams unsubscribed
    finally:
        await replica.stop()
        await replica_nc.close()


async def test_stream_takes_an_access_token_from_its_url_but_never_an_api_key(
    gateway, served, signup, problem, jetstream, capfd
):
    """EventSource cannot send headers: `/stream?access_token=` (and `organization_id=`) work; an
    API key in a URL is refused; the token is taken out of the URL before anything records it."""
    owner, stranger = await signup(), await signup(organization="Elsewhere")
    async with httpx.AsyncClient(base_url=f"http://{served}/api/v1", timeout=30) as http:
        async with event_stream(
            http,
            {},
            access_token=owner.access_token,
            organization_id=str(owner.org_id),
            topics="metrics.updated",
        ) as stream:
            ready = await stream.wait_for("ready")
            assert ready == {"organization_id": str(owner.org_id), "topics": ["metrics.updated"]}
        async with event_stream(http, {}, access_token=owner.access_token) as stream:  # first organization
            assert (await stream.wait_for("ready"))["organization_id"] == str(owner.org_id)
        problem(
            await http.get(
                "/stream",
                params={"access_token": owner.access_token, "organization_id": str(stranger.org_id)},
            ),
            403,
        )
        key = (await http.post("/api-keys", headers=owner.headers, json={"name": "k"})).json()["key"]
        refused = await http.get("/stream", params={"access_token": key})
        assert "URL" in problem(refused, 401)["detail"] and key not in refused.text
        invalid = await http.get("/stream", params={"access_token": owner.access_token[:-4] + "AAAA"})
        assert owner.access_token[:-4] not in problem(invalid, 401)["detail"]
        # only /stream reads a token from its URL
        problem(await http.get("/me", params={"access_token": owner.access_token}), 401)
        async with event_stream(
            http, {"Authorization": f"Bearer {key}"}
        ) as stream:  # a key in a header is fine
            assert (await stream.wait_for("ready"))["organization_id"] == str(owner.org_id)
    captured = capfd.readouterr()
    assert (
        owner.access_token[:-4] not in captured.out + captured.err and key not in captured.out + captured.err
    )


def test_the_access_token_is_taken_out_of_the_stream_urls_query():
    from zamc_gateway.api.middleware import QUERY_TOKEN_KEY, take_query_token

    scope = {"query_string": b"topics=a%2Cb&access_token=ey.J%2Bx.y&organization_id=1"}
    take_query_token(scope)
    assert scope["query_string"] == b"topics=a%2Cb&organization_id=1"
    assert scope[QUERY_TOKEN_KEY] == "ey.J+x.y"
    untouched = {"query_string": b"topics=a"}
    take_query_token(untouched)
    assert untouched == {"query_string": b"topics=a"}


GRAPHQL_PROJECT = """
mutation($input: JSON!) { createProject(input: $input) { id name business { name website } } }
"""


async def graphql(
    http: httpx.AsyncClient, query: str, headers: dict[str, str] | None = None, **variables
) -> dict:
    response = await http.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers or {}
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_graphql_queries_and_mutations_use_the_rest_service_layer(gateway, client, signup, jetstream):
    owner = await signup()
    intruder = await signup(organization="Other")
    async with httpx.AsyncClient(transport=client._transport, base_url="http://testserver") as http:
        created = await graphql(
            http,
            GRAPHQL_PROJECT,
            owner.headers,
            input={"name": "Spring", "business": {"name": "Acme Shoes", "website": "https://acme.example"}},
        )
        project = created["data"]["createProject"]
        assert project["name"] == "Spring" and project["business"]["name"] == "Acme Shoes"
        rest = await client.get(f"/projects/{project['id']}", headers=owner.headers)
        assert rest.status_code == 200 and rest.json()["name"] == "Spring"

        invalid = await graphql(http, GRAPHQL_PROJECT, owner.headers, input={"name": "", "business": {}})
        [error] = invalid["errors"]
        assert error["extensions"]["status"] == 422
        assert {"/input/name", "/input/business/name"} <= {e["field"] for e in error["extensions"]["errors"]}

        await seed_campaign(gateway, owner.org_id, uuid.UUID(project["id"]), "meta", "m-1")
        await publish_event(
            jetstream, rollup("meta", "m-1", [0, 1], settled=True, observed=datetime.now(UTC))
        )
        query = """
        query($id: UUID!, $from: DateTime, $to: DateTime) {
          projects { id }
          analyticsSummary(projectId: $id, from: $from, to: $to) {
            settled overall { clicks spendMicros ctr roas } platforms { platform clicks }
          }
          autopilot(projectId: $id) { enabled }
        }
        """

        async def summary():
            body = await graphql(http, query, owner.headers, id=project["id"], **RANGE)
            assert "errors" not in body, body
            return body["data"] if body["data"]["analyticsSummary"]["overall"] else None

        data = await eventually(summary)
        assert [p["id"] for p in data["projects"]] == [project["id"]]
        rest_summary = (
            await client.get(
                "/analytics/summary", params={"project_id": project["id"], **RANGE}, headers=owner.headers
            )
        ).json()
        assert data["analyticsSummary"]["overall"]["clicks"] == rest_summary["overall"]["clicks"] == 20
        assert data["analyticsSummary"]["overall"]["roas"] == rest_summary["overall"]["roas"]
        assert data["analyticsSummary"]["platforms"] == [{"platform": "meta", "clicks": 20}]

        async with EventProbe.watching(jetstream, "zamc.optimization.autopilot_changed.v1") as probe:
            switched = await graphql(
                http,
                "mutation($id: UUID!) { setAutopilot(projectId: $id, enabled: true) { enabled } }",
                owner.headers,
                id=project["id"],
            )
            assert switched["data"]["setAutopilot"]["enabled"] is True
            [event] = await probe.wait_for("zamc.optimization.autopilot_changed.v1")
            assert event.data.platform_campaign_ids == ["m-1"]

        denied = await graphql(
            http, "query($id: UUID!) { project(id: $id) { id } }", intruder.headers, id=project["id"]
        )
        assert denied["data"] is None and denied["errors"][0]["extensions"]["status"] == 404
        anonymous = await graphql(http, "{ projects { id } }")
        assert anonymous["errors"][0]["extensions"]["status"] == 401
        viewer = await read_key(client, owner)
        refused = await graphql(
            http,
            "mutation($id: UUID!) { setAutopilot(projectId: $id, enabled: false) { enabled } }",
            viewer,
            id=project["id"],
        )
        assert refused["errors"][0]["extensions"]["status"] == 403


async def test_graphql_subscription_over_websocket_pushes_notifications(gateway, served, signup, jetstream):
    owner = await signup()
    project = await seed_project(gateway, owner.org_id)
    await seed_campaign(gateway, owner.org_id, project, "google_ads", "888")
    url = f"ws://{served}/graphql"
    async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as socket:
        await socket.send(
            json.dumps({"type": "connection_init", "payload": {"Authorization": "Bearer nope"}})
        )
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(socket.recv(), 5)
        assert closed.value.rcvd.code == 4403

    async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as socket:
        await socket.send(
            json.dumps(
                {"type": "connection_init", "payload": {"Authorization": owner.headers["Authorization"]}}
            )
        )
        ack = json.loads(await asyncio.wait_for(socket.recv(), 5))
        assert ack["type"] == "connection_ack" and ack["payload"]["organizationId"] == str(owner.org_id)
        for number, query in (
            ("1", "subscription { notifications { topic data } }"),
            ("2", f'subscription {{ liveMetrics(projectId: "{project}") {{ topic data }} }}'),
        ):
            await socket.send(json.dumps({"id": number, "type": "subscribe", "payload": {"query": query}}))
        await asyncio.sleep(0.3)  # let both subscriptions reach the hub
        await publish_event(
            jetstream,
            AnomalyDetected(
                platform="google_ads",
                account_external_id="acc-1",
                campaign_id="888",
                kind="delivery_stopped",
                hour_start=HOUR0,
                evidence={"impressions": 0},
            ),
        )
        received: dict[str, list[dict]] = {"1": [], "2": []}
        async with asyncio.timeout(15):
            while not (received["1"] and received["2"]):
                message = json.loads(await socket.recv())
                assert message["type"] == "next", message
                received[message["id"]].append(message["payload"]["data"])
        [notification] = received["1"]
        assert notification["notifications"]["topic"] == "notification.created"
        assert notification["notifications"]["data"]["kind"] == "anomaly_detected"
        assert received["2"][0]["liveMetrics"]["topic"] == "anomaly.detected"
        assert received["2"][0]["liveMetrics"]["data"]["kind"] == "delivery_stopped"
        await socket.send(json.dumps({"id": "1", "type": "complete"}))
        await socket.send(json.dumps({"id": "2", "type": "complete"}))


def test_exported_graphql_sdl_is_current():
    """`services/gateway/schema.graphql` is the committed SDL; regenerate with `python -m zamc_gateway.graphql`."""
    assert SDL_PATH.read_text() == sdl(), "schema.graphql is stale: run `python -m zamc_gateway.graphql`"
