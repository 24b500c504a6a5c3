"""三评, 一事一评: the owner's self-assessment, residents' ratings (one per phone, by its keyed hash; an unsatisfied
comment becomes a 12345 appeal with its own deadline) and the assessing unit's review, combined with the list's
weights. The verbs never commit."""

from __future__ import annotations

import hashlib
import hmac
import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from lianxin.clock import utcnow
from lianxin.errors import Conflict, InvalidInput, PermissionDenied
from lianxin.orgs.models import Role, User
from lianxin.orgs.service import has_role
from lianxin.pledges.models import PledgeItem, PledgeRating
from lianxin.pledges.service import PHONE_RE, _event, _number, _optional_text, _require, can_work
from lianxin.pledges.status import ItemStatus, ListStatus, RatingKind, composite_score


def _require_rateable(item: PledgeItem) -> None:
    if item.pledge_list.status not in (ListStatus.PUBLISHED, ListStatus.ARCHIVED) or item.pledge_list.version == 0:
        raise Conflict("清单公示后才能评价", "items can be rated once the list is published", field="status")
    if item.status != ItemStatus.COMPLETED:
        raise Conflict("事项办结后才能评价（一事一评）", "an item is rated once it is completed", field="status")


def _score(value, field: str, *, top: int) -> int:
    number = _number(value, field, required=True)
    if number is None or number != int(number) or not 0 <= number <= top or (top == 5 and number < 1):
        low = 1 if top == 5 else 0
        raise InvalidInput(
            f"评分应为 {low} 到 {top} 的整数", f"the score is a whole number from {low} to {top}", field=field
        )
    return int(number)


def _existing(session: Session, item: PledgeItem, kind: RatingKind, key: str) -> PledgeRating | None:
    return session.scalars(
        select(PledgeRating).where(
            PledgeRating.item_id == item.id, PledgeRating.kind == kind, PledgeRating.rater_key == key
        )
    ).first()


def self_assess(session: Session, item: PledgeItem, *, actor: User, score, comment: str = "") -> PledgeRating:
    """自评: the owner unit, once per item, after completion."""
    _require(can_work(session, actor, item))
    _require_rateable(item)
    if _existing(session, item, RatingKind.SELF, RatingKind.SELF.value):
        raise Conflict("该事项已自评", "the item already has its self-assessment", field="kind")
    return _rate(
        session,
        item,
        RatingKind.SELF,
        RatingKind.SELF.value,
        _score(score, "score", top=100),
        comment,
        actor=actor,
        unit_id=item.owner_unit_id,
    )


def rater_key(session: Session, jurisdiction_id: int, phone: str) -> str:
    settings = session.info.get("settings")
    secret = (getattr(settings, "secret_key", None) or "lianxin").encode()
    return hmac.new(secret, f"pledge-rater:{jurisdiction_id}:{phone}".encode(), hashlib.sha256).hexdigest()


def rate_publicly(session: Session, item: PledgeItem, *, phone: str, stars, comment: str = "") -> PledgeRating:
    """群众评价: 1–5 stars with a comment, one per resident account (the phone number) per item."""
    phone = re.sub(r"[\s-]", "", phone or "")
    if not PHONE_RE.match(phone):
        raise InvalidInput("请填写 11 位手机号码", "enter an 11-digit mobile number", field="phone")
    _require_rateable(item)
    key = rater_key(session, item.jurisdiction_id, phone)
    if _existing(session, item, RatingKind.PUBLIC, key):
        raise Conflict(
            "您已评价过该事项，每人限评一次", "you have already rated this item (one rating each)", field="phone"
        )
    score = _score(stars, "stars", top=5) * 20
    rating = _rate(session, item, RatingKind.PUBLIC, key, score, comment, actor=None)
    if score <= APPEAL_BELOW and len(rating.comment) >= 5:
        rating.appeal_id = _appeal_from_rating(session, item, rating, phone).id
        session.flush()
    return rating


APPEAL_BELOW = 40  # 1–2 stars: a comment becomes an appeal, handled and timed like any other


def _appeal_from_rating(session: Session, item: PledgeItem, rating: PledgeRating, phone: str):
    """An unsatisfied rating's comment becomes a 12345 appeal (web channel, complaint) about the item, with
    the appeal's own deadline from the time-limit rules; the rating keeps its number."""
    from lianxin.appeals.schemas import AppealCreate
    from lianxin.appeals.service import submit_appeal

    appeal = submit_appeal(
        session,
        AppealCreate(
            jurisdiction_id=item.jurisdiction_id,
            channel="web",
            appeal_type="complaint",
            title=f"对办实事“{item.title[:60]}”的评价意见",
            content=f"群众评价（{rating.score // 20} 星）：{rating.comment}\n事项：{item.title}（清单：{item.pledge_list.title}）",
            address=item.area or None,
            appellant_phone=phone,
        ),
        actor=None,
    )
    _event(
        session,
        item.pledge_list,
        "rating_appeal",
        actor=None,
        item=item,
        payload={"rating_id": rating.id, "order_no": appeal.order_no},
    )
    return appeal


def review_item(session: Session, item: PledgeItem, *, actor: User, score, comment: str = "") -> PledgeRating:
    """综合评议: a leader of the assessing unit, after the self-assessment, once per item, with a score."""
    if not has_role(session, actor, (Role.LEADER,)):
        raise PermissionDenied("综合评议需要领导（考评）角色", "the comprehensive review needs the leader role")
    _require_rateable(item)
    if _existing(session, item, RatingKind.SELF, RatingKind.SELF.value) is None:
        raise Conflict("请先由责任单位自评", "the owner unit's self-assessment comes first", field="kind")
    if _existing(session, item, RatingKind.REVIEW, RatingKind.REVIEW.value):
        raise Conflict("该事项已综合评议", "the item has already been reviewed", field="kind")
    return _rate(
        session, item, RatingKind.REVIEW, RatingKind.REVIEW.value, _score(score, "score", top=100), comment, actor=actor
    )


def _rate(
    session: Session,
    item: PledgeItem,
    kind: RatingKind,
    key: str,
    score: int,
    comment: str,
    *,
    actor: User | None,
    unit_id: int | None = None,
) -> PledgeRating:
    rating = PledgeRating(
        jurisdiction_id=item.jurisdiction_id,
        item_id=item.id,
        kind=kind,
        rater_key=key,
        score=score,
        comment=_optional_text(comment, "comment", "评价意见", "Comment", 500),
        rater_user_id=actor.id if actor else None,
        unit_id=unit_id,
        created_at=utcnow(),
    )
    session.add(rating)
    session.flush()
    _event(session, item.pledge_list, "rating", actor=actor, item=item, payload={"kind": kind.value, "score": score})
    session.flush()
    return rating


def ratings_for(session: Session, item: PledgeItem) -> dict:
    rows = list(session.scalars(select(PledgeRating).where(PledgeRating.item_id == item.id)))
    public = [r.score for r in rows if r.kind == RatingKind.PUBLIC]
    scores = {
        "self": next((r.score for r in rows if r.kind == RatingKind.SELF), None),
        "public": round(sum(public) / len(public), 1) if public else None,
        "review": next((r.score for r in rows if r.kind == RatingKind.REVIEW), None),
    }
    return {
        **scores,
        "public_count": len(public),
        "composite": composite_score(scores, item.pledge_list.rating_weights),
        "comments": [(r.kind.value, r.score, r.comment, r.created_at) for r in rows if r.comment],
    }
