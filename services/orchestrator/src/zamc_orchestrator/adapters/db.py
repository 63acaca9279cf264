"""Tables of the `orchestrator` schema (created by migrations/versions/0002_strategies_deployments.py)."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, Text, Uuid, func
from sqlalchemy.dialects.postgresql import JSONB

SCHEMA = "orchestrator"
metadata = MetaData(schema=SCHEMA)

# One row per brief: the request, and the lease of the worker drafting its strategy.
strategy_generations = Table(
    "strategy_generations",
    metadata,
    Column("brief_id", Uuid, primary_key=True),
    Column("strategy_id", Uuid, nullable=False, unique=True),
    Column("project_id", Uuid, nullable=False),
    Column("tenant_id", Uuid),
    Column("correlation_id", Uuid, nullable=False),
    Column("request_event_id", Uuid, nullable=False),
    Column("brief", JSONB, nullable=False),
    Column("status", String(20), nullable=False),  # pending | running | done | failed
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("lease_token", Uuid),
    Column("lease_until", DateTime(timezone=True)),
    Column("error", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# Every version of every strategy; a version is immutable once written, except its approval.
strategy_versions = Table(
    "strategy_versions",
    metadata,
    Column("strategy_id", Uuid, primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("brief_id", Uuid, nullable=False),
    Column("project_id", Uuid, nullable=False),
    Column("tenant_id", Uuid),
    Column("generator", String(20), nullable=False),
    Column("model", String(200)),
    Column("source", String(20), nullable=False),  # generated | revised
    Column("document", JSONB, nullable=False),
    Column("revised_by", Uuid),
    Column("approved_by", Uuid),
    Column("approved_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# One row per deployment: the saga state (domain/saga.py) and the columns the timeout job queries.
deployments = Table(
    "deployments",
    metadata,
    Column("deployment_id", Uuid, primary_key=True),
    Column("strategy_id", Uuid, nullable=False),
    Column("version", Integer, nullable=False),
    Column("tenant_id", Uuid),
    Column("correlation_id", Uuid, nullable=False),
    Column("request_event_id", Uuid, nullable=False),
    # W3C trace context of the deploy request's handling: later steps of the saga continue its trace
    Column("trace_headers", JSONB),
    Column("policy", String(20), nullable=False),
    Column("phase", String(30), nullable=False),
    Column("status", String(30), nullable=False),
    Column("deadline_at", DateTime(timezone=True)),
    Column("state", JSONB, nullable=False),
    Column("completed_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
