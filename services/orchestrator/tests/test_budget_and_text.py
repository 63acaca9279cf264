from __future__ import annotations

from datetime import date

import pytest

from zamc_events.contracts.strategy import BriefBudget
from zamc_events.platform_limits import google_width
from zamc_orchestrator.domain.budget import Leaf, daily_budget_micros, platform_weights, split_micros
from zamc_orchestrator.domain.errors import StrategyRejected
from zamc_orchestrator.domain.text import clean, fit, slug, words

pytestmark = pytest.mark.unit


def test_split_is_proportional_in_whole_units_and_adds_up():
    leaves = [Leaf("google_ads", "g", 0.6), Leaf("meta", "m1", 0.2), Leaf("meta", "m2", 0.2)]
    split = split_micros(10_000_000, leaves, currency="USD")
    assert split == {"g": 6_000_000, "m1": 2_000_000, "m2": 2_000_000}
    odd = split_micros(
        1_000_000_000, [Leaf("google_ads", "a", 1), Leaf("google_ads", "b", 2)], currency="USD"
    )
    assert sum(odd.values()) == 1_000_000_000 and all(v % 10_000 == 0 for v in odd.values())


def test_small_shares_are_raised_to_the_minimum():
    split = split_micros(10_000_000, [Leaf("google_ads", "g", 0.99), Leaf("meta", "m", 0.01)], currency="EUR")
    assert split == {"g": 9_000_000, "m": 1_000_000}


def test_zero_decimal_currencies_split_in_whole_units():
    split = split_micros(1_001_000_000, [Leaf("google_ads", "a", 1), Leaf("meta", "b", 1)], currency="JPY")
    assert sorted(split.values()) == [500_000_000, 501_000_000]


def test_daily_budget_from_a_total():
    total = BriefBudget(amount_micros=100_000_000, currency="USD", period="total")
    assert daily_budget_micros(total, start=date(2025, 1, 1), end=date(2025, 1, 3)) == (33_330_000, [])
    micros, warnings = daily_budget_micros(total, start=date(2025, 1, 1), end=None)
    assert micros == 3_330_000 and "30 days" in warnings[0]
    with pytest.raises(StrategyRejected):
        daily_budget_micros(total, start=date(2025, 1, 2), end=date(2025, 1, 1))


def test_platform_weights_follow_the_goal():
    assert platform_weights("awareness", ["google_ads", "meta"]) == {"google_ads": 0.3, "meta": 0.7}
    assert platform_weights("sales", ["meta"]) == {"meta": 1.0}


def test_fit_cuts_at_word_boundaries_and_counts_wide_characters():
    assert (
        fit("Handmade ceramic mugs for every coffee moment", 30, google_width) == "Handmade ceramic mugs for"
    )
    assert fit("short", 30) == "short"
    assert fit("Supercalifragilisticexpialidocious", 10) == "Supercalif"
    assert google_width(fit("手作りの陶器のコーヒーマグカップ職人仕上げ", 30, google_width)) <= 30
    assert fit("Mugs, cups, and more", 12) == "Mugs, cups"


def test_text_helpers():
    assert clean(" a\n\tb\u200b c ") == "a b c"
    assert words("The best mugs for the best coffee") == ["best", "mugs", "coffee"]
    assert slug("handmade ceramic mugs") == "handmade"
    assert slug("mugs & cups") == "mugs-cups"
    assert slug("!!!") is None
