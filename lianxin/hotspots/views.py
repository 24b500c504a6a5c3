"""Pages: hotspots (top list, one hotspot's appeals, trend and map). 每月一题 (topics) has its pages in
``lianxin.topics.views``; the hotspot page shows its topics and the "make a topic" form only while the
topics module is enabled."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from lianxin.clock import utcnow
from lianxin.errors import InvalidInput, LianxinError
from lianxin.hotspots.service import VIEW_ROLES, get_hotspot, member_appeals, snapshot_for
from lianxin.modules import run_hooks
from lianxin.orgs.models import Role, Unit, User
from lianxin.orgs.service import has_role
from lianxin.web import charts
from lianxin.web.deps import get_session, require_roles
from lianxin.web.i18n import pick_lang
from lianxin.web.templating import render

router = APIRouter()


def _units(session: Session, jurisdiction_id: int) -> list[Unit]:
    return list(
        session.scalars(
            select(Unit)
            .where(Unit.jurisdiction_id == jurisdiction_id, Unit.active.is_(True))
            .order_by(Unit.kind, Unit.name)
        )
    )


def _message(request: Request, exc: LianxinError) -> str:
    return exc.message_en if pick_lang(request) == "en" else exc.message_zh


def _date(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput("日期格式应为 YYYY-MM-DD", "dates look like 2026-03-20", field=field) from None


def _int(value: str, field: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise InvalidInput("请选择单位", "choose a unit", field=field) from None


@router.get("/hotspots")
def hotspot_list(
    request: Request, session: Session = Depends(get_session), user: User = Depends(require_roles(*VIEW_ROLES))
) -> Response:
    snapshot = snapshot_for(session, user)
    return render(
        request, "hotspots/list.html", {"snapshot": snapshot, "hotspots": snapshot.hotspots if snapshot else []}
    )


def _hotspot_page(
    request: Request, session: Session, user: User, hotspot_id: int, *, error: str | None = None, status_code: int = 200
) -> Response:
    hotspot = get_hotspot(session, hotspot_id, actor=user)
    appeals = member_appeals(session, hotspot, user)
    return render(
        request,
        "hotspots/detail.html",
        {
            "hotspot": hotspot,
            "trend": charts.line([label for label, _ in hotspot.trend], [count for _, count in hotspot.trend]),
            "appeals": appeals,
            "error": error,
            "units": _units(session, user.jurisdiction_id),
            "can_make_topic": has_role(session, user, (Role.LEADER,)),
            "month": utcnow().strftime("%Y-%m"),
            "topics": [topic for found in run_hooks("hotspot_topics", session, hotspot) for topic in found],
        },
        status_code=status_code,
    )


@router.get("/hotspots/{hotspot_id}")
def hotspot_detail(
    hotspot_id: int,
    request: Request,
    session: Session = Depends(get_session),
    user: User = Depends(require_roles(*VIEW_ROLES)),
) -> Response:
    return _hotspot_page(request, session, user, hotspot_id)
