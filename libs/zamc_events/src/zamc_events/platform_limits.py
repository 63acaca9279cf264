"""Every platform limit a strategy must respect, as data, and the check that applies them.

Pure code shared by the gateway (a marketer's edit) and the orchestrator (a generated or repaired
strategy). `check_strategy` never raises on a bad strategy: it returns one `Violation` per broken
limit, each naming the JSON path of the field, the limit, the actual value and a sentence a
marketer can act on.

Characters are counted the way each platform counts them: Google counts East Asian Wide and
Fullwidth characters as 2 (`google_width`); Meta counts characters (`meta_width`).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict

from zamc_events.contracts.strategy import (
    CampaignStrategy,
    GoogleAdGroup,
    GoogleSearchCampaign,
    MetaAd,
    MetaAdSet,
    MetaCampaign,
    ResponsiveSearchAd,
)

MICROS = 1_000_000

# ISO 4217 currencies without minor units: a budget must be a whole number of them.
ZERO_DECIMAL_CURRENCIES = frozenset(
    {
        "BIF",
        "CLP",
        "DJF",
        "GNF",
        "ISK",
        "JPY",
        "KMF",
        "KRW",
        "PYG",
        "RWF",
        "UGX",
        "VND",
        "VUV",
        "XAF",
        "XOF",
        "XPF",
    }
)


@dataclass(frozen=True)
class GoogleLimits:
    """Google Ads Search limits (responsive search ads, keywords, campaigns, budgets)."""

    headlines_min: int = 3
    headlines_max: int = 15
    headline_width: int = 30
    descriptions_min: int = 2
    descriptions_max: int = 4
    description_width: int = 90
    path_width: int = 15
    keyword_width: int = 80
    keyword_words: int = 10
    keyword_forbidden_chars: str = "!@%^*={};~`<>?\\|"
    name_length: int = 255
    min_daily_budget_micros: int = MICROS  # 1.00 in the account currency
    # Headlines may not contain "!" (Google editorial policy rejects them).
    headline_forbidden_chars: str = "!"


@dataclass(frozen=True)
class MetaLimits:
    """Meta (Facebook/Instagram) limits for campaigns, ad sets and ads."""

    primary_text_length: int = 125  # Meta's recommended length; longer text is cut off in feeds
    headline_length: int = 40
    description_length: int = 30
    name_length: int = 400
    age_min: int = 18
    age_max: int = 65
    min_adset_daily_budget_micros: int = MICROS  # 1.00 in the account currency
    special_ad_categories: frozenset[str] = frozenset(
        {"HOUSING", "EMPLOYMENT", "CREDIT", "ISSUES_ELECTIONS_POLITICS", "FINANCIAL_PRODUCTS_SERVICES"}
    )
    optimization_goals: frozenset[str] = frozenset(
        {
            "LINK_CLICKS",
            "LANDING_PAGE_VIEWS",
            "REACH",
            "IMPRESSIONS",
            "OFFSITE_CONVERSIONS",
            "LEAD_GENERATION",
            "POST_ENGAGEMENT",
            "VALUE",
        }
    )
    billing_events: frozenset[str] = frozenset({"IMPRESSIONS", "LINK_CLICKS"})


GOOGLE = GoogleLimits()
META = MetaLimits()

COUNTRY_CODE = re.compile(r"^[A-Z]{2}$")
URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
SHARE_TOLERANCE = 0.001


class Violation(BaseModel):
    """One broken limit: where (JSON path), which rule, the limit, what was found, and why."""

    model_config = ConfigDict(frozen=True)

    path: str
    rule: str
    limit: int | str
    actual: int | str | None = None
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def google_width(text: str) -> int:
    """Length as Google Ads counts it: East Asian Wide and Fullwidth characters count 2."""
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)


def meta_width(text: str) -> int:
    """Length as Meta counts it: one per character."""
    return len(text)


def currency_unit_micros(currency: str) -> int:
    """The smallest budget step for a currency: one unit for zero-decimal currencies, else 0.01."""
    return MICROS if currency in ZERO_DECIMAL_CURRENCIES else MICROS // 100


def has_control_chars(text: str) -> bool:
    return any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in text)


def _ordinal(n: int) -> str:
    return str(n + 1)


class _Checker:
    def __init__(self, strategy: CampaignStrategy, google: GoogleLimits, meta: MetaLimits) -> None:
        self.s = strategy
        self.g = google
        self.m = meta
        self.found: list[Violation] = []

    def add(self, path: str, rule: str, limit: int | str, actual: int | str | None, message: str) -> None:
        self.found.append(Violation(path=path, rule=rule, limit=limit, actual=actual, message=message))

    # --- text -------------------------------------------------------------------------------
    def text(
        self,
        path: str,
        rule: str,
        label: str,
        value: str | None,
        limit: int,
        platform: Literal["google", "meta"],
        *,
        required: bool = True,
        wide_counts_two: bool | None = None,
    ) -> None:
        if value is None or not value.strip():
            if required:
                self.add(path, f"{rule}.required", 1, 0, f"{label} is empty")
            return
        if wide_counts_two is None:
            wide_counts_two = platform == "google"
        width = google_width(value) if wide_counts_two else meta_width(value)
        if width > limit:
            who = "Google" if platform == "google" else "Meta"
            unit = "characters" if width == len(value) else "characters (wide characters count 2)"
            self.add(path, f"{rule}.length", limit, width, f"{label} is {width} {unit}; {who} allows {limit}")
        if has_control_chars(value):
            self.add(path, f"{rule}.control_chars", "no line breaks", value, f"{label} contains a line break")

    def count(self, path: str, rule: str, label: str, n: int, low: int, high: int) -> None:
        if n < low:
            self.add(path, f"{rule}.min_count", low, n, f"{label}: {n} given; at least {low} needed")
        elif n > high:
            self.add(path, f"{rule}.max_count", high, n, f"{label}: {n} given; at most {high} allowed")

    def url(self, path: str, label: str, value: str) -> None:
        if not URL.match(value or ""):
            self.add(path, "url.invalid", "http(s) URL", value, f"{label} must be an http:// or https:// URL")

    def budget(self, path: str, label: str, micros: int, minimum: int) -> None:
        unit = currency_unit_micros(self.s.currency)
        if micros < minimum:
            self.add(
                path,
                "budget.min",
                minimum,
                micros,
                f"{label} is {micros / MICROS:.2f} {self.s.currency}; the minimum is "
                f"{minimum / MICROS:.2f} {self.s.currency}",
            )
        if micros % unit:
            self.add(
                path,
                "budget.currency_unit",
                unit,
                micros,
                f"{label} must be a whole multiple of {unit / MICROS:g} {self.s.currency}",
            )

    def unique(self, path: str, rule: str, label: str, values: list[str]) -> None:
        counts = Counter(v.strip().casefold() for v in values)
        for i, value in enumerate(values):
            if counts[value.strip().casefold()] > 1 and value.strip():
                first = [v.strip().casefold() for v in values].index(value.strip().casefold())
                if first != i:
                    self.add(
                        f"{path}[{i}]",
                        f"{rule}.duplicate",
                        "unique",
                        value,
                        f"{label} {i + 1} repeats {value!r}",
                    )

    # --- Google ---------------------------------------------------------------------------
    def google_campaign(self, path: str, c: GoogleSearchCampaign) -> None:
        self.text(
            f"{path}.name",
            "google.campaign_name",
            "Campaign name",
            c.name,
            self.g.name_length,
            "google",
            wide_counts_two=False,
        )
        self.budget(
            f"{path}.daily_budget_micros",
            "Campaign daily budget",
            c.daily_budget_micros,
            self.g.min_daily_budget_micros,
        )
        if c.bidding_strategy == "TARGET_CPA" and not c.target_cpa_micros:
            self.add(
                f"{path}.target_cpa_micros",
                "google.bidding.target_cpa",
                "> 0",
                c.target_cpa_micros,
                "Target CPA bidding needs a target CPA",
            )
        if c.bidding_strategy == "TARGET_ROAS" and not c.target_roas:
            self.add(
                f"{path}.target_roas",
                "google.bidding.target_roas",
                "> 0",
                c.target_roas,
                "Target ROAS bidding needs a target ROAS",
            )
        for i, code in enumerate(c.locations):
            if not COUNTRY_CODE.match(code):
                self.add(
                    f"{path}.locations[{i}]",
                    "google.location.code",
                    "ISO 3166-1 alpha-2",
                    code,
                    f"Location {code!r} is not a two-letter country code",
                )
        self.count(f"{path}.ad_groups", "google.ad_groups", "Ad groups", len(c.ad_groups), 1, 20_000)
        self.unique(
            f"{path}.ad_groups", "google.ad_group_name", "Ad group name", [g.name for g in c.ad_groups]
        )
        for i, group in enumerate(c.ad_groups):
            self.google_ad_group(f"{path}.ad_groups[{i}]", group)

    def google_ad_group(self, path: str, g: GoogleAdGroup) -> None:
        self.text(
            f"{path}.name",
            "google.ad_group_name",
            "Ad group name",
            g.name,
            self.g.name_length,
            "google",
            wide_counts_two=False,
        )
        self.count(f"{path}.keywords", "google.keywords", "Keywords", len(g.keywords), 1, 20_000)
        for i, kw in enumerate(g.keywords):
            kpath = f"{path}.keywords[{i}].text"
            label = f"Keyword {i + 1}"
            self.text(kpath, "google.keyword", label, kw.text, self.g.keyword_width, "google")
            words = len(kw.text.split())
            if words > self.g.keyword_words:
                self.add(
                    kpath,
                    "google.keyword.words",
                    self.g.keyword_words,
                    words,
                    f"{label} has {words} words; Google allows {self.g.keyword_words}",
                )
            bad = sorted({ch for ch in kw.text if ch in self.g.keyword_forbidden_chars})
            if bad:
                self.add(
                    kpath,
                    "google.keyword.chars",
                    f"none of {self.g.keyword_forbidden_chars}",
                    "".join(bad),
                    f"{label} contains characters Google does not allow in keywords: {' '.join(bad)}",
                )
        self.count(f"{path}.ads", "google.ads", "Ads", len(g.ads), 1, 3)
        for i, ad in enumerate(g.ads):
            self.google_ad(f"{path}.ads[{i}]", ad)

    def google_ad(self, path: str, ad: ResponsiveSearchAd) -> None:
        g = self.g
        self.count(
            f"{path}.headlines",
            "google.headlines",
            "Headlines",
            len(ad.headlines),
            g.headlines_min,
            g.headlines_max,
        )
        for i, h in enumerate(ad.headlines):
            hpath = f"{path}.headlines[{i}]"
            self.text(hpath, "google.headline", f"Headline {_ordinal(i)}", h, g.headline_width, "google")
            if any(ch in g.headline_forbidden_chars for ch in h):
                self.add(
                    hpath,
                    "google.headline.chars",
                    f"no {g.headline_forbidden_chars}",
                    h,
                    f"Headline {_ordinal(i)} contains '!'; Google allows no exclamation marks in headlines",
                )
        self.unique(f"{path}.headlines", "google.headline", "Headline", ad.headlines)
        self.count(
            f"{path}.descriptions",
            "google.descriptions",
            "Descriptions",
            len(ad.descriptions),
            g.descriptions_min,
            g.descriptions_max,
        )
        for i, d in enumerate(ad.descriptions):
            self.text(
                f"{path}.descriptions[{i}]",
                "google.description",
                f"Description {_ordinal(i)}",
                d,
                g.description_width,
                "google",
            )
        self.unique(f"{path}.descriptions", "google.description", "Description", ad.descriptions)
        for name in ("path1", "path2"):
            value = getattr(ad, name)
            if value is None:
                continue
            self.text(
                f"{path}.{name}",
                f"google.{name}",
                f"Display path {name[-1]}",
                value,
                g.path_width,
                "google",
                required=False,
            )
            if re.search(r"[\s/]", value):
                self.add(
                    f"{path}.{name}",
                    f"google.{name}.chars",
                    "no spaces or /",
                    value,
                    f"Display path {name[-1]} may not contain spaces or '/'",
                )
        if ad.path2 and not ad.path1:
            self.add(
                f"{path}.path2",
                "google.path2.without_path1",
                "path1 set",
                None,
                "Display path 2 needs display path 1",
            )
        self.url(f"{path}.final_url", "Final URL", ad.final_url)

    # --- Meta -----------------------------------------------------------------------------
    def meta_campaign(self, path: str, c: MetaCampaign) -> None:
        self.text(f"{path}.name", "meta.campaign_name", "Campaign name", c.name, self.m.name_length, "meta")
        for i, cat in enumerate(c.special_ad_categories):
            if cat not in self.m.special_ad_categories:
                self.add(
                    f"{path}.special_ad_categories[{i}]",
                    "meta.special_ad_category",
                    "known category",
                    cat,
                    f"{cat!r} is not a Meta special ad category",
                )
        self.count(f"{path}.ad_sets", "meta.ad_sets", "Ad sets", len(c.ad_sets), 1, 5_000)
        for i, ad_set in enumerate(c.ad_sets):
            self.meta_ad_set(f"{path}.ad_sets[{i}]", ad_set)

    def meta_ad_set(self, path: str, a: MetaAdSet) -> None:
        m = self.m
        self.text(f"{path}.name", "meta.ad_set_name", "Ad set name", a.name, m.name_length, "meta")
        self.budget(
            f"{path}.daily_budget_micros",
            "Ad set daily budget",
            a.daily_budget_micros,
            m.min_adset_daily_budget_micros,
        )
        if a.optimization_goal not in m.optimization_goals:
            self.add(
                f"{path}.optimization_goal",
                "meta.optimization_goal",
                "known goal",
                a.optimization_goal,
                f"{a.optimization_goal!r} is not a supported optimisation goal",
            )
        if a.billing_event not in m.billing_events:
            self.add(
                f"{path}.billing_event",
                "meta.billing_event",
                "known event",
                a.billing_event,
                f"{a.billing_event!r} is not a supported billing event",
            )
        t = a.targeting
        tpath = f"{path}.targeting"
        if not t.countries:
            self.add(f"{tpath}.countries", "meta.countries.min_count", 1, 0, "Target at least one country")
        for i, code in enumerate(t.countries):
            if not COUNTRY_CODE.match(code):
                self.add(
                    f"{tpath}.countries[{i}]",
                    "meta.country.code",
                    "ISO 3166-1 alpha-2",
                    code,
                    f"Country {code!r} is not a two-letter country code",
                )
        for name in ("age_min", "age_max"):
            age = getattr(t, name)
            if not m.age_min <= age <= m.age_max:
                self.add(
                    f"{tpath}.{name}",
                    f"meta.{name}",
                    f"{m.age_min}-{m.age_max}",
                    age,
                    f"{name.replace('_', ' ').capitalize()} is {age}; Meta allows {m.age_min} to {m.age_max}",
                )
        if t.age_min > t.age_max:
            self.add(
                f"{tpath}.age_min",
                "meta.age.order",
                "age_min <= age_max",
                t.age_min,
                f"Minimum age {t.age_min} is above maximum age {t.age_max}",
            )
        self.count(f"{path}.ads", "meta.ads", "Ads", len(a.ads), 1, 50)
        for i, ad in enumerate(a.ads):
            self.meta_ad(f"{path}.ads[{i}]", ad)

    def meta_ad(self, path: str, ad: MetaAd) -> None:
        m = self.m
        self.text(f"{path}.name", "meta.ad_name", "Ad name", ad.name, m.name_length, "meta")
        self.text(
            f"{path}.primary_text",
            "meta.primary_text",
            "Primary text",
            ad.primary_text,
            m.primary_text_length,
            "meta",
        )
        self.text(f"{path}.headline", "meta.headline", "Headline", ad.headline, m.headline_length, "meta")
        self.text(
            f"{path}.description",
            "meta.description",
            "Description",
            ad.description,
            m.description_length,
            "meta",
            required=False,
        )
        self.url(f"{path}.link_url", "Link URL", ad.link_url)

    # --- whole strategy -------------------------------------------------------------------
    def strategy(self) -> list[Violation]:
        s = self.s
        if s.google_ads is None and s.meta is None:
            self.add(
                "google_ads",
                "strategy.platforms",
                "at least one platform",
                0,
                "The strategy has no platform plan",
            )
        if s.google_ads is not None:
            camps = s.google_ads.campaigns
            self.count("google_ads.campaigns", "google.campaigns", "Google campaigns", len(camps), 1, 10_000)
            self.unique(
                "google_ads.campaigns", "google.campaign_name", "Campaign name", [c.name for c in camps]
            )
            for i, c in enumerate(camps):
                self.google_campaign(f"google_ads.campaigns[{i}]", c)
        if s.meta is not None:
            camps = s.meta.campaigns
            self.count("meta.campaigns", "meta.campaigns", "Meta campaigns", len(camps), 1, 10_000)
            for i, c in enumerate(camps):
                self.meta_campaign(f"meta.campaigns[{i}]", c)
        self.keys()
        self.budget_split()
        return self.found

    def keys(self) -> None:
        seen: set[str] = set()
        for path, key in _keyed_paths(self.s):
            if not key:
                self.add(f"{path}.key", "strategy.key.required", "non-empty", key, "Every object needs a key")
            elif key in seen:
                self.add(f"{path}.key", "strategy.key.duplicate", "unique", key, f"Key {key!r} is used twice")
            seen.add(key)

    def budget_split(self) -> None:
        s = self.s
        campaign_budgets: dict[tuple[str, str], int] = {}
        if s.google_ads is not None:
            for c in s.google_ads.campaigns:
                campaign_budgets[("google_ads", c.key)] = c.daily_budget_micros
        if s.meta is not None:
            for c in s.meta.campaigns:
                campaign_budgets[("meta", c.key)] = sum(a.daily_budget_micros for a in c.ad_sets)
        total = sum(a.daily_budget_micros for a in s.budget_split)
        if total != s.daily_budget_micros:
            self.add(
                "budget_split",
                "budget.split.sum",
                s.daily_budget_micros,
                total,
                f"Allocations add up to {total / MICROS:.2f} {s.currency}; the daily budget is "
                f"{s.daily_budget_micros / MICROS:.2f} {s.currency}",
            )
        allocated: Counter[tuple[str, str]] = Counter()
        for i, a in enumerate(s.budget_split):
            ref = (a.platform, a.campaign_key)
            allocated[ref] += 1
            path = f"budget_split[{i}]"
            if ref not in campaign_budgets:
                self.add(
                    f"{path}.campaign_key",
                    "budget.split.unknown_campaign",
                    "existing campaign",
                    a.campaign_key,
                    f"Allocation names {a.platform} campaign {a.campaign_key!r}, which does not exist",
                )
                continue
            if campaign_budgets[ref] != a.daily_budget_micros:
                self.add(
                    f"{path}.daily_budget_micros",
                    "budget.split.campaign_mismatch",
                    a.daily_budget_micros,
                    campaign_budgets[ref],
                    f"Campaign {a.campaign_key!r} spends {campaign_budgets[ref] / MICROS:.2f} {s.currency} a "
                    f"day but is allocated {a.daily_budget_micros / MICROS:.2f}",
                )
            expected = a.daily_budget_micros / s.daily_budget_micros if s.daily_budget_micros else 0.0
            if abs(a.share - expected) > SHARE_TOLERANCE:
                self.add(
                    f"{path}.share",
                    "budget.split.share",
                    f"{expected:.4f}",
                    f"{a.share:.4f}",
                    f"Share {a.share:.4f} does not match {expected:.4f} of the daily budget",
                )
        for ref, n in allocated.items():
            if n > 1 and ref in campaign_budgets:
                self.add(
                    "budget_split",
                    "budget.split.duplicate",
                    1,
                    n,
                    f"{ref[0]} campaign {ref[1]!r} is allocated {n} times",
                )
        for ref in campaign_budgets:
            if ref not in allocated:
                self.add(
                    "budget_split",
                    "budget.split.missing",
                    ref[1],
                    None,
                    f"{ref[0]} campaign {ref[1]!r} has no budget allocation",
                )


def _keyed_paths(s: CampaignStrategy) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if s.google_ads is not None:
        for i, c in enumerate(s.google_ads.campaigns):
            out.append((f"google_ads.campaigns[{i}]", c.key))
            for j, g in enumerate(c.ad_groups):
                out.append((f"google_ads.campaigns[{i}].ad_groups[{j}]", g.key))
                out += [
                    (f"google_ads.campaigns[{i}].ad_groups[{j}].ads[{k}]", a.key) for k, a in enumerate(g.ads)
                ]
    if s.meta is not None:
        for i, c in enumerate(s.meta.campaigns):
            out.append((f"meta.campaigns[{i}]", c.key))
            for j, a in enumerate(c.ad_sets):
                out.append((f"meta.campaigns[{i}].ad_sets[{j}]", a.key))
                out += [(f"meta.campaigns[{i}].ad_sets[{j}].ads[{k}]", ad.key) for k, ad in enumerate(a.ads)]
    return out


def check_strategy(
    strategy: CampaignStrategy, *, google: GoogleLimits = GOOGLE, meta: MetaLimits = META
) -> list[Violation]:
    """Every limit `strategy` breaks, in document order; an empty list means it may be deployed."""
    return _Checker(strategy, google, meta).strategy()
