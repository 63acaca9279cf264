"""Named crash points for fault tests: "the process dies at this line".

A process started with `ZAMC_CRASH_AT=consumer.after_commit` (comma-separated names) kills
itself with SIGKILL the first time it reaches `crash_point("consumer.after_commit")`. With
`ZAMC_CRASH_ONCE_DIR` set, a marker file there makes each point fire only once across restarts.
In production the variable is unset and a crash point costs one set lookup.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

_ARMED = frozenset(filter(None, os.environ.get("ZAMC_CRASH_AT", "").split(",")))


def crash_point(name: str) -> None:
    if name not in _ARMED:
        return
    once_dir = os.environ.get("ZAMC_CRASH_ONCE_DIR")
    if once_dir:
        marker = Path(once_dir) / f"{name}.crashed"
        if marker.exists():
            return
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()
    os.kill(os.getpid(), signal.SIGKILL)
