"""入户走访记心愿: a grid worker records a wish heard on a household visit (source, grid, photos), it reaches the
desk as collected, the photos are staff-only, bad input changes nothing, and a form sent twice makes one wish."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from lianxin.wishes.models import Wish, WishSource
from lianxin.wishes.status import WishStatus as S
from tests.factories import PASSWORD
from tests.helpers import csrf_from, login
from tests.wishes.test_web import app, client, png_bytes  # noqa: F401  (fixtures)


def form(client, **values):  # noqa: F811
    page = client.get("/wishes/staff/visit").text
    key = re.search(r'name="form_key" value="([^"]+)"', page).group(1)
    data = {
        "csrf_token": csrf_from(client, "/wishes/staff/visit"),
        "form_key": key,
        "source": "grid_visit",
        "category": "company",
        "content": "独居的孙奶奶说想每周有人来陪她下棋。",
        "resident_name": "孙奶奶",
        "resident_phone": "13722220001",
        "resident_address": "和平里5号楼1单元101",
    }
    return data | values


def wishes(db):
    return db.scalar(select(func.count()).select_from(Wish))


def test_a_grid_worker_records_a_wish_on_a_visit(client, db, city):  # noqa: F811
    login(client, city.users["grid_worker"].username, PASSWORD)
    page = client.get("/wishes/staff/visit")
    assert page.status_code == 200 and "入户走访记心愿" in page.text
    # the grid worker's own grid and community are chosen already
    assert f'<option value="{city.units["grid"].id}" selected>' in page.text
    assert f'<option value="{city.units["community"].id}" selected>' in page.text
    data = form(client, community_id=str(city.units["community"].id), grid_id=str(city.units["grid"].id))
    done = client.post(
        "/wishes/staff/visit",
        data=data,
        files=[("photos", ("home.png", png_bytes(), "image/png"))],
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"].endswith("?recorded=1")
    again = client.post("/wishes/staff/visit", data=data, follow_redirects=False)  # sent twice: one wish
    assert again.headers["location"] == done.headers["location"] and wishes(db) == 1
    wish = db.scalar(select(Wish))
    assert (wish.source, wish.status, wish.grid_id) == (WishSource.GRID_VISIT, S.COLLECTED, city.units["grid"].id)
    assert wish.resident_name == "孙奶奶" and len(wish.photos) == 1
    assert wish.events[0].actor_user_id == city.users["grid_worker"].id
    shown = client.get(done.headers["location"])
    assert "心愿已记下" in shown.text and "网格走访" in shown.text and "照片 1" in shown.text
    photo = client.get(f"/wishes/staff/{wish.id}/photos/0")
    assert photo.status_code == 200 and photo.content.startswith(b"\x89PNG")
    assert client.get(f"/wishes/staff/{wish.id}/photos/5").status_code == 404
    client.cookies.clear()
    login(client, city.users["water_handler"].username, PASSWORD)
    assert client.get(f"/wishes/staff/{wish.id}/photos/0").status_code == 403


def test_bad_input_is_explained_and_saves_nothing(client, db, city):  # noqa: F811
    login(client, city.users["grid_worker"].username, PASSWORD)
    community = str(city.units["community"].id)
    bad = client.post("/wishes/staff/visit", data=form(client, community_id=community, resident_phone="123"))
    assert bad.status_code == 422 and "正确的手机号" in bad.text and "孙奶奶" in bad.text
    bad = client.post("/wishes/staff/visit", data=form(client, community_id=community, source="resident"))
    assert bad.status_code == 422 and "心愿来源" in bad.text
    bad = client.post("/wishes/staff/visit", data=form(client, community_id="", grid_id=""))
    assert bad.status_code == 422 and "所在社区" in bad.text
    bad = client.post(
        "/wishes/staff/visit", data=form(client, community_id=community, grid_id=str(city.units["street"].id))
    )
    assert bad.status_code == 422 and "网格不属于该社区" in bad.text
    assert wishes(db) == 0
    client.cookies.clear()
    login(client, city.users["operator"].username, PASSWORD)
    assert client.get("/wishes/staff/visit").status_code == 403
