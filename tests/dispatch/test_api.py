"""/api/v1: dispatch suggestion, repeats, catalogue CRUD, geo lookups and the knowledge base."""

from __future__ import annotations

from shapely.geometry import box, mapping
from sqlalchemy import select

from lianxin.appeals.models import AppealEvent
from lianxin.defaults import category_by_path
from lianxin.dispatch.catalogue import create_rule, list_rules
from lianxin.geo.service import add_place, set_area
from lianxin.knowledge.service import create_entry
from tests.factories import new_appeal


def code(city, key: str) -> str:
    return city.units[key].code


def test_suggest_for_a_stored_appeal_and_for_typed_fields(client, db, city, make_key):
    create_rule(db, actor=None, jurisdiction_id=city.jid, lead_kind="local")
    water = category_by_path(db, city.jid, "公共服务/供水")
    create_rule(db, actor=None, jurisdiction_id=city.jid, category_id=water.id, lead_unit_id=city.units["water"].id)
    appeal = new_appeal(db, city)
    headers = make_key("dispatcher")
    body = client.get("/api/v1/dispatch/suggest", params={"order_no": appeal.order_no}, headers=headers).json()
    assert body["lead_unit"]["code"] == code(city, "street") and body["informed_units"][0]["code"] == code(
        city, "district"
    )
    assert "属地" in body["reason"] and body["location"]["community"]["code"] == code(city, "community")
    stop = category_by_path(db, city.jid, "公共服务/供水/停水")
    typed = client.get(
        "/api/v1/dispatch/suggest",
        headers=headers,
        params={"category": stop.code, "community": code(city, "community")},
    ).json()
    assert typed["lead_unit"]["code"] == code(city, "water") and typed["rule_id"] is not None
    bad = client.get("/api/v1/dispatch/suggest", params={"category": "NOPE"}, headers=headers)
    assert bad.status_code == 422 and bad.json()["field"] == "category"
    assert (
        client.get(
            "/api/v1/dispatch/suggest", params={"order_no": appeal.order_no}, headers=make_key("handler", "street")
        ).status_code
        == 403
    )


def test_repeats_by_order_number_and_by_typed_fields_with_masking_rules(
    client,
    db,
    city,
    make_key,
):
    first = new_appeal(db, city, appellant_phone="13800000001")
    second = new_appeal(db, city, appellant_phone="13800000002")
    headers = make_key("operator")
    found = client.get("/api/v1/repeats", params={"order_no": second.order_no}, headers=headers).json()
    assert [r["appeal"]["order_no"] for r in found] == [first.order_no]
    assert found[0]["score"] > 0 and found[0]["reasons"] and found[0]["reasons_en"]
    typed = client.get(
        "/api/v1/repeats",
        headers=headers,
        params={"phone": "13800000001", "text": "路灯坏了", "community": code(city, "community")},
    ).json()
    assert first.order_no in [r["appeal"]["order_no"] for r in typed]
    assert (
        client.get("/api/v1/repeats", params={"text": "路灯"}, headers=make_key("handler", "street")).status_code == 403
    )
    assert client.get("/api/v1/repeats", params={"text": "路灯", "window_days": 0}, headers=headers).status_code == 422


def test_catalogue_crud_for_admins_with_art_17_and_readable_by_dispatchers(client, db, city, make_key):
    admin = make_key("admin", "city")
    created = client.post(
        "/api/v1/catalogue",
        headers=admin,
        json={"lead_kind": "fixed", "lead_unit": code(city, "urban"), "co_units": [code(city, "water")], "priority": 2},
    )
    assert created.status_code == 201, created.text
    rule = created.json()
    assert rule["lead_unit"]["code"] == code(city, "urban") and rule["co_units"][0]["code"] == code(city, "water")
    sunk = client.post("/api/v1/catalogue", headers=admin, json={"lead_unit": code(city, "community")})
    assert sunk.status_code == 422 and sunk.json()["field"] == "lead_unit_id" and "不得下沉" in sunk.json()["message"]
    patched = client.patch(f"/api/v1/catalogue/{rule['id']}", headers=admin, json={"lead_kind": "local"})
    assert patched.status_code == 200 and patched.json()["lead_unit"] is None
    listed = client.get("/api/v1/catalogue", headers=make_key("dispatcher")).json()
    assert [r["id"] for r in listed] == [rule["id"]]
    assert (
        client.post("/api/v1/catalogue", headers=make_key("dispatcher"), json={"lead_kind": "local"}).status_code == 403
    )
    assert client.delete(f"/api/v1/catalogue/{rule['id']}", headers=admin).status_code == 204
    assert list_rules(db, city.jid) == []
    assert client.delete(f"/api/v1/catalogue/{rule['id']}", headers=admin).status_code == 404


