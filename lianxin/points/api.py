"""/api/v1/points: the caller's balance and entries (我的积分), an account's (staff), and the ledger check."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel

from lianxin.api.deps import Ctx
from lianxin.api.errors import ERROR_RESPONSES
from lianxin.errors import NotFound
from lianxin.orgs.models import Role
from lianxin.orgs.service import require_role
from lianxin.points import service
from lianxin.points.models import PointsAccount
from lianxin.wishes.people import member_for_user

router = APIRouter(prefix="/points", tags=["积分 points"], responses=ERROR_RESPONSES)
STAFF = (Role.LEADER, Role.HANDLER, Role.GRID_WORKER)


class EntryOut(BaseModel):
    id: int
    at: datetime
    amount: int
    reason: str
    memo: str
    rule_version: int | None
    reverses_id: int | None


class AccountOut(BaseModel):
    id: int
    name: str
    kind: str
    balance: int
    entries: list[EntryOut]


class CheckOut(BaseModel):
    accounts: int
    entries: int
    total: int
    balanced: bool
    anomalies: list[dict]


def _account(session, account: PointsAccount) -> AccountOut:
    return AccountOut(
        id=account.id,
        name=account.name,
        kind=account.kind.value,
        balance=account.balance,
        entries=[
            EntryOut(
                id=e.id,
                at=e.created_at,
                amount=service.signed(e, account),
                reason=e.reason.value,
                memo=e.memo,
                rule_version=e.rule_version,
                reverses_id=e.reverses_id,
            )
            for e in service.entries_of(session, account)
        ],
    )


@router.get("/me", response_model=AccountOut)
def me(ctx: Ctx):
    """我的积分：余额与明细 / the caller's balance and history."""
    member = member_for_user(ctx.session, ctx.actor)
    if member is None:
        raise NotFound("您还不是登记的党员或志愿者", "the caller is not a registered member or volunteer")
    return _account(ctx.session, service.member_account(ctx.session, member))


@router.get("/accounts/{account_id}", response_model=AccountOut)
def account(account_id: int, ctx: Ctx):
    require_role(ctx.session, ctx.actor, STAFF)
    return _account(ctx.session, service.get_account(ctx.session, account_id, jurisdiction_id=ctx.jurisdiction_id))


@router.get("/check", response_model=CheckOut)
def check(ctx: Ctx):
    """核对台账：合计为零、余额与流水一致、超限账户 / the ledger check."""
    require_role(ctx.session, ctx.actor, STAFF)
    result = service.check_ledger(ctx.session, ctx.jurisdiction_id)
    return CheckOut(
        accounts=result.accounts,
        entries=result.entries,
        total=result.total,
        balanced=result.balanced,
        anomalies=[
            {
                "account_id": a.account.id,
                "name": a.account.name,
                "kind": a.kind,
                "balance": a.account.balance,
                "derived": a.derived,
            }
            for a in result.anomalies
        ],
    )
