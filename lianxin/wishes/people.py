"""Who serves: party organisations (a tree of their own), members and volunteers, 双报到 reports to a
residential community (confirmed by it) and 先锋岗 / 责任区; which member a staff login or a resident account is."""

from __future__ import annotations

from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from lianxin.clock import utcnow
from lianxin.errors import Conflict, InvalidInput, PermissionDenied
from lianxin.notify import queue_notification
from lianxin.orgs.models import Role, RoleGrant, Unit, User
from lianxin.orgs.service import has_role
from lianxin.residents.models import ResidentAccount
from lianxin.wishes.models import (
    DualReport,
    Member,
    MemberKind,
    OrgKind,
    PartyOrg,
    PioneerPost,
    ReportStatus,
)
from lianxin.wishes.service import LEADER_ROLES, STAFF_ROLES, _community, _enum, _phone, _text, require_staff


def create_party_org(
    session: Session,
    *,
    jurisdiction_id: int,
    kind: OrgKind | str,
    name: str,
    parent: PartyOrg | None = None,
    unit: Unit | None = None,
    secretary: User | None = None,
    actor: User | None = None,
) -> PartyOrg:
    """A 党委 / 党总支 / 党支部 under ``parent`` (a branch cannot have children), linked to its unit."""
    if actor is not None and not has_role(session, actor, LEADER_ROLES, unit_id=unit.id if unit else None):
        raise PermissionDenied("只有领导或管理员可以设立党组织", "only leaders and admins may add party organisations")
    kind = _enum(OrgKind, kind, "kind")
    name = _text(name, "name", "党组织名称", "the organisation's name", maximum=100)
    if parent is not None:
        if parent.jurisdiction_id != jurisdiction_id:
            raise InvalidInput(
                "上级党组织不在本辖区", "the parent organisation is in another jurisdiction", field="parent"
            )
        if parent.kind == OrgKind.BRANCH:
            raise InvalidInput("党支部下不能再设党组织", "a party branch cannot have sub-organisations", field="parent")
    if unit is not None and unit.jurisdiction_id != jurisdiction_id:
        raise InvalidInput("所属单位不在本辖区", "the unit is in another jurisdiction", field="unit")
    org = PartyOrg(jurisdiction_id=jurisdiction_id, kind=kind, name=name, parent=parent, unit=unit)
    session.add(org)
    session.flush()
    if secretary is not None:
        set_secretary(session, org, secretary, actor=None)
    return org


def set_secretary(session: Session, org: PartyOrg, user: User, *, actor: User | None) -> PartyOrg:
    """党组织书记: the organisation's secretary (their dashboard, the org's claims) gets the party_secretary role
    on the organisation's unit (or the jurisdiction's top unit), so the menu shows the dashboard."""
    if actor is not None and not has_role(session, actor, LEADER_ROLES, unit_id=org.unit_id):
        raise PermissionDenied("只有领导或管理员可以任命书记", "only leaders and admins appoint secretaries")
    if user.jurisdiction_id != org.jurisdiction_id:
        raise InvalidInput("该账号不在本辖区", "the login is in another jurisdiction", field="secretary")
    org.secretary_user_id = user.id
    unit_id = org.unit_id or session.scalar(
        select(Unit.id).where(Unit.jurisdiction_id == org.jurisdiction_id, Unit.parent_id.is_(None)).order_by(Unit.id)
    )
    held = session.scalar(
        select(RoleGrant.id).where(
            RoleGrant.user_id == user.id, RoleGrant.role == Role.PARTY_SECRETARY, RoleGrant.unit_id == unit_id
        )
    )
    if held is None and unit_id is not None:
        session.add(RoleGrant(user_id=user.id, role=Role.PARTY_SECRETARY, unit_id=unit_id))
    session.flush()
    session.expire(user, ["grants"])
    return org


def orgs_led_by(session: Session, user: User) -> list[PartyOrg]:
    """The organisations whose dashboard ``user`` may read: every one for a leader, else those they lead."""
    stmt = select(PartyOrg).where(PartyOrg.jurisdiction_id == user.jurisdiction_id, PartyOrg.active.is_(True))
    if not has_role(session, user, LEADER_ROLES):
        stmt = stmt.where(PartyOrg.secretary_user_id == user.id)
    return list(session.scalars(stmt.order_by(PartyOrg.parent_id.is_not(None), PartyOrg.id)))


def create_member(
    session: Session,
    *,
    jurisdiction_id: int,
    name: str,
    phone: str,
    kind: MemberKind | str = MemberKind.PARTY_MEMBER,
    org: PartyOrg | None = None,
    user: User | None = None,
    skills: str = "",
    actor: User | None = None,
) -> Member:
    if actor is not None and not has_role(session, actor, (*STAFF_ROLES,)):
        raise PermissionDenied("只有工作人员可以登记党员和志愿者", "only staff may register members and volunteers")
    kind = _enum(MemberKind, kind, "kind")
    name = _text(name, "name", "姓名", "the name", maximum=64)
    phone = _phone(phone, "phone")
    if kind == MemberKind.PARTY_MEMBER and org is None:
        raise InvalidInput("党员须填写所在党组织", "a party member belongs to a party organisation", field="org")
    if org is not None and org.jurisdiction_id != jurisdiction_id:
        raise InvalidInput("党组织不在本辖区", "the organisation is in another jurisdiction", field="org")
    if session.scalar(select(Member.id).where(Member.jurisdiction_id == jurisdiction_id, Member.phone == phone)):
        raise Conflict("该手机号已登记", "a member with this phone number exists", field="phone")
    if user is not None and session.scalar(select(Member.id).where(Member.user_id == user.id)):
        raise Conflict("该账号已关联其他党员/志愿者", "this login already belongs to a member", field="user")
    member = Member(
        jurisdiction_id=jurisdiction_id,
        kind=kind,
        name=name,
        phone=phone,
        org=org,
        user_id=user.id if user else None,
        skills=(skills or "").strip()[:200],
    )
    session.add(member)
    session.flush()
    return member


