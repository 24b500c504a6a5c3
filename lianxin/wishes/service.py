"""The only door through which wishes, claims, members, organisations, 双报到 and quotas change.

Each verb checks permission and the transition (``status.py``), sets fields, appends a ``WishEvent``,
queues notifications through ``lianxin.notify`` and flushes; it never commits (the edge does).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, or_, select, union
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from lianxin.appeals.models import Appeal
from lianxin.appeals.privacy import mask_name, mask_phone
from lianxin.clock import local_zone, utcnow
from lianxin.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from lianxin.notify import queue_notification
from lianxin.orgs.models import Role, Unit, UnitKind, User
from lianxin.orgs.service import has_role
from lianxin.residents.models import ResidentAccount
from lianxin.sla.service import get_calendar
from lianxin.wishes.models import (
    ClaimStatus,
    DualReport,
    Member,
    MemberKind,
    OrgKind,
    PartyOrg,
    PioneerPost,
    QuotaRule,
    QuotaScope,
    ReportStatus,
    TriageClass,
    Wish,
    WishCategory,
    WishClaim,
    WishEvent,
    WishSource,
)
from lianxin.wishes.status import (
    CLAIMED_STATUSES,
    REALISED_STATUSES,
    IllegalTransition,
    WishAction,
    WishStatus,
    next_status,
)

A, S = WishAction, WishStatus
# Community staff who triage, publish and confirm 双报到 (a grant on the community or above).
STAFF_ROLES = (Role.GRID_WORKER, Role.HANDLER, Role.LEADER)
LEADER_ROLES = (Role.LEADER,)
DEFAULT_QUOTAS = {QuotaScope.ORG: 3, QuotaScope.MEMBER: 1}  # Loudi: each organisation ≥ 3, each member ≥ 1 a year
PHONE_RE = re.compile(r"^1\d{10}$|^0\d{2,3}-?\d{7,8}$")
DIGITS_RE = re.compile(r"\d{7,}")
MAX_TEXT = 2000
MAX_LIVE_CLAIMS = 5  # a member's claims not yet confirmed (claimed, in progress, delivered)


def today() -> date:
    return utcnow().astimezone(local_zone()).date()


# --- small checks ---------------------------------------------------------------------------------


def _text(value: str | None, field: str, zh: str, en: str, minimum: int = 2, maximum: int = MAX_TEXT) -> str:
    value = (value or "").strip()
    if len(value) < minimum:
        raise InvalidInput(
            f"请填写{zh}（至少 {minimum} 个字）", f"{en} is required (at least {minimum} characters)", field=field
        )
    if len(value) > maximum:
        raise InvalidInput(f"{zh}不能超过 {maximum} 个字", f"{en} is too long (at most {maximum})", field=field)
    return value


def _phone(value: str | None, field: str = "resident_phone") -> str:
    value = (value or "").replace(" ", "").strip()
    if not PHONE_RE.match(value):
        raise InvalidInput("请填写正确的手机号或座机号", "enter a valid mobile or landline number", field=field)
    return value


def _enum(enum_cls, value, field: str):
    try:
        return enum_cls(value)
    except ValueError:
        raise InvalidInput("请选择一项", "choose one of the options", field=field) from None


def _community(session: Session, jurisdiction_id: int, community_id: int | None, field: str = "community_id") -> Unit:
    unit = session.get(Unit, community_id) if community_id else None
    if unit is None or unit.jurisdiction_id != jurisdiction_id or unit.kind != UnitKind.COMMUNITY:
        raise InvalidInput("请选择所在社区", "choose the residential community", field=field)
    return unit


def require_staff(session: Session, actor: User | None, community_id: int) -> None:
    """Community staff (grid worker, handler or leader covering the community; admins); None is the system."""
    if actor is None:
        return
    if not is_staff(session, actor, community_id):
        raise PermissionDenied("只有本社区的工作人员可以办理此事项", "only the community's staff may do this")


def is_staff(session: Session, actor: User | None, community_id: int) -> bool:
    """A staff grant covering the community, or a grid worker of one of its grids."""
    if has_role(session, actor, STAFF_ROLES, unit_id=community_id):
        return True
    return (
        actor is not None
        and actor.active
        and any(g.role == Role.GRID_WORKER and g.unit.parent_id == community_id for g in actor.grants)
    )


def _check_version(wish: Wish, version: int | None) -> None:
    if version is not None and version != wish.version:
        raise Conflict("心愿已被他人更新，请刷新后重试", "the wish was changed by someone else; reload and try again")


def _event(
    session: Session,
    wish: Wish,
    kind: str,
    *,
    before: WishStatus | None = None,
    actor: User | None = None,
    member: Member | None = None,
    note: str = "",
    payload: dict | None = None,
) -> WishEvent:
    event = WishEvent(
        jurisdiction_id=wish.jurisdiction_id,
        wish=wish,
        kind=kind,
        from_status=before.value if before else None,
        to_status=WishStatus(wish.status).value if before else None,
        actor_user_id=actor.id if actor else None,
        actor_member_id=member.id if member else None,
        note=note,
        payload=payload or {},
        created_at=utcnow(),
    )
    session.add(event)
    return event


def _move(
    session: Session,
    wish: Wish,
    action: WishAction,
    *,
    actor: User | None = None,
    member: Member | None = None,
    note: str = "",
    payload: dict | None = None,
    version: int | None = None,
) -> WishEvent:
    _check_version(wish, version)
    before = WishStatus(wish.status)
    try:
        wish.status = next_status(before, action)
    except IllegalTransition as exc:
        raise Conflict(exc.message_zh, exc.message_en) from None
    try:
        session.flush()  # the version check runs here: a concurrent change is a 409, not a later autoflush error
    except StaleDataError:
        raise Conflict(
            "心愿已被他人更新，请刷新后重试", "the wish was changed by someone else; reload and try again"
        ) from None
    return _event(session, wish, action.value, before=before, actor=actor, member=member, note=note, payload=payload)


def _tell_resident(session: Session, wish: Wish, kind: str, message: str) -> None:
    queue_notification(
        session,
        jurisdiction_id=wish.jurisdiction_id,
        kind=kind,
        audience="appellant",
        recipient=wish.resident_phone,
        message=message,
    )


def _tell_claimant(session: Session, wish: Wish, kind: str, message: str, dedupe_key: str | None = None) -> None:
    if wish.claimed_member is not None:
        recipient, audience = wish.claimed_member.phone, "member"
    elif wish.claimed_org is not None and wish.claimed_org.secretary_user_id:
        recipient, audience = str(wish.claimed_org.secretary_user_id), "user"
    else:
        return
    queue_notification(
        session,
        jurisdiction_id=wish.jurisdiction_id,
        kind=kind,
        audience=audience,
        recipient=recipient,
        message=message,
        dedupe_key=dedupe_key,
    )


# --- organisations, members, 双报到, 先锋岗 ------------------------------------------------------------


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
    org = PartyOrg(
        jurisdiction_id=jurisdiction_id,
        kind=kind,
        name=name,
        parent=parent,
        unit=unit,
        secretary_user_id=secretary.id if secretary else None,
    )
    session.add(org)
    session.flush()
    return org


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


# --- the wish lifecycle -----------------------------------------------------------------------------


def submit_wish(
    session: Session,
    *,
    jurisdiction_id: int,
    community_id: int | None,
    content: str,
    category: WishCategory | str,
    resident_phone: str,
    resident_name: str | None = None,
    resident_address: str | None = None,
    grid_id: int | None = None,
    source: WishSource | str = WishSource.RESIDENT,
    source_appeal: Appeal | None = None,
    actor: User | None = None,
    idempotency_key: str | None = None,
    photos: Iterable[str] = (),
    resident_account_id: int | None = None,
) -> Wish:
    """收集: a wish from the resident page (no actor), a grid visit, a box, a return visit or an appeal (staff)."""
    if idempotency_key and (done := session.scalar(select(Wish).where(Wish.idempotency_key == idempotency_key))):
        return done
    community = _community(session, jurisdiction_id, community_id)
    if actor is not None:
        require_staff(session, actor, community.id)
    source = _enum(WishSource, source, "source")
    if source != WishSource.RESIDENT and actor is None:
        raise PermissionDenied("只有工作人员可以代为登记心愿", "only staff record wishes for residents")
    category = _enum(WishCategory, category, "category")
    content = _text(content, "content", "心愿内容", "the wish", minimum=5)
    phone = _phone(resident_phone)
    grid = None
    if grid_id:
        grid = session.get(Unit, grid_id)
        if grid is None or grid.parent_id != community.id:
            raise InvalidInput("网格不属于该社区", "the grid is not in this community", field="grid_id")
    wish = Wish(
        jurisdiction_id=jurisdiction_id,
        status=S.COLLECTED,
        source=source,
        category=category,
        community_id=community.id,
        grid_id=grid.id if grid else None,
        resident_name=(resident_name or "").strip()[:64] or None,
        resident_phone=phone,
        resident_address=(resident_address or "").strip()[:200] or None,
        content=content,
        photos=list(photos),
        tracking_token=secrets.token_urlsafe(24),
        idempotency_key=idempotency_key,
        source_appeal_id=source_appeal.id if source_appeal else None,
        resident_account_id=resident_account_id,
        created_at=utcnow(),
    )
    session.add(wish)
    session.flush()
    _event(session, wish, "submitted", actor=actor, payload={"source": source.value})
    _tell_resident(session, wish, "wish_received", f"您的微心愿已收到（编号 {wish.id}），社区将尽快登记审核。")
    session.flush()
    return wish


def wish_from_appeal(
    session: Session,
    appeal: Appeal,
    *,
    actor: User,
    content: str,
    category: WishCategory | str,
    community_id: int | None = None,
) -> Wish:
    """A staff member turns an appeal into a wish; the wish keeps ``source_appeal_id`` (see ``wishes_of_appeal``)."""
    if appeal.jurisdiction_id != actor.jurisdiction_id:
        raise NotFound("工单不存在", "appeal not found")
    return submit_wish(
        session,
        jurisdiction_id=appeal.jurisdiction_id,
        community_id=community_id or appeal.community_id,
        content=content,
        category=category,
        resident_phone=appeal.appellant_phone,
        resident_name=appeal.appellant_name,
        resident_address=appeal.address,
        source=WishSource.APPEAL,
        source_appeal=appeal,
        actor=actor,
    )


def wishes_of_appeal(session: Session, appeal_id: int) -> list[Wish]:
    return list(session.scalars(select(Wish).where(Wish.source_appeal_id == appeal_id).order_by(Wish.id)))


def _public_text(wish: Wish, value: str | None) -> str:
    """The public text must not carry the resident's name, phone or address (a long digit run is refused)."""
    value = _text(value, "public_text", "公开内容", "the public text", minimum=5, maximum=500)
    leaks = [
        x for x in (wish.resident_name, wish.resident_phone, wish.resident_address) if x and len(x) >= 2 and x in value
    ]
    if leaks or DIGITS_RE.search(value):
        raise InvalidInput(
            "公开内容不能包含群众的姓名、电话或详细地址",
            "the public text must not name the resident, their phone or their exact address",
            field="public_text",
        )
    return value


