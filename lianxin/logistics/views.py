"""客货邮 pages: the county logistics desk (the day's plan with a map and a timetable chart, run a plan,
what-if, CSV import, exceptions, measures), the printable loading list per trip or van, a parcel's
explanation, the village service point (arrivals, hand-overs) and the public tracking page (mobile).
Each POST parses the form, runs one service verb inside a savepoint and redirects; a LianxinError shows
the page again with the message (nothing changed)."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from lianxin.errors import InvalidInput, LianxinError, NotFound
from lianxin.logistics import measures, plans
from lianxin.logistics import service as svc
from lianxin.logistics.models import (
    PLAN_KIND_LABELS,
    POINT_KIND_LABELS,
    SIZE_LABELS,
    BusTrip,
    Parcel,
    PlanKind,
    PlanRun,
    ServicePoint,
    Van,
)
from lianxin.logistics.optimiser import hhmm
from lianxin.logistics.status import STATUS_LABELS, ParcelStatus
from lianxin.orgs.models import Role, User
from lianxin.web import throttle
from lianxin.web.deps import get_session, public_jurisdiction, require_roles, require_user
from lianxin.web.forms import posted_form
from lianxin.web.i18n import pick_lang
from lianxin.web.templating import render

router = APIRouter()
S = ParcelStatus
LABELS = {"status": STATUS_LABELS, "size": SIZE_LABELS, "kind": PLAN_KIND_LABELS, "point_kind": POINT_KIND_LABELS}
desk_user = require_roles(Role.DISPATCHER)


def _ctx(**extra) -> dict:
    return {"labels": LABELS, "hhmm": hhmm, "S": S, **extra}


def _message(request: Request, exc: LianxinError) -> str:
    return exc.message_en if pick_lang(request) == "en" else exc.message_zh


def _day(value: str | None) -> date:
    if not value:
        return svc.today()
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput("日期格式应为 YYYY-MM-DD", "dates look like 2026-12-05", field="date") from None


def _get(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _mine(session: Session, model, row_id: int, user: User):
    row = session.get(model, row_id)
    if row is None or row.jurisdiction_id != user.jurisdiction_id:
        raise NotFound("记录不存在", "not found")
    return row


# --- the desk --------------------------------------------------------------------------------------


def _desk_page(
    request: Request,
    session: Session,
    user: User,
    day: date,
    error: str | None = None,
    status_code: int = 200,
    compare_id: int | None = None,
) -> Response:
    jid = user.jurisdiction_id
    run = plans.adopted_plan(session, jid, day)
    trips = {t.id: t for t in svc.trips_on(session, jid, day)}
    points = session.scalars(
        select(ServicePoint).where(ServicePoint.jurisdiction_id == jid).order_by(ServicePoint.code)
    ).all()
    vans = {v.id: v for v in session.scalars(select(Van).where(Van.jurisdiction_id == jid))}
    runs = session.scalars(
        select(PlanRun)
        .where(PlanRun.jurisdiction_id == jid, PlanRun.service_date == day)
        .order_by(PlanRun.id.desc())
        .limit(10)
    ).all()
    other = next((r for r in runs if r.id == compare_id), None)
    try:
        hub = svc.hub(session, jid)
    except InvalidInput:
        hub = None
    # Per village: the expected arrival of its last planned parcel.
    arrivals: dict[int, tuple[int, object]] = {}
    if run is not None:
        for parcel in session.scalars(select(Parcel).where(Parcel.plan_run_id == run.id, Parcel.eta.is_not(None))):
            count, latest = arrivals.get(parcel.point_id, (0, None))
            arrivals[parcel.point_id] = (count + 1, max(latest, parcel.eta) if latest else parcel.eta)
    start = day - timedelta(days=30)
    plan_map, timetable = _map_and_timetable(run, trips, points, hub, arrivals) if hub else (None, [])
    return render(
        request,
        "logistics/desk.html",
        _ctx(
            day=day,
            run=run,
            runs=runs,
            other=other,
            comparison=plans.compare(run, other) if run and other else None,
            plan_gap=plans.plan_gap(run) if run else None,
            trips=trips,
            loads=(run.result.get("trips", {}) if run else {}),
            van_routes=(run.result.get("vans", []) if run else []),
            vans=vans,
            points=points,
            hub=hub,
            arrivals=arrivals,
            unassigned=session.scalars(select(Parcel).where(Parcel.id.in_(run.unassigned[:100]))).all() if run else [],
            exceptions=plans.exceptions(session, jid, day),
            measures=measures.measures(session, jid, start, day + timedelta(days=1)),
            before=measures.measures(session, jid, start - timedelta(days=30), start),
            measure_start=start,
            error=error,
            kinds=[PlanKind.ON_DEMAND, PlanKind.WHAT_IF],
            stops=sorted(
                {st.stop.code: st.stop for t in trips.values() for st in t.stop_times}.values(), key=lambda s: s.code
            ),
            plan_map=plan_map,
            timetable=timetable,
            timetable_option=_timetable_option(timetable),
        ),
        status_code=status_code,
    )


def _map_and_timetable(run, trips: dict, points, hub, arrivals: dict) -> tuple[dict, list]:
    """The data the desk's map and timetable chart draw (``static/js/logistics.js``)."""
    by_id = {p.id: p for p in points}
    routes: dict[str, list] = {}
    for trip in trips.values():
        path = [[st.stop.lat, st.stop.lng] for st in trip.stop_times]
        if len(path) > len(routes.get(trip.route.name, [])):
            routes[trip.route.name] = path
    loads = run.result.get("trips", {}) if run else {}
    timetable = [
        {
            "label": s["label"],
            "route": trips[s["id"]].route.name,
            "start": s["departs"],
            "end": max(trips[s["id"]].stop_times[-1].arrival_min, s["departs"]),
            "load": loads.get(str(s["id"]), {}).get("parcels", 0),
            "slots": s["slots"],
        }
        for s in (run.snapshot.get("trips", []) if run else [])
        if s["id"] in trips
    ]
    vans = []
    for route in run.result.get("vans", []) if run else []:
        path = [[hub.lat, hub.lng]] + [[by_id[s["point_id"]].lat, by_id[s["point_id"]].lng] for s in route["stops"]]
        vans.append({"label": route["label"], "path": [*path, [hub.lat, hub.lng]]})
    plan_map = {
        "hub": {"lat": hub.lat, "lng": hub.lng, "name": hub.name},
        "routes": [{"name": name, "path": path} for name, path in routes.items()],
        "vans": vans,
        "points": [
            {
                "lat": p.lat,
                "lng": p.lng,
                "name": p.name,
                "jishi": p.kind == "jishi",
                "count": arrivals.get(p.id, (0, None))[0],
                "eta": svc.local_time(arrivals[p.id][1]) if p.id in arrivals else "",
            }
            for p in points
        ],
    }
    return plan_map, timetable


