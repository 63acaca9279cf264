"""Every metric named in the dashboards and alert rules is in deploy/metrics.yaml.

(The scrape test then proves each catalog metric is exported by a running service.)
"""

from __future__ import annotations

import re

import pytest
import yaml

NAME = re.compile(r"^zamc_[a-z0-9_]+$")


def test_catalog_is_well_formed(metric_refs):
    catalog = metric_refs.load_catalog()
    assert catalog, "deploy/metrics.yaml lists no metrics"
    services = {"all", "gateway", "orchestrator", "connector-google", "connector-meta", "analytics-ingest"}
    for name, entry in catalog.items():
        assert NAME.match(name), name
        assert entry["type"] in {"counter", "gauge", "histogram"}, name
        assert isinstance(entry["labels"], list), name
        owners = entry["service"] if isinstance(entry["service"], list) else [entry["service"]]
        assert set(owners) <= services, name
        # prometheus-client exports counters with the _total suffix; nothing else may carry it
        assert name.endswith("_total") == (entry["type"] == "counter"), name
    entries = yaml.safe_load(metric_refs.CATALOG.read_text())["metrics"]
    assert len(entries) == len(catalog), "a metric is listed twice"


def test_dashboards_and_alerts_name_only_cataloged_metrics(metric_refs):
    catalog = metric_refs.load_catalog()
    refs = metric_refs.referenced_metrics()
    assert len({ref.name for ref in refs}) >= 20, "expected the dashboards and alerts to use most metrics"
    unknown = metric_refs.unknown_references(refs, catalog)
    assert not unknown, "metrics not in deploy/metrics.yaml:\n" + "\n".join(
        f"  {ref.name}  ({ref.where})" for ref in unknown
    )


def test_labels_used_in_grouping_exist_on_the_metric(metric_refs):
    """`sum by (x) (metric...)`: x must be a label of that metric (or le for histograms)."""
    catalog = metric_refs.load_catalog()
    pattern = re.compile(r"by \(([^)]*)\) \((?:(?:rate|increase|delta)\()?([a-z_]+?)(?:_bucket)?[{\[)]")
    problems, checked = [], 0
    for expr, where in [*metric_refs.dashboard_expressions(), *metric_refs.alert_expressions()]:
        for labels, metric in pattern.findall(expr):
            checked += 1
            entry = catalog.get(metric)
            if entry is None:
                continue
            allowed = set(entry["labels"]) | ({"le"} if entry["type"] == "histogram" else set())
            for label in (part.strip() for part in labels.split(",")):
                if label not in allowed:
                    problems.append(f"{where}: {metric} has no label {label!r}")
    assert checked > 40
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("expr", "names"),
    [
        (
            'sum by (consumer) (rate(zamc_events_failed_total{status=~"5.."}[5m]))',
            {"zamc_events_failed_total"},
        ),
        (
            "histogram_quantile(0.95, sum by (le, route) (rate(zamc_http_request_seconds_bucket[$__rate_interval])))",
            {"zamc_http_request_seconds_bucket"},
        ),
        ("sum(a_total) / sum(b_total offset 1h) > 1e6 and on (x) c", {"a_total", "b_total", "c"}),
        ("label_values(zamc_events_published_total, subject)", {"zamc_events_published_total"}),
        ("max(delta(zamc_dlq_messages[15m])) > 0", {"zamc_dlq_messages"}),
        ("up == 0 unless ignoring (instance) up offset 5m", {"up"}),
        ('{__name__="zamc_x"}', set()),
    ],
)
def test_metric_name_extraction(metric_refs, expr, names):
    assert metric_refs.metric_names(expr) == names


def test_an_unknown_metric_is_reported(metric_refs):
    catalog = metric_refs.load_catalog()
    refs = metric_refs.references(
        [
            ("rate(zamc_events_published_total[5m])", "ok"),
            ("histogram_quantile(0.9, rate(zamc_event_handler_seconds_bucket[5m]))", "ok histogram"),
            ("rate(zamc_events_publshed_total[5m])", "typo"),
            ("zamc_outbox_backlog_bucket", "not a histogram"),
        ]
    )
    assert [(ref.name, ref.where) for ref in metric_refs.unknown_references(refs, catalog)] == [
        ("zamc_events_publshed_total", "typo"),
        ("zamc_outbox_backlog_bucket", "not a histogram"),
    ]
