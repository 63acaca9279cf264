"""`zamc-dlq`: list and replay dead letters."""

from __future__ import annotations

import asyncio
import os

import nats
import typer

from zamc_events.runtime.dlq import list_dead_letters, replay_dead_letter

app = typer.Typer(help="Inspect and replay messages in the ZAMC_DLQ stream.", no_args_is_help=True)
NatsUrl = typer.Option(
    os.environ.get("ZAMC_NATS_URL", "nats://127.0.0.1:4222"), "--nats-url", help="NATS server"
)


@app.command("list")
def list_command(nats_url: str = NatsUrl, limit: int = typer.Option(50, min=1)) -> None:
    """Show dead letters: sequence, consumer, original subject and the failure reason."""

    async def run() -> None:
        nc = await nats.connect(nats_url)
        try:
            letters = await list_dead_letters(nc.jetstream(), limit=limit)
        finally:
            await nc.close()
        if not letters:
            typer.echo("no dead letters")
        for letter in letters:
            typer.echo(f"{letter.sequence}\t{letter.consumer}\t{letter.original_subject}\t{letter.reason}")

    asyncio.run(run())


@app.command()
def replay(sequence: int, nats_url: str = NatsUrl) -> None:
    """Publish dead letter SEQUENCE back to its original subject."""

    async def run() -> None:
        nc = await nats.connect(nats_url)
        try:
            letter = await replay_dead_letter(nc.jetstream(), sequence)
        finally:
            await nc.close()
        typer.echo(f"replayed {sequence} to {letter.original_subject}")

    asyncio.run(run())
