"""deploy/k8s/zamc: renders (helm-python-sdk), lints, passes kubernetes-validate --strict, obeys its schema."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

helm_python = pytest.importorskip("helm_python")

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "deploy" / "k8s" / "zamc"
KUBERNETES_VERSION = "1.30.0"
SERVICES = {
    "gateway": 8000,
    "orchestrator": 8101,
    "connector-google": 8102,
    "connector-meta": 8103,
    "analytics-ingest": 8104,
}
PRODUCTION = yaml.safe_load((CHART / "values-production.yaml").read_text())


@pytest.fixture(scope="module")
def chart():
    with helm_python.Chart.load(CHART) as loaded:
        yield loaded


def render(chart, values: dict[str, Any] | None = None) -> dict[str, str]:
    return chart.render(values or {}, name="zamc", namespace="zamc")


def documents(rendered: dict[str, str]) -> list[dict[str, Any]]:
    return [
        doc
        for path, text in rendered.items()
        if path.endswith(".yaml")
        for doc in yaml.safe_load_all(text)
        if doc
    ]


def by_kind(docs: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for doc in docs if doc["kind"] == kind}


@pytest.fixture(scope="module")
def default_docs(chart):
    return documents(render(chart))


@pytest.fixture(scope="module")
def production_docs(chart):
    return documents(render(chart, PRODUCTION))


@pytest.mark.parametrize("values_name", ["default", "production"])
def test_chart_lints_clean(values_name):
    values = PRODUCTION if values_name == "production" else None
    report = helm_python.lint(CHART, values=values, strict=True, kube_version=f"v{KUBERNETES_VERSION}")
    problems = [message for message in report["messages"] if message["severity"] >= 2]
    assert not problems and not report["errors"], report


@pytest.mark.parametrize("values_name", ["default", "production", "everything-on"])
def test_rendered_manifests_pass_kubernetes_validate_strict(
    chart, kubernetes_validate, tmp_path, values_name
):
    values = {
        "default": {},
        "production": PRODUCTION,
        "everything-on": {
            **PRODUCTION,
            "migrations": {"initContainer": {"enabled": True, "args": ["migrate"]}},
            "image": {**PRODUCTION["image"], "pullSecrets": ["registry"]},
            "commonLabels": {"team": "marketing"},
            "commonAnnotations": {"owner": "ops"},
            "secrets": {"existingSecret": "", "values": {"ZAMC_DATABASE_URL": "postgresql+asyncpg://x"}},
            "podAntiAffinityPreset": "hard",
        },
    }[values_name]
    rendered = render(chart, values)
    files = []
    for path, text in rendered.items():
        if path.endswith(".yaml") and text.strip():
            target = tmp_path / path.replace("/", "__")
            target.write_text(text)
            files.append(str(target))
    assert len(files) >= 7
    result = subprocess.run(
        [kubernetes_validate, "--strict", "-k", KUBERNETES_VERSION, "--quiet", *files],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "bad_values",
    [
        {"services": {"gateway": {"port": "eight thousand"}}},
        {"config": {"environment": "staging"}},
        {"config": {"natsUrl": "http://nats:4222"}},
        {"services": {"orchestrator": {"autoscaling": {"enabled": True, "minReplicas": 0}}}},
        {"podAntiAffinityPreset": "sometimes"},
        {"ingress": {"pathType": "Anything"}},
        {"replicaCount": 3},  # a typo for services.<name>.replicaCount
        {"services": {"gateway": {"replicas": 3}}},
    ],
)
def test_values_breaking_the_schema_are_refused(chart, bad_values):
    with pytest.raises(helm_python.HelmValuesError):
        render(chart, bad_values)


def test_default_and_production_values_meet_the_schema(chart):
    chart.validate_schema(chart.values)
    chart.validate_schema(chart.merge_values(PRODUCTION))


def test_one_deployment_service_account_and_policy_per_service(default_docs):
    for kind in ("Deployment", "Service", "ServiceAccount", "NetworkPolicy", "PodDisruptionBudget"):
        assert set(by_kind(default_docs, kind)) == {f"zamc-{name}" for name in SERVICES}, kind
    services = by_kind(default_docs, "Service")
    for name, port in SERVICES.items():
        assert services[f"zamc-{name}"]["spec"]["ports"][0]["port"] == port


def test_pods_are_hardened_and_probed(production_docs):
    for name, deployment in by_kind(production_docs, "Deployment").items():
        pod = deployment["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["automountServiceAccountToken"] is False, name
        assert pod["serviceAccountName"] == name
        (container,) = pod["containers"]
        security = container["securityContext"]
        assert security["readOnlyRootFilesystem"] is True, name
        assert security["allowPrivilegeEscalation"] is False, name
        assert security["capabilities"]["drop"] == ["ALL"], name
        assert security["runAsUser"] != 0
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz", name
        assert container["startupProbe"]["httpGet"]["path"] == "/healthz", name
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz", name
        assert {m["mountPath"] for m in container["volumeMounts"]} == {"/tmp"}
        assert container["resources"]["requests"] and container["resources"]["limits"]["memory"]
        assert container["image"] == f"ghcr.io/zamc/{name}:0.1.0"


def test_service_env_names_its_port_host_and_only_its_own_secrets(production_docs):
    deployments = by_kind(production_docs, "Deployment")
    for service, port in SERVICES.items():
        (container,) = deployments[f"zamc-{service}"]["spec"]["template"]["spec"]["containers"]
        env = {item["name"]: item for item in container["env"]}
        prefix = "ZAMC_" + service.upper().replace("-", "_")
        assert env[f"{prefix}_HTTP_PORT"]["value"] == str(port)
        assert env[f"{prefix}_HTTP_HOST"]["value"] == "0.0.0.0"
        secret_refs = {k: v["valueFrom"]["secretKeyRef"] for k, v in env.items() if "valueFrom" in v}
        assert {ref["name"] for ref in secret_refs.values()} == {"zamc-secrets"}
        assert "ZAMC_DATABASE_URL" in secret_refs
        foreign = [
            k
            for k in secret_refs
            if k.startswith("ZAMC_") and not k.startswith((prefix, "ZAMC_DATABASE", "ZAMC_NATS"))
        ]
        assert not foreign, f"{service} reads another service's secrets: {foreign}"
        assert container["envFrom"] == [{"configMapRef": {"name": "zamc-config"}}]


def test_existing_secret_is_used_and_no_secret_is_rendered(production_docs, default_docs):
    assert not by_kind(production_docs, "Secret")
    assert set(by_kind(default_docs, "Secret")) == {"zamc-secrets"}


def test_checksum_annotation_restarts_pods_when_config_changes(chart):
    def checksums(values):
        deployments = by_kind(documents(render(chart, values)), "Deployment")
        return {n: d["spec"]["template"]["metadata"]["annotations"] for n, d in deployments.items()}

    before = checksums({})
    after = checksums({"config": {"logLevel": "DEBUG"}})
    secret_changed = checksums({"secrets": {"values": {"ZAMC_DATABASE_URL": "postgresql+asyncpg://other"}}})
    for name in before:
        assert re.fullmatch(r"[0-9a-f]{64}", before[name]["checksum/config"])
        assert before[name]["checksum/config"] != after[name]["checksum/config"]
        assert before[name]["checksum/secret"] != secret_changed[name]["checksum/secret"]
        assert before[name]["checksum/config"] == secret_changed[name]["checksum/config"]


def test_production_scales_and_exposes_the_gateway_with_tls(production_docs):
    hpas = by_kind(production_docs, "HorizontalPodAutoscaler")
    assert set(hpas) == {f"zamc-{name}" for name in SERVICES}
    for name, deployment in by_kind(production_docs, "Deployment").items():
        assert "replicas" not in deployment["spec"], f"{name}: the HPA owns replicas"
    (ingress,) = by_kind(production_docs, "Ingress").values()
    assert ingress["spec"]["tls"][0]["hosts"] == ["zamc.example.com"]
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend == {"name": "zamc-gateway", "port": {"name": "http"}}


def test_network_policies_limit_ingress_to_the_gateway_and_egress_to_dependencies(production_docs):
    policies = by_kind(production_docs, "NetworkPolicy")
    external = {"orchestrator", "connector-google", "connector-meta"}
    for service in SERVICES:
        spec = policies[f"zamc-{service}"]["spec"]
        assert spec["policyTypes"] == ["Ingress", "Egress"]
        assert spec["podSelector"]["matchLabels"]["app.kubernetes.io/component"] == service
        ingress_from = [peer for rule in spec["ingress"] for peer in rule.get("from", [])]
        namespaces = {
            p["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"] for p in ingress_from
        }
        assert namespaces == ({"ingress-nginx", "monitoring"} if service == "gateway" else {"monitoring"})
        assert all(rule.get("from") for rule in spec["ingress"]), "every ingress rule names its peers"
        egress_ports = {port["port"] for rule in spec["egress"] for port in rule["ports"]}
        assert {53, 4222, 5432, 4318} <= egress_ports
        internet = [
            rule
            for rule in spec["egress"]
            for peer in rule.get("to", [])
            if peer.get("ipBlock", {}).get("cidr") == "0.0.0.0/0"
        ]
        assert bool(internet) == (service in external), service
        if internet:
            assert "10.0.0.0/8" in internet[0]["to"][0]["ipBlock"]["except"]


def test_prometheus_operator_objects_carry_the_alert_rules(production_docs):
    (monitor,) = by_kind(production_docs, "ServiceMonitor").values()
    assert monitor["spec"]["endpoints"][0]["path"] == "/metrics"
    (rule,) = by_kind(production_docs, "PrometheusRule").values()
    alerts = yaml.safe_load((ROOT / "deploy" / "prometheus" / "alerts.yaml").read_text())
    assert rule["spec"]["groups"] == alerts["groups"]
    assert rule["metadata"]["labels"]["release"] == "kube-prometheus-stack"


def test_chart_alerts_file_is_the_prometheus_alerts_file():
    chart_copy = (CHART / "files" / "alerts.yaml").read_text()
    source = (ROOT / "deploy" / "prometheus" / "alerts.yaml").read_text()
    assert chart_copy == source, "cp deploy/prometheus/alerts.yaml deploy/k8s/zamc/files/alerts.yaml"


def test_migration_init_container_runs_the_services_migrate_command(chart):
    """The init container runs the image's entrypoint (`zamc-<service>`, no `command` override) with
    `migrate`, the runtime's command that applies the service's migrations and exits, in the service's
    own environment; without it there is no init container (the service migrates when it starts)."""
    from zamc_events.runtime.service import ServiceDefinition, command_line

    assert all(
        "initContainers" not in d["spec"]["template"]["spec"]
        for d in by_kind(documents(render(chart)), "Deployment").values()
    )
    docs = documents(render(chart, {"migrations": {"initContainer": {"enabled": True}}}))
    deployments = by_kind(docs, "Deployment")
    assert set(deployments) == {f"zamc-{name}" for name in SERVICES}
    for name, deployment in deployments.items():
        pod = deployment["spec"]["template"]["spec"]
        (init,) = pod["initContainers"]
        (container,) = pod["containers"]
        assert init["image"] == container["image"], name
        assert "command" not in init and init["args"] == ["migrate"], name
        assert init["env"] == container["env"] and init["envFrom"] == container["envFrom"], name
        assert init["securityContext"]["readOnlyRootFilesystem"] is True
        service = ServiceDefinition(name=name.removeprefix("zamc-"), schema="unused", migrations_dir=ROOT)
        assert command_line(service).parse_args(init["args"]).command == "migrate", name


def test_a_service_can_be_disabled(chart):
    docs = documents(render(chart, {"services": {"connector-meta": {"enabled": False}}}))
    assert "zamc-connector-meta" not in by_kind(docs, "Deployment")
    assert "zamc-connector-meta" not in by_kind(docs, "NetworkPolicy")


def _leaf_paths(node: Any, prefix: str = "") -> list[str]:
    if isinstance(node, dict) and node:
        return [p for key, value in node.items() for p in _leaf_paths(value, f"{prefix}{key}.")]
    return [prefix.rstrip(".")]


def test_every_value_is_documented_with_a_param():
    text = (CHART / "values.yaml").read_text()
    documented = set(re.findall(r"^\s*## @param (\S+)", text, re.M))
    leaves = _leaf_paths(yaml.safe_load(text))

    def covered(path: str) -> bool:
        parts = path.split(".")
        return any(".".join(parts[:i]) in documented for i in range(len(parts), 1, -1)) or path in documented

    undocumented = [path for path in leaves if not covered(path)]
    assert not undocumented, f"values without ## @param: {undocumented}"
    prefixes = {".".join(leaf.split(".")[:i]) for leaf in leaves for i in range(1, leaf.count(".") + 2)}
    stale = sorted(documented - prefixes)
    assert not stale, f"## @param for values that do not exist: {stale}"
