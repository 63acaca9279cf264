"""Alert rules pass `promtool check rules` and their unit tests; dashboard queries parse."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import yaml

PROMETHEUS = Path(__file__).resolve().parents[2] / "deploy" / "prometheus"


def run(args: list[str], cwd=None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=60, cwd=cwd)


def test_alert_rules_are_valid(promtool):
    result = run([promtool, "check", "rules", str(PROMETHEUS / "alerts.yaml")])
    assert result.returncode == 0, result.stdout + result.stderr


def test_alert_rule_unit_tests_pass(promtool):
    result = run([promtool, "test", "rules", "alerts.test.yaml"], cwd=PROMETHEUS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_has_a_unit_test_that_fires_it():
    rules = yaml.safe_load((PROMETHEUS / "alerts.yaml").read_text())
    alerts = {rule["alert"] for group in rules["groups"] for rule in group["rules"] if "alert" in rule}
    tests = yaml.safe_load((PROMETHEUS / "alerts.test.yaml").read_text())
    fired = {
        case["alertname"]
        for test in tests["tests"]
        for case in test.get("alert_rule_test", [])
        if case.get("exp_alerts")
    }
    assert alerts - fired == set(), f"alerts without a firing test: {sorted(alerts - fired)}"
    for group in rules["groups"]:
        for rule in group["rules"]:
            assert rule["labels"]["severity"] in {"warning", "critical"}, rule["alert"]
            assert {"summary", "description"} <= set(rule["annotations"]), rule["alert"]


def test_a_broken_rule_is_refused(promtool, tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        "groups:\n  - name: x\n    rules:\n      - alert: X\n        expr: sum(rate(x[5m]) > 0\n"
    )
    assert run([promtool, "check", "rules", str(broken)]).returncode != 0


def test_dashboard_queries_are_valid_promql(promtool, metric_refs, tmp_path):
    """Each dashboard query, Grafana variables substituted, is checked as a recording rule."""
    substitutions = {
        r"\$__rate_interval": "5m",
        r"\$__range": "6h",
        r"\$__interval": "1m",
        r"\$(subject|consumer|route|platform)": ".*",
    }
    rules = []
    for index, (expr, where) in enumerate(metric_refs.dashboard_expressions()):
        if expr.lstrip().startswith("label_values("):
            continue
        for pattern, value in substitutions.items():
            expr = re.sub(pattern, value, expr)
        assert "$" not in expr, f"unsubstituted Grafana variable in {where}: {expr}"
        rules.append({"record": f"zamc:dashboard_query_{index}", "expr": expr})
    assert len(rules) > 30
    path = tmp_path / "dashboard-queries.yaml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]}))
    result = run([promtool, "check", "rules", str(path)])
    assert result.returncode == 0, result.stdout + result.stderr
