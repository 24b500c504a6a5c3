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
    assert "混淆矩阵" not in page.text  # trained without cross-validation: no per-class figures
    client.post("/routing/train", data={"csrf_token": token, "cross_validate": "true"})
    page = client.get("/routing")
    assert "v2 · 每类 F1 与混淆矩阵" in page.text and "城乡建设 / 市政设施 / 路灯故障" in page.text
    f1s = re.findall(r'class="num routing-f1">(\d\.\d{4})<', page.text)
    assert len(f1s) == 3 and all(0 <= float(v) <= 1 for v in f1s)
    cells = [int(v) for v in re.findall(r'<td class="num cm(?: diagonal| off-diagonal)?">(\d+)</td>', page.text)]
    assert len(cells) == 9 and sum(cells) == 36  # every confirmed appeal predicted once across the folds

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