def _timetable_option(rows: list[dict]) -> dict:
    """The desk's timetable as an ECharts option for the one chart macro (``_charts.html``): one bar per trip on its
    route's row, from the hub's departure to the last stop, coloured by its load (green < 50 %, orange, red ≥ 90 %).
    Minutes after midnight become times on a UTC time axis of 1 January 1970, so the labels read HH:mm."""
    routes = list(dict.fromkeys(row["route"] for row in rows))

    def colour(row: dict) -> str:
        share = row["load"] / row["slots"] if row["slots"] else 0
        return "#c62828" if share >= 0.9 else "#ef6c00" if share >= 0.5 else "#2e7d32"

    def hhmm(minutes: float) -> str:
        minutes = round(minutes)
        return f"{minutes // 60 % 24:02d}:{minutes % 60:02d}"

    return {
        "useUTC": True,
        "animation": False,
        "grid": {"left": 90, "right": 16, "top": 10, "bottom": 30},
        "tooltip": {"trigger": "item", "formatter": "{b}"},
        "xAxis": {"type": "time", "min": 300 * 60_000, "max": 1260 * 60_000, "axisLabel": {"formatter": "{HH}:{mm}"}},
        "yAxis": {"type": "category", "data": routes},
        "series": [
            {
                "type": "lines",
                "coordinateSystem": "cartesian2d",
                "data": [
                    {
                        "name": f"{row['label']} {hhmm(row['start'])}–{hhmm(row['end'])} {row['load']} / {row['slots']}",
                        "coords": [[row["start"] * 60_000, row["route"]], [row["end"] * 60_000, row["route"]]],
                        "lineStyle": {"color": colour(row), "width": 12, "opacity": 1},
                    }
                    for row in rows
                ],
            }
        ],
    }


@router.get("/logistics")
def desk(
    request: Request,
    date: str = "",
    compare: int = 0,
    session: Session = Depends(get_session),
    user: User = Depends(desk_user),
) -> Response:
    return _desk_page(request, session, user, _day(date), compare_id=compare or None)


