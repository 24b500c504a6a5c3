"""Keeping the rollups current: each appeal event adds to the counters of its local day and month.

The job folds events past a watermark in id order (durable and idempotent: the watermark moves in the
same transaction as the counters). Dashboards add the not-yet-folded events on the fly with the same
code (:func:`pending_delta`), so they are exact without scanning the appeals table.

Attribution: an event counts for the appeal's lead unit at that moment (from its dispatch history);
co-units and called-in departments are not assessed here (their reports carry their own on-time flag).
An approved exclusion moves the appeal's earlier counts from ``assessed`` to not assessed, and its
later events count as not assessed; volumes (received, closed, …) include excluded appeals.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from lianxin import progress
from lianxin.appeals.models import Appeal, AppealEvent
from lianxin.appeals.status import EXCLUSION_APPROVED, SUBMITTED
from lianxin.appeals.status import EventKind as E
from lianxin.clock import local_zone
from lianxin.stats.models import COUNTERS, DAY, MONTH, NO_UNIT, StatsBreakdown, StatsRollup, StatsWatermark

WATERMARK = "appeal_events"
BATCH = 5000
DISPATCH_KINDS = frozenset({E.DISPATCHED, E.REDISPATCHED})
# Events that tell who led the appeal and whether the first contact was on time.
HISTORY_KINDS = DISPATCH_KINDS | {E.RETURN_APPROVED, E.CONTACTED, E.ANSWERED, EXCLUSION_APPROVED}
# Events are read as plain rows (no ORM identity map): the fold and the live delta read thousands.
EVENT_COLUMNS = (
    AppealEvent.id,
    AppealEvent.appeal_id,
    AppealEvent.jurisdiction_id,
    AppealEvent.kind,
    AppealEvent.at,
    AppealEvent.unit_id,
    AppealEvent.payload,
)
COUNTED_KINDS = frozenset(
    {
        SUBMITTED,
        E.DISPATCHED,
        E.REDISPATCHED,
        E.SIGNED,
        E.REPLIED,
        E.ANSWERED,
        E.CLOSED,
        E.OVERDUE,
        E.RETURN_REQUESTED,
        E.REOPENED,
        E.REQUEUED,
        E.VISITED,
        EXCLUSION_APPROVED,
    }
)


def local_day(moment: datetime) -> date:
    return moment.astimezone(local_zone()).date()


def month_start(day: date) -> date:
    return day.replace(day=1)


@dataclass
class Delta:
    """Counter increments: rollups by (jurisdiction, grain, period, unit, assessed), breakdowns by
    (jurisdiction, grain, period, dimension, unit, key)."""

    rollups: dict[tuple, Counter] = field(default_factory=lambda: defaultdict(Counter))
    breakdowns: Counter = field(default_factory=Counter)

    def add(self, jid: int, day: date, unit_id: int, assessed: bool, counts: dict[str, int], sign: int = 1) -> None:
        for grain, period in ((DAY, day), (MONTH, month_start(day))):
            row = self.rollups[(jid, grain, period, unit_id, assessed)]
            for name, value in counts.items():
                row[name] += sign * value

    def count(self, jid: int, day: date, dimension: str, unit_id: int, key) -> None:
        if key is None:
            return
        for grain, period in ((DAY, day), (MONTH, month_start(day))):
            self.breakdowns[(jid, grain, period, dimension, unit_id, str(key))] += 1


@dataclass
class _History:
    """What the fold needs to know about an appeal before a given event."""

    events: list[AppealEvent]

    def lead_before(self, event_id: int) -> int:
        lead = NO_UNIT
        for event in self.events:
            if event.id > event_id:
                break
            if event.kind in DISPATCH_KINDS:
                lead = event.unit_id or NO_UNIT
            elif event.kind == E.RETURN_APPROVED:
                lead = NO_UNIT
        return lead

    def responded_before(self, event_id: int) -> bool:
        """响应: the handling unit's first contact was within the contact limit (or the operator answered)."""
        for event in self.events:
            if event.id > event_id:
                break
            if event.kind == E.ANSWERED:
                return True
            if event.kind == E.CONTACTED and (event.payload or {}).get("first"):
                return not (event.payload or {}).get("late")
        return False

    def excluded_before(self, event_id: int) -> bool:
        return any(e.kind == EXCLUSION_APPROVED and e.id < event_id for e in self.events)


