"""The admin HTTP API: ground truth, clock, faults, created objects, tokens, reset."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel

from zamc_sandbox.faults import FaultKind

if TYPE_CHECKING:
    from zamc_sandbox.sandbox import Sandbox


class ClockStep(BaseModel):
    hours: float = 0
    days: float = 0


class ClockSpeed(BaseModel):
    speed: float


class FaultRequest(BaseModel):
    kind: FaultKind
    times: int = 1
    method: str | None = None
    latency_seconds: float = 0.0


class ResetRequest(BaseModel):
    seed: int | None = None


def _totals(t: Any) -> dict:
    return {
        "impressions": t.impressions,
        "clicks": t.clicks,
        "cost_micros": t.cost_micros,
        "conversions": t.conversions,
        "conversions_value_micros": t.conversions_value_micros,
    }


def admin_router(sandbox: Sandbox) -> APIRouter:
    router = APIRouter(prefix="/admin")

    @router.get("/state")
    def state() -> dict:
        market = sandbox.market
        return {
            "seed": market.seed,
            "now": market.clock.now().isoformat(),
            "speed": market.clock.speed,
            "simulated_until": market.simulated_until.isoformat(),
            "endpoints": sandbox.endpoints(),
        }

    @router.post("/clock/step")
    def step(body: ClockStep) -> dict:
        return {"now": sandbox.market.step(hours=body.hours, days=body.days).isoformat()}

    @router.post("/clock/speed")
    def speed(body: ClockSpeed) -> dict:
        sandbox.market.clock.set_speed(body.speed)
        return {"speed": body.speed}

    @router.get("/faults")
    def faults() -> list[dict]:
        return [asdict(f) | {"kind": f.kind.value} for f in sandbox.faults.armed()]

    @router.post("/faults")
    def inject(body: FaultRequest) -> dict:
        sandbox.faults.inject(
            body.kind, times=body.times, method=body.method, latency_seconds=body.latency_seconds
        )
        return {"armed": len(sandbox.faults.armed())}

    @router.delete("/faults")
    def clear_faults() -> dict:
        sandbox.faults.clear()
        return {"armed": 0}

    @router.get("/objects")
    def objects(detail: bool = False) -> dict:
        return sandbox.created_objects(detail=detail)

    @router.get("/truth/{object_id}")
    def truth(object_id: str, start: datetime, end: datetime, by_hour: bool = False) -> dict:
        market = sandbox.market
        if not market.has_object(object_id) and not object_id.startswith("account:"):
            raise HTTPException(404, f"unknown object {object_id}")
        if by_hour:
            hours = market.truth_by_hour(object_id, start, end)
            return {"object_id": object_id, "hours": {h.isoformat(): _totals(t) for h, t in hours.items()}}
        return {"object_id": object_id, "totals": _totals(market.truth(object_id, start, end))}

    @router.get("/curves/{campaign_id}")
    def curve(campaign_id: str) -> dict:
        if campaign_id not in {c.campaign_id for c in sandbox.market.campaigns()}:
            raise HTTPException(404, f"unknown campaign {campaign_id}")
        c = sandbox.market.response_curve(campaign_id)
        return {
            "campaign_id": campaign_id,
            "max_daily_impressions": c.max_daily_impressions,
            "half_saturation_spend_micros": c.half_saturation_spend_micros,
            "hill_exponent": c.hill_exponent,
            "ctr": c.ctr,
            "conversion_rate": c.conversion_rate,
            "value_per_conversion_micros": c.value_per_conversion_micros,
            "currency": c.currency,
        }

    @router.post("/tokens/google")
    def google_tokens() -> dict:
        issued = sandbox.tokens.issue_google_tokens()
        return {"access_token": issued.access_token, "refresh_token": issued.refresh_token}

    @router.post("/tokens/meta")
    def meta_token() -> dict:
        return {"access_token": sandbox.tokens.issue_meta_token().token}

    @router.post("/reset")
    def reset(body: ResetRequest) -> dict:
        sandbox.reset(seed=body.seed)
        return {"seed": sandbox.market.seed}

    return router
