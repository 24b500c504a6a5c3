"""The web foundation: sessions and login, CSRF on every unsafe request, languages, error pages, roles."""

from __future__ import annotations

import pytest
from fastapi import Depends

from lianxin.orgs.models import Role, User
from lianxin.web.deps import require_roles, require_user
from lianxin.web.templating import NAV, register_nav
from tests.factories import PASSWORD
from tests.helpers import csrf_from, login


def test_pages_are_chinese_by_default_with_an_english_switch(client, city):
    page = client.get("/")
    assert page.status_code == 200
    assert '<html lang="zh-CN"' in page.text and "查询进度" in page.text
    assert 'href="/?lang=en"' in page.text
    assert 'href="/stats?a=1&amp;b=2&amp;lang=en"' in client.get("/stats?a=1&b=2").text


def test_english_switch_is_remembered_in_a_cookie(client, city):
    page = client.get("/track?lang=en")
    assert '<html lang="en"' in page.text and "Track an appeal" in page.text and "查询进度" not in page.text
    assert client.cookies.get("lianxin_lang") == "en"
    again = client.get("/")
    assert '<html lang="en"' in again.text and "Public statistics" in again.text
    back = client.get("/?lang=zh-CN")
    assert '<html lang="zh-CN"' in back.text and "数据公开" in back.text


def test_login_with_the_right_password_starts_a_session_and_logout_ends_it(client, city):
    user = city.users["dispatcher"]
    login(client, user.username, PASSWORD)
    page = client.get("/")
    assert "退出登录" in page.text and user.display_name in page.text
    token = csrf_from(client, "/")
    response = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    assert "工作人员登录" in client.get("/").text


def test_login_with_a_wrong_password_shows_a_chinese_error_and_no_session(client, city):
    token = csrf_from(client, "/login")
    page = client.post(
        "/login",
        data={"username": city.users["dispatcher"].username, "password": "wrong-password", "csrf_token": token},
    )
    assert page.status_code == 401 and "用户名或密码错误" in page.text
    assert "退出登录" not in client.get("/").text


