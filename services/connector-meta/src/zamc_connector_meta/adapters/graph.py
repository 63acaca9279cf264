"""The Graph API through the official `facebook-business` SDK, one API instance per token.

The SDK is synchronous: every call runs in a worker thread. Around each call this adapter
reads the usage headers (a `requests` response hook on the API's own session), waits when an
ad account is near its limit or blocked until a regain time, backs off on rate-limit errors,
retries transient errors of idempotent calls, and turns Graph errors into `GraphFailure`s.
Tokens travel only inside the SDK's session; nothing here logs a URL or a request.
Each attempt runs inside a client span `meta <operation>`, a child of the current span.
"""

from __future__ import annotations

import asyncio
import random
import threading
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import requests
import structlog
from facebook_business.adobjects.ad import Ad
from facebook_business.adobjects.adaccount import AdAccount
from facebook_business.adobjects.adcreative import AdCreative
from facebook_business.adobjects.adset import AdSet
from facebook_business.adobjects.campaign import Campaign
from facebook_business.api import Cursor, FacebookAdsApi
from facebook_business.exceptions import FacebookError, FacebookRequestError
from facebook_business.session import FacebookSession
from opentelemetry import trace

from zamc_connector_meta.config import Settings
from zamc_connector_meta.domain.errors import FailureKind, GraphFailure
from zamc_connector_meta.domain.usage import ThrottlePolicy, UsageReading, read_usage
from zamc_connector_meta.metrics import API_CALLS, API_ERRORS, PLATFORM, RATE_LIMIT_BACKOFFS

log = structlog.get_logger("zamc.connector_meta.graph")
tracer = trace.get_tracer("zamc_connector_meta.graph")
T = TypeVar("T")

NODE_CLASSES: dict[str, type] = {
    "campaign": Campaign,
    "ad_set": AdSet,
    "creative": AdCreative,
    "ad": Ad,
}


class GraphCallFailed(Exception):
    """A Graph call failed for good (permanent, or retries exhausted)."""

    def __init__(self, failure: GraphFailure, operation: str = "") -> None:
        super().__init__(f"{operation}: {failure.code_text} {failure.message}")
        self.failure = failure
        self.operation = operation


class ReauthorizationNeeded(GraphCallFailed):
    """Meta refused the token (190): the user must connect again; stop calling with it."""


def utcnow() -> datetime:
    return datetime.now(UTC)


class UsageGovernor:
    """Usage per ad account, fed by the response hook of every client; shared by the process."""

    def __init__(self, policy: ThrottlePolicy, *, clock: Callable[[], datetime] = utcnow) -> None:
        self.policy = policy
        self.clock = clock
        self._lock = threading.Lock()
        self._readings: dict[str, tuple[UsageReading, datetime]] = {}
        self._blocked_until: dict[str, datetime] = {}

    def observe(self, account_id: str, headers: Mapping[str, str]) -> None:
        reading = read_usage(headers)
        if reading is None:
            return
        with self._lock:
            self._readings[account_id] = (reading, self.clock())

    def reading(self, account_id: str) -> UsageReading | None:
        with self._lock:
            found = self._readings.get(account_id)
        return found[0] if found else None

    def block(self, account_id: str, seconds: float) -> None:
        until = self.clock() + timedelta(seconds=seconds)
        with self._lock:
            self._blocked_until[account_id] = max(until, self._blocked_until.get(account_id, until))

    def wait_seconds(self, account_id: str) -> float:
        now = self.clock()
        with self._lock:
            found = self._readings.get(account_id)
            blocked = self._blocked_until.get(account_id)
        wait = self.policy.wait(found[0], read_at=found[1], now=now) if found else 0.0
        if blocked is not None:
            wait = max(wait, (blocked - now).total_seconds())
        return max(wait, 0.0)

    def forget_reading(self, account_id: str) -> None:
        """After waiting, the next response brings a fresh reading; don't wait on the old one twice."""
        with self._lock:
            self._readings.pop(account_id, None)


_current = threading.local()


