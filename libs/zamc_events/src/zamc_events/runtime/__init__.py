"""The one way ZAMC services publish and consume events.

- `outbox.enqueue` writes an event in the caller's transaction; `OutboxRelay` publishes it.
- `EventConsumer` runs handlers on durable pull consumers with an inbox row per event.
- `ServiceRuntime` wires settings, database, migrations, NATS, relay, consumers and HTTP.
"""
