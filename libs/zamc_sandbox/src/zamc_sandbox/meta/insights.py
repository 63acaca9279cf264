"""GET …/insights: level, time_range / date_preset, time_increment, hourly breakdown, fields."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from zamc_sandbox.market import Totals
from zamc_sandbox.meta import errors
from zamc_sandbox.meta.accounts import MetaAdAccount
from zamc_sandbox.meta.store import GraphStore

HOURLY = "hourly_stats_aggregated_by_advertiser_time_zone"
LEVELS = ("account", "campaign", "adset", "ad")
DEFAULT_FIELDS = ("impressions", "spend", "date_start", "date_stop")
PURCHASE = "offsite_conversion.fb_pixel_purchase"


def _date_range(params: dict, today: date) -> tuple[date, date]:
    time_range = params.get("time_range")
    if isinstance(time_range, dict):
        try:
            return date.fromisoformat(time_range["since"]), date.fromisoformat(time_range["until"])
        except (KeyError, ValueError) as error:
            raise errors.invalid_parameter(
                "time_range must have since and until", blame_field="time_range"
            ) from error
    preset = str(params.get("date_preset", "last_30d"))
    presets = {
        "today": (today, today),
        "yesterday": (today - timedelta(days=1), today - timedelta(days=1)),
        "maximum": (today - timedelta(days=3650), today),
    }
    if preset in presets:
        return presets[preset]
    if preset.startswith("last_") and preset.endswith("d") and preset[5:-1].isdigit():
        return today - timedelta(days=int(preset[5:-1])), today - timedelta(days=1)
    raise errors.invalid_parameter(f"date_preset {preset} is not supported", blame_field="date_preset")


def _money(micros: int) -> str:
    return f"{micros / 1_000_000:.2f}"


def insights(store: GraphStore, node_id: str, params: dict) -> list[dict]:
    account: MetaAdAccount = store.account_of(node_id)
    zone = ZoneInfo(account.timezone_name)
    market = store.market
    today = market.clock.now().astimezone(zone).date()
    since, until = _date_range(params, today)
    node_level = "account" if node_id.startswith("act_") else store.get(node_id)["_type"]
    level = str(params.get("level") or node_level)
    if level not in LEVELS or LEVELS.index(level) < LEVELS.index(node_level):
        raise errors.invalid_parameter(f"level {level} is not valid here", blame_field="level")
    fields = params.get("fields") or list(DEFAULT_FIELDS)
    breakdowns = params.get("breakdowns") or []
    breakdowns = [breakdowns] if isinstance(breakdowns, str) else list(breakdowns)
    if set(breakdowns) - {HOURLY}:
        raise errors.invalid_parameter(f"breakdowns {breakdowns} not supported", blame_field="breakdowns")
    hourly = HOURLY in breakdowns
    increment = str(params.get("time_increment", "all_days"))
    days_per_bucket = None if increment in ("all_days", "") else int(increment) if increment.isdigit() else 1
    if increment == "monthly":
        raise errors.invalid_parameter("time_increment monthly not supported", blame_field="time_increment")

    objects = _objects_at_level(store, node_id, node_level, level, account)
    start = datetime.combine(since, time(), zone).astimezone(UTC)
    end = min(datetime.combine(until + timedelta(days=1), time(), zone).astimezone(UTC), market.clock.now())
    rows: list[dict] = []
    for record in objects:
        market_id = f"account:{account.account_id}" if level == "account" else record["id"]
        if level != "account" and not market.has_object(market_id):
            continue
        buckets: dict[tuple[date, date, int], Totals] = {}
        for hour, totals in market.reported_by_hour(market_id, start, end).items():
            local = hour.astimezone(zone)
            day = local.date()
            if days_per_bucket is None:
                first, last = since, until
            else:
                first = since + timedelta(days=((day - since).days // days_per_bucket) * days_per_bucket)
                last = min(first + timedelta(days=days_per_bucket - 1), until)
            key = (first, last, local.hour if hourly else -1)
            buckets[key] = buckets.get(key, Totals()) + totals
        for (first, last, hour_of_day), totals in sorted(buckets.items()):
            if totals.impressions == 0:
                continue
            rows.append(_row(record, level, account, first, last, hour_of_day, totals, fields))
    return rows


def _objects_at_level(
    store: GraphStore, node_id: str, node_level: str, level: str, account: MetaAdAccount
) -> list[dict]:
    if level == "account":
        return [{"id": account.graph_id, "_type": "account", "name": account.name}]
    if node_level == level:
        return [store.get(node_id)]
    parent_key = "account_id" if node_level == "account" else f"{node_level}_id"
    parent = account.account_id if node_level == "account" else node_id
    return [
        o
        for o in list(store.objects.values())
        if o["_type"] == level and str(o.get(parent_key)) == parent and o["account_id"] == account.account_id
    ]


def _row(
    record: dict,
    level: str,
    account: MetaAdAccount,
    first: date,
    last: date,
    hour_of_day: int,
    totals: Totals,
    fields: list[str],
) -> dict:
    names = {
        "account_id": account.account_id,
        "account_name": account.name,
        "account_currency": account.currency,
    }
    for part in ("campaign", "adset", "ad"):
        if level == part:
            names[f"{part}_id"], names[f"{part}_name"] = record["id"], record.get("name", "")
        elif f"{part}_id" in record:
            names[f"{part}_id"] = record[f"{part}_id"]
    conversions = str(totals.conversions)
    value = _money(totals.conversions_value_micros)
    full: dict[str, object] = {
        **names,
        "impressions": str(totals.impressions),
        "clicks": str(totals.clicks),
        "inline_link_clicks": str(totals.clicks),
        "spend": _money(totals.cost_micros),
        "ctr": f"{100 * totals.clicks / totals.impressions:.6f}" if totals.impressions else "0",
        "cpc": f"{totals.cost_micros / totals.clicks / 1_000_000:.6f}" if totals.clicks else "0",
        "cpm": f"{1000 * totals.cost_micros / totals.impressions / 1_000_000:.6f}"
        if totals.impressions
        else "0",
        "actions": [
            {"action_type": PURCHASE, "value": conversions},
            {"action_type": "purchase", "value": conversions},
        ],
        "action_values": [
            {"action_type": PURCHASE, "value": value},
            {"action_type": "purchase", "value": value},
        ],
        "purchase_roas": [{"action_type": "omni_purchase", "value": f"{totals.roas:.6f}"}],
    }
    row = {f: full[f] for f in fields if f in full}
    row["date_start"], row["date_stop"] = first.isoformat(), last.isoformat()
    if hour_of_day >= 0:
        row[HOURLY] = f"{hour_of_day:02d}:00:00 - {hour_of_day:02d}:59:59"
    return row
