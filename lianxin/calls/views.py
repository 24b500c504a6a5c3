"""The telephone side's pages: the desk panel polled on /staff/intake (the caller's earlier appeals pop when the
call rings; hand-over to an expert seat and transfer to a utility hotline in one click), the calls box on the
appeal page (the recording link, for the roles allowed to hear it), the recording itself, and the expert queue."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from lianxin.appeals.access import can_see, sees_personal_data, visible_appeals
from lianxin.appeals.models import Appeal, Appellant, Category
from lianxin.appeals.privacy import mask_phone
from lianxin.appeals.status import OPEN
from lianxin.calls import service
from lianxin.calls.choices import CallStatus
from lianxin.calls.models import Call, CallSeat, ExpertItem
from lianxin.errors import LianxinError, NotFound, PermissionDenied
from lianxin.orgs.models import Role, User
from lianxin.web.deps import get_session, require_roles, require_user
from lianxin.web.forms import posted_form
from lianxin.web.htmx import is_htmx
from lianxin.web.i18n import pick_lang
from lianxin.web.templating import render

router = APIRouter(prefix="/staff/calls")
DESK = (Role.OPERATOR, Role.DISPATCHER)


def caller_appeals(session: Session, user: User, caller: str) -> list[Appeal]:
    """The caller's appeals this user may see, newest first."""
    stmt = (
        visible_appeals(session, user)
        .join(Appellant, Appellant.id == Appeal.appellant_id)
        .where(Appellant.jurisdiction_id == user.jurisdiction_id, Appellant.phone == caller)
        .order_by(Appeal.received_at.desc())
        .limit(20)
    )
    return list(session.scalars(stmt))


def stamp(call: Call | None) -> str:
    """Changes whenever what the panel shows of the call changes (the poll answers 204 while it does not)."""
    return f"{call.call_id}|{call.status.value}|{call.updated_at.isoformat()}" if call else "none"


def desk_context(session: Session, user: User, message: str = "", call: Call | None = None) -> dict:
    call = call or service.current_call(session, user)
    context: dict = {"call": call, "stamp": stamp(call), "message": message}
    context["seat"] = session.scalar(
        select(CallSeat.seat).where(CallSeat.jurisdiction_id == user.jurisdiction_id, CallSeat.user_id == user.id)
    )
    if call is None:
        return context
    line = service.hotline(session, call.jurisdiction_id, call.hotline_number)
    category = session.get(Category, line.default_category_id) if line and line.default_category_id else None
    appeals = caller_appeals(session, user, call.caller)
    linked = session.get(Appeal, call.appeal_id) if call.appeal_id else None
    return context | {
        "line": line,
        "category": category,
        "open_appeals": [a for a in appeals if a.status in OPEN],
        "earlier_appeals": [a for a in appeals if a.status not in OPEN],
        "linked": linked,
        "skills": service.skills(session, user.jurisdiction_id),
        "utilities": service.utility_lines(session, user.jurisdiction_id) if call.status == CallStatus.ANSWERED else [],
    }


@router.get("/desk")
def desk(
    request: Request,
    seen: str = "",
    user: User = Depends(require_roles(*DESK)),
    session: Session = Depends(get_session),
) -> Response:
    """The panel on the intake desk, polled every 2 s: 204 while nothing changed since ``seen``."""
    call = service.current_call(session, user)
    if seen and seen == stamp(call):
        return Response(status_code=204)  # one query per operator every 2 s while nothing changes
    return render(request, "calls/_desk.html", desk_context(session, user, call=call))


def _desk_action(request: Request, session: Session, user: User, act) -> Response:
    message = ""
    savepoint = session.begin_nested()
    try:
        act()
        savepoint.commit()
    except LianxinError as exc:
        savepoint.rollback()
        message = exc.message_en if pick_lang(request) == "en" else exc.message_zh
        if not is_htmx(request):
            raise
    if not is_htmx(request):
        return RedirectResponse("/staff/intake", status_code=303)
    return render(request, "calls/_desk.html", desk_context(session, user, message))


@router.post("/{call_id}/expert")
def hand_over(
    request: Request,
    call_id: str,
    posted: FormData = Depends(posted_form(max_files=0)),
    user: User = Depends(require_roles(*DESK)),
    session: Session = Depends(get_session),
) -> Response:
    """专家座席: hand the live call (and its intake) to the expert queue of a domain, in one click."""
    call = service.require_call(session, user.jurisdiction_id, call_id)
    skill = str(posted.get("skill", ""))
    return _desk_action(request, session, user, lambda: service.hand_to_expert(session, call, skill, actor=user))


