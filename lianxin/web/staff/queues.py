"""The workbenches: every staff queue is the list component over the appeals the user may see
(``appeals.access.visible_appeals``), narrowed to the queue's rule."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Select, exists, or_, select
from sqlalchemy.orm import Session

from lianxin.appeals.access import overdue, visible_appeals
from lianxin.appeals.choices import RequestState
from lianxin.appeals.models import Appeal, AppealRequest
from lianxin.appeals.status import WITH_UNIT, AppealStatus
from lianxin.orgs.models import Role, User
from lianxin.orgs.service import CENTRE_ROLES, has_role, user_unit_ids
from lianxin.web.deps import get_session, require_roles, require_user
from lianxin.web.i18n import pick_lang
from lianxin.web.staff.common import FILTERS, appeal_spec, with_units
from lianxin.web.staff.listing import ListPage, run_list
from lianxin.web.templating import render

router = APIRouter(prefix="/staff")

# (path, zh, en, roles) — the hub and the navigation list the workbenches in this order.
WORKBENCHES = [
    ("/staff/intake", "来电登记", "Record a call", {Role.OPERATOR}),
    ("/staff/dispatch", "派单队列", "Dispatch queue", {Role.DISPATCHER}),
    ("/staff/handle", "本单位待办", "My units' queue", {Role.HANDLER}),
    ("/staff/grid", "网格工单", "My grid", {Role.GRID_WORKER}),
    ("/staff/visits", "回访队列", "Return visits", {Role.VISITOR}),
    ("/staff/overview", "领导总览", "Overview", {Role.LEADER}),
    ("/staff/overdue", "超期工单", "Overdue", {Role.LEADER, Role.DISPATCHER}),
    (
        "/staff/appeals",
        "全部工单",
        "All appeals",
        {Role.OPERATOR, Role.DISPATCHER, Role.HANDLER, Role.VISITOR, Role.LEADER, Role.GRID_WORKER},
    ),
    ("/staff/audit", "个人信息查看日志", "Personal-data log", {Role.AUDITOR}),
]


def centre(session: Session, user: User) -> bool:
    return has_role(session, user, CENTRE_ROLES)


def list_response(
    request: Request,
    session: Session,
    spec,
    stmt: Select,
    heading: tuple[str, str],
    intro: tuple[str, str] | None = None,
    template: str = "staff/list_page.html",
    links: list[tuple[str, str]] = (),
    **extra,
) -> Response:
    result = run_list(session, request, spec, stmt)
    if not isinstance(result, ListPage):
        return result
    en = pick_lang(request) == "en"
    return render(
        request,
        template,
        {"lp": result, "heading": heading[en], "intro": intro[en] if intro else "", "links": list(links), **extra},
    )


@router.get("")
def hub(request: Request, user: User = Depends(require_user)) -> Response:
    """The user's own workbench: the first one their roles open; admins without one go to the admin pages."""
    roles = {grant.role for grant in user.grants}
    for path, _zh, _en, needed in WORKBENCHES:
        if roles & needed:
            return RedirectResponse(path, status_code=303)
    return RedirectResponse("/staff/admin" if Role.ADMIN in roles else "/", status_code=303)


@router.get("/appeals")
def all_appeals(
    request: Request, user: User = Depends(require_user), session: Session = Depends(get_session)
) -> Response:
    return list_response(
        request,
        session,
        appeal_spec("appeals", centre=centre(session, user)),
        visible_appeals(session, user),
        ("全部工单", "All appeals"),
    )


# Pending requests (退单, 异议, 延期) wait for the centre briefly: a handful at any time. Up to this many, the queue
# names their appeals (an index lookup each) beside the partial index of the appeals waiting for dispatch; past
# it, a correlated EXISTS (a scan, but still right).
PENDING_LISTED = 500


def _awaiting_centre(session: Session, jurisdiction_id: int):
    """Appeals waiting for dispatch, or whose unit's request waits for the centre's decision."""
    pending = session.scalars(
        select(AppealRequest.appeal_id)
        .where(AppealRequest.jurisdiction_id == jurisdiction_id, AppealRequest.state == RequestState.PENDING)
        .distinct()
        .limit(PENDING_LISTED + 1)
    ).all()
    received = Appeal.status == AppealStatus.RECEIVED
    if len(pending) > PENDING_LISTED:
        return or_(
            received,
            exists().where(AppealRequest.appeal_id == Appeal.id, AppealRequest.state == RequestState.PENDING),
        )
    return or_(received, Appeal.id.in_(pending)) if pending else received


@router.get("/dispatch")
def dispatch_queue(
    request: Request, user: User = Depends(require_roles(Role.DISPATCHER)), session: Session = Depends(get_session)
) -> Response:
    stmt = visible_appeals(session, user).where(_awaiting_centre(session, user.jurisdiction_id))
    within = request.app.state.settings.dispatch_within_minutes
    return list_response(
        request,
        session,
        appeal_spec("dispatch", "received_at", dispatch_within=within, centre=True),
        stmt,
        ("派单队列", "Dispatch queue"),
        (
            f"新受理待派单的工单（等待超过 {within} 分钟标红），以及承办单位提出退单、异议或延期待审核的工单。",
            f"New appeals to dispatch (red: waiting over {within} min), and appeals whose unit asked to return, "
            "objected or asked for more time.",
        ),
    )


def handler_units(session: Session, user: User) -> set[int]:
    return user_unit_ids(session, user, (Role.HANDLER,))


@router.get("/handle")
def handler_queue(
    request: Request, user: User = Depends(require_roles(Role.HANDLER)), session: Session = Depends(get_session)
) -> Response:
    stmt = visible_appeals(session, user).where(
        Appeal.status.in_(WITH_UNIT), Appeal.id.in_(with_units(handler_units(session, user)))
    )
    return list_response(
        request,
        session,
        appeal_spec("handle", "next_due", centre=centre(session, user)),
        stmt,
        ("本单位待办", "My units' queue"),
        (
            "按下一时限（签收、联系、办结中最先到期的）排序：红色已超期，黄色即将到期，绿色正常。协办、报到单位向主办单位反馈。",
            "Sorted by the next deadline (sign, contact or resolve, whichever is first): red passed, amber soon, "
            "green on time.",
        ),
    )


@router.get("/grid")
def grid_queue(
    request: Request, user: User = Depends(require_roles(Role.GRID_WORKER)), session: Session = Depends(get_session)
) -> Response:
    area = user_unit_ids(session, user, (Role.GRID_WORKER,))
    stmt = visible_appeals(session, user).where(or_(Appeal.grid_id.in_(area), Appeal.community_id.in_(area)))
    return list_response(
        request,
        session,
        appeal_spec("grid", centre=centre(session, user)),
        stmt,
        ("网格工单", "My grid's appeals"),
        links=[("/appeal", "Report a problem found on patrol" if pick_lang(request) == "en" else "上报巡查问题")],
    )


@router.get("/overdue")
def overdue_list(
    request: Request,
    user: User = Depends(require_roles(Role.LEADER, Role.DISPATCHER)),
    session: Session = Depends(get_session),
) -> Response:
    stmt = visible_appeals(session, user).where(overdue())
    return list_response(
        request,
        session,
        appeal_spec("overdue", "due_at", filters=FILTERS[1:3], centre=centre(session, user), resolve_by=True),
        stmt,
        ("超期工单", "Overdue appeals"),
    )
