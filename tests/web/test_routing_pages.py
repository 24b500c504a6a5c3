"""The routing model page (admins train, leaders read) and the suggestion fragment for intake forms."""

from __future__ import annotations

import re

from tests.factories import PASSWORD
from tests.helpers import csrf_from, login
from tests.routing.test_service import category, confirmed_city


def test_admin_trains_from_the_page_and_operators_get_suggestions(client, db, city):
    login(client, city.users["admin"].username, PASSWORD)
    page = client.get("/routing")
    assert page.status_code == 200 and "尚未训练模型" in page.text
    token = csrf_from(client, "/routing")
    refused = client.post("/routing/train", data={"csrf_token": token})
    assert refused.status_code == 422 and "训练数据不足" in refused.text

    confirmed_city(db, city)
    trained = client.post("/routing/train", data={"csrf_token": token}, follow_redirects=False)
    assert trained.status_code == 303 and trained.headers["location"] == "/routing?trained=1"
    page = client.get("/routing?trained=1")
    assert re.search(r"v1 \(使用中\)", page.text) and "已训练新版本" in page.text

    client.cookies.clear()
    login(client, city.users["operator"].username, PASSWORD)
    fragment = client.get("/routing/suggest", params={"text": "楼下路灯不亮，夜间漆黑"})
    assert fragment.status_code == 200
    assert f'data-category-id="{category(db, city, "路灯").id}"' in fragment.text
    assert "城乡建设 / 市政设施 / 路灯故障" in fragment.text and fragment.text.count("<li") == 3
    assert client.get("/routing/suggest", params={"text": ""}).text.strip() == ""
    assert client.get("/routing").status_code == 403  # the model page is for admins and leaders


def test_leaders_read_the_page_but_cannot_train_or_ask(client, db, city):
    login(client, city.users["leader"].username, PASSWORD)
    page = client.get("/routing")
    assert page.status_code == 200 and 'action="/routing/train"' not in page.text and "试一试" not in page.text
    assert client.post("/routing/train", data={"csrf_token": csrf_from(client, "/routing")}).status_code == 403
    assert client.get("/routing/suggest", params={"text": "路灯"}).status_code == 403
