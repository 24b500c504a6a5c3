"""The hotspot and 每月一题 pages: who sees them, the chart and map data, and the forms."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from sqlalchemy import select

from lianxin.appeals.models import Appeal
from lianxin.clock import utcnow
from lianxin.hotspots.service import refresh_snapshot
from lianxin.topics.models import Topic
from tests.factories import PASSWORD, new_appeal
from tests.helpers import csrf_from, login
from tests.hotspots.test_service import NOISE


def noise_hotspot(db, city, clock):
    for day, title in enumerate(NOISE):
        new_appeal(db, city, title=title, content=f"{title}，请尽快处理。", lat=39.9 + day / 1000, lng=116.4)
        clock.shift(timedelta(days=1))
    snapshot = refresh_snapshot(
        db, city.jid, since=utcnow() - timedelta(days=30), until=utcnow() + timedelta(seconds=1)
    )
    return snapshot.hotspots[0]


def test_hotspot_pages_show_the_list_trend_map_and_appeals(client, db, city, clock):
    hotspot = noise_hotspot(db, city, clock)
    assert client.get("/hotspots", follow_redirects=False).status_code == 303  # log in first
    login(client, city.users["leader"].username, PASSWORD)
    page = client.get("/hotspots")
    assert (
        page.status_code == 200 and hotspot.description in page.text and f'href="/hotspots/{hotspot.id}"' in page.text
    )
    detail = client.get(f"/hotspots/{hotspot.id}")
    assert detail.status_code == 200 and "设为每月一题" in detail.text
    option = json.loads(
        re.search(r'id="hotspot-trend" data-chart="([^"]+)"', detail.text).group(1).replace("&#34;", '"')
    )
    assert sum(option["series"][0]["data"]) == 4
    assert 'id="hotspot-map"' in detail.text and "leaflet.js" in detail.text and "echarts.min.js" in detail.text
    assert all(a in detail.text for a in NOISE)
    # each appeal's number links to it and its status is a label, not a code
    linked = re.findall(r'<a href="/staff/appeals/(\d+)">(\d+)</a>', detail.text)
    assert len(linked) == len(NOISE) and all(href == shown for href, shown in linked)
    titles = db.scalars(select(Appeal.title).where(Appeal.order_no.in_([n for n, _ in linked]))).all()
    assert sorted(titles) == sorted(NOISE)
    assert ">已受理</span>" in detail.text and ">received<" not in detail.text
    english = client.get(f"/hotspots/{hotspot.id}?lang=en")
    assert "Make it the topic of the month" in english.text


def test_operators_do_not_see_hotspots(client, db, city, clock):
    hotspot = noise_hotspot(db, city, clock)
    login(client, city.users["operator"].username, PASSWORD)
    assert client.get("/hotspots").status_code == 403
    assert client.get(f"/hotspots/{hotspot.id}").status_code == 403


def test_a_leader_makes_a_topic_and_handlers_work_its_tasks(client, db, city, clock):
    hotspot = noise_hotspot(db, city, clock)
    login(client, city.users["leader"].username, PASSWORD)
    token = csrf_from(client, f"/hotspots/{hotspot.id}")
    bad = client.post(
        f"/hotspots/{hotspot.id}/topic",
        data={"csrf_token": token, "month": "2026-3", "owner_unit_id": str(city.units["street"].id)},
    )
    assert bad.status_code == 422 and "月份格式" in bad.text
    assert db.query(Topic).filter_by(source_hotspot_id=hotspot.id).count() == 0
    made = client.post(
        f"/hotspots/{hotspot.id}/topic",
        follow_redirects=False,
        data={"csrf_token": token, "month": "2026-03", "owner_unit_id": str(city.units["street"].id)},
    )
    assert made.status_code == 303
    topic = db.query(Topic).filter_by(source_hotspot_id=hotspot.id).one()
    assert made.headers["location"] == f"/topics/{topic.id}"
    client.post(
        f"/topics/{topic.id}/tasks",
        data={
            "csrf_token": token,
            "title": "约谈施工单位",
            "owner_unit_id": str(city.units["street"].id),
            "deadline": "2026-03-31",
        },
    )
    client.post(
        f"/topics/{topic.id}/policies",
        data={
            "csrf_token": token,
            "title": "夜间施工管理规定",
            "issued_at": "2026-03-05",
            "url": "https://example.gov.cn/p/1",
        },
    )
    page = client.get(f"/topics/{topic.id}")
    assert "约谈施工单位" in page.text and "夜间施工管理规定" in page.text and 'id="topic-effect"' in page.text
    # made today from a hotspot of last week's appeals: too early to measure, not −100 %
    assert 'id="effect-too-early"' in page.text and "为时尚早" in page.text and "-100%" not in page.text
    api = client.get(f"/api/v1/topics/{topic.id}").json()["effect"]
    assert api["too_early"] is True and api["after_per_week"] is None and api["change"] is None
    assert client.get("/topics").text.count(topic.title) >= 1

    client.post("/logout", data={"csrf_token": token})
    login(client, city.users["street_handler"].username, PASSWORD)
    token = csrf_from(client, f"/topics/{topic.id}")
    task = topic.tasks[0]
    done = client.post(
        f"/topics/{topic.id}/tasks/{task.id}",
        follow_redirects=False,
        data={"csrf_token": token, "done": "1", "note": "已约谈"},
    )
    assert done.status_code == 303
    db.refresh(task)
    assert task.done_at is not None and task.note == "已约谈"
    refused = client.post(f"/topics/{topic.id}/status", data={"csrf_token": token, "status": "completed"})
    assert refused.status_code == 403
