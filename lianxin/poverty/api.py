"""/api/v1/poverty: declarations (masked; the clear view is its own logged call) and their actions, monitoring
cases with measures, visits, clearance and payments, and the 清零 board. Every POST goes through ``ctx.once``
(an ``Idempotency-Key`` retry never acts twice); the verbs check the caller's grants."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from lianxin.api.deps import Ctx, WriteCtx
from lianxin.api.errors import ERROR_RESPONSES
from lianxin.api.schemas import DbId
from lianxin.clock import utcnow
from lianxin.errors import InvalidInput
from lianxin.orgs.models import User
from lianxin.poverty import board, cases, funds, service
from lianxin.poverty.models import Declaration, MonitoringCase, Payment

router = APIRouter(prefix="/poverty", tags=["防返贫监测 poverty"], responses=ERROR_RESPONSES)


class ClockOut(BaseModel):
    step: str | None = Field(description="check（村级核实）| decide（评议公示和认定）| null")
    due_at: datetime | None
    colour: str = Field(description="green | amber | red | none")
    days_left: int | None = Field(description="剩余工作日，超期为负 / working days left, negative when overdue")


class DeclarationOut(BaseModel):
    id: int
    number: str
    status: str
    channel: str
    community_id: int
    grid_id: int | None
    household_id: int | None
    head_name: str = Field(description="脱敏 / masked")
    id_number: str = Field(description="脱敏 / masked")
    phone: str = Field(description="脱敏 / masked")
    income_per_capita: str | int | None = Field(description="区间，明文调用才给数字 / a band unless unmasked")
    risk_types: list[str]
    description: str
    source_ref: str | None
    submitted_at: datetime
    check_due_at: datetime
    decide_due_at: datetime
    assignee_id: int | None
    check_result: str | None
    publicity_until: datetime | None
    object_type: str | None
    reject_reason: str | None
    case_id: int | None
    clock: ClockOut


def _declaration(session, decl: Declaration, clear: dict | None = None) -> DeclarationOut:
    shown = clear or service.declaration_view(decl)
    return DeclarationOut(
        id=decl.id,
        number=service.number(decl),
        status=decl.status.value,
        channel=decl.channel.value,
        community_id=decl.community_id,
        grid_id=decl.grid_id,
        household_id=decl.household_id,
        head_name=shown["head_name"],
        id_number=shown["id_number"],
        phone=shown["phone"],
        income_per_capita=shown["income_per_capita"] or None,
        risk_types=list(decl.risk_types),
        description=decl.description,
        source_ref=decl.source_ref,
        submitted_at=decl.submitted_at,
        check_due_at=decl.check_due_at,
        decide_due_at=decl.decide_due_at,
        assignee_id=decl.assignee_id,
        check_result=decl.check_result.value if decl.check_result else None,
        publicity_until=decl.publicity_until,
        object_type=decl.object_type.value if decl.object_type else None,
        reject_reason=decl.reject_reason,
        case_id=decl.case_id,
        clock=ClockOut(**{**service.clock(session, decl), "colour": service.clock(session, decl)["colour"].value}),
    )


class DeclarationIn(BaseModel):
    channel: Literal["grid", "hotline", "appeal", "wish", "alarm"]
    head_name: str = Field(max_length=64)
    risk_types: list[str] = Field(max_length=8)
    household_id: int | None = None
    community_id: int | None = None
    grid_id: int | None = None
    id_number: str | None = Field(None, max_length=18)
    phone: str | None = Field(None, max_length=20)
    address: str = Field("", max_length=200)
    household_size: int | None = None
    description: str = Field("", max_length=2000)
    source_ref: str | None = Field(None, max_length=40)


class ActionIn(BaseModel):
    action: Literal["claim", "assign", "check", "publicize", "decide", "withdraw"]
    assignee_id: int | None = None
    result: str | None = None
    note: str = Field("", max_length=2000)
    income_per_capita: int | None = None
    household_size: int | None = None
    risk_types: list[str] | None = None
    outcome: str | None = None
    object_type: str | None = None
    reason: str = Field("", max_length=2000)


@router.get("/declarations", response_model=list[DeclarationOut])
def list_declarations(
    ctx: Ctx, status: str = "open", mine: bool = False, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> list[DeclarationOut]:
    """申报（open：在办）/ declarations in the caller's area (status=open: not yet decided)."""
    stmt = service.declarations(ctx.session, ctx.actor, status=status, mine=mine).limit(limit)
    return [_declaration(ctx.session, d) for d in ctx.session.scalars(stmt)]