def _rollup_counts(event: AppealEvent, history: _History) -> tuple[int, dict[str, int]] | None:
    """The unit an event counts for and its counter increments (None: the event counts nowhere)."""
    kind, payload = event.kind, event.payload or {}
    lead = history.lead_before(event.id)
    if kind == SUBMITTED:
        return NO_UNIT, {"received": 1}
    if kind in DISPATCH_KINDS:
        return event.unit_id or NO_UNIT, {"dispatched": 1}
    if kind == E.SIGNED:
        return lead, {"signed": 1, "signed_on_time": int(not payload.get("late"))}
    if kind == E.REPLIED:
        return lead, {"replied": 1, "replied_on_time": int(bool(payload.get("on_time")))}
    if kind == E.ANSWERED:
        return NO_UNIT, {"replied": 1, "replied_on_time": 1}
    if kind == E.CLOSED:
        return lead, {"closed": 1}
    if kind == E.OVERDUE:
        return lead, {"overdue": 1}
    if kind == E.RETURN_REQUESTED:
        return event.unit_id or lead, {"returns": 1}
    if kind in (E.REOPENED, E.REQUEUED):
        return lead, {"reopens": 1}
    if kind == E.VISITED and payload.get("contacted") and not payload.get("unreasonable"):
        satisfaction = payload.get("satisfaction")
        return lead, {
            "visits_valid": 1,
            "visits_responded": int(history.responded_before(event.id)),
            "visits_solved": int(bool(payload.get("solved"))),
            "visits_satisfied": int(satisfaction == "satisfied"),
            "visits_basic": int(satisfaction == "basically_satisfied"),
            "visits_unsatisfied": int(satisfaction == "dissatisfied"),
        }
    return None


def _add_event(delta: Delta, event: AppealEvent, appeal: Appeal, history: _History, session: Session) -> None:
    jid, day = event.jurisdiction_id, local_day(event.at)
    if event.kind == EXCLUSION_APPROVED:
        _move_excluded(session, delta, event, history)
        return
    counted = _rollup_counts(event, history)
    if counted is None:
        return
    unit_id, counts = counted
    delta.add(jid, day, unit_id, not history.excluded_before(event.id), counts)
    if event.kind == SUBMITTED:
        delta.count(jid, day, "category", NO_UNIT, appeal.category_id)
        delta.count(jid, day, "channel", NO_UNIT, appeal.channel)
        delta.count(jid, day, "community", NO_UNIT, appeal.community_id)
    elif event.kind in DISPATCH_KINDS:
        delta.count(jid, day, "category", unit_id, appeal.category_id)
        delta.count(jid, day, "channel", unit_id, appeal.channel)


def _move_excluded(session: Session, delta: Delta, approval: AppealEvent, history: _History) -> None:
    """An approved exclusion: the appeal's earlier counts leave the assessed rows (once: a second
    approval of the same appeal finds them already moved)."""
    if history.excluded_before(approval.id):
        return
    earlier = session.execute(
        select(*EVENT_COLUMNS)
        .where(
            AppealEvent.appeal_id == approval.appeal_id,
            AppealEvent.id < approval.id,
            AppealEvent.kind.in_(COUNTED_KINDS),
        )
        .order_by(AppealEvent.id)
    )
    for event in earlier:
        counted = _rollup_counts(event, history)
        if counted is None:
            continue
        unit_id, counts = counted
        day = local_day(event.at)
        delta.add(event.jurisdiction_id, day, unit_id, True, counts, sign=-1)
        delta.add(event.jurisdiction_id, day, unit_id, False, counts)


def collect(session: Session, events: list) -> Delta:
    """The counter increments for ``events`` (rows of EVENT_COLUMNS, in id order), reading only those appeals' histories."""
    delta = Delta()
    if not events:
        return delta
    appeal_ids = {e.appeal_id for e in events}
    top = max(e.id for e in events)
    appeals = {
        a.id: a
        for a in session.execute(
            select(Appeal.id, Appeal.category_id, Appeal.channel, Appeal.community_id).where(Appeal.id.in_(appeal_ids))
        )
    }
    histories: dict[int, list[AppealEvent]] = defaultdict(list)
    for event in session.execute(
        select(*EVENT_COLUMNS)
        .where(AppealEvent.appeal_id.in_(appeal_ids), AppealEvent.kind.in_(HISTORY_KINDS), AppealEvent.id <= top)
        .order_by(AppealEvent.id)
    ):
        histories[event.appeal_id].append(event)
    for event in events:
        _add_event(delta, event, appeals[event.appeal_id], _History(histories[event.appeal_id]), session)
    return delta


