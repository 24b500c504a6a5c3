"""Public pages (no login, no personal data): statistics of the jurisdiction's appeals."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from lianxin.appeals import queries
from lianxin.appeals.status import AppealStatus
from lianxin.web.deps import get_session, public_jurisdiction
from lianxin.web.templating import render

router = APIRouter()


@router.get("/stats")
def stats(request: Request, session: Session = Depends(get_session)) -> Response:
    jurisdiction = public_jurisdiction(request, session)
    counts = queries.count_by_status(session, jurisdiction.id)
    return render(request, "public/stats.html", {
        "jurisdiction": jurisdiction, "counts": counts, "statuses": list(AppealStatus), "total": sum(counts.values()),
    })
