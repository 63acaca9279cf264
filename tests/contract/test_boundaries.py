"""No service imports another service: they meet only through libs/zamc_events."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.contract
SERVICES = Path(__file__).resolve().parents[2] / "services"
SERVICE_PACKAGES = {
    path.name: f"zamc_{path.name.replace('-', '_')}"
    for path in SERVICES.iterdir()
    if (path / "pyproject.toml").exists()
}


def imported_modules(source: Path) -> set[str]:
    tree = ast.parse(source.read_text(), filename=str(source))
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
    return modules


def violations(service: str, services_root: Path = SERVICES) -> list[str]:
    own = SERVICE_PACKAGES[service]
    foreign = {package for package in SERVICE_PACKAGES.values() if package != own}
    found = []
    for source in (services_root / service).rglob("*.py"):
        for module in imported_modules(source):
            if module.split(".")[0] in foreign:
                found.append(f"{source.relative_to(services_root)} imports {module}")
    return found


def test_there_are_five_services():
    assert set(SERVICE_PACKAGES) == {
        "gateway",
        "orchestrator",
        "connector-google",
        "connector-meta",
        "analytics-ingest",
    }


@pytest.mark.parametrize("service", sorted(SERVICE_PACKAGES))
def test_a_service_imports_no_other_service(service):
    assert violations(service) == []


def test_the_checker_sees_a_cross_service_import(tmp_path):
    (tmp_path / "gateway").mkdir()
    (tmp_path / "gateway" / "leak.py").write_text("import json\nfrom zamc_orchestrator.domain import rules\n")
    assert violations("gateway", services_root=tmp_path) == [
        "gateway/leak.py imports zamc_orchestrator.domain"
    ]
