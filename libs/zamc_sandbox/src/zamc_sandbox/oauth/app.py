"""OAuth for both platforms: auto-consenting authorisation endpoints and token endpoints.

Google: GET /google/auth → 302 redirect_uri?code&state; POST /google/token (authorization_code,
refresh_token grants; `invalid_grant` when revoked or expired); POST /google/revoke.
Meta: GET /meta/{version}/dialog/oauth → 302 redirect_uri?code&state; the token exchange lives on
the Graph API host at /v26.0/oauth/access_token (code → short-lived, fb_exchange_token → long-lived).
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query
from fastapi.responses import JSONResponse, RedirectResponse

from zamc_sandbox.oauth.tokens import TokenStore


def _redirect(redirect_uri: str, **query: str) -> RedirectResponse:
    separator = "&" if "?" in redirect_uri else "?"
    return RedirectResponse(f"{redirect_uri}{separator}{urlencode(query)}", status_code=302)


def _oauth_error(error: str, description: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status_code=status)


def oauth_router(tokens: TokenStore) -> APIRouter:
    router = APIRouter()

    @router.get("/google/auth")
    def google_authorize(
        client_id: str,
        redirect_uri: str,
        response_type: str = "code",
        scope: str = "https://www.googleapis.com/auth/adwords",
        state: str = "",
    ) -> RedirectResponse:
        if response_type != "code":
            return _redirect(redirect_uri, error="unsupported_response_type", state=state)
        code = tokens.issue_code("google", client_id=client_id, redirect_uri=redirect_uri, scope=scope)
        return _redirect(redirect_uri, code=code, state=state, scope=scope)

    @router.post("/google/token")
    def google_token(
        grant_type: str = Form(),
        client_id: str = Form(""),
        client_secret: str = Form(""),
        code: str = Form(""),
        redirect_uri: str = Form(""),
        refresh_token: str = Form(""),
    ) -> JSONResponse:
        if grant_type == "authorization_code":
            grant = tokens.redeem_code("google", code, client_id=client_id, redirect_uri=redirect_uri)
            if grant is None:
                return _oauth_error("invalid_grant", "Malformed auth code.")
            issued = tokens.issue_google_tokens(client_id=client_id, scope=grant.scope)
            return JSONResponse(
                {
                    "access_token": issued.access_token,
                    "expires_in": issued.expires_in,
                    "refresh_token": issued.refresh_token,
                    "scope": issued.scope,
                    "token_type": "Bearer",
                }
            )
        if grant_type == "refresh_token":
            refreshed = tokens.refresh_google(refresh_token, client_id=client_id)
            if refreshed is None:
                return _oauth_error("invalid_grant", "Token has been expired or revoked.")
            return JSONResponse(
                {
                    "access_token": refreshed.access_token,
                    "expires_in": refreshed.expires_in,
                    "scope": refreshed.scope,
                    "token_type": "Bearer",
                }
            )
        return _oauth_error("unsupported_grant_type", f"Invalid grant_type: {grant_type}")

    @router.post("/google/revoke")
    def google_revoke(token: str = Query("")) -> JSONResponse:
        if not tokens.revoke(token):
            return _oauth_error("invalid_token", "Token expired or revoked")
        return JSONResponse({})

    @router.get("/meta/{version}/dialog/oauth")
    def meta_authorize(
        version: str, client_id: str, redirect_uri: str, state: str = "", scope: str = ""
    ) -> RedirectResponse:
        code = tokens.issue_code("meta", client_id=client_id, redirect_uri=redirect_uri, scope=scope)
        return _redirect(redirect_uri, code=code, state=state)

    return router
