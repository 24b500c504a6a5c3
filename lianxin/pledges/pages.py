"""More 办实事 pages: the meeting secretary's page per list (schedule, agenda, open follow-up actions, the
minutes form), the lists a user keeps the minutes of, following an item (residents), milestone documents,
and the public area page (every published list of an area, with a map and a chart)."""

from __future__ import annotations

import re

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from lianxin.errors import LianxinError, NotFound, PermissionDenied
from lianxin.orgs.models import Role, User
from lianxin.orgs.service import has_role
from lianxin.pledges import follow, queries, service
from lianxin.pledges.models import PledgeDecision, PledgeList
from lianxin.pledges.status import LIST_EDITABLE, ListStatus
from lianxin.web.deps import get_session, require_user
from lianxin.web.forms import posted_form
from lianxin.web.i18n import pick_lang
from lianxin.web.templating import render

router = APIRouter()


def _message(request: Request, exc: LianxinError) -> str:
    return exc.message_en if pick_lang(request) == "en" else exc.message_zh


def _units(session: Session, jurisdiction_id: int):
    from lianxin.pledges.views import _units as units

    return units(session, jurisdiction_id)


def meetings_context(session: Session, user: User, plist: PledgeList, rows: list) -> dict:
    """What the meetings section needs (the workbench and the secretary's page share it)."""
    today = service.local_today()
    return {
        "meetings": queries.meetings_for(session, plist),
        "agenda": follow.agenda_rows(session, plist, today),
        "follow_ups": follow.open_follow_ups(session, plist),
        "schedule": follow.schedule_text(plist),
        "next_meeting": follow.next_meeting_on(plist, today),
        "can_minute": follow.can_minute(session, user, plist),
        "can_manage": service.can_manage(session, user, plist),
        "today": today.isoformat(),
        "today_date": today,
        "editable": plist.status in LIST_EDITABLE,
    }


def _may_read(session: Session, user: User, plist: PledgeList) -> None:
    if not (follow.can_minute(session, user, plist) or has_role(session, user, (Role.LEADER,))):
        raise PermissionDenied("您不是该清单的会议秘书或负责人", "you keep no minutes for this list")


def _meetings_page(
    request: Request, session: Session, user: User, list_id: int, *, error: str | None = None, status_code=200
) -> Response:
    plist = service.get_list(session, list_id, jurisdiction_id=user.jurisdiction_id)
    _may_read(session, user, plist)
    staff = select(User).where(User.jurisdiction_id == user.jurisdiction_id, User.active.is_(True)).order_by(User.id)
    context = meetings_context(session, user, plist, [])
    return render(
        request,
        "pledges/meetings.html",
        context
        | {
            "plist": plist,
            "rows": [],
            "units": _units(session, user.jurisdiction_id),
            "on_meetings_page": True,
            "staff": session.scalars(staff.limit(500)).all() if context["can_manage"] else [],
            "weekdays": list(zip(follow.WEEKDAYS, follow.WEEKDAYS_EN, strict=True)),
            "error": error,
        },
        status_code=status_code,
    )


@router.get("/staff/pledges/meetings")
def my_meetings(request: Request, session: Session = Depends(get_session), user: User = Depends(require_user)):
    """The lists whose joint meetings this user keeps the minutes of (会议秘书), and the lists they manage."""
    lists = session.scalars(
        select(PledgeList)
        .where(PledgeList.jurisdiction_id == user.jurisdiction_id, PledgeList.status != ListStatus.ARCHIVED)
        .order_by(PledgeList.year.desc(), PledgeList.id)
    ).all()
    mine = [p for p in lists if follow.is_secretary(user, p)]
    managed = [p for p in lists if p not in mine and service.can_manage(session, user, p)]
    today = service.local_today()
    return render(
        request,
        "pledges/my_meetings.html",
        {
            "mine": [(p, follow.schedule_text(p), follow.next_meeting_on(p, today)) for p in mine],
            "managed": [(p, follow.schedule_text(p), follow.next_meeting_on(p, today)) for p in managed],
        },
    )


