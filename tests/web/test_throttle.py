"""Abuse (issue 10 §4): rate limits on public intake, Open311 POST, /track and private links, a lockout
after wrong passwords, and OpenAPI documents for staff only. Each test sets its own limits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from lianxin.api.keys import create_api_key
from lianxin.app import create_app
from lianxin.appeals.models import Appeal
from lianxin.web.deps import get_session
from tests.factories import PASSWORD, new_appeal
from tests.helpers import csrf_from, login
from tests.web.test_intake import filled, open_form


@pytest.fixture
def make_client(db, settings, city):
    """``make_client(rate_…=…)``: an app on the test session with these settings (and the test city public)."""
    clients = []

    def make(**overrides) -> TestClient:
        app = create_app(settings.model_copy(update={"public_jurisdiction": city.jurisdiction.code} | overrides))
        app.dependency_overrides[get_session] = lambda: db
        client = TestClient(app)
        clients.append(client.__enter__())
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def appeals(db) -> int:
    return db.scalar(select(func.count(Appeal.id)))


def assert_limited(response) -> None:
    """429 with Retry-After and the reason in the page's language (error pages show both languages)."""
    assert response.status_code == 429, response.text
    assert int(response.headers["Retry-After"]) >= 1
    assert "操作过于频繁" in response.text


def test_one_address_flooding_the_appeal_form_gets_429_and_nothing_more_is_stored(make_client, db, clock):
    limit = 20  # the default
    client = make_client(rate_intake_per_address=f"{limit}/1h")
    before = appeals(db)
    for n in range(limit):
        response = client.post(
            "/appeal",
            data=filled(open_form(client), content=f"第{n}件：小区门口的垃圾三天没人清运"),
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
    for n in range(5):
        assert_limited(
            client.post(
                "/appeal",
                data=filled(open_form(client), content=f"又一件{n}：路灯不亮了好几天"),
                follow_redirects=False,
            )
        )
    assert appeals(db) == before + limit
    page = client.post("/appeal", data=filled(open_form(client)))
    assert "too many requests" in page.text  # the error page carries both languages
    clock.shift(timedelta(hours=1))  # the next window
    assert (
        client.post(
            "/appeal", data=filled(open_form(client), content="新的一小时：井盖松动很危险"), follow_redirects=False
        ).status_code
        == 303
    )


def test_a_signed_in_grid_worker_is_counted_per_account_not_per_address(make_client, db, city, clock):
    client = make_client(rate_intake_per_address="2/1h")
    for n in range(2):
        client.post("/appeal", data=filled(open_form(client), content=f"居民{n}：小区门口的垃圾三天没人清运"))
    assert_limited(client.post("/appeal", data=filled(open_form(client), content="第三件：小区门口的垃圾没人清运")))
    login(client, city.users["grid_worker"].username, PASSWORD)  # same address, signed in: the account's own count
    for n in range(2):
        response = client.post(
            "/appeal", data=filled(open_form(client), content=f"巡查{n}：路面坑洼需修补"), follow_redirects=False
        )
        assert response.status_code == 303
    assert_limited(client.post("/appeal", data=filled(open_form(client), content="巡查：井盖松动")))


def open311_form(db, city, secret: str, **extra) -> dict:
    from tests.open311.test_georeport import _form, _lamp

    return _form(secret, _lamp(db, city), **extra) | {"jurisdiction_id": city.jurisdiction.code}


def test_open311_post_is_limited_per_address_in_the_spec_error_shape(make_client, db, city, clock):
    _, secret = create_api_key(db, jurisdiction_id=city.jid, name="市民App", channel="mobile")
    client = make_client(rate_open311_per_address="3/10m")
    before = appeals(db)
    for n in range(3):
        form = open311_form(db, city, secret, description=f"第{n}件：3号楼门口的路灯坏了一周")
        assert client.post("/open311/v2/requests.json", data=form).status_code == 200
    assert appeals(db) == before + 3
    before = appeals(db)
    refused = client.post("/open311/v2/requests.json", data=form)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    body = refused.json()
    assert body[0]["code"] == 429 and "操作过于频繁" in body[0]["description"] and "too many" in body[0]["description"]
    xml = client.post("/open311/v2/requests.xml", data=form)
    assert xml.status_code == 429 and "<errors>" in xml.text
    assert appeals(db) == before


def test_open311_post_is_limited_per_api_key(make_client, db, city, clock):
    _, secret = create_api_key(db, jurisdiction_id=city.jid, name="市民App", channel="mobile")
    client = make_client(rate_open311_per_key="2/1h")
    for n in range(2):
        form = open311_form(db, city, secret, description=f"第{n}件：路灯不亮了好几天")
        assert client.post("/open311/v2/requests.json", data=form).status_code == 200
    assert client.post("/open311/v2/requests.json", data=form).status_code == 429


def post_login(client: TestClient, username: str, password: str):
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_from(client, "/login")},
        follow_redirects=False,
    )


