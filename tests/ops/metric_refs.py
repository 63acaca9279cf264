"""Which metric names do the dashboards and alert rules use, and are they in the catalog?

The catalog is deploy/metrics.yaml. Used by test_metrics_catalog.py here and by the
scrape test, which proves every catalog metric is exported by a running service.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
CATALOG = DEPLOY / "metrics.yaml"
ALERTS = DEPLOY / "prometheus" / "alerts.yaml"
DASHBOARDS = DEPLOY / "grafana" / "dashboards"

HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")
# PromQL words that look like identifiers but are not metric names.
_KEYWORDS = {"and", "or", "unless", "bool", "offset", "inf", "nan"}
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_MATCHERS = re.compile(r"\{[^{}]*\}")
_BRACKETS = re.compile(r"\[[^\[\]]*\]")
_LABEL_LISTS = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)")
_OFFSET = re.compile(r"\boffset\s+-?[0-9a-zA-Z_$]+")
_AT = re.compile(r"@\s*(?:start\(\)|end\(\)|[0-9.]+)")
_NUMBER = re.compile(r"(?<![A-Za-z0-9_:])(?:0x[0-9a-fA-F]+|[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?)")
_IDENTIFIER = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")
_LABEL_VALUES = re.compile(r"^\s*label_values\(\s*(.*?)\s*,\s*[A-Za-z_][A-Za-z0-9_]*\s*\)\s*$", re.S)


@dataclass(frozen=True)
class Reference:
    """A metric name used by an expression, and where."""

    name: str
    where: str


def metric_names(expr: str) -> set[str]:
    """Metric names in a PromQL expression (or a Grafana `label_values(...)` query)."""
    if match := _LABEL_VALUES.match(expr):
        expr = match.group(1)
    text = _STRING.sub('""', expr)
    text = _MATCHERS.sub(" ", text)
    while _BRACKETS.search(text):
        text = _BRACKETS.sub(" ", text)
    text = _LABEL_LISTS.sub(" ", text)
    text = _OFFSET.sub(" ", text)
    text = _AT.sub(" ", text)
    text = _NUMBER.sub(" 0 ", text)
    names = set()
    for match in _IDENTIFIER.finditer(text):
        token = match.group(0)
        if text[match.end() :].lstrip().startswith("("):
            continue  # a function (rate, sum, histogram_quantile, ...)
        if token.lower() in _KEYWORDS:
            continue
        names.add(token)
    return names


def load_catalog(path: Path = CATALOG) -> dict[str, dict[str, Any]]:
    """Catalog entries by exported name."""
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))["metrics"]
    return {entry["name"]: entry for entry in entries}


def catalog_name(name: str, catalog: dict[str, dict[str, Any]]) -> str | None:
    """The catalog entry a sample name belongs to (histogram series map to their histogram)."""
    if name in catalog:
        return name
    for suffix in HISTOGRAM_SUFFIXES:
        base = name.removesuffix(suffix)
        if base != name and catalog.get(base, {}).get("type") == "histogram":
            return base
    return None


def _walk_dashboard(node: Any, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        title = node.get("title")
        here = f"{where} / {title}" if isinstance(title, str) and title else where
        for key, value in node.items():
            if key in ("expr", "definition") and isinstance(value, str):
                yield value, here
            elif key == "query" and isinstance(value, str) and node.get("type") == "query":
                yield value, here
            elif key == "query" and isinstance(value, dict) and isinstance(value.get("query"), str):
                yield value["query"], here
            else:
                yield from _walk_dashboard(value, here)
    elif isinstance(node, list):
        for item in node:
            yield from _walk_dashboard(item, where)


def dashboard_expressions(directory: Path = DASHBOARDS) -> list[tuple[str, str]]:
    """(expression, where) of every query in the dashboards, template variables included."""
    found: list[tuple[str, str]] = []
    for path in sorted(directory.glob("*.json")):
        found.extend(_walk_dashboard(json.loads(path.read_text(encoding="utf-8")), path.name))
    return found


def alert_expressions(path: Path = ALERTS) -> list[tuple[str, str]]:
    """(expression, where) of every alerting and recording rule."""
    groups = yaml.safe_load(path.read_text(encoding="utf-8"))["groups"]
    return [
        (rule["expr"], f"{path.name} / {group['name']} / {rule.get('alert') or rule.get('record')}")
        for group in groups
        for rule in group["rules"]
    ]


def references(expressions: Iterable[tuple[str, str]]) -> list[Reference]:
    return [Reference(name, where) for expr, where in expressions for name in sorted(metric_names(expr))]


def referenced_metrics() -> list[Reference]:
    """Every metric name the dashboards and alert rules use."""
    return references([*dashboard_expressions(), *alert_expressions()])


def unknown_references(refs: Iterable[Reference], catalog: dict[str, dict[str, Any]]) -> list[Reference]:
    """References to metrics the catalog does not list."""
    return [ref for ref in refs if catalog_name(ref.name, catalog) is None]