class GraphClient:
    """One token's view of the Graph API."""

    def __init__(self, *, token: str, settings: Settings, governor: UsageGovernor) -> None:
        secret = settings.app_secret.get_secret_value()
        session = FacebookSession(
            app_id=settings.app_id or None,
            app_secret=secret or None,
            access_token=token,
            timeout=settings.request_timeout_seconds,
        )
        session.GRAPH = settings.graph_url.rstrip("/")
        session.requests.hooks["response"].append(self._on_response)
        self.api = FacebookAdsApi(session, api_version=settings.api_version)
        self.settings = settings
        self.governor = governor

    def close(self) -> None:
        self.api._session.requests.close()

    # ----- the call wrapper ---------------------------------------------------------------------
    def _on_response(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        account = getattr(_current, "account", None)
        if account:
            self.governor.observe(account, response.headers)

    def _invoke(self, account: str | None, fn: Callable[[FacebookAdsApi], T]) -> T:
        _current.account = account
        try:
            return fn(self.api)
        finally:
            _current.account = None

    @staticmethod
    def _span(operation: str, *, account: str | None, attempt: int) -> Any:
        """The client span of one SDK call (no exception text on it: an SDK error may hold a URL)."""
        attributes: dict[str, Any] = {"zamc.platform": PLATFORM, "zamc.attempt": attempt}
        if account:
            attributes["zamc.ad_account"] = account
        return tracer.start_as_current_span(
            f"meta {operation}",
            kind=trace.SpanKind.CLIENT,
            attributes=attributes,
            record_exception=False,
            set_status_on_exception=False,
        )

    def _backoff(self, attempt: int) -> float:
        base = self.settings.backoff_base_seconds * 2 ** (attempt - 1)
        return min(base * (1 + random.random() / 2), self.settings.backoff_max_seconds)

    async def call(
        self,
        operation: str,
        fn: Callable[[FacebookAdsApi], T],
        *,
        account: str | None = None,
        idempotent: bool = True,
    ) -> T:
        """Run `fn(api)` in a thread with throttling, backoff and retries; raises GraphCallFailed."""
        attempts = self.settings.max_attempts
        for attempt in range(1, attempts + 1):
            if account:
                await self._wait_for_usage(account, operation)
            API_CALLS.labels(PLATFORM, operation).inc()
            with self._span(operation, account=account, attempt=attempt) as span:
                try:
                    return await asyncio.to_thread(self._invoke, account, fn)
                except FacebookRequestError as error:
                    failure = GraphFailure.from_body(error.body(), http_status=error.http_status())
                except requests.RequestException as error:  # its text holds the URL with the token
                    failure = GraphFailure(
                        code=None,
                        message=f"network error ({type(error).__name__})",
                        transient=True,
                        local_code="network",
                    )
                except FacebookError as error:
                    failure = GraphFailure(
                        code=None, message=f"SDK error ({type(error).__name__})", local_code="sdk"
                    )
                except Exception as error:
                    span.set_status(trace.StatusCode.ERROR, type(error).__name__)
                    raise
                span.set_status(trace.StatusCode.ERROR, failure.code_text)
                span.set_attribute("zamc.platform.error_code", failure.metric_code)
            API_ERRORS.labels(PLATFORM, failure.metric_code).inc()
            kind = failure.kind
            if kind is FailureKind.REAUTHORIZE:
                raise ReauthorizationNeeded(failure, operation)
            retry = attempt < attempts and (
                kind is FailureKind.RATE_LIMITED or (kind is FailureKind.TRANSIENT and idempotent)
            )
            if not retry:
                raise GraphCallFailed(failure, operation)
            delay = self._backoff(attempt)
            log.warning(
                "meta call failed; retrying",
                operation=operation,
                account=account,
                code=failure.code_text,
                kind=kind.value,
                attempt=attempt,
                delay=round(delay, 3),
            )
            if kind is FailureKind.RATE_LIMITED:
                RATE_LIMIT_BACKOFFS.labels(PLATFORM).inc()
                if account:
                    self.governor.block(account, delay)
                    continue
            await asyncio.sleep(delay)
        raise AssertionError("unreachable")

    async def _wait_for_usage(self, account: str, operation: str) -> None:
        wait = self.governor.wait_seconds(account)
        if wait <= 0:
            return
        RATE_LIMIT_BACKOFFS.labels(PLATFORM).inc()
        reading = self.governor.reading(account)
        if wait > self.settings.throttle_max_wait_seconds:
            percent = f"{reading.percent:.0f} %" if reading else "its limit"
            raise GraphCallFailed(
                GraphFailure(
                    code=None,
                    message=f"Meta usage of ad account {account} is at {percent}; calls resume in {wait:.0f} s",
                    transient=True,
                    local_code="throttled",
                ),
                operation,
            )
        log.info("throttling meta calls", account=account, operation=operation, wait=round(wait, 3))
        await asyncio.sleep(wait)
        self.governor.forget_reading(account)

    # ----- identity and accounts ----------------------------------------------------------------
    async def permissions(self) -> list[dict[str, Any]]:
        def run(api: FacebookAdsApi) -> list[dict[str, Any]]:
            return list(api.call("GET", ("me", "permissions")).json().get("data", []))

        return await self.call("me_permissions", run)

    async def ad_accounts(self) -> list[dict[str, Any]]:
        fields = ["id", "account_id", "name", "currency", "timezone_name", "account_status", "business"]

        def run(api: FacebookAdsApi) -> list[dict[str, Any]]:
            cursor = Cursor(
                target_objects_class=AdAccount,
                fields=fields,
                params={"limit": 100},
                api=api,
                node_id="me",
                endpoint="adaccounts",
                include_summary=False,
            )
            return [dict(a.export_all_data()) for a in cursor]

        return await self.call("me_adaccounts", run)

    async def promote_page(self, account: str) -> str | None:
        def run(api: FacebookAdsApi) -> str | None:
            first = AdAccount(account, api=api).get_promote_pages(fields=["id"], params={"limit": 1})
            return str(first[0]["id"]) if len(first) else None

        return await self.call("adaccount_promote_pages", run, account=account)

    # ----- creating, finding, changing and deleting objects ------------------------------------
    async def create(self, kind: str, account: str, params: Mapping[str, Any]) -> str:
        """Create one object on the account; not retried on transient errors (not idempotent)."""
        creators = {
            "campaign": AdAccount.create_campaign,
            "ad_set": AdAccount.create_ad_set,
            "creative": AdAccount.create_ad_creative,
            "ad": AdAccount.create_ad,
        }
        create = creators[kind]

        def run(api: FacebookAdsApi) -> str:
            return str(create(AdAccount(account, api=api), params=dict(params))["id"])

        return await self.call(f"create_{kind}", run, account=account, idempotent=False)

    async def upload_image(self, account: str, *, name: str, data: bytes) -> str:
        """Upload image bytes; Meta names an image by its content hash, so a re-upload is harmless."""
        import base64

        encoded = base64.b64encode(data).decode()

        def run(api: FacebookAdsApi) -> str:
            image = AdAccount(account, api=api).create_ad_image(params={"bytes": encoded, "name": name})
            return str(image["hash"])

        return await self.call("create_image", run, account=account)

    async def find_tagged(self, kind: str, account: str, parent_id: str | None, tag: str) -> str | None:
        """The live object whose name carries `tag` (look-up before create after a crash)."""
        fields = ["id", "name", "status"]
        params = {
            "filtering": [{"field": "name", "operator": "CONTAIN", "value": tag}],
            "limit": 200,
        }

        def run(api: FacebookAdsApi) -> str | None:
            if kind == "campaign":
                cursor = AdAccount(account, api=api).get_campaigns(fields=fields, params=params)
            elif kind == "ad_set":
                cursor = Campaign(parent_id, api=api).get_ad_sets(fields=fields, params=params)
            elif kind == "ad":
                cursor = AdSet(parent_id, api=api).get_ads(fields=fields, params=params)
            elif kind == "creative":
                cursor = AdAccount(account, api=api).get_ad_creatives(
                    fields=["id", "name", "status"], params={"limit": 200}
                )
            else:
                return None
            for item in cursor:
                if tag in str(item.get("name", "")) and item.get("status") != "DELETED":
                    return str(item["id"])
            return None

        return await self.call(f"find_{kind}", run, account=account)

    async def delete(self, kind: str, object_id: str, *, account: str) -> None:
        node = NODE_CLASSES[kind]

        def run(api: FacebookAdsApi) -> None:
            node(object_id, api=api).api_delete()

        try:
            await self.call(f"delete_{kind}", run, account=account)
        except GraphCallFailed as error:
            if error.failure.code == 100 and error.failure.subcode == 33:
                return  # already gone
            raise

    async def update(self, kind: str, object_id: str, params: Mapping[str, Any], *, account: str) -> None:
        node = NODE_CLASSES[kind]

        def run(api: FacebookAdsApi) -> None:
            node(object_id, api=api).api_update(params=dict(params))

        await self.call(f"update_{kind}", run, account=account)

    async def read(self, kind: str, object_id: str, fields: Sequence[str], *, account: str) -> dict[str, Any]:
        node = NODE_CLASSES[kind]

        def run(api: FacebookAdsApi) -> dict[str, Any]:
            return dict(node(object_id, api=api).api_get(fields=list(fields)).export_all_data())

        return await self.call(f"read_{kind}", run, account=account)

    async def ad_sets_of(
        self, campaign_id: str, fields: Sequence[str], *, account: str
    ) -> list[dict[str, Any]]:
        def run(api: FacebookAdsApi) -> list[dict[str, Any]]:
            cursor = Campaign(campaign_id, api=api).get_ad_sets(fields=list(fields), params={"limit": 200})
            return [dict(a.export_all_data()) for a in cursor]

        return await self.call("campaign_adsets", run, account=account)

    # ----- insights --------------------------------------------------------------------------
    async def insight_pages(
        self, account: str, *, fields: Sequence[str], params: Mapping[str, Any]
    ) -> AsyncIterator[list[dict[str, Any]]]:
        """Insights rows of the account, one list per Graph page (the SDK's cursor, paged by hand)."""
        state: dict[str, Cursor] = {}

        def first(api: FacebookAdsApi) -> list[dict[str, Any]]:
            state["cursor"] = AdAccount(account, api=api).get_insights(
                fields=list(fields), params=dict(params)
            )
            return _rows(state["cursor"])

        def following(api: FacebookAdsApi) -> list[dict[str, Any]] | None:
            cursor = state["cursor"]
            return _rows(cursor) if cursor.load_next_page() else None

        rows: list[dict[str, Any]] | None = await self.call("adaccount_insights", first, account=account)
        while rows is not None:
            if rows:
                yield rows
            rows = await self.call("adaccount_insights", following, account=account)


def _rows(cursor: Cursor) -> list[dict[str, Any]]:
    return [dict(cursor[i].export_all_data()) for i in range(len(cursor))]
