"""Hotspots of the deployment's own appeals: the engine fed from the database, cached in snapshots.

Page views read the latest snapshot (:func:`latest_snapshot`); the ``refresh_hotspots`` job
recomputes it (:func:`refresh_snapshot`), so nobody waits for the clustering.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from lianxin.appeals.access import visible_appeals
from lianxin.appeals.choices import Satisfaction
from lianxin.appeals.models import Appeal
from lianxin.appeals.status import AppealStatus
from lianxin.clock import local_zone, utcnow
from lianxin.errors import InvalidInput, NotFound
from lianxin.hotspots.models import Hotspot, HotspotSnapshot
from lianxin.orgs.models import Jurisdiction, Role, Unit, UnitKind, User
from lianxin.orgs.service import descendant_ids, has_role, require_role
from lianxin.visits.models import ReturnVisit

if TYPE_CHECKING:
    from lianxin.hotspots.engine import Message

WINDOW_DAYS = 90  # the job's window: hotspots of the last quarter
REFRESH_EVERY = timedelta(hours=1)
DAILY_TREND_UP_TO_DAYS = 62  # longer windows get a weekly trend
VIEW_ROLES = (Role.LEADER, Role.DISPATCHER, Role.HANDLER)
WIDE_UNITS = (UnitKind.CITY, UnitKind.CENTRE)  # a leader here reads the whole jurisdiction


@dataclass(frozen=True)
class HotspotResult:
    rank: int
    heat: float
    start: datetime
    end: datetime
    place: str
    description: str
    appeal_ids: list[int]
    terms: list[str]
    stats: dict
    trend: list[list]
    points: list[dict]


def _check_window(since: datetime, until: datetime) -> None:
    if since.tzinfo is None or until.tzinfo is None:
        raise ValueError("find_hotspots needs aware datetimes")
    if until <= since:
        raise InvalidInput("结束时间须晚于开始时间", "until must be after since", field="until")


def _scoped(stmt, session: Session, unit_id: int | None):
    if unit_id is None:
        return stmt
    units = descendant_ids(session, unit_id)
    return stmt.where(or_(Appeal.lead_unit_id.in_(units), Appeal.community_id.in_(units)))


def appeal_messages(
    session: Session, jurisdiction_id: int, *, since: datetime, until: datetime, unit_id: int | None = None
) -> tuple[list[Message], dict[int, Appeal]]:
    """The appeals received in [since, until) as engine messages: title, content and address; the
    community as the known place; merged repeats (并单) and 不满意 return visits counted on each."""
    from lianxin.hotspots.engine import Message  # here: the engine imports scikit-learn and SciPy (~3 s)

    base = select(Appeal).where(
        Appeal.jurisdiction_id == jurisdiction_id,
        Appeal.received_at >= since,
        Appeal.received_at < until,
        Appeal.status != AppealStatus.MERGED,
    )
    appeals = {a.id: a for a in session.scalars(_scoped(base, session, unit_id).order_by(Appeal.id))}
    if not appeals:
        return [], {}
    ids = list(appeals)
    repeats = dict(
        session.execute(
            select(Appeal.merged_into_id, func.count())
            .where(Appeal.merged_into_id.in_(ids))
            .group_by(Appeal.merged_into_id)
        ).all()
    )
    unhappy = set(
        session.scalars(
            select(ReturnVisit.appeal_id).where(
                ReturnVisit.appeal_id.in_(ids), ReturnVisit.satisfaction == Satisfaction.DISSATISFIED
            )
        )
    )
    communities = dict(
        session.execute(
            select(Unit.id, Unit.name).where(Unit.id.in_({a.community_id for a in appeals.values() if a.community_id}))
        ).all()
    )
    messages = [
        Message(
            id=a.id,
            created_at=a.received_at,
            title=a.title,
            body=f"{a.content} {a.address or ''}".strip(),
            place=communities.get(a.community_id),
            author=str(a.appellant_id) if a.appellant_id else None,
            repeats=repeats.get(a.id, 0),
            dissatisfied=a.id in unhappy or a.satisfaction == Satisfaction.DISSATISFIED,
        )
        for a in appeals.values()
    ]
    return messages, appeals


def trend_series(moments: list[datetime], since: datetime, until: datetime) -> list[list]:
    """Appeals per local day (per week, from Monday, for windows over two months), zeros included."""
    weekly = (until - since).days > DAILY_TREND_UP_TO_DAYS
    step = timedelta(days=7 if weekly else 1)

    def period(moment: datetime) -> date:
        day = moment.astimezone(local_zone()).date()
        return day - timedelta(days=day.weekday()) if weekly else day

    counts: dict[date, int] = {}
    for moment in moments:
        counts[period(moment)] = counts.get(period(moment), 0) + 1
    first, last = period(min(moments)), period(max(moments))
    series, day = [], first
    while day <= last:
        series.append([day.isoformat(), counts.get(day, 0)])
        day += step
    return series


def find_hotspots(
    session: Session,
    jurisdiction_id: int,
    *,
    since: datetime,
    until: datetime,
    unit_id: int | None = None,
    top: int = 10,
) -> list[HotspotResult]:
    """The ``top`` hotspots among the appeals received in [since, until), optionally within a unit's subtree."""
    from lianxin.hotspots.engine import detect_hotspots

    _check_window(since, until)
    messages, appeals = appeal_messages(session, jurisdiction_id, since=since, until=until, unit_id=unit_id)
    results = []
    for h in detect_hotspots(messages, top=top, now=min(until, utcnow())):
        members = [appeals[i] for i in h.message_ids]
        results.append(
            HotspotResult(
                rank=h.rank,
                heat=h.heat,
                start=h.start,
                end=h.end,
                place=h.place,
                description=h.description,
                appeal_ids=[a.id for a in members],
                terms=list(h.terms),
                stats=dict(
                    volume=h.volume,
                    growth=h.growth,
                    likes=h.likes,
                    dislikes=h.dislikes,
                    repeats=h.repeats,
                    dissatisfied=h.dissatisfied,
                ),
                trend=trend_series([a.received_at for a in members], since, until),
                points=[
                    {"appeal_id": a.id, "lat": a.lat, "lng": a.lng}
                    for a in members
                    if a.lat is not None and a.lng is not None
                ],
            )
        )
    return results


