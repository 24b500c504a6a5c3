"""Public pages (no login, no personal data): the statistics of the jurisdiction's appeals, with
ECharts charts (each with a data table beside it for screen readers) and a Leaflet community map."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from lianxin.web.deps import get_session, public_jurisdiction
from lianxin.web.i18n import bilingual, pick_lang
from lianxin.web.public_stats import FEW_COLOUR, MIN_MAP_COUNT, PublicFigures, community_map, public_figures
from lianxin.web.templating import render

router = APIRouter()
RED, BLUE, GREEN = "#b71c1c", "#1d4ed8", "#1b7f3b"


def monthly_chart(figures: PublicFigures, lang: str) -> dict:
    """Received and closed per month (bars) with the satisfaction rate (line, right axis)."""
    names = [
        bilingual(zh, en, lang) for zh, en in (("受理", "Received"), ("办结", "Closed"), ("满意率 %", "Satisfaction %"))
    ]
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"data": names, "bottom": 0},
        "grid": {"left": 40, "right": 40, "top": 20, "bottom": 50},
        "xAxis": {"type": "category", "data": [m[2:] for m in figures.months]},
        "yAxis": [{"type": "value"}, {"type": "value", "min": 0, "max": 100}],
        "series": [
            {"name": names[0], "type": "bar", "data": figures.received, "itemStyle": {"color": BLUE}},
            {"name": names[1], "type": "bar", "data": figures.closed, "itemStyle": {"color": GREEN}},
            {
                "name": names[2],
                "type": "line",
                "yAxisIndex": 1,
                "data": figures.satisfaction,
                "connectNulls": True,
                "itemStyle": {"color": RED},
            },
        ],
    }


def bar_chart(labels: list[str], values: list[int], colour: str = BLUE) -> dict:
    """Horizontal bars, largest on top."""
    return {
        "tooltip": {},
        "grid": {"left": 8, "right": 24, "top": 8, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "value"},
        "yAxis": {"type": "category", "data": labels[::-1]},
        "series": [{"type": "bar", "data": values[::-1], "itemStyle": {"color": colour}}],
    }


@router.get("/stats")
def stats(request: Request, session: Session = Depends(get_session)) -> Response:
    jurisdiction = public_jurisdiction(request, session)
    figures = public_figures(
        session, jurisdiction.id, cache_seconds=request.app.state.settings.public_stats_cache_seconds
    )
    shown = community_map(session, jurisdiction.id, figures.points)
    lang = pick_lang(request)
    charts = {
        "monthly": monthly_chart(figures, lang),
        "streets": bar_chart([r.name for r in figures.streets], [r.handled for r in figures.streets]),
        "categories": bar_chart(
            [name for name, _ in figures.top_categories], [n for _, n in figures.top_categories], RED
        ),
    }
    return render(
        request,
        "public/stats.html",
        {
            "jurisdiction": jurisdiction,
            "figures": figures,
            "charts": charts,
            "points": [asdict(p) for p in figures.points],
            "map": {
                "areas": shown.areas,
                "points": [asdict(p) for p in shown.points],
                "legend": [asdict(c) for c in shown.legend],
            },
            "few_colour": FEW_COLOUR,
            "min_map_count": MIN_MAP_COUNT,
        },
    )
