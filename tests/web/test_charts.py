"""The one chart container (templates/_charts.html): every chart page uses it, it carries the server's
option and an accessible name, and its button saves the drawn chart as a PNG."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from lianxin.web.charts import before_after, line
from lianxin.web.templating import WEB_DIR, templates

TEMPLATES = WEB_DIR / "templates"


def render_macro(lang: str) -> str:
    page = templates.env.from_string(
        '{% from "_charts.html" import chart, chart_scripts with context %}'
        '{{ chart("c1", option, "每月受理", height="12rem", filename="monthly") }}{{ chart_scripts() }}'
    )
    from functools import partial

    from lianxin.web.i18n import bilingual

    return page.render(option=line(["3月", "4月"], [3, 5]), tr=partial(bilingual, lang=lang), static_version="7")


def test_the_macro_draws_a_container_with_the_option_a_name_and_a_png_button():
    html = render_macro("zh-CN")
    option = json.loads(re.search(r'data-chart="([^"]+)"', html).group(1).replace("&#34;", '"'))
    assert option["series"][0]["data"] == [3, 5] and option["xAxis"]["data"] == ["3月", "4月"]
    assert 'id="c1"' in html and 'role="img" aria-label="每月受理"' in html and "height:12rem" in html
    assert 'data-png="c1" data-filename="monthly.png">下载图片</button>' in html
    assert "/static/vendor/echarts/echarts.min.js?v=7" in html and "/static/js/charts.js?v=7" in html
    assert ">Download PNG</button>" in render_macro("en")


def test_every_chart_page_uses_the_macro():
    """No template draws a chart container or loads ECharts by hand."""
    by_hand = [
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*.html")
        if path.name != "_charts.html"
        and re.search(r'echarts\.min\.js|class="chart"|data-option=', path.read_text(encoding="utf-8"))
    ]
    assert by_hand == []
    users = {
        str(p.relative_to(TEMPLATES)) for p in TEMPLATES.rglob("*.html") if '"_charts.html"' in p.read_text("utf-8")
    }
    assert {"stats/dashboard.html", "public/stats.html", "hotspots/detail.html", "topics/detail.html"} <= users


def test_before_after_colours_the_bars_after_the_change():
    option = before_after(["w1", "w2"], [4, 1], [False, True], ("之前", "之后"))
    bars = option["series"][0]["data"]
    assert [b["value"] for b in bars] == [4, 1] and [b["name"] for b in bars] == ["之前", "之后"]
    assert bars[0]["itemStyle"]["color"] != bars[1]["itemStyle"]["color"]


@pytest.mark.browser
def test_the_png_button_saves_the_drawn_chart(page, live_server, tmp_path):
    page.goto("/stats")
    page.wait_for_selector("#chart-monthly svg")
    with page.expect_download() as download:
        page.locator('[data-png="chart-monthly"]').click()
    saved = Path(tmp_path / "chart.png")
    download.value.save_as(saved)
    assert download.value.suggested_filename == "stats-monthly.png"
    data = saved.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 2000
