"""The auditor's page (审计员): every view of unmasked personal data — who, when, which appeal, through
which interface — filtered by user, appeal and date, paged. The same log is at ``/api/v1/audit/personal-data-views``."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from lianxin.appeals.audit import page_of_views, require_auditor
from lianxin.errors import InvalidInput
from lianxin.orgs.models import User
from lianxin.web.deps import get_session, require_user
from lianxin.web.templating import render

router = APIRouter(prefix="/staff")
PAGE_SIZE = 50


def _date(value: str | None, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput("日期格式应为 YYYY-MM-DD", "dates are YYYY-MM-DD", field=field) from None


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) <= 9 else None


@router.get("/audit")
def audit_log(
    request: Request, user: User = Depends(require_user), session: Session = Depends(get_session)
) -> Response:
    require_auditor(user)
    params = request.query_params
    filters = {
        "user_id": _int(params.get("user")),
        "order_no": (params.get("appeal") or "").strip()[:20] or None,
        "since": _date(params.get("from"), "from"),
        "until": _date(params.get("to"), "to"),
    }
    page = _int(params.get("page")) or 1
    rows, total = page_of_views(session, user, page=page, page_size=PAGE_SIZE, **filters)
    pages = max(1, -(-total // PAGE_SIZE))
    kept = {
        k: v
        for k, v in {
            "user": params.get("user"),
            "appeal": params.get("appeal"),
            "from": params.get("from"),
            "to": params.get("to"),
        }.items()
        if v
    }
    users = session.scalars(
        select(User).where(User.jurisdiction_id == user.jurisdiction_id).order_by(User.username)
    ).all()
    return render(
        request,
        "staff/audit.html",
        {
            "rows": rows,
            "total": total,
            "page": page,
            "pages": pages,
            "users": users,
            "chosen": kept,
            "page_url": lambda n: "/staff/audit?" + urlencode(kept | {"page": n}),
        },
    )
