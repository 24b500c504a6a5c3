"""The only door through which points move: accounts, entries, reversals, rules, and the ledger check.

Each verb flushes and never commits (the edge does). A debit is one conditional UPDATE (``balance -
amount >= min_balance``), so two spends racing for the last points cannot both pass; the CHECK on
``points_accounts`` is the last guard. Points are credited only after someone confirms (the callers:
an organiser's confirmation of volunteer hours, a resident's confirmation of a realised wish)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import case, func, select, update
from sqlalchemy.orm import Session

from lianxin.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from lianxin.orgs.models import Jurisdiction, Role, Unit, User
from lianxin.orgs.service import has_role
from lianxin.points.models import AccountKind, EntryReason, PointsAccount, PointsEntry, PointsRule
from lianxin.wishes.models import Member
from lianxin.wishes.service import PHONE_RE

STAFF_ROLES = (Role.LEADER, Role.HANDLER, Role.GRID_WORKER)
# The defaults (lianxin init): 1 hour = 10 points (连云港江化: 1 hour = 1 point, ×10 to keep integers),
# Hengde's multipliers (site leader 1.4, management 1.2), an absence costs 5.
DEFAULT_RULES = {
    EntryReason.HOURS: (10, {"team_leader": 1.4, "manager": 1.2}, "每小时志愿服务 / per confirmed hour"),
    EntryReason.WISH: (20, {"party_member": 1.0}, "每实现一个微心愿 / per realised wish"),
    EntryReason.VISIT: (5, {}, "每完成一次走访 / per completed visit"),
    EntryReason.APPEAL: (10, {}, "双报到党员解决一件诉求 / per appeal solved by a 双报到 member"),
    EntryReason.PENALTY: (-5, {}, "无故缺席 / per unexcused absence"),
}
PERSON_MAX = 5000  # a person's balance above this is flagged for review


# --- accounts ---------------------------------------------------------------------------------------


def _account(session: Session, jid: int, key: str, **values) -> PointsAccount:
    account = session.scalar(
        select(PointsAccount).where(PointsAccount.jurisdiction_id == jid, PointsAccount.key == key)
    )
    if account is None:
        account = PointsAccount(jurisdiction_id=jid, key=key, balance=0, **values)
        session.add(account)
        session.flush()
    return account


def member_account(session: Session, member: Member) -> PointsAccount:
    """The member's own account (created on first use; no overdraft, flagged above ``PERSON_MAX``)."""
    return _account(
        session,
        member.jurisdiction_id,
        f"member:{member.id}",
        kind=AccountKind.PERSON,
        name=member.name,
        member_id=member.id,
        min_balance=0,
        max_balance=PERSON_MAX,
    )


def household_account(
    session: Session, jid: int, code: str, name: str, community: Unit | None = None, holder_phone: str | None = None
) -> PointsAccount:
    """A household's account (户, e.g. a village's 爱心存折), keyed by the household's code; created on first use."""
    return _account(
        session,
        jid,
        f"household:{code}"[:64],
        kind=AccountKind.HOUSEHOLD,
        name=name[:100],
        community_id=community.id if community else None,
        holder_phone=holder_phone,
        min_balance=0,
        max_balance=PERSON_MAX,
    )


def open_household(
    session: Session, *, community: Unit, code: str, name: str, holder_phone: str, actor: User | None
) -> PointsAccount:
    """开户: a household's points account in a community, held by the phone of its 户主 (who then sees it on
    我的积分 after signing in as a resident). The code is the household's number in the village register."""
    if actor is not None and not has_role(session, actor, STAFF_ROLES, unit_id=community.id):
        raise PermissionDenied("只有本社区的工作人员可以开户", "only the community's staff may open an account")
    code, name = (code or "").strip(), (name or "").strip()
    if not 1 <= len(code) <= 40:
        raise InvalidInput(
            "请填写户号（40 字以内）", "enter the household number (at most 40 characters)", field="code"
        )
    if not 2 <= len(name) <= 60:
        raise InvalidInput("请填写户名（如：张三户）", "enter the household's name (e.g. 张三户)", field="name")
    phone = (holder_phone or "").replace(" ", "")
    if not PHONE_RE.match(phone):
        raise InvalidInput("请填写户主的手机号", "enter the household head's mobile number", field="holder_phone")
    key = f"household:{community.id}:{code}"
    if session.scalar(
        select(PointsAccount.id).where(
            PointsAccount.jurisdiction_id == community.jurisdiction_id, PointsAccount.key == key
        )
    ):
        raise Conflict("该户号已开户", "this household already has an account", field="code")
    return household_account(
        session, community.jurisdiction_id, f"{community.id}:{code}", name, community, holder_phone=phone
    )


