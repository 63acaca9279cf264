"""Linking ad accounts: OAuth code hand-over, linked accounts, re-authorisation (per platform)."""

from __future__ import annotations

import uuid
from typing import ClassVar

from zamc_events.contracts.base import Event
from zamc_events.contracts.common import AdAccount


class OAuthCodeReceived(Event):
    """The gateway's OAuth callback checked `state`; the connector exchanges the code."""

    connection_id: uuid.UUID
    code: str
    redirect_uri: str


class AccountLinked(Event):
    connection_id: uuid.UUID
    accounts: list[AdAccount]
    scopes: list[str] = []


class AccountLinkFailed(Event):
    connection_id: uuid.UUID
    reason: str


class ReauthorizationRequired(Event):
    connection_id: uuid.UUID
    reason: str


class ConnectionRemoved(Event):
    connection_id: uuid.UUID


class GoogleAdsOAuthCodeReceived(OAuthCodeReceived):
    subject: ClassVar[str] = "zamc.google_ads.oauth_code_received.v1"


class MetaOAuthCodeReceived(OAuthCodeReceived):
    subject: ClassVar[str] = "zamc.meta.oauth_code_received.v1"


class GoogleAdsAccountLinked(AccountLinked):
    subject: ClassVar[str] = "zamc.google_ads.account_linked.v1"


class MetaAccountLinked(AccountLinked):
    subject: ClassVar[str] = "zamc.meta.account_linked.v1"


class GoogleAdsAccountLinkFailed(AccountLinkFailed):
    subject: ClassVar[str] = "zamc.google_ads.account_link_failed.v1"


class MetaAccountLinkFailed(AccountLinkFailed):
    subject: ClassVar[str] = "zamc.meta.account_link_failed.v1"


class GoogleAdsReauthorizationRequired(ReauthorizationRequired):
    subject: ClassVar[str] = "zamc.google_ads.reauthorization_required.v1"


class MetaReauthorizationRequired(ReauthorizationRequired):
    subject: ClassVar[str] = "zamc.meta.reauthorization_required.v1"


class GoogleAdsConnectionRemoved(ConnectionRemoved):
    subject: ClassVar[str] = "zamc.google_ads.connection_removed.v1"


class MetaConnectionRemoved(ConnectionRemoved):
    subject: ClassVar[str] = "zamc.meta.connection_removed.v1"
