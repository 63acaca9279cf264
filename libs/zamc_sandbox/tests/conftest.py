"""Sandbox fixtures. The TLS trust is set up here, before anything imports or uses grpc."""

from __future__ import annotations

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from zamc_sandbox.tls import trust_sandbox_certificate

trust_sandbox_certificate()

from collections.abc import Callable, Iterator  # noqa: E402
from pathlib import Path  # noqa: E402

import google.oauth2.credentials  # noqa: E402
import pytest  # noqa: E402
from facebook_business.api import FacebookAdsApi, FacebookSession  # noqa: E402
from google.ads.googleads.client import GoogleAdsClient  # noqa: E402

from zamc_sandbox import Sandbox  # noqa: E402

GOOGLE_CLIENT_ID = "sandbox-client"
DEVELOPER_TOKEN = "sandbox-developer-token"


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    directory: Path = tmp_path_factory.mktemp("sandbox")
    with Sandbox.start(directory, seed=11) as running:
        yield running


@pytest.fixture
def fresh(sandbox: Sandbox) -> Sandbox:
    """The session sandbox, reset to an empty market at the start time."""
    sandbox.reset(seed=11)
    return sandbox


GoogleClientFactory = Callable[..., GoogleAdsClient]


@pytest.fixture
def google_client(fresh: Sandbox) -> GoogleClientFactory:
    """Builds a GoogleAdsClient exactly as production does (credentials + endpoint, no token fetch)."""

    def build(
        *,
        access_token: str | None = None,
        login_customer_id: str | None = fresh.google_login_customer_id,
        developer_token: str = DEVELOPER_TOKEN,
    ) -> GoogleAdsClient:
        if access_token is None:
            access_token = fresh.issue_google_tokens(client_id=GOOGLE_CLIENT_ID).access_token
        credentials = google.oauth2.credentials.Credentials(
            token=access_token,
            refresh_token=None,
            token_uri=fresh.google_token_uri,
            client_id=GOOGLE_CLIENT_ID,
            client_secret="sandbox-secret",
        )
        return GoogleAdsClient(
            credentials=credentials,
            developer_token=developer_token,
            endpoint=fresh.google_endpoint,
            login_customer_id=login_customer_id,
            use_proto_plus=True,
            version="v26",
        )

    return build


@pytest.fixture
def meta_api(fresh: Sandbox) -> Iterator[FacebookAdsApi]:
    """FacebookAdsApi initialised exactly as production does, pointed at the sandbox Graph URL."""
    original = FacebookSession.GRAPH
    FacebookSession.GRAPH = fresh.meta_graph_base_url
    api = FacebookAdsApi.init(access_token=fresh.issue_meta_token(), api_version="v26.0", crash_log=False)
    yield api
    FacebookSession.GRAPH = original
