"""Small ECharts options shared by pages that draw one series (pure: plain dicts, no framework imports).

Every chart page renders its options with the ``chart`` macro of ``templates/_charts.html``; the bigger
dashboards build theirs in their own package (``stats/charts.py``, ``web/public.py``).
"""

from __future__ import annotations

from collections.abc import Sequence

RED, BLUE, GREEN, GREY = "#b71c1c", "#1d4ed8", "#2e7d32", "#9e9e9e"
GRID = {"left": 40, "right": 16, "top": 16, "bottom": 40}


def line(labels: Sequence[str], values: Sequence[float], colour: str = RED) -> dict:
    """A count over time: one line with a light area under it."""
    return {
        "grid": GRID,
        "tooltip": {"trigger": "axis"},
        "xAxis": {"type": "category", "data": list(labels)},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [{"type": "line", "data": list(values), "areaStyle": {"opacity": 0.15}, "color": colour}],
    }


def before_after(labels: Sequence[str], values: Sequence[float], after: Sequence[bool], names: tuple[str, str]) -> dict:
    """Bars per period, grey before a change and green after it (``names``: the two bars' tooltips)."""
    return {
        "grid": GRID,
        "tooltip": {"trigger": "axis"},
        "xAxis": {"type": "category", "data": list(labels)},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [
            {
                "type": "bar",
                "data": [
                    {"value": v, "name": names[1] if a else names[0], "itemStyle": {"color": GREEN if a else GREY}}
                    for v, a in zip(values, after)
                ],
            }
        ],
    }