@router.post("/declarations", status_code=201, response_model=DeclarationOut)
def create_declaration(body: DeclarationIn, ctx: WriteCtx):
    """登记申报（网格员走访、12317、由诉求/心愿/告警转入）/ record a declaration on the caller's behalf."""

    def run():
        decl = service.declare(ctx.session, jurisdiction_id=ctx.jurisdiction_id, actor=ctx.actor, **body.model_dump())
        return _declaration(ctx.session, decl)

    return ctx.once(run, status_code=201)


@router.get("/declarations/{declaration_id}", response_model=DeclarationOut)
def read_declaration(declaration_id: DbId, ctx: Ctx) -> DeclarationOut:
    return _declaration(ctx.session, service.get_declaration(ctx.session, ctx.actor, declaration_id))


@router.get("/declarations/{declaration_id}/unmasked", response_model=DeclarationOut)
def read_declaration_unmasked(declaration_id: DbId, ctx: Ctx) -> DeclarationOut:
    """明文（每次调用都记录）/ in the clear; every call is logged for the auditor."""
    decl = service.get_declaration(ctx.session, ctx.actor, declaration_id)
    return _declaration(ctx.session, decl, service.reveal_declaration(ctx.session, ctx.actor, decl, "api"))


def _user(ctx, user_id: int | None) -> User:
    user = ctx.session.get(User, user_id) if user_id else None
    if user is None or user.jurisdiction_id != ctx.jurisdiction_id:
        raise InvalidInput("请指定核实人员", "give assignee_id", field="assignee_id")
    return user


@router.post("/declarations/{declaration_id}/actions", response_model=DeclarationOut)
def act_on_declaration(declaration_id: DbId, body: ActionIn, ctx: WriteCtx):
    """领取/指派核实、录入核实、评议公示、认定、撤回 / claim, assign, check, publicize, decide, withdraw."""

    def run():
        decl = service.get_declaration(ctx.session, ctx.actor, declaration_id)
        s, actor = ctx.session, ctx.actor
        if body.action == "claim":
            service.assign(s, decl, actor=actor)
        elif body.action == "assign":
            service.assign(s, decl, actor=actor, assignee=_user(ctx, body.assignee_id))
        elif body.action == "check":
            service.check(
                s,
                decl,
                actor=actor,
                result=body.result or "",
                note=body.note,
                income_per_capita=body.income_per_capita,
                household_size=body.household_size,
                risk_types=body.risk_types,
            )
        elif body.action == "publicize":
            service.publicize(s, decl, actor=actor, note=body.note)
        elif body.action == "decide":
            service.decide(
                s, decl, actor=actor, outcome=body.outcome or "", object_type=body.object_type, reason=body.reason
            )
        else:
            service.withdraw(s, decl, actor=actor, reason=body.reason)
        return _declaration(s, decl)

    return ctx.once(run)


# --- cases ----------------------------------------------------------------------------------------------------


class MeasureOut(BaseModel):
    id: int
    kind: str
    owner_unit_id: int
    owner_unit: str
    target_on: date
    status: str
    detail: str


class PaymentOut(BaseModel):
    id: int
    fund_id: int
    amount: int
    purpose: str
    status: str
    requested_at: datetime
    approved_at: datetime | None
    paid_at: datetime | None