@router.post("/logistics/plan")
def post_plan(
    request: Request,
    form: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    user: User = Depends(desk_user),
) -> Response:
    """Run the plan now (adopted) or a what-if (compared with the adopted plan)."""
    day = _day(_get(form, "date"))
    kind = PlanKind.WHAT_IF if _get(form, "kind") == PlanKind.WHAT_IF else PlanKind.ON_DEMAND
    try:
        changes: dict = {
            "capacity_factor": float(_get(form, "capacity_factor") or 1),
            "extra_vans": int(_get(form, "extra_vans") or 0),
            "shift_minutes": int(_get(form, "shift_minutes") or 0),
        }
        if _get(form, "point") and _get(form, "stop"):
            changes["point_stops"] = {_get(form, "point"): _get(form, "stop")}
    except ValueError:
        return _desk_page(
            request,
            session,
            user,
            day,
            error=_message(request, InvalidInput("请填写数字", "enter numbers")),
            status_code=422,
        )
    try:
        with session.begin_nested():
            run = plans.run_plan(
                session,
                user.jurisdiction_id,
                day,
                actor=user,
                kind=kind,
                changes=changes if kind == PlanKind.WHAT_IF else None,
                note=_get(form, "note"),
            )
    except LianxinError as exc:
        return _desk_page(request, session, user, day, error=_message(request, exc), status_code=exc.http_status)
    suffix = f"&compare={run.id}" if kind == PlanKind.WHAT_IF else ""
    return RedirectResponse(f"/logistics?date={day.isoformat()}{suffix}", status_code=303)


@router.post("/logistics/import")
def post_import(
    request: Request,
    form: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    user: User = Depends(desk_user),
) -> Response:
    """Import a courier's CSV manifest (all or nothing)."""
    upload = form.get("file")
    day = _day(_get(form, "date"))
    try:
        if not isinstance(upload, UploadFile):
            raise InvalidInput("请选择 CSV 文件", "choose a CSV file", field="file")
        try:
            text = upload.file.read(5_000_000).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InvalidInput("CSV 应为 UTF-8 编码", "the CSV must be UTF-8", field="file") from None
        with session.begin_nested():
            count = svc.import_parcels_csv(session, user.jurisdiction_id, text, actor=user)
    except LianxinError as exc:
        return _desk_page(request, session, user, day, error=_message(request, exc), status_code=exc.http_status)
    return RedirectResponse(f"/logistics?date={day.isoformat()}&imported={count}", status_code=303)


@router.get("/logistics/parcels/{tracking_no}")
def parcel_page(
    tracking_no: str, request: Request, session: Session = Depends(get_session), user: User = Depends(require_user)
) -> Response:
    """A parcel's legs, status history and why the plan chose them (desk, and the staff of its point)."""
    parcel = svc.parcel_by_no(session, user.jurisdiction_id, tracking_no)
    svc.require_point(session, user, parcel.point)
    return render(request, "logistics/parcel.html", _ctx(parcel=parcel, desk=svc.is_desk(session, user)))


# --- loading lists, drivers ----------------------------------------------------------------------


def _loading_page(request, session, user, day, trip=None, van=None, error=None, status_code=200) -> Response:
    parcels = plans.loading_list(session, user.jurisdiction_id, day, trip=trip, van=van)
    cap = svc.capacity(session, trip, day) if trip is not None else None
    return render(
        request,
        "logistics/loading.html",
        _ctx(day=day, trip=trip, van=van, parcels=parcels, cap=cap, error=error),
        status_code=status_code,
    )


@router.get("/logistics/loading/{what}/{row_id}")
def loading(
    what: str,
    row_id: int,
    request: Request,
    date: str = "",
    session: Session = Depends(get_session),
    user: User = Depends(desk_user),
) -> Response:
    """装车单: printable, the parcels in the order they come off, with a tick box each."""
    model = {"trips": BusTrip, "vans": Van}.get(what)
    if model is None:
        raise NotFound("页面不存在", "no such page")
    row = _mine(session, model, row_id, user)
    return _loading_page(request, session, user, _day(date), **({"trip": row} if model is BusTrip else {"van": row}))


@router.post("/logistics/loading/{what}/{row_id}/{action}")
def loading_action(
    what: str,
    row_id: int,
    action: str,
    request: Request,
    form: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    user: User = Depends(desk_user),
) -> Response:
    """Scan a parcel onto the trip or van (``load``), or send it off (``depart``)."""
    model = {"trips": BusTrip, "vans": Van}.get(what)
    if model is None or action not in ("load", "depart"):
        raise NotFound("操作不存在", "no such action")
    row = _mine(session, model, row_id, user)
    day = _day(_get(form, "date"))
    which = {"trip": row} if model is BusTrip else {"van": row}
    try:
        with session.begin_nested():
            if action == "load":
                parcel = svc.parcel_by_no(session, user.jurisdiction_id, _get(form, "tracking_no"))
                if (parcel.trip_id, parcel.van_id, parcel.service_date) != (
                    (row.id, None) if model is BusTrip else (None, row.id)
                ) + (day,):
                    raise InvalidInput(
                        "这件包裹不在本车的装车单上", "this parcel is not on this loading list", field="tracking_no"
                    )
                svc.load_parcel(session, parcel, actor=user)
            else:
                svc.depart(session, jurisdiction_id=user.jurisdiction_id, day=day, actor=user, **which)
    except LianxinError as exc:
        return _loading_page(
            request, session, user, day, error=_message(request, exc), status_code=exc.http_status, **which
        )
    return RedirectResponse(f"/logistics/loading/{what}/{row.id}?date={day.isoformat()}", status_code=303)


