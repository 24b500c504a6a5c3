"""Reading wishes: lookups, the wall's masked names, yearly quotas (a verb to set them) and progress counted
from realised claims only, counts by status and community, months and overdue claims."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, union
from sqlalchemy.orm import Session

from lianxin.appeals.privacy import mask_name, mask_phone
from lianxin.clock import local_zone
from lianxin.errors import InvalidInput, NotFound, PermissionDenied
from lianxin.orgs.models import Unit, User
from lianxin.orgs.service import has_role
from lianxin.residents.models import ResidentAccount
from lianxin.wishes.models import (
    ClaimStatus,
    DualReport,
    Member,
    PartyOrg,
    QuotaRule,
    QuotaScope,
    ReportStatus,
    Wish,
    WishClaim,
)
from lianxin.wishes.service import DEFAULT_QUOTAS, LEADER_ROLES, S, _enum, today
from lianxin.wishes.status import (
    CLAIMED_STATUSES,
    REALISED_STATUSES,
    WishStatus,
)


def public_name(wish: Wish) -> str:
    """How the wall names the claimant: an organisation by name, a member as 王** (党员)."""
    if wish.claimed_org is not None:
        return wish.claimed_org.name
    if wish.claimed_member is not None:
        return mask_name(wish.claimed_member.name)
    return ""


def masked_resident(wish: Wish) -> tuple[str, str]:
    return mask_name(wish.resident_name), mask_phone(wish.resident_phone)


def get_wish(session: Session, wish_id: int, *, jurisdiction_id: int) -> Wish:
    wish = session.get(Wish, wish_id)
    if wish is None or wish.jurisdiction_id != jurisdiction_id:
        raise NotFound(f"心愿 {wish_id} 不存在", f"wish {wish_id} not found")
    return wish


def wishes_of_resident(session: Session, account: ResidentAccount, *, limit: int = 200) -> list[Wish]:
    """我的心愿: the wishes made with the account, or with its phone (proven by a code) before it existed."""
    mine = union(  # two index lookups (an OR makes SQLite walk the whole table newest first)
        select(Wish.id).where(Wish.resident_account_id == account.id),
        select(Wish.id).where(Wish.jurisdiction_id == account.jurisdiction_id, Wish.resident_phone == account.phone),
    ).subquery()
    return list(
        session.scalars(
            select(Wish)
            .where(Wish.id.in_(select(mine.c.id)), Wish.jurisdiction_id == account.jurisdiction_id)
            .order_by(Wish.id.desc())
            .limit(limit)
        )
    )


def claimed_by_member(session: Session, member: Member, *, limit: int = 100) -> list[Wish]:
    return list(
        session.scalars(select(Wish).where(Wish.claimed_member_id == member.id).order_by(Wish.id.desc()).limit(limit))
    )


def wish_by_token(session: Session, token: str) -> Wish:
    wish = session.scalar(select(Wish).where(Wish.tracking_token == token)) if token else None
    if wish is None:
        raise NotFound("心愿不存在或链接有误", "no wish for this link")
    return wish


# --- quotas -----------------------------------------------------------------------------------------


def set_quota(
    session: Session, *, jurisdiction_id: int, scope: QuotaScope | str, year: int, target: int, actor: User | None
) -> QuotaRule:
    if actor is not None and not has_role(session, actor, LEADER_ROLES):
        raise PermissionDenied("只有领导或管理员可以设定年度任务", "only leaders and admins set quotas")
    scope = _enum(QuotaScope, scope, "scope")
    if not 2000 <= year <= 2100:
        raise InvalidInput("年份无效", "invalid year", field="year")
    if not 0 <= target <= 1000:
        raise InvalidInput("年度目标须在 0–1000 之间", "the target must be between 0 and 1000", field="target")
    rule = session.scalar(
        select(QuotaRule).where(
            QuotaRule.jurisdiction_id == jurisdiction_id, QuotaRule.scope == scope, QuotaRule.year == year
        )
    )
    if rule is None:
        rule = QuotaRule(jurisdiction_id=jurisdiction_id, scope=scope, year=year, target=target)
        session.add(rule)
    rule.target = target
    session.flush()
    return rule


def quota_target(session: Session, jurisdiction_id: int, scope: QuotaScope, year: int) -> int:
    target = session.scalar(
        select(QuotaRule.target).where(
            QuotaRule.jurisdiction_id == jurisdiction_id, QuotaRule.scope == scope, QuotaRule.year == year
        )
    )
    return DEFAULT_QUOTAS[scope] if target is None else target


def _year_bounds(year: int) -> tuple[datetime, datetime]:
    return (datetime(year, 1, 1, tzinfo=local_zone()), datetime(year + 1, 1, 1, tzinfo=local_zone()))


@dataclass(frozen=True)
class Progress:
    id: int
    name: str
    realised: int
    target: int
    claimed: int  # live claims (not counted towards the quota)

    @property
    def met(self) -> bool:
        return self.realised >= self.target

    @property
    def percent(self) -> int:
        return 100 if self.target == 0 else min(100, round(100 * self.realised / self.target))


def _month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    start = datetime(year, month, 1, tzinfo=local_zone())
    return start, (datetime(year + 1, 1, 1, tzinfo=local_zone()) if month == 12 else start.replace(month=month + 1))


def quota_progress(
    session: Session,
    jurisdiction_id: int,
    scope: QuotaScope,
    year: int,
    ids: Iterable[int] | None = None,
    *,
    month: int | None = None,
) -> list[Progress]:
    """Each organisation's or member's realised wishes in ``year`` (by realisation time) against the target,
    most realised first. Only confirmed claims count; live claims are shown beside them. With ``month`` (1–12)
    only that month's realised wishes count (the monthly ranking; the target stays the yearly one)."""
    scope = QuotaScope(scope)
    model, column = (PartyOrg, WishClaim.org_id) if scope == QuotaScope.ORG else (Member, WishClaim.member_id)
    start, end = _year_bounds(year) if month is None else _month_bounds(year, month)
    # a few ids (a member's page, a branch's board): their own index lookups instead of the jurisdiction's year
    only = column.in_(ids := list(ids)) if ids is not None else column.is_not(None)
    realised = dict(
        session.execute(
            select(column, func.count())
            .where(
                WishClaim.jurisdiction_id == jurisdiction_id,
                WishClaim.status == ClaimStatus.REALISED,
                WishClaim.realised_at >= start,
                WishClaim.realised_at < end,
                only,
            )
            .group_by(column)
        ).all()
    )
    live = dict(
        session.execute(
            select(column, func.count())
            .where(WishClaim.jurisdiction_id == jurisdiction_id, WishClaim.status == ClaimStatus.ACTIVE, only)
            .group_by(column)
        ).all()
    )
    stmt = select(model.id, model.name).where(model.jurisdiction_id == jurisdiction_id, model.active.is_(True))
    if ids is not None:
        stmt = stmt.where(model.id.in_(ids))
    target = quota_target(session, jurisdiction_id, scope, year)
    rows = [Progress(i, name, realised.get(i, 0), target, live.get(i, 0)) for i, name in session.execute(stmt)]
    return sorted(rows, key=lambda p: (-p.realised, p.name))


