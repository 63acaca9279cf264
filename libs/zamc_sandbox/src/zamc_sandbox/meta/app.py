"""The Graph API v26.0 over HTTP (FastAPI): thin routing onto GraphStore and insights."""

from __future__ import annotations

import json
import time
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.datastructures import UploadFile

from zamc_sandbox.faults import FaultInjector, FaultKind
from zamc_sandbox.meta import errors
from zamc_sandbox.meta.errors import GraphError
from zamc_sandbox.meta.insights import insights
from zamc_sandbox.meta.paging import page
from zamc_sandbox.meta.store import EDGE_TYPES, GraphStore
from zamc_sandbox.meta.usage import UsageMeter
from zamc_sandbox.oauth.tokens import TokenState, TokenStore

VERSION = "v26.0"

INJECTED_ERRORS = {
    FaultKind.META_RATE_LIMIT_17: GraphError(
        "(#17) User request limit reached",
        17,
        errors.SUBCODE_RATE_LIMITED,
        is_transient=True,
        error_user_title="User request limit reached",
        error_user_msg="Too many calls. Wait and retry.",
    ),
    FaultKind.META_RATE_LIMIT_613: GraphError(
        "(#613) Calls to this api have exceeded the rate limit.",
        613,
        errors.SUBCODE_TOO_MANY_CALLS_HOUR,
        is_transient=True,
    ),
    FaultKind.META_RATE_LIMIT_80004: GraphError(
        "(#80004) There have been too many calls to this ad-account. Wait a bit and try again.",
        80004,
        errors.SUBCODE_RATE_LIMITED,
        is_transient=True,
    ),
    FaultKind.META_INVALID_TARGETING: GraphError(
        "(#100) Invalid parameter",
        100,
        errors.SUBCODE_INVALID_TARGETING,
        error_user_title="Invalid targeting",
        error_user_msg="The audience is too narrow or uses targeting options that are not available.",
        blame_field="targeting",
    ),
    FaultKind.META_TRANSIENT: GraphError(
        "An unexpected error has occurred. Please retry your request later.",
        2,
        None,
        is_transient=True,
        http_status=500,
    ),
}


def _decode(value: str) -> Any:
    text = value.strip()
    if text[:1] in ("[", "{"):
        try:
            return json.loads(text)
        except ValueError:
            return value
    return value


async def _params(request: Request) -> tuple[dict, dict[str, UploadFile]]:
    params: dict[str, Any] = {k: _decode(v) for k, v in request.query_params.items()}
    files: dict[str, UploadFile] = {}
    if request.method == "POST":
        form = await request.form()
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                files[key] = value
            else:
                params[key] = _decode(value)
    fields = params.get("fields")
    if isinstance(fields, str):
        params["fields"] = [f.strip() for f in fields.split(",") if f.strip()]
    return params, files


