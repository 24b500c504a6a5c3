"""The points jobs: points for work someone else has confirmed, once each (the ledger's unique reference
makes a second run, or a second job process, a no-op).

- ``points_for_wishes``: a micro-wish realised by a member (the resident confirmed it);
- ``points_for_visits``: a completed visit by a member with a staff login — a return visit (回访) done, or a
  proactive-care home visit recorded (when the care module is on);
- ``points_for_appeals``: an appeal solved (closed, the return visit said solved) whose reply was written by a
  member who has 双报到 to the appeal's community and been confirmed there."""

from __future__ import annotations

from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError

from lianxin.appeals.models import Appeal, AppealEvent
from lianxin.appeals.status import AppealStatus, EventKind
from lianxin.errors import Conflict
from lianxin.modules import enabled_modules
from lianxin.orgs.models import Unit
from lianxin.points import service
from lianxin.points.models import EntryReason, PointsEntry
from lianxin.visits.models import ReturnVisit, VisitState
from lianxin.wishes.models import ClaimStatus, DualReport, Member, ReportStatus, Wish, WishClaim

LIMIT = 500


def _unposted(reason: EntryReason, ref_type: str, ref_column):
    """The outer join that finds references without a (non-reversal) entry yet."""
    return (
        PointsEntry,
        and_(
            PointsEntry.reason == reason,
            PointsEntry.ref_type == ref_type,
            PointsEntry.ref_id == ref_column,
            PointsEntry.reverses_id.is_(None),
        ),
    )


def _credit(session, member: Member, code: EntryReason, ref_type: str, ref_id: int, community, memo: str) -> int:
    """One entry in its own savepoint: a concurrent job that posted it first makes this one skip, not fail."""
    try:
        with session.begin_nested():
            entry = service.earn(
                session,
                member=member,
                code=code,
                role=member.kind.value,
                ref_type=ref_type,
                ref_id=ref_id,
                community=community,
                memo=memo,
            )
    except (IntegrityError, Conflict):
        return 0
    return int(entry is not None)


def credit_realised_wishes(session, settings=None, now=None, *, limit: int = LIMIT) -> int:
    """Credit each realised claim of a member that has no points entry yet; idempotent."""
    rows = session.execute(
        select(WishClaim, Member, Wish)
        .join(Member, Member.id == WishClaim.member_id)
        .join(Wish, Wish.id == WishClaim.wish_id)
        .outerjoin(*_unposted(EntryReason.WISH, "wish_claim", WishClaim.id))
        .where(WishClaim.status == ClaimStatus.REALISED, PointsEntry.id.is_(None))
        .order_by(WishClaim.id)
        .limit(limit)
    ).all()
    done = sum(
        _credit(session, member, EntryReason.WISH, "wish_claim", claim.id, wish.community, f"微心愿 {wish.id}")
        for claim, member, wish in rows
    )
    session.flush()
    return done


def credit_visits(session, settings=None, now=None, *, limit: int = LIMIT) -> int:
    """Points for visits completed by members with a staff login (return visits; care home visits)."""
    rows = session.execute(
        select(ReturnVisit, Member, Appeal.community_id, Appeal.order_no)
        .join(Member, and_(Member.user_id == ReturnVisit.visitor_id, Member.active.is_(True)))
        .join(Appeal, Appeal.id == ReturnVisit.appeal_id)
        .outerjoin(*_unposted(EntryReason.VISIT, "return_visit", ReturnVisit.id))
        .where(ReturnVisit.state == VisitState.DONE, PointsEntry.id.is_(None))
        .order_by(ReturnVisit.id)
        .limit(limit)
    ).all()
    done = 0
    for visit, member, community_id, order_no in rows:
        community = session.get(Unit, community_id) if community_id else None
        done += _credit(session, member, EntryReason.VISIT, "return_visit", visit.id, community, f"回访 {order_no}")
    if any(m.name == "care" for m in enabled_modules(settings)):
        done += _credit_care_visits(session, limit=limit)
    session.flush()
    return done


def _credit_care_visits(session, *, limit: int) -> int:
    from lianxin.care.models import Alarm, AlarmEvent, Household

    rows = session.execute(
        select(AlarmEvent.id, Member, Household.community_id)
        .join(Alarm, Alarm.id == AlarmEvent.alarm_id)
        .join(Household, Household.id == Alarm.household_id)
        .join(Member, and_(Member.user_id == AlarmEvent.actor_id, Member.active.is_(True)))
        .outerjoin(*_unposted(EntryReason.VISIT, "care_visit", AlarmEvent.id))
        .where(AlarmEvent.action == "record_visit", PointsEntry.id.is_(None))
        .order_by(AlarmEvent.id)
        .limit(limit)
    ).all()
    done = 0
    for event_id, member, community_id in rows:
        community = session.get(Unit, community_id)
        done += _credit(session, member, EntryReason.VISIT, "care_visit", event_id, community, "关爱上门走访")
    return done


def credit_solved_appeals(session, settings=None, now=None, *, limit: int = LIMIT) -> int:
    """Points for appeals solved by a 双报到 member: the appeal is closed and solved, the member wrote its last
    reply, and their report to the appeal's community was confirmed."""
    last_reply = (
        select(AppealEvent.appeal_id, func.max(AppealEvent.id).label("event_id"))
        .where(AppealEvent.kind == EventKind.REPLIED)
        .group_by(AppealEvent.appeal_id)
        .subquery()
    )
    rows = session.execute(
        select(Appeal, Member)
        .join(last_reply, last_reply.c.appeal_id == Appeal.id)
        .join(AppealEvent, AppealEvent.id == last_reply.c.event_id)
        .join(Member, and_(Member.user_id == AppealEvent.actor_id, Member.active.is_(True)))
        .join(
            DualReport,
            and_(
                DualReport.member_id == Member.id,
                DualReport.community_id == Appeal.community_id,
                DualReport.status == ReportStatus.CONFIRMED,
            ),
        )
        .outerjoin(*_unposted(EntryReason.APPEAL, "appeal", Appeal.id))
        .where(Appeal.status == AppealStatus.CLOSED, Appeal.solved.is_(True), PointsEntry.id.is_(None))
        .order_by(Appeal.id)
        .limit(limit)
    ).all()
    done = 0
    for appeal, member in rows:
        community = session.get(Unit, appeal.community_id)
        done += _credit(session, member, EntryReason.APPEAL, "appeal", appeal.id, community, f"诉求 {appeal.order_no}")
    session.flush()
    return done
