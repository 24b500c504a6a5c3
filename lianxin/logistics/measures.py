"""客货邮 measures: median hub-to-village dwell time (after, against the villages' surveyed time before 客货邮
and the period before), share carried by bus, cost per parcel, unassigned parcels, and the core's appeals
about parcel delivery per village."""

from __future__ import annotations

import statistics
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from lianxin.appeals.models import Appeal
from lianxin.logistics.models import LegMode, Parcel, PlanRun, ServicePoint
from lianxin.logistics.service import local_midnight

PARCEL_WORDS = ("快递", "包裹", "邮件", "取件")


def measures(session: Session, jurisdiction_id: int, start: date, end: date) -> dict:
    """For parcels that reached their point in [start, end): median hub-to-point dwell hours (overall and per
    village, beside the village's surveyed time before 客货邮), share by bus, cost per parcel of the adopted
    plans, unassigned at the last adopted plan of each day, and the core's appeals about parcel delivery per
    village (whose text names 快递/包裹/邮件/取件), each linked by its order number."""
    lo, hi = local_midnight(start), local_midnight(end)
    rows = session.execute(
        select(Parcel.received_at, Parcel.arrived_at, Parcel.planned_mode, Parcel.point_id).where(
            Parcel.jurisdiction_id == jurisdiction_id, Parcel.arrived_at >= lo, Parcel.arrived_at < hi
        )
    ).all()
    dwell = [(arrived - received).total_seconds() / 3600 for received, arrived, _, _ in rows]
    runs = session.scalars(
        select(PlanRun).where(
            PlanRun.jurisdiction_id == jurisdiction_id,
            PlanRun.adopted.is_(True),
            PlanRun.service_date >= start,
            PlanRun.service_date < end,
        )
    ).all()
    carried = sum(r.by_bus + r.by_van for r in runs)
    points = session.scalars(
        select(ServicePoint).where(ServicePoint.jurisdiction_id == jurisdiction_id, ServicePoint.unit_id.is_not(None))
    ).all()
    appeals: dict[int, list[tuple[str, str]]] = {}
    unit_ids = {p.unit_id for p in points}
    if unit_ids:
        words = or_(
            *[Appeal.content.contains(w) for w in PARCEL_WORDS], *[Appeal.title.contains(w) for w in PARCEL_WORDS]
        )
        for community_id, order_no, title in session.execute(
            select(Appeal.community_id, Appeal.order_no, Appeal.title)
            .where(
                Appeal.jurisdiction_id == jurisdiction_id,
                Appeal.community_id.in_(unit_ids),
                Appeal.received_at >= lo,
                Appeal.received_at < hi,
                words,
            )
            .order_by(Appeal.received_at.desc())
            .limit(2000)
        ):
            appeals.setdefault(community_id, []).append((order_no, title))
    by_point: dict[int, list[float]] = {}
    for row, hours in zip(rows, dwell, strict=True):
        by_point.setdefault(row.point_id, []).append(hours)
    all_points = session.scalars(
        select(ServicePoint).where(ServicePoint.jurisdiction_id == jurisdiction_id).order_by(ServicePoint.code)
    ).all()
    surveyed = [p.before_hours for p in all_points if p.before_hours is not None]
    return {
        "arrived": len(rows),
        "median_dwell_hours": round(statistics.median(dwell), 1) if dwell else None,
        "bus_share": round(sum(1 for r in rows if r[2] == LegMode.BUS) / len(rows), 3) if rows else None,
        "cost_per_parcel": round(sum(r.objective for r in runs) / carried, 2) if carried else None,
        "unassigned": sum(len(r.unassigned) for r in runs),
        "appeals_by_point": [(p, len(appeals.get(p.unit_id, []))) for p in points],
        "appeals": {p.id: appeals.get(p.unit_id, [])[:5] for p in points},
        "before_hours": round(statistics.median(surveyed), 1) if surveyed else None,
        "villages": [
            {
                "point": p,
                "before_hours": p.before_hours,
                "arrived": len(by_point.get(p.id, [])),
                "median_hours": round(statistics.median(by_point[p.id]), 1) if p.id in by_point else None,
                "appeals": len(appeals.get(p.unit_id, [])) if p.unit_id else 0,
            }
            for p in all_points
        ],
    }
