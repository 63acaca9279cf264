"""Unit tests of the analytics, recommendation, notification and asset rules (no servers)."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zamc_gateway.domain import analytics, assets, notifications
from zamc_gateway.domain import analytics_recommendations as recommendations
from zamc_gateway.domain.errors import Conflict, InvalidFields

pytestmark = pytest.mark.unit

T0 = datetime(2026, 11, 2, 0, tzinfo=UTC)


def point(platform="google_ads", hour=0, *, currency="EUR", settled=True, granularity="hour", **metrics):
    values = dict(
        impressions=1000,
        clicks=50,
        cost_micros=25_000_000,
        conversions=5.0,
        conversion_value_micros=100_000_000,
    )
    values.update(metrics)
    return analytics.RollupPoint(
        platform=platform,
        campaign_id=f"{platform}-1",
        period_start=T0 + timedelta(hours=hour),
        granularity=granularity,
        currency=currency,
        settled=settled,
        **values,
    )


def test_derived_metrics_are_ratios_of_the_totals():
    derived = analytics.derived_metrics(
        impressions=2000,
        clicks=100,
        cost_micros=50_000_000,
        conversions=4,
        conversion_value_micros=200_000_000,
    )
    assert derived.ctr == 0.05
    assert derived.cpc_micros == 500_000
    assert derived.cpa_micros == 12_500_000
    assert derived.roas == 4.0


def test_derived_metrics_are_none_without_a_denominator():
    derived = analytics.derived_metrics(
        impressions=0, clicks=0, cost_micros=0, conversions=0, conversion_value_micros=0
    )
    assert derived == analytics.DerivedMetrics(ctr=None, cpc_micros=None, cpa_micros=None, roas=None)


def test_summary_totals_per_platform_and_overall_with_derived_metrics_of_the_sums():
    summary = analytics.summarize(
        [point("google_ads", 0), point("google_ads", 1, clicks=150), point("meta", 0, settled=False)]
    ).as_dict()
    google, meta = summary["platforms"]
    assert google["platform"] == "google_ads" and google["clicks"] == 200 and google["impressions"] == 2000
    assert google["ctr"] == 0.1  # 200 / 2000, not the mean of 0.05 and 0.15
    assert google["cpc_micros"] == 250_000
    assert meta["platform"] == "meta" and meta["clicks"] == 50
    overall = summary["overall"]
    assert overall["clicks"] == 250 and overall["spend_micros"] == 75_000_000
    assert overall["roas"] == 4.0 and overall["currency"] == "EUR"
    assert summary["settled"] is False


def test_summary_never_adds_two_currencies():
    summary = analytics.summarize([point("google_ads", currency="EUR"), point("meta", currency="USD")])
    assert summary.overall is None
    assert [t["currency"] for t in summary.overall_by_currency] == ["EUR", "USD"]


def test_timeseries_marks_a_period_provisional_while_any_row_in_it_is():
    series = analytics.timeseries(
        [
            point("google_ads", 0),
            point("meta", 0, settled=False),
            point("google_ads", 1),
            point("google_ads", 0, granularity="day"),
        ],
        granularity="hour",
    )
    assert [(p["period_start"], p["provisional"], p["clicks"]) for p in series] == [
        (T0.isoformat(), True, 100),
        ((T0 + timedelta(hours=1)).isoformat(), False, 50),
    ]


def test_csv_export_has_a_header_and_one_row_per_campaign_and_period():
    rows = analytics.export_rows([point("meta", 1), point("google_ads", 0, clicks=0)], granularity="hour")
    parsed = list(csv.DictReader(io.StringIO(analytics.to_csv(rows))))
    assert [r["platform"] for r in parsed] == ["google_ads", "meta"]
    assert parsed[0]["cpc_micros"] == "" and parsed[1]["cpc_micros"] == "500000"
    assert parsed[1]["settled"] == "True"


def test_ranges_must_be_ordered_and_bounded():
    with pytest.raises(InvalidFields) as error:
        analytics.check_range(start=T0, end=T0)
    assert error.value.errors[0].field == "/from"
    with pytest.raises(InvalidFields):
        analytics.check_range(start=T0, end=T0 + timedelta(days=400), granularity="hour")
    start, end = analytics.check_range(start=T0.replace(tzinfo=None), end=T0 + timedelta(days=1))
    assert start.tzinfo is not None


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["google_ads", "meta"]),
            st.integers(0, 10**6),
            st.integers(0, 10**4),
            st.integers(0, 10**10),
            st.integers(0, 100),
            st.integers(0, 10**10),
        ),
        max_size=30,
    )
)
def test_overall_totals_equal_the_sum_of_the_rows(rows):
    points = [
        point(
            platform,
            i,
            impressions=imp,
            clicks=clk,
            cost_micros=cost,
            conversions=float(conv),
            conversion_value_micros=value,
        )
        for i, (platform, imp, clk, cost, conv, value) in enumerate(rows)
    ]
    summary = analytics.summarize(points)
    if not rows:
        assert summary.overall is None
        return
    assert summary.overall["clicks"] == sum(r[2] for r in rows)
    assert summary.overall["spend_micros"] == sum(r[3] for r in rows)
    assert sum(p["impressions"] for p in summary.platforms) == sum(r[1] for r in rows)


def test_whole_days_are_the_utc_midnights_inside_the_range():
    d = T0  # a midnight
    assert analytics.whole_days(d + timedelta(hours=5), d + timedelta(days=3, hours=2)) == (
        d + timedelta(days=1),
        d + timedelta(days=3),
    )
    assert analytics.whole_days(d, d + timedelta(days=2)) == (d, d + timedelta(days=2))
    # no whole day inside: every hour comes from the hourly rows
    end = d + timedelta(days=1, hours=3)
    assert analytics.whole_days(d + timedelta(hours=1), end) == (end, end)
    assert analytics.whole_days(d + timedelta(hours=1), d + timedelta(hours=5)) == (
        d + timedelta(hours=5),
        d + timedelta(hours=5),
    )
    # other offsets are read in UTC
    paris = timezone(timedelta(hours=1))
    assert analytics.whole_days(
        datetime(2026, 11, 2, 1, tzinfo=paris), datetime(2026, 11, 4, 1, tzinfo=paris)
    ) == (
        datetime(2026, 11, 2, tzinfo=UTC),
        datetime(2026, 11, 4, tzinfo=UTC),
    )


@given(
    start=st.integers(min_value=0, max_value=24 * 40),
    length=st.integers(min_value=1, max_value=24 * 40),
    minute=st.integers(min_value=0, max_value=59),
)
def test_whole_days_and_edge_hours_cover_the_range_exactly(start, length, minute):
    begin = T0 + timedelta(hours=start, minutes=minute)
    end = begin + timedelta(hours=length)
    first, last = analytics.whole_days(begin, end)
    assert begin <= first <= last <= end
    assert first.hour == first.minute == 0 and last.hour == last.minute == 0 or first == last == end
    # [begin, first) and [last, end) hold less than a day each
    assert first - begin < timedelta(days=1) or first == last == end


def test_recommendation_decisions_only_on_open_ones():
    assert recommendations.after_apply_request("open") == "apply_requested"
    assert recommendations.after_dismiss("open") == "dismissed"
    assert recommendations.after_applied("apply_requested") == "applied"
    for status in ("apply_requested", "applied", "dismissed"):
        with pytest.raises(Conflict):
            recommendations.after_apply_request(status)
        with pytest.raises(Conflict):
            recommendations.after_dismiss(status)


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def test_uploads_are_typed_by_their_bytes():
    image = assets.check_upload(content=PNG, declared_type="image/png")
    assert (image.kind, image.content_type, image.size_bytes) == ("image", "image/png", len(PNG))
    assert image.object_name == image.sha256 and len(image.sha256) == 64
    text = assets.check_upload(content="Sommerangebot – 20 %".encode(), declared_type="text/plain")
    assert (text.kind, text.content_type) == ("text", "text/plain; charset=utf-8")


@pytest.mark.parametrize(
    ("content", "declared", "status"),
    [
        (b"", "text/plain", 422),
        (PNG, "image/jpeg", 422),
        (b"<script>alert(1)</script>", "image/png", 422),
        (b"%PDF-1.7", "application/pdf", 422),
        (b"\xff\xfe\xfa", "text/plain", 422),
        (b"a" * (assets.MAX_TEXT_BYTES + 1), "text/plain", 413),
        (PNG + b"\x00" * assets.MAX_IMAGE_BYTES, "image/png", 413),
    ],
)
def test_unacceptable_uploads_are_refused(content, declared, status):
    with pytest.raises(Exception) as error:
        assets.check_upload(content=content, declared_type=declared)
    assert error.value.status == status


def test_review_decisions():
    assert assets.review("pending_review", "approve") == "approved"
    assert assets.review("approved", "reject") == "rejected"
    with pytest.raises(Conflict):
        assets.review("approved", "approve")


def test_notifications_in_the_marketers_words():
    deployment_id = uuid.uuid4()
    ok = notifications.for_deployment_completed(
        deployment_id=deployment_id,
        status="succeeded",
        targets=[
            {"platform": "meta", "status": "succeeded"},
            {"platform": "google_ads", "status": "succeeded"},
        ],
    )
    assert ok.kind == "deployment_succeeded" and "Google Ads, Meta" in ok.body
    failed = notifications.for_deployment_completed(
        deployment_id=deployment_id,
        status="partially_failed",
        targets=[
            {"platform": "meta", "status": "failed", "error": {"message": "budget too low"}},
            {"platform": "google_ads", "status": "succeeded"},
        ],
    )
    assert failed.kind == "deployment_failed" and failed.body == "Meta: budget too low"
    user = uuid.uuid4()
    event = uuid.uuid4()
    assert notifications.notification_id(event_id=event, user_id=user) == notifications.notification_id(
        event_id=event, user_id=user
    )
    assert notifications.notification_id(event_id=event, user_id=uuid.uuid4()) != (
        notifications.notification_id(event_id=event, user_id=user)
    )