# --- service points ------------------------------------------------------------------------------


@router.get("/logistics/points")
def my_points(
    request: Request, session: Session = Depends(get_session), user: User = Depends(require_user)
) -> Response:
    return render(request, "logistics/points.html", _ctx(points=svc.points_for(session, user)))


def _point_page(request, session, user, point, error=None, status_code=200) -> Response:
    svc.require_point(session, user, point)
    base = select(Parcel).where(Parcel.point_id == point.id)
    return render(
        request,
        "logistics/point.html",
        _ctx(
            point=point,
            coming=session.scalars(
                base.where(Parcel.status.in_([S.PLANNED, S.LOADED, S.IN_TRANSIT]))
                .order_by(Parcel.eta, Parcel.id)
                .limit(200)
            ).all(),
            waiting=session.scalars(
                base.where(Parcel.status == S.AT_POINT).order_by(Parcel.arrived_at).limit(200)
            ).all(),
            error=error,
        ),
        status_code=status_code,
    )


@router.get("/logistics/points/{point_id}")
def point_page(
    point_id: int, request: Request, session: Session = Depends(get_session), user: User = Depends(require_user)
) -> Response:
    """The service point's day: what is coming (with the expected arrival) and what waits to be collected."""
    return _point_page(request, session, user, _mine(session, ServicePoint, point_id, user))


@router.post("/logistics/points/{point_id}/{action}")
def point_action(
    point_id: int,
    action: str,
    request: Request,
    form: FormData = Depends(posted_form()),
    session: Session = Depends(get_session),
    user: User = Depends(require_user),
) -> Response:
    """到站 arrive / 取件 collect (phone tail) / 退回 return (reason), one parcel by its number."""
    point = _mine(session, ServicePoint, point_id, user)
    if action not in ("arrive", "collect", "return"):
        raise NotFound("操作不存在", "no such action")
    try:
        with session.begin_nested():
            parcel = svc.parcel_by_no(session, user.jurisdiction_id, _get(form, "tracking_no"))
            if parcel.point_id != point.id:
                raise InvalidInput(
                    "这件包裹不属于本服务点", "this parcel is not for this service point", field="tracking_no"
                )
            if action == "arrive":
                svc.arrive(session, parcel, actor=user)
            elif action == "collect":
                svc.collect(session, parcel, phone_tail=_get(form, "phone_tail"), actor=user)
            else:
                svc.return_parcel(session, parcel, reason=_get(form, "reason"), actor=user)
    except LianxinError as exc:
        return _point_page(request, session, user, point, error=_message(request, exc), status_code=exc.http_status)
    return RedirectResponse(f"/logistics/points/{point.id}", status_code=303)


# --- public tracking -----------------------------------------------------------------------------


@router.get("/logistics/track")
def track(request: Request, no: str = "", tail: str = "", session: Session = Depends(get_session)) -> Response:
    """查快递: by tracking number and the phone's last four digits; masked, no staff notes. Rate-limited like
    the appeal tracking page: every look-up per address, wrong phone tails per tracking number (10⁴ guesses),
    the right tail gets its count back."""
    jurisdiction = public_jurisdiction(request, session)
    no, tail = no.strip()[:40], tail.strip()[:4]
    view, error, status_code, headers = None, None, 200, {}
    if no or tail:
        key = no.upper()
        try:
            throttle.limit(request, session, "track_per_address", "lgtrack:address")
            throttle.limit(request, session, "track_misses_per_order", "lgtrack:parcel", key)
            view = svc.public_view(session, jurisdiction.id, no, tail)
            throttle.refund(request, session, "track_misses_per_order", "lgtrack:parcel", key)
        except throttle.RateLimited as exc:
            error, status_code, headers = _message(request, exc), exc.http_status, exc.headers
        except LianxinError as exc:
            error, status_code = _message(request, exc), exc.http_status
    response = render(request, "logistics/track.html", _ctx(view=view, no=no, error=error), status_code=status_code)
    response.headers.update(headers)
    return response
