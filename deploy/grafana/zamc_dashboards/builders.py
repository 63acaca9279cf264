"""Small builders for Grafana dashboard JSON (schema of Grafana 11/12).

Panels are plain dicts; `layout` gives them ids and grid positions, so panel groups
only say what to show and how wide it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
GRID_WIDTH = 24

Panel = dict[str, Any]


@dataclass(frozen=True)
class Query:
    """One PromQL query of a panel, with the legend Grafana shows for its series."""

    expr: str
    legend: str = ""
    instant: bool = False


@dataclass
class Group:
    """A titled row of panels: one panel group of a dashboard."""

    title: str
    panels: list[Panel] = field(default_factory=list)
    collapsed: bool = False


def _targets(queries: list[Query]) -> list[dict[str, Any]]:
    return [
        {
            "datasource": DATASOURCE,
            "expr": query.expr,
            "legendFormat": query.legend or "__auto",
            "range": not query.instant,
            "instant": query.instant,
            "refId": chr(ord("A") + index),
        }
        for index, query in enumerate(queries)
    ]


def timeseries(
    title: str,
    queries: list[Query],
    *,
    unit: str = "short",
    description: str = "",
    width: int = 12,
    height: int = 8,
    stack: bool = False,
    min_zero: bool = True,
) -> Panel:
    """A time series panel; `unit` is a Grafana unit id (reqps, s, percentunit, ...)."""
    defaults: dict[str, Any] = {
        "unit": unit,
        "custom": {
            "drawStyle": "line",
            "lineWidth": 1,
            "fillOpacity": 10,
            "showPoints": "never",
            "spanNulls": False,
            "stacking": {"mode": "normal" if stack else "none", "group": "A"},
        },
    }
    if min_zero:
        defaults["min"] = 0
    return {
        "type": "timeseries",
        "title": title,
        "description": description,
        "datasource": DATASOURCE,
        "targets": _targets(queries),
        "fieldConfig": {"defaults": defaults, "overrides": []},
        "options": {
            "legend": {
                "displayMode": "table",
                "placement": "bottom",
                "calcs": ["mean", "max", "lastNotNull"],
            },
            "tooltip": {"mode": "multi", "sort": "desc"},
        },
        "_size": (width, height),
    }


def stat(
    title: str,
    query: Query,
    *,
    unit: str = "short",
    description: str = "",
    width: int = 6,
    height: int = 4,
    thresholds: list[tuple[float | None, str]] | None = None,
    decimals: int | None = None,
) -> Panel:
    """A single-number panel; `thresholds` are (from value, color) steps, the first from None."""
    steps = thresholds or [(None, "green")]
    defaults: dict[str, Any] = {
        "unit": unit,
        "thresholds": {
            "mode": "absolute",
            "steps": [{"value": value, "color": color} for value, color in steps],
        },
    }
    if decimals is not None:
        defaults["decimals"] = decimals
    return {
        "type": "stat",
        "title": title,
        "description": description,
        "datasource": DATASOURCE,
        "targets": _targets([query]),
        "fieldConfig": {"defaults": defaults, "overrides": []},
        "options": {
            "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
            "colorMode": "value",
            "graphMode": "area",
            "textMode": "auto",
        },
        "_size": (width, height),
    }


def label_variable(name: str, label: str, metric: str, *, title: str | None = None) -> dict[str, Any]:
    """A multi-select template variable over the values of `label` on `metric` (All by default)."""
    query = f"label_values({metric}, {label})"
    return {
        "name": name,
        "label": title or name,
        "type": "query",
        "datasource": DATASOURCE,
        "query": {"query": query, "refId": f"{name}-values"},
        "definition": query,
        "refresh": 2,
        "sort": 1,
        "multi": True,
        "includeAll": True,
        "allValue": ".*",
        "current": {"selected": True, "text": ["All"], "value": ["$__all"]},
        "options": [],
    }


def datasource_variable() -> dict[str, Any]:
    return {
        "name": "datasource",
        "label": "Prometheus",
        "type": "datasource",
        "query": "prometheus",
        "current": {},
        "options": [],
        "refresh": 1,
        "regex": "",
    }


def layout(groups: list[Group]) -> list[Panel]:
    """Flattens groups into Grafana's panel list: a row panel, then its panels left to right."""
    panels: list[Panel] = []
    next_id = 1
    y = 0
    for group in groups:
        panels.append(
            {
                "type": "row",
                "title": group.title,
                "id": next_id,
                "collapsed": group.collapsed,
                "gridPos": {"h": 1, "w": GRID_WIDTH, "x": 0, "y": y},
                "panels": [],
            }
        )
        next_id += 1
        y += 1
        x = 0
        row_height = 0
        for source in group.panels:
            panel = {key: value for key, value in source.items() if key != "_size"}
            width, height = source["_size"]
            if x + width > GRID_WIDTH:
                x, y, row_height = 0, y + row_height, 0
            panel["id"] = next_id
            panel["gridPos"] = {"h": height, "w": width, "x": x, "y": y}
            panels.append(panel)
            next_id += 1
            x += width
            row_height = max(row_height, height)
        y += row_height
    return panels


def dashboard(
    *,
    uid: str,
    title: str,
    description: str,
    groups: list[Group],
    variables: list[dict[str, Any]],
    tags: list[str],
) -> dict[str, Any]:
    """A whole dashboard; the datasource variable comes first so every query can use it."""
    return {
        "uid": uid,
        "title": title,
        "description": description,
        "tags": ["zamc", *tags],
        "timezone": "utc",
        "editable": False,
        "graphTooltip": 1,
        "refresh": "30s",
        "schemaVersion": 39,
        "version": 1,
        "time": {"from": "now-6h", "to": "now"},
        "timepicker": {},
        "fiscalYearStartMonth": 0,
        "liveNow": False,
        "annotations": {"list": []},
        "links": [
            {
                "title": "ZAMC dashboards",
                "type": "dashboards",
                "tags": ["zamc"],
                "asDropdown": True,
                "includeVars": False,
                "keepTime": True,
            }
        ],
        "templating": {"list": [datasource_variable(), *variables]},
        "panels": layout(groups),
    }
