"""The household map, the leaders' view, the visit photo and the work order on the board."""

from __future__ import annotations

import io
import json
import re

from PIL import Image
from sqlalchemy import select

from lianxin.care import alarms as al
from lianxin.care.models import Alarm
from lianxin.clock import utcnow
from tests.care.test_views import signed_in
from tests.factories import PASSWORD
from tests.helpers import login


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, format="JPEG")
    return out.getvalue()


def test_a_visit_record_with_a_photo_and_no_note_closes_the_alarm(client, db, city, home):
    al.ingest(db, home.button, utcnow(), 1)
    alarm = db.scalar(select(Alarm).where(Alarm.household_id == home.household.id))
    token = signed_in(client, city)
    board = client.get("/care/alarms").text
    assert f"/staff/appeals/{alarm.appeal.order_no}" in board and 'class="cards"' in board  # the button's work order
    bad = client.post(
        f"/care/alarms/{alarm.id}/record",
        data={"csrf_token": token, "outcome": "safe", "note": ""},
        files={"photo": ("x.jpg", b"not an image", "image/jpeg")},
    )
    assert bad.status_code == 422 and "JPEG" in bad.text
    r = client.post(
        f"/care/alarms/{alarm.id}/record",
        data={"csrf_token": token, "outcome": "safe", "note": ""},
        files={"photo": ("visit.jpg", _jpeg(), "image/jpeg")},
        follow_redirects=False,
    )
    assert r.status_code == 303
    db.refresh(alarm)
    assert alarm.status.value == "resolved" and alarm.photo_key.startswith("care/")
    photo = client.get(f"/care/alarms/{alarm.id}/photo")
    assert photo.status_code == 200 and photo.content.startswith(b"\xff\xd8")
    assert f"/care/alarms/{alarm.id}/photo" in client.get("/care/alarms").text
    client.cookies.clear()
    login(client, city.users["street2_handler"].username, PASSWORD)  # another street: not this household
    assert client.get(f"/care/alarms/{alarm.id}/photo").status_code in (403, 404)


def test_the_map_shows_located_households_coloured_by_alarm(client, db, city, home):
    home.household.lat, home.household.lon = 39.91, 116.40
    db.flush()
    al.ingest(db, home.button, utcnow(), 1)
    signed_in(client, city)
    page = client.get("/care/map")
    assert page.status_code == 200
    raw = re.search(r'data-pointmap="([^"]*)"', page.text).group(1).replace("&#34;", '"').replace("&quot;", '"')
    points = json.loads(raw.replace("&amp;", "&"))
    assert points == [
        {
            "lat": 39.91,
            "lng": 116.40,
            "label": f"{home.household.address} · 1 条告警",
            "url": f"/care/households/{home.household.id}",
            "colour": "#c62828",
        }
    ]


def test_leaders_see_counts_response_times_and_the_false_alarm_rate(client, db, city, home):
    al.ingest(db, home.button, utcnow(), 1)
    alarm = db.scalar(select(Alarm).where(Alarm.household_id == home.household.id))
    al.acknowledge(db, alarm, actor=city.users["grid_worker"])
    al.record_visit(db, alarm, actor=city.users["grid_worker"], outcome="false_alarm", note="误按")
    signed_in(client, city, "grid_worker")
    assert client.get("/leader/care").status_code == 403
    client.cookies.clear()
    login(client, city.users["leader"].username, PASSWORD)
    page = client.get("/leader/care?days=7")
    assert page.status_code == 200
    assert re.search(r'id="lk-total">1<', page.text) and re.search(r'id="lk-false">100%<', page.text)
    assert "和平社区" in page.text and "紧急按钮" in page.text and 'data-chart="' in page.text
