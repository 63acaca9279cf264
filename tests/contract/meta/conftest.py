"""Targets of the Meta platform contract: the sandbox always; the live Graph API with credentials.

Live run: set ZAMC_META_LIVE_ACCESS_TOKEN (a system user or long-lived user token with
ads_management and ads_read) and ZAMC_META_LIVE_AD_ACCOUNT_ID (act_…); optionally
ZAMC_META_LIVE_PAGE_ID (needed for creatives and ads), ZAMC_META_LIVE_APP_ID / _APP_SECRET
(appsecret_proof) and ZAMC_META_LIVE_GRAPH_URL. Objects are created PAUSED and deleted again.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from zamc_connector_meta.adapters.graph import GraphClient, UsageGovernor
from zamc_connector_meta.config import Settings
from zamc_connector_meta.domain.usage import ThrottlePolicy

LIVE_TOKEN = "ZAMC_META_LIVE_ACCESS_TOKEN"
LIVE_ACCOUNT = "ZAMC_META_LIVE_AD_ACCOUNT_ID"


@dataclass
class MetaTarget:
    name: str
    settings: Settings
    token: str
    account: str
    page_id: str | None
    advance_days: Callable[[float], None] | None = None  # the sandbox's market clock; None live
    now: Callable[[], datetime] = lambda: datetime.now(UTC)

    def client(self, token: str | None = None) -> GraphClient:
        policy = ThrottlePolicy(throttle_at_percent=self.settings.throttle_at_percent)
        return GraphClient(token=token or self.token, settings=self.settings, governor=UsageGovernor(policy))


def _settings(graph_url: str, app_id: str = "", app_secret: str = "") -> Settings:
    return Settings(
        graph_url=graph_url,
        app_id=app_id,
        app_secret=app_secret,
        max_attempts=3,
        backoff_base_seconds=0.5,
        backoff_max_seconds=10,
        throttle_max_wait_seconds=60,
    )


@pytest.fixture(scope="module", params=["sandbox", "live"])
def target(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[MetaTarget]:
    if request.param == "live":
        token, account = os.environ.get(LIVE_TOKEN), os.environ.get(LIVE_ACCOUNT)
        if not token or not account:
            pytest.skip(f"live Meta contract not run: set {LIVE_TOKEN} and {LIVE_ACCOUNT} to run it")
        yield MetaTarget(
            name="live",
            settings=_settings(
                os.environ.get("ZAMC_META_LIVE_GRAPH_URL", "https://graph.facebook.com"),
                os.environ.get("ZAMC_META_LIVE_APP_ID", ""),
                os.environ.get("ZAMC_META_LIVE_APP_SECRET", ""),
            ),
            token=token,
            account=account if account.startswith("act_") else f"act_{account}",
            page_id=os.environ.get("ZAMC_META_LIVE_PAGE_ID"),
        )
        return
    from zamc_sandbox import Sandbox

    with Sandbox.start(tmp_path_factory.mktemp("meta-contract"), seed=3) as sandbox:
        yield MetaTarget(
            name="sandbox",
            settings=_settings(sandbox.meta_graph_base_url, "zamc-contract-app", "contract-secret"),
            token=sandbox.issue_meta_token(),
            account=sandbox.meta_ad_account_ids[0],
            page_id="100000000000099",
            advance_days=lambda days: sandbox.market.step(days=days),
            now=sandbox.market.clock.now,
        )