def households_of_phone(session: Session, jid: int, phone: str | None) -> list[PointsAccount]:
    """The household accounts a phone holds (a resident's 爱心存折)."""
    if not phone:
        return []
    return list(
        session.scalars(
            select(PointsAccount)
            .where(
                PointsAccount.jurisdiction_id == jid,
                PointsAccount.holder_phone == phone,
                PointsAccount.kind == AccountKind.HOUSEHOLD,
            )
            .order_by(PointsAccount.id)
        )
    )


def households(session: Session, community_id: int) -> list[PointsAccount]:
    return list(
        session.scalars(
            select(PointsAccount)
            .where(PointsAccount.community_id == community_id, PointsAccount.kind == AccountKind.HOUSEHOLD)
            .order_by(PointsAccount.name, PointsAccount.id)
        )
    )


def pool_account(session: Session, jid: int, community: Unit | None = None) -> PointsAccount:
    """The community's pool (or the jurisdiction's, without a community): earned points come from here."""
    if community is None:
        return _account(session, jid, "pool:all", kind=AccountKind.POOL, name="积分池 / points pool")
    return _account(
        session,
        jid,
        f"pool:{community.id}",
        kind=AccountKind.POOL,
        name=f"{community.name}积分池",
        community_id=community.id,
    )


def market_account(session: Session, jid: int, community: Unit) -> PointsAccount:
    """The 爱心超市 of a community: redeemed points go here."""
    return _account(
        session,
        jid,
        f"market:{community.id}",
        kind=AccountKind.MARKET,
        name=f"{community.name}爱心超市",
        community_id=community.id,
    )


def get_account(session: Session, account_id: int, *, jurisdiction_id: int) -> PointsAccount:
    account = session.get(PointsAccount, account_id)
    if account is None or account.jurisdiction_id != jurisdiction_id:
        raise NotFound(f"积分账户 {account_id} 不存在", f"no points account {account_id}")
    return account


# --- rules -------------------------------------------------------------------------------------------


def current_rule(session: Session, jid: int, code: EntryReason | str) -> PointsRule:
    rule = session.scalar(
        select(PointsRule)
        .where(PointsRule.jurisdiction_id == jid, PointsRule.code == EntryReason(code))
        .order_by(PointsRule.version.desc())
        .limit(1)
    )
    if rule is None:
        raise NotFound("积分规则尚未设置（运行 lianxin init）", f"no points rule for {code}; run `lianxin init`")
    return rule


def set_rule(
    session: Session,
    *,
    jurisdiction_id: int,
    code: EntryReason | str,
    points: int,
    multipliers: dict | None = None,
    note: str = "",
    actor: User | None = None,
) -> PointsRule:
    """A new version of a rule (the old versions stay: entries name the version that made them)."""
    if actor is not None and not has_role(session, actor, (Role.LEADER,)):
        raise PermissionDenied("只有领导可以修改积分规则", "only leaders may change the points rules")
    try:
        code = EntryReason(code)
    except ValueError:
        raise InvalidInput("没有这种积分规则", "no such rule", field="code") from None
    if code in (EntryReason.REDEMPTION, EntryReason.REVERSAL):
        raise InvalidInput("兑换和冲正不按规则计分", "redemptions and reversals follow no rule", field="code")
    if not isinstance(points, int) or abs(points) > 10000 or points == 0:
        raise InvalidInput("分值应为非零整数（±10000 以内）", "points must be a non-zero whole number", field="points")
    multipliers = {str(k): float(v) for k, v in (multipliers or {}).items()}
    if any(not 0 <= v <= 10 for v in multipliers.values()):
        raise InvalidInput("系数应在 0–10 之间", "multipliers lie between 0 and 10", field="multipliers")
    last = session.scalar(
        select(func.max(PointsRule.version)).where(
            PointsRule.jurisdiction_id == jurisdiction_id, PointsRule.code == code
        )
    )
    rule = PointsRule(
        jurisdiction_id=jurisdiction_id,
        code=code,
        version=(last or 0) + 1,
        points=points,
        multipliers=multipliers,
        note=note[:200],
        created_by_id=actor.id if actor else None,
    )
    session.add(rule)
    session.flush()
    return rule


