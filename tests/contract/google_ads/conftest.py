"""Targets of the Google Ads platform contract: the sandbox always; live Google Ads with credentials.

Live run: set
  ZAMC_GOOGLE_ADS_LIVE_DEVELOPER_TOKEN   the developer token (test access is enough for a test account)
  ZAMC_GOOGLE_ADS_LIVE_CLIENT_ID / _CLIENT_SECRET   the OAuth client the refresh token was issued to
  ZAMC_GOOGLE_ADS_LIVE_REFRESH_TOKEN     a refresh token with the adwords scope
  ZAMC_GOOGLE_ADS_LIVE_CUSTOMER_ID       a client account (use a test account: objects are created
                                          PAUSED and removed again, nothing is ever enabled)
optionally ZAMC_GOOGLE_ADS_LIVE_LOGIN_CUSTOMER_ID (the manager) and ZAMC_GOOGLE_ADS_LIVE_TOKEN_URI.

gRPC reads its TLS roots once per process (GRPC_DEFAULT_SSL_ROOTS_FILE_PATH). With live credentials
the roots file is a bundle of the sandbox certificate and the public roots, so both targets (and
every other sandbox test in the same session) verify their servers. This needs the sandbox to
serve only the first certificate of that file (with the whole bundle as its chain the TLS handshake
fails with EXCESSIVE_MESSAGE_SIZE); without live credentials nothing changes.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from zamc_sandbox.tls import (
    KEY_FILE,
    ROOTS_ENV,
    default_certificate_dir,
    ensure_certificate,
    trust_sandbox_certificate,
)

LIVE = {
    "developer_token": "ZAMC_GOOGLE_ADS_LIVE_DEVELOPER_TOKEN",
    "client_id": "ZAMC_GOOGLE_ADS_LIVE_CLIENT_ID",
    "client_secret": "ZAMC_GOOGLE_ADS_LIVE_CLIENT_SECRET",
    "refresh_token": "ZAMC_GOOGLE_ADS_LIVE_REFRESH_TOKEN",
    "customer_id": "ZAMC_GOOGLE_ADS_LIVE_CUSTOMER_ID",
}


def _live_configured() -> bool:
    return all(os.environ.get(name) for name in LIVE.values())


def _trust_sandbox_and_public_roots() -> None:
    """A roots bundle: the sandbox certificate first (it is also the chain the sandbox serves), then certifi."""
    import certifi

    sandbox = ensure_certificate(default_certificate_dir())
    directory = default_certificate_dir() / "with-public-roots"
    directory.mkdir(parents=True, exist_ok=True)
    bundle = directory / "sandbox-ca.pem"
    bundle.write_bytes(sandbox.cert_pem() + b"\n" + Path(certifi.where()).read_bytes())
    shutil.copyfile(sandbox.key_path, directory / KEY_FILE)
    os.environ[ROOTS_ENV] = str(bundle)


if _live_configured():
    _trust_sandbox_and_public_roots()
else:
    trust_sandbox_certificate()

from pydantic import SecretStr  # noqa: E402

from zamc_connector_google.adapters.google_ads import GoogleAdsApi  # noqa: E402
from zamc_connector_google.adapters.oauth import OAuthClient  # noqa: E402


@dataclass
class GoogleTarget:
    name: str
    api: GoogleAdsApi
    oauth: OAuthClient
    refresh_token: SecretStr
    access_token: SecretStr
    customer_id: str
    login_customer_id: str | None

    @property
    def live(self) -> bool:
        return self.name == "live"


def _target(name: str, *, endpoint: str, developer_token: str, token_uri: str, client_id: str, client_secret: str,
            refresh_token: str, customer_id: str, login_customer_id: str | None) -> GoogleTarget:  # fmt: skip
    oauth = OAuthClient(token_uri=token_uri, client_id=client_id, client_secret=SecretStr(client_secret))
    grant = asyncio.run(oauth.refresh(refresh_token=SecretStr(refresh_token)))
    api = GoogleAdsApi(
        endpoint=endpoint,
        developer_token=SecretStr(developer_token),
        token_uri=token_uri,
        client_id=client_id,
        client_secret=SecretStr(client_secret),
        timeout=60,
    )
    return GoogleTarget(
        name,
        api,
        oauth,
        SecretStr(refresh_token),
        grant.access_token,
        customer_id.replace("-", ""),
        login_customer_id,
    )


@pytest.fixture(scope="module", params=["sandbox", "live"])
def target(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[GoogleTarget]:
    if request.param == "live":
        if not _live_configured():
            missing = ", ".join(n for n in LIVE.values() if not os.environ.get(n))
            pytest.skip(f"live Google Ads contract not run: set {missing} to run it")
        login = os.environ.get("ZAMC_GOOGLE_ADS_LIVE_LOGIN_CUSTOMER_ID")
        target = _target(
            "live",
            endpoint="googleads.googleapis.com:443",
            developer_token=os.environ[LIVE["developer_token"]],
            token_uri=os.environ.get("ZAMC_GOOGLE_ADS_LIVE_TOKEN_URI", "https://oauth2.googleapis.com/token"),
            client_id=os.environ[LIVE["client_id"]],
            client_secret=os.environ[LIVE["client_secret"]],
            refresh_token=os.environ[LIVE["refresh_token"]],
            customer_id=os.environ[LIVE["customer_id"]],
            login_customer_id=login.replace("-", "") if login else None,
        )
        yield target
        target.api.close()
        return
    from zamc_sandbox import Sandbox

    with Sandbox.start(tmp_path_factory.mktemp("google-contract"), seed=4) as sandbox:
        tokens = sandbox.issue_google_tokens(client_id="zamc-contract")
        target = _target(
            "sandbox",
            endpoint=sandbox.google_endpoint,
            developer_token="zamc-contract-developer-token",
            token_uri=sandbox.google_token_uri,
            client_id="zamc-contract",
            client_secret="zamc-contract-secret",
            refresh_token=tokens.refresh_token,
            customer_id=sandbox.google_client_customer_ids[0],
            login_customer_id=sandbox.google_login_customer_id,
        )
        yield target
        target.api.close()
