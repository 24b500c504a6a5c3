"""客货邮 plans: the solver's input for a day (parcels at the hub, the day's trips with their spare capacity,
the vans), running a plan and adopting it (each parcel planned on its trip or van with the reason), what-ifs
compared side by side with their lower bounds, loading lists and the desk's exceptions. Verbs check the
desk's permission and move parcels only through ``service._move``; they never commit."""

from __future__ import annotations

import statistics
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lianxin.clock import utcnow
from lianxin.errors import InvalidInput, NotFound
from lianxin.logistics import bound
from lianxin.logistics import optimiser as opt
from lianxin.logistics.models import (
    SIZE_VOLUME_L,
    BusStop,
    BusTrip,
    LegMode,
    Parcel,
    ParcelSize,
    PlanKind,
    PlanRun,
    ServicePoint,
    Van,
)
from lianxin.logistics.service import (
    _clear_plan,
    _move,
    at_minute,
    capacity,
    hub,
    local_midnight,
    minute_of,
    point_by_code,
    require_desk,
    today,
    trips_on,
)
from lianxin.logistics.status import PLANNABLE, ParcelAction, ParcelStatus
from lianxin.orgs.models import User

A, S = ParcelAction, ParcelStatus


def plan_inputs(
    session: Session, jurisdiction_id: int, day: date, *, now: datetime | None = None, changes: dict | None = None
):
    """The solver's input for ``day``: parcels still at the hub, the day's trips with their spare capacity (less
    what is already loaded; trips already gone when planning today are left out), the active vans.

    ``changes`` (what-if): ``capacity_factor`` scales every compartment, ``shift_minutes`` moves the timetable,
    ``extra_vans`` adds vans like the first one, ``point_stops`` ``{point code: stop code}`` serves a service
    point from a bus stop (a new point on a route, or a village moved onto one)."""
    changes = changes or {}
    factor = float(changes.get("capacity_factor", 1.0))
    shift = int(changes.get("shift_minutes", 0))
    hub_stop = hub(session, jurisdiction_id)
    end = at_minute(day, 24 * 60)
    now_min = minute_of(day, now) if now is not None else None
    loaded = dict(
        session.execute(
            select(Parcel.trip_id, func.count())
            .where(
                Parcel.jurisdiction_id == jurisdiction_id,
                Parcel.service_date == day,
                Parcel.status.in_([S.LOADED, S.IN_TRANSIT]),
            )
            .group_by(Parcel.trip_id)
        ).all()
    )
    trips: list[opt.TripIn] = []
    for trip in trips_on(session, jurisdiction_id, day):
        times = trip.stop_times
        at_hub = next((i for i, st in enumerate(times) if st.stop_id == hub_stop.id), None)
        if at_hub is None:
            continue
        departure = times[at_hub].departure_min + shift
        if now_min is not None and departure < now_min:
            continue
        cap = capacity(session, trip, day)
        if cap.cancelled:
            continue
        slots = max(0, round((cap.parcel_slots - cap.reserved) * factor) - loaded.get(trip.id, 0))
        trips.append(
            opt.TripIn(
                id=trip.id,
                label=f"{trip.route.name} {trip.code}",
                hub_departure=departure,
                arrivals={st.stop_id: st.arrival_min + shift for st in times[at_hub + 1 :]},
                slots=slots,
                kg=cap.kg * factor,
                volume_l=cap.volume_l * factor,
                cost_per_parcel=trip.cost_per_parcel,
            )
        )
    floor = now_min if now_min is not None else 0
    vans = [
        opt.VanIn(
            v.id,
            v.name,
            v.capacity_parcels,
            v.capacity_kg,
            v.fixed_cost,
            v.cost_per_km,
            v.speed_kmh,
            max(v.shift_start_min, floor),
            v.shift_end_min,
        )
        for v in session.scalars(
            select(Van).where(Van.jurisdiction_id == jurisdiction_id, Van.active.is_(True)).order_by(Van.code)
        )
        if max(v.shift_start_min, floor) < v.shift_end_min
    ]
    extra_vans = int(changes.get("extra_vans", 0))
    if vans and extra_vans:
        model = vans[0]
        vans += [
            opt.VanIn(
                -(k + 1),
                f"+{k + 1}",
                *[
                    getattr(model, f)
                    for f in (
                        "capacity_parcels",
                        "capacity_kg",
                        "fixed_cost",
                        "cost_per_km",
                        "speed_kmh",
                        "start",
                        "end",
                    )
                ],
            )
            for k in range(extra_vans)
        ]
    rows = session.scalars(
        select(Parcel)
        .where(Parcel.jurisdiction_id == jurisdiction_id, Parcel.status.in_(PLANNABLE), Parcel.ready_at < end)
        .order_by(Parcel.id)
    ).all()
    moved = _point_stops(session, jurisdiction_id, changes.get("point_stops") or {})
    parcels = [
        opt.ParcelIn(
            p.id,
            p.point_id,
            moved.get(p.point_id, p.point.stop_id),
            p.kg,
            SIZE_VOLUME_L[ParcelSize(p.size)],
            minute_of(day, p.ready_at),
            minute_of(day, p.due_by),
        )
        for p in rows
    ]
    points = {
        p.id: (p.lat, p.lng)
        for p in session.scalars(select(ServicePoint).where(ServicePoint.jurisdiction_id == jurisdiction_id))
    }
    return rows, parcels, trips, vans, (hub_stop.lat, hub_stop.lng), points


