"""`/analytics`: totals, time series and CSV export of a project's or a campaign's metrics."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import Query, Request, Response
from pydantic import BaseModel, Field

from zamc_gateway.adapters import live_analytics
from zamc_gateway.api import query
from zamc_gateway.api.deps import ReadPrincipal, SessionDep, authorize
from zamc_gateway.api.routing import GatewayRouter
from zamc_gateway.domain.policy import Action

router = GatewayRouter(prefix="/analytics", tags=["analytics"])

FROM_DOC = "start (inclusive); default 30 days ago"
TO_DOC = "end (exclusive); default the end of this hour"
From = Annotated[datetime | None, Query(alias="from", description=FROM_DOC)]
To = Annotated[datetime | None, Query(alias="to", description=TO_DOC)]
Granularity = Annotated[Literal["hour", "day"], Query()]


class SummaryQuery(BaseModel):
    project_id: uuid.UUID
    from_: datetime | None = Field(None, alias="from", description=FROM_DOC)
    to: datetime | None = Field(None, description=TO_DOC)


@router.get("/summary", response_model=dict[str, Any], openapi_extra=query.documented(SummaryQuery))
async def summary(request: Request) -> Response:
    """Impressions, clicks, spend, conversions and conversion value per platform and overall,
    with CTR, CPC, CPA and ROAS of those totals (money in micros of `currency`)."""
    # The dashboard polls this: the caller, the runtime and the query are found here rather than
    # by FastAPI, which solves each dependency and inspects each parameter on every request
    # (`api/query.py`), and the remembered answer's JSON is sent as rendered once.
    principal = await authorize(request, Action.read)
    params = query.parse(request, SummaryQuery)
    answer = await live_analytics.cached_summary(
        runtime=request.app.state.runtime,
        principal=principal,
        project_id=params.project_id,
        start=params.from_,
        end=params.to,
    )
    return Response(answer.json(), media_type="application/json")


@router.get("/timeseries")
async def timeseries(
    session: SessionDep,
    principal: ReadPrincipal,
    campaign_id: uuid.UUID | None = None,
    project_id: uuid.UUID | None = None,
    granularity: Granularity = "day",
    from_: From = None,
    to: To = None,
) -> dict[str, Any]:
    """One point per period; `provisional` while the platforms may still restate it."""
    return await live_analytics.timeseries(
        session=session,
        principal=principal,
        campaign_id=campaign_id,
        project_id=project_id,
        granularity=granularity,
        start=from_,
        end=to,
    )


@router.get("/export.csv", response_class=Response, responses={200: {"content": {"text/csv": {}}}})
async def export_csv(
    session: SessionDep,
    principal: ReadPrincipal,
    campaign_id: uuid.UUID | None = None,
    project_id: uuid.UUID | None = None,
    granularity: Granularity = "day",
    from_: From = None,
    to: To = None,
) -> Response:
    """The same data as CSV, one row per platform campaign and period."""
    body = await live_analytics.export_csv(
        session=session,
        principal=principal,
        campaign_id=campaign_id,
        project_id=project_id,
        granularity=granularity,
        start=from_,
        end=to,
    )
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="zamc-analytics-{granularity}.csv"'},
    )


@router.get("/anomalies")
async def anomalies(
    session: SessionDep,
    principal: ReadPrincipal,
    project_id: uuid.UUID,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[dict[str, Any]]:
    return await live_analytics.anomalies(
        session=session, principal=principal, project_id=project_id, limit=limit
    )
