"""Committed artefacts kept current: the exported OpenAPI document, and migration 0002 = adapters.db."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

from zamc_events.runtime.service import ServiceRuntime
from zamc_gateway.adapters.db import metadata
from zamc_gateway.app import create_app
from zamc_gateway.config import Settings
from zamc_gateway.main import definition

OPENAPI = Path(__file__).parents[1] / "openapi.json"


def render_openapi() -> str:
    app = create_app(ServiceRuntime(definition, Settings(ZAMC_ENVIRONMENT="test")))
    return json.dumps(app.openapi(), indent=2, ensure_ascii=False) + "\n"


@pytest.mark.unit
def test_the_exported_openapi_document_is_current():
    """Regenerate with `ZAMC_UPDATE_OPENAPI=1 pytest services/gateway/tests/test_core_schema.py`."""
    current = render_openapi()
    if os.environ.get("ZAMC_UPDATE_OPENAPI") == "1":
        OPENAPI.write_text(current)
    assert OPENAPI.exists(), "services/gateway/openapi.json is missing: run with ZAMC_UPDATE_OPENAPI=1"
    assert json.loads(OPENAPI.read_text()) == json.loads(current), (
        "services/gateway/openapi.json is stale: run with ZAMC_UPDATE_OPENAPI=1"
    )


@pytest.mark.unit
def test_the_contract_paths_are_in_the_openapi_document():
    paths = json.loads(render_openapi())["paths"]
    for path, method in [
        ("/api/v1/auth/signup", "post"),
        ("/api/v1/auth/login", "post"),
        ("/api/v1/auth/refresh", "post"),
        ("/api/v1/auth/logout", "post"),
        ("/api/v1/me", "get"),
        ("/api/v1/organizations/{org_id}/members", "post"),
        ("/api/v1/api-keys/{key_id}", "delete"),
        ("/api/v1/platform-connections", "post"),
        ("/api/v1/oauth/{platform}/callback", "get"),
        ("/api/v1/projects/{project_id}", "patch"),
        ("/api/v1/projects/{project_id}/briefs", "post"),
        ("/api/v1/briefs/{brief_id}", "get"),
        ("/api/v1/strategies/{strategy_id}", "patch"),
        ("/api/v1/strategies/{strategy_id}/approve", "post"),
        ("/api/v1/strategies/{strategy_id}/deployments", "post"),
        ("/api/v1/deployments/{deployment_id}", "get"),
        ("/api/v1/campaigns", "get"),
        ("/api/v1/campaigns/{campaign_id}/pause", "post"),
        ("/api/v1/campaigns/{campaign_id}/resume", "post"),
        ("/api/v1/campaigns/{campaign_id}", "patch"),
    ]:
        assert method in paths[path], (path, method)
        responses = paths[path][method]["responses"]
        assert responses["422"]["content"].keys() == {"application/problem+json"}


@pytest.mark.service
async def test_migration_0002_creates_exactly_the_tables_the_code_uses(gateway, gateway_settings):
    engine = create_async_engine(gateway_settings.database_url.get_secret_value())
    mine = {table.name for table in metadata.tables.values()}

    def include_object(obj, name, type_, reflected, compare_to):
        if type_ == "table":
            return name in mine
        table = getattr(obj, "table", None)
        return table is None or table.name in mine

    def diff(connection):
        context = MigrationContext.configure(
            connection, opts={"include_schemas": True, "include_object": include_object, "compare_type": True}
        )
        return compare_metadata(context, metadata)

    try:
        async with engine.connect() as connection:
            differences = await connection.run_sync(diff)
    finally:
        await engine.dispose()
    assert differences == []