def _point_stops(session: Session, jurisdiction_id: int, pairs: dict) -> dict[int, int]:
    moved = {}
    for point_code, stop_code in pairs.items():
        point = point_by_code(session, jurisdiction_id, str(point_code))
        stop = session.scalars(
            select(BusStop).where(BusStop.jurisdiction_id == jurisdiction_id, BusStop.code == str(stop_code))
        ).first()
        if stop is None:
            raise InvalidInput(f"公交站 {stop_code} 不存在", f"no bus stop {stop_code}", field="stop")
        moved[point.id] = stop.id
    return moved


def run_plan(
    session: Session,
    jurisdiction_id: int,
    day: date,
    *,
    actor: User | None,
    kind: PlanKind | str = PlanKind.DAILY,
    params: dict | None = None,
    changes: dict | None = None,
    now: datetime | None = None,
    note: str = "",
) -> PlanRun:
    """Solve the day's plan and store the run; a daily or on-demand run is adopted: each parcel is planned on
    its trip or van with the reason, or (unassigned) goes back to received. A what-if run is only stored."""
    require_desk(session, actor)
    kind = PlanKind(kind)
    p = opt.Params.from_dict(params)
    if now is None and day == today():
        now = utcnow()
    rows, parcels, trips, vans, hub_at, points = plan_inputs(session, jurisdiction_id, day, now=now, changes=changes)
    solution = opt.solve(parcels, trips, vans, hub_at, points, p)
    floor = bound.lower_bound(parcels, trips, vans, hub_at, points, p)
    by_parcel = {a.parcel_id: a for a in solution.assignments.values()}
    result = {
        "parcels": {
            str(pid): {
                "mode": a.mode,
                "trip": a.trip_id,
                "van": a.van_id,
                "depart": a.depart,
                "arrive": a.arrive,
                "cost": a.cost,
                "zh": a.reason_zh,
                "en": a.reason_en,
            }
            for pid, a in by_parcel.items()
        },
        "trips": {str(k): v for k, v in solution.trip_loads.items()},
        "vans": solution.van_routes,
        "bus_cost": solution.bus_cost,
        "van_cost": solution.van_cost,
        "flow_rounds": solution.flow_rounds,
        "penalised": bound.penalised(solution.cost, len(solution.unassigned), p),
    }
    dwell = [by_parcel[q.id].arrive - q.ready for q in parcels if by_parcel[q.id].arrive is not None]
    run = PlanRun(
        jurisdiction_id=jurisdiction_id,
        service_date=day,
        kind=kind,
        adopted=kind != PlanKind.WHAT_IF,
        params=p.as_dict(),
        snapshot={
            "changes": changes or {},
            "trips": [
                {
                    "id": t.id,
                    "label": t.label,
                    "departs": t.hub_departure,
                    "slots": t.slots,
                    "kg": t.kg,
                    "volume_l": t.volume_l,
                }
                for t in trips
            ],
            "vans": [{"id": v.id, "label": v.label, "capacity": v.capacity_parcels} for v in vans],
            "parcels": [[q.id, q.point_id, q.kg, q.volume_l, q.ready, q.due] for q in parcels],
        },
        result=result | {"median_hours": round(statistics.median(dwell) / 60, 2) if dwell else None},
        unassigned=solution.unassigned,
        objective=solution.cost,
        bus_bound=solution.flow_cost,
        lower_bound=floor,
        parcels=len(parcels),
        by_bus=solution.count("bus"),
        by_van=solution.count("van"),
        solve_ms=solution.solve_ms,
        note=note.strip()[:200],
        created_by_id=actor.id if actor else None,
    )
    session.add(run)
    session.flush()
    if kind == PlanKind.WHAT_IF:
        return run
    for other in session.scalars(
        select(PlanRun).where(
            PlanRun.jurisdiction_id == jurisdiction_id,
            PlanRun.service_date == day,
            PlanRun.id != run.id,
            PlanRun.adopted.is_(True),
        )
    ):
        other.adopted = False
    for parcel in rows:
        a = by_parcel[parcel.id]
        if a.mode is None:
            if parcel.status == S.PLANNED:
                _move(session, parcel, A.UNPLAN, actor=actor, note=a.reason_zh)
            _clear_plan(parcel)
        else:
            _move(session, parcel, A.PLAN, actor=actor, note=a.reason_zh)
            parcel.plan_run_id, parcel.service_date = run.id, day
            parcel.planned_mode = LegMode(a.mode)
            parcel.trip_id, parcel.van_id = a.trip_id, a.van_id
            parcel.eta = at_minute(day, a.arrive) if a.arrive is not None else None
        parcel.reason = f"{a.reason_zh}\n{a.reason_en}"
    session.flush()
    return run