def ensure_rules(session: Session, jurisdiction: Jurisdiction) -> int:
    """``lianxin init``: the default rules, once (idempotent)."""
    made = 0
    for code, (points, multipliers, note) in DEFAULT_RULES.items():
        exists = session.scalar(
            select(PointsRule.id).where(PointsRule.jurisdiction_id == jurisdiction.id, PointsRule.code == code).limit(1)
        )
        if exists is None:
            set_rule(
                session, jurisdiction_id=jurisdiction.id, code=code, points=points, multipliers=multipliers, note=note
            )
            made += 1
    return made


def rule_amount(rule: PointsRule, quantity: float, role: str | None = None) -> int:
    """Points for ``quantity`` units under ``rule`` with the role's multiplier, rounded half up."""
    factor = float(rule.multipliers.get(role, 1.0)) if role else 1.0
    value = rule.points * quantity * factor
    return int(value + 0.5) if value >= 0 else -int(-value + 0.5)


# --- entries -----------------------------------------------------------------------------------------


def _apply(session: Session, account: PointsAccount, delta: int) -> None:
    """Move the cached balance by ``delta`` in one statement; a debit below the minimum changes nothing."""
    stmt = update(PointsAccount).where(PointsAccount.id == account.id).values(balance=PointsAccount.balance + delta)
    if delta < 0 and account.min_balance is not None:
        stmt = stmt.where(PointsAccount.balance + delta >= PointsAccount.min_balance)
    if session.execute(stmt.execution_options(synchronize_session=False)).rowcount != 1:
        raise Conflict(f"{account.name} 的积分不足", f"not enough points in {account.name}'s account", field="points")
    session.expire(account, ["balance"])  # re-read when next used (a rolled-back savepoint leaves no stale value)


def transfer(
    session: Session,
    *,
    from_account: PointsAccount,
    to_account: PointsAccount,
    amount: int,
    reason: EntryReason | str,
    ref_type: str | None = None,
    ref_id: int | None = None,
    rule: PointsRule | None = None,
    memo: str = "",
    actor: User | None = None,
    reverses: PointsEntry | None = None,
) -> PointsEntry:
    """Post one entry: ``amount`` points leave ``from_account`` and arrive in ``to_account``."""
    if not isinstance(amount, int) or amount <= 0:
        raise InvalidInput("积分应为正整数", "the amount must be a positive whole number", field="amount")
    if from_account.id == to_account.id:
        raise InvalidInput("转出和转入账户不能相同", "the two accounts must differ", field="account")
    if from_account.jurisdiction_id != to_account.jurisdiction_id:
        raise InvalidInput("账户不在同一辖区", "the accounts are in different jurisdictions", field="account")
    reason = EntryReason(reason)
    if ref_id is not None and reverses is None:
        done = session.scalar(
            select(PointsEntry.id).where(
                PointsEntry.jurisdiction_id == from_account.jurisdiction_id,
                PointsEntry.reason == reason,
                PointsEntry.ref_type == ref_type,
                PointsEntry.ref_id == ref_id,
                PointsEntry.reverses_id.is_(None),
            )
        )
        if done is not None:
            raise Conflict("该事项已计过积分", "points were already posted for this", field="ref")
    _apply(session, from_account, -amount)
    _apply(session, to_account, amount)
    entry = PointsEntry(
        jurisdiction_id=from_account.jurisdiction_id,
        from_account_id=from_account.id,
        to_account_id=to_account.id,
        amount=amount,
        reason=reason,
        ref_type=ref_type,
        ref_id=ref_id,
        rule_id=rule.id if rule else None,
        rule_version=rule.version if rule else None,
        reverses_id=reverses.id if reverses else None,
        memo=(memo or "")[:200],
        actor_user_id=actor.id if actor else None,
    )
    session.add(entry)
    session.flush()
    return entry