def register_wish(
    session: Session,
    wish: Wish,
    *,
    actor: User | None,
    triage_class: TriageClass | str,
    public_text: str | None = None,
    category: WishCategory | str | None = None,
    version: int | None = None,
) -> Wish:
    """登记 with the triage class (四类); a not-feasible wish goes on file with ``file_wish`` instead."""
    require_staff(session, actor, wish.community_id)
    triage = _enum(TriageClass, triage_class, "triage_class")
    if triage == TriageClass.INFEASIBLE:
        raise InvalidInput(
            "暂不具备条件的心愿请转入待办档案", "put a not-feasible wish on file instead", field="triage_class"
        )
    if category:
        wish.category = _enum(WishCategory, category, "category")
    if public_text:
        wish.public_text = _public_text(wish, public_text)
    wish.triage_class = triage
    _move(session, wish, A.REGISTER, actor=actor, payload={"triage_class": triage.value}, version=version)
    session.flush()
    return wish


def publish_wish(
    session: Session, wish: Wish, *, actor: User | None, public_text: str | None = None, version: int | None = None
) -> Wish:
    """发布 on the wall with a public text written or approved by staff (no personal data)."""
    require_staff(session, actor, wish.community_id)
    wish.public_text = _public_text(wish, public_text if public_text is not None else wish.public_text)
    _move(session, wish, A.PUBLISH, actor=actor, version=version)
    _tell_resident(session, wish, "wish_published", f"您的微心愿（编号 {wish.id}）已发布，等待党员和志愿者认领。")
    session.flush()
    return wish


