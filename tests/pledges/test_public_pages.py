"""The public list page's status chart and map, and the area page (every list of an area and below it)."""

from __future__ import annotations

import html
import json
import re

from lianxin.pledges import service as svc
from lianxin.pledges import versions, work
from lianxin.pledges.public import status_chart, subtree
from tests.pledges.test_views import published


def _points(text: str, element: str) -> list:
    raw = re.search(rf'id="{element}"[^>]*data-pointmap="([^"]*)"', text).group(1)
    return json.loads(html.unescape(raw))


def test_the_list_page_draws_items_by_status_and_the_located_items_on_a_map(client, db, city):
    plist, lights, toilets, leader = published(db, city)
    lights.lat, lights.lng = 39.93, 116.41
    work.report_progress(db, lights, actor=leader, progress=30)
    db.flush()
    page = client.get(f"/pledges/lists/{plist.id}")
    assert page.status_code == 200 and 'id="pledge-status"' in page.text and "pointmap.js" in page.text
    [point] = _points(page.text, "pledge-map")
    assert point["url"] == f"/pledges/items/{lights.id}" and "推进中" in point["label"]
    option = status_chart({"in_progress": 1, "planned": 1}, "en")
    assert option["yAxis"]["data"] == ["In progress", "Planned"]


def test_the_area_page_gathers_the_lists_of_the_units_below(client, db, city):
    plist, lights, toilets, leader = published(db, city)  # owned by the district
    street = versions.create_list(
        db, actor=leader, title="和平街道2026年民生实事", year=2026, owner_unit_id=city.units["street"].id
    )
    svc.add_item(db, street, actor=leader, title="社区食堂")
    versions.approve_list(db, street, actor=leader)
    versions.publish_list(db, street, actor=leader)
    db.flush()
    assert city.units["community"].id in subtree(db, city.jid, city.units["district"].id)
    index = client.get("/pledges")
    assert f"/pledges/areas/{city.units['district'].id}" in index.text
    district = client.get(f"/pledges/areas/{city.units['district'].id}")
    assert district.status_code == 200 and "和平街道2026年民生实事" in district.text and plist.title in district.text
    assert re.search(r'id="area-lists">2<', district.text) and re.search(r'id="area-total">3<', district.text)
    assert 'id="area-completion"' in district.text
    only_street = client.get(f"/pledges/areas/{city.units['street'].id}")
    assert re.search(r'id="area-lists">1<', only_street.text) and plist.title not in only_street.text
    assert re.search(r'id="area-lists">0<', client.get(f"/pledges/areas/{city.units['street'].id}?year=2020").text)
    assert client.get("/pledges/areas/999999999").status_code == 404