def test_wrong_passwords_lock_the_account_even_for_the_right_password_until_the_back_off_passes(
    make_client, city, clock
):
    client = make_client(rate_lockout_after=5, rate_lockout_base_seconds=60)
    name = city.users["dispatcher"].username
    for n in range(5):
        assert post_login(client, name, f"wrong-{n}").status_code == 401
    locked = post_login(client, name, PASSWORD)
    assert locked.status_code == 429 and locked.headers["Retry-After"] == "60"
    assert "锁定" in locked.text and 'name="password"' in locked.text  # the login page, with the reason
    assert post_login(client, name.upper() + " ", PASSWORD).status_code == 429  # the same account, spelt differently
    assert post_login(client, city.users["leader"].username, PASSWORD).status_code == 303  # others are not locked
    client.post("/logout", data={"csrf_token": csrf_from(client, "/login")})
    clock.shift(timedelta(seconds=61))
    assert post_login(client, name, "wrong-again").status_code == 401  # the sixth failure: 120 s now
    assert post_login(client, name, PASSWORD).headers.get("Retry-After") == "120"
    clock.shift(timedelta(seconds=121))
    assert post_login(client, name, PASSWORD).status_code == 303  # and the right password clears the count
    client.post("/logout", data={"csrf_token": csrf_from(client, "/login")})
    assert post_login(client, name, "wrong").status_code == 401


def test_one_address_guessing_many_accounts_is_locked_out(make_client, city, clock):
    client = make_client(rate_lockout_after_per_address=4)
    for n in range(4):
        assert post_login(client, f"nobody{n}", "guess").status_code == 401
    assert post_login(client, city.users["dispatcher"].username, PASSWORD).status_code == 429


def test_login_attempts_per_address_are_limited(make_client, city, clock):
    client = make_client(rate_login_per_address="3/5m")
    for _ in range(3):
        post_login(client, "someone", "x")
    assert post_login(client, city.users["dispatcher"].username, PASSWORD).status_code == 429


def test_the_fixtures_log_in_many_times_without_being_throttled(make_client, city):
    client = make_client()
    for _ in range(10):  # the defaults leave room for tests (and offices) that log in often
        login(client, city.users["dispatcher"].username, PASSWORD)


def test_guessing_the_phone_for_one_order_number_gets_429(make_client, db, city, clock):
    appeal = new_appeal(db, city)
    misses = 5  # the default
    client = make_client(rate_track_misses_per_order=f"{misses}/1h")
    token = csrf_from(client)
    for n in range(misses):
        guess = client.post(
            "/track", data={"order_no": appeal.order_no, "phone": f"1380013{n:04d}", "csrf_token": token}
        )
        assert guess.status_code == 404
    for n in range(5):
        assert_limited(
            client.post("/track", data={"order_no": appeal.order_no, "phone": f"1390013{n:04d}", "csrf_token": token})
        )
    english = client.post(
        "/track?lang=en", data={"order_no": appeal.order_no, "phone": "13900000000", "csrf_token": token}
    )
    assert english.status_code == 429 and "too many requests: try again in" in english.text
    # The right phone too: the order number is closed to guessing for the rest of the window.
    assert (
        client.post(
            "/track", data={"order_no": appeal.order_no, "phone": "13800138000", "csrf_token": token}
        ).status_code
        == 429
    )
    other = make_client()  # another order number from a fresh client is unaffected
    other_appeal = new_appeal(db, city)
    assert (
        other.post(
            "/track", data={"order_no": other_appeal.order_no, "phone": "13800138000", "csrf_token": csrf_from(other)}
        ).status_code
        == 200
    )