def adopted_plan(session: Session, jurisdiction_id: int, day: date) -> PlanRun | None:
    return session.scalars(
        select(PlanRun)
        .where(PlanRun.jurisdiction_id == jurisdiction_id, PlanRun.service_date == day, PlanRun.adopted.is_(True))
        .order_by(PlanRun.id.desc())
    ).first()


def plan_run(session: Session, jurisdiction_id: int, run_id: int) -> PlanRun:
    run = session.get(PlanRun, run_id)
    if run is None or run.jurisdiction_id != jurisdiction_id:
        raise NotFound("排班方案不存在", "no such plan run")
    return run


def plan_gap(run: PlanRun) -> float | None:
    """The run's penalised cost above its lower bound, as a share (None for runs stored before bounds)."""
    return bound.gap(run.result.get("penalised", run.objective), run.lower_bound)


def compare(base: PlanRun, other: PlanRun) -> dict:
    """Cost, share by bus, unassigned and median hub-to-point hours of two runs side by side."""

    def figures(run: PlanRun) -> dict:
        carried = run.by_bus + run.by_van
        return {
            "id": run.id,
            "cost": run.objective,
            "per_parcel": round(run.objective / carried, 2) if carried else None,
            "bus_share": round(run.by_bus / run.parcels, 3) if run.parcels else None,
            "unassigned": len(run.unassigned),
            "median_hours": run.result.get("median_hours"),
            "penalised": run.result.get("penalised"),
            "lower_bound": run.lower_bound,
            "gap": plan_gap(run),
        }

    return {"base": figures(base), "other": figures(other)}


def loading_list(
    session: Session, jurisdiction_id: int, day: date, *, trip: BusTrip | None = None, van: Van | None = None
) -> list[Parcel]:
    """The parcels planned or loaded on a trip (or van) on ``day``, in the order they come off."""
    stmt = select(Parcel).where(
        Parcel.jurisdiction_id == jurisdiction_id,
        Parcel.service_date == day,
        Parcel.status.in_([S.PLANNED, S.LOADED, S.IN_TRANSIT]),
    )
    stmt = (
        stmt.where(Parcel.trip_id == trip.id)
        if trip is not None
        else stmt.where(Parcel.van_id == (van.id if van else -1))
    )
    parcels = session.scalars(stmt).all()
    return sorted(parcels, key=lambda p: (p.eta or local_midnight(day), p.point.code, p.tracking_no))


def exceptions(session: Session, jurisdiction_id: int, day: date) -> dict[str, list[Parcel]]:
    """What the desk must look at: parcels nobody could plan, overdue parcels still on the way, parcels
    waiting at a point for more than three days."""
    now = utcnow()
    base = select(Parcel).where(Parcel.jurisdiction_id == jurisdiction_id)
    return {
        "unplanned": session.scalars(
            base.where(Parcel.status == S.RECEIVED, Parcel.ready_at < at_minute(day, 1440))
            .order_by(Parcel.due_by)
            .limit(200)
        ).all(),
        "overdue": session.scalars(
            base.where(Parcel.status.in_([S.RECEIVED, S.PLANNED, S.LOADED, S.IN_TRANSIT]), Parcel.due_by < now)
            .order_by(Parcel.due_by)
            .limit(200)
        ).all(),
        "waiting": session.scalars(
            base.where(Parcel.status == S.AT_POINT, Parcel.arrived_at < now - timedelta(days=3))
            .order_by(Parcel.arrived_at)
            .limit(200)
        ).all(),
    }
