"""More care pages: the household map (/care/map), the leaders' view (/leader/care: counts, response times and
the false-alarm rate by community and by rule, alarms a day) and the visit photo (/care/alarms/{id}/photo, for
the staff who may see the alarm)."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lianxin.care import alarms as al
from lianxin.care import reports
from lianxin.care import service as svc
from lianxin.care.models import Alarm, Household
from lianxin.care.status import OPEN_STATUSES, RULE_LABELS, Outcome
from lianxin.clock import local_zone, utcnow
from lianxin.errors import NotFound
from lianxin.orgs.models import Role, User
from lianxin.web.deps import get_session, require_roles
from lianxin.web.i18n import pick_lang
from lianxin.web.templating import render
from lianxin.web.uploads import stored_path

router = APIRouter()
STAFF = require_roles(Role.GRID_WORKER, Role.HANDLER, Role.LEADER)
LEADERS = require_roles(Role.LEADER)
MAP_LIMIT = 5000


def map_points(session: Session, user: User) -> list[dict]:
    """The households in the user's scope that have a position, coloured by their open alarms."""
    open_counts = dict(
        session.execute(
            al.alarms(session, user).with_only_columns(Household.id, func.count()).group_by(Household.id).order_by(None)
        ).all()
    )
    stmt = svc.scoped(select(Household), session, user).where(Household.lat.is_not(None), Household.lon.is_not(None))
    points = []
    for h in session.scalars(stmt.order_by(Household.id).limit(MAP_LIMIT)):
        alarms = open_counts.get(h.id, 0)
        points.append(
            {
                "lat": h.lat,
                "lng": h.lon,
                "label": h.address + (f" · {alarms} 条告警" if alarms else ""),
                "url": f"/care/households/{h.id}",
                "colour": "#c62828" if alarms else "#ef6c00" if h.flagged else "#2e7d32",
            }
        )
    return points


@router.get("/care/map")
def household_map(request: Request, session: Session = Depends(get_session), user: User = Depends(STAFF)) -> Response:
    points = map_points(session, user)
    total = session.scalar(select(func.count()).select_from(svc.scoped(select(Household), session, user).subquery()))
    return render(request, "care/map.html", {"points": points, "total": total, "without": total - len(points)})


def _minutes(a, b) -> float | None:
    return None if a is None or b is None else (b - a).total_seconds() / 60


def leader_figures(session: Session, user: User, *, days: int = 30) -> dict:
    """Per community and per rule: alarms, open, overdue, median minutes to acknowledge and to the visit
    record, false-alarm rate among closed welfare alarms; and alarms raised per local day."""
    now = utcnow()
    since = now - timedelta(days=days)
    rows = session.scalars(al.alarms(session, user, open_only=False).where(Alarm.raised_at >= since)).all()
    groups: dict[str, dict[str, list]] = {"community": defaultdict(list), "rule": defaultdict(list)}
    per_day: dict[str, int] = defaultdict(int)
    for a in rows:
        groups["community"][a.household.community.name].append(a)
        groups["rule"][a.rule.name].append(a)
        per_day[a.raised_at.astimezone(local_zone()).strftime("%m-%d")] += 1

    def figures(alarms: list[Alarm]) -> dict:
        welfare = [a for a in alarms if a.outcome and a.outcome != Outcome.REPAIRED]
        false = sum(1 for a in welfare if a.outcome == Outcome.FALSE_ALARM)
        return {
            "total": len(alarms),
            "open": sum(1 for a in alarms if a.status in OPEN_STATUSES),
            "overdue": sum(1 for a in alarms if a.status in OPEN_STATUSES and a.visit_due_at < now),
            "work_orders": sum(1 for a in alarms if a.appeal_id),
            "ack_min": reports.median(
                [m for a in alarms if (m := _minutes(a.raised_at, a.acknowledged_at)) is not None]
            ),
            "close_min": reports.median(
                [m for a in alarms if a.outcome and (m := _minutes(a.raised_at, a.closed_at)) is not None]
            ),
            "false_rate": round(false / len(welfare), 3) if welfare else None,
        }

    days_axis = [(now - timedelta(days=d)).astimezone(local_zone()).strftime("%m-%d") for d in range(days - 1, -1, -1)]
    return {
        "days": days,
        "all": figures(list(rows)),
        "by_community": sorted(((k, figures(v)) for k, v in groups["community"].items()), key=lambda r: -r[1]["total"]),
        "by_rule": sorted(((k, figures(v)) for k, v in groups["rule"].items()), key=lambda r: -r[1]["total"]),
        "per_day": [(d, per_day.get(d, 0)) for d in days_axis],
        "flagged": session.scalar(
            select(func.count()).select_from(
                svc.scoped(select(Household), session, user).where(Household.flagged.is_(True)).subquery()
            )
        ),
    }


def per_day_chart(per_day: list[tuple[str, int]], lang: str) -> dict:
    return {
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 8, "right": 16, "top": 24, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "category", "data": [d for d, _ in per_day]},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [
            {
                "name": "告警" if lang != "en" else "Alarms",
                "type": "bar",
                "data": [n for _, n in per_day],
                "itemStyle": {"color": "#c62828"},
            }
        ],
    }


@router.get("/leader/care")
def leader_view(
    request: Request, days: int = 30, session: Session = Depends(get_session), user: User = Depends(LEADERS)
) -> Response:
    days = min(max(days, 1), 366)
    data = leader_figures(session, user, days=days)
    chart = per_day_chart(data["per_day"], pick_lang(request))
    return render(request, "care/leader.html", data | {"per_day_option": chart, "rule_labels": RULE_LABELS})


@router.get("/care/alarms/{alarm_id}/photo")
def visit_photo(
    alarm_id: int, request: Request, session: Session = Depends(get_session), user: User = Depends(STAFF)
) -> Response:
    alarm = al.get_alarm(session, user, alarm_id)
    if not alarm.photo_key:
        raise NotFound("没有照片", "no photo")
    path = stored_path(request.app.state.settings.upload_dir, alarm.photo_key)
    if not path.is_file():
        raise NotFound("没有照片", "no photo")
    return FileResponse(
        path,
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=600"},
    )
