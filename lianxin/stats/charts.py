"""ECharts option dicts for the leader dashboard (pure: data in, JSON-able option out). Every chart
carries the toolbox "save as image" button, so each one exports as PNG."""

from __future__ import annotations


def _toolbox(name: str) -> dict:
    return {"feature": {"saveAsImage": {"name": name, "title": "保存为图片", "pixelRatio": 2}}}


def _pct(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


def trend_option(trend: dict, title: str = "受理与办结趋势") -> dict:
    return {
        "title": {"text": title, "left": "center"},
        "toolbox": _toolbox("trend"),
        "tooltip": {"trigger": "axis"},
        "legend": {"data": ["受理", "办结"], "bottom": 0},
        "xAxis": {"type": "category", "data": trend["periods"]},
        "yAxis": {"type": "value"},
        "series": [
            {"name": "受理", "type": "line", "data": trend["received"], "smooth": True},
            {"name": "办结", "type": "line", "data": trend["closed"], "smooth": True},
        ],
    }


RATE_SERIES = (("response_rate", "响应率"), ("resolution_rate", "解决率"), ("satisfaction_rate", "满意率"))


def rates_option(rates: dict, title: str = "各单位三率（%）") -> dict:
    return {
        "title": {"text": title, "left": "center"},
        "toolbox": _toolbox("rates"),
        "tooltip": {"trigger": "axis"},
        "legend": {"data": [label for _, label in RATE_SERIES], "bottom": 0},
        "grid": {"bottom": 90},
        "xAxis": {"type": "category", "data": rates["units"], "axisLabel": {"rotate": 30}},
        "yAxis": {"type": "value", "min": 0, "max": 100},
        "series": [
            {"name": label, "type": "bar", "data": [_pct(row[key]) for row in rates["rows"]]}
            for key, label in RATE_SERIES
        ],
    }


def mix_option(mix: dict, title: str = "问题分类构成") -> dict:
    return {
        "title": {"text": title, "left": "center"},
        "toolbox": _toolbox("categories"),
        "tooltip": {"trigger": "item"},
        "series": [{"type": "pie", "radius": ["35%", "65%"], "data": mix["data"][:12]}],
    }


def heatmap_option(heat: dict, title: str = "超期工单热力图（单位 × 周）") -> dict:
    return {
        "title": {"text": title, "left": "center"},
        "toolbox": _toolbox("overdue"),
        "tooltip": {"position": "top"},
        "grid": {"left": 140, "bottom": 70},
        "xAxis": {"type": "category", "data": heat["weeks"], "axisLabel": {"rotate": 30}},
        "yAxis": {"type": "category", "data": heat["units"]},
        "visualMap": {
            "min": 0,
            "max": max(heat["max"], 1),
            "calculable": True,
            "orient": "horizontal",
            "left": "center",
            "bottom": 0,
            "inRange": {"color": ["#fff5f0", "#b71c1c"]},
        },
        "series": [{"type": "heatmap", "data": heat["data"], "label": {"show": True}}],
    }
