"""The shape every service runs in: migrations, NATS, outbox relay, consumers, HTTP, drain.

Every service's console script is `run_service`: `zamc-<service>` (or `zamc-<service> serve`) runs the
service; `zamc-<service> migrate` applies its migrations and exits (a Kubernetes init container).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import signal
import sys
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import nats
import nats.js
import structlog
import uvicorn
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from zamc_events.runtime import metrics
from zamc_events.runtime.consumer import AnyHandler, ConsumerOptions, EventConsumer
from zamc_events.runtime.db import create_engine, session_factory
from zamc_events.runtime.dlq import count_dead_letters
from zamc_events.runtime.health import router as health_router
from zamc_events.runtime.migrations import is_at_head, upgrade_to_head
from zamc_events.runtime.outbox import OutboxRelay, Publisher
from zamc_events.runtime.settings import ServiceSettings
from zamc_events.runtime.streams import provision_streams
from zamc_events.runtime.telemetry import FASTAPI_TELEMETRY, configure_logging, configure_tracing

log = structlog.get_logger("zamc.service")

BackgroundJob = Callable[["ServiceRuntime"], Awaitable[None]]


@dataclass
class ServiceDefinition:
    name: str
    schema: str
    migrations_dir: Path
    handlers: Callable[[ServiceRuntime], Mapping[str, AnyHandler]] = lambda runtime: {}
    http_app: Callable[[ServiceRuntime], FastAPI] | None = None
    background: list[BackgroundJob] = field(default_factory=list)


class ServiceRuntime:
    def __init__(self, definition: ServiceDefinition, settings: ServiceSettings) -> None:
        self.definition = definition
        self.settings = settings
        self.name = definition.name
        self.publisher = Publisher(schema=definition.schema, producer=definition.name)
        self.engine: AsyncEngine | None = None
        self.sessions: async_sessionmaker[AsyncSession] | None = None
        self.nc: nats.NATS | None = None
        self.js: nats.js.JetStreamContext | None = None
        self.relay: OutboxRelay | None = None
        self.consumer: EventConsumer | None = None
        self._tasks: list[asyncio.Task[Any]] = []
        self._migrated = False

    # start and stop ---------------------------------------------------------------------
    async def start(self) -> None:
        settings = self.settings
        configure_logging(service=self.name, level=settings.log_level, json=settings.log_json)
        configure_tracing(service=self.name, otlp_endpoint=settings.otlp_endpoint)
        database_url = settings.database_url.get_secret_value()
        await asyncio.to_thread(apply_migrations, self.definition, settings)
        self._migrated = True
        self.engine = create_engine(database_url, application_name=f"zamc-{self.name}")
        self.sessions = session_factory(self.engine)
        self.nc = await nats.connect(
            settings.nats_url, name=f"zamc-{self.name}", max_reconnect_attempts=-1, reconnect_time_wait=0.5
        )
        self.js = self.nc.jetstream()
        await provision_streams(self.js, replicas=settings.stream_replicas)
        self.relay = OutboxRelay(
            engine=self.engine,
            js=self.js,
            publisher=self.publisher,
            service=self.name,
            batch_size=settings.outbox_batch_size,
            poll_seconds=settings.outbox_poll_seconds,
            replay_window=timedelta(hours=settings.outbox_replay_window_hours),
        )
        self._spawn(self.relay.run(), "outbox-relay")
        handlers = self.definition.handlers(self)
        if handlers:
            self.consumer = EventConsumer(
                name=self.name,
                engine=self.engine,
                js=self.js,
                publisher=self.publisher,
                handlers=handlers,
                options=ConsumerOptions(
                    batch_size=settings.consumer_batch_size,
                    max_deliver=settings.consumer_max_deliver,
                    ack_wait_seconds=settings.consumer_ack_wait_seconds,
                    backoff_seconds=tuple(settings.consumer_backoff_seconds),
                ),
            )
            await self.consumer.start()
        for job in self.definition.background:
            self._spawn(job(self), getattr(job, "__name__", "job"))
        self._spawn(self._record_gauges(), "gauges")
        log.info(
            "service started", http=f"{settings.http_host}:{settings.http_port}", handlers=sorted(handlers)
        )

    async def stop(self) -> None:
        """Stop fetching, finish in-flight handlers, publish what is committed, drain NATS."""
        if self.consumer:
            await self.consumer.stop()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.relay:
            with contextlib.suppress(Exception):
                await self.relay.drain(timeout=5)
        if self.nc and not self.nc.is_closed:
            with contextlib.suppress(Exception):
                await self.nc.drain()
        if self.engine:
            await self.engine.dispose()
        log.info("service stopped")

    def _spawn(self, coroutine: Awaitable[Any], name: str) -> None:
        self._tasks.append(asyncio.ensure_future(coroutine))
        self._tasks[-1].set_name(name)

    # health --------------------------------------------------------------------------------
    async def readiness(self) -> dict[str, bool]:
        checks = {"nats": bool(self.nc and self.nc.is_connected), "database": False, "migrations": False}
        if self.engine is not None:
            try:
                async with self.engine.connect() as connection:
                    await connection.execute(text("SELECT 1"))
                checks["database"] = True
                checks["migrations"] = self._migrated and await is_at_head(
                    self.engine, migrations_dir=self.definition.migrations_dir, schema=self.definition.schema
                )
            except Exception:
                log.warning("readiness check failed", exc_info=True)
        return checks

    async def _record_gauges(self) -> None:
        while True:
            with contextlib.suppress(Exception):
                if self.relay:
                    await self.relay.record_backlog()
                if self.consumer:
                    await self.consumer.record_lag()
                if self.js:
                    metrics.DLQ_MESSAGES.set(await count_dead_letters(self.js))
            await asyncio.sleep(15)

    # HTTP ------------------------------------------------------------------------------------
    def build_http_app(self) -> FastAPI:
        app = (
            self.definition.http_app(self)
            if self.definition.http_app
            else FastAPI(title=f"zamc-{self.name}", telemetry=FASTAPI_TELEMETRY)
        )
        app.state.runtime = self
        app.include_router(health_router)
        return app

    async def serve(self) -> None:
        """Run until SIGTERM/SIGINT, then stop fetching, finish in-flight work and drain."""
        app = self.build_http_app()
        server = _Server(
            uvicorn.Config(
                app,
                host=self.settings.http_host,
                port=self.settings.http_port,
                log_config=None,
                access_log=False,
                lifespan="off",
                timeout_graceful_shutdown=5,
            )
        )
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, server.request_exit)
        await self.start()
        freeze_heap()
        try:
            await server.serve()
        finally:
            await self.stop()


def freeze_heap() -> None:
    """Move every object alive now (libraries, app, connections: ~150,000 objects) to the garbage
    collector's permanent generation, once a service process has started. Full collections then
    no longer walk them; otherwise each one stalled the event loop for tens of milliseconds,
    several times a minute under load. Only for a process that starts one runtime (`serve`):
    frozen objects are never collected, so a test process starting many runtimes would keep them.
    """
    gc.collect()
    gc.freeze()


class _Server(uvicorn.Server):
    """uvicorn without its own signal capture: it would re-raise SIGTERM before we drain."""

    @contextlib.contextmanager
    def capture_signals(self):
        yield

    def request_exit(self) -> None:
        self.should_exit = True


def apply_migrations(definition: ServiceDefinition, settings: ServiceSettings) -> None:
    """The service's pending migrations, applied to its schema (under an advisory lock per schema)."""
    upgrade_to_head(
        migrations_dir=definition.migrations_dir,
        database_url=settings.database_url.get_secret_value(),
        schema=definition.schema,
    )


