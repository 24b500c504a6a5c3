"""Staff pages of monitoring cases: the list by risk, and a case (household masked, income as a band unless the
logged clear view is asked for, risk factors, the cadre, measures with their owner units and target dates,
visits — confidential ones only for those who may — relief payments, the clearance criteria still open, and the
actions the viewer may take). One verb per POST, in a savepoint; a refusal re-renders with the message."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from lianxin.appeals.privacy import mask_name, mask_phone
from lianxin.errors import InvalidInput, LianxinError
from lianxin.orgs.models import Role, Unit, UnitKind, User
from lianxin.poverty import cases, funds, service
from lianxin.poverty.models import Measure, MonitoringCase
from lianxin.poverty.status import (
    CASE_OPEN,
    CaseStatus,
    ExitReason,
    MeasureStatus,
    MeasureType,
    RiskLevel,
    RiskType,
)
from lianxin.poverty.views import STAFF, date_field, get, message, number_field, page
from lianxin.web.deps import get_session
from lianxin.web.forms import posted_form

router = APIRouter()


@router.get("/staff/poverty/cases")
def case_list(
    request: Request,
    status: str = "open",
    level: str = "",
    session: Session = Depends(get_session),
    user: User = Depends(STAFF),
) -> Response:
    rows = session.scalars(cases.cases(session, user, status=status, level=level).limit(300)).all()
    return page(
        request,
        "poverty/cases.html",
        {
            "rows": rows,
            "status": status,
            "level": level,
            "statuses": list(CaseStatus),
            "levels": list(RiskLevel),
            "mask_name": mask_name,
        },
    )


def _owner_units(session: Session, jurisdiction_id: int) -> list[Unit]:
    kinds = (UnitKind.DEPARTMENT, UnitKind.STREET, UnitKind.COMMUNITY, UnitKind.DISTRICT)
    return list(
        session.scalars(
            select(Unit)
            .where(Unit.jurisdiction_id == jurisdiction_id, Unit.kind.in_(kinds))
            .order_by(Unit.kind, Unit.name)
        )
    )


def _case_page(
    request: Request,
    session: Session,
    user: User,
    case: MonitoringCase,
    *,
    error: str | None = None,
    clear: dict | None = None,
    status_code: int = 200,
) -> Response:
    area = service.covers(session, user, cases.CASE_ROLES, case)
    leader = service.covers(session, user, service.DECIDE_ROLES, case)
    people = service.household_people(session, case.household_id)
    return page(
        request,
        "poverty/case.html",
        {
            "c": case,
            "shown": clear or cases.case_view(case),
            "people": [
                {
                    "name": p.name if clear else mask_name(p.name),
                    "phone": p.phone if clear else mask_phone(p.phone),
                    "relation": p.relation,
                }
                for p in people
            ],
            "visits": cases.visible_visits(session, user, case),
            "gaps": cases.clearance_check(session, case) if case.status == CaseStatus.MONITORING else [],
            "history": service.history(session, "case", case.id),
            "area": area,
            "leader": leader,
            "owned": {m.id for m in case.measures if m.owner_unit_id in cases._owner_units(session, user)},
            "is_open": case.status in CASE_OPEN,
            "funds": [(f, funds.ledger(session, f)) for f in funds.funds(session, case.jurisdiction_id) if f.active],
            "owners": _owner_units(session, case.jurisdiction_id) if area else [],
            "measure_types": list(MeasureType),
            "measure_statuses": list(MeasureStatus),
            "risk_types": list(RiskType),
            "exit_reasons": list(ExitReason),
            "cadres": [
                u
                for u in session.scalars(
                    select(User)
                    .where(User.jurisdiction_id == case.jurisdiction_id, User.active.is_(True))
                    .order_by(User.username)
                )
                if service.covers(session, u, cases.CASE_ROLES, case)
            ][:50]
            if leader or service.covers(session, user, (Role.HANDLER,), case)
            else [],
            "error": error,
        },
        status_code=status_code,
    )


@router.get("/staff/poverty/cases/{case_id}")
def case_page(
    case_id: int,
    request: Request,
    unmask: str = "",
    session: Session = Depends(get_session),
    user: User = Depends(STAFF),
) -> Response:
    case = cases.get_case(session, user, case_id)
    clear = cases.reveal_case(session, user, case, "web") if unmask else None
    return _case_page(request, session, user, case, clear=clear)


def _factors(form: FormData) -> list[dict]:
    out = []
    for kind in RiskType:
        value = get(form, f"risk_{kind.value}")
        if value and value != "0":
            out.append({"type": kind.value, "severity": value})
    return out


def _measure(session: Session, case: MonitoringCase, form: FormData) -> Measure:
    measure = session.get(Measure, number_field(get(form, "measure_id"), "measure_id"))
    if measure is None or measure.case_id != case.id:
        raise InvalidInput("措施不存在", "no such measure", field="measure_id")
    return measure


def _payment(session: Session, user: User, case: MonitoringCase, form: FormData):
    payment = funds.get_payment(session, user, number_field(get(form, "payment_id"), "payment_id"))
    if payment.case_id != case.id:
        raise InvalidInput("救助资金记录不存在", "no such payment", field="payment_id")
    return payment


@router.post("/staff/poverty/cases/{case_id}/{action}")
def case_action(
    case_id: int,
    action: str,
    request: Request,
    form: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    user: User = Depends(STAFF),
) -> Response:
    case = cases.get_case(session, user, case_id)
    try:
        with session.begin_nested():
            if action == "assess":
                cases.assess(
                    session,
                    case,
                    actor=user,
                    factors=_factors(form),
                    note=get(form, "note"),
                    income_per_capita=number_field(get(form, "income_per_capita"), "income_per_capita", True),
                )
            elif action == "cadre":
                cadre = session.get(User, number_field(get(form, "cadre_id"), "cadre_id"))
                if cadre is None:
                    raise InvalidInput("请选择责任干部", "choose the cadre", field="cadre_id")
                cases.set_cadre(session, case, actor=user, cadre=cadre)
            elif action == "measure":
                cases.add_measure(
                    session,
                    case,
                    actor=user,
                    kind=get(form, "kind"),
                    owner_unit_id=number_field(get(form, "owner_unit_id"), "owner_unit_id"),
                    target_on=date_field(get(form, "target_on"), "target_on"),
                    detail=get(form, "detail"),
                )
            elif action == "measure_status":
                cases.update_measure(
                    session,
                    _measure(session, case, form),
                    actor=user,
                    status=get(form, "status"),
                    detail=get(form, "detail"),
                )
            elif action == "visit":
                cases.add_visit(
                    session,
                    case,
                    actor=user,
                    findings=get(form, "findings"),
                    visited_on=date_field(get(form, "visited_on"), "visited_on") if get(form, "visited_on") else None,
                    confidential=get(form, "confidential") == "1",
                )
            elif action == "propose_clear":
                cases.propose_clear(session, case, actor=user, note=get(form, "note"))
            elif action in ("approve_clear", "reject_clear"):
                cases.review_clear(session, case, actor=user, approve=action == "approve_clear", note=get(form, "note"))
            elif action == "reverify":
                cases.reverify(
                    session,
                    case,
                    actor=user,
                    findings=get(form, "findings"),
                    risk_returned=get(form, "risk_returned") == "1",
                    factors=_factors(form) or None,
                )
            elif action == "reopen":
                cases.reopen(session, case, actor=user, reason=get(form, "reason"), factors=_factors(form) or None)
            elif action == "exit":
                cases.exit_case(session, case, actor=user, reason=get(form, "reason"), note=get(form, "note"))
            elif action == "payment":
                funds.request_payment(
                    session,
                    case,
                    actor=user,
                    fund_id=number_field(get(form, "fund_id"), "fund_id"),
                    amount=number_field(get(form, "amount"), "amount"),
                    purpose=get(form, "purpose"),
                )
            elif action == "approve_payment":
                funds.approve_payment(session, _payment(session, user, case, form), actor=user)
            elif action == "reject_payment":
                funds.reject_payment(
                    session, _payment(session, user, case, form), actor=user, reason=get(form, "reason")
                )
            elif action == "pay":
                funds.pay(session, _payment(session, user, case, form), actor=user)
            else:
                raise InvalidInput("未知操作", "unknown action")
    except LianxinError as exc:
        session.refresh(case)
        return _case_page(request, session, user, case, error=message(request, exc), status_code=exc.http_status)
    return RedirectResponse(f"/staff/poverty/cases/{case.id}", status_code=303)