def test_geo_locate_and_boundaries(client, db, city, make_key):
    set_area(db, city.units["street"], mapping(box(116.0, 39.9, 116.1, 40.1)), actor=None)
    set_area(db, city.units["community"], mapping(box(116.0, 39.9, 116.1, 40.0)), actor=None)
    add_place(
        db, actor=None, jurisdiction_id=city.jid, name="和平里小区", kind="compound", unit_id=city.units["grid"].id
    )
    headers = make_key("operator")
    by_point = client.get("/api/v1/geo/locate", params={"lat": 39.95, "lng": 116.05}, headers=headers).json()
    assert by_point["community"]["code"] == code(city, "community") and by_point["source"] == "point"
    by_text = client.get("/api/v1/geo/locate", params={"address": "和平里小区2号楼"}, headers=headers).json()
    assert by_text["grid"]["code"] == code(city, "grid") and by_text["place"] == "和平里小区"
    assert client.get("/api/v1/geo/locate", params={"lat": 39.95}, headers=headers).status_code == 422
    geojson = client.get("/api/v1/geo/boundaries.geojson", params={"kind": "street"}, headers=headers).json()
    assert geojson["type"] == "FeatureCollection" and len(geojson["features"]) == 1
    assert client.get("/api/v1/geo/boundaries.geojson").status_code == 401


def test_knowledge_crud_search_and_answer(client, db, city, make_key):
    water = make_key("handler", "water")
    created = client.post(
        "/api/v1/knowledge/entries",
        headers=water,
        json={
            "question": "小区停水了什么时候来水？",
            "answer": "计划停水会提前张贴通知，超过公告时间仍未来水请报修。",
            "owner_unit": code(city, "water"),
            "tags": ["停水"],
        },
    )
    assert created.status_code == 201, created.text
    entry = created.json()
    foreign = client.post(
        "/api/v1/knowledge/entries",
        headers=water,
        json={
            "question": "住房公积金怎么提取？",
            "answer": "租房购房均可提取公积金。",
            "owner_unit": code(city, "housing"),
        },
    )
    assert foreign.status_code == 403
    hits = client.get("/api/v1/knowledge/search", params={"q": "停水了怎么办"}, headers=make_key("operator")).json()
    assert hits[0]["entry"]["id"] == entry["id"] and hits[0]["score"] > 0
    patched = client.patch(f"/api/v1/knowledge/entries/{entry['id']}", headers=water, json={"valid_to": "2000-01-01"})
    assert patched.status_code == 200
    assert client.get("/api/v1/knowledge/search", params={"q": "停水"}, headers=make_key("operator")).json() == []
    client.patch(f"/api/v1/knowledge/entries/{entry['id']}", headers=water, json={"valid_to": None})
    appeal = new_appeal(db, city, appeal_type="consult", content="请问小区停水了什么时候来水？")
    answered = client.post(
        f"/api/v1/knowledge/entries/{entry['id']}/answer",
        headers=make_key("operator"),
        json={"order_no": appeal.order_no},
    )
    assert answered.status_code == 200, answered.text
    assert answered.json()["status"] == "replied"
    event = db.scalar(select(AppealEvent).where(AppealEvent.appeal_id == appeal.id, AppealEvent.kind == "answered"))
    assert event.payload["kb_entry_id"] == entry["id"]
    retired = client.delete(f"/api/v1/knowledge/entries/{entry['id']}", headers=water)
    assert retired.status_code == 200 and retired.json()["active"] is False
    listed = client.get("/api/v1/knowledge/entries", params={"include_inactive": True}, headers=water).json()
    assert [e["use_count"] for e in listed] == [1]


def test_kb_entry_of_another_jurisdiction_is_not_found(client, db, city, make_key):
    from tests.factories import build_city

    other = build_city(db)
    entry = create_entry(
        db,
        actor=None,
        jurisdiction_id=other.jid,
        question="别处的问题是什么？",
        answer="别处的答案内容。",
        owner_unit_id=other.units["water"].id,
    )
    assert client.get(f"/api/v1/knowledge/entries/{entry.id}", headers=make_key("operator")).status_code == 404
