"""Benchmark: authenticated `GET /api/v1/analytics/summary` against a bare FastAPI endpoint.

    python tests/perf/bench_gateway.py [--connections 200] [--duration 15] [--threads 2]

Starts nats-server and PostgreSQL on this machine, the gateway (`zamc-gateway`, one uvicorn
process, rate limiting on with limits too high to trigger) and a bare FastAPI app served by
uvicorn the same way (one process, same host, no access log). It signs a user up, seeds one
project with 4 platform campaigns and 30 days of hourly rollups (2,880 rows, projected by the
gateway's own rollup projection), then loads both endpoints with the same tool and settings, one
after the other, and prints req/s and p50/p95/p99 latency side by side, with the CPU time the server process spent per request (from
/proc, Linux; steadier than req/s when other work shares the machine). The load tool is `wrk` (Debian: `apt-get install wrk`) when
installed, else a built-in asyncio/httpx load generator (slower: it competes for the same 2
cores). Figures only; nothing is asserted. Every server is stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from zamc_cli.embedded import EmbeddedNats, EmbeddedPostgres, free_port
from zamc_events.contracts.metrics import RollupRow, RollupUpdated
from zamc_gateway.adapters import db, live_analytics

HERE = Path(__file__).resolve()
WRK_SCRIPT = """
done = function(summary, latency, requests)
  io.write(string.format("ZAMC requests=%d duration_us=%d non2xx=%d errors=%d p50_us=%d p95_us=%d p99_us=%d\\n",
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


def serve_bare(port: int) -> None:
    """The baseline: FastAPI + uvicorn with nothing but a JSON endpoint."""
    import uvicorn
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/bare")
    async def bare() -> dict[str, object]:
        return {"ok": True, "platforms": [], "overall": None}

    uvicorn.run(app, host="127.0.0.1", port=port, log_config=None, access_log=False, lifespan="off")


def start_process(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        args,
        env={**os.environ, **env},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop_process(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


async def wait_http(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient() as http:
        while True:
            try:
                if (await http.get(url)).status_code < 500:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} did not answer in {timeout} s")
            await asyncio.sleep(0.2)


async def seed(base: str, database_url: str) -> tuple[str, str]:
    """Sign up through the API; seed a project and its campaigns in the gateway's tables, and 30
    days of hourly rollups through the gateway's own rollup projection (as the events would)."""
    async with httpx.AsyncClient(base_url=base) as http:
        response = await http.post(
            "/api/v1/auth/signup",
            json={
                "email": f"bench-{uuid.uuid4().hex[:8]}@example.com",
                "password": "benchmark password",
                "organization_name": "Bench",
            },
        )
        response.raise_for_status()
        body = response.json()
    org_id, token = uuid.UUID(body["organization"]["id"]), body["access_token"]
    project_id = uuid.uuid4()
    engine = create_async_engine(database_url)
    sessions = async_sessionmaker(engine)
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    async with sessions() as session, session.begin():
        await session.execute(
            insert(db.projects).values(
                id=project_id, organization_id=org_id, name="Bench", business={"name": "Bench"}
            )
        )
        for index, platform in enumerate(("google_ads", "google_ads", "meta", "meta")):
            campaign = f"bench-{index}"
            await session.execute(
                insert(db.platform_campaigns).values(
                    id=uuid.uuid4(),
                    organization_id=org_id,
                    project_id=project_id,
                    deployment_id=uuid.uuid4(),
                    strategy_id=uuid.uuid4(),
                    platform=platform,
                    account_external_id="acc",
                    platform_campaign_id=campaign,
                    name=campaign,
                    status="ENABLED",
                    currency="EUR",
                )
            )
            rows = [
                RollupRow(
                    platform=platform,
                    account_external_id="acc",
                    campaign_id=campaign,
                    period_start=end - timedelta(hours=hour + 1),
                    granularity="hour",
                    currency="EUR",
                    impressions=1000 + hour,
                    clicks=40,
                    cost_micros=12_000_000,
                    conversions=2.0,
                    conversion_value_micros=50_000_000,
                    settled=hour > 72,
                )
                for hour in range(30 * 24)
            ]
            event = RollupUpdated(
                platform=platform,
                account_external_id="acc",
                campaign_id=campaign,
                window_start=end - timedelta(days=30),
                window_end=end,
                rows=rows,
                observed_at=end,
            )
            await live_analytics.project_rollup(session, data=event, tenant_id=org_id, occurred_at=end)
    await engine.dispose()
    return token, f"/api/v1/analytics/summary?project_id={project_id}"


def run_wrk(
    url: str, headers: dict[str, str], *, connections: int, threads: int, duration: int
) -> dict[str, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT)
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "10s",
        "-s",
        script.name,
    ]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    os.unlink(script.name)
    match = re.search(r"ZAMC (.*)", output)
    if match is None:
        raise RuntimeError(f"unexpected wrk output:\n{output}")
    raw = dict(item.split("=") for item in match.group(1).split())
    return {
        "rps": int(raw["requests"]) / (int(raw["duration_us"]) / 1e6),
        "p50": int(raw["p50_us"]) / 1000,
        "p95": int(raw["p95_us"]) / 1000,
        "p99": int(raw["p99_us"]) / 1000,
        "non2xx": int(raw["non2xx"]),
        "errors": int(raw["errors"]),
    }


async def run_python_load(
    url: str, headers: dict[str, str], *, connections: int, duration: int
) -> dict[str, float]:
    """Fallback when wrk is absent: `connections` keep-alive clients hammering `url` for `duration` s."""
    latencies: list[float] = []
    non2xx = errors = 0
    deadline = time.perf_counter() + duration
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(headers=headers, limits=limits, timeout=10) as http:

        async def worker() -> None:
            nonlocal non2xx, errors
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                try:
                    response = await http.get(url)
                except httpx.HTTPError:
                    errors += 1
                    continue
                latencies.append(time.perf_counter() - started)
                non2xx += not response.is_success

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - started
    cuts = statistics.quantiles(latencies, n=100)
    return {
        "rps": len(latencies) / elapsed,
        "p50": cuts[49] * 1000,
        "p95": cuts[94] * 1000,
        "p99": cuts[98] * 1000,
        "non2xx": non2xx,
        "errors": errors,
    }


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process (Linux), to report the server's CPU per request."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def measure(
    url: str, headers: dict[str, str], args: argparse.Namespace, *, server: subprocess.Popen
) -> dict[str, float]:
    async with httpx.AsyncClient(headers=headers) as http:  # warm up and check the answer
        for _ in range(50):
            response = await http.get(url)
            response.raise_for_status()
    before = cpu_seconds(server.pid)
    if shutil.which("wrk"):
        result = await asyncio.to_thread(
            run_wrk, url, headers, connections=args.connections, threads=args.threads, duration=args.duration
        )
    else:
        result = await run_python_load(url, headers, connections=args.connections, duration=args.duration)
    after = cpu_seconds(server.pid)
    requests = result["rps"] * args.duration
    if before is not None and after is not None and requests:
        # CPU the server process spent per request: steadier than req/s on a busy machine
        result["cpu_ms"] = (after - before) * 1000 / requests
    return result


async def run(args: argparse.Namespace) -> None:
    tool = "wrk" if shutil.which("wrk") else "built-in asyncio/httpx load (wrk not installed)"
    print(
        f"{args.connections} connections, {args.duration} s each, load tool: {tool}, {os.cpu_count()} cores"
    )
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        nats_server = EmbeddedNats(work / "nats", port=free_port()).start()
        postgres = EmbeddedPostgres(work / "pg", port=free_port()).start()
        processes: list[subprocess.Popen] = []
        try:
            gateway_port, bare_port = free_port(), free_port()
            gateway_env = {
                "ZAMC_NATS_URL": nats_server.url,
                "ZAMC_DATABASE_URL": postgres.url(),
                "ZAMC_ENVIRONMENT": "test",
                "ZAMC_LOG_LEVEL": "WARNING",
                "ZAMC_GATEWAY_HTTP_PORT": str(gateway_port),
                "ZAMC_GATEWAY_RATE_LIMIT_PER_PRINCIPAL": "1000000000",
                "ZAMC_GATEWAY_RATE_LIMIT_PER_IP": "1000000000",
                "ZAMC_GATEWAY_ARGON2_MEMORY_KIB": "1024",
                "ZAMC_GATEWAY_ARGON2_TIME_COST": "1",
                "ZAMC_GATEWAY_ARGON2_PARALLELISM": "1",
                "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            }
            gateway_bin = Path(sys.executable).with_name("zamc-gateway")
            processes.append(start_process([str(gateway_bin)], gateway_env, work / "gateway.log"))
            processes.append(
                start_process(
                    [sys.executable, str(HERE), "--serve-bare", str(bare_port)], {}, work / "bare.log"
                )
            )
            gateway = f"http://127.0.0.1:{gateway_port}"
            await wait_http(f"{gateway}/readyz")
            await wait_http(f"http://127.0.0.1:{bare_port}/bare")
            token, path = await seed(gateway, postgres.url())
            gateway_process, bare_process = processes
            auth = {"Authorization": f"Bearer {token}"}
            results = {
                "bare FastAPI GET /bare": await measure(
                    f"http://127.0.0.1:{bare_port}/bare", {}, args, server=bare_process
                ),
                "gateway GET /api/v1/me (auth only)": await measure(
                    f"{gateway}/api/v1/me", auth, args, server=gateway_process
                ),
                "gateway GET /api/v1/analytics/summary": await measure(
                    gateway + path, auth, args, server=gateway_process
                ),
            }
        finally:
            for process in processes:
                stop_process(process)
            nats_server.stop()
            postgres.stop()
    print(
        f"{'endpoint':<40} {'req/s':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'non-2xx':>8}"
        f" {'errors':>7} {'CPU ms/req':>11}"
    )
    for name, r in results.items():
        cpu = f"{r['cpu_ms']:>11.2f}" if "cpu_ms" in r else f"{'-':>11}"
        print(
            f"{name:<40} {r['rps']:>9,.0f} {r['p50']:>8.1f} {r['p95']:>8.1f} {r['p99']:>8.1f}"
            f" {r['non2xx']:>8} {r['errors']:>7} {cpu}"
        )
    bare, _, summary = results.values()
    print(
        f"summary / bare throughput: {summary['rps'] / bare['rps']:.0%} (target >= 50 %); "
        f"summary p95 {summary['p95']:.1f} ms (target < 50 ms)"
    )
    if "cpu_ms" in bare and "cpu_ms" in summary:
        print(
            f"server CPU per request, bare / summary: {bare['cpu_ms'] / summary['cpu_ms']:.0%} "
            "(the same ratio in CPU terms; PostgreSQL's CPU is not included)"
        )
    keys = {"bare FastAPI GET /bare": "bare", "gateway GET /api/v1/me (auth only)": "me"}
    print(json.dumps({"bench": "gateway", **{keys.get(k, "summary"): v for k, v in results.items()}}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=200)
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--serve-bare", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_bare:
        serve_bare(args.serve_bare)
    else:
        asyncio.run(run(args))


if __name__ == "__main__":
    main()