class CaseOut(BaseModel):
    id: int
    household_id: int
    community_id: int
    object_type: str
    status: str
    risk_factors: list[dict]
    risk_score: int
    risk_level: str
    income_per_capita: str | int | None = Field(description="区间，明文调用才给数字 / a band unless unmasked")
    cadre_id: int | None
    identified_at: datetime
    cleared_at: datetime | None
    next_review_on: date | None
    measures: list[MeasureOut]
    payments: list[PaymentOut]
    clearance_gaps: list[str] = Field(description="尚未满足的风险消除条件 / criteria that do not hold yet")


def _payment(p: Payment) -> PaymentOut:
    return PaymentOut(
        id=p.id,
        fund_id=p.fund_id,
        amount=p.amount,
        purpose=p.purpose,
        status=p.status.value,
        requested_at=p.requested_at,
        approved_at=p.approved_at,
        paid_at=p.paid_at,
    )


def _case(session, case: MonitoringCase, clear: dict | None = None) -> CaseOut:
    shown = clear or cases.case_view(case)
    return CaseOut(
        id=case.id,
        household_id=case.household_id,
        community_id=case.community_id,
        object_type=case.object_type.value,
        status=case.status.value,
        risk_factors=list(case.risk_factors),
        risk_score=case.risk_score,
        risk_level=case.risk_level.value,
        income_per_capita=shown["income_per_capita"] or None,
        cadre_id=case.cadre_id,
        identified_at=case.identified_at,
        cleared_at=case.cleared_at,
        next_review_on=case.next_review_on,
        measures=[
            MeasureOut(
                id=m.id,
                kind=m.kind.value,
                owner_unit_id=m.owner_unit_id,
                owner_unit=m.owner_unit.name,
                target_on=m.target_on,
                status=m.status.value,
                detail=m.detail,
            )
            for m in case.measures
        ],
        payments=[_payment(p) for p in case.payments],
        clearance_gaps=[zh for zh, _ in cases.clearance_check(session, case)],
    )


class CaseActionIn(BaseModel):
    action: Literal[
        "assess",
        "measure",
        "measure_status",
        "visit",
        "propose_clear",
        "approve_clear",
        "reject_clear",
        "reverify",
        "reopen",
        "exit",
        "payment",
        "approve_payment",
        "reject_payment",
        "pay",
    ]
    factors: list[dict] | None = None
    income_per_capita: int | None = None
    kind: str | None = None
    owner_unit_id: int | None = None
    target_on: date | None = None
    measure_id: int | None = None
    status: str | None = None
    detail: str = Field("", max_length=1000)
    findings: str = Field("", max_length=4000)
    visited_on: date | None = None
    confidential: bool = False
    risk_returned: bool = False
    note: str = Field("", max_length=2000)
    reason: str = Field("", max_length=2000)
    fund_id: int | None = None
    amount: int | None = None
    purpose: str = Field("", max_length=200)
    payment_id: int | None = None