def earn(
    session: Session,
    *,
    member: Member,
    code: EntryReason | str,
    quantity: float = 1,
    role: str | None = None,
    ref_type: str,
    ref_id: int,
    community: Unit | None = None,
    memo: str = "",
    actor: User | None = None,
) -> PointsEntry | None:
    """Points under the current rule for something already confirmed: pool → member (a penalty runs the
    other way, capped at the member's balance). None when the rule gives nothing."""
    jid = member.jurisdiction_id
    rule = current_rule(session, jid, code)
    amount = rule_amount(rule, quantity, role)
    account, pool = member_account(session, member), pool_account(session, jid, community)
    if amount < 0:
        amount = min(-amount, account.balance)
        if amount == 0:
            return None
        return transfer(
            session,
            from_account=account,
            to_account=pool,
            amount=amount,
            reason=rule.code,
            ref_type=ref_type,
            ref_id=ref_id,
            rule=rule,
            memo=memo,
            actor=actor,
        )
    if amount == 0:
        return None
    return transfer(
        session,
        from_account=pool,
        to_account=account,
        amount=amount,
        reason=rule.code,
        ref_type=ref_type,
        ref_id=ref_id,
        rule=rule,
        memo=memo,
        actor=actor,
    )


def reverse(session: Session, entry: PointsEntry, *, actor: User | None, memo: str) -> PointsEntry:
    """冲正: a new entry moving the same amount back; the original stays. Each entry is reversed at most once."""
    if actor is not None and not has_role(session, actor, (Role.LEADER, Role.HANDLER)):
        raise PermissionDenied("只有工作人员可以冲正", "only staff may reverse an entry")
    if entry.reverses_id is not None:
        raise Conflict("冲正记录不能再冲正", "a reversal cannot be reversed")
    if session.scalar(select(PointsEntry.id).where(PointsEntry.reverses_id == entry.id)):
        raise Conflict("该记录已冲正", "this entry was already reversed")
    memo = (memo or "").strip()
    if len(memo) < 2:
        raise InvalidInput("请填写冲正原因", "give the reason for the reversal", field="memo")
    return transfer(
        session,
        from_account=entry.to_account,
        to_account=entry.from_account,
        amount=entry.amount,
        reason=EntryReason.REVERSAL,
        ref_type="entry",
        ref_id=entry.id,
        memo=memo,
        actor=actor,
        reverses=entry,
    )


def grant(
    session: Session,
    *,
    member: Member | None = None,
    account: PointsAccount | None = None,
    amount: int,
    memo: str,
    actor: User | None,
    community: Unit | None = None,
) -> PointsEntry:
    """A manual adjustment by staff into a member's or a household's account (e.g. a quarterly assessment, a
    village's 爱心积分 for a clean yard), from the community's pool."""
    if actor is not None and not has_role(session, actor, (Role.LEADER, Role.HANDLER)):
        raise PermissionDenied("只有工作人员可以调整积分", "only staff may adjust points")
    if len((memo or "").strip()) < 2:
        raise InvalidInput("请填写调整原因", "give the reason", field="memo")
    if (member is None) == (account is None):
        raise InvalidInput("请选择一个账户", "choose one account", field="account")
    if account is None:
        account = member_account(session, member)
        jid = member.jurisdiction_id
    else:
        if account.kind not in (AccountKind.PERSON, AccountKind.HOUSEHOLD):
            raise InvalidInput(
                "只能向个人或家庭账户调整积分", "only a person's or a household's account", field="account"
            )
        jid = account.jurisdiction_id
        if community is None and account.community_id:
            community = session.get(Unit, account.community_id)
    return transfer(
        session,
        from_account=pool_account(session, jid, community),
        to_account=account,
        amount=amount,
        reason=EntryReason.ADJUSTMENT,
        memo=memo,
        actor=actor,
    )


