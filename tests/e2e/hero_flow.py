"""The hero flow, driven only through the gateway's public API (plus the sandbox's admin API to
check what landed on the platforms). Shared by the end-to-end tests and `make demo`.

From login on, the flow keeps the gateway's live stream (`GET /api/v1/stream`, server-sent events)
open, and waits on it for the brief's progress and the metric updates. Each step records its
duration and what it saw in `HeroFlow.report`.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import json
import re
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

import httpx

API = "/api/v1"
T = TypeVar("T")


class FlowError(AssertionError):
    """A step did not see what the hero flow promises."""


@dataclass(frozen=True)
class LiveEvent:
    """One server-sent event of `/stream`: its `event:` name and the payload's `data`."""

    topic: str
    id: str | None
    data: dict[str, Any]


class LiveStream:
    """The gateway's `GET /stream`, read in the background into `events` from `open()` on.

    `open()` returns once the stream said `ready`, so whatever happens after it is received.
    Should the stream end (`resync`, a dropped connection), it reconnects and counts the
    interruption: live events are at most once, so a wait that times out names them.
    """

    def __init__(self, base_url: str, authorization: str) -> None:
        self.base_url = base_url
        self.authorization = authorization
        self.events: list[LiveEvent] = []
        self.interruptions: list[str] = []
        self._ready = asyncio.Event()
        self._changed = asyncio.Condition()
        self._failure: BaseException | None = None
        self._task: asyncio.Task[None] | None = None

    async def open(self, timeout: float = 30.0) -> None:
        self._task = asyncio.create_task(self._read())
        ready = asyncio.create_task(self._ready.wait())
        try:
            await asyncio.wait({ready, self._task}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            ready.cancel()
        if not self._ready.is_set():
            await self.close()
            raise FlowError(f"the live stream did not open within {timeout:.0f} s: {self._failure!r}")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def wait_for(
        self, found: Callable[[list[LiveEvent]], T | None], what: str, timeout: float = 60.0
    ) -> T:
        """The first truthy `found(events)`, re-evaluated on every event received."""

        async def seen() -> T:
            async with self._changed:
                while True:
                    if self._failure is not None:
                        raise FlowError(f"the live stream failed while waiting for {what}: {self._failure!r}")
                    result = found(list(self.events))
                    if result:
                        return result
                    await self._changed.wait()

        try:
            return await asyncio.wait_for(seen(), timeout)
        except TimeoutError:
            topics = sorted({e.topic for e in self.events})
            raise FlowError(
                f"timed out waiting for {what} on the live stream; {len(self.events)} events received "
                f"(topics {topics}), interruptions: {self.interruptions or 'none'}"
            ) from None

    async def _read(self) -> None:
        headers = {"Authorization": self.authorization, "Accept": "text/event-stream"}
        # The server sends a comment every 15 s, so a read that waits a minute means a dead stream.
        timeout = httpx.Timeout(30.0, read=60.0)
        try:
            async with httpx.AsyncClient(base_url=self.base_url, timeout=timeout) as client:
                while True:
                    try:
                        async with client.stream("GET", f"{API}/stream", headers=headers) as response:
                            if response.status_code != 200:
                                body = (await response.aread()).decode(errors="replace")
                                raise FlowError(f"GET /stream answered {response.status_code}: {body[:300]}")
                            content_type = response.headers.get("content-type", "")
                            if not content_type.startswith("text/event-stream"):
                                raise FlowError(f"GET /stream is not an event stream: {content_type}")
                            async for topic, event_id, data in _server_sent_events(response.aiter_lines()):
                                if topic == "ready":
                                    self._ready.set()
                                elif topic == "resync":
                                    self.interruptions.append(f"resync: {data}")
                                    break
                                else:
                                    await self._received(LiveEvent(topic, event_id, data.get("data", {})))
                            else:
                                self.interruptions.append("the server ended the stream")
                    except httpx.TransportError as error:
                        if not self._ready.is_set():
                            raise
                        self.interruptions.append(f"{type(error).__name__}: {error}")
                    await asyncio.sleep(1.0)  # then reconnect, as EventSource does
        except asyncio.CancelledError:
            raise
        except Exception as error:  # handed to the waiters
            self._failure = error
            async with self._changed:
                self._changed.notify_all()

    async def _received(self, event: LiveEvent) -> None:
        async with self._changed:
            self.events.append(event)
            self._changed.notify_all()


async def _server_sent_events(lines: AsyncIterator[str]) -> AsyncIterator[tuple[str, str | None, Any]]:
    """(event, id, parsed data) per event of a `text/event-stream`; comments and `retry:` skipped."""
    topic, event_id, data = "message", None, []
    async for line in lines:
        if not line:
            if data:
                yield topic, event_id, json.loads("\n".join(data))
            topic, event_id, data = "message", None, []
        elif line.startswith(":"):
            continue
        else:
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "event":
                topic = value
            elif name == "id":
                event_id = value
            elif name == "data":
                data.append(value)


@dataclass
class Step:
    name: str
    seconds: float
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class HeroFlow:
    gateway_url: str
    sandbox_admin_url: str
    email: str = field(default_factory=lambda: f"marketer-{uuid.uuid4().hex[:8]}@example.com")
    password: str = "correct horse battery staple"
    report: list[Step] = field(default_factory=list)
    client: httpx.AsyncClient | None = None
    stream: LiveStream | None = None
    state: dict[str, Any] = field(default_factory=dict)
    last_deployment: dict[str, Any] = field(default_factory=dict)

    # plumbing -----------------------------------------------------------------------------
    @asynccontextmanager
    async def session(self) -> AsyncIterator[HeroFlow]:
        async with httpx.AsyncClient(base_url=self.gateway_url, timeout=30.0) as client:
            self.client = client
            try:
                yield self
            finally:
                if self.stream is not None:
                    await self.stream.close()

    async def step(self, name: str, action: Callable[[], Awaitable[dict[str, Any]]]) -> dict[str, Any]:
        started = time.perf_counter()
        details = await action()
        self.report.append(Step(name, time.perf_counter() - started, details))
        return details

    async def call(
        self, method: str, path: str, *, expect: int | tuple[int, ...] = (200, 201, 202), **kwargs
    ) -> Any:
        assert self.client is not None
        response = await self.client.request(method, f"{API}{path}", **kwargs)
        expected = (expect,) if isinstance(expect, int) else expect
        if response.status_code not in expected:
            raise FlowError(f"{method} {path} answered {response.status_code}: {response.text[:500]}")
        if response.headers.get("content-type", "").startswith(
            ("application/json", "application/problem+json")
        ):
            return response.json()
        return response.text

    async def admin(self, method: str, path: str, **kwargs) -> Any:
        async with httpx.AsyncClient(base_url=self.sandbox_admin_url, timeout=30.0) as client:
            response = await client.request(method, path, **kwargs)
            response.raise_for_status()
            return response.json()

    async def eventually(self, probe: Callable[[], Awaitable[Any]], what: str, timeout: float = 60.0) -> Any:
        deadline = time.monotonic() + timeout
        last: Any = None
        while time.monotonic() < deadline:
            last = await probe()
            if last:
                return last
            await asyncio.sleep(0.3)
        raise FlowError(f"timed out waiting for {what}; last seen: {str(last)[:500]}")

    # the flow -------------------------------------------------------------------------------
    async def sign_up(self) -> dict[str, Any]:
        signed = await self.call(
            "POST",
            "/auth/signup",
            expect=201,
            json={"email": self.email, "password": self.password, "organization_name": "Acme Outdoor"},
        )
        login = await self.call("POST", "/auth/login", json={"email": self.email, "password": self.password})
        assert self.client is not None
        self.client.headers["Authorization"] = f"Bearer {login['access_token']}"
        self.state["organization_id"] = signed["organization"]["id"]
        # From here on everything that changes for the organization arrives on the live stream.
        self.stream = LiveStream(self.gateway_url, self.client.headers["Authorization"])
        await self.stream.open()
        return {"user": signed["user"]["email"], "organization": signed["organization"]["id"]}

    def live(self) -> LiveStream:
        if self.stream is None:
            raise FlowError("the live stream is not open: sign up first")
        return self.stream

    async def connect_platforms(self) -> dict[str, Any]:
        for platform in ("google_ads", "meta"):
            started = await self.call(
                "POST", "/platform-connections", expect=201, json={"platform": platform}
            )
            async with httpx.AsyncClient(timeout=30.0) as browser:
                consent = await browser.get(started["authorization_url"], follow_redirects=False)
                if consent.status_code not in (302, 303, 307):
                    raise FlowError(
                        f"{platform} consent did not redirect: {consent.status_code} {consent.text[:200]}"
                    )
                callback = await browser.get(consent.headers["location"], follow_redirects=False)
                if callback.status_code >= 400:
                    raise FlowError(
                        f"{platform} OAuth callback failed: {callback.status_code} {callback.text[:300]}"
                    )

        async def linked() -> list[dict[str, Any]] | None:
            connections = await self.call("GET", "/platform-connections")
            items = connections["items"] if isinstance(connections, dict) else connections
            failed = [c for c in items if c["status"] == "failed"]
            if failed:
                raise FlowError(f"connection failed: {failed}")
            ok = [c for c in items if c["status"] == "linked" and c["accounts"]]
            return ok if len(ok) == 2 else None

        connections = await self.eventually(linked, "both platform connections to be linked")
        # One currency on both platforms, so the overall totals add up.
        self.state["accounts"] = {
            c["platform"]: next(a for a in c["accounts"] if a["currency"] == "EUR") for c in connections
        }
        return {c["platform"]: [a["external_id"] for a in c["accounts"]] for c in connections}

    async def brief_to_strategy(self) -> dict[str, Any]:
        project = await self.call(
            "POST",
            "/projects",
            expect=201,
            json={
                "name": "Trail shoes launch",
                "business": {
                    "name": "Acme Outdoor",
                    "website": "https://acme.example",
                    "industry": "Sporting goods",
                    "description": "Running and hiking gear",
                    "brand_voice": "Energetic, direct",
                },
            },
        )
        self.state["project_id"] = project["id"]
        start = date.today() + timedelta(days=1)
        brief = await self.call(
            "POST",
            f"/projects/{project['id']}/briefs",
            expect=202,
            json={
                "product": "Trail running shoes",
                "audience": "Runners aged 25-45 who run off-road at weekends",
                "goal": "sales",
                "budget": {"amount": "100.00", "currency": "EUR", "period": "daily"},
                "start_date": start.isoformat(),
                "end_date": (start + timedelta(days=30)).isoformat(),
                "platforms": ["google_ads", "meta"],
                "locations": ["DE", "AT"],
                "languages": ["de", "en"],
                "landing_page_url": "https://acme.example/trail",
            },
        )
        brief_id = brief["id"]

        def strategy_ready(events: list[LiveEvent]) -> tuple[list[LiveEvent], LiveEvent] | None:
            mine = [e for e in events if e.data.get("brief_id") == brief_id]
            progress = [e for e in mine if e.topic == "brief.progress"]
            finished = next((e for e in mine if e.topic == "brief.status"), None)
            return (progress, finished) if progress and finished else None

        progress, finished = await self.live().wait_for(
            strategy_ready, "brief.progress and brief.status events of the brief"
        )
        if finished.data["status"] != "generated":
            raise FlowError(f"strategy generation failed: {finished.data}")
        # Live events are hints: the brief itself says the same.
        current = await self.call("GET", f"/briefs/{brief_id}")
        if current.get("strategy_id") != finished.data["strategy_id"]:
            raise FlowError(f"the brief does not name the announced strategy: {current}")
        self.state["strategy_id"] = current["strategy_id"]
        return {
            "brief": brief_id,
            "strategy": current["strategy_id"],
            "progress over the stream": [f"{e.data['percent']}% {e.data['step']}" for e in progress],
        }

    async def review_and_approve(self) -> dict[str, Any]:
        strategy_id = self.state["strategy_id"]
        strategy = (await self.call("GET", f"/strategies/{strategy_id}"))["strategy"]
        google_ads = json.loads(json.dumps(strategy["google_ads"]))
        headlines = google_ads["campaigns"][0]["ad_groups"][0]["ads"][0]["headlines"]
        headlines[0] = "An Extremely Long Headline That Breaks Google's Limit"
        rejected = await self.call(
            "PATCH", f"/strategies/{strategy_id}", expect=422, json={"google_ads": google_ads}
        )
        if "30" not in json.dumps(rejected):
            raise FlowError(f"the rejection does not name the 30-character limit: {rejected}")
        headlines[0] = "Trail Shoes That Grip"
        revised = await self.call("PATCH", f"/strategies/{strategy_id}", json={"google_ads": google_ads})
        approved = await self.call(
            "POST", f"/strategies/{strategy_id}/approve", json={"version": revised["version"]}
        )
        self.state["approved_strategy"] = approved["strategy"]
        return {
            "generator": strategy["generator"],
            "edit rejected": rejected["errors"][0]["message"],
            "approved version": approved["approved_version"],
        }

    async def deploy(self) -> dict[str, Any]:
        accounts = self.state["accounts"]
        deployment = await self.call(
            "POST",
            f"/strategies/{self.state['strategy_id']}/deployments",
            expect=202,
            json={
                "targets": [
                    {"platform": p, "account_external_id": a["external_id"]} for p, a in accounts.items()
                ]
            },
        )

        async def finished() -> dict[str, Any] | None:
            current = await self.call("GET", f"/deployments/{deployment['id']}")
            return current if current["status"] not in ("pending", "running") else None

        result = await self.eventually(finished, "the deployment to finish", timeout=90)
        self.last_deployment = result
        if result["status"] != "succeeded":
            raise FlowError(f"the deployment ended {result['status']}: {result['targets']}")
        ids = {t["platform"]: t["platform_campaign_ids"] for t in result["targets"]}
        try:
            live = await self.eventually(
                lambda: self._live_on_platforms(ids), "the campaigns to be live after launch"
            )
        except FlowError as error:
            raise FlowError(f"{error}; not yet live: {self.state.get('not yet live')}") from None
        return {
            "deployment": deployment["id"],
            "status": result["status"],
            "platform_campaign_ids": ids,
            **live,
        }

    async def _live_on_platforms(self, ids: dict[str, list[str]]) -> dict[str, Any] | None:
        """The deployed campaigns exist in the sandboxes with the approved copy, budgets and
        targeting, and everything under them is enabled after launch (None until it is)."""
        objects = await self.admin("GET", "/admin/objects", params={"detail": "true"})
        google_ids, meta_ids = ids.get("google_ads", []), ids.get("meta", [])
        google = {
            o["resource_name"].rsplit("/", 1)[-1] for o in objects["google"] if o["collection"] == "campaigns"
        }
        meta = {o["id"] for o in objects["meta"] if o["type"] == "campaign"}
        missing = [i for i in google_ids if i not in google] + [i for i in meta_ids if i not in meta]
        if missing:
            raise FlowError(f"platform campaign ids not found in the sandboxes: {missing}")
        google_tree = google_campaign_tree(objects["google"], google_ids)
        meta_tree = meta_campaign_tree(objects["meta"], meta_ids)
        waiting = [
            f"Google {o['resource_name']} {o['status']}" for o in google_tree if o["status"] != "ENABLED"
        ]
        waiting += [f"Meta {o['type']} {o['id']} {o['status']}" for o in meta_tree if o["status"] != "ACTIVE"]
        if waiting:
            self.state["not yet live"] = waiting
            return None
        strategy = self.state["approved_strategy"]
        deviations = google_deviations(objects["google"], google_ids, strategy.get("google_ads"))
        deviations += meta_deviations(objects["meta"], meta_ids, strategy.get("meta"))
        if deviations:
            raise FlowError("the platforms do not carry the approved strategy:\n  " + "\n  ".join(deviations))
        return {
            "live on Google": {kind: n for kind, n in sorted(_count(google_tree, "collection").items())},
            "live on Meta": {kind: n for kind, n in sorted(_count(meta_tree, "type").items())},
            "as approved": "copy, budgets and targeting",
        }

    async def sandbox_objects(self) -> dict[str, Any]:
        return await self.admin("GET", "/admin/objects")

    async def live_metrics(self) -> dict[str, Any]:
        project_id = self.state["project_id"]
        # Fast-forward the sandbox market three hours so delivery shows up without waiting for it.
        await self.admin("POST", "/admin/clock/step", json={"hours": 3})
        deployed = {t["platform"]: set(t["platform_campaign_ids"]) for t in self.last_deployment["targets"]}

        def delivery_seen(events: list[LiveEvent]) -> dict[str, list[LiveEvent]] | None:
            updates: dict[str, list[LiveEvent]] = {platform: [] for platform in deployed}
            for event in events:
                data = event.data
                if (
                    event.topic == "metrics.updated"
                    and data.get("project_id") == project_id
                    and data.get("platform_campaign_id") in deployed.get(data.get("platform"), ())
                ):
                    updates[data["platform"]].append(event)
            delivered = all(
                sum(row["impressions"] for e in found for row in e.data["rows"]) > 0
                for found in updates.values()
            )
            return updates if delivered else None

        updates = await self.live().wait_for(
            delivery_seen, "metrics.updated events with impressions from both platforms", timeout=90
        )
        # Freeze the market, let one more sync land, then the figures must equal the platforms' truth.
        speed = (await self.admin("GET", "/admin/state"))["speed"]
        await self.admin("POST", "/admin/clock/speed", json={"speed": 0})
        truth = await self._platform_truth()

        async def matches_truth() -> dict[str, Any] | None:
            current = await self.call("GET", "/analytics/summary", params={"project_id": project_id})
            seen = {
                p["platform"]: {k: p[k] for k in ("impressions", "clicks", "spend_micros")}
                for p in current["platforms"]
            }
            self.state["last_summary"] = seen
            return current if _agrees(seen, truth) else None

        try:
            current = await self.eventually(
                matches_truth, "the summary to equal the sandbox's ground truth", timeout=60
            )
        except FlowError as error:
            raise FlowError(f"{error}; truth: {truth}; summary: {self.state.get('last_summary')}") from None
        try:
            exported = await self.eventually(
                lambda: self._export_agrees(project_id, truth), "the CSV export to add up to the summary"
            )
        except FlowError as error:
            raise FlowError(f"{error}; export vs summary: {self.state.get('last_export')}") from None
        await self.admin("POST", "/admin/clock/speed", json={"speed": speed})
        return {
            "metric updates over the stream": {p: len(found) for p, found in updates.items()},
            "per platform": truth,
            "csv rows": exported,
            "overall": current["overall"],
        }

    async def _export_agrees(
        self, project_id: str, truth: dict[str, dict[str, int]]
    ) -> dict[str, int] | None:
        """The hourly CSV export over the summary's window: the documented header, only the deployed
        campaigns, and per platform the same totals as the summary (and so the platforms' truth)."""
        summary = await self.call("GET", "/analytics/summary", params={"project_id": project_id})
        text = await self.call(
            "GET",
            "/analytics/export.csv",
            params={
                "project_id": project_id,
                "granularity": "hour",
                "from": summary["from"],
                "to": summary["to"],
            },
        )
        lines = str(text).splitlines()
        if not lines or lines[0].split(",") != list(CSV_HEADER):
            raise FlowError(f"the CSV header is {lines[:1]}, expected {','.join(CSV_HEADER)}")
        rows = list(csv.DictReader(io.StringIO(str(text))))
        deployed = {t["platform"]: set(t["platform_campaign_ids"]) for t in self.last_deployment["targets"]}
        foreign = [r for r in rows if r["campaign_id"] not in deployed.get(r["platform"], ())]
        if foreign or any(r["granularity"] != "hour" or r["currency"] != "EUR" for r in rows):
            raise FlowError(
                f"the CSV has rows of other campaigns, periods or currencies: {(foreign or rows)[:3]}"
            )
        exported: dict[str, dict[str, float]] = {}
        for row in rows:
            totals = exported.setdefault(row["platform"], dict.fromkeys(SUMMED, 0))
            for column in SUMMED:
                totals[column] += float(row[column]) if column == "conversions" else int(row[column])
        summed = {p["platform"]: {k: p[k] for k in SUMMED} for p in summary["platforms"]}
        for totals in (*exported.values(), *summed.values()):
            totals["conversions"] = round(totals["conversions"], 6)
        self.state["last_export"] = {"export": exported, "summary": summed, "truth": truth}
        if exported != summed or not _agrees(exported, truth):
            return None
        return {platform: sum(1 for r in rows if r["platform"] == platform) for platform in exported}

    async def _platform_truth(self) -> dict[str, dict[str, int]]:
        """Impressions, clicks and spend the sandboxes delivered for the deployed campaigns (exact)."""
        window = {"start": "2000-01-01T00:00:00Z", "end": "2100-01-01T00:00:00Z"}
        truth: dict[str, dict[str, int]] = {}
        for target in self.last_deployment["targets"]:
            totals = {"impressions": 0, "clicks": 0, "spend_micros": 0}
            for campaign_id in target["platform_campaign_ids"]:
                found = (await self.admin("GET", f"/admin/truth/{campaign_id}", params=window))["totals"]
                totals["impressions"] += found["impressions"]
                totals["clicks"] += found["clicks"]
                totals["spend_micros"] += found["cost_micros"]
            truth[target["platform"]] = totals
        return truth

    async def recommendation(self) -> dict[str, Any]:
        project_id = self.state["project_id"]
        # Three market days give the optimiser the evidence its guardrails ask for before it acts
        # (e.g. 1,000 impressions per campaign: a search campaign gathers them slowly).
        await self.admin("POST", "/admin/clock/step", json={"days": 3})

        async def recommended() -> list[dict[str, Any]] | None:
            found = await self.call("GET", "/recommendations", params={"project_id": project_id})
            items = found["items"] if isinstance(found, dict) else found
            actionable = [r for r in items if r.get("status", "open") == "open" and r.get("actions")]
            return actionable or None

        items = await self.eventually(recommended, "an optimisation recommendation", timeout=120)
        chosen = next((r for r in items if r["kind"] == "budget_shift"), items[0])
        before = await self._budgets_on_platforms()
        await self.call("POST", f"/recommendations/{chosen['id']}/apply")

        async def budgets_changed() -> dict[str, int] | None:
            after = await self._budgets_on_platforms()
            return {k: v for k, v in after.items() if before.get(k) != v} or None

        changed = await self.eventually(budgets_changed, "the platform budgets to change in the sandboxes")

        async def applied() -> dict[str, Any] | None:
            current = await self.call("GET", f"/recommendations/{chosen['id']}")
            return current if current["status"] == "applied" else None

        await self.eventually(applied, "the recommendation to be marked applied")

        # The notification that this recommendation was applied (not any notification: the
        # deployment's "Campaigns are live" and the recommendation's own "New recommendation" are
        # there already), live over the stream and in /notifications.
        def about_it(events: list[LiveEvent]) -> dict[str, Any] | None:
            return next(
                (
                    e.data
                    for e in events
                    if e.topic == "notification.created"
                    and e.data.get("kind") == "recommendation_applied"
                    and e.data.get("resource_id") == chosen["id"]
                ),
                None,
            )

        notification = await self.live().wait_for(about_it, "the notification of the applied recommendation")
        if notification["body"] != chosen["title"]:
            raise FlowError(f"the notification does not name the recommendation: {notification}")
        listed = await self.call("GET", "/notifications")
        if notification["id"] not in {n["id"] for n in listed["items"]}:
            raise FlowError(f"the notification {notification['id']} is not in /notifications: {listed}")
        return {
            "recommendation": chosen["title"],
            "kind": chosen["kind"],
            "budgets now (micros)": changed,
            "notification": f"{notification['title']}: {notification['body']}",
        }

    async def _budgets_on_platforms(self) -> dict[str, int]:
        """Daily budgets in the sandboxes: Google campaign budgets and Meta ad sets (micros)."""
        objects = await self.admin("GET", "/admin/objects", params={"detail": "true"})
        budgets = {
            o["resource_name"]: int(o["fields"].get("amount_micros", 0))
            for o in objects["google"]
            if o["collection"] == "campaignBudgets"
        }
        budgets |= {
            o["id"]: int(o["fields"].get("daily_budget", 0)) * 10_000
            for o in objects["meta"]
            if o["type"] == "adset"
        }
        return budgets

    async def run(self) -> list[Step]:
        async with self.session():
            await self.step("sign up and log in", self.sign_up)
            await self.step("connect Google Ads and Meta", self.connect_platforms)
            await self.step("brief → AI strategy", self.brief_to_strategy)
            await self.step("review, edit and approve", self.review_and_approve)
            await self.step("deploy to both platforms", self.deploy)
            await self.step("live cross-platform metrics", self.live_metrics)
            await self.step("apply a recommendation", self.recommendation)
        return self.report


# The export's documented columns, and those a platform's rows add up to its summary totals.
CSV_HEADER = (
    "period_start",
    "granularity",
    "platform",
    "campaign_id",
    "currency",
    "impressions",
    "clicks",
    "spend_micros",
    "conversions",
    "conversion_value_micros",
    "ctr",
    "cpc_micros",
    "cpa_micros",
    "roas",
    "settled",
)
SUMMED = ("impressions", "clicks", "spend_micros", "conversions", "conversion_value_micros")


def _agrees(seen: dict[str, dict[str, Any]], truth: dict[str, dict[str, int]]) -> bool:
    """Equal counts; spend equal to the micro on Google, and on Meta to the cent per reported ad-hour
    (the Graph API reports spend as a decimal with two places) — 1 % leaves room for those roundings."""
    if seen.keys() != truth.keys():
        return False
    for platform, expected in truth.items():
        got = seen[platform]
        if (got["impressions"], got["clicks"]) != (expected["impressions"], expected["clicks"]):
            return False
        tolerance = 0 if platform == "google_ads" else max(10_000, expected["spend_micros"] // 100)
        if abs(got["spend_micros"] - expected["spend_micros"]) > tolerance:
            return False
    return True


# What landed on the platforms, compared with the approved strategy ------------------------------
# Google's constants for the brief's locations and languages (geo target 2000 + ISO 3166 numeric;
# the API's language codes table), written out here so the check does not reuse the connector's map.
GOOGLE_GEO_TARGETS = {"DE": "geoTargetConstants/2276", "AT": "geoTargetConstants/2040"}
GOOGLE_LANGUAGES = {"de": "languageConstants/1001", "en": "languageConstants/1000"}
META_GENDERS = {"male": 1, "female": 2}
CENT_MICROS = 10_000  # both accounts bill in EUR: budgets land on the platforms to the cent


def untagged(name: str) -> str:
    """A platform object's name without the ` [zamc:…]` / ` [zamc-…]` tag the connectors add."""
    return re.sub(r" \[zamc[:-][0-9a-f]+\]$", "", name)


def _count(objects: list[dict[str, Any]], key: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for o in objects:
        counts[o[key]] = counts.get(o[key], 0) + 1
    return counts


def google_campaign_tree(objects: list[dict[str, Any]], campaign_ids: list[str]) -> list[dict[str, Any]]:
    """The deployed Google campaigns with their budgets, ad groups, keywords, ads and criteria."""
    campaigns = {
        o["resource_name"]
        for o in objects
        if o["collection"] == "campaigns" and o["fields"]["id"] in campaign_ids
    }
    groups = {
        o["resource_name"]
        for o in objects
        if o["collection"] == "adGroups" and o["fields"]["campaign"] in campaigns
    }
    budgets = {o["fields"].get("campaign_budget") for o in objects if o["resource_name"] in campaigns}
    return [
        o
        for o in objects
        if o["resource_name"] in campaigns | groups | budgets
        or o["fields"].get("campaign") in campaigns
        or o["fields"].get("ad_group") in groups
    ]


def meta_campaign_tree(objects: list[dict[str, Any]], campaign_ids: list[str]) -> list[dict[str, Any]]:
    """The deployed Meta campaigns with their ad sets, ads and the ads' creatives."""
    tree = [o for o in objects if o["id"] in campaign_ids or o["fields"].get("campaign_id") in campaign_ids]
    creatives = {(o["fields"].get("creative") or {}).get("id") for o in tree if o["type"] == "ad"}
    return tree + [o for o in objects if o["type"] == "adcreative" and o["id"] in creatives]


def google_deviations(
    objects: list[dict[str, Any]], campaign_ids: list[str], plan: dict[str, Any] | None
) -> list[str]:
    """How the deployed Google campaigns differ from the approved plan (empty: they match)."""
    approved = {c["name"]: c for c in (plan or {}).get("campaigns", [])}
    by_name = {o["resource_name"]: o for o in objects}
    campaigns = [o for o in objects if o["collection"] == "campaigns" and o["fields"]["id"] in campaign_ids]
    deviations = []
    if sorted(untagged(c["name"]) for c in campaigns) != sorted(approved):
        deviations.append(f"Google campaigns {[c['name'] for c in campaigns]}, approved {sorted(approved)}")

    def children(collection: str, parent_field: str, parent: str) -> list[dict[str, Any]]:
        return [
            o for o in objects if o["collection"] == collection and o["fields"].get(parent_field) == parent
        ]

    for campaign in campaigns:
        wanted = approved.get(untagged(campaign["name"]))
        if wanted is None:
            continue
        where = f"Google campaign {campaign['fields']['id']}"
        budget = by_name.get(campaign["fields"].get("campaign_budget", ""))
        amount = int(budget["fields"].get("amount_micros", 0)) if budget else None
        if amount is None or abs(amount - wanted["daily_budget_micros"]) >= CENT_MICROS:
            deviations.append(
                f"{where}: daily budget {amount} micros, approved {wanted['daily_budget_micros']}"
            )
        criteria = [c["fields"] for c in children("campaignCriteria", "campaign", campaign["resource_name"])]
        targeting = {
            "locations": sorted(c["location"]["geo_target_constant"] for c in criteria if "location" in c),
            "languages": sorted(c["language"]["language_constant"] for c in criteria if "language" in c),
        }
        approved_targeting = {
            "locations": sorted(
                {GOOGLE_GEO_TARGETS.get(c.upper(), f"(no constant for {c})") for c in wanted["locations"]}
            ),
            "languages": sorted(
                {GOOGLE_LANGUAGES.get(c.lower(), f"(no constant for {c})") for c in wanted["languages"]}
            ),
        }
        if targeting != approved_targeting:
            deviations.append(f"{where}: targeting {targeting}, approved {approved_targeting}")
        groups = children("adGroups", "campaign", campaign["resource_name"])
        approved_groups = {g["name"]: g for g in wanted["ad_groups"]}
        if sorted(untagged(g["name"]) for g in groups) != sorted(approved_groups):
            deviations.append(
                f"{where}: ad groups {[g['name'] for g in groups]}, approved {sorted(approved_groups)}"
            )
        for group in groups:
            wanted_group = approved_groups.get(untagged(group["name"]))
            if wanted_group is None:
                continue
            keywords = sorted(
                (k["fields"]["keyword"]["text"], k["fields"]["keyword"]["match_type"])
                for k in children("adGroupCriteria", "ad_group", group["resource_name"])
                if "keyword" in k["fields"]
            )
            approved_keywords = sorted((k["text"], k["match_type"]) for k in wanted_group["keywords"])
            if keywords != approved_keywords:
                deviations.append(
                    f"{where}, ad group {group['name']}: keywords {keywords}, approved {approved_keywords}"
                )
            ads = sorted(
                json.dumps(_google_ad_copy(a["fields"]["ad"]), sort_keys=True)
                for a in children("adGroupAds", "ad_group", group["resource_name"])
            )
            approved_ads = sorted(
                json.dumps(
                    {
                        "headlines": a["headlines"],
                        "descriptions": a["descriptions"],
                        "final_urls": [a["final_url"]],
                        "path1": a.get("path1"),
                        "path2": a.get("path2"),
                    },
                    sort_keys=True,
                )
                for a in wanted_group["ads"]
            )
            if ads != approved_ads:
                deviations.append(f"{where}, ad group {group['name']}: ads {ads}, approved {approved_ads}")
    return deviations


def _google_ad_copy(ad: dict[str, Any]) -> dict[str, Any]:
    rsa = ad.get("responsive_search_ad", {})
    return {
        "headlines": [h.get("text") for h in rsa.get("headlines", [])],
        "descriptions": [d.get("text") for d in rsa.get("descriptions", [])],
        "final_urls": ad.get("final_urls", []),
        "path1": rsa.get("path1"),
        "path2": rsa.get("path2"),
    }


def meta_deviations(
    objects: list[dict[str, Any]], campaign_ids: list[str], plan: dict[str, Any] | None
) -> list[str]:
    """How the deployed Meta campaigns differ from the approved plan (empty: they match)."""
    approved = {c["name"]: c for c in (plan or {}).get("campaigns", [])}
    by_id = {o["id"]: o for o in objects}
    campaigns = [by_id[i] for i in campaign_ids if i in by_id]
    deviations = []
    if sorted(untagged(c["name"]) for c in campaigns) != sorted(approved):
        deviations.append(f"Meta campaigns {[c['name'] for c in campaigns]}, approved {sorted(approved)}")

    def children(kind: str, parent_field: str, parent: str) -> list[dict[str, Any]]:
        return [
            o
            for o in objects
            if o["type"] == kind and o["fields"].get(parent_field) == parent and o["status"] != "DELETED"
        ]

    for campaign in campaigns:
        wanted = approved.get(untagged(campaign["name"]))
        if wanted is None:
            continue
        where = f"Meta campaign {campaign['id']}"
        if campaign["fields"].get("objective") != wanted["objective"]:
            deviations.append(
                f"{where}: objective {campaign['fields'].get('objective')}, approved {wanted['objective']}"
            )
        ad_sets = children("adset", "campaign_id", campaign["id"])
        approved_sets = {s["name"]: s for s in wanted["ad_sets"]}
        if sorted(untagged(s["name"]) for s in ad_sets) != sorted(approved_sets):
            deviations.append(
                f"{where}: ad sets {[s['name'] for s in ad_sets]}, approved {sorted(approved_sets)}"
            )
        for ad_set in ad_sets:
            wanted_set = approved_sets.get(untagged(ad_set["name"]))
            if wanted_set is None:
                continue
            at = f"{where}, ad set {ad_set['id']}"
            budget = int(ad_set["fields"].get("daily_budget") or 0) * CENT_MICROS
            if abs(budget - wanted_set["daily_budget_micros"]) >= CENT_MICROS:
                deviations.append(
                    f"{at}: daily budget {budget} micros, approved {wanted_set['daily_budget_micros']}"
                )
            spec = ad_set["fields"].get("targeting") or {}
            targeting = {
                "countries": sorted(spec.get("geo_locations", {}).get("countries", [])),
                "age_min": spec.get("age_min"),
                "age_max": spec.get("age_max"),
                "genders": sorted(spec.get("genders", [])),
            }
            wanted_targeting = wanted_set["targeting"]
            genders = set(wanted_targeting.get("genders") or [])
            approved_targeting = {
                "countries": sorted(wanted_targeting["countries"]),
                "age_min": wanted_targeting["age_min"],
                "age_max": wanted_targeting["age_max"],
                "genders": sorted(META_GENDERS[g] for g in genders) if len(genders) == 1 else [],
            }
            if targeting != approved_targeting:
                deviations.append(f"{at}: targeting {targeting}, approved {approved_targeting}")
            ads = children("ad", "adset_id", ad_set["id"])
            approved_ads = {a["name"]: a for a in wanted_set["ads"]}
            if sorted(untagged(a["name"]) for a in ads) != sorted(approved_ads):
                deviations.append(f"{at}: ads {[a['name'] for a in ads]}, approved {sorted(approved_ads)}")
            for ad in ads:
                wanted_ad = approved_ads.get(untagged(ad["name"]))
                if wanted_ad is None:
                    continue
                creative = by_id.get((ad["fields"].get("creative") or {}).get("id", ""))
                link = (creative or {}).get("fields", {}).get("object_story_spec", {}).get("link_data", {})
                copy = {
                    "primary_text": link.get("message"),
                    "headline": link.get("name"),
                    "description": link.get("description"),
                    "call_to_action": (link.get("call_to_action") or {}).get("type"),
                    "link_url": link.get("link"),
                }
                approved_copy = {k: wanted_ad.get(k) for k in copy}
                if copy != approved_copy:
                    deviations.append(f"{at}, ad {ad['id']}: copy {copy}, approved {approved_copy}")
    return deviations


def utc_now() -> datetime:
    return datetime.now(UTC)
