"""Meta ad objects (campaigns, ad sets, creatives, images, ads): validation, state, market sync."""

from __future__ import annotations

import base64
import hashlib
import itertools
import threading
from datetime import datetime
from zoneinfo import ZoneInfo

from zamc_sandbox.market import Market, Platform
from zamc_sandbox.meta import errors
from zamc_sandbox.meta.accounts import (
    MICROS_PER_MINOR_UNIT,
    MINIMUM_DAILY_BUDGET_MINOR_UNITS,
    SEEDED_AD_ACCOUNTS,
    MetaAdAccount,
)

FIRST_ID = 120_210_000_000_000_001
STATUSES = {"ACTIVE", "PAUSED", "DELETED", "ARCHIVED"}
OBJECTIVES = {
    "OUTCOME_SALES",
    "OUTCOME_LEADS",
    "OUTCOME_TRAFFIC",
    "OUTCOME_ENGAGEMENT",
    "OUTCOME_AWARENESS",
    "OUTCOME_APP_PROMOTION",
}
SPECIAL_AD_CATEGORIES = {
    "NONE",
    "EMPLOYMENT",
    "HOUSING",
    "CREDIT",
    "ISSUES_ELECTIONS_POLITICS",
    "FINANCIAL_PRODUCTS_SERVICES",
}
EDGE_TYPES = {
    "campaigns": "campaign",
    "adsets": "adset",
    "ads": "ad",
    "adcreatives": "adcreative",
    "adimages": "adimage",
}


