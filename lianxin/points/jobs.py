"""``points_for_wishes``: points for micro-wishes realised by a member (the resident has confirmed), once each."""

from __future__ import annotations

from sqlalchemy import and_, select

from lianxin.points import service
from lianxin.points.models import EntryReason, PointsEntry
from lianxin.wishes.models import ClaimStatus, Member, Wish, WishClaim


def credit_realised_wishes(session, settings=None, now=None, *, limit: int = 500) -> int:
    """Credit each realised claim of a member that has no points entry yet; idempotent."""
    rows = session.execute(
        select(WishClaim, Member, Wish)
        .join(Member, Member.id == WishClaim.member_id)
        .join(Wish, Wish.id == WishClaim.wish_id)
        .outerjoin(
            PointsEntry,
            and_(
                PointsEntry.reason == EntryReason.WISH,
                PointsEntry.ref_type == "wish_claim",
                PointsEntry.ref_id == WishClaim.id,
                PointsEntry.reverses_id.is_(None),
            ),
        )
        .where(WishClaim.status == ClaimStatus.REALISED, PointsEntry.id.is_(None))
        .order_by(WishClaim.id)
        .limit(limit)
    ).all()
    done = 0
    for claim, member, wish in rows:
        entry = service.earn(
            session,
            member=member,
            code=EntryReason.WISH,
            role=member.kind.value,
            ref_type="wish_claim",
            ref_id=claim.id,
            community=wish.community,
            memo=f"微心愿 {wish.id}",
        )
        done += entry is not None
    session.flush()
    return done
