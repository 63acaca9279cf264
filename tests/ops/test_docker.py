"""The shared service Dockerfile: checked by parsing it (no Docker engine here)."""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCKER = ROOT / "deploy" / "docker"
SERVICES = ["gateway", "orchestrator", "connector-google", "connector-meta", "analytics-ingest"]


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    lines, current = [], ""
    for raw in (DOCKER / "Dockerfile").read_text().splitlines():
        stripped = raw.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        lines.append(current + stripped)
        current = ""
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "") for line in lines]


def stages() -> list[list[tuple[str, str]]]:
    result: list[list[tuple[str, str]]] = []
    for instruction in instructions():
        if instruction[0] == "FROM":
            result.append([])
        if result:
            result[-1].append(instruction)
    return result


def test_multi_stage_with_service_build_arg():
    all_stages = stages()
    assert len(all_stages) >= 2, "expected a build stage and a runtime stage"
    froms = [stage[0][1] for stage in all_stages]
    assert any(" AS build" in f for f in froms) and " AS runtime" in froms[-1]
    runtime = all_stages[-1]
    assert ("ARG", "SERVICE") in runtime
    assert any(kind == "RUN" and "uv sync" in args and "--frozen" in args for kind, args in instructions())
    assert any(
        kind == "RUN" and "--no-dev" in args and "--no-editable" in args for kind, args in instructions()
    )


def test_runtime_runs_as_a_numeric_non_root_user():
    runtime = stages()[-1]
    users = [args for kind, args in runtime if kind == "USER"]
    assert users, "runtime stage has no USER"
    user = users[-1].split(":")[0]
    assert user.isdigit() and int(user) != 0, f"USER must be numeric and non-root, got {users[-1]}"
    # nothing after USER switches back to root
    after = runtime[[kind for kind, _ in runtime].index("USER") :]
    assert not any(kind == "USER" and args.split(":")[0] in {"0", "root"} for kind, args in after)


def test_healthcheck_probes_healthz():
    runtime = stages()[-1]
    checks = [args for kind, args in runtime if kind == "HEALTHCHECK"]
    assert checks and "CMD" in checks[-1]
    assert "healthcheck.py" in checks[-1]
    script = (DOCKER / "healthcheck.py").read_text()
    assert "/healthz" in script
    # the script's default ports are the services' ports
    for service, port in {
        "gateway": 8000,
        "orchestrator": 8101,
        "connector-google": 8102,
        "connector-meta": 8103,
        "analytics-ingest": 8104,
    }.items():
        assert re.search(rf'"{service}": {port}\b', script), service


def test_entrypoint_is_exec_form_and_read_only_friendly():
    runtime = stages()[-1]
    entrypoints = [args for kind, args in runtime if kind == "ENTRYPOINT"]
    assert entrypoints and entrypoints[-1].startswith("["), "exec form, so SIGTERM reaches the service"
    env = " ".join(args for kind, args in runtime if kind == "ENV")
    assert "PYTHONDONTWRITEBYTECODE=1" in env and "HOME=/tmp" in env
    assert any("UV_COMPILE_BYTECODE=1" in args for kind, args in instructions() if kind == "ENV")


def test_every_workspace_member_manifest_is_copied_for_the_dependency_layer():
    workspace = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["uv"]["workspace"]["members"]
    members = sorted(
        {p.parent.relative_to(ROOT).as_posix() for g in workspace for p in ROOT.glob(f"{g}/pyproject.toml")}
    )
    copied = {
        shlex.split(args)[0].rsplit("/pyproject.toml", 1)[0]
        for kind, args in instructions()
        if kind == "COPY" and "/pyproject.toml" in args
    }
    assert set(members) <= copied, f"add to the Dockerfile: {sorted(set(members) - copied)}"


def test_every_service_is_a_workspace_package_with_its_console_script():
    for service in SERVICES:
        project = tomllib.loads((ROOT / "services" / service / "pyproject.toml").read_text())["project"]
        assert project["name"] == f"zamc-{service}"
        assert f"zamc-{service}" in project.get("scripts", {}), f"zamc-{service} console script"


def test_dockerignore_keeps_secrets_and_tests_out():
    ignore = (DOCKER / "Dockerfile.dockerignore").read_text().splitlines()
    assert ignore[ignore.index("**") + 1 :], "allow-list after excluding everything"
    for pattern in ("**/.env", "**/tests/", "**/.venv/", "**/*.pem"):
        assert pattern in ignore, pattern
