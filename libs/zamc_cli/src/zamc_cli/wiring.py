"""Environment each service process gets from `zamc up`: shared servers, its port, the sandboxes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

SERVICES = ("gateway", "orchestrator", "connector-google", "connector-meta", "analytics-ingest")
GRAPH_VERSION = "v26.0"
# grpc reads its TLS roots from this variable once per process; a value inherited from a parent
# (e.g. a test process that trusts another sandbox) must not win over this platform's sandbox.
ROOTS_ENV = "GRPC_DEFAULT_SSL_ROOTS_FILE_PATH"


@dataclass(frozen=True)
class SandboxEndpoints:
    state_dir: Path
    google_endpoint: str
    graph_url: str
    oauth_url: str

    @classmethod
    def on_loopback(
        cls, *, state_dir: Path, google_port: int, graph_port: int, oauth_port: int
    ) -> SandboxEndpoints:
        return cls(
            state_dir=state_dir.resolve(),
            google_endpoint=f"127.0.0.1:{google_port}",
            graph_url=f"http://127.0.0.1:{graph_port}",
            oauth_url=f"http://127.0.0.1:{oauth_port}",
        )

    @property
    def ca_cert_file(self) -> Path:
        return self.state_dir / "sandbox-ca.pem"


def sandbox_environment(sandbox: SandboxEndpoints) -> dict[str, str]:
    return {ROOTS_ENV: str(sandbox.ca_cert_file)}


def _prefix(service: str) -> str:
    return f"ZAMC_{service.upper().replace('-', '_')}_"


def service_environment(
    service: str,
    *,
    nats_url: str,
    database_url: str,
    http_port: int,
    gateway_url: str,
    sandbox: SandboxEndpoints | None,
) -> dict[str, str]:
    prefix = _prefix(service)
    env = {
        "ZAMC_NATS_URL": nats_url,
        "ZAMC_DATABASE_URL": database_url,
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        "LITELLM_OFFLINE_MODE": "true",
        f"{prefix}HTTP_PORT": str(http_port),
    }
    if sandbox is None:
        return env
    if service == "connector-google":
        env |= {
            f"{prefix}ENDPOINT": sandbox.google_endpoint,
            f"{prefix}CA_CERT_FILE": str(sandbox.ca_cert_file),
            ROOTS_ENV: str(sandbox.ca_cert_file),
            f"{prefix}TOKEN_URI": f"{sandbox.oauth_url}/google/token",
            f"{prefix}REVOKE_URI": f"{sandbox.oauth_url}/google/revoke",
            f"{prefix}DEVELOPER_TOKEN": "sandbox-developer-token",
            f"{prefix}OAUTH_CLIENT_ID": "sandbox-client",
            f"{prefix}OAUTH_CLIENT_SECRET": "sandbox-secret",
            f"{prefix}SYNC_INTERVAL_SECONDS": "5",
        }
    elif service == "connector-meta":
        env |= {
            f"{prefix}GRAPH_URL": sandbox.graph_url,
            f"{prefix}APP_ID": "sandbox-app",
            f"{prefix}APP_SECRET": "sandbox-app-secret",
            f"{prefix}PAGE_ID": "100000000000777",
            f"{prefix}SYNC_INTERVAL_SECONDS": "5",
        }
    elif service == "orchestrator":
        # Against the sandbox every hour stays provisional (settling takes the platforms' 14-28 wall-clock
        # days), and its fast market deserves more than one evaluation per real hour.
        env |= {
            f"{prefix}OPTIMIZER_ALLOW_PROVISIONAL": "true",
            f"{prefix}OPTIMIZER_EVALUATION_INTERVAL_SECONDS": "5",
        }
    elif service == "gateway":
        env |= {
            f"{prefix}PUBLIC_BASE_URL": gateway_url,
            f"{prefix}GOOGLE_OAUTH_AUTHORIZE_URL": f"{sandbox.oauth_url}/google/auth",
            f"{prefix}GOOGLE_OAUTH_CLIENT_ID": "sandbox-client",
            f"{prefix}META_OAUTH_AUTHORIZE_URL": f"{sandbox.oauth_url}/meta/{GRAPH_VERSION}/dialog/oauth",
            f"{prefix}META_OAUTH_CLIENT_ID": "sandbox-app",
        }
    return env