def reject_wish(session: Session, wish: Wish, *, actor: User | None, reason: str, version: int | None = None) -> Wish:
    require_staff(session, actor, wish.community_id)
    wish.reason = _text(reason, "reason", "不予采纳的理由", "the reason", minimum=4, maximum=500)
    _move(session, wish, A.REJECT, actor=actor, note=wish.reason, version=version)
    _tell_resident(session, wish, "wish_rejected", f"您的微心愿（编号 {wish.id}）未被采纳，理由：{wish.reason}")
    session.flush()
    return wish


def file_wish(
    session: Session, wish: Wish, *, actor: User | None, reason: str, review_on: date, version: int | None = None
) -> Wish:
    """待办档案: not feasible now; the resident is told why and when it will be looked at again."""
    require_staff(session, actor, wish.community_id)
    reason = _text(reason, "reason", "情况说明", "the explanation", minimum=4, maximum=500)
    if review_on <= today():
        raise InvalidInput("复核日期须晚于今天", "the review date must be after today", field="review_on")
    wish.reason, wish.review_on, wish.triage_class = reason, review_on, TriageClass.INFEASIBLE
    _move(
        session, wish, A.FILE, actor=actor, note=reason, payload={"review_on": review_on.isoformat()}, version=version
    )
    _tell_resident(
        session,
        wish,
        "wish_on_file",
        f"您的微心愿（编号 {wish.id}）暂不具备办理条件：{reason}。社区将于 {review_on:%Y-%m-%d} 重新审核。",
    )
    session.flush()
    return wish


