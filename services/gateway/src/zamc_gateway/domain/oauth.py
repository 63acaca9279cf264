"""Authorization URLs of the platforms' OAuth consent screens."""

from __future__ import annotations

from urllib.parse import urlencode


def redirect_uri(public_base_url: str, platform: str) -> str:
    return f"{public_base_url.rstrip('/')}/api/v1/oauth/{platform}/callback"


def authorization_url(
    *, platform: str, authorize_url: str, client_id: str, redirect_uri: str, scopes: list[str], state: str
) -> str:
    if platform == "google_ads":
        query = {
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": " ".join(scopes),
            "access_type": "offline",
            "prompt": "consent",
            "include_granted_scopes": "true",
            "state": state,
        }
    else:
        query = {
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": ",".join(scopes),
            "state": state,
        }
    separator = "&" if "?" in authorize_url else "?"
    return f"{authorize_url}{separator}{urlencode(query)}"
