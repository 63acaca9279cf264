"""Pure rules of the gateway core, without servers."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from pydantic import ValidationError

from zamc_events.examples import STRATEGY_EXAMPLE
from zamc_gateway.config import PLACEHOLDER_JWT_SECRET, Settings
from zamc_gateway.domain import credentials, deployments, money, oauth, rate_limits, strategies
from zamc_gateway.domain.errors import Conflict, InvalidFields
from zamc_gateway.domain.policy import API_KEY_ROLE, POLICY, Action, ApiKeyScope, Role, can, may_grant

pytestmark = pytest.mark.unit


def test_the_policy_table():
    allowed = {action: {role.value for role in Role if can(role, action)} for action in Action}
    assert allowed == {
        Action.read: {"owner", "admin", "member", "viewer"},
        Action.write_resources: {"owner", "admin", "member"},
        Action.manage_members: {"owner", "admin"},
        Action.manage_api_keys: {"owner", "admin"},
        Action.manage_connections: {"owner", "admin"},
        Action.grant_owner: {"owner"},
    }
    assert set(POLICY) == set(Action)
    assert API_KEY_ROLE == {ApiKeyScope.read: Role.viewer, ApiKeyScope.write: Role.member}
    assert may_grant(Role.admin, Role.admin) and not may_grant(Role.admin, Role.owner)
    assert may_grant(Role.owner, Role.owner) and not may_grant(Role.member, Role.viewer)


def test_access_tokens_round_trip_and_refuse_tampering_expiry_and_other_secrets():
    user, session = uuid.uuid4(), uuid.uuid4()
    now = datetime.now(UTC)
    token = credentials.issue_access_token(
        secret="s" * 32,
        issuer="zamc",
        user_id=user,
        session_id=session,
        now=now,
        lifetime=timedelta(minutes=15),
    )
    claims = credentials.read_access_token(token, secret="s" * 32, issuer="zamc")
    assert (claims.user_id, claims.session_id) == (user, session)
    assert claims.expires_at == datetime.fromtimestamp(int((now + timedelta(minutes=15)).timestamp()), UTC)
    for secret, issuer, candidate in [
        ("t" * 32, "zamc", token),
        ("s" * 32, "other", token),
        ("s" * 32, "zamc", token[:-2] + ("AA" if not token.endswith("AA") else "BB")),
    ]:
        with pytest.raises(credentials.InvalidToken):
            credentials.read_access_token(candidate, secret=secret, issuer=issuer)
    old = credentials.issue_access_token(
        secret="s" * 32,
        issuer="zamc",
        user_id=user,
        session_id=session,
        now=now - timedelta(hours=1),
        lifetime=timedelta(minutes=15),
    )
    with pytest.raises(credentials.InvalidToken, match="expired"):
        credentials.read_access_token(old, secret="s" * 32, issuer="zamc")


def test_passwords_api_keys_and_refresh_tokens():
    hasher = credentials.password_hasher(time_cost=1, memory_kib=64, parallelism=1)
    stored = hasher.hash("correct horse battery")
    assert stored.startswith("$argon2id$")
    assert credentials.verify_password(hasher, stored, "correct horse battery")
    assert not credentials.verify_password(hasher, stored, "wrong")
    assert not credentials.verify_password(hasher, None, "anything")
    assert not credentials.verify_password(hasher, "not-a-hash", "anything")
    key = credentials.new_api_key()
    assert credentials.is_api_key(key) and not credentials.is_api_key(credentials.new_refresh_token())
    assert credentials.digest(key) != key and len(credentials.digest(key)) == 64
    assert credentials.new_api_key() != key


def test_settings_refuse_the_placeholder_secret_in_production():
    production = {"ZAMC_ENVIRONMENT": "production", "ZAMC_DATABASE_URL": "postgresql+asyncpg://db.prod/zamc"}
    with pytest.raises(ValidationError, match="JWT_SECRET"):
        Settings(**production)
    with pytest.raises(ValidationError, match="JWT_SECRET"):
        Settings(**production, jwt_secret="short")
    assert Settings(**production, jwt_secret="x" * 40).environment == "production"
    assert Settings().jwt_secret.get_secret_value() == PLACEHOLDER_JWT_SECRET  # fine in development


def test_rate_limit_windows_and_leases():
    window = rate_limits.window_at(125.2, 60)
    assert window.index == 2 and window.retry_after == 55
    assert rate_limits.window_at(179.9, 60).retry_after == 1
    assert rate_limits.lease_size(600, 0.02) == 12 and rate_limits.lease_size(5, 0.02) == 1
    assert rate_limits.grant(used=0, limit=10, wanted=4) == 4
    assert rate_limits.grant(used=8, limit=10, wanted=4) == 2
    assert rate_limits.grant(used=10, limit=10, wanted=4) == 0
    assert rate_limits.grant(used=12, limit=10, wanted=4) == 0


def test_merge_patch_follows_rfc_7396():
    target = {"a": "b", "c": {"d": "e", "f": "g"}, "list": [1, 2]}
    patch = {"a": "z", "c": {"f": None}, "list": [3]}
    assert strategies.merge_patch(target, patch) == {"a": "z", "c": {"d": "e"}, "list": [3]}
    assert strategies.merge_patch({"a": 1}, {"b": {"c": None}}) == {"a": 1, "b": {}}


def test_pointers_of_platform_limit_paths_and_pydantic_locations():
    assert strategies.pointer("google_ads.campaigns[0].ad_groups[1].ads[2].headlines[3]") == (
        "/google_ads/campaigns/0/ad_groups/1/ads/2/headlines/3"
    )
    assert strategies.pointer(("meta", "campaigns", 0, "name")) == "/meta/campaigns/0/name"
    assert strategies.pointer("budget_split") == "/budget_split"


def test_a_revision_is_the_next_version_or_names_every_broken_field():
    revised = strategies.revise(STRATEGY_EXAMPLE, {"rationale": "because"})
    assert revised.version == 2 and revised.rationale == "because"
    assert (
        revised.strategy_id == STRATEGY_EXAMPLE.strategy_id
        and revised.generator == STRATEGY_EXAMPLE.generator
    )

    doc = STRATEGY_EXAMPLE.model_dump(mode="json")
    doc["meta"]["campaigns"][0]["ad_sets"][0]["ads"][0]["headline"] = "H" * 300
    doc["google_ads"]["campaigns"][0]["ad_groups"][0]["ads"][0]["descriptions"] = ["only one"]
    with pytest.raises(InvalidFields) as raised:
        strategies.revise(STRATEGY_EXAMPLE, {"meta": doc["meta"], "google_ads": doc["google_ads"]})
    fields = {e.field: e for e in raised.value.errors}
    assert "/meta/campaigns/0/ad_sets/0/ads/0/headline" in fields
    assert "/google_ads/campaigns/0/ad_groups/0/ads/0/descriptions" in fields
    description = fields["/google_ads/campaigns/0/ad_groups/0/ads/0/descriptions"]
    assert description.extra["limit"] == 2 and description.extra["actual"] == 1

    with pytest.raises(InvalidFields) as raised:
        strategies.revise(STRATEGY_EXAMPLE, {"strategy_id": str(uuid.uuid4()), "generator": "llm"})
    assert [e.field for e in raised.value.errors] == ["/strategy_id", "/generator"]
    whole = STRATEGY_EXAMPLE.model_dump(mode="json") | {"rationale": "whole document"}
    assert strategies.revise(STRATEGY_EXAMPLE, whole).rationale == "whole document"
    with pytest.raises(Conflict):
        strategies.revise(STRATEGY_EXAMPLE, whole | {"version": 3})
    with pytest.raises(InvalidFields) as raised:
        strategies.revise(STRATEGY_EXAMPLE, {"currency": "euro"})
    assert [e.field for e in raised.value.errors] == ["/currency"]
    with pytest.raises(InvalidFields) as raised:
        strategies.revise(STRATEGY_EXAMPLE, {"google_ads": {"campaigns": [{"key": "x"}]}})
    assert "/google_ads/campaigns/0/name" in [e.field for e in raised.value.errors]


def test_deployment_targets_follow_the_answers():
    targets = deployments.new_targets([("google_ads", "1"), ("meta", "act_2")])
    targets = deployments.target_deployed(targets, platform="google_ads", account="1", campaign_ids=["9"])
    targets = deployments.target_failed(targets, platform="meta", account="act_2", error={"code": "x"})
    assert [(t["status"], t["platform_campaign_ids"], t["error"]) for t in targets] == [
        ("succeeded", ["9"], None),
        ("failed", [], {"code": "x"}),
    ]
    assert deployments.running_status("pending") == "running"
    assert deployments.running_status("succeeded") == "succeeded"
    google = deployments.campaign_details(STRATEGY_EXAMPLE, "google_ads", "g-trail")
    bidding = STRATEGY_EXAMPLE.google_ads.campaigns[0].bidding_strategy
    assert google == deployments.CampaignDetails("Trail shoes – Search", 60_000_000, {"strategy": bidding})
    assert deployments.campaign_details(STRATEGY_EXAMPLE, "meta", "m-trail") == deployments.CampaignDetails(
        "Trail shoes – Sales", 40_000_000
    )
    assert deployments.campaign_details(STRATEGY_EXAMPLE, "meta", "nope") == deployments.CampaignDetails()
    roas = STRATEGY_EXAMPLE.google_ads.campaigns[0].model_copy(
        update={"bidding_strategy": "TARGET_ROAS", "target_roas": 4.2}
    )
    assert deployments.google_bidding(roas) == {"strategy": "TARGET_ROAS", "target_roas": 4.2}
    assert deployments.plans_platform(STRATEGY_EXAMPLE, "meta")
    assert not deployments.plans_platform(STRATEGY_EXAMPLE.model_copy(update={"meta": None}), "meta")


def test_money_and_oauth_urls():
    assert money.to_micros(Decimal("25.5")) == 25_500_000
    assert money.from_micros(25_500_000) == Decimal("25.5")
    assert money.fits_currency(25_500_000, "EUR") and not money.fits_currency(25_505_000, "EUR")
    assert not money.fits_currency(1_500_000, "JPY")
    url = oauth.authorization_url(
        platform="google_ads",
        authorize_url="https://accounts.example/o/auth?x=1",
        client_id="cid",
        redirect_uri=oauth.redirect_uri("https://api.zamc.test/", "google_ads"),
        scopes=["a", "b"],
        state="st",
    )
    query = parse_qs(urlsplit(url).query)
    assert query["x"] == ["1"] and query["scope"] == ["a b"] and query["access_type"] == ["offline"]
    # without prompt=consent Google returns a refresh token only on the first consent
    assert query["prompt"] == ["consent"] and query["response_type"] == ["code"]
    assert query["redirect_uri"] == ["https://api.zamc.test/api/v1/oauth/google_ads/callback"]
    meta = parse_qs(
        urlsplit(
            oauth.authorization_url(
                platform="meta",
                authorize_url="https://www.facebook.com/v26.0/dialog/oauth",
                client_id="app",
                redirect_uri=oauth.redirect_uri("https://api.zamc.test", "meta"),
                scopes=["ads_management", "ads_read"],
                state="st",
            )
        ).query
    )
    assert meta["scope"] == ["ads_management,ads_read"] and meta["response_type"] == ["code"]
    assert meta["client_id"] == ["app"] and meta["state"] == ["st"] and "access_type" not in meta


def test_the_principal_cache_forgets_after_its_ttl_and_can_be_off():
    from zamc_gateway.adapters.ttl_cache import TtlCache

    now = [0.0]
    cache = TtlCache(2.0, clock=lambda: now[0], max_entries=3)
    cache.put("a", 1)
    assert cache.get("a") == 1
    now[0] = 2.5
    assert cache.get("a") is None
    for key in "bcde":
        cache.put(key, key)
    assert cache.get("e") == "e" and len(cache._entries) <= 3
    cache.clear()
    assert cache.get("e") is None
    off = TtlCache(0)
    off.put("a", 1)
    assert off.get("a") is None


async def test_the_principal_cache_looks_a_missing_entry_up_once_for_concurrent_callers():
    import asyncio

    from zamc_gateway.adapters.ttl_cache import TtlCache

    cache = TtlCache(60)
    calls = 0
    release = asyncio.Event()

    async def look_up():
        nonlocal calls
        calls += 1
        await release.wait()
        return "alice"

    waiting = [asyncio.ensure_future(cache.get_or_load("k", look_up)) for _ in range(20)]
    await asyncio.sleep(0)
    waiting[0].cancel()  # a caller that gives up cancels neither the look-up nor the others
    release.set()
    assert await asyncio.gather(*waiting[1:]) == ["alice"] * 19
    assert calls == 1 and cache.get("k") == "alice"

    # a failure reaches every waiting caller and is not remembered
    async def refuse():
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.01)
        raise PermissionError("revoked")

    results = await asyncio.gather(
        *(cache.get_or_load("x", refuse) for _ in range(5)), return_exceptions=True
    )
    assert all(isinstance(r, PermissionError) for r in results) and calls == 2
    assert cache.get("x") is None

    # a look-up that started before clear() (a revocation) is not remembered
    release.clear()
    pending = asyncio.ensure_future(cache.get_or_load("y", look_up))
    await asyncio.sleep(0)
    cache.clear()
    release.set()
    assert await pending == "alice" and cache.get("y") is None


def test_every_route_starts_with_its_routers_guard():
    """A router's guard (api/routing.py) may only rule out paths none of its routes can match."""
    import types

    from zamc_gateway.api import live, routing
    from zamc_gateway.app import API_PREFIX, CORE_ROUTERS, create_app
    from zamc_gateway.config import Settings

    create_app(types.SimpleNamespace(settings=Settings(), js=None))  # sets the guards
    routers = [*CORE_ROUTERS, *live.routers()]
    assert all(isinstance(r, routing.GatewayRouter) and r.guard for r in routers)
    for router in routers:
        for route in router.routes:
            assert (API_PREFIX + routing.static_head(route.path)).startswith(router.guard), route.path
    analytics = next(r for r in routers if r.prefix == "/analytics")
    assert all(head.startswith("/api/v1/analytics/") for head in analytics.guard)
    briefs = next(r for r in routers if any(head.endswith("/briefs/") for head in r.guard))
    assert set(briefs.guard) == {"/api/v1/briefs/", "/api/v1/projects/"}  # one head per path family
    assert routing.static_head("/projects/{project_id}/briefs") == "/projects/"