def reopen_wish(session: Session, wish: Wish, *, actor: User | None, note: str = "") -> Wish:
    """Back from the file for review (the job does this on the review date)."""
    require_staff(session, actor, wish.community_id)
    _move(session, wish, A.REOPEN, actor=actor, note=note or "到期复核")
    wish.review_on = None
    session.flush()
    return wish


def _claimant_may_act(session: Session, wish: Wish, member: Member | None, actor: User | None) -> None:
    if member is not None and wish.claimed_member_id == member.id:
        return
    if actor is not None and wish.claimed_org is not None and wish.claimed_org.secretary_user_id == actor.id:
        return
    if actor is not None and member is None and is_staff(session, actor, wish.community_id):
        return
    raise PermissionDenied("只有认领人可以办理此心愿", "only the claimant may do this")


def _claim_rules(session: Session, wish: Wish, *, member: Member | None, org: PartyOrg | None, actor: User | None):
    """Who may claim what (四类): a common or legacy wish is taken by an organisation (a legacy one led by a
    leader), never by one member; nobody claims their own wish; a member holds at most MAX_LIVE_CLAIMS at once."""
    triage = TriageClass(wish.triage_class) if wish.triage_class else None
    if member is not None:
        if triage in (TriageClass.COMMON, TriageClass.LEGACY):
            raise InvalidInput(
                "共性类、疑难类心愿由党组织认领，不能由个人认领",
                "a common or legacy wish is claimed by an organisation, not by one member",
                field="org_id",
            )
        own = member.phone == wish.resident_phone or (
            member.resident_account_id is not None and member.resident_account_id == wish.resident_account_id
        )
        if own:
            raise PermissionDenied("不能认领自己提出的心愿", "you cannot claim your own wish")
        live = session.scalar(
            select(func.count())
            .select_from(WishClaim)
            .where(WishClaim.member_id == member.id, WishClaim.status == ClaimStatus.ACTIVE)
        )
        if live >= MAX_LIVE_CLAIMS:
            raise Conflict(
                f"您已有 {live} 个心愿在办，请先落实后再认领",
                f"you already hold {live} live claims; carry them out before claiming more",
            )
    if (
        org is not None
        and triage == TriageClass.LEGACY
        and actor is not None
        and not has_role(session, actor, LEADER_ROLES, unit_id=wish.community_id)
    ):
        raise PermissionDenied("疑难类心愿须由领导牵头认领", "a legacy wish is claimed with a leader in the lead")


