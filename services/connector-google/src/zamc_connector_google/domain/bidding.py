"""Bid targets: which field of a campaign's standard bidding strategy holds the target a command moves.

On Google Ads a campaign holds one standard bidding scheme (the `campaign_bidding_strategy` oneof),
and an update that sets another scheme's field silently switches the campaign to that scheme. So a
target is only ever written into the scheme the campaign already bids with; any other strategy is
refused with what the user can do about it.
"""

from __future__ import annotations

from typing import Literal

from zamc_events.contracts.common import PlatformError

BidTarget = Literal["target_roas", "target_cpa_micros"]

# The campaign field holding each target, by the campaign's `bidding_strategy_type`. TARGET_ROAS and
# TARGET_CPA are the older standalone schemes Google still reports for campaigns created with them.
TARGET_FIELDS: dict[tuple[BidTarget, str], str] = {
    ("target_roas", "MAXIMIZE_CONVERSION_VALUE"): "maximize_conversion_value.target_roas",
    ("target_roas", "TARGET_ROAS"): "target_roas.target_roas",
    ("target_cpa_micros", "MAXIMIZE_CONVERSIONS"): "maximize_conversions.target_cpa_micros",
    ("target_cpa_micros", "TARGET_CPA"): "target_cpa.target_cpa_micros",
}

# How Google Ads names the strategies in its UI.
STRATEGY_NAMES = {
    "MANUAL_CPC": "Manual CPC",
    "TARGET_SPEND": "Maximize clicks",
    "MAXIMIZE_CONVERSIONS": "Maximize conversions",
    "MAXIMIZE_CONVERSION_VALUE": "Maximize conversion value",
    "TARGET_CPA": "Target CPA",
    "TARGET_ROAS": "Target ROAS",
    "TARGET_IMPRESSION_SHARE": "Target impression share",
    "MANUAL_CPM": "Manual CPM",
    "TARGET_CPM": "Target CPM",
}
NEEDED = {
    "target_roas": ("a target ROAS", "Maximize conversion value", "TARGET_ROAS"),
    "target_cpa_micros": ("a target CPA", "Maximize conversions", "TARGET_CPA"),
}


class BidTargetRefused(Exception):
    def __init__(self, error: PlatformError) -> None:
        super().__init__(error.message)
        self.error = error


def target_field(
    *, campaign_id: str, target: BidTarget, bidding_strategy_type: str, portfolio_strategy: str = ""
) -> str:
    """The field path (and update mask) for the target; raises BidTargetRefused for any other strategy."""
    what, needed, bidding = NEEDED[target]
    if portfolio_strategy:
        raise BidTargetRefused(
            PlatformError(
                code="PORTFOLIO_BIDDING_STRATEGY",
                message=f"Campaign {campaign_id} bids with the portfolio bid strategy {portfolio_strategy}, "
                f"whose target is shared by every campaign using it; ZAMC does not change it. Change the "
                f"target in Google Ads (Tools, Bid strategies), or give the campaign its own {needed} "
                "strategy.",
                field=target,
            )
        )
    path = TARGET_FIELDS.get((target, bidding_strategy_type))
    if path is None:
        current = STRATEGY_NAMES.get(bidding_strategy_type, bidding_strategy_type or "an unknown strategy")
        raise BidTargetRefused(
            PlatformError(
                code="BIDDING_STRATEGY_MISMATCH",
                message=f"Campaign {campaign_id} bids with {current}; {what} applies only to {needed}. "
                f"Switch the campaign to {needed} in Google Ads (or deploy it with bidding {bidding}), "
                "then set the target again.",
                field=target,
            )
        )
    return path
