"""The fold: the job's watermark, idempotence, agreement with a rebuild, and the period spans."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from lianxin.stats.fold import fold_now, fold_stats, rebuild
from lianxin.stats.models import DAY, MONTH, NO_UNIT, StatsBreakdown, StatsRollup, StatsWatermark
from lianxin.stats.rollups import spans
from tests.assessment.scenario import build


def snapshot(db, jid):
    rows = db.scalars(select(StatsRollup).where(StatsRollup.jurisdiction_id == jid)).all()
    cells = {
        (r.grain, r.period, r.unit_id, r.assessed, c): getattr(r, c)
        for r in rows
        for c in ("received", "dispatched", "closed", "visits_valid", "visits_solved")
        if getattr(r, c)
    }
    parts = db.execute(
        select(
            StatsBreakdown.grain,
            StatsBreakdown.period,
            StatsBreakdown.dimension,
            StatsBreakdown.unit_id,
            StatsBreakdown.key,
            StatsBreakdown.count,
        ).where(StatsBreakdown.jurisdiction_id == jid)
    ).all()
    return cells, sorted(parts)


def test_the_job_folds_what_the_previous_run_saw_and_never_twice(db, city, clock):
    build(db, city, clock)
    assert fold_stats(db) == 0  # first run: only notes the highest event id
    folded = fold_stats(db)
    assert folded > 0
    assert fold_stats(db) == 0
    mark = db.get(StatsWatermark, "appeal_events")
    assert mark.last_event_id == mark.seen_event_id
    first = snapshot(db, city.jid)
    assert fold_now(db) == 0 and snapshot(db, city.jid) == first
    assert rebuild(db) >= folded and snapshot(db, city.jid) == first


def test_counts_land_on_the_local_day_and_month(db, city, clock):
    build(db, city, clock)
    fold_now(db)
    received = dict(
        db.execute(
            select(StatsRollup.grain, func.sum(StatsRollup.received))
            .where(StatsRollup.jurisdiction_id == city.jid, StatsRollup.unit_id == NO_UNIT)
            .group_by(StatsRollup.grain)
        ).all()
    )
    assert received == {DAY: 8, MONTH: 8}
    months = set(
        db.scalars(
            select(StatsRollup.period).where(StatsRollup.jurisdiction_id == city.jid, StatsRollup.grain == MONTH)
        )
    )
    assert months == {date(2026, 3, 1)}
    channels = db.execute(
        select(StatsBreakdown.key, StatsBreakdown.count).where(
            StatsBreakdown.jurisdiction_id == city.jid,
            StatsBreakdown.grain == MONTH,
            StatsBreakdown.dimension == "channel",
            StatsBreakdown.unit_id == NO_UNIT,
        )
    ).all()
    assert channels == [("hotline", 8)]


def test_spans_split_a_period_into_whole_months_and_daily_edges():
    assert spans(date(2026, 1, 15), date(2026, 4, 10)) == [
        (DAY, date(2026, 1, 15), date(2026, 1, 31)),
        (MONTH, date(2026, 2, 1), date(2026, 3, 1)),
        (DAY, date(2026, 4, 1), date(2026, 4, 10)),
    ]
    assert spans(date(2026, 3, 1), date(2026, 3, 31)) == [(MONTH, date(2026, 3, 1), date(2026, 3, 1))]
    assert spans(date(2026, 3, 3), date(2026, 3, 9)) == [(DAY, date(2026, 3, 3), date(2026, 3, 9))]
    assert spans(date(2026, 2, 1), date(2026, 3, 30)) == [
        (MONTH, date(2026, 2, 1), date(2026, 2, 1)),
        (DAY, date(2026, 3, 1), date(2026, 3, 30)),
    ]
    assert spans(date(2025, 12, 31), date(2026, 1, 31)) == [
        (DAY, date(2025, 12, 31), date(2025, 12, 31)),
        (MONTH, date(2026, 1, 1), date(2026, 1, 1)),
    ]