def claim_wish(
    session: Session,
    wish: Wish,
    *,
    promised_on: date,
    member: Member | None = None,
    org: PartyOrg | None = None,
    actor: User | None = None,
    version: int | None = None,
) -> Wish:
    """认领 by a member (who then sees the contact details) or an organisation (by its secretary or staff).

    One live claim per wish: the partial unique index on ``wish_claims`` decides when two claim at once."""
    if (member is None) == (org is None):
        raise InvalidInput(
            "认领人须为一名党员/志愿者或一个党组织", "a wish is claimed by one member or one organisation"
        )
    who = member or org
    if who.jurisdiction_id != wish.jurisdiction_id or not who.active:
        raise PermissionDenied("认领人不可用", "the claimant is not active here")
    if wish.status in CLAIMED_STATUSES:  # the usual race on the wall: say so plainly
        raise Conflict("该心愿已被他人认领，请选择其他心愿", "someone else has already claimed this wish")
    _claim_rules(session, wish, member=member, org=org, actor=actor)
    if (
        org is not None
        and actor is not None
        and org.secretary_user_id != actor.id
        and not is_staff(session, actor, wish.community_id)
    ):
        raise PermissionDenied(
            "只有党组织书记或社区工作人员可以以组织名义认领", "only the secretary or staff claim for an organisation"
        )
    if promised_on < today():
        raise InvalidInput("承诺完成日期不能早于今天", "the promised date cannot be in the past", field="promised_on")
    if promised_on > today() + timedelta(days=366):
        raise InvalidInput(
            "承诺完成日期不能超过一年", "the promised date is more than a year away", field="promised_on"
        )
    _move(
        session,
        wish,
        A.CLAIM,
        actor=actor,
        member=member,
        version=version,
        payload={"promised_on": promised_on.isoformat(), "org_id": org.id if org else None},
    )
    wish.claimed_member, wish.claimed_org = member, org
    wish.claimed_at, wish.promised_on = utcnow(), promised_on
    claim = WishClaim(
        jurisdiction_id=wish.jurisdiction_id,
        wish_id=wish.id,
        member_id=member.id if member else None,
        org_id=org.id if org else None,
        promised_on=promised_on,
        created_at=utcnow(),
    )
    try:
        with session.begin_nested():
            session.add(claim)
            session.flush()
    except IntegrityError:
        raise Conflict("该心愿已被他人认领", "someone else has already claimed this wish") from None
    _tell_resident(
        session, wish, "wish_claimed", f"您的微心愿（编号 {wish.id}）已被认领，承诺于 {promised_on:%Y-%m-%d} 前完成。"
    )
    session.flush()
    return wish


def active_claim(session: Session, wish: Wish) -> WishClaim | None:
    return session.scalar(select(WishClaim).where(WishClaim.wish_id == wish.id, WishClaim.status == ClaimStatus.ACTIVE))


def release_wish(
    session: Session,
    wish: Wish,
    *,
    reason: str,
    member: Member | None = None,
    actor: User | None = None,
    version: int | None = None,
) -> Wish:
    """The claim is cancelled (by the claimant or staff): the wish returns to the wall."""
    _claimant_may_act(session, wish, member, actor)
    reason = _text(reason, "reason", "取消认领的原因", "the reason", minimum=2, maximum=500)
    _move(session, wish, A.RELEASE, actor=actor, member=member, note=reason, version=version)
    claim = active_claim(session, wish)
    if claim is not None:
        claim.status, claim.ended_at = ClaimStatus.CANCELLED, utcnow()
    wish.claimed_member, wish.claimed_org, wish.claimed_at, wish.promised_on = None, None, None, None
    session.flush()
    return wish


def start_wish(
    session: Session,
    wish: Wish,
    *,
    member: Member | None = None,
    actor: User | None = None,
    note: str = "",
    version: int | None = None,
) -> Wish:
    _claimant_may_act(session, wish, member, actor)
    _move(session, wish, A.START, actor=actor, member=member, note=note.strip(), version=version)
    session.flush()
    return wish