# --- statistics and jobs --------------------------------------------------------------------------


def status_counts(session: Session, jurisdiction_id: int, community_id: int | None = None) -> dict[WishStatus, int]:
    stmt = select(Wish.status, func.count()).where(Wish.jurisdiction_id == jurisdiction_id)
    if community_id is not None:
        stmt = stmt.where(Wish.community_id == community_id)
    counts = dict(session.execute(stmt.group_by(Wish.status)).all())
    return {status: counts.get(status, 0) for status in WishStatus}


def community_counts(session: Session, jurisdiction_id: int) -> list[dict]:
    """Per community: published, claimed (live), realised and total."""
    rows = session.execute(  # counted on the covering index ix_wishes_board, named afterwards
        select(Wish.community_id, Wish.status, func.count())
        .where(Wish.jurisdiction_id == jurisdiction_id)
        .group_by(Wish.status, Wish.community_id)
    ).all()
    names = dict(session.execute(select(Unit.id, Unit.name).where(Unit.id.in_({r[0] for r in rows}))).all())
    table: dict[int, dict] = {}
    for uid, status, n in rows:
        name = names[uid]
        row = table.setdefault(uid, {"id": uid, "name": name, "published": 0, "claimed": 0, "realised": 0, "total": 0})
        row["total"] += n
        if status == S.PUBLISHED:
            row["published"] += n
        elif status in CLAIMED_STATUSES:
            row["claimed"] += n
        elif status in REALISED_STATUSES:
            row["realised"] += n
    return sorted(table.values(), key=lambda r: (-r["total"], r["name"]))


def realised_by_month(session: Session, jurisdiction_id: int, year: int) -> dict[int, int]:
    """Realised wishes (confirmed claims) per month of ``year`` (Beijing time), 1–12."""
    counts = {}
    for m in range(1, 13):  # twelve index range counts; no database-specific date functions
        start, end = _month_bounds(year, m)
        counts[m] = session.scalar(
            select(func.count())
            .select_from(WishClaim)
            .where(
                WishClaim.jurisdiction_id == jurisdiction_id,
                WishClaim.status == ClaimStatus.REALISED,
                WishClaim.realised_at >= start,
                WishClaim.realised_at < end,
            )
        )
    return counts


