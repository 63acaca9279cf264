"""Creative assets: bytes in the JetStream object store, named by their sha256."""

from __future__ import annotations

import hashlib

import nats.js
from nats.js.errors import BucketNotFoundError, NotFoundError, ObjectNotFoundError

from zamc_events.contracts.common import AssetRef


class AssetUnavailable(Exception):
    pass


async def read_asset(js: nats.js.JetStreamContext, bucket: str, asset: AssetRef) -> bytes:
    try:
        store = await js.object_store(bucket)
        result = await store.get(asset.object_name)
    except (BucketNotFoundError, ObjectNotFoundError, NotFoundError) as error:
        raise AssetUnavailable(f"asset {asset.asset_id} ({asset.object_name}) is not in {bucket}") from error
    data = result.data or b""
    if hashlib.sha256(data).hexdigest() != asset.sha256:
        raise AssetUnavailable(f"asset {asset.asset_id} does not match its sha256")
    return data
