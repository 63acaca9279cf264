"""Every metric in deploy/metrics.yaml is exported by the running service that owns it, and back.

Dashboards and alert rules may only name catalogued metrics (tests/ops/test_metrics_catalog.py);
this test closes the loop: it starts the platform as `zamc up` does, scrapes each service's
/metrics and compares. A metric counts as exported when its `# TYPE` line is there, so labelled
metrics that have no samples yet (no deployment has failed, no LLM was called) still count.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from zamc_cli.platform import LocalPlatform
from zamc_cli.wiring import SERVICES

pytestmark = pytest.mark.e2e

METRIC_REFS = Path(__file__).resolve().parents[1] / "ops" / "metric_refs.py"


def _metric_refs() -> ModuleType:
    """tests/ops/metric_refs.py (not on sys.path; the same module object tests/ops uses)."""
    name = "zamc_ops_metric_refs"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, METRIC_REFS)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def owners(entry: dict[str, Any]) -> set[str]:
    service = entry["service"]
    if service == "all":
        return set(SERVICES)
    return set(service) if isinstance(service, list) else {service}


def exported_metrics(text: str) -> dict[str, tuple[str, set[str]]]:
    """zamc_* metrics in an exposition: catalog-style name -> (type, label names seen on samples).

    The parser names counter families without `_total` and histogram families without their
    series suffixes; the catalog names counters with `_total`, so that suffix is put back.
    `<name>_created` families (the creation time prometheus-client adds to counters and
    histograms) are not metrics of their own and are left out.
    """
    families = [f for f in text_string_to_metric_families(text) if f.name.startswith("zamc_")]
    with_created = {f.name for f in families if f.type in ("counter", "histogram")}
    found: dict[str, tuple[str, set[str]]] = {}
    for family in families:
        if family.name.endswith("_created") and family.name.removesuffix("_created") in with_created:
            continue
        name = f"{family.name}_total" if family.type == "counter" else family.name
        labels = {label for sample in family.samples for label in sample.labels} - {"le"}
        found[name] = (family.type, labels)
    return found


async def scrape(platform: LocalPlatform) -> dict[str, dict[str, tuple[str, set[str]]]]:
    scraped = {}
    async with httpx.AsyncClient(timeout=5.0) as client:
        for service in SERVICES:
            port = platform.options.ports.of_service(service)
            response = await client.get(f"http://127.0.0.1:{port}/metrics")
            assert response.status_code == 200, f"{service}: GET /metrics → {response.status_code}"
            scraped[service] = exported_metrics(response.text)
    return scraped


def test_exposition_parsing_keeps_metrics_without_samples():
    text = (
        "# HELP zamc_a_total x\n# TYPE zamc_a_total counter\n"
        '# HELP zamc_b_total x\n# TYPE zamc_b_total counter\nzamc_b_total{k="v"} 1.0\n'
        '# HELP zamc_b_created x\n# TYPE zamc_b_created gauge\nzamc_b_created{k="v"} 1.7e9\n'
        "# HELP zamc_h x\n# TYPE zamc_h histogram\n"
        "# HELP zamc_g x\n# TYPE zamc_g gauge\nzamc_g 3.0\n"
        "# HELP python_info x\n# TYPE python_info gauge\npython_info 1.0\n"
    )
    assert exported_metrics(text) == {
        "zamc_a_total": ("counter", set()),
        "zamc_b_total": ("counter", {"k"}),
        "zamc_h": ("histogram", set()),
        "zamc_g": ("gauge", set()),
    }


async def test_every_catalogued_metric_is_exported_by_its_services(platform: LocalPlatform):
    refs = _metric_refs()
    catalog = refs.load_catalog()
    scraped = await scrape(platform)

    problems = []
    for name, entry in sorted(catalog.items()):
        for service in sorted(owners(entry)):
            exported = scraped[service].get(name)
            if exported is None:
                problems.append(f"{service} does not export {name} (catalogued as {entry['type']})")
                continue
            kind, labels = exported
            if kind != entry["type"]:
                problems.append(f"{service} exports {name} as a {kind}, catalogued as {entry['type']}")
            if labels and labels != set(entry["labels"]):
                problems.append(
                    f"{service} exports {name} with labels {sorted(labels)}, catalogued {entry['labels']}"
                )
    for service, metrics in sorted(scraped.items()):
        for name in sorted(metrics):
            entry = catalog.get(name)
            if entry is None:
                problems.append(f"{service} exports {name}, which deploy/metrics.yaml does not list")
            elif service not in owners(entry):
                problems.append(f"{service} exports {name}, catalogued for {entry['service']} only")
    assert not problems, "\n".join(problems)

    # every metric a dashboard or alert names is therefore exported by some running service
    referenced = {refs.catalog_name(ref.name, catalog) for ref in refs.referenced_metrics()}
    exported_anywhere = {name for metrics in scraped.values() for name in metrics}
    assert referenced and referenced <= exported_anywhere, sorted(referenced - exported_anywhere)
