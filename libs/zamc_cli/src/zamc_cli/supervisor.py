"""Run processes, prefix their output, restart them with backoff when they crash, stop them cleanly."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

COLOURS = ("36", "35", "33", "32", "34", "31", "96", "95")


@dataclass
class ProcessSpec:
    name: str
    command: Sequence[str]
    env: dict[str, str] = field(default_factory=dict)


class SupervisedProcess:
    def __init__(self, spec: ProcessSpec, colour: str, *, max_backoff: float = 30.0) -> None:
        self.spec = spec
        self.colour = colour
        self.max_backoff = max_backoff
        self.process: asyncio.subprocess.Process | None = None
        self.restarts = 0
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"supervise:{self.spec.name}")

    async def _run(self) -> None:
        backoff = 1.0
        while not self._stopping:
            started = time.monotonic()
            self.process = await asyncio.create_subprocess_exec(
                *self.spec.command,
                env={**os.environ, **self.spec.env},
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C reaches us only; we stop children in order
            )
            await self._pipe_output(self.process)
            code = await self.process.wait()
            if self._stopping:
                return
            if time.monotonic() - started > 60:
                backoff = 1.0
            self.restarts += 1
            self.say(f"exited with code {code}; restarting in {backoff:.0f}s (restart #{self.restarts})")
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, self.max_backoff)

    async def _pipe_output(self, process: asyncio.subprocess.Process) -> None:
        assert process.stdout is not None
        while line := await process.stdout.readline():
            self.say(line.decode(errors="replace").rstrip())

    def say(self, text: str) -> None:
        prefix = f"{self.spec.name:>17} |"
        if sys.stdout.isatty():
            prefix = f"\033[{self.colour}m{prefix}\033[0m"
        print(f"{prefix} {text}", flush=True)

    async def stop(self, timeout: float = 20.0) -> None:
        self._stopping = True
        process = self.process
        if process and process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), timeout)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                await process.wait()
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


class Supervisor:
    def __init__(self, specs: Sequence[ProcessSpec]) -> None:
        self.children = [SupervisedProcess(spec, COLOURS[i % len(COLOURS)]) for i, spec in enumerate(specs)]

    def start(self) -> None:
        for child in self.children:
            child.start()

    def child(self, name: str) -> SupervisedProcess:
        return next(c for c in self.children if c.spec.name == name)

    async def stop(self) -> None:
        # Services first (they drain to NATS and PostgreSQL), then whatever they depend on.
        await asyncio.gather(*(child.stop() for child in reversed(self.children)))