def refresh_snapshot(
    session: Session,
    jurisdiction_id: int,
    *,
    since: datetime,
    until: datetime,
    unit_id: int | None = None,
    top: int = 20,
) -> HotspotSnapshot:
    """Compute the hotspots and store them as a new snapshot (older snapshots stay as history)."""
    started = time.perf_counter()
    results = find_hotspots(session, jurisdiction_id, since=since, until=until, unit_id=unit_id, top=top)
    count = len(appeal_messages(session, jurisdiction_id, since=since, until=until, unit_id=unit_id)[0])
    snapshot = HotspotSnapshot(
        jurisdiction_id=jurisdiction_id,
        unit_id=unit_id,
        since=since,
        until=until,
        computed_at=utcnow(),
        appeal_count=count,
    )
    snapshot.hotspots = [
        Hotspot(
            jurisdiction_id=jurisdiction_id,
            rank=r.rank,
            heat=r.heat,
            start_at=r.start,
            end_at=r.end,
            place=r.place[:200],
            description=r.description,
            terms=r.terms,
            appeal_ids=r.appeal_ids,
            stats=r.stats,
            trend=r.trend,
            points=r.points,
        )
        for r in results
    ]
    snapshot.seconds = round(time.perf_counter() - started, 3)
    session.add(snapshot)
    session.flush()
    return snapshot


def latest_snapshot(session: Session, jurisdiction_id: int, unit_id: int | None = None) -> HotspotSnapshot | None:
    stmt = select(HotspotSnapshot).where(HotspotSnapshot.jurisdiction_id == jurisdiction_id)
    stmt = stmt.where(HotspotSnapshot.unit_id.is_(None) if unit_id is None else HotspotSnapshot.unit_id == unit_id)
    return session.scalar(stmt.order_by(HotspotSnapshot.computed_at.desc(), HotspotSnapshot.id.desc()).limit(1))


