"""`zamc up` starts NATS, PostgreSQL, the sandboxes and five services; Ctrl-C leaves nothing behind."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest

from zamc_cli.embedded import free_port

pytestmark = pytest.mark.e2e
SERVICES = ("GATEWAY", "ORCHESTRATOR", "CONNECTOR_GOOGLE", "CONNECTOR_META", "ANALYTICS_INGEST")
OTHERS = ("NATS", "POSTGRES", "SANDBOX_GOOGLE", "SANDBOX_GRAPH", "SANDBOX_OAUTH")


def _zamc_up(data_dir: Path, ports: dict[str, int], log: Path) -> subprocess.Popen:
    env = {**os.environ, **{f"ZAMC_UP_{name}_PORT": str(port) for name, port in ports.items()}}
    env.pop("ZAMC_NATS_URL", None)
    env.pop("ZAMC_DATABASE_URL", None)
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "zamc"), "up", "--data-dir", str(data_dir)],
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )


def _descendants_using(data_dir: Path) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["cmdline", "environ"]):
        try:
            text = " ".join(process.info["cmdline"] or [])
        except (psutil.Error, TypeError):
            continue
        if str(data_dir) in text:
            found.append(process)
    return found


def test_zamc_up_serves_every_service_and_ctrl_c_stops_everything(tmp_path: Path):
    ports = {name: free_port() for name in SERVICES + OTHERS}
    log = tmp_path / "up.log"
    up = _zamc_up(tmp_path / "data", ports, log)
    try:
        deadline = time.monotonic() + 120
        ready: set[str] = set()
        while ready != set(SERVICES) and time.monotonic() < deadline:
            assert up.poll() is None, log.read_text()
            for name in set(SERVICES) - ready:
                try:
                    if httpx.get(f"http://127.0.0.1:{ports[name]}/readyz", timeout=1).status_code == 200:
                        ready.add(name)
                except httpx.HTTPError:
                    pass
            time.sleep(0.3)
        assert ready == set(SERVICES), log.read_text()[-3000:]
        metrics = httpx.get(f"http://127.0.0.1:{ports['GATEWAY']}/metrics", timeout=2).text
        assert "zamc_outbox_backlog" in metrics
    finally:
        up.send_signal(signal.SIGINT)
        code = up.wait(60)
    assert code == 0, log.read_text()[-3000:]
    assert "stopped." in log.read_text()
    assert _descendants_using(tmp_path / "data") == []
    for name, port in ports.items():
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", port)) != 0, f"{name} still listens on {port}"


def test_a_port_in_use_is_a_clear_error(tmp_path: Path):
    ports = {name: free_port() for name in SERVICES + OTHERS}
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", ports["GATEWAY"]))
        holder.listen()
        log = tmp_path / "up.log"
        up = _zamc_up(tmp_path / "data", ports, log)
        assert up.wait(60) == 2
    assert (
        f"port {ports['GATEWAY']} on 127.0.0.1 is already in use, so gateway cannot listen there"
        in log.read_text()
    )