def member_for_user(session: Session, user: User | None) -> Member | None:
    if user is None:
        return None
    return session.scalar(select(Member).where(Member.user_id == user.id, Member.active.is_(True)))


def report_to_community(
    session: Session, *, community: Unit, member: Member | None = None, org: PartyOrg | None = None, note: str = ""
) -> DualReport:
    """双报到: a member (or an organisation) reports to a residential community; the community confirms."""
    if (member is None) == (org is None):
        raise InvalidInput("报到人须为一名党员或一个党组织", "a report is by one member or one organisation")
    who = member or org
    community = _community(session, who.jurisdiction_id, community.id, "community_id")
    live = session.scalar(
        select(DualReport).where(
            DualReport.community_id == community.id,
            DualReport.member_id == member.id if member else DualReport.org_id == org.id,
        )
    )
    if live is not None:
        if live.status != ReportStatus.DECLINED:
            raise Conflict("已向该社区报到，无需重复报到", "already reported to this community", field="community_id")
        live.status, live.note, live.reported_at, live.decided_at, live.decided_by_id = (
            ReportStatus.PENDING,
            note.strip(),
            utcnow(),
            None,
            None,
        )
        session.flush()
        return live
    report = DualReport(
        jurisdiction_id=who.jurisdiction_id,
        community_id=community.id,
        member_id=member.id if member else None,
        org_id=org.id if org else None,
        note=note.strip(),
        reported_at=utcnow(),
    )
    session.add(report)
    session.flush()
    return report


def decide_report(
    session: Session, report: DualReport, *, actor: User | None, confirm: bool, note: str = ""
) -> DualReport:
    require_staff(session, actor, report.community_id)
    if report.status != ReportStatus.PENDING:
        raise Conflict("该报到已处理", "this report was already decided")
    report.status = ReportStatus.CONFIRMED if confirm else ReportStatus.DECLINED
    report.decided_at, report.decided_by_id = utcnow(), actor.id if actor else None
    if note.strip():
        report.note = note.strip()
    if report.member is not None:
        queue_notification(
            session,
            jurisdiction_id=report.jurisdiction_id,
            kind="dual_report",
            audience="member",
            recipient=report.member.phone,
            message=f"您向{report.community.name}的双报到{'已确认' if confirm else '被退回'}。",
        )
    session.flush()
    return report


def create_pioneer_post(
    session: Session,
    *,
    community: Unit,
    holder: Member,
    name: str,
    service: str = "",
    grid: Unit | None = None,
    starts_on: date,
    ends_on: date | None = None,
    actor: User | None = None,
) -> PioneerPost:
    """先锋岗 / 责任区 held by a member who has reported to the community."""
    require_staff(session, actor, community.id)
    name = _text(name, "name", "岗位名称", "the post's name", maximum=100)
    if ends_on is not None and ends_on < starts_on:
        raise InvalidInput("结束日期不能早于开始日期", "the end date is before the start date", field="ends_on")
    if grid is not None and grid.parent_id != community.id:
        raise InvalidInput("网格不属于该社区", "the grid is not in this community", field="grid_id")
    post = PioneerPost(
        jurisdiction_id=community.jurisdiction_id,
        community_id=community.id,
        grid=grid,
        name=name,
        service=(service or "").strip()[:200],
        holder=holder,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    session.add(post)
    session.flush()
    return post


def member_for_resident(session: Session, account: ResidentAccount | None) -> Member | None:
    """The member or volunteer a resident account is (linked, or registered with the account's proven phone)."""
    if account is None:
        return None
    return session.scalar(
        select(Member)
        .where(
            Member.jurisdiction_id == account.jurisdiction_id,
            Member.active.is_(True),
            or_(Member.resident_account_id == account.id, Member.phone == account.phone),
        )
        .order_by(Member.resident_account_id.is_(None), Member.id)
        .limit(1)
    )


def link_user(session: Session, user: User) -> Member | None:
    """Hook ``after_sign_in``: a staff login with a phone becomes the member or volunteer registered with that
    phone, if neither is linked yet (so 我的认领 and 我的积分 find them without a manual step)."""
    if not user.phone or session.scalar(select(Member.id).where(Member.user_id == user.id)):
        return None
    member = session.scalar(
        select(Member).where(
            Member.jurisdiction_id == user.jurisdiction_id,
            Member.phone == user.phone.replace(" ", ""),
            Member.user_id.is_(None),
            Member.active.is_(True),
        )
    )
    if member is not None:
        member.user_id = user.id
        session.flush()
    return member


def link_resident(session: Session, account: ResidentAccount) -> Member | None:
    """Hook ``after_resident_sign_in``: the member or volunteer registered with the phone the resident just
    proved is linked to the resident account (once; the phone may change later, the link stays)."""
    member = session.scalar(
        select(Member).where(
            Member.jurisdiction_id == account.jurisdiction_id,
            Member.phone == account.phone,
            Member.resident_account_id.is_(None),
            Member.active.is_(True),
        )
    )
    if member is not None:
        member.resident_account_id = account.id
        session.flush()
    return member
