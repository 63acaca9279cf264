from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("LITELLM_OFFLINE_MODE", "True")

from zamc_events.contracts.strategy import Brief, BriefBudget, Business


def _make_brief(**overrides: Any) -> Brief:
    values: dict[str, Any] = {
        "brief_id": uuid.uuid4(),
        "project_id": uuid.uuid4(),
        "product": "Handmade ceramic coffee mugs",
        "audience": "coffee lovers in Berlin",
        "goal": "sales",
        "budget": BriefBudget(amount_micros=50_000_000, currency="EUR", period="daily"),
        "start_date": date(2025, 3, 1),
        "platforms": ["google_ads", "meta"],
        "locations": ["DE"],
        "languages": ["de", "en"],
        "landing_page_url": "https://mugs.example.com/shop",
        "business": Business(name="Clay & Co", brand_voice="warm, crafted, honest"),
    }
    values.update(overrides)
    return Brief(**values)


@pytest.fixture(scope="session")
def make_brief() -> Callable[..., Brief]:
    """Build a valid brief for a ceramic-mug shop; keyword arguments override any field."""
    return _make_brief