@router.post("/{call_id}/transfer")
def transfer(
    request: Request,
    call_id: str,
    posted: FormData = Depends(posted_form(max_files=0)),
    user: User = Depends(require_roles(*DESK)),
    session: Session = Depends(get_session),
) -> Response:
    """转接: the call goes to a utility's own hotline (water, gas, metro), recorded on the call."""
    call = service.require_call(session, user.jurisdiction_id, call_id)
    number = str(posted.get("number", ""))
    return _desk_action(request, session, user, lambda: service.transfer_to_utility(session, call, number, actor=user))


@router.get("/appeal/{order_no}")
def appeal_calls(
    request: Request, order_no: str, user: User = Depends(require_user), session: Session = Depends(get_session)
) -> Response:
    """The box on the appeal page: the call it was recorded from, with the recording link for those who may
    hear it. Nothing (204) for anyone else, or when the appeal came from no call."""
    appeal = session.scalar(
        select(Appeal).where(Appeal.jurisdiction_id == user.jurisdiction_id, Appeal.order_no == order_no)
    )
    if appeal is None or not can_see(session, user, appeal) or not service.may_hear(session, user):
        return Response(status_code=204)
    calls = service.recording_calls(session, appeal)
    if not calls:
        return Response(status_code=204)
    unmasked = sees_personal_data(session, user, appeal)
    callers = {call.call_id: call.caller if unmasked else mask_phone(call.caller) for call in calls}
    return render(request, "calls/_appeal.html", {"calls": calls, "appeal": appeal, "callers": callers})


def recording_url(settings, ref: str) -> str:
    if ref.startswith(("http://", "https://")):
        return ref
    base = settings.cti_recording_url
    return base + quote(ref, safe="/") if base else f"/staff/calls/no-player?ref={quote(ref, safe='')}"


@router.get("/{call_id}/recording")
def recording(
    request: Request, call_id: str, user: User = Depends(require_user), session: Session = Depends(get_session)
) -> Response:
    """The recording of a call: for the roles that may hear it, when they may see an appeal of the call (or it
    rang at their seat)."""
    call = service.require_call(session, user.jurisdiction_id, call_id)
    allowed = service.may_hear(session, user) and (
        call.operator_id == user.id
        or any(can_see(session, user, a) for a in [session.get(Appeal, call.appeal_id)] if a is not None)
    )
    if not allowed:
        raise PermissionDenied("您无权收听该录音", "you may not hear this recording")
    if not call.recording_ref:
        raise NotFound("该通话没有录音", "this call has no recording")
    return RedirectResponse(recording_url(request.app.state.settings, call.recording_ref), status_code=303)


@router.get("/no-player")
def no_player(request: Request, ref: str = "", user: User = Depends(require_user)) -> Response:
    return render(request, "calls/no_player.html", {"ref": ref[:500]})


@router.get("/expert")
def expert_page(
    request: Request, user: User = Depends(require_roles(*DESK)), session: Session = Depends(get_session)
) -> Response:
    """专家座席: the intakes and calls waiting in the domains this operator is an expert of."""
    items = service.expert_queue(session, user)
    appeals = {
        a.id: a
        for a in session.scalars(select(Appeal).where(Appeal.id.in_([i.appeal_id for i in items if i.appeal_id])))
    }
    names = {s.code: s for s in service.skills(session, user.jurisdiction_id)}
    return render(
        request,
        "calls/expert.html",
        {"items": items, "appeals": appeals, "names": names, "mine": service.skills_of(session, user)},
    )


@router.post("/expert/{item_id}/take")
def take(
    request: Request,
    item_id: str,
    posted: FormData = Depends(posted_form(max_files=0)),
    user: User = Depends(require_roles(*DESK)),
    session: Session = Depends(get_session),
) -> Response:
    item: ExpertItem = service.take_expert_item(session, user.jurisdiction_id, item_id[:32], actor=user)
    if item.appeal_id:
        appeal = session.get(Appeal, item.appeal_id)
        return RedirectResponse(f"/staff/appeals/{appeal.order_no}", status_code=303)
    return RedirectResponse("/staff/calls/expert", status_code=303)