def test_login_of_a_deactivated_user_is_refused(client, db, city):
    user = city.users["visitor"]
    user.active = False
    db.flush()
    token = csrf_from(client, "/login")
    page = client.post("/login", data={"username": user.username, "password": PASSWORD, "csrf_token": token})
    assert page.status_code == 401


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example"])
def test_login_never_redirects_off_site(client, city, target):
    token = csrf_from(client, "/login")
    response = client.post(
        "/login",
        data={"username": city.users["leader"].username, "password": PASSWORD, "csrf_token": token, "next": target},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/staff"


@pytest.mark.parametrize(
    ("role", "bench"),
    [
        ("operator", "/staff/intake"),
        ("dispatcher", "/staff/dispatch"),
        ("street_handler", "/staff/handle"),
        ("grid_worker", "/staff/grid"),
        ("visitor", "/staff/visits"),
        ("leader", "/staff/overview"),
        ("admin", "/staff/admin"),
    ],
)
def test_after_login_staff_land_on_their_own_workbench(client, city, role, bench):
    token = csrf_from(client, "/login")
    response = client.post(
        "/login",
        data={"username": city.users[role].username, "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/staff"
    landed = client.get("/staff", follow_redirects=False)
    assert landed.status_code == 303 and landed.headers["location"] == bench
    assert client.get(bench).status_code == 200


def test_login_goes_back_to_the_page_that_asked_for_it(client, city):
    token = csrf_from(client, "/login")
    response = client.post(
        "/login",
        data={
            "username": city.users["leader"].username,
            "password": PASSWORD,
            "csrf_token": token,
            "next": "/stats?x=1",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/stats?x=1"


def test_a_post_without_the_csrf_token_is_refused_in_both_languages(client, city):
    client.get("/track")
    response = client.post("/track", data={"order_no": "1", "phone": "13800138000"})
    assert response.status_code == 403
    assert "页面已过期" in response.text and "reload the page" in response.text


def test_a_post_with_a_wrong_csrf_token_or_from_a_fresh_session_is_refused(client, app, city):
    csrf_from(client)
    assert client.post("/track", data={"order_no": "1", "phone": "1", "csrf_token": "forged"}).status_code == 403
    from fastapi.testclient import TestClient

    token = csrf_from(client)
    with TestClient(app) as stranger:  # another browser: its session has no token, or a different one
        assert stranger.post("/track", data={"order_no": "1", "phone": "1", "csrf_token": token}).status_code == 403


def test_the_csrf_header_used_by_htmx_is_accepted(client, city):
    token = csrf_from(client)
    response = client.post("/track", data={"order_no": "x", "phone": "13800138000"}, headers={"X-CSRF-Token": token})
    assert response.status_code == 404  # reached the route: no such appeal


def test_the_csrf_token_is_checked_in_multipart_forms_too(client, city):
    token = csrf_from(client)
    files = {"photo": ("a.txt", b"hello", "text/plain")}
    ok = client.post("/track", data={"order_no": "x", "phone": "13800138000", "csrf_token": token}, files=files)
    bad = client.post("/track", data={"order_no": "x", "phone": "13800138000", "csrf_token": "nope"}, files=files)
    assert ok.status_code == 404 and bad.status_code == 403


def test_the_base_template_sends_the_token_with_every_htmx_request(client, city):
    token = csrf_from(client)
    assert f'hx-headers=\'{{"X-CSRF-Token": "{token}"}}\'' in client.get("/").text


def test_logging_in_rotates_the_csrf_token(client, city):
    before = csrf_from(client, "/login")
    login(client, city.users["leader"].username, PASSWORD)
    assert csrf_from(client, "/") != before


@pytest.fixture
def probe(app):
    """Two routes guarded by the shared dependencies, as a staff page would be."""

    @app.get("/_probe/user")
    def any_user(user: User = Depends(require_user)) -> dict:
        return {"user": user.username}

    @app.get("/_probe/dispatch")
    def dispatch_only(user: User = Depends(require_roles(Role.DISPATCHER))) -> dict:
        return {"user": user.username}

    return app


def test_pages_for_signed_in_users_send_others_to_the_login_page(client, probe, city):
    response = client.get("/_probe/user?a=1", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login?next=/_probe/user%3Fa%3D1"
    htmx = client.get("/_probe/user", headers={"HX-Request": "true"}, follow_redirects=False)
    assert htmx.status_code == 401 and htmx.headers["HX-Redirect"].startswith("/login?next=")


def test_the_role_helper_lets_the_role_in_and_keeps_others_out_with_a_bilingual_403(client, probe, city):
    login(client, city.users["street_handler"].username, PASSWORD)
    assert client.get("/_probe/user").json() == {"user": city.users["street_handler"].username}
    denied = client.get("/_probe/dispatch")
    assert denied.status_code == 403 and "派单员" in denied.text and "dispatcher" in denied.text
    login(client, city.users["dispatcher"].username, PASSWORD)
    assert client.get("/_probe/dispatch").status_code == 200


def test_a_deactivated_user_loses_the_session(client, db, probe, city):
    user = city.users["operator"]
    login(client, user.username, PASSWORD)
    user.active = False
    db.flush()
    assert client.get("/_probe/user", follow_redirects=False).status_code == 303


def test_navigation_entries_follow_the_roles_in_the_session(client, city):
    register_nav("/_probe/dispatch", "派单工作台", "Dispatch desk", {Role.DISPATCHER})
    try:
        assert "派单工作台" not in client.get("/").text
        login(client, city.users["street_handler"].username, PASSWORD)
        assert "派单工作台" not in client.get("/").text
        login(client, city.users["dispatcher"].username, PASSWORD)
        assert "派单工作台" in client.get("/").text
    finally:
        NAV[:] = [item for item in NAV if item.path != "/_probe/dispatch"]


def test_unknown_pages_get_a_bilingual_404_page(client, city):
    page = client.get("/no-such-page")
    assert page.status_code == 404 and "页面不存在" in page.text and "Page not found" in page.text


def test_api_paths_get_json_errors(client, city):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404 and response.headers["content-type"].startswith("application/json")


def test_large_text_mode_is_rendered_from_its_cookie(client, city):
    assert 'class="big"' not in client.get("/").text
    client.cookies.set("lianxin_big", "1")
    page = client.get("/")
    assert '<html lang="zh-CN" class="big"' in page.text and 'aria-pressed="true"' in page.text


@pytest.mark.parametrize(
    "path",
    [
        "/static/vendor/htmx/htmx.min.js",
        "/static/vendor/leaflet/leaflet.js",
        "/static/vendor/leaflet/leaflet.css",
        "/static/vendor/echarts/echarts.min.js",
        "/static/css/site.css",
        "/static/js/site.js",
    ],
)
def test_vendored_assets_are_served_locally(client, path):
    response = client.get(path)
    assert response.status_code == 200 and len(response.content) > 500


def test_every_page_links_assets_only_from_this_site(client, city):
    import re

    for path in ("/", "/track", "/login", "/stats"):
        html = client.get(path).text
        for url in re.findall(r'(?:src|href)="([^"]+)"', html):
            assert not url.startswith(("http://", "https://", "//")) or url.startswith("http://testserver/"), (
                path,
                url,
            )


def test_a_request_commits_before_its_response_and_rolls_back_on_an_error(live_settings, live_server):
    """Against a real database: a redirect's next page must see the change; an error page saves nothing."""
    from anyio import to_thread
    from fastapi.testclient import TestClient
    from sqlalchemy import select

    from lianxin.app import create_app
    from lianxin.errors import InvalidInput
    from lianxin.orgs.models import Jurisdiction
    from lianxin.web.deps import get_session

    app = create_app(live_settings)
    seen_at_response: list[bool] = []

    @app.get("/_probe/write/{code}")
    def write(code: str, fail: bool = False, session=Depends(get_session)):
        session.add(Jurisdiction(code=code, name="探针"))
        session.flush()
        if fail:
            raise InvalidInput("探针失败", "probe failed")
        return {"ok": True}

    def committed(code: str) -> bool:
        with live_server.sessionmaker() as other:
            return other.scalar(select(Jurisdiction.id).where(Jurisdiction.code == code)) is not None

    async def watching(scope, receive, send):  # looks at the database the moment the response starts
        async def watch(message):
            if message["type"] == "http.response.start" and scope["path"].endswith("probe-ok"):
                seen_at_response.append(await to_thread.run_sync(committed, "probe-ok"))
            await send(message)

        await app(scope, receive, watch)

    with TestClient(watching) as client:
        assert client.get("/_probe/write/probe-ok").status_code == 200
        assert client.get("/_probe/write/probe-bad?fail=1").status_code == 422
    assert seen_at_response == [True] and not committed("probe-bad")


def test_domains_add_their_messages_to_the_catalogue_and_cannot_redefine_others():
    from lianxin.web.i18n import MESSAGES, register_messages, split_message, translate

    try:
        register_messages({"probe.hello": ("你好", "Hello")})
        assert translate("probe.hello", "zh-CN") == "你好" and translate("probe.hello", "en") == "Hello"
        assert translate("probe.unknown", "en") == "probe.unknown"
        with pytest.raises(ValueError):
            register_messages({"nav.track": ("别的", "Other")})
    finally:
        MESSAGES.pop("probe.hello", None)
    assert split_message("电话号码格式不正确 / invalid phone number", "en") == "invalid phone number"
    assert split_message("电话号码格式不正确 / invalid phone number", "zh-CN") == "电话号码格式不正确"


def test_every_page_names_the_favicon_and_favicon_ico_is_served(client):
    page = client.get("/")
    assert 'rel="icon" href="/static/img/favicon.svg"' in page.text
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/x-icon"
    assert icon.content[:4] == b"\x00\x00\x01\x00"  # an ICO file
    svg = client.get("/static/img/favicon.svg")
    assert svg.status_code == 200 and svg.text.startswith("<svg")