async def test_the_read_cache_remembers_per_organization_and_forgets_one_organization_at_a_time():
    from zamc_gateway.adapters.read_cache import OrganizationReadCache

    cache = OrganizationReadCache(60)
    first, second = uuid.uuid4(), uuid.uuid4()
    loads: list[tuple[uuid.UUID, str]] = []

    def loader(organization: uuid.UUID, value: str):
        async def load() -> str:
            loads.append((organization, value))
            return value

        return load

    assert await cache.get_or_load(first, "k", loader(first, "a")) == "a"
    assert await cache.get_or_load(first, "k", loader(first, "b")) == "a"  # remembered
    assert await cache.get_or_load(second, "k", loader(second, "c")) == "c"  # never shared
    cache.forget(first)
    assert await cache.get_or_load(first, "k", loader(first, "d")) == "d"
    assert await cache.get_or_load(second, "k", loader(second, "e")) == "c"  # untouched
    assert loads == [(first, "a"), (second, "c"), (first, "d")]

    off = OrganizationReadCache(0)
    assert await off.get_or_load(first, "k", loader(first, "x")) == "x"
    assert await off.get_or_load(first, "k", loader(first, "y")) == "y"


async def test_an_expired_entry_is_served_while_one_look_up_refreshes_it_but_never_after_its_grace():
    import asyncio

    from zamc_gateway.adapters.ttl_cache import TtlCache

    now = [0.0]
    cache = TtlCache(10, clock=lambda: now[0], refresh_in_background=True)
    answers = iter(["first", "second", "third"])
    release = asyncio.Event()
    calls = 0

    async def look_up() -> str:
        nonlocal calls
        calls += 1
        await release.wait()
        return next(answers)

    release.set()
    assert await cache.get_or_load("k", look_up) == "first"
    release.clear()
    now[0] = 12  # expired, within its grace: answered at once, refreshed once in the background
    assert [await cache.get_or_load("k", look_up) for _ in range(3)] == ["first"] * 3
    await asyncio.sleep(0)  # the refresh starts
    assert calls == 2
    release.set()
    for _ in range(3):
        await asyncio.sleep(0)
    assert await cache.get_or_load("k", look_up) == "second"
    now[0] = 40  # past its grace: callers wait for the look-up
    assert await cache.get_or_load("k", look_up) == "third" and calls == 3
    cache.clear()  # a cleared entry is never served, however fresh
    assert cache.get("k") is None
    # a value remembered for less than the ttl (an access token's remaining life) has no grace
    cache.put("token", "identity", ttl=5)
    now[0] = 46
    assert cache.get("token") is None and "token" not in cache._entries
