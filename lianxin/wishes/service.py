"""The only door through which wishes, claims, members, organisations, 双报到 and quotas change.

Each verb checks permission and the transition (``status.py``), sets fields, appends a ``WishEvent``,
queues notifications through ``lianxin.notify`` and flushes; it never commits (the edge does).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from lianxin.appeals.models import Appeal
from lianxin.clock import local_zone, utcnow
from lianxin.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from lianxin.notify import queue_notification
from lianxin.orgs.models import Role, Unit, UnitKind, User
from lianxin.orgs.service import has_role
from lianxin.wishes.models import (
    Member,
    QuotaScope,
    TriageClass,
    Wish,
    WishCategory,
    WishEvent,
    WishSource,
)
from lianxin.wishes.status import (
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