@router.get("/staff/pledges/{list_id}/meetings")
def meetings_page(
    list_id: int, request: Request, session: Session = Depends(get_session), user: User = Depends(require_user)
) -> Response:
    return _meetings_page(request, session, user, list_id)


@router.post("/staff/pledges/{list_id}/schedule")
def save_schedule(
    list_id: int,
    request: Request,
    posted: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    user: User = Depends(require_user),
) -> Response:
    try:
        with session.begin_nested():
            plist = service.get_list(session, list_id, jurisdiction_id=user.jurisdiction_id)
            follow.set_schedule(
                session,
                plist,
                actor=user,
                weekday=str(posted.get("meeting_weekday", "")),
                time=str(posted.get("meeting_time", "")),
                place=str(posted.get("meeting_place", "")),
                participants=re.split(r"[,，、;；\n]+", str(posted.get("meeting_participants", ""))),
                secretary_ids=[str(v) for v in posted.getlist("secretary_ids")],
            )
    except LianxinError as exc:
        return _meetings_page(
            request, session, user, list_id, error=_message(request, exc), status_code=exc.http_status
        )
    return RedirectResponse(f"/staff/pledges/{list_id}/meetings#schedule", status_code=303)


@router.post("/staff/pledges/decisions/{decision_id}/done")
def follow_up_done(
    decision_id: int,
    request: Request,
    posted: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    user: User = Depends(require_user),
) -> Response:
    decision = session.get(PledgeDecision, decision_id)
    if decision is None or decision.jurisdiction_id != user.jurisdiction_id:
        raise NotFound("决定不存在", "decision not found")
    list_id = decision.meeting.list_id
    try:
        with session.begin_nested():
            follow.finish_follow_up(session, decision, actor=user, result=str(posted.get("result", "")))
    except LianxinError as exc:
        return _meetings_page(
            request, session, user, list_id, error=_message(request, exc), status_code=exc.http_status
        )
    return RedirectResponse(f"/staff/pledges/{list_id}/meetings#follow-ups", status_code=303)


# ---------------------------------------------------------------- public: documents, following


@router.get("/pledges/milestones/{milestone_id}/documents/{n}")
def milestone_document(milestone_id: int, n: int, request: Request, session: Session = Depends(get_session)):
    """A milestone's document, public once its list is published; always a download."""
    from fastapi.responses import FileResponse

    from lianxin.pledges.models import PledgeMilestone
    from lianxin.pledges.public_views import _public_list
    from lianxin.web.deps import public_jurisdiction
    from lianxin.web.uploads import stored_path

    milestone = session.get(PledgeMilestone, milestone_id)
    if milestone is None or not 0 <= n < len(milestone.documents or []):
        raise NotFound("文件不存在", "no such document")
    item = service.get_item(session, milestone.item_id, jurisdiction_id=public_jurisdiction(request, session).id)
    _public_list(request, session, item.list_id)
    doc = milestone.documents[n]
    path = stored_path(request.app.state.settings.upload_dir, doc["key"])
    if not path.is_file():
        raise NotFound("文件不存在", "no such document")
    return FileResponse(
        path,
        media_type=doc["type"],
        filename=doc["name"],
        headers={"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "default-src 'none'"},
    )


@router.post("/pledges/items/{item_id}/follow")
def follow_item(
    item_id: int,
    request: Request,
    posted: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
) -> Response:
    """A signed-in resident follows (or stops following) a published item; without an account: the login page."""
    from lianxin.residents.views import current_resident
    from lianxin.web.deps import public_jurisdiction

    item = service.get_item(session, item_id, jurisdiction_id=public_jurisdiction(request, session).id)
    resident = current_resident(request, session)
    if resident is None:
        return RedirectResponse("/me/login", status_code=303)
    if posted.get("action") == "unfollow":
        follow.unfollow(session, item, resident)
    else:
        follow.follow(session, item, resident)
    return RedirectResponse(f"/pledges/items/{item_id}#follow", status_code=303)