def deliver_wish(
    session: Session,
    wish: Wish,
    *,
    note: str,
    photos: Iterable[str] = (),
    member: Member | None = None,
    actor: User | None = None,
    version: int | None = None,
) -> Wish:
    """反馈: the claimant records what was done (with photos); the resident is asked to confirm."""
    _claimant_may_act(session, wish, member, actor)
    wish.delivery_note = _text(note, "note", "落实情况", "what was done", minimum=4, maximum=1000)
    wish.delivery_photos = list(photos)
    wish.delivered_at = utcnow()
    _move(
        session,
        wish,
        A.DELIVER,
        actor=actor,
        member=member,
        note=wish.delivery_note,
        payload={"photos": len(wish.delivery_photos)},
        version=version,
    )
    _tell_resident(
        session, wish, "wish_delivered", f"您的微心愿（编号 {wish.id}）已反馈完成，请通过查询链接确认并评价。"
    )
    session.flush()
    return wish


def _check_resident(wish: Wish, token: str | None) -> None:
    if not token or not secrets.compare_digest(token, wish.tracking_token):
        raise PermissionDenied("只有心愿人本人可以确认", "only the resident who made the wish may do this")


def redo_wish(session: Session, wish: Wish, *, token: str, note: str) -> Wish:
    """The resident says it is not done yet: back to the claimant."""
    _check_resident(wish, token)
    note = _text(note, "note", "未完成的情况", "what is still missing", minimum=2, maximum=500)
    _move(session, wish, A.REDO, note=note)
    _tell_claimant(session, wish, "wish_redo", f"心愿（编号 {wish.id}）的群众反馈尚未完成：{note}")
    session.flush()
    return wish


def confirm_wish(
    session: Session,
    wish: Wish,
    *,
    rating: int,
    comment: str = "",
    token: str | None = None,
    proxy: User | None = None,
    signature_photo: str | None = None,
    version: int | None = None,
) -> Wish:
    """确认 by the resident (their private link) or, for residents without a phone, by the grid worker
    with a photo of the resident's signature. Only now does the claim count as realised."""
    if proxy is not None:
        require_staff(session, proxy, wish.community_id)
        if not signature_photo:
            raise InvalidInput(
                "代为确认须上传群众签字照片", "a proxy confirmation needs the resident's signed photo", field="photos"
            )
    else:
        _check_resident(wish, token)
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise InvalidInput("请选择 1–5 星评价", "choose a rating from 1 to 5", field="rating")
    wish.rating, wish.rating_comment = rating, (comment or "").strip()[:500] or None
    wish.confirmed_at, wish.confirmed_by_proxy = utcnow(), proxy is not None
    _move(
        session,
        wish,
        A.CONFIRM,
        actor=proxy,
        note=wish.rating_comment or "",
        version=version,
        payload={"rating": rating, "signature_photo": signature_photo} if proxy else {"rating": rating},
    )
    claim = active_claim(session, wish)
    if claim is not None:
        claim.status, claim.realised_at, claim.ended_at = ClaimStatus.REALISED, wish.confirmed_at, wish.confirmed_at
    _tell_claimant(session, wish, "wish_confirmed", f"心愿（编号 {wish.id}）已由群众确认，评价 {rating} 星。")
    session.flush()
    return wish


def close_wish(session: Session, wish: Wish, *, actor: User | None, version: int | None = None) -> Wish:
    """销号."""
    require_staff(session, actor, wish.community_id)
    _move(session, wish, A.CLOSE, actor=actor, version=version)
    wish.closed_at = utcnow()
    session.flush()
    return wish


def cancel_wish(
    session: Session, wish: Wish, *, token: str | None = None, actor: User | None = None, reason: str = ""
) -> Wish:
    """The resident withdraws the wish (before anyone claims it); staff may record it for them."""
    if actor is not None:
        require_staff(session, actor, wish.community_id)
    else:
        _check_resident(wish, token)
    _move(session, wish, A.CANCEL, actor=actor, note=(reason or "").strip()[:500])
    session.flush()
    return wish


@dataclass(frozen=True)
class Contact:
    name: str | None
    phone: str
    address: str | None