@router.get("/cases", response_model=list[CaseOut])
def list_cases(
    ctx: Ctx, status: str = "open", level: str = "", limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> list[CaseOut]:
    """监测户（按风险分排序）/ monitored households by risk score."""
    stmt = cases.cases(ctx.session, ctx.actor, status=status, level=level).limit(limit)
    return [_case(ctx.session, c) for c in ctx.session.scalars(stmt)]


@router.get("/cases/{case_id}", response_model=CaseOut)
def read_case(case_id: DbId, ctx: Ctx) -> CaseOut:
    return _case(ctx.session, cases.get_case(ctx.session, ctx.actor, case_id))


@router.get("/cases/{case_id}/unmasked", response_model=CaseOut)
def read_case_unmasked(case_id: DbId, ctx: Ctx) -> CaseOut:
    """收入明文（每次调用都记录）/ income in the clear; every call is logged."""
    case = cases.get_case(ctx.session, ctx.actor, case_id)
    return _case(ctx.session, case, cases.reveal_case(ctx.session, ctx.actor, case, "api"))


def _required(value, field: str):
    if value is None:
        raise InvalidInput(f"缺少 {field}", f"{field} is required", field=field)
    return value


@router.post("/cases/{case_id}/actions", response_model=CaseOut)
def act_on_case(case_id: DbId, body: CaseActionIn, ctx: WriteCtx):
    """评估、措施、走访、风险消除、复核、重新纳入、退出、救助资金 / one action on a case."""

    def run():
        s, actor = ctx.session, ctx.actor
        case = cases.get_case(s, actor, case_id)
        a = body.action
        if a == "assess":
            cases.assess(
                s,
                case,
                actor=actor,
                factors=body.factors or [],
                income_per_capita=body.income_per_capita,
                note=body.note,
            )
        elif a == "measure":
            cases.add_measure(
                s,
                case,
                actor=actor,
                kind=body.kind or "",
                detail=body.detail,
                owner_unit_id=_required(body.owner_unit_id, "owner_unit_id"),
                target_on=_required(body.target_on, "target_on"),
            )
        elif a == "measure_status":
            measure = next((m for m in case.measures if m.id == body.measure_id), None)
            cases.update_measure(
                s, _required(measure, "measure_id"), actor=actor, status=body.status or "", detail=body.detail
            )
        elif a == "visit":
            cases.add_visit(
                s, case, actor=actor, findings=body.findings, visited_on=body.visited_on, confidential=body.confidential
            )
        elif a == "propose_clear":
            cases.propose_clear(s, case, actor=actor, note=body.note)
        elif a in ("approve_clear", "reject_clear"):
            cases.review_clear(s, case, actor=actor, approve=a == "approve_clear", note=body.note)
        elif a == "reverify":
            cases.reverify(
                s, case, actor=actor, findings=body.findings, risk_returned=body.risk_returned, factors=body.factors
            )
        elif a == "reopen":
            cases.reopen(s, case, actor=actor, reason=body.reason, factors=body.factors)
        elif a == "exit":
            cases.exit_case(s, case, actor=actor, reason=body.reason, note=body.note)
        elif a == "payment":
            funds.request_payment(
                s,
                case,
                actor=actor,
                fund_id=_required(body.fund_id, "fund_id"),
                amount=_required(body.amount, "amount"),
                purpose=body.purpose,
            )
        else:
            payment = next((p for p in case.payments if p.id == body.payment_id), None)
            payment = _required(payment, "payment_id")
            if a == "approve_payment":
                funds.approve_payment(s, payment, actor=actor)
            elif a == "reject_payment":
                funds.reject_payment(s, payment, actor=actor, reason=body.reason)
            else:
                funds.pay(s, payment, actor=actor)
        s.refresh(case)
        return _case(s, case)

    return ctx.once(run)


# --- the board ------------------------------------------------------------------------------------------------


class BoardRow(BaseModel):
    unit_id: int | None
    unit: str
    found: int
    checking: int
    overdue: int
    identified: int
    assisting: int
    cleared: int


class BoardOut(BaseModel):
    rows: list[BoardRow]
    total: BoardRow
    clear_rate: float | None


@router.get("/board", response_model=BoardOut)
def read_board(ctx: Ctx, unit: str = "") -> BoardOut:
    """清零看板（只有数量）/ the 清零 board: counts per unit, never households."""
    service.scope_ids(ctx.session, ctx.actor)
    unit_id = ctx.unit(unit, "unit").id if unit else None
    result = board.board(ctx.session, ctx.jurisdiction_id, unit_id, utcnow())
    rows = [
        BoardRow(unit_id=r["unit"].id, unit=r["unit"].name, **{k: r[k] for k in board.COLUMNS}) for r in result["rows"]
    ]
    return BoardOut(
        rows=rows, total=BoardRow(unit_id=None, unit="合计", **result["total"]), clear_rate=result["clear_rate"]
    )
