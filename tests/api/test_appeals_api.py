"""Listing, filtering, searching, scoping and counting appeals through the API."""

from __future__ import annotations

from lianxin.appeals.service import dispatch_appeal
from tests.factories import new_appeal


def _orders(response) -> set[str]:
    assert response.status_code == 200, response.text
    return {item["order_no"] for item in response.json()["items"]}


def test_a_handler_lists_only_appeals_its_units_worked_on_and_the_centre_lists_all(client, db, city, make_key):
    ours = new_appeal(db, city)
    theirs = new_appeal(db, city, content="安定街道某小区垃圾清运不及时，楼下堆满垃圾。")
    waiting = new_appeal(db, city, content="咨询一下居住证办理需要哪些材料。")
    dispatch_appeal(db, ours, city.units["street"], actor=city.users["dispatcher"])
    dispatch_appeal(db, theirs, city.units["street2"], actor=city.users["dispatcher"])
    assert _orders(client.get("/api/v1/appeals", headers=make_key("handler", "street"))) == {ours.order_no}
    centre = _orders(client.get("/api/v1/appeals?page_size=100", headers=make_key("dispatcher")))
    assert {ours.order_no, theirs.order_no, waiting.order_no} <= centre
    district = _orders(client.get("/api/v1/appeals?page_size=100", headers=make_key("leader", "district")))
    assert {ours.order_no, theirs.order_no} <= district and waiting.order_no in district  # located in its community
    nobody = client.get("/api/v1/appeals", headers=make_key(None)).json()
    assert nobody["items"] == [] and nobody["total"] == 0


def test_filters_search_sort_and_pages(client, db, city, make_key):
    lamp = new_appeal(db, city)
    rubbish = new_appeal(db, city, content="安定街道某小区垃圾清运不及时，楼下堆满垃圾。", title="垃圾清运")
    dispatch_appeal(db, rubbish, city.units["street2"], actor=city.users["dispatcher"])
    headers = make_key("dispatcher")
    assert _orders(client.get("/api/v1/appeals", params={"q": "垃圾", "page_size": 100}, headers=headers)) == {
        rubbish.order_no
    }
    assert _orders(client.get("/api/v1/appeals", params={"q": lamp.order_no}, headers=headers)) == {lamp.order_no}
    dispatched = _orders(
        client.get("/api/v1/appeals", params={"status": "dispatched", "page_size": 100}, headers=headers)
    )
    assert rubbish.order_no in dispatched and lamp.order_no not in dispatched
    by_unit = _orders(client.get("/api/v1/appeals", params={"lead_unit": rubbish.lead_unit.code}, headers=headers))
    assert by_unit == {rubbish.order_no}
    both = client.get(
        "/api/v1/appeals",
        params={"status": ["received", "dispatched"], "page_size": 1, "sort": "received_at"},
        headers=headers,
    ).json()
    assert both["total"] >= 2 and len(both["items"]) == 1 and both["page_size"] == 1
    second = client.get(
        "/api/v1/appeals",
        params={"status": ["received", "dispatched"], "page_size": 1, "page": 2, "sort": "received_at"},
        headers=headers,
    ).json()
    assert second["items"][0]["order_no"] != both["items"][0]["order_no"]


def test_bad_query_parameters_get_422_not_500(client, make_key):
    headers = make_key("dispatcher")
    for params in (
        {"status": "lost"},
        {"page": 0},
        {"page_size": 1000},
        {"sort": "random"},
        {"received_from": "2026-01-01T00:00:00"},
        {"overdue": "maybe"},
    ):
        response = client.get("/api/v1/appeals", params=params, headers=headers)
        assert response.status_code == 422, params
        assert response.json()["code"] == "invalid"


def test_masking_applies_to_list_items_too(client, db, city, make_key):
    appeal = new_appeal(db, city)
    dispatch_appeal(db, appeal, city.units["street"], actor=city.users["dispatcher"])
    items = client.get("/api/v1/appeals", params={"q": appeal.order_no}, headers=make_key("leader", "city")).json()[
        "items"
    ]
    assert items[0]["appellant_phone"] == "138****8000"


def test_counts_by_status_unit_and_period_are_scoped(client, db, city, make_key):
    first = new_appeal(db, city)
    new_appeal(db, city)
    dispatch_appeal(db, first, city.units["street"], actor=city.users["dispatcher"])
    headers = make_key("handler", "street")
    by_status = client.get("/api/v1/appeals/counts", params={"by": "status"}, headers=headers).json()
    assert by_status["total"] == 1 and by_status["rows"] == [{"key": "dispatched", "count": 1}]
    by_unit = client.get("/api/v1/appeals/counts", params={"by": "lead_unit"}, headers=headers).json()
    assert by_unit["rows"] == [{"key": city.units["street"].code, "count": 1}]
    centre = client.get("/api/v1/appeals/counts", params={"by": "day"}, headers=make_key("dispatcher")).json()
    assert centre["total"] >= 2 and all(len(row["key"]) == 10 for row in centre["rows"])
    assert client.get("/api/v1/appeals/counts", params={"by": "weekday"}, headers=headers).status_code == 422
