"""The committed dashboards are exactly what deploy/grafana/generate.py produces."""

from __future__ import annotations

import json
from pathlib import Path

DASHBOARDS = Path(__file__).resolve().parents[2] / "deploy" / "grafana" / "dashboards"


def test_committed_dashboards_equal_the_generator_output(dashboard_generator):
    rendered = dashboard_generator.render_all()
    committed = {path.name: path.read_text(encoding="utf-8") for path in DASHBOARDS.glob("*.json")}
    assert set(committed) == set(rendered), "run: python deploy/grafana/generate.py"
    for name, text in rendered.items():
        assert committed[name] == text, f"{name} is stale: run python deploy/grafana/generate.py"
    assert dashboard_generator.main(["--check"]) == 0


def test_the_three_dashboards_cover_what_operators_watch(dashboard_generator):
    dashboards = {name: json.loads(text) for name, text in dashboard_generator.render_all().items()}
    titles = {
        name: {panel["title"] for panel in dashboard["panels"] if panel["type"] == "row"}
        for name, dashboard in dashboards.items()
    }
    assert titles == {
        "zamc-platform-overview.json": {
            "Event flow",
            "Failures and dead letters",
            "Consumer lag",
            "Outbox",
            "Handler latency",
        },
        "zamc-api.json": {"Traffic", "Errors", "Latency"},
        "zamc-business.json": {"Briefs, strategies, deployments", "LLM", "Platform APIs", "Spend and ROAS"},
    }


def test_panels_are_well_formed(dashboard_generator):
    uids = set()
    for name, text in dashboard_generator.render_all().items():
        dashboard = json.loads(text)
        assert dashboard["uid"] not in uids and len(dashboard["uid"]) <= 40
        uids.add(dashboard["uid"])
        ids = [panel["id"] for panel in dashboard["panels"]]
        assert len(ids) == len(set(ids)), f"{name}: duplicate panel ids"
        assert dashboard["templating"]["list"][0]["type"] == "datasource"
        for panel in dashboard["panels"]:
            grid = panel["gridPos"]
            assert 0 <= grid["x"] and grid["x"] + grid["w"] <= 24, (name, panel["title"])
            if panel["type"] == "row":
                continue
            assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
            assert panel["targets"], (name, panel["title"])
            refs = [target["refId"] for target in panel["targets"]]
            assert len(refs) == len(set(refs))
        # panels never overlap
        cells = set()
        for panel in dashboard["panels"]:
            grid = panel["gridPos"]
            for x in range(grid["x"], grid["x"] + grid["w"]):
                for y in range(grid["y"], grid["y"] + grid["h"]):
                    assert (x, y) not in cells, f"{name}: {panel['title']} overlaps"
                    cells.add((x, y))
