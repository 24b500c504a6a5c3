"""/api/v1/points: the caller's balance and entries (我的积分), an account's (staff), the ledger check, and
households' accounts (爱心存折: list, open, credit)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from lianxin.api.deps import Ctx, WriteCtx
from lianxin.api.errors import ERROR_RESPONSES
from lianxin.appeals.privacy import mask_phone
from lianxin.errors import NotFound
from lianxin.orgs.models import Role
from lianxin.orgs.service import require_role
from lianxin.points import service
from lianxin.points.models import AccountKind, PointsAccount
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


# --- households (爱心存折) ---------------------------------------------------------------------------------


class HouseholdIn(BaseModel):
    community_code: str = Field(max_length=32)
    code: str = Field(max_length=40, description="户号 / the household's number in the register")
    name: str = Field(max_length=60, description="户名 / e.g. 张三户")
    holder_phone: str = Field(max_length=32, description="户主手机号 / the head's mobile (they see it on 我的积分)")


class HouseholdOut(BaseModel):
    id: int
    name: str
    community_id: int | None
    holder_phone: str = Field(description="脱敏 / masked")
    balance: int


class GrantIn(BaseModel):
    amount: int = Field(ge=1, le=1000)
    memo: str = Field(max_length=200, description="事由 / the reason (a clean yard, 孝老爱亲 …)")


def _household(a: PointsAccount) -> HouseholdOut:
    return HouseholdOut(
        id=a.id, name=a.name, community_id=a.community_id, holder_phone=mask_phone(a.holder_phone), balance=a.balance
    )


@router.get("/households", response_model=list[HouseholdOut])
def households(community_code: str, ctx: Ctx):
    """一个社区的家庭积分账户 / a community's household accounts (staff)."""
    unit = ctx.unit(community_code, "community_code")
    require_role(ctx.session, ctx.actor, STAFF, unit_id=unit.id)
    return [_household(a) for a in service.households(ctx.session, unit.id)]


@router.post("/households", response_model=HouseholdOut, status_code=201)
def open_household(body: HouseholdIn, ctx: WriteCtx):
    """开户 / open a household's account."""

    def run():
        unit = ctx.unit(body.community_code, "community_code")
        return _household(
            service.open_household(
                ctx.session,
                community=unit,
                code=body.code,
                name=body.name,
                holder_phone=body.holder_phone,
                actor=ctx.actor,
            )
        )

    return ctx.once(run, status_code=201)


@router.post("/households/{account_id}/grant", response_model=EntryOut, status_code=201)
def grant_household(account_id: int, body: GrantIn, ctx: WriteCtx):
    """加分（从社区积分池）/ credit a household from the community's pool, with the reason."""

    def run():
        account = service.get_account(ctx.session, account_id, jurisdiction_id=ctx.jurisdiction_id)
        if account.kind != AccountKind.HOUSEHOLD:
            raise NotFound(f"家庭账户 {account_id} 不存在", f"no household account {account_id}")
        require_role(ctx.session, ctx.actor, STAFF, unit_id=account.community_id)
        e = service.grant(ctx.session, account=account, amount=body.amount, memo=body.memo, actor=ctx.actor)
        return EntryOut(
            id=e.id,
            at=e.created_at,
            amount=e.amount,
            reason=e.reason.value,
            memo=e.memo,
            rule_version=e.rule_version,
            reverses_id=e.reverses_id,
        )

    return ctx.once(run, status_code=201)
