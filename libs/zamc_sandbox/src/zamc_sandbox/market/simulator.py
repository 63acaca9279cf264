"""The market: objects, hourly delivery driven by the simulated clock, ground truth and reported views."""

from __future__ import annotations

import bisect
import random
import threading
import zlib
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from zamc_sandbox.market.clock import SimulatedClock
from zamc_sandbox.market.curves import ResponseCurve
from zamc_sandbox.market.delivery import campaign_curve, deliver_hour, in_schedule
from zamc_sandbox.market.objects import (
    HOUR,
    HourDelivery,
    MarketAd,
    MarketAdGroup,
    MarketCampaign,
    Totals,
    TrueParameters,
)
from zamc_sandbox.market.profiles import PROFILES, Platform

DEFAULT_START = datetime(2026, 11, 1, tzinfo=UTC)


def _floor_hour(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


class Market:
    """A deterministic market. Same seed + same object ids + same actions → same delivery.

    Every public method first simulates all hours the clock has completed, so a change of
    budget or status applies from the hour in progress onwards.
    """

    def __init__(self, *, seed: int, clock: SimulatedClock | None = None) -> None:
        self.clock = clock or SimulatedClock(DEFAULT_START)
        self._lock = threading.RLock()
        self._clear(seed)

    def reset(self, *, seed: int, start: datetime = DEFAULT_START) -> None:
        """Forgets every object and delivery; the clock goes back to `start`."""
        with self._lock:
            self.clock.reset(start)
            self._clear(seed)

    def _clear(self, seed: int) -> None:
        self.seed = seed
        self._simulated_until = _floor_hour(self.clock.now())
        self._campaigns: dict[str, MarketCampaign] = {}
        self._groups: dict[str, MarketAdGroup] = {}
        self._ads: dict[str, MarketAd] = {}
        self._deliveries: dict[str, list[HourDelivery]] = defaultdict(list)
        self._spent: dict[tuple[str, date], int] = defaultdict(int)
        self._curves: dict[tuple, ResponseCurve] = {}

    # ----- objects -----------------------------------------------------------------------------
    def add_campaign(
        self,
        campaign_id: str,
        *,
        platform: Platform | str,
        account_id: str,
        currency: str = "EUR",
        time_zone: str = "Europe/Berlin",
        daily_budget_micros: int | None = None,
        active: bool = True,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> MarketCampaign:
        platform = Platform(platform)
        with self._lock:
            self.catch_up()
            profile = PROFILES[platform]
            rng = random.Random(f"{self.seed}:campaign:{campaign_id}")
            parameters = TrueParameters(
                cpm_micros=rng.randint(*profile.cpm_micros),
                ctr=rng.uniform(*profile.ctr),
                conversion_rate=rng.uniform(*profile.conversion_rate),
                value_per_conversion_micros=rng.randint(*profile.value_per_conversion_micros),
                max_daily_impressions=rng.randint(*profile.max_daily_impressions),
                hill_exponent=rng.uniform(*profile.hill_exponent),
            )
            campaign = MarketCampaign(
                campaign_id=campaign_id,
                platform=platform,
                account_id=account_id,
                currency=currency,
                time_zone=ZoneInfo(time_zone),
                parameters=parameters,
                active=active,
                daily_budget_micros=daily_budget_micros,
                start=start,
                end=end,
            )
            self._campaigns[campaign_id] = campaign
            return campaign

    def add_ad_group(
        self,
        ad_group_id: str,
        *,
        campaign_id: str,
        active: bool = True,
        daily_budget_micros: int | None = None,
        max_cpc_micros: int | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> MarketAdGroup:
        with self._lock:
            self.catch_up()
            rng = random.Random(f"{self.seed}:ad_group:{ad_group_id}")
            group = MarketAdGroup(
                ad_group_id=ad_group_id,
                campaign_id=campaign_id,
                audience_quality=rng.uniform(0.7, 1.3),
                active=active,
                daily_budget_micros=daily_budget_micros,
                max_cpc_micros=max_cpc_micros,
                start=start,
                end=end,
            )
            self._groups[ad_group_id] = group
            self._campaigns[campaign_id].ad_group_ids.append(ad_group_id)
            return group

    def add_ad(self, ad_id: str, *, ad_group_id: str, active: bool = True) -> MarketAd:
        with self._lock:
            self.catch_up()
            rng = random.Random(f"{self.seed}:ad:{ad_id}")
            ad = MarketAd(ad_id=ad_id, ad_group_id=ad_group_id, creative_quality=rng.uniform(0.7, 1.3))
            ad.active = active
            self._ads[ad_id] = ad
            self._groups[ad_group_id].ad_ids.append(ad_id)
            return ad

    def update(self, object_id: str, **changes: object) -> None:
        """Change delivery settings (active, daily_budget_micros, max_cpc_micros, start, end)."""
        with self._lock:
            self.catch_up()
            target = self._campaigns.get(object_id) or self._groups.get(object_id) or self._ads.get(object_id)
            if target is None:
                raise KeyError(object_id)
            for name, value in changes.items():
                if not hasattr(target, name) or name.endswith("_id") or name == "parameters":
                    raise AttributeError(f"{type(target).__name__} has no delivery setting {name!r}")
                setattr(target, name, value)

    def set_daily_budget(self, object_id: str, daily_budget_micros: int | None) -> None:
        self.update(object_id, daily_budget_micros=daily_budget_micros)

    def set_active(self, object_id: str, active: bool) -> None:
        self.update(object_id, active=active)

    def campaign(self, campaign_id: str) -> MarketCampaign:
        return self._campaigns[campaign_id]

    def campaigns(self) -> list[MarketCampaign]:
        return list(self._campaigns.values())

    def has_object(self, object_id: str) -> bool:
        return object_id in self._campaigns or object_id in self._groups or object_id in self._ads

    # ----- time --------------------------------------------------------------------------------
    @property
    def simulated_until(self) -> datetime:
        return self._simulated_until

    def step(self, *, hours: float = 0, days: float = 0) -> datetime:
        """Advance the clock and simulate every completed hour. Returns the new simulated time."""
        with self._lock:
            now = self.clock.advance(timedelta(hours=hours, days=days))
            self.catch_up()
            return now

    def catch_up(self) -> None:
        with self._lock:
            target = _floor_hour(self.clock.now())
            while self._simulated_until < target:
                self._simulate_hour(self._simulated_until)
                self._simulated_until += HOUR

    def _curve(
        self, campaign: MarketCampaign, groups: list[MarketAdGroup], ads: dict[str, list[MarketAd]]
    ) -> ResponseCurve:
        signature = (
            campaign.campaign_id,
            *((g.ad_group_id, *(a.ad_id for a in ads[g.ad_group_id])) for g in groups),
        )
        curve = self._curves.get(signature)
        if curve is None:
            curve = self._curves[signature] = campaign_curve(
                campaign, groups, ads, PROFILES[campaign.platform]
            )
        return curve

    def _simulate_hour(self, hour: datetime) -> None:
        hour_index = int(hour.timestamp()) // 3600
        local: dict[ZoneInfo, datetime] = {}
        for campaign in self._campaigns.values():
            groups = self._delivering_groups(campaign, hour)
            if not groups:
                continue
            ads = {g.ad_group_id: [self._ads[a] for a in g.ad_ids if self._ads[a].active] for g in groups}
            rng = random.Random(hash((self.seed, zlib.crc32(campaign.campaign_id.encode()), hour_index)))
            zone = campaign.time_zone
            local_time = local.get(zone) or local.setdefault(zone, hour.astimezone(zone))
            day_key = (campaign.campaign_id, local_time.date())
            for ad_id, delivery in deliver_hour(
                rng=rng,
                campaign=campaign,
                groups=groups,
                ads=ads,
                profile=PROFILES[campaign.platform],
                hour=hour,
                spent_today_micros=self._spent[day_key],
                local_hour=local_time.hour,
                curve=self._curve(campaign, groups, ads),
            ):
                self._deliveries[ad_id].append(delivery)
                self._spent[day_key] += delivery.cost_micros

    def _delivering_groups(self, campaign: MarketCampaign, hour: datetime) -> list[MarketAdGroup]:
        if not campaign.active or not in_schedule(campaign.start, campaign.end, hour):
            return []
        return [
            g
            for g in (self._groups[i] for i in campaign.ad_group_ids)
            if g.active
            and in_schedule(g.start, g.end, hour)
            and any(self._ads[a].active for a in g.ad_ids)
            and (campaign.daily_budget_micros is not None or (g.daily_budget_micros or 0) > 0)
        ]

    # ----- ground truth and reported views -----------------------------------------------------
    def _ad_ids_under(self, object_id: str) -> list[str]:
        if object_id in self._ads:
            return [object_id]
        if object_id in self._groups:
            return list(self._groups[object_id].ad_ids)
        if object_id in self._campaigns:
            return [a for g in self._campaigns[object_id].ad_group_ids for a in self._groups[g].ad_ids]
        if object_id.startswith("account:"):
            account = object_id.removeprefix("account:")
            return [
                a
                for c in self._campaigns.values()
                if c.account_id == account
                for g in c.ad_group_ids
                for a in self._groups[g].ad_ids
            ]
        raise KeyError(object_id)

    def _deliveries_between(self, object_id: str, start: datetime, end: datetime) -> list[HourDelivery]:
        out: list[HourDelivery] = []
        for ad_id in self._ad_ids_under(object_id):
            rows = self._deliveries.get(ad_id, [])
            lo = bisect.bisect_left(rows, start, key=lambda d: d.hour)
            hi = bisect.bisect_left(rows, end, key=lambda d: d.hour)
            out.extend(rows[lo:hi])
        return out

    def truth_by_hour(self, object_id: str, start: datetime, end: datetime) -> dict[datetime, Totals]:
        """Settled totals per UTC hour in [start, end): every conversion the window will ever attribute."""
        return self._by_hour(object_id, start, end, as_of=None)

    def truth(self, object_id: str, start: datetime, end: datetime) -> Totals:
        return sum(self.truth_by_hour(object_id, start, end).values(), Totals())

    def reported_by_hour(
        self, object_id: str, start: datetime, end: datetime, *, as_of: datetime | None = None
    ) -> dict[datetime, Totals]:
        """What the platform reports at `as_of` (default now): late conversions not yet in."""
        with self._lock:
            self.catch_up()
            return self._by_hour(object_id, start, end, as_of=as_of or self.clock.now())

    def reported(
        self, object_id: str, start: datetime, end: datetime, *, as_of: datetime | None = None
    ) -> Totals:
        return sum(self.reported_by_hour(object_id, start, end, as_of=as_of).values(), Totals())

    def _by_hour(
        self, object_id: str, start: datetime, end: datetime, *, as_of: datetime | None
    ) -> dict[datetime, Totals]:
        with self._lock:
            self.catch_up()
            out: dict[datetime, Totals] = {}
            for d in self._deliveries_between(object_id, start, end):
                totals = d.settled() if as_of is None else d.as_of(as_of)
                out[d.hour] = out.get(d.hour, Totals()) + totals
            return dict(sorted(out.items()))

    def settled_before(self, platform: Platform | str) -> datetime:
        """Hours starting before this moment will never be restated again."""
        window = PROFILES[Platform(platform)].attribution_window
        return self.clock.now() - window - HOUR

    def response_curve(self, campaign_id: str) -> ResponseCurve:
        """The true expected daily response to daily spend, for the campaign's current structure."""
        with self._lock:
            campaign = self._campaigns[campaign_id]
            groups = [
                g
                for g in (self._groups[i] for i in campaign.ad_group_ids)
                if g.active and any(self._ads[a].active for a in g.ad_ids)
            ]
            ads = {g.ad_group_id: [self._ads[a] for a in g.ad_ids if self._ads[a].active] for g in groups}
            return campaign_curve(campaign, groups, ads, PROFILES[campaign.platform])

    def true_parameters(self, campaign_id: str) -> TrueParameters:
        return self._campaigns[campaign_id].parameters
