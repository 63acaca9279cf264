"""Example payloads of every event: documentation, and the producer side of contract tests."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from zamc_events.contracts import accounts, campaign, metrics, optimization, strategy
from zamc_events.contracts.base import Event
from zamc_events.contracts.common import AdAccount, AssetRef, PlatformError

ORG = uuid.UUID("00000000-0000-4000-8000-000000000001")
PROJECT = uuid.UUID("00000000-0000-4000-8000-000000000002")
BRIEF = uuid.UUID("00000000-0000-4000-8000-000000000003")
STRATEGY = uuid.UUID("00000000-0000-4000-8000-000000000004")
DEPLOYMENT = uuid.UUID("00000000-0000-4000-8000-000000000005")
CONNECTION = uuid.UUID("00000000-0000-4000-8000-000000000006")
USER = uuid.UUID("00000000-0000-4000-8000-000000000007")
CHANGE = uuid.UUID("00000000-0000-4000-8000-000000000008")
RECOMMENDATION = uuid.UUID("00000000-0000-4000-8000-000000000009")
HOUR = datetime(2026, 11, 20, 14, tzinfo=UTC)

GOOGLE_ACCOUNT = AdAccount(
    external_id="1234567890",
    name="Acme Search",
    currency="EUR",
    time_zone="Europe/Berlin",
    manager_external_id="9998887776",
)
META_ACCOUNT = AdAccount(
    external_id="act_100200300", name="Acme Social", currency="EUR", time_zone="Europe/Berlin"
)

BRIEF_EXAMPLE = strategy.Brief(
    brief_id=BRIEF,
    project_id=PROJECT,
    product="Trail running shoes",
    audience="Runners aged 25-45 in cities",
    goal="sales",
    budget=strategy.BriefBudget(amount_micros=100_000_000, currency="EUR", period="daily"),
    start_date=date(2026, 12, 1),
    end_date=date(2026, 12, 31),
    platforms=["google_ads", "meta"],
    locations=["DE", "AT"],
    languages=["de", "en"],
    landing_page_url="https://acme.example/trail",
    business=strategy.Business(
        name="Acme",
        website="https://acme.example",
        industry="Sporting goods",
        description="Outdoor gear",
        brand_voice="Energetic, direct",
    ),
    accounts=[GOOGLE_ACCOUNT, META_ACCOUNT],
)

GOOGLE_CAMPAIGN = strategy.GoogleSearchCampaign(
    key="g-trail",
    name="Trail shoes – Search",
    daily_budget_micros=60_000_000,
    locations=["DE", "AT"],
    languages=["de", "en"],
    ad_groups=[
        strategy.GoogleAdGroup(
            key="g-trail-ag1",
            name="Trail running shoes",
            keywords=[
                strategy.Keyword(text="trail running shoes"),
                strategy.Keyword(text="trail shoes", match_type="EXACT"),
            ],
            ads=[
                strategy.ResponsiveSearchAd(
                    key="g-trail-ad1",
                    headlines=["Trail Running Shoes", "Grip On Every Trail", "Free Returns"],
                    descriptions=[
                        "Lightweight trail shoes with grip for every terrain.",
                        "Order today, run tomorrow.",
                    ],
                    path1="trail",
                    path2="shoes",
                    final_url="https://acme.example/trail",
                )
            ],
        )
    ],
)

META_CAMPAIGN = strategy.MetaCampaign(
    key="m-trail",
    name="Trail shoes – Sales",
    objective="OUTCOME_SALES",
    ad_sets=[
        strategy.MetaAdSet(
            key="m-trail-as1",
            name="Urban runners",
            daily_budget_micros=40_000_000,
            targeting=strategy.MetaTargeting(
                countries=["DE", "AT"], age_min=25, age_max=45, interests=["Running"]
            ),
            ads=[
                strategy.MetaAd(
                    key="m-trail-ad1",
                    name="Grip ad",
                    primary_text="Run further on any trail.",
                    headline="Trail shoes",
                    description="Free returns",
                    call_to_action="SHOP_NOW",
                    link_url="https://acme.example/trail",
                    image=AssetRef(
                        asset_id=str(uuid.UUID(int=11)),
                        object_name="ab" * 32,
                        sha256="ab" * 32,
                        content_type="image/png",
                    ),
                )
            ],
        )
    ],
)

STRATEGY_EXAMPLE = strategy.CampaignStrategy(
    strategy_id=STRATEGY,
    brief_id=BRIEF,
    project_id=PROJECT,
    version=1,
    generator="rules",
    objective="sales",
    kpis=["ROAS", "CPA"],
    audiences=[strategy.Audience(name="Urban runners", description="Runners aged 25-45")],
    currency="EUR",
    daily_budget_micros=100_000_000,
    budget_split=[
        strategy.BudgetAllocation(
            platform="google_ads", campaign_key="g-trail", daily_budget_micros=60_000_000, share=0.6
        ),
        strategy.BudgetAllocation(
            platform="meta", campaign_key="m-trail", daily_budget_micros=40_000_000, share=0.4
        ),
    ],
    start_date=date(2026, 12, 1),
    end_date=date(2026, 12, 31),
    google_ads=strategy.GoogleAdsPlan(campaigns=[GOOGLE_CAMPAIGN]),
    meta=strategy.MetaPlan(campaigns=[META_CAMPAIGN]),
)

ERROR = PlatformError(code="1885621", message="Budget set on both campaign and ad set", field="daily_budget")


def _per_platform(google: type[Event], meta: type[Event], **fields: object) -> list[Event]:
    return [google(**fields), meta(**fields)]


def examples() -> list[Event]:
    change = {"change_id": CHANGE, "deployment_id": DEPLOYMENT, "account_external_id": "1234567890"}
    return [
        *_per_platform(
            accounts.GoogleAdsOAuthCodeReceived,
            accounts.MetaOAuthCodeReceived,
            connection_id=CONNECTION,
            code="auth-code",
            redirect_uri="http://127.0.0.1:8000/api/v1/oauth/google_ads/callback",
        ),
        accounts.GoogleAdsAccountLinked(connection_id=CONNECTION, accounts=[GOOGLE_ACCOUNT]),
        accounts.MetaAccountLinked(connection_id=CONNECTION, accounts=[META_ACCOUNT]),
        *_per_platform(
            accounts.GoogleAdsAccountLinkFailed,
            accounts.MetaAccountLinkFailed,
            connection_id=CONNECTION,
            reason="The account has no ads_management permission; reconnect and allow it.",
        ),
        *_per_platform(
            accounts.GoogleAdsReauthorizationRequired,
            accounts.MetaReauthorizationRequired,
            connection_id=CONNECTION,
            reason="The refresh token was revoked.",
        ),
        *_per_platform(
            accounts.GoogleAdsConnectionRemoved, accounts.MetaConnectionRemoved, connection_id=CONNECTION
        ),
        strategy.StrategyRequested(brief=BRIEF_EXAMPLE),
        strategy.StrategyProgress(brief_id=BRIEF, step="drafting_copy", percent=40, message="Drafting copy…"),
        strategy.StrategyGenerated(strategy=STRATEGY_EXAMPLE),
        strategy.StrategyFailed(brief_id=BRIEF, reason="The budget is below the platforms' minimum."),
        strategy.StrategyRevised(
            strategy=STRATEGY_EXAMPLE.model_copy(update={"version": 2}), revised_by=USER
        ),
        strategy.StrategyApproved(strategy_id=STRATEGY, version=2, approved_by=USER),
        campaign.DeployRequested(
            deployment_id=DEPLOYMENT,
            strategy=STRATEGY_EXAMPLE,
            requested_by=USER,
            targets=[
                campaign.DeploymentTarget(platform="google_ads", account_external_id="1234567890"),
                campaign.DeploymentTarget(platform="meta", account_external_id="act_100200300"),
            ],
        ),
        campaign.GoogleAdsDeployRequested(
            deployment_id=DEPLOYMENT,
            account_external_id="1234567890",
            key_prefix=f"{DEPLOYMENT}:google_ads",
            campaigns=[GOOGLE_CAMPAIGN],
        ),
        campaign.MetaDeployRequested(
            deployment_id=DEPLOYMENT,
            account_external_id="act_100200300",
            key_prefix=f"{DEPLOYMENT}:meta",
            campaigns=[META_CAMPAIGN],
        ),
        campaign.CampaignDeployed(
            deployment_id=DEPLOYMENT,
            platform="google_ads",
            account_external_id="1234567890",
            platform_campaign_ids=["111"],
            objects=[
                campaign.PlatformObject(
                    idempotency_key=f"{DEPLOYMENT}:google_ads:g-trail",
                    kind="campaign",
                    strategy_key="g-trail",
                    platform_id="111",
                )
            ],
        ),
        campaign.CampaignDeployFailed(
            deployment_id=DEPLOYMENT, platform="meta", account_external_id="act_100200300", error=ERROR
        ),
        campaign.DeploymentCompleted(
            deployment_id=DEPLOYMENT,
            strategy_id=STRATEGY,
            status="rolled_back",
            targets=[
                campaign.TargetOutcome(
                    platform="google_ads",
                    account_external_id="1234567890",
                    status="rolled_back",
                    platform_campaign_ids=["111"],
                ),
                campaign.TargetOutcome(
                    platform="meta", account_external_id="act_100200300", status="failed", error=ERROR
                ),
            ],
        ),
        *_per_platform(
            campaign.GoogleAdsRollbackRequested,
            campaign.MetaRollbackRequested,
            **change,
            platform_campaign_ids=["111"],
            reason="Meta rejected the ad set",
        ),
        *_per_platform(
            campaign.GoogleAdsLaunchRequested,
            campaign.MetaLaunchRequested,
            **change,
            platform_campaign_ids=["111"],
        ),
        *_per_platform(
            campaign.GoogleAdsBudgetUpdateRequested,
            campaign.MetaBudgetUpdateRequested,
            **change,
            platform_campaign_id="111",
            daily_budget_micros=72_000_000,
        ),
        *_per_platform(
            campaign.GoogleAdsStatusUpdateRequested,
            campaign.MetaStatusUpdateRequested,
            **change,
            platform_object_id="111",
            status="PAUSED",
        ),
        campaign.CampaignChanged(
            **change,
            platform="google_ads",
            change="budget",
            platform_campaign_ids=["111"],
            daily_budget_micros=72_000_000,
        ),
        campaign.CampaignChangeFailed(**change, platform="google_ads", change="launch", error=ERROR),
        campaign.GoogleAdsBidTargetUpdateRequested(**change, platform_campaign_id="111", target_roas=4.2),
        campaign.CampaignBidTargetChanged(
            **change, platform="google_ads", platform_campaign_id="111", target_roas=4.2
        ),
        campaign.CampaignBidTargetChangeFailed(
            **change, platform="google_ads", platform_campaign_id="111", error=ERROR
        ),
        metrics.MetricsObserved(
            platform="google_ads",
            account_external_id="1234567890",
            currency="EUR",
            time_zone="Europe/Berlin",
            sync_id=uuid.UUID(int=12),
            observations=[
                metrics.MetricObservation(
                    campaign_id="111",
                    ad_group_id="222",
                    ad_id="333",
                    hour_start=HOUR,
                    impressions=1200,
                    clicks=48,
                    cost_micros=31_200_000,
                    conversions=2.5,
                    conversion_value_micros=180_000_000,
                    reported_at=datetime(2026, 11, 20, 16, 5, tzinfo=UTC),
                )
            ],
        ),
        metrics.RollupUpdated(
            platform="google_ads",
            account_external_id="1234567890",
            campaign_id="111",
            window_start=HOUR,
            window_end=HOUR.replace(hour=15),
            rows=[
                metrics.RollupRow(
                    platform="google_ads",
                    account_external_id="1234567890",
                    campaign_id="111",
                    period_start=HOUR,
                    granularity="hour",
                    currency="EUR",
                    impressions=1200,
                    clicks=48,
                    cost_micros=31_200_000,
                    conversions=2.5,
                    conversion_value_micros=180_000_000,
                    settled=False,
                )
            ],
        ),
        metrics.AnomalyDetected(
            platform="meta",
            account_external_id="act_100200300",
            campaign_id="444",
            kind="delivery_stopped",
            hour_start=HOUR,
            evidence={"impressions_last_3h": 0, "hourly_mean_before": 830},
        ),
        optimization.OptimizationRecommended(
            recommendation_id=RECOMMENDATION,
            project_id=PROJECT,
            kind="budget_shift",
            title="Move 12.00 EUR/day from Meta 'Urban runners' to Google 'Trail shoes'",
            actions=[
                optimization.RecommendedAction(
                    platform="google_ads",
                    account_external_id="1234567890",
                    platform_object_id="111",
                    daily_budget_micros=72_000_000,
                )
            ],
            evidence={"marginal_roas": {"111": 3.1, "444": 1.4}},
            expected_impact=optimization.ExpectedImpact(
                metric="conversion_value_micros_per_day", delta=18e6, low=6e6, high=29e6
            ),
            confidence=0.82,
        ),
        optimization.OptimizationApplyRequested(recommendation_id=RECOMMENDATION, requested_by=USER),
        optimization.OptimizationApplied(
            recommendation_id=RECOMMENDATION, change_ids=[CHANGE], applied_by=str(USER)
        ),
        optimization.OptimizationDismissed(recommendation_id=RECOMMENDATION, dismissed_by=USER),
        optimization.OptimizationClosed(
            recommendation_id=RECOMMENDATION,
            status="refused",
            reason="guardrails: cooldown: campaign 111 changed 3 h ago (cool-down 24 h)",
            closed_by=str(USER),
        ),
        optimization.AutopilotChanged(project_id=PROJECT, enabled=True, platform_campaign_ids=["111", "444"]),
    ]