def test_track_lookups_per_address_are_limited(make_client, db, city, clock):
    appeal = new_appeal(db, city)
    client = make_client(rate_track_per_address="3/10m")
    token = csrf_from(client)
    for _ in range(3):
        assert (
            client.post(
                "/track", data={"order_no": appeal.order_no, "phone": "13800138000", "csrf_token": token}
            ).status_code
            == 200
        )
    assert_limited(
        client.post("/track", data={"order_no": appeal.order_no, "phone": "13800138000", "csrf_token": token})
    )


def test_guessing_private_links_and_rating_phones_gets_429(make_client, db, city, clock):
    appeal = new_appeal(db, city)
    client = make_client(rate_link_misses_per_address="3/10m")
    assert client.get(f"/t/{appeal.tracking_token}").status_code == 200  # hits are free
    for n in range(3):
        assert client.get(f"/t/guess-{n}-xxxxxxxxxxxxxxxx").status_code == 404
    assert_limited(client.get("/t/guess-9-xxxxxxxxxxxxxxxx"))
    assert client.get(f"/t/{appeal.tracking_token}").status_code == 429  # the address is paused for a while


def test_openapi_of_the_web_app_is_refused_anonymously_and_served_to_staff(make_client, db, city):
    client = make_client()
    assert client.get("/openapi.json").status_code == 401
    assert client.get("/openapi.json", headers={"Accept": "application/json"}).json()["code"] == "unauthenticated"
    login(client, city.users["dispatcher"].username, PASSWORD)
    spec = client.get("/openapi.json")
    assert spec.status_code == 200 and "/login" in spec.json()["paths"]
    assert any(path.startswith("/staff/admin") for path in spec.json()["paths"])


def test_api_openapi_and_docs_are_for_api_keys_and_staff(make_client, db, city):
    client = make_client()
    assert client.get("/api/openapi.json").status_code == 401
    assert client.get("/api/openapi.json").json()["code"] == "unauthenticated"
    docs = client.get("/api/docs", follow_redirects=False)
    assert docs.status_code == 303 and docs.headers["location"].startswith("/login?next=/api/docs")
    _, secret = create_api_key(db, jurisdiction_id=city.jid, name="fuzz", channel="api", grants=[])
    assert client.get("/api/openapi.json", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    assert client.get("/api/openapi.json", headers={"X-API-Key": secret}).status_code == 200
    login(client, city.users["dispatcher"].username, PASSWORD)
    assert "/v1/appeals" in client.get("/api/openapi.json").json()["paths"]
    page = client.get("/api/docs")
    assert (
        page.status_code == 200
        and "/api/openapi.json" in page.text
        and "/api/docs-static/swagger-ui-bundle.js" in page.text
    )


def test_residents_tracking_their_own_appeal_often_are_not_counted_as_guessing(make_client, db, city, clock):
    appeal = new_appeal(db, city)
    client = make_client(rate_track_misses_per_order="2/1h", rate_track_per_address="50/10m")
    token = csrf_from(client)
    for _ in range(6):
        assert (
            client.post(
                "/track", data={"order_no": appeal.order_no, "phone": "13800138000", "csrf_token": token}
            ).status_code
            == 200
        )
    for _ in range(2):
        assert (
            client.post(
                "/track", data={"order_no": appeal.order_no, "phone": "13900000000", "csrf_token": token}
            ).status_code
            == 404
        )
    assert (
        client.post(
            "/track", data={"order_no": appeal.order_no, "phone": "13900000001", "csrf_token": token}
        ).status_code
        == 429
    )


def test_guessing_the_phone_when_rating_gets_429_and_the_right_phone_is_not_counted(make_client, db, city, clock):
    from tests.web.test_resident import replied_appeal

    appeal = replied_appeal(db, city)
    client = make_client(rate_link_misses_per_address="3/10m")
    token = csrf_from(client, f"/t/{appeal.tracking_token}")
    for _ in range(5):  # views of a known link are free
        assert client.get(f"/t/{appeal.tracking_token}").status_code == 200
    rating = {"solved": "yes", "satisfaction": "satisfied", "csrf_token": token}
    for n in range(3):
        assert (
            client.post(f"/t/{appeal.tracking_token}/rate", data=rating | {"phone": f"1390000000{n}"}).status_code
            == 403
        )
    assert_limited(client.post(f"/t/{appeal.tracking_token}/rate", data=rating | {"phone": "13800138000"}))
