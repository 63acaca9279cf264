"""Locations (ISO 3166-1 alpha-2) to geo target constants, languages (ISO 639-1) to language constants.

Google's country geo target ids are 2000 + the ISO 3166-1 numeric code (Germany 276 → 2276).
Language constant ids are Google's own numbering (see the Google Ads API "Language codes" table).
"""

from __future__ import annotations

COUNTRY_NUMERIC: dict[str, int] = {
    "AR": 32, "AT": 40, "AU": 36, "BE": 56, "BG": 100, "BR": 76, "CA": 124, "CH": 756, "CL": 152,
    "CN": 156, "CO": 170, "CZ": 203, "DE": 276, "DK": 208, "EE": 233, "EG": 818, "ES": 724,
    "FI": 246, "FR": 250, "GB": 826, "GR": 300, "HK": 344, "HR": 191, "HU": 348, "ID": 360,
    "IE": 372, "IL": 376, "IN": 356, "IS": 352, "IT": 380, "JP": 392, "KR": 410, "LT": 440,
    "LU": 442, "LV": 428, "MX": 484, "MY": 458, "NG": 566, "NL": 528, "NO": 578, "NZ": 554,
    "PE": 604, "PH": 608, "PL": 616, "PT": 620, "RO": 642, "RS": 688, "SA": 682, "SE": 752,
    "SG": 702, "SI": 705, "SK": 703, "TH": 764, "TR": 792, "TW": 158, "UA": 804, "AE": 784,
    "US": 840, "VN": 704, "ZA": 710,
}  # fmt: skip

LANGUAGE_CONSTANTS: dict[str, int] = {
    "en": 1000, "de": 1001, "fr": 1002, "es": 1003, "it": 1004, "ja": 1005, "da": 1009,
    "nl": 1010, "fi": 1011, "ko": 1012, "no": 1013, "nb": 1013, "pt": 1014, "sv": 1015,
    "zh": 1017, "ar": 1019, "bg": 1020, "cs": 1021, "el": 1022, "hi": 1023, "hu": 1024,
    "id": 1025, "is": 1026, "he": 1027, "lv": 1028, "lt": 1029, "pl": 1030, "ru": 1031,
    "ro": 1032, "sk": 1033, "sl": 1034, "sr": 1035, "uk": 1036, "tr": 1037, "ca": 1038,
    "hr": 1039, "vi": 1040, "th": 1044, "et": 1043,
}  # fmt: skip


class UnknownTargetError(ValueError):
    """A location or language the connector cannot map to a Google constant."""

    def __init__(self, kind: str, code: str) -> None:
        super().__init__(f"unknown {kind} {code!r}")
        self.kind = kind
        self.code = code


def geo_target_constant(country: str) -> str:
    numeric = COUNTRY_NUMERIC.get(country.strip().upper())
    if numeric is None:
        raise UnknownTargetError("location", country)
    return f"geoTargetConstants/{2000 + numeric}"


def language_constant(language: str) -> str:
    code = LANGUAGE_CONSTANTS.get(language.strip().lower().split("-")[0].split("_")[0])
    if code is None:
        raise UnknownTargetError("language", language)
    return f"languageConstants/{code}"
