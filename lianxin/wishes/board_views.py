"""微心愿 leaders' pages: statistics, quota progress and rankings, the yearly quotas, the Excel export."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from lianxin.errors import LianxinError
from lianxin.orgs.models import Role, User
from lianxin.web.deps import get_session, require_roles
from lianxin.web.forms import posted_form
from lianxin.web.templating import render
from lianxin.wishes import queries
from lianxin.wishes import service as svc
from lianxin.wishes.export import stats_workbook
from lianxin.wishes.models import (
    QuotaScope,
)
from lianxin.wishes.views import _ctx, _get, _int, _message

router = APIRouter()


@router.get("/wishes/stats")
def stats(
    request: Request,
    year: int | None = None,
    month: int | None = None,
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(Role.LEADER)),
) -> Response:
    """Counts by status and community, quota completion of organisations and members, realised wishes by
    month (with a month's ranking when ``month`` is given), overdue claims."""
    year = year if year and 2000 <= year <= 2100 else svc.today().year
    month = month if month and 1 <= month <= 12 else None
    jid = user.jurisdiction_id
    orgs = queries.quota_progress(session, jid, QuotaScope.ORG, year)
    members = queries.quota_progress(session, jid, QuotaScope.MEMBER, year)
    ranked_orgs, ranked_members = orgs, members
    if month is not None:
        ranked_orgs = queries.quota_progress(session, jid, QuotaScope.ORG, year, month=month)
        ranked_members = queries.quota_progress(session, jid, QuotaScope.MEMBER, year, month=month)
    return render(
        request,
        "wishes/stats.html",
        _ctx(
            year=year,
            counts=queries.status_counts(session, jid),
            communities=queries.community_counts(session, jid),
            month=month,
            months=queries.realised_by_month(session, jid, year),
            targets={scope: queries.quota_target(session, jid, scope, year) for scope in QuotaScope},
            saved=request.query_params.get("saved") == "1",
            orgs=ranked_orgs[:50],
            members=ranked_members[:50],
            overdue=queries.overdue_claims(session, jid, limit=50),
            org_summary=(sum(p.met for p in orgs), len(orgs)),
            member_summary=(sum(p.met for p in members), len(members)),
        ),
    )


@router.post("/wishes/stats/quotas")
def save_quotas(
    request: Request,
    form: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(Role.LEADER)),
) -> Response:
    """年度任务 as data: the year's target for each organisation and for each member (Loudi: 3 and 1)."""
    year = svc.today().year
    try:
        with session.begin_nested():
            year = _int(_get(form, "year"), "year")
            for scope in QuotaScope:
                target = _int(_get(form, f"target_{scope.value}"), f"target_{scope.value}")
                queries.set_quota(
                    session, jurisdiction_id=user.jurisdiction_id, scope=scope, year=year, target=target, actor=user
                )
    except LianxinError as exc:
        return Response(_message(request, exc), status_code=exc.http_status, media_type="text/plain; charset=utf-8")
    return RedirectResponse(f"/wishes/stats?year={year}&saved=1", status_code=303)


@router.get("/wishes/stats.xlsx")
def stats_export(
    year: int | None = None, session: Session = Depends(get_session), user: User = Depends(require_roles(Role.LEADER))
) -> Response:
    """The statistics and rankings as an Excel workbook."""
    year = year if year and 2000 <= year <= 2100 else svc.today().year
    body = stats_workbook(session, user.jurisdiction_id, year)
    name = f"wishes-{year}.xlsx"
    return Response(
        body,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={
            "Content-Disposition": f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote('微心愿统计-' + name)}"
        },
    )