def _graph_time(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M:%S%z")


def _parse_time(value: object) -> datetime | None:
    if value in (None, "", 0, "0"):
        return None
    if isinstance(value, int | float) or str(value).isdigit():
        return datetime.fromtimestamp(int(value), tz=ZoneInfo("UTC"))
    text = str(value).replace("Z", "+00:00")
    try:
        return datetime.fromisoformat(text)
    except ValueError as error:
        raise errors.invalid_parameter(f"invalid time {value!r}") from error


def _budget(params: dict, name: str) -> int | None:
    if params.get(name) in (None, ""):
        return None
    try:
        return int(str(params[name]))
    except ValueError as error:
        raise errors.invalid_parameter(
            f"{name} must be an integer in minor units", blame_field=name
        ) from error


class GraphStore:
    def __init__(self, market: Market, accounts: tuple[MetaAdAccount, ...] = SEEDED_AD_ACCOUNTS) -> None:
        self.market = market
        self.accounts = {a.account_id: a for a in accounts}
        self.objects: dict[str, dict] = {}
        self.images: dict[str, dict[str, dict]] = {a.account_id: {} for a in accounts}
        self._ids = itertools.count(FIRST_ID)
        self._lock = threading.RLock()

    def reset(self) -> None:
        with self._lock:
            self.objects.clear()
            self.images = {a: {} for a in self.accounts}
            self._ids = itertools.count(FIRST_ID)

    # ----- lookups -----------------------------------------------------------------------------
    def account(self, graph_id: str) -> MetaAdAccount:
        account = self.accounts.get(graph_id.removeprefix("act_"))
        if account is None or not graph_id.startswith("act_"):
            raise errors.not_found(graph_id)
        return account

    def get(self, object_id: str) -> dict:
        found = self.objects.get(object_id)
        if found is None:
            raise errors.not_found(object_id)
        return found

    def children(self, parent_id: str, object_type: str) -> list[dict]:
        key = "account_id" if parent_id.startswith("act_") else f"{self.get(parent_id)['_type']}_id"
        parent = parent_id.removeprefix("act_")
        return [
            o
            for o in list(self.objects.values())
            if o["_type"] == object_type and str(o.get(key)) == parent and o.get("status") != "DELETED"
        ]

    def account_of(self, object_id: str) -> MetaAdAccount:
        if object_id.startswith("act_"):
            return self.account(object_id)
        return self.accounts[self.get(object_id)["account_id"]]

    # ----- creation ----------------------------------------------------------------------------
    def _new(self, object_type: str, account: MetaAdAccount, fields: dict) -> dict:
        now = _graph_time(self.market.clock.now(), ZoneInfo(account.timezone_name))
        object_id = str(next(self._ids))
        record = {"_type": object_type, "id": object_id, "account_id": account.account_id, **fields}
        record.setdefault("created_time", now)
        record["updated_time"] = now
        self.objects[object_id] = record
        return record

    def create(self, account: MetaAdAccount, edge: str, params: dict) -> dict:
        with self._lock:
            if edge == "campaigns":
                return self._create_campaign(account, params)
            if edge == "adsets":
                return self._create_adset(account, params)
            if edge == "adcreatives":
                return self._create_creative(account, params)
            if edge == "ads":
                return self._create_ad(account, params)
            raise errors.GraphError(
                f"Unsupported post request to edge {edge}.", 100, 33, type="GraphMethodException"
            )

    def _status(self, params: dict, default: str = "ACTIVE") -> str:
        status = str(params.get("status") or default)
        if status not in STATUSES:
            raise errors.invalid_parameter(f"status must be one of {sorted(STATUSES)}", blame_field="status")
        return status

    def _check_budget(self, params: dict, account: MetaAdAccount) -> dict:
        out: dict[str, str] = {}
        for name in ("daily_budget", "lifetime_budget"):
            amount = _budget(params, name)
            if amount is None:
                continue
            if name == "daily_budget" and amount < MINIMUM_DAILY_BUDGET_MINOR_UNITS:
                raise errors.invalid_parameter(
                    "Budget is too low",
                    subcode=errors.SUBCODE_BUDGET_TOO_LOW,
                    user_msg=f"Your budget must be at least {MINIMUM_DAILY_BUDGET_MINOR_UNITS / 100:.2f} "
                    f"{account.currency} per day.",
                    blame_field=name,
                )
            out[name] = str(amount)
        return out

    def _create_campaign(self, account: MetaAdAccount, params: dict) -> dict:
        if not params.get("name"):
            raise errors.invalid_parameter("(#100) The parameter name is required", blame_field="name")
        objective = params.get("objective")
        if objective not in OBJECTIVES:
            raise errors.invalid_parameter(
                f"(#100) Param objective must be one of {{{', '.join(sorted(OBJECTIVES))}}}",
                blame_field="objective",
            )
        categories = params.get("special_ad_categories")
        if categories is None:
            raise errors.invalid_parameter(
                "(#100) The parameter special_ad_categories is required",
                user_msg="Declare special ad categories (use an empty list if none apply).",
                blame_field="special_ad_categories",
            )
        if not isinstance(categories, list) or not set(categories) <= SPECIAL_AD_CATEGORIES:
            raise errors.invalid_parameter(
                "special_ad_categories is invalid", blame_field="special_ad_categories"
            )
        record = self._new(
            "campaign",
            account,
            {
                "name": str(params["name"]),
                "objective": objective,
                "status": self._status(params),
                "special_ad_categories": categories,
                "buying_type": "AUCTION",
                **self._check_budget(params, account),
                **({"bid_strategy": params["bid_strategy"]} if params.get("bid_strategy") else {}),
            },
        )
        self.market.add_campaign(
            record["id"],
            platform=Platform.META,
            account_id=account.account_id,
            currency=account.currency,
            time_zone=account.timezone_name,
            daily_budget_micros=self._micros(record.get("daily_budget")),
            active=record["status"] == "ACTIVE",
        )
        return record

    @staticmethod
    def _micros(minor_units: str | None) -> int | None:
        return int(minor_units) * MICROS_PER_MINOR_UNIT if minor_units is not None else None

    @staticmethod
    def _check_targeting(targeting: object) -> dict:
        if not isinstance(targeting, dict):
            raise errors.invalid_parameter(
                "(#100) The parameter targeting is required",
                subcode=errors.SUBCODE_INVALID_TARGETING,
                blame_field="targeting",
            )
        geo = targeting.get("geo_locations")
        if not isinstance(geo, dict) or not any(
            geo.get(k) for k in ("countries", "regions", "cities", "zips")
        ):
            raise errors.invalid_parameter(
                "Invalid targeting spec: geo_locations with at least one location is required",
                subcode=errors.SUBCODE_INVALID_TARGETING,
                user_msg="Your audience needs at least one location.",
                blame_field="targeting",
            )
        age_min, age_max = int(targeting.get("age_min", 18)), int(targeting.get("age_max", 65))
        if not 13 <= age_min <= age_max <= 65:
            raise errors.invalid_parameter(
                "Invalid targeting spec: age range",
                subcode=errors.SUBCODE_INVALID_TARGETING,
                user_msg="Age range must be between 13 and 65, min not above max.",
                blame_field="targeting",
            )
        for country in geo.get("countries", []):
            if not (isinstance(country, str) and len(country) == 2 and country.isupper()):
                raise errors.invalid_parameter(
                    f"Invalid targeting spec: unknown country {country!r}",
                    subcode=errors.SUBCODE_INVALID_TARGETING,
                    blame_field="targeting",
                )
        return targeting

    def _create_adset(self, account: MetaAdAccount, params: dict) -> dict:
        campaign = self.objects.get(str(params.get("campaign_id", "")))
        if (
            campaign is None
            or campaign["_type"] != "campaign"
            or campaign["account_id"] != account.account_id
        ):
            raise errors.invalid_parameter("(#100) campaign_id is invalid", blame_field="campaign_id")
        if not params.get("name"):
            raise errors.invalid_parameter("(#100) The parameter name is required", blame_field="name")
        budgets = self._check_budget(params, account)
        campaign_budget = campaign.get("daily_budget") or campaign.get("lifetime_budget")
        if budgets and campaign_budget:
            raise errors.invalid_parameter(
                "Budget on both campaign and ad set",
                subcode=errors.SUBCODE_BUDGET_ON_CAMPAIGN_AND_AD_SET,
                user_msg="This campaign uses a campaign budget, so its ad sets cannot have their own budget.",
                blame_field="daily_budget",
            )
        if not budgets and not campaign_budget:
            raise errors.invalid_parameter(
                "Ad set budget required",
                subcode=1885630,
                user_msg="Set a daily_budget or lifetime_budget on the ad set or on its campaign.",
                blame_field="daily_budget",
            )
        targeting = self._check_targeting(params.get("targeting"))
        start, end = _parse_time(params.get("start_time")), _parse_time(params.get("end_time"))
        zone = ZoneInfo(account.timezone_name)
        record = self._new(
            "adset",
            account,
            {
                "name": str(params["name"]),
                "campaign_id": campaign["id"],
                "status": self._status(params),
                "targeting": targeting,
                "optimization_goal": params.get("optimization_goal", "OFFSITE_CONVERSIONS"),
                "billing_event": params.get("billing_event", "IMPRESSIONS"),
                **({"bid_amount": str(params["bid_amount"])} if params.get("bid_amount") else {}),
                **({"start_time": _graph_time(start, zone)} if start else {}),
                **({"end_time": _graph_time(end, zone)} if end else {}),
                **budgets,
            },
        )
        self.market.add_ad_group(
            record["id"],
            campaign_id=campaign["id"],
            active=record["status"] == "ACTIVE",
            daily_budget_micros=self._micros(record.get("daily_budget")),
            start=start,
            end=end,
        )
        return record

    def _create_creative(self, account: MetaAdAccount, params: dict) -> dict:
        spec = params.get("object_story_spec")
        if not params.get("name") and not spec:
            raise errors.invalid_parameter(
                "(#100) Creative spec must be specified", blame_field="object_story_spec"
            )
        if isinstance(spec, dict):
            link = spec.get("link_data") or {}
            image_hash = link.get("image_hash")
            if image_hash and image_hash not in self.images[account.account_id]:
                raise errors.invalid_parameter(
                    f"Image with hash {image_hash} not found", subcode=1487242, blame_field="image_hash"
                )
        return self._new(
            "adcreative",
            account,
            {"name": str(params.get("name", "")), "object_story_spec": spec or {}, "status": "ACTIVE"},
        )

    def _create_ad(self, account: MetaAdAccount, params: dict) -> dict:
        adset = self.objects.get(str(params.get("adset_id", "")))
        if adset is None or adset["_type"] != "adset" or adset["account_id"] != account.account_id:
            raise errors.invalid_parameter("(#100) adset_id is invalid", blame_field="adset_id")
        creative = params.get("creative")
        creative_id = str(creative.get("creative_id", "")) if isinstance(creative, dict) else ""
        if creative_id not in self.objects or self.objects[creative_id]["_type"] != "adcreative":
            raise errors.invalid_parameter("(#100) creative is invalid", blame_field="creative")
        if not params.get("name"):
            raise errors.invalid_parameter("(#100) The parameter name is required", blame_field="name")
        record = self._new(
            "ad",
            account,
            {
                "name": str(params["name"]),
                "adset_id": adset["id"],
                "campaign_id": adset["campaign_id"],
                "creative": {"id": creative_id},
                "status": self._status(params),
            },
        )
        self.market.add_ad(record["id"], ad_group_id=adset["id"], active=record["status"] == "ACTIVE")
        return record

    def upload_image(self, account: MetaAdAccount, filename: str, data: bytes) -> dict:
        if not data:
            raise errors.invalid_parameter("(#100) Image data is empty", subcode=1487242, blame_field="bytes")
        image_hash = hashlib.md5(data, usedforsecurity=False).hexdigest()
        image = {
            "hash": image_hash,
            "url": f"https://sandbox.invalid/adimages/{image_hash}.png",
            "name": filename,
            "account_id": account.account_id,
        }
        with self._lock:
            self.images[account.account_id][image_hash] = image
        return image

    @staticmethod
    def decode_bytes(value: str) -> bytes:
        return base64.b64decode(value)

    # ----- updates -----------------------------------------------------------------------------
    def update(self, object_id: str, params: dict) -> None:
        with self._lock:
            record = self.get(object_id)
            account = self.accounts[record["account_id"]]
            if "status" in params:
                record["status"] = self._status(params)
            if "name" in params:
                record["name"] = str(params["name"])
            budgets = self._check_budget(params, account)
            if budgets and record["_type"] == "adset":
                campaign = self.objects[record["campaign_id"]]
                if campaign.get("daily_budget") or campaign.get("lifetime_budget"):
                    raise errors.invalid_parameter(
                        "Budget on both campaign and ad set",
                        subcode=errors.SUBCODE_BUDGET_ON_CAMPAIGN_AND_AD_SET,
                        blame_field="daily_budget",
                    )
            if budgets and record["_type"] not in ("campaign", "adset"):
                raise errors.invalid_parameter(
                    "budgets live on campaigns or ad sets", blame_field="daily_budget"
                )
            record.update(budgets)
            if "targeting" in params and record["_type"] == "adset":
                record["targeting"] = self._check_targeting(params["targeting"])
            record["updated_time"] = _graph_time(self.market.clock.now(), ZoneInfo(account.timezone_name))
            self._sync(record)

    def delete(self, object_id: str) -> None:
        with self._lock:
            record = self.get(object_id)
            record["status"] = "DELETED"
            self._sync(record)

    def _sync(self, record: dict) -> None:
        market_id = record["id"]
        if not self.market.has_object(market_id):
            return
        changes: dict[str, object] = {"active": record["status"] == "ACTIVE"}
        if record["_type"] in ("campaign", "adset"):
            changes["daily_budget_micros"] = self._micros(record.get("daily_budget"))
        self.market.update(market_id, **changes)

    # ----- presentation ------------------------------------------------------------------------
    def effective_status(self, record: dict) -> str:
        if record["status"] != "ACTIVE":
            return record["status"]
        for parent, label in (("campaign_id", "CAMPAIGN_PAUSED"), ("adset_id", "ADSET_PAUSED")):
            if parent in record and self.objects[record[parent]]["status"] != "ACTIVE":
                return label
        return "ACTIVE"

    def public(self, record: dict, fields: list[str] | None) -> dict:
        full = {k: v for k, v in record.items() if not k.startswith("_")}
        if record["_type"] in ("campaign", "adset", "ad"):
            full["effective_status"] = self.effective_status(record)
            full["configured_status"] = record["status"]
        if not fields:
            return {"id": record["id"], **({"name": full["name"]} if "name" in full else {})}
        return {"id": record["id"], **{f: full[f] for f in fields if f in full}}
