"""Relief funds (防止返贫致贫救助专项基金) and their ledger: a budget, payments requested for monitored households,
approved by a leader other than the requester (the fund row is locked, so two approvals cannot overspend it),
then paid. Balance = budget − approved − paid. Verbs flush and never commit."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lianxin.clock import utcnow
from lianxin.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from lianxin.notify import queue_notification
from lianxin.orgs.models import Role, Unit, User
from lianxin.orgs.service import has_role
from lianxin.poverty.models import Fund, MonitoringCase, Payment
from lianxin.poverty.service import DECIDE_ROLES, STAFF_ROLES, event, require
from lianxin.poverty.status import CASE_OPEN, CaseAction, PaymentAction, PaymentStatus, next_payment_status

MAX_AMOUNT = 1_000_000


def create_fund(
    session: Session, *, actor: User | None, jurisdiction_id: int, unit_id: int, name: str, year: int, budget: int
) -> Fund:
    unit = session.get(Unit, unit_id)
    if unit is None or unit.jurisdiction_id != jurisdiction_id:
        raise InvalidInput("请选择管理单位", "choose the unit that manages the fund", field="unit_id")
    if actor is not None and not has_role(session, actor, (Role.LEADER,), unit_id=unit.id):
        raise PermissionDenied("只有该单位的负责人可以设立基金", "only the unit's leaders set up a fund")
    name = (name or "").strip()
    if not 2 <= len(name) <= 64:
        raise InvalidInput("请填写基金名称", "enter the fund's name", field="name")
    if not 0 < budget <= 10**10:
        raise InvalidInput("预算应为正数（元）", "the budget is a positive number of yuan", field="budget")
    if not 2000 <= year <= 2100:
        raise InvalidInput("年度不正确", "the year is not valid", field="year")
    if session.scalar(select(Fund.id).where(Fund.jurisdiction_id == jurisdiction_id, Fund.name == name)):
        raise Conflict("已有同名基金", "a fund with that name exists", field="name")
    fund = Fund(jurisdiction_id=jurisdiction_id, unit_id=unit.id, name=name, year=year, budget=budget)
    session.add(fund)
    session.flush()
    return fund


def ledger(session: Session, fund: Fund) -> dict:
    """budget, approved (committed, not yet paid), paid, balance, and the payment count."""
    rows = dict(
        session.execute(
            select(Payment.status, func.coalesce(func.sum(Payment.amount), 0))
            .where(Payment.fund_id == fund.id)
            .group_by(Payment.status)
        ).all()
    )
    approved, paid = int(rows.get(PaymentStatus.APPROVED, 0)), int(rows.get(PaymentStatus.PAID, 0))
    return {"budget": fund.budget, "approved": approved, "paid": paid, "balance": fund.budget - approved - paid}


def funds(session: Session, jurisdiction_id: int) -> list[Fund]:
    return list(session.scalars(select(Fund).where(Fund.jurisdiction_id == jurisdiction_id).order_by(Fund.id)))


def get_payment(session: Session, user: User | None, payment_id: int) -> Payment:
    payment = session.get(Payment, payment_id)
    if payment is None or (user is not None and payment.jurisdiction_id != user.jurisdiction_id):
        raise NotFound("救助资金记录不存在", "payment not found")
    return payment


def _payment_event(session: Session, payment: Payment, action: PaymentAction, actor, old, note=None) -> None:
    event(
        session,
        "payment",
        payment,
        action,
        actor=actor,
        from_status=old,
        to_status=payment.status,
        note=note,
        amount=payment.amount,
        fund_id=payment.fund_id,
    )
    event(
        session,
        "case",
        payment.case,
        CaseAction.PAYMENT,
        actor=actor,
        from_status=payment.case.status,
        to_status=payment.case.status,
        payment_id=payment.id,
        amount=payment.amount,
        payment_action=action.value,
    )


def request_payment(
    session: Session, case: MonitoringCase, *, actor: User | None, fund_id: int, amount: int, purpose: str
) -> Payment:
    require(session, actor, STAFF_ROLES, case, "该监测户不在您负责的范围内", "this case is outside your area")
    if case.status not in CASE_OPEN:
        raise Conflict("监测已结束，不能申请救助资金", "the case is closed; no payment can be requested")
    fund = session.get(Fund, fund_id)
    if fund is None or fund.jurisdiction_id != case.jurisdiction_id or not fund.active:
        raise InvalidInput("请选择救助基金", "choose a fund", field="fund_id")
    if not 0 < amount <= MAX_AMOUNT:
        raise InvalidInput(f"金额应为 1–{MAX_AMOUNT} 元", f"the amount is 1 to {MAX_AMOUNT} yuan", field="amount")
    purpose = (purpose or "").strip()
    if len(purpose) < 2:
        raise InvalidInput("请填写用途", "give the purpose", field="purpose")
    payment = Payment(
        jurisdiction_id=case.jurisdiction_id,
        case_id=case.id,
        fund_id=fund.id,
        amount=amount,
        purpose=purpose[:200],
        status=PaymentStatus.REQUESTED,
        requested_by_id=actor.id if actor else None,
        requested_at=utcnow(),
    )
    session.add(payment)
    session.flush()
    _payment_event(session, payment, PaymentAction.REQUEST, actor, None)
    session.flush()
    return payment


def approve_payment(session: Session, payment: Payment, *, actor: User | None) -> Payment:
    """A leader of the area approves, never the requester; the fund must still hold the amount."""
    require(
        session,
        actor,
        DECIDE_ROLES,
        payment.case,
        "只有县（区）级负责人可以审批救助资金",
        "only county leaders approve",
    )
    if actor is not None and actor.id == payment.requested_by_id:
        raise PermissionDenied("申请人不能审批自己的申请", "the requester cannot approve their own request")
    new = next_payment_status(payment.status, PaymentAction.APPROVE)
    session.scalar(select(Fund.id).where(Fund.id == payment.fund_id).with_for_update())  # serialise approvals
    balance = ledger(session, payment.fund)["balance"]
    if payment.amount > balance:
        raise Conflict(f"基金余额不足（余 {balance} 元）", f"the fund has only {balance} yuan left")
    old, payment.status = payment.status, new
    payment.approved_by_id, payment.approved_at = actor.id if actor else None, utcnow()
    _payment_event(session, payment, PaymentAction.APPROVE, actor, old)
    session.flush()
    return payment


def reject_payment(session: Session, payment: Payment, *, actor: User | None, reason: str) -> Payment:
    require(
        session,
        actor,
        DECIDE_ROLES,
        payment.case,
        "只有县（区）级负责人可以审批救助资金",
        "only county leaders approve",
    )
    new = next_payment_status(payment.status, PaymentAction.REJECT)
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise InvalidInput("请填写不予批准的理由", "give the reason", field="reason")
    old, payment.status, payment.reject_reason = payment.status, new, reason
    _payment_event(session, payment, PaymentAction.REJECT, actor, old, note=reason)
    session.flush()
    return payment


def pay(session: Session, payment: Payment, *, actor: User | None) -> Payment:
    """The fund's unit (handlers or leaders) records the payment made; only an approved payment is paid."""
    new = next_payment_status(payment.status, PaymentAction.PAY)
    if actor is not None and not has_role(session, actor, (Role.HANDLER, Role.LEADER), unit_id=payment.fund.unit_id):
        raise PermissionDenied("只有基金管理单位可以发放", "only the fund's unit records payments")
    old, payment.status = payment.status, new
    payment.paid_by_id, payment.paid_at = actor.id if actor else None, utcnow()
    _payment_event(session, payment, PaymentAction.PAY, actor, old)
    phone = payment.case.household.people[0].phone if payment.case.household.people else None
    if phone:
        queue_notification(
            session,
            jurisdiction_id=payment.jurisdiction_id,
            kind="poverty_paid",
            audience="resident",
            recipient=phone,
            message=f"【防返贫】救助资金 {payment.amount} 元（{payment.purpose}）已发放，请注意查收。",
            dedupe_key=f"poverty:paid:{payment.id}",
        )
    session.flush()
    return payment
