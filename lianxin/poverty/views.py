"""Staff pages of 防返贫 monitoring: the declaration worklist with its working-day clocks, a declaration (masked,
a logged clear view, the one action its status allows for the viewer), a declaration recorded by staff (grid
visit, 12317, from an appeal, wish or alarm), the 清零 board, the fund ledger and the auditor's log of clear
views. Case pages are ``case_views.py``. Each POST runs one verb in a savepoint and redirects; a refusal shows
the page again with the message (nothing changed)."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from lianxin.appeals.audit import require_auditor
from lianxin.clock import utcnow
from lianxin.errors import InvalidInput, LianxinError
from lianxin.orgs.models import Role, Unit, UnitKind, User
from lianxin.orgs.service import has_role
from lianxin.poverty import board, funds, service
from lianxin.poverty.models import Declaration, MonitoringCase, PovertyDataView
from lianxin.poverty.status import (
    CASE_OPEN,
    CaseAction,
    CaseStatus,
    Channel,
    CheckResult,
    DeclarationAction,
    DeclarationStatus,
    ObjectType,
    PaymentAction,
    RiskType,
)
from lianxin.web.deps import get_session, require_roles, require_user
from lianxin.web.forms import posted_form
from lianxin.web.i18n import pick_lang
from lianxin.web.templating import render

router = APIRouter()
STAFF = require_roles(Role.GRID_WORKER, Role.HANDLER, Role.LEADER)
STAFF_CHANNELS = (Channel.GRID, Channel.HOTLINE, Channel.APPEAL, Channel.WISH, Channel.ALARM)


RISKS = {r.value: r for r in RiskType}
LISTS = {
    "RISKS": RISKS,
    "ACTIONS": {"declaration": {a.value: a for a in DeclarationAction}, "case": {a.value: a for a in CaseAction}},
    "STATUSES": {"declaration": {s.value: s for s in DeclarationStatus}, "case": {s.value: s for s in CaseStatus}},
    "PAYMENT_ACTIONS": {a.value: a for a in PaymentAction},
}


def page(request: Request, name: str, context: dict, status_code: int = 200) -> Response:
    """``render`` with the risk-type labels every page of the module shows."""
    return render(request, name, {**LISTS, **context}, status_code=status_code)


def message(request: Request, exc: LianxinError) -> str:
    return exc.message_en if pick_lang(request) == "en" else exc.message_zh


def get(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def number_field(value: str, field: str, optional: bool = False) -> int | None:
    if optional and not value:
        return None
    if not value.isdigit() or len(value) > 9:
        raise InvalidInput("请填写整数", "enter a whole number", field=field)
    return int(value)


def date_field(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput("日期格式应为 YYYY-MM-DD", "dates look like 2026-03-20", field=field) from None


def villages(session: Session, jurisdiction_id: int) -> list[Unit]:
    return list(
        session.scalars(
            select(Unit)
            .where(Unit.jurisdiction_id == jurisdiction_id, Unit.kind == UnitKind.COMMUNITY, Unit.active.is_(True))
            .order_by(Unit.name)
        )
    )


# --- the worklist ---------------------------------------------------------------------------------------------


@router.get("/staff/poverty")
def worklist(
    request: Request,
    status: str = "open",
    mine: str = "",
    session: Session = Depends(get_session),
    user: User = Depends(STAFF),
) -> Response:
    rows = session.scalars(service.declarations(session, user, status=status, mine=bool(mine)).limit(300)).all()
    now = utcnow()
    return page(
        request,
        "poverty/worklist.html",
        {
            "rows": rows,
            "clocks": {d.id: service.clock(session, d, now) for d in rows},
            "masked": {d.id: service.declaration_view(d) for d in rows},
            "status": status,
            "mine": bool(mine),
            "statuses": list(DeclarationStatus),
            "number": service.number,
        },
    )


# --- one declaration ------------------------------------------------------------------------------------------


def _checkers(session: Session, decl: Declaration) -> list[User]:
    users = session.scalars(
        select(User).where(User.jurisdiction_id == decl.jurisdiction_id, User.active.is_(True)).order_by(User.username)
    ).all()
    return [u for u in users if service.covers(session, u, service.CHECK_ROLES, decl)][:50]


def _declaration_page(
    request: Request,
    session: Session,
    user: User,
    decl: Declaration,
    *,
    error: str | None = None,
    clear: dict | None = None,
    status_code: int = 200,
) -> Response:
    can = {
        "claim": decl.status == DeclarationStatus.SUBMITTED
        and service.covers(session, user, service.CHECK_ROLES, decl),
        "assign": decl.status in (DeclarationStatus.SUBMITTED, DeclarationStatus.CHECKING)
        and service.covers(session, user, service.REVIEW_ROLES, decl),
        "check": decl.status == DeclarationStatus.CHECKING and decl.assignee_id == user.id,
        "publicize": decl.status == DeclarationStatus.REVIEWING
        and decl.publicized_at is None
        and service.covers(session, user, service.REVIEW_ROLES, decl),
        "decide": decl.status == DeclarationStatus.REVIEWING
        and service.covers(session, user, service.DECIDE_ROLES, decl)
        and user.id not in (decl.checked_by_id, decl.assignee_id),
    }
    return page(
        request,
        "poverty/declaration.html",
        {
            "d": decl,
            "number": service.number(decl),
            "shown": clear or service.declaration_view(decl),
            "clock": service.clock(session, decl),
            "history": service.history(session, "declaration", decl.id),
            "can": can,
            "checkers": _checkers(session, decl) if can["assign"] else [],
            "results": list(CheckResult),
            "object_types": list(ObjectType),
            "risk_types": list(RiskType),
            "publicity_over": decl.publicity_until is not None and decl.publicity_until <= utcnow(),
            "error": error,
        },
        status_code=status_code,
    )


@router.get("/staff/poverty/declarations/{declaration_id}")
def declaration_page(
    declaration_id: int,
    request: Request,
    unmask: str = "",
    session: Session = Depends(get_session),
    user: User = Depends(STAFF),
) -> Response:
    decl = service.get_declaration(session, user, declaration_id)
    clear = service.reveal_declaration(session, user, decl, "web") if unmask else None
    return _declaration_page(request, session, user, decl, clear=clear)


@router.post("/staff/poverty/declarations/{declaration_id}/{action}")
def declaration_action(
    declaration_id: int,
    action: str,
    request: Request,
    form: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    user: User = Depends(STAFF),
) -> Response:
    decl = service.get_declaration(session, user, declaration_id)
    try:
        with session.begin_nested():
            if action == "claim":
                service.assign(session, decl, actor=user)
            elif action == "assign":
                assignee = session.get(User, number_field(get(form, "assignee"), "assignee"))
                if assignee is None or assignee.jurisdiction_id != user.jurisdiction_id:
                    raise InvalidInput("请选择核实人员", "choose who checks", field="assignee")
                service.assign(session, decl, actor=user, assignee=assignee)
            elif action == "check":
                service.check(
                    session,
                    decl,
                    actor=user,
                    result=get(form, "result"),
                    note=get(form, "note"),
                    income_per_capita=number_field(get(form, "income_per_capita"), "income_per_capita", True),
                    household_size=number_field(get(form, "household_size"), "household_size", True),
                    risk_types=[v for v in form.getlist("risk_types") if isinstance(v, str)] or None,
                )
            elif action == "publicize":
                service.publicize(session, decl, actor=user, note=get(form, "note"))
            elif action == "decide":
                service.decide(
                    session,
                    decl,
                    actor=user,
                    outcome=get(form, "outcome"),
                    object_type=get(form, "object_type"),
                    reason=get(form, "reason"),
                )
            elif action == "withdraw":
                service.withdraw(session, decl, actor=user, reason=get(form, "reason"))
            else:
                raise InvalidInput("未知操作", "unknown action")
    except LianxinError as exc:
        session.refresh(decl)
        return _declaration_page(request, session, user, decl, error=message(request, exc), status_code=exc.http_status)
    return RedirectResponse(f"/staff/poverty/declarations/{decl.id}", status_code=303)


# --- a declaration recorded by staff ---------------------------------------------------------------------------


def _new_page(request, session, user, values, error=None, status_code=200) -> Response:
    return page(
        request,
        "poverty/new.html",
        {
            "values": values,
            "error": error,
            "channels": STAFF_CHANNELS,
            "risk_types": list(RiskType),
            "villages": villages(session, user.jurisdiction_id),
        },
        status_code=status_code,
    )


@router.get("/staff/poverty/new")
def new_declaration(
    request: Request, household: str = "", session: Session = Depends(get_session), user: User = Depends(STAFF)
) -> Response:
    return _new_page(request, session, user, {"household_id": household, "channel": "grid"})


@router.post("/staff/poverty/new")
def create_declaration(
    request: Request,
    form: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    user: User = Depends(STAFF),
) -> Response:
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    try:
        with session.begin_nested():
            decl = service.declare(
                session,
                jurisdiction_id=user.jurisdiction_id,
                channel=get(form, "channel"),
                head_name=get(form, "head_name"),
                risk_types=[v for v in form.getlist("risk_types") if isinstance(v, str)],
                household_id=number_field(get(form, "household_id"), "household_id", True),
                community_id=number_field(get(form, "community_id"), "community_id", True),
                id_number=get(form, "id_number") or None,
                phone=get(form, "phone") or None,
                address=get(form, "address"),
                description=get(form, "description"),
                source_ref=get(form, "source_ref") or None,
                actor=user,
            )
    except LianxinError as exc:
        return _new_page(request, session, user, values, message(request, exc), exc.http_status)
    return RedirectResponse(f"/staff/poverty/declarations/{decl.id}", status_code=303)


# --- the 清零 board, funds, the audit log ------------------------------------------------------------------------


@router.get("/staff/poverty/board")
def board_page(
    request: Request, unit: str = "", session: Session = Depends(get_session), user: User = Depends(STAFF)
) -> Response:
    unit_id = int(unit) if unit.isdigit() and len(unit) <= 9 else None
    now = utcnow()
    result = board.board(session, user.jurisdiction_id, unit_id, now)
    monitored = session.scalars(
        select(MonitoringCase).where(
            MonitoringCase.jurisdiction_id == user.jurisdiction_id, MonitoringCase.assisting_since.is_not(None)
        )
    ).all()
    if unit_id is not None:
        below = {u.id for u in _below(session, unit_id)}
        monitored = [c for c in monitored if c.community_id in below]
    return page(
        request,
        "poverty/board.html",
        {"board": result, "effect": board.before_after(session, list(monitored), now), "open_statuses": CASE_OPEN},
    )


def _below(session: Session, unit_id: int) -> list[Unit]:
    from lianxin.orgs.service import descendant_ids

    ids = descendant_ids(session, unit_id)
    return list(session.scalars(select(Unit).where(Unit.id.in_(ids))))


@router.get("/staff/poverty/funds")
def funds_page(
    request: Request, session: Session = Depends(get_session), user: User = Depends(require_roles(Role.LEADER))
) -> Response:
    rows = [(f, funds.ledger(session, f)) for f in funds.funds(session, user.jurisdiction_id)]
    return page(request, "poverty/funds.html", {"rows": rows, "can_create": has_role(session, user, (Role.LEADER,))})


@router.get("/staff/poverty/audit")
def audit_page(
    request: Request, session: Session = Depends(get_session), user: User = Depends(require_user)
) -> Response:
    require_auditor(user)
    rows = session.scalars(
        select(PovertyDataView)
        .where(PovertyDataView.jurisdiction_id == user.jurisdiction_id)
        .order_by(PovertyDataView.at.desc(), PovertyDataView.id.desc())
        .limit(500)
    ).all()
    return page(request, "poverty/audit.html", {"rows": rows})
