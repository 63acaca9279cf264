"""Write src/test/limitCases.json: strategies that break platform limits, each with the violations
`zamc_events.platform_limits.check_strategy` (the gateway's own check) reports for it. The console's
TypeScript port (`src/lib/limits.ts`) is tested against this file, so both agree.

Run from the repository root: .venv/bin/python services/gateway/web/scripts/gen_limit_cases.py
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from zamc_events import examples
from zamc_events.contracts.strategy import CampaignStrategy, StrategyGenerated
from zamc_events.platform_limits import check_strategy

Doc = dict[str, Any]


def base() -> Doc:
    for event in examples.examples():
        if isinstance(event, StrategyGenerated):
            return event.strategy.model_dump(mode="json")
    raise RuntimeError("no StrategyGenerated example")


def ad(d: Doc) -> Doc:
    return d["google_ads"]["campaigns"][0]["ad_groups"][0]["ads"][0]


def group(d: Doc) -> Doc:
    return d["google_ads"]["campaigns"][0]["ad_groups"][0]


def meta_set(d: Doc) -> Doc:
    return d["meta"]["campaigns"][0]["ad_sets"][0]


def meta_ad(d: Doc) -> Doc:
    return meta_set(d)["ads"][0]


def set_google_budget(d: Doc, micros: int) -> None:
    d["google_ads"]["campaigns"][0]["daily_budget_micros"] = micros


CASES: dict[str, Callable[[Doc], None]] = {
    "valid": lambda d: None,
    "headline 30 ascii": lambda d: ad(d)["headlines"].__setitem__(0, "A" * 30),
    "headline 31 ascii": lambda d: ad(d)["headlines"].__setitem__(0, "A" * 31),
    "headline 15 wide (30)": lambda d: ad(d)["headlines"].__setitem__(0, "日" * 15),
    "headline 16 wide (32)": lambda d: ad(d)["headlines"].__setitem__(0, "日" * 16),
    "headline fullwidth latin": lambda d: ad(d)["headlines"].__setitem__(0, "ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰ"),
    "headline emoji": lambda d: ad(d)["headlines"].__setitem__(0, "Run 🏃" * 6),
    "headline exclamation": lambda d: ad(d)["headlines"].__setitem__(0, "Run now!"),
    "headline empty": lambda d: ad(d)["headlines"].__setitem__(0, "  "),
    "headline duplicate": lambda d: ad(d)["headlines"].__setitem__(1, "trail running shoes"),
    "headline line break": lambda d: ad(d)["headlines"].__setitem__(0, "Trail\nshoes"),
    "two headlines": lambda d: ad(d)["headlines"].pop(),
    "description 91": lambda d: ad(d)["descriptions"].__setitem__(0, "d" * 91),
    "path with space": lambda d: ad(d).__setitem__("path1", "trail shoes"),
    "path2 without path1": lambda d: ad(d).__setitem__("path1", None),
    "path 16": lambda d: ad(d).__setitem__("path1", "p" * 16),
    "bad final url": lambda d: ad(d).__setitem__("final_url", "acme.example"),
    "keyword 11 words": lambda d: group(d)["keywords"].__setitem__(0, {"text": " ".join(["w"] * 11), "match_type": "BROAD"}),
    "keyword forbidden char": lambda d: group(d)["keywords"].__setitem__(0, {"text": "shoes @ sale", "match_type": "BROAD"}),
    "keyword 81 wide": lambda d: group(d)["keywords"].__setitem__(0, {"text": "靴" * 41, "match_type": "BROAD"}),
    "no keywords": lambda d: group(d).__setitem__("keywords", []),
    "bad location": lambda d: d["google_ads"]["campaigns"][0]["locations"].append("Germany"),
    "target cpa missing": lambda d: d["google_ads"]["campaigns"][0].__setitem__("bidding_strategy", "TARGET_CPA"),
    "google budget not in split": lambda d: set_google_budget(d, 70_000_000),
    "google budget below minimum": lambda d: (set_google_budget(d, 500_000), d["budget_split"][0].__setitem__("daily_budget_micros", 500_000)),
    "budget finer than a cent": lambda d: set_google_budget(d, 60_005_000),
    "meta primary text 126": lambda d: meta_ad(d).__setitem__("primary_text", "p" * 126),
    "meta primary text 125 wide": lambda d: meta_ad(d).__setitem__("primary_text", "日" * 125),
    "meta headline 41": lambda d: meta_ad(d).__setitem__("headline", "h" * 41),
    "meta description 31": lambda d: meta_ad(d).__setitem__("description", "d" * 31),
    "meta bad link": lambda d: meta_ad(d).__setitem__("link_url", "ftp://x"),
    "meta age 17": lambda d: meta_set(d)["targeting"].__setitem__("age_min", 17),
    "meta ages reversed": lambda d: (meta_set(d)["targeting"].__setitem__("age_min", 50), meta_set(d)["targeting"].__setitem__("age_max", 30)),
    "meta no countries": lambda d: meta_set(d)["targeting"].__setitem__("countries", []),
    "meta special category": lambda d: d["meta"]["campaigns"][0]["special_ad_categories"].append("PETS"),
    "meta optimization goal": lambda d: meta_set(d).__setitem__("optimization_goal", "MAGIC"),
    "split share wrong": lambda d: d["budget_split"][0].__setitem__("share", 0.5),
    "split unknown campaign": lambda d: d["budget_split"][1].__setitem__("campaign_key", "nope"),
    "duplicate key": lambda d: meta_ad(d).__setitem__("key", "g-trail"),
}


def main() -> None:
    cases = []
    for name, mutate in CASES.items():
        document = copy.deepcopy(base())
        mutate(document)
        violations = check_strategy(CampaignStrategy.model_validate(document))
        cases.append(
            {
                "name": name,
                "strategy": document,
                "violations": [{"path": v.path, "rule": v.rule, "message": v.message} for v in violations],
            }
        )
    target = Path(__file__).resolve().parent.parent / "src" / "test" / "limitCases.json"
    target.write_text(json.dumps(cases, ensure_ascii=False, indent=1) + "\n")
    print(f"wrote {target} ({len(cases)} cases)")


if __name__ == "__main__":
    main()