def _insert(session: Session, table):
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


def apply(session: Session, delta: Delta) -> None:
    """Add ``delta`` to the stored counters: one executemany of INSERT … ON CONFLICT DO UPDATE SET
    c = c + excluded.c per table (compiled once; the keys of a delta are unique)."""
    rollup_keys = ("jurisdiction_id", "grain", "period", "unit_id", "assessed")
    rows = [
        dict(zip(rollup_keys, key)) | {c: counts.get(c, 0) for c in COUNTERS}
        for key, counts in delta.rollups.items()
        if any(counts.values())
    ]
    if rows:
        table = StatsRollup.__table__
        stmt = _insert(session, table)
        session.execute(
            stmt.on_conflict_do_update(
                index_elements=list(rollup_keys), set_={c: table.c[c] + stmt.excluded[c] for c in COUNTERS}
            ),
            rows,
        )
    breakdown_keys = ("jurisdiction_id", "grain", "period", "dimension", "unit_id", "key")
    rows = [dict(zip(breakdown_keys, key)) | {"count": n} for key, n in delta.breakdowns.items() if n]
    if rows:
        table = StatsBreakdown.__table__
        stmt = _insert(session, table)
        session.execute(
            stmt.on_conflict_do_update(
                index_elements=["jurisdiction_id", "dimension", "unit_id", "grain", "period", "key"],
                set_={"count": table.c.count + stmt.excluded.count},
            ),
            rows,
        )


def _watermark(session: Session) -> StatsWatermark:
    session.execute(
        _insert(session, StatsWatermark.__table__)
        .values(name=WATERMARK, last_event_id=0, seen_event_id=0)
        .on_conflict_do_nothing(index_elements=["name"])
    )
    return session.scalar(select(StatsWatermark).where(StatsWatermark.name == WATERMARK).with_for_update())


def _fold_range(session: Session, mark: StatsWatermark, upto: int) -> int:
    folded = 0
    progress.update(total=max(upto - mark.last_event_id, 0))  # event ids: close enough to a count of events
    while mark.last_event_id < upto:
        events = session.execute(
            select(*EVENT_COLUMNS)
            .where(AppealEvent.id > mark.last_event_id, AppealEvent.id <= upto)
            .order_by(AppealEvent.id)
            .limit(BATCH)
        ).all()
        if not events:
            mark.last_event_id = upto
            break
        apply(session, collect(session, events))
        progress.advance(events[-1].id - mark.last_event_id)
        mark.last_event_id = events[-1].id
        folded += len(events)
    session.flush()
    return folded


def fold_stats(session: Session, settings=None, now: datetime | None = None) -> int:
    """The job: fold up to the highest event id the previous run saw, then remember today's highest."""
    mark = _watermark(session)
    top = session.scalar(select(func.max(AppealEvent.id))) or 0
    folded = _fold_range(session, mark, mark.seen_event_id)
    mark.seen_event_id = max(top, mark.last_event_id)
    session.flush()
    return folded


def fold_now(session: Session) -> int:
    """Fold every committed event (for a single writer: tests, imports, the benchmark, ``stats rebuild``)."""
    mark = _watermark(session)
    top = session.scalar(select(func.max(AppealEvent.id))) or 0
    folded = _fold_range(session, mark, top)
    mark.seen_event_id = max(mark.seen_event_id, top)
    session.flush()
    return folded


def rebuild(session: Session) -> int:
    """Drop every counter and fold the whole event log again."""
    session.execute(delete(StatsRollup))
    session.execute(delete(StatsBreakdown))
    mark = _watermark(session)
    mark.last_event_id = mark.seen_event_id = 0
    return fold_now(session)


def pending_delta(session: Session, jurisdiction_id: int) -> Delta:
    """Increments of the events not folded yet (the live part of every dashboard query)."""
    mark = session.get(StatsWatermark, WATERMARK)
    since = mark.last_event_id if mark else 0
    events = session.execute(
        select(*EVENT_COLUMNS)
        .where(AppealEvent.id > since, AppealEvent.jurisdiction_id == jurisdiction_id)
        .order_by(AppealEvent.id)
    ).all()
    return collect(session, list(events))