# --- reading -----------------------------------------------------------------------------------------


def entries_of(session: Session, account: PointsAccount, limit: int = 200) -> list[PointsEntry]:
    return list(
        session.scalars(
            select(PointsEntry)
            .where((PointsEntry.from_account_id == account.id) | (PointsEntry.to_account_id == account.id))
            .order_by(PointsEntry.id.desc())
            .limit(limit)
        )
    )


def derived_balances(session: Session, jid: int) -> dict[int, int]:
    """Every account's balance recomputed from the entries."""
    incoming = dict(
        session.execute(
            select(PointsEntry.to_account_id, func.sum(PointsEntry.amount))
            .where(PointsEntry.jurisdiction_id == jid)
            .group_by(PointsEntry.to_account_id)
        ).all()
    )
    outgoing = dict(
        session.execute(
            select(PointsEntry.from_account_id, func.sum(PointsEntry.amount))
            .where(PointsEntry.jurisdiction_id == jid)
            .group_by(PointsEntry.from_account_id)
        ).all()
    )
    ids = session.scalars(select(PointsAccount.id).where(PointsAccount.jurisdiction_id == jid)).all()
    return {i: int(incoming.get(i) or 0) - int(outgoing.get(i) or 0) for i in ids}


@dataclass
class Anomaly:
    account: PointsAccount
    kind: str  # "mismatch" (cached ≠ entries), "above_max", "below_min"
    derived: int

    @property
    def label(self) -> tuple[str, str]:
        return {
            "mismatch": ("余额与流水不符", "balance differs from the entries"),
            "above_max": ("超过上限", "above the limit"),
            "below_min": ("低于下限", "below the minimum"),
        }[self.kind]


@dataclass
class LedgerCheck:
    accounts: int
    entries: int
    total: int  # the sum of every derived balance: always 0
    anomalies: list[Anomaly]

    @property
    def balanced(self) -> bool:
        return self.total == 0 and not any(a.kind == "mismatch" for a in self.anomalies)


def check_ledger(session: Session, jid: int) -> LedgerCheck:
    derived = derived_balances(session, jid)
    accounts = session.scalars(select(PointsAccount).where(PointsAccount.jurisdiction_id == jid)).all()
    anomalies = []
    for account in accounts:
        value = derived[account.id]
        if value != account.balance:
            anomalies.append(Anomaly(account, "mismatch", value))
        if account.max_balance is not None and value > account.max_balance:
            anomalies.append(Anomaly(account, "above_max", value))
        if account.min_balance is not None and value < account.min_balance:
            anomalies.append(Anomaly(account, "below_min", value))
    entries = session.scalar(select(func.count(PointsEntry.id)).where(PointsEntry.jurisdiction_id == jid)) or 0
    return LedgerCheck(len(accounts), entries, sum(derived.values()), anomalies)


def totals_by_reason(session: Session, jid: int) -> list[tuple[EntryReason, int, int]]:
    """(reason, entries, points) for the leaders' page."""
    rows = session.execute(
        select(PointsEntry.reason, func.count(PointsEntry.id), func.sum(PointsEntry.amount))
        .where(PointsEntry.jurisdiction_id == jid)
        .group_by(PointsEntry.reason)
        .order_by(PointsEntry.reason)
    ).all()
    return [(EntryReason(r), int(n), int(s or 0)) for r, n, s in rows]


def accounts(
    session: Session, jid: int, kinds: Iterable[AccountKind] | None = None, limit: int = 500
) -> list[PointsAccount]:
    stmt = select(PointsAccount).where(PointsAccount.jurisdiction_id == jid)
    if kinds:
        stmt = stmt.where(PointsAccount.kind.in_(list(kinds)))
    order = case((PointsAccount.kind == AccountKind.PERSON, 0), else_=1)
    return list(session.scalars(stmt.order_by(order, PointsAccount.balance.desc(), PointsAccount.id).limit(limit)))


def signed(entry: PointsEntry, account: PointsAccount) -> int:
    """The entry's amount as seen from ``account`` (+ in, − out)."""
    return entry.amount if entry.to_account_id == account.id else -entry.amount