def migrate(definition: ServiceDefinition, settings: ServiceSettings) -> None:
    """`zamc-<service> migrate`: the step `ServiceRuntime.start` begins with, alone; no NATS, no
    HTTP. A service started afterwards finds its schema at head."""
    configure_logging(service=definition.name, level=settings.log_level, json=settings.log_json)
    apply_migrations(definition, settings)
    log.info("migrations applied", schema=definition.schema)


def command_line(definition: ServiceDefinition) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=f"zamc-{definition.name}",
        description=f"ZAMC {definition.name}; configured by environment variables (see deploy/README.md).",
    )
    parser.add_argument(
        "command",
        nargs="?",
        default="serve",
        choices=("serve", "migrate"),
        help="serve (the default): migrate, then run until SIGTERM; "
        "migrate: apply this service's database migrations and exit",
    )
    return parser


def run_service(
    definition: ServiceDefinition, settings: ServiceSettings, argv: Sequence[str] | None = None
) -> None:
    """The console script `zamc-<service> [serve|migrate]` (arguments from `sys.argv` by default)."""
    command = command_line(definition).parse_args(sys.argv[1:] if argv is None else argv).command
    if command == "migrate":
        migrate(definition, settings)
        return
    asyncio.run(ServiceRuntime(definition, settings).serve())