def create_graph_app(
    *,
    store: GraphStore,
    tokens: TokenStore,
    faults: FaultInjector,
    usage: UsageMeter,
    meta_app_secret: str = "",
) -> FastAPI:
    app = FastAPI(title="ZAMC sandbox: Meta Graph API", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.calls = []

    def authenticate(params: dict) -> None:
        token = str(params.get("access_token", ""))
        if not token:
            raise GraphError(
                "An active access token must be used to query information about the current user.", 2500
            )
        state = tokens.state(token, platform="meta", kinds=("short_lived", "long_lived"))
        if state == TokenState.EXPIRED:
            raise GraphError(
                "Error validating access token: Session has expired.",
                190,
                errors.SUBCODE_TOKEN_EXPIRED,
                error_user_title="Session expired",
                error_user_msg="Your session has expired. Please log in again.",
            )
        if state != TokenState.VALID:
            raise GraphError(
                "Invalid OAuth access token - Cannot parse access token", 190, errors.SUBCODE_TOKEN_INVALID
            )

    def guard(method: str, path: str, account_id: str | None) -> None:
        for fault in faults.take("meta", f"{method} {path}"):
            if fault.kind == FaultKind.META_LATENCY:
                time.sleep(fault.latency_seconds)
            else:
                raise INJECTED_ERRORS[fault.kind]
        if account_id and usage.record(account_id) >= 100:
            raise INJECTED_ERRORS[FaultKind.META_RATE_LIMIT_80004]

    def respond(body: Any, account_id: str | None, status: int = 200) -> JSONResponse:
        headers = {}
        if account_id and account_id in store.accounts:
            headers = usage.headers(account_id, store.accounts[account_id].business_id)
        return JSONResponse(body, status_code=status, headers=headers)

    async def handle(request: Request, parts: list[str]) -> JSONResponse:
        account_id: str | None = None
        try:
            params, files = await _params(request)
            if parts == ["oauth", "access_token"]:
                return respond(exchange_token(params), None)
            authenticate(params)
            if parts[0] not in ("me",):
                try:
                    account_id = store.account_of(parts[0]).account_id
                except GraphError:
                    account_id = None
            guard(request.method, "/".join(parts), account_id)
            app.state.calls.append((request.method, "/".join(parts)))
            return respond(route(request, parts, params, files), account_id)
        except GraphError as error:
            return respond(error.body(), account_id, error.http_status)

    def exchange_token(params: dict) -> dict:
        client_id = str(params.get("client_id", ""))
        if params.get("grant_type") == "fb_exchange_token":
            grant = tokens.exchange_meta_token(str(params.get("fb_exchange_token", "")), client_id=client_id)
        else:
            code = tokens.redeem_code(
                "meta",
                str(params.get("code", "")),
                client_id=client_id,
                redirect_uri=str(params.get("redirect_uri", "")),
            )
            grant = tokens.issue_meta_token(client_id=client_id, long_lived=False) if code else None
        if grant is None:
            raise GraphError("Error validating verification code.", 100, 36007, type="OAuthException")
        return {"access_token": grant.token, "token_type": "bearer", "expires_in": tokens.seconds_left(grant)}

    def route(request: Request, parts: list[str], params: dict, files: dict[str, UploadFile]) -> Any:
        method, fields = request.method, params.get("fields")
        url = str(request.url).split("?")[0]
        if parts == ["me"]:
            return {"id": "10000000000000001", "name": "Sandbox User"}
        if parts == ["me", "adaccounts"]:
            items = [
                {k: v for k, v in a.fields().items() if not fields or k in fields or k == "id"}
                for a in store.accounts.values()
            ]
            return page(items, params, url)
        node = parts[0]
        if len(parts) == 1:
            if node.startswith("act_"):
                account = store.account(node)
                return {k: v for k, v in account.fields().items() if not fields or k in fields or k == "id"}
            if method == "GET":
                return store.public(store.get(node), fields)
            if method == "POST":
                store.update(node, params)
                return {"success": True}
            if method == "DELETE":
                store.delete(node)
                return {"success": True}
        edge = parts[1] if len(parts) == 2 else ""
        if edge == "insights" and method == "GET":
            return page(insights(store, node, params), params, url)
        if node.startswith("act_") and edge in EDGE_TYPES:
            account = store.account(node)
            if method == "POST" and edge == "adimages":
                return {"images": upload_images(account, params, files)}
            if method == "POST":
                created = store.create(account, edge, params)
                return {"id": created["id"], **({"success": True} if edge != "campaigns" else {})}
            if edge == "adimages":
                return page(list(store.images[account.account_id].values()), params, url)
            return page(
                [store.public(o, fields) for o in store.children(node, EDGE_TYPES[edge])], params, url
            )
        if edge in ("adsets", "ads") and method == "GET":
            return page(
                [store.public(o, fields) for o in store.children(node, EDGE_TYPES[edge])], params, url
            )
        raise GraphError(f"Unsupported {method.lower()} request.", 100, 33, type="GraphMethodException")

    def upload_images(account: Any, params: dict, files: dict[str, UploadFile]) -> dict:
        out = {}
        for name, upload in files.items():
            data = upload.file.read()
            out[upload.filename or name] = store.upload_image(account, upload.filename or name, data)
        if params.get("bytes"):
            name = str(params.get("name") or "upload.png")
            out[name] = store.upload_image(account, name, store.decode_bytes(str(params["bytes"])))
        if not out:
            raise errors.invalid_parameter("(#100) No image data", blame_field="bytes")
        return {k: {"hash": v["hash"], "url": v["url"]} for k, v in out.items()}

    @app.api_route(f"/{VERSION}/{{path:path}}", methods=["GET", "POST", "DELETE"])
    async def graph(request: Request, path: str) -> JSONResponse:
        parts = [p for p in path.split("/") if p]
        if not parts:
            return respond(errors.not_found("/").body(), None, 400)
        return await handle(request, parts)

    return app
