"""The live part of the REST API: analytics, recommendations, notifications, assets and `/stream`.

`routers()` is what `app.py` mounts under `/api/v1`; the dependencies below give endpoints the
process's live hub, the outbox publisher and the asset store.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from zamc_events.runtime.outbox import Publisher
from zamc_gateway.adapters.live import LiveHub, live_hub
from zamc_gateway.adapters.live_assets import AssetStore
from zamc_gateway.api.deps import RuntimeDep


def get_hub(runtime: RuntimeDep) -> LiveHub:
    return live_hub(runtime)


def get_publisher(runtime: RuntimeDep) -> Publisher:
    return runtime.publisher


def get_asset_store(runtime: RuntimeDep) -> AssetStore:
    if runtime.js is None:
        raise RuntimeError("the service runtime has not started")
    return AssetStore(runtime.js)


HubDep = Annotated[LiveHub, Depends(get_hub)]
PublisherDep = Annotated[Publisher, Depends(get_publisher)]
AssetStoreDep = Annotated[AssetStore, Depends(get_asset_store)]


def routers() -> list[APIRouter]:
    from zamc_gateway.api import analytics, assets, notifications, recommendations, stream

    return [analytics.router, recommendations.router, notifications.router, assets.router, stream.router]