def overdue_ids(session: Session, jurisdiction_id: int, *, limit: int) -> list[int]:
    """Ids of live claims past their promised date, the longest overdue first. One walk of ix_wishes_promised
    per status, merged here: with ``status IN (…)`` the database would sort every overdue row first."""
    rows = []
    for status in (S.CLAIMED, S.IN_PROGRESS):
        rows += session.execute(
            select(Wish.promised_on, Wish.id)
            .where(Wish.jurisdiction_id == jurisdiction_id, Wish.status == status, Wish.promised_on < today())
            .order_by(Wish.promised_on, Wish.id)
            .limit(limit)
        ).all()
    return [wid for _, wid in sorted(rows)[:limit]]


def overdue_claims(session: Session, jurisdiction_id: int, *, limit: int = 200) -> list[Wish]:
    ids = overdue_ids(session, jurisdiction_id, limit=limit)
    found = {w.id: w for w in session.scalars(select(Wish).where(Wish.id.in_(ids)))} if ids else {}
    return [found[i] for i in ids]


# --- a party organisation's dashboard -------------------------------------------------------------------


def org_tree_ids(session: Session, org: PartyOrg) -> list[int]:
    """The organisation and every organisation below it (a committee's branches count towards it)."""
    ids, frontier = [org.id], [org.id]
    while frontier:
        frontier = list(
            session.scalars(select(PartyOrg.id).where(PartyOrg.parent_id.in_(frontier), PartyOrg.active.is_(True)))
        )
        ids += frontier
    return ids


@dataclass(frozen=True)
class OrgBoard:
    org: PartyOrg
    year: int
    month: int | None
    orgs: list[Progress]  # the organisation and those below it
    members: list[Progress]  # their members, ranked (by the month when one is given)
    months: dict[int, int]  # realised wishes of the tree (organisations' and members' claims) per month
    overdue: list[Wish]
    reports: dict[str, int]  # the members' 双报到 by status

    @property
    def members_met(self) -> int:
        return sum(p.met for p in self.members)


def org_board(session: Session, org: PartyOrg, year: int, month: int | None = None) -> OrgBoard:
    """书记的看板: quota progress of the organisation (and those below) and of its members, realised wishes by
    month, overdue claims and the members' 双报到 — realised (resident-confirmed) wishes only."""
    jid = org.jurisdiction_id
    tree = org_tree_ids(session, org)
    member_ids = list(session.scalars(select(Member.id).where(Member.org_id.in_(tree), Member.active.is_(True))))
    orgs = quota_progress(session, jid, QuotaScope.ORG, year, ids=tree)
    members = quota_progress(session, jid, QuotaScope.MEMBER, year, ids=member_ids, month=month)
    months = dict.fromkeys(range(1, 13), 0)
    start, end = _year_bounds(year)
    for column, ids in ((WishClaim.org_id, tree), (WishClaim.member_id, member_ids)):  # a claim is one or the other
        for (moment,) in session.execute(
            select(WishClaim.realised_at).where(
                column.in_(ids or [-1]),
                WishClaim.status == ClaimStatus.REALISED,
                WishClaim.realised_at >= start,
                WishClaim.realised_at < end,
            )
        ):
            months[moment.astimezone(local_zone()).month] += 1
    overdue: list[Wish] = []
    for column, ids in ((Wish.claimed_org_id, tree), (Wish.claimed_member_id, member_ids)):
        overdue += session.scalars(
            select(Wish)
            .where(
                column.in_(ids or [-1]),
                Wish.jurisdiction_id == jid,
                Wish.status.in_([S.CLAIMED, S.IN_PROGRESS]),
                Wish.promised_on < today(),
            )
            .limit(200)
        ).all()
    overdue = sorted(overdue, key=lambda w: (w.promised_on, w.id))[:200]
    reports = dict(
        session.execute(
            select(DualReport.status, func.count())
            .where(DualReport.member_id.in_(member_ids or [-1]))
            .group_by(DualReport.status)
        ).all()
    )
    return OrgBoard(
        org, year, month, orgs, members, months, overdue, {ReportStatus(k).value: v for k, v in reports.items()}
    )


def member_rank(session: Session, member: Member, year: int) -> tuple[int, int] | None:
    """A member's place among their organisation's members by realised wishes this year (ties share the
    place): ``(place, members)``, or None for a volunteer with no organisation."""
    if member.org_id is None:
        return None
    ids = list(session.scalars(select(Member.id).where(Member.org_id == member.org_id, Member.active.is_(True))))
    rows = quota_progress(session, member.jurisdiction_id, QuotaScope.MEMBER, year, ids=ids)
    mine = next((p.realised for p in rows if p.id == member.id), 0)
    return 1 + sum(p.realised > mine for p in rows), len(rows)
