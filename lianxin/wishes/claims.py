"""The claimant's half of the wish lifecycle: claim (one live claim per wish, enforced by the database), release,
start, deliver with photos, the resident's confirmation and rating (or a redo), 销号, cancellation, and the
logged view of the resident's contact details. Same rules as ``service.py``: one verb per action, flush, no commit."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lianxin.clock import utcnow
from lianxin.errors import Conflict, InvalidInput, PermissionDenied
from lianxin.orgs.models import User
from lianxin.orgs.service import has_role
from lianxin.wishes.models import (
    ClaimStatus,
    Member,
    PartyOrg,
    TriageClass,
    Wish,
    WishClaim,
)
from lianxin.wishes.service import (
    LEADER_ROLES,
    MAX_LIVE_CLAIMS,
    A,
    _event,
    _move,
    _tell_claimant,
    _tell_resident,
    _text,
    is_staff,
    require_staff,
    today,
)
from lianxin.wishes.status import (
    CLAIMED_STATUSES,
)


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
