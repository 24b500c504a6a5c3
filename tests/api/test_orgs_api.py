"""Units, categories, users and API keys over the API."""

from __future__ import annotations


def test_units_and_categories_of_the_callers_jurisdiction(client, city, make_key):
    headers = make_key("handler", "street")
    units = client.get("/api/v1/units", headers=headers).json()
    by_code = {u["code"]: u for u in units}
    street = by_code[city.units["street"].code]
    assert street["name"] == "和平街道" and street["parent_code"] == city.units["district"].code
    streets = client.get("/api/v1/units", params={"kind": "street"}, headers=headers).json()
    assert {u["kind"] for u in streets} == {"street"} and len(streets) == 2
    categories = client.get("/api/v1/categories", headers=headers).json()
    assert categories and all(c["level"] == 1 or c["parent_code"] for c in categories)


def test_only_admins_list_and_create_users(client, city, make_key):
    admin = make_key("admin", "city")
    assert client.get("/api/v1/users", headers=make_key("dispatcher")).status_code == 403
    body = {
        "username": "new-handler",
        "display_name": "新承办人",
        "password": "long-enough-pass",
        "grants": [{"role": "handler", "unit": city.units["street"].code}],
    }
    created = client.post("/api/v1/users", json=body, headers=admin)
    assert created.status_code == 201, created.text
    assert created.json()["grants"] == [{"role": "handler", "unit": city.units["street"].code}]
    listed = {u["username"] for u in client.get("/api/v1/users", headers=admin).json()}
    assert "new-handler" in listed and not any(name.startswith("apikey-") for name in listed)
    again = client.post("/api/v1/users", json=body, headers=admin)
    assert again.status_code == 422 and again.json()["field"] == "username"
    short = client.post("/api/v1/users", json=body | {"username": "other", "password": "short"}, headers=admin)
    assert short.status_code == 422 and short.json()["field"] == "password"


def test_admins_issue_list_and_revoke_keys_through_the_api(client, city, make_key):
    admin = make_key("admin", "city")
    made = client.post(
        "/api/v1/apikeys",
        headers=admin,
        json={
            "name": "区网格系统",
            "channel": "grid_patrol",
            "grants": [{"role": "grid_worker", "unit": city.units["grid"].code}],
        },
    )
    assert made.status_code == 201, made.text
    key, prefix = made.json()["key"], made.json()["prefix"]
    new_headers = {"Authorization": f"Bearer {key}"}
    assert client.get("/api/v1/appeals", headers=new_headers).status_code == 200
    listed = {k["prefix"]: k for k in client.get("/api/v1/apikeys", headers=admin).json()}
    assert listed[prefix]["last_used_at"] is not None and "key" not in listed[prefix]
    revoked = client.post(f"/api/v1/apikeys/{prefix}/revoke", headers=admin)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert client.get("/api/v1/appeals", headers=new_headers).status_code == 401
    assert client.post("/api/v1/apikeys", headers=make_key("dispatcher"), json={"name": "x"}).status_code == 403


def test_a_key_cannot_revoke_itself(client, db, make_key):
    from lianxin.api.keys import authenticate

    admin = make_key("admin", "city")
    own = authenticate(db, admin["Authorization"].removeprefix("Bearer "))
    response = client.post(f"/api/v1/apikeys/{own.prefix}/revoke", headers=admin)
    assert response.status_code == 409 and own.revoked_at is None
