"""The one way views serve htmx partials (lianxin.web.htmx): htmx gets the fragment, a plain request the
whole page where there is one, the answer varies on HX-Request, and no other code reads the header."""

from __future__ import annotations

import re
from pathlib import Path

import lianxin
from lianxin.appeals.service import dispatch_appeal
from tests.factories import PASSWORD, new_appeal
from tests.helpers import login

HX = {"HX-Request": "true"}


def test_the_panel_is_a_fragment_for_htmx_and_the_page_for_a_browser(client, db, city):
    appeal = new_appeal(db, city)
    dispatch_appeal(db, appeal, city.units["street"], actor=city.users["dispatcher"])
    login(client, city.users["dispatcher"].username, PASSWORD)
    url = f"/staff/appeals/{appeal.order_no}/panel"
    fragment = client.get(url, headers=HX)
    assert fragment.status_code == 200 and "HX-Request" in fragment.headers["Vary"]
    assert "<html" not in fragment.text and appeal.order_no in fragment.text
    page = client.get(url)
    assert page.status_code == 200 and "<html" in page.text and appeal.order_no in page.text
    assert "HX-Request" in page.headers["Vary"]


def test_fragments_without_a_page_are_fragments_either_way(client, db, city):
    login(client, city.users["operator"].username, PASSWORD)
    for headers in (HX, {}):
        box = client.get("/staff/intake/repeats", params={"appellant_phone": "13800000000"}, headers=headers)
        assert box.status_code == 200 and "<html" not in box.text and "HX-Request" in box.headers["Vary"]


def test_an_expired_session_sends_htmx_to_the_login_page(client, db, city):
    appeal = new_appeal(db, city)
    answer = client.get(f"/staff/appeals/{appeal.order_no}/panel", headers=HX, follow_redirects=False)
    assert answer.status_code == 401 and answer.headers["HX-Redirect"].startswith("/login")
    plain = client.get(f"/staff/appeals/{appeal.order_no}/panel", follow_redirects=False)
    assert plain.status_code == 303


def test_no_view_reads_the_htmx_header_itself():
    package = Path(lianxin.__file__).parent
    readers = [
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if path.name != "htmx.py" and re.search(r"hx-request", path.read_text(encoding="utf-8"), re.IGNORECASE)
    ]
    assert readers == []
