"""Tables of the `connector_google` schema (SQLAlchemy Core) and the queries the service layer uses."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

SCHEMA = "connector_google"
metadata = MetaData(schema=SCHEMA)

# One OAuth grant (a Google login that authorised ZAMC). Tokens are Fernet ciphertext.
connections = Table(
    "connections",
    metadata,
    Column("connection_id", UUID(as_uuid=True), primary_key=True),
    Column("tenant_id", UUID(as_uuid=True), nullable=True),
    Column("status", String(32), nullable=False),  # active | reauthorization_required | removed | failed
    Column("token_ciphertext", LargeBinary, nullable=True),
    Column("access_expires_at", DateTime(timezone=True), nullable=True),
    Column("scopes", ARRAY(Text), nullable=False, server_default="{}"),
    Column("status_reason", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# Customers a connection reaches, and how to call each (login-customer-id).
accounts = Table(
    "accounts",
    metadata,
    Column("connection_id", UUID(as_uuid=True), primary_key=True),
    Column("customer_id", String(16), primary_key=True),
    Column("tenant_id", UUID(as_uuid=True), nullable=True),
    Column("name", Text, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("time_zone", Text, nullable=False),
    Column("login_customer_id", String(16), nullable=True),
    Column("active", Boolean, nullable=False, server_default="true"),
    Column("linked_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# Every object a deployment created: its idempotency key with its platform id.
platform_objects = Table(
    "platform_objects",
    metadata,
    Column("idempotency_key", Text, primary_key=True),
    Column("deployment_id", UUID(as_uuid=True), nullable=False, index=True),
    Column("customer_id", String(16), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("strategy_key", Text, nullable=False),
    Column("platform_id", Text, nullable=False),
    Column("parent_platform_id", Text, nullable=True),
    Column("resource_name", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# The answer given to each deployment, so a repeated command gets the same answer without calls.
deployments = Table(
    "deployments",
    metadata,
    Column("deployment_id", UUID(as_uuid=True), primary_key=True),
    Column("customer_id", String(16), nullable=False),
    Column("status", String(16), nullable=False),  # deployed | failed | rolled_back
    Column("answer_subject", Text, nullable=False),
    Column("answer", JSONB, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# Change commands applied (rollback, launch, budget, status), answered once per change_id.
changes = Table(
    "changes",
    metadata,
    Column("change_id", UUID(as_uuid=True), primary_key=True),
    Column("change", String(16), nullable=False),
    Column("customer_id", String(16), nullable=False),
    Column("answer_subject", Text, nullable=False),
    Column("answer", JSONB, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# What the metric sync last published per object-hour.
metric_fingerprints = Table(
    "metric_fingerprints",
    metadata,
    Column("customer_id", String(16), primary_key=True),
    Column("observation_key", Text, primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("reported_at", DateTime(timezone=True), nullable=False),
)

sync_state = Table(
    "sync_state",
    metadata,
    Column("customer_id", String(16), primary_key=True),
    Column("last_started_at", DateTime(timezone=True), nullable=True),
    Column("last_succeeded_at", DateTime(timezone=True), nullable=True),
    Column("last_error", Text, nullable=True),
    Column("consecutive_failures", Integer, nullable=False, server_default="0"),
)
