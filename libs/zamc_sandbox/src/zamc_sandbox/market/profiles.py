"""What each platform's market looks like: price levels, engagement ranges, attribution windows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum


class Platform(StrEnum):
    GOOGLE = "google"
    META = "meta"


@dataclass(frozen=True, slots=True)
class PlatformProfile:
    platform: Platform
    attribution_window: timedelta  # Google: conversion window; Meta: click attribution window
    mean_conversion_lag_hours: float
    cpm_micros: tuple[int, int]  # range of true cost per thousand impressions
    ctr: tuple[float, float]
    conversion_rate: tuple[float, float]
    value_per_conversion_micros: tuple[int, int]
    max_daily_impressions: tuple[int, int]  # saturation level of the reach curve
    hill_exponent: tuple[float, float]


PROFILES: dict[Platform, PlatformProfile] = {
    Platform.GOOGLE: PlatformProfile(
        platform=Platform.GOOGLE,
        attribution_window=timedelta(days=30),
        mean_conversion_lag_hours=30.0,
        cpm_micros=(20_000_000, 90_000_000),
        ctr=(0.02, 0.08),
        conversion_rate=(0.02, 0.10),
        value_per_conversion_micros=(20_000_000, 120_000_000),
        max_daily_impressions=(4_000, 40_000),
        hill_exponent=(0.9, 1.4),
    ),
    Platform.META: PlatformProfile(
        platform=Platform.META,
        attribution_window=timedelta(days=7),
        mean_conversion_lag_hours=20.0,
        cpm_micros=(5_000_000, 15_000_000),
        ctr=(0.006, 0.02),
        conversion_rate=(0.01, 0.05),
        value_per_conversion_micros=(20_000_000, 120_000_000),
        max_daily_impressions=(40_000, 400_000),
        hill_exponent=(0.8, 1.3),
    ),
}

# Share of the day's delivery in each local hour (peaks in the evening), sums to 1.
_RAW_DIURNAL = [2, 1, 1, 1, 1, 2, 3, 4, 5, 6, 6, 6, 6, 6, 6, 6, 6, 6, 7, 8, 8, 7, 5, 3]
DIURNAL_SHARE: tuple[float, ...] = tuple(w / sum(_RAW_DIURNAL) for w in _RAW_DIURNAL)
