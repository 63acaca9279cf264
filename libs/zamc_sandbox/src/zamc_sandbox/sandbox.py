"""`Sandbox`: both platform sandboxes, OAuth and admin, started in-process on free loopback ports.

Usage (a sync context manager; safe inside async tests too: servers run on their own threads)::

    from zamc_sandbox import Sandbox
    from zamc_sandbox.tls import trust_sandbox_certificate

    trust_sandbox_certificate()                  # before grpc is first used in the process
    with Sandbox.start(tmp_dir, seed=7) as sandbox:
        sandbox.google_endpoint                  # "127.0.0.1:PORT" for GoogleAdsClient(endpoint=...)
        sandbox.meta_graph_base_url              # "http://127.0.0.1:PORT" for FacebookSession.GRAPH
        tokens = sandbox.issue_google_tokens()   # access + refresh token valid on the simulated clock
        sandbox.market.step(days=1)              # deliver a simulated day

The gRPC server presents the certificate GRPC_DEFAULT_SSL_ROOTS_FILE_PATH points at (when its
key sits beside it, as `trust_sandbox_certificate` arranges); otherwise it creates one in `directory`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType

from fastapi import FastAPI

from zamc_sandbox.admin.app import admin_router
from zamc_sandbox.faults import FaultInjector, FaultKind
from zamc_sandbox.google.accounts import MANAGER_ID, SEEDED_CUSTOMERS
from zamc_sandbox.google.resources import enum_name
from zamc_sandbox.google.server import GoogleAdsServer, GoogleAdsServicer
from zamc_sandbox.google.store import GoogleAdsStore
from zamc_sandbox.http_server import BackgroundHttpServer
from zamc_sandbox.market import DEFAULT_START, Market, SimulatedClock
from zamc_sandbox.meta.accounts import SEEDED_AD_ACCOUNTS
from zamc_sandbox.meta.app import VERSION, create_graph_app
from zamc_sandbox.meta.store import GraphStore
from zamc_sandbox.meta.usage import UsageMeter
from zamc_sandbox.oauth.app import oauth_router
from zamc_sandbox.oauth.tokens import GoogleTokens, TokenStore
from zamc_sandbox.tls import ensure_certificate, trusted_certificate

LOOPBACK = "127.0.0.1"


@dataclass(frozen=True, slots=True)
class Ports:
    google: int = 0  # 0 = any free port
    graph: int = 0
    oauth: int = 0  # OAuth and admin share this one


class Sandbox:
    """Owns the market, the token store, the fault injector and the three servers."""

    def __init__(
        self,
        directory: Path,
        *,
        seed: int,
        host: str,
        ports: Ports,
        speed: float,
        start_time: datetime,
        meta_calls_per_hour: int,
    ) -> None:
        self.directory = directory
        self.certificate = trusted_certificate() or ensure_certificate(directory)
        self.market = Market(seed=seed, clock=SimulatedClock(start_time, speed=speed))
        self.tokens = TokenStore(self.market.clock)
        self.faults = FaultInjector()
        self.google = GoogleAdsStore(self.market)
        self.meta = GraphStore(self.market)
        self.meta_usage = UsageMeter(self.market.clock, calls_per_hour=meta_calls_per_hour)
        self._start_time = start_time
        self._servicer = GoogleAdsServicer(self.google, self.tokens, self.faults)
        self._google_server = GoogleAdsServer(
            self._servicer,
            host=host,
            port=ports.google,
            cert_pem=self.certificate.cert_pem(),
            key_pem=self.certificate.key_pem(),
        )
        graph_app = create_graph_app(
            store=self.meta, tokens=self.tokens, faults=self.faults, usage=self.meta_usage
        )
        self._graph_server = BackgroundHttpServer(
            graph_app, host=host, port=ports.graph, name="zamc-meta-graph"
        )
        oauth_app = FastAPI(title="ZAMC sandbox: OAuth and admin", docs_url=None, redoc_url=None)
        oauth_app.include_router(oauth_router(self.tokens))
        oauth_app.include_router(admin_router(self))
        self._oauth_server = BackgroundHttpServer(
            oauth_app, host=host, port=ports.oauth, name="zamc-oauth-admin"
        )
        self._running = False

    # ----- lifecycle ---------------------------------------------------------------------------
    @classmethod
    def start(
        cls,
        directory: Path | str,
        *,
        seed: int = 0,
        host: str = LOOPBACK,
        ports: Ports = Ports(),
        speed: float = 0.0,
        start_time: datetime = DEFAULT_START,
        meta_calls_per_hour: int = 300,
    ) -> Sandbox:
        """Starts every server (free ports by default) and returns the running sandbox."""
        sandbox = cls(
            Path(directory),
            seed=seed,
            host=host,
            ports=ports,
            speed=speed,
            start_time=start_time,
            meta_calls_per_hour=meta_calls_per_hour,
        )
        try:
            sandbox._google_server.start()
            sandbox._graph_server.start()
            sandbox._oauth_server.start()
        except BaseException:
            sandbox.stop()
            raise
        sandbox._running = True
        return sandbox

    def stop(self) -> None:
        """Stops every server and joins their threads. Idempotent."""
        try:
            self._google_server.stop()
        finally:
            try:
                self._graph_server.stop()
            finally:
                self._oauth_server.stop()
                self._running = False

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def reset(self, *, seed: int | None = None) -> None:
        """Forgets every created object, token use and fault; restarts the clock at the start time."""
        self.market.reset(seed=self.market.seed if seed is None else seed, start=self._start_time)
        self.google.reset()
        self.meta.reset()
        self.meta_usage.reset()
        self.faults.clear()

    # ----- where things are --------------------------------------------------------------------
    @property
    def google_endpoint(self) -> str:
        """ "host:port" of the Google Ads gRPC+TLS endpoint."""
        return self._google_server.address

    @property
    def certificate_path(self) -> Path:
        """The self-signed CA/server certificate; point GRPC_DEFAULT_SSL_ROOTS_FILE_PATH at it."""
        return self.certificate.cert_path

    @property
    def meta_graph_base_url(self) -> str:
        """Set FacebookSession.GRAPH to this; the SDK appends /v26.0/…"""
        return self._graph_server.base_url

    @property
    def oauth_base_url(self) -> str:
        return self._oauth_server.base_url

    @property
    def admin_base_url(self) -> str:
        return f"{self._oauth_server.base_url}/admin"

    @property
    def google_token_uri(self) -> str:
        return f"{self.oauth_base_url}/google/token"

    @property
    def google_login_customer_id(self) -> str:
        return MANAGER_ID

    @property
    def google_client_customer_ids(self) -> list[str]:
        return [c.customer_id for c in SEEDED_CUSTOMERS if not c.manager]

    @property
    def meta_ad_account_ids(self) -> list[str]:
        """Graph ids, "act_…"."""
        return [a.graph_id for a in SEEDED_AD_ACCOUNTS]

    def endpoints(self) -> dict[str, str]:
        return {
            "google_grpc": self.google_endpoint,
            "google_ca_cert": str(self.certificate_path),
            "google_oauth_authorize": f"{self.oauth_base_url}/google/auth",
            "google_oauth_token": self.google_token_uri,
            "meta_graph": f"{self.meta_graph_base_url}/{VERSION}",
            "meta_oauth_dialog": f"{self.oauth_base_url}/meta/{VERSION}/dialog/oauth",
            "admin": self.admin_base_url,
        }

    # ----- helpers for tests and tools ---------------------------------------------------------
    def issue_google_tokens(self, *, client_id: str = "sandbox-client") -> GoogleTokens:
        """An access token (1 simulated hour) and refresh token, as if the OAuth flow had run."""
        return self.tokens.issue_google_tokens(client_id=client_id)

    def issue_meta_token(self, *, long_lived: bool = True) -> str:
        return self.tokens.issue_meta_token(long_lived=long_lived).token

    def inject_fault(
        self,
        kind: FaultKind | str,
        *,
        times: int = 1,
        method: str | None = None,
        latency_seconds: float = 0.0,
    ) -> None:
        self.faults.inject(kind, times=times, method=method, latency_seconds=latency_seconds)

    def created_objects(self, *, detail: bool = False) -> dict[str, list[dict]]:
        """What ZAMC created on both platforms; with `detail`, every field (copy, budgets, targeting)."""
        from google.protobuf.json_format import MessageToDict

        google = []
        for name, message in self.google.all_resources().items():
            fields = message.DESCRIPTOR.fields_by_name
            entry = {
                "resource_name": name,
                "collection": name.split("/")[2],
                "name": getattr(message, "name", "") if "name" in fields else "",
                "status": enum_name(message, "status") if "status" in fields else "",
            }
            if detail:
                entry["fields"] = MessageToDict(message, preserving_proto_field_name=True)
            google.append(entry)
        meta = []
        for o in list(self.meta.objects.values()):
            entry = {
                "id": o["id"],
                "type": o["_type"],
                "account_id": o["account_id"],
                "name": o.get("name", ""),
                "status": o.get("status", ""),
            }
            if detail:
                entry["fields"] = {k: v for k, v in o.items() if not k.startswith("_")}
            meta.append(entry)
        return {"google": google, "meta": meta}
