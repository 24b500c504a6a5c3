"""The public side's charts and maps: a list's items by status (ECharts) and on a map (Leaflet), and the area
page (公示 per area, /pledges/areas/{unit}): every published list of a district, street or community and the
units below it, with their completion rates side by side, the totals, a chart and a map."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from lianxin.errors import NotFound
from lianxin.orgs.models import Unit
from lianxin.pledges import queries
from lianxin.pledges.models import PledgeItem
from lianxin.pledges.status import ITEM_LABELS, ItemStatus
from lianxin.web.deps import get_session, public_jurisdiction
from lianxin.web.i18n import pick_lang
from lianxin.web.templating import render

router = APIRouter()
MAP_LIMIT = 2000
COLOURS = {
    "grey": "#90a4ae",
    "blue": "#1565c0",
    "green": "#2e7d32",
    "red": "#c62828",
    "orange": "#ef6c00",
    "amber": "#ef6c00",
    "purple": "#6a1b9a",
    "brown": "#6d4c41",
}


def status_chart(by_status: dict[str, int], lang: str = "zh") -> dict:
    """ECharts option: the list's items by status (horizontal bars in the state machine's order)."""
    order = [s for s in ItemStatus if by_status.get(s.value)]
    names = [ITEM_LABELS[s][1] if lang == "en" else ITEM_LABELS[s][0] for s in order]
    return {
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "grid": {"left": 8, "right": 24, "top": 8, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "value", "minInterval": 1},
        "yAxis": {"type": "category", "data": names[::-1]},
        "series": [
            {
                "type": "bar",
                "name": "事项" if lang != "en" else "Items",
                "data": [
                    {"value": by_status[s.value], "itemStyle": {"color": COLOURS.get(ITEM_LABELS[s][3], "#607d8b")}}
                    for s in order
                ][::-1],
                "label": {"show": True, "position": "right"},
            }
        ],
    }


def map_points(session: Session, list_ids: list[int], promised=None) -> list[dict]:
    """Located items of the lists (only the published ones when ``promised``, a mapping by item id as text or
    a function returning one, is given), coloured by status."""
    if not list_ids:
        return []
    rows = session.execute(
        select(PledgeItem.id, PledgeItem.title, PledgeItem.lat, PledgeItem.lng, PledgeItem.status)
        .where(PledgeItem.list_id.in_(list_ids), PledgeItem.lat.is_not(None), PledgeItem.lng.is_not(None))
        .order_by(PledgeItem.id)
        .limit(MAP_LIMIT)
    ).all()
    if rows and callable(promised):
        promised = promised()
    return [
        {
            "lat": r.lat,
            "lng": r.lng,
            "label": f"{r.title}（{ITEM_LABELS[r.status][0]}）",
            "url": f"/pledges/items/{r.id}",
            "colour": COLOURS.get(ITEM_LABELS[r.status][3], "#607d8b"),
        }
        for r in rows
        if promised is None or str(r.id) in promised
    ]


def subtree(session: Session, jurisdiction_id: int, root_id: int) -> set[int]:
    """The unit and every unit below it."""
    children: dict[int | None, list[int]] = {}
    for uid, parent in session.execute(select(Unit.id, Unit.parent_id).where(Unit.jurisdiction_id == jurisdiction_id)):
        children.setdefault(parent, []).append(uid)
    out, todo = set(), [root_id]
    while todo:
        uid = todo.pop()
        if uid not in out:
            out.add(uid)
            todo.extend(children.get(uid, []))
    return out


def completion_by_list(lists, figures: dict, lang: str = "zh") -> dict:
    """ECharts option: completed and open items per list (stacked bars)."""
    names = [p.title for p in lists][::-1]
    zh = lang != "en"
    return {
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"top": 0},
        "grid": {"left": 8, "right": 16, "top": 32, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "value", "minInterval": 1},
        "yAxis": {"type": "category", "data": names, "axisLabel": {"width": 160, "overflow": "truncate"}},
        "series": [
            {
                "name": "已完成" if zh else "Completed",
                "type": "bar",
                "stack": "all",
                "data": [figures[p.id]["done"] for p in lists][::-1],
                "itemStyle": {"color": "#2e7d32"},
            },
            {
                "name": "推进中" if zh else "Open",
                "type": "bar",
                "stack": "all",
                "data": [figures[p.id]["total"] - figures[p.id]["done"] for p in lists][::-1],
                "itemStyle": {"color": "#90a4ae"},
            },
        ],
    }


@router.get("/pledges/areas/{unit_id}")
def area_page(unit_id: int, request: Request, year: str = "", session: Session = Depends(get_session)) -> Response:
    jurisdiction = public_jurisdiction(request, session)
    unit = session.get(Unit, unit_id)
    if unit is None or unit.jurisdiction_id != jurisdiction.id:
        raise NotFound("区域不存在", "no such area")
    year_n = int(year) if year.isdigit() and len(year) == 4 else None
    below = subtree(session, jurisdiction.id, unit.id)
    everything = [p for p in queries.published_lists(session, jurisdiction.id) if p.owner_unit_id in below]
    lists = [p for p in everything if year_n is None or p.year == year_n]
    figures = queries.list_figures(session, [p.id for p in lists])
    total = sum(f["total"] for f in figures.values())
    done = sum(f["done"] for f in figures.values())
    lang = pick_lang(request)
    return render(
        request,
        "pledges/area.html",
        {
            "unit": unit,
            "lists": lists,
            "figures": figures,
            "years": sorted({p.year for p in everything}, reverse=True),
            "year": year_n,
            "totals": {
                "lists": len(lists),
                "total": total,
                "done": done,
                "rate": round(100 * done / total) if total else 0,
            },
            "chart_option": completion_by_list(lists, figures, lang),
            "points": map_points(session, [p.id for p in lists]),
        },
    )