def view_contact(session: Session, wish: Wish, *, member: Member | None = None, actor: User | None = None) -> Contact:
    """The resident's contact details: for the live claimant and community staff only; every view is logged."""
    allowed = wish.status in CLAIMED_STATUSES and (
        (member is not None and wish.claimed_member_id == member.id)
        or (actor is not None and wish.claimed_org is not None and wish.claimed_org.secretary_user_id == actor.id)
    )
    if not allowed and not (actor is not None and member is None and is_staff(session, actor, wish.community_id)):
        raise PermissionDenied("认领后才能查看群众联系方式", "contact details are shown to the claimant only")
    _event(session, wish, "contact_viewed", actor=actor, member=member)
    session.flush()
    return Contact(wish.resident_name, wish.resident_phone, wish.resident_address)


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
    realised = dict(
        session.execute(
            select(column, func.count())
            .where(
                WishClaim.jurisdiction_id == jurisdiction_id,
                WishClaim.status == ClaimStatus.REALISED,
                WishClaim.realised_at >= start,
                WishClaim.realised_at < end,
                column.is_not(None),
            )
            .group_by(column)
        ).all()
    )
    live = dict(
        session.execute(
            select(column, func.count())
            .where(
                WishClaim.jurisdiction_id == jurisdiction_id,
                WishClaim.status == ClaimStatus.ACTIVE,
                column.is_not(None),
            )
            .group_by(column)
        ).all()
    )
    stmt = select(model.id, model.name).where(model.jurisdiction_id == jurisdiction_id, model.active.is_(True))
    if ids is not None:
        stmt = stmt.where(model.id.in_(list(ids)))
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


def review_filed_wishes(session: Session, *, now: datetime | None = None) -> int:
    """Job: wishes on file whose review date has come go back to registered for the community to review."""
    day = (now or utcnow()).astimezone(local_zone()).date()
    wishes = session.scalars(
        select(Wish)
        .where(Wish.status == S.ON_FILE, Wish.review_on <= day)
        .order_by(Wish.id)
        .limit(500)
        .with_for_update(skip_locked=True, of=Wish)
    ).all()
    for wish in wishes:
        reopen_wish(session, wish, actor=None, note="到期复核 / due for review")
    return len(wishes)


def remind_claims(session: Session, *, now: datetime | None = None) -> int:
    """Job: remind the claimant on the last working day before the promised date and on the first working day
    after it passed (the jurisdiction's working-day calendar: a Monday promise is reminded on Friday), once each.
    Nothing is sent on a day off."""
    day = (now or utcnow()).astimezone(local_zone()).date()
    sent = 0
    live = [S.CLAIMED, S.IN_PROGRESS]
    wishes: list[Wish] = []
    for jid in session.scalars(select(Wish.jurisdiction_id).where(Wish.status.in_(live)).distinct()).all():
        calendar = get_calendar(session, jid)
        if not calendar.is_workday(day):
            continue
        following, previous = day + timedelta(days=1), day - timedelta(days=1)
        for _ in range(30):  # the longest holiday is shorter than this
            if calendar.is_workday(following):
                break
            following += timedelta(days=1)
        for _ in range(30):
            if calendar.is_workday(previous):
                break
            previous -= timedelta(days=1)
        wishes += session.scalars(
            select(Wish)
            .where(
                Wish.jurisdiction_id == jid,
                Wish.status.in_(live),
                or_(
                    (Wish.promised_on > day) & (Wish.promised_on <= following),
                    (Wish.promised_on >= previous) & (Wish.promised_on < day),
                ),
            )
            .order_by(Wish.id)
            .limit(2000)
        ).all()
    for wish in wishes:
        before = wish.promised_on > day
        kind = "wish_due_soon" if before else "wish_overdue"
        text = (
            f"您认领的心愿（编号 {wish.id}）承诺于 {wish.promised_on:%Y-%m-%d} 完成，请按时落实。"
            if before
            else f"您认领的心愿（编号 {wish.id}）已超过承诺日期 {wish.promised_on:%Y-%m-%d}，请尽快落实并反馈。"
        )
        _tell_claimant(session, wish, kind, text, dedupe_key=f"wish:{wish.id}:{kind}:{wish.promised_on}")
        sent += 1
    return sent
