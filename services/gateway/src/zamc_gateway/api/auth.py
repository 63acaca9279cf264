"""`/auth/*`: sign-up, login, refresh-token rotation, logout."""

from __future__ import annotations

from fastapi import Depends, Request, Response, status

from zamc_gateway.api.deps import (
    CurrentIdentity,
    HasherDep,
    RuntimeDep,
    SessionDep,
    SettingsDep,
    forget_principals,
    limit_auth,
)
from zamc_gateway.api.routing import GatewayRouter
from zamc_gateway.domain.errors import Unauthorized
from zamc_gateway.schemas import (
    LoginRequest,
    LogoutRequest,
    RefreshRequest,
    SignupRequest,
    SignupResponse,
    TokenPair,
)
from zamc_gateway.service_layer import identity

router = GatewayRouter(prefix="/auth", tags=["auth"])
_limited = [Depends(limit_auth)]


@router.post("/signup", status_code=status.HTTP_201_CREATED, dependencies=_limited)
async def signup(
    body: SignupRequest, session: SessionDep, settings: SettingsDep, hasher: HasherDep
) -> SignupResponse:
    return await identity.signup(
        session=session,
        settings=settings,
        hasher=hasher,
        email=body.email,
        password=body.password,
        organization_name=body.organization_name,
    )


@router.post("/login", dependencies=_limited)
async def login(
    body: LoginRequest, session: SessionDep, settings: SettingsDep, hasher: HasherDep
) -> TokenPair:
    return await identity.login(
        session=session, settings=settings, hasher=hasher, email=body.email, password=body.password
    )


@router.post("/refresh", dependencies=_limited)
async def refresh(
    body: RefreshRequest, request: Request, runtime: RuntimeDep, settings: SettingsDep
) -> TokenPair:
    assert runtime.sessions is not None
    try:
        return await identity.refresh(
            sessions=runtime.sessions, settings=settings, refresh_token=body.refresh_token
        )
    except Unauthorized:
        forget_principals(request)  # a reused token may just have revoked a whole login
        raise


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(
    request: Request, session: SessionDep, caller: CurrentIdentity, body: LogoutRequest | None = None
) -> Response:
    await identity.logout(
        session=session, identity=caller, refresh_token=body.refresh_token if body else None
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT, background=forget_principals(request))