def refresh_due(session: Session, now: datetime) -> int:
    """The job: recompute each scope's snapshot of the last ``WINDOW_DAYS`` once it is an hour old
    (every jurisdiction as a whole, and every unit scope someone has viewed)."""
    scopes = {(j, None) for j in session.scalars(select(Jurisdiction.id))}
    scopes |= set(session.execute(select(HotspotSnapshot.jurisdiction_id, HotspotSnapshot.unit_id).distinct()).all())
    done = 0
    for jurisdiction_id, unit_id in sorted(scopes, key=lambda s: (s[0], s[1] or 0)):
        # Claim the jurisdiction so parallel job processes compute each scope once; NO KEY UPDATE
        # leaves appeals (which reference the jurisdiction) free to be inserted meanwhile.
        claim = select(Jurisdiction.id).where(Jurisdiction.id == jurisdiction_id)
        if session.scalar(claim.with_for_update(skip_locked=True, key_share=True)) is None:
            continue
        latest = latest_snapshot(session, jurisdiction_id, unit_id)
        if latest is None or now - latest.computed_at >= REFRESH_EVERY:
            refresh_snapshot(
                session, jurisdiction_id, since=now - timedelta(days=WINDOW_DAYS), until=now, unit_id=unit_id
            )
            done += 1
    return done


def refresh_hotspots(session: Session, settings, now: datetime) -> int:
    """Entry for ``lianxin jobs run``."""
    return refresh_due(session, now)


def viewer_scope(session: Session, actor: User) -> int | None:
    """Whose hotspots ``actor`` may read: None for the whole jurisdiction (admins, dispatchers,
    city-level leaders), else the unit of their leader or handler grant. PermissionDenied otherwise."""
    require_role(session, actor, VIEW_ROLES)
    if has_role(session, actor, (Role.DISPATCHER,)):  # admins pass every check too
        return None
    grants = sorted(
        (g for g in actor.grants if g.role in (Role.LEADER, Role.HANDLER)), key=lambda g: (g.role != Role.LEADER, g.id)
    )
    if any(g.role == Role.LEADER and g.unit.kind in WIDE_UNITS for g in grants):
        return None
    return grants[0].unit_id


def snapshot_for(session: Session, actor: User) -> HotspotSnapshot | None:
    """The snapshot ``actor`` reads: the jurisdiction's (kept fresh by the job), or their unit's,
    computed now if missing or an hour old (the job keeps it fresh from then on)."""
    scope = viewer_scope(session, actor)
    latest = latest_snapshot(session, actor.jurisdiction_id, scope)
    now = utcnow()
    if scope is not None and (latest is None or now - latest.computed_at >= REFRESH_EVERY):
        latest = refresh_snapshot(
            session, actor.jurisdiction_id, since=now - timedelta(days=WINDOW_DAYS), until=now, unit_id=scope
        )
    return latest


def get_hotspot(session: Session, hotspot_id: int, *, actor: User) -> Hotspot:
    """One stored hotspot, if it lies in the scope ``actor`` may read."""
    scope = viewer_scope(session, actor)
    hotspot = session.get(Hotspot, hotspot_id)
    if (
        hotspot is None
        or hotspot.jurisdiction_id != actor.jurisdiction_id
        or (scope is not None and hotspot.snapshot.unit_id != scope)
    ):
        raise NotFound(f"热点 {hotspot_id} 不存在", f"hotspot {hotspot_id} not found", field="hotspot")
    return hotspot


def member_appeals(session: Session, hotspot: Hotspot, actor: User | None = None) -> list[Appeal]:
    """The hotspot's appeals ``actor`` may see (``appeals.access.visible_appeals``; ``None``: all), oldest first
    (no personal data is needed to read a hotspot)."""
    stmt = select(Appeal) if actor is None else visible_appeals(session, actor)
    rows = session.scalars(stmt.where(Appeal.id.in_(hotspot.appeal_ids))).all()
    return sorted(rows, key=lambda a: (a.received_at, a.id))
