"""Operating the sandbox: admin API, Python API lifecycle, the CLI, and the loopback-only guarantee."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from facebook_business.adobjects.adaccount import AdAccount
from facebook_business.exceptions import FacebookRequestError

from zamc_sandbox import FaultKind, Sandbox
from zamc_sandbox.netguard import NetworkEscape, loopback_only, non_loopback_peers
from zamc_sandbox.tls import ROOTS_ENV

from .google_helpers import CUSTOMER_ID, full_campaign


def test_admin_api(fresh: Sandbox, google_client) -> None:
    client = google_client()
    response = client.get_service("GoogleAdsService").mutate(
        customer_id=CUSTOMER_ID, mutate_operations=full_campaign(client)
    )
    campaign_id = response.mutate_operation_responses[1].campaign_result.resource_name.rsplit("/", 1)[1]
    with httpx.Client(base_url=fresh.admin_base_url) as admin:
        state = admin.get("/state").json()
        assert state["seed"] == 11 and state["endpoints"]["google_grpc"] == fresh.google_endpoint
        assert admin.post("/clock/step", json={"days": 2}).json()["now"].startswith("2026-11-03")
        truth = admin.get(
            f"/truth/{campaign_id}", params={"start": "2026-11-01T00:00:00Z", "end": "2026-11-03T00:00:00Z"}
        ).json()["totals"]
        assert truth["cost_micros"] > 0
        curve = admin.get(f"/curves/{campaign_id}").json()
        assert curve["max_daily_impressions"] > 0 and curve["currency"] == "EUR"
        objects = admin.get("/objects").json()
        assert len(objects["google"]) == 5 and objects["meta"] == []
        admin.post("/faults", json={"kind": "google.internal", "times": 2})
        assert [f["kind"] for f in admin.get("/faults").json()] == ["google.internal"]
        admin.delete("/faults")
        assert admin.post("/clock/speed", json={"speed": 0}).json() == {"speed": 0}
        token = admin.post("/tokens/meta").json()["access_token"]
        graph = httpx.get(f"{fresh.meta_graph_base_url}/v26.0/me/adaccounts", params={"access_token": token})
        assert graph.status_code == 200
        admin.post("/reset", json={"seed": 11})
        assert admin.get("/objects").json() == {"google": [], "meta": []}


def test_nothing_leaves_loopback(fresh: Sandbox, google_client, meta_api) -> None:
    with loopback_only() as attempts:
        client = google_client()
        client.get_service("GoogleAdsService").mutate(
            customer_id=CUSTOMER_ID, mutate_operations=full_campaign(client)
        )
        fresh.market.step(days=1)
        client = google_client()
        service = client.get_service("GoogleAdsService")
        list(service.search(customer_id=CUSTOMER_ID, query="SELECT metrics.clicks FROM campaign"))
        AdAccount("act_100000000000001").create_campaign(
            params={
                "name": "x",
                "objective": "OUTCOME_SALES",
                "special_ad_categories": [],
                "daily_budget": 1000,
            }
        )
        fresh.inject_fault(FaultKind.META_TRANSIENT)
        with pytest.raises(FacebookRequestError):  # an SDK error must not phone home (crash_log=False)
            AdAccount("act_100000000000001").api_get(fields=["name"])
        httpx.get(f"{fresh.oauth_base_url}/admin/state")
        assert non_loopback_peers() == set()  # includes grpc's C-core sockets
        assert attempts and all(a[0] in ("127.0.0.1", "localhost") for a in attempts if isinstance(a, tuple))
        with pytest.raises(NetworkEscape):  # the guard itself works
            httpx.get("http://93.184.216.34/")


def test_python_api_starts_and_stops_cleanly(tmp_path: Path) -> None:
    before = {t.name for t in threading.enumerate()}
    with Sandbox.start(tmp_path, seed=1) as sandbox:
        assert sandbox.certificate_path.exists()
        assert str(sandbox.certificate_path) == os.environ[ROOTS_ENV]
        assert httpx.get(f"{sandbox.admin_base_url}/state").status_code == 200
    leftover = {t.name for t in threading.enumerate() if t.is_alive()} - before
    assert not [n for n in leftover if n.startswith("zamc-")], leftover


def test_cli_serves_and_prints_endpoints(tmp_path: Path) -> None:
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "zamc_sandbox",
            "run",
            "--state-dir",
            str(tmp_path),
            "--google-port",
            "0",
            "--graph-port",
            "0",
            "--oauth-port",
            "0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        lines: dict[str, str] = {}
        deadline = time.monotonic() + 30
        while "admin" not in lines and time.monotonic() < deadline:
            line = process.stdout.readline() if process.stdout else ""
            if not line:
                break
            key, _, value = line.strip().partition(" ")
            lines[key] = value.strip()
        assert "admin" in lines, process.stderr.read() if process.stderr else ""
        assert httpx.get(f"{lines['admin']}/state").json()["seed"] == 0
        assert lines["google_ca_cert"].endswith(".pem")
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    assert process.returncode == 0
