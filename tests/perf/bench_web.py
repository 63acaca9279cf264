"""Web console budget: initial JavaScript (gzip) and time to the first usable screen.

    .venv/bin/python tests/perf/bench_web.py                       # serves dist/ itself
    .venv/bin/python tests/perf/bench_web.py --url http://127.0.0.1:8000   # a running `make up`

Initial JavaScript is what `index.html` loads before the first screen (entry script and its module
preloads), gzip level 9 as a server would send it; route chunks load later. The first usable screen
is the sign-in form with its button enabled, measured in Debian's Chromium from navigation start,
cold cache, over several runs. Targets (issue 11): ≤ 250 KB gzip, < 2 s. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import gzip
import re
import socket
import statistics
import subprocess
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "services" / "gateway" / "web"
DIST = WEB / "dist"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def gz(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), compresslevel=9))


def initial_assets(dist: Path) -> tuple[list[Path], list[Path]]:
    html = (dist / "index.html").read_text()
    scripts = re.findall(r'<script[^>]+src="(/assets/[^"]+\.js)"', html)
    preloads = re.findall(r'<link[^>]+rel="modulepreload"[^>]+href="(/assets/[^"]+\.js)"', html)
    styles = re.findall(r'<link[^>]+rel="stylesheet"[^>]+href="(/assets/[^"]+\.css)"', html)
    js = [dist / p.lstrip("/") for p in dict.fromkeys(scripts + preloads)]
    return js, [dist / p.lstrip("/") for p in styles]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(dist: Path) -> tuple[str, object]:
    """The console served by `zamc_gateway.web` (as the gateway serves it) on a free port."""
    import uvicorn
    from fastapi import FastAPI

    from zamc_gateway.web import mount_web

    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    mount_web(app, dist=dist)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    return f"http://127.0.0.1:{port}", server


def first_usable(url: str, runs: int) -> list[float]:
    from playwright.sync_api import sync_playwright

    times = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, headless=True)
        try:
            for _ in range(runs):
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                page = context.new_page()
                page.goto(f"{url}/login", wait_until="commit")
                page.get_by_role("button", name="Sign in").wait_for(state="visible", timeout=30_000)
                page.wait_for_function(
                    "() => !document.querySelector('button[type=submit]').disabled", timeout=30_000
                )
                times.append(page.evaluate("() => performance.now()") / 1000)
                context.close()
        finally:
            browser.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running gateway that serves the console (default: serve dist/ here)")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--no-build", action="store_true", help="do not run build.sh first")
    args = parser.parse_args()

    if not args.no_build:
        subprocess.run(["bash", str(WEB / "build.sh")], check=True)
    js, css = initial_assets(DIST)
    initial_js = sum(gz(p) for p in js)
    chunks = sorted((p for p in (DIST / "assets").glob("*.js") if p not in js), key=gz, reverse=True)
    print("web console bundle (gzip -9)")
    for p in js:
        print(f"  initial  {p.name:<40} {gz(p) / 1024:7.1f} KB")
    for p in css:
        print(f"  css      {p.name:<40} {gz(p) / 1024:7.1f} KB")
    for p in chunks[:5]:
        print(f"  route    {p.name:<40} {gz(p) / 1024:7.1f} KB")
    print(f"initial JavaScript: {initial_js / 1024:.1f} KB gzip (budget 250 KB)")
    print(f"largest route chunk: {gz(chunks[0]) / 1024:.1f} KB gzip; {len(chunks)} lazy chunks in all")

    server = None
    url = args.url
    if not url:
        url, server = serve(DIST)
    try:
        times = first_usable(url.rstrip("/"), args.runs)
    finally:
        if server is not None:
            server.should_exit = True
    print(
        f"first usable screen (sign-in form, cold cache, {len(times)} runs): "
        f"median {statistics.median(times) * 1000:.0f} ms, best {min(times) * 1000:.0f} ms, "
        f"worst {max(times) * 1000:.0f} ms (budget 2000 ms) at {url}"
    )


if __name__ == "__main__":
    main()
