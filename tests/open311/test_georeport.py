"""Open311 GeoReport v2, endpoint by endpoint, in both formats, against the spec's schemas."""

from __future__ import annotations

import io
import re

from PIL import Image
from sqlalchemy import event, select

from lianxin.appeals.models import Appeal, Attachment
from lianxin.appeals.service import close_appeal, dispatch_appeal, record_contact, reply_to_appeal, sign_appeal
from lianxin.defaults import category_by_path
from lianxin.open311.models import Open311Request
from lianxin.open311.service import set_category_attribute
from tests.factories import build_city, new_appeal
from tests.open311.conftest import parse_xml

LAMP = "城乡建设/市政设施/路灯故障"


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (12, 8), (0, 128, 255)).save(out, format="PNG")
    return out.getvalue()


PNG = _png()


def _lamp(db, city):
    return category_by_path(db, city.jid, LAMP)


def _ask_pole_number(db, city):
    category = _lamp(db, city)
    set_category_attribute(
        db,
        category,
        actor=city.users["admin"],
        code="pole",
        datatype="string",
        required=True,
        description="路灯杆上的编号",
    )
    set_category_attribute(
        db,
        category,
        actor=city.users["admin"],
        code="kind",
        datatype="multivaluelist",
        description="故障现象",
        values=[("dark", "不亮"), ("flicker", "闪烁"), ("daytime", "白天亮")],
    )
    return category


def _form(key: str, category, **extra) -> dict:
    return {
        "api_key": key,
        "service_code": category.code,
        "lat": "39.9042",
        "long": "116.4074",
        "address_string": "和平里小区3号楼",
        "description": "3号楼门口的路灯坏了一周，晚上很黑。",
        "phone": "13900005555",
        "first_name": "四",
        "last_name": "李",
    } | extra


def test_discovery_lists_this_endpoint_in_both_formats(o311):
    data = o311.get("discovery", "discovery")
    endpoint = data["endpoints"][0]
    assert (
        endpoint["url"].endswith("/open311/v2") and endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    )
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}


def test_services_are_the_active_leaf_categories_with_metadata_where_they_ask_questions(o311, db, city):
    category = _ask_pole_number(db, city)
    services = o311.get("services", "services")
    by_code = {s["service_code"]: s for s in services}
    assert by_code[category.code]["metadata"] is True and by_code[category.code]["service_name"] == "路灯故障"
    assert (
        by_code[category.code]["group"] == "城乡建设"
        and by_code[category.code]["keywords"] == "城乡建设,市政设施,路灯故障"
    )
    assert all(s["type"] == "realtime" for s in services)
    assert sum(s["metadata"] for s in services) == 1
    parent = category_by_path(db, city.jid, "城乡建设/市政设施")
    assert parent.code not in by_code


def test_a_service_definition_lists_its_attributes_in_order(o311, db, city):
    category = _ask_pole_number(db, city)
    definition = o311.get(f"services/{category.code}", "service_definition")
    assert definition["service_code"] == category.code
    pole, kind = definition["attributes"]
    assert pole == {
        "variable": True,
        "code": "pole",
        "datatype": "string",
        "required": True,
        "description": "路灯杆上的编号",
        "order": 1,
    }
    assert kind["datatype"] == "multivaluelist" and kind["order"] == 2
    assert kind["values"] == [
        {"key": "dark", "name": "不亮"},
        {"key": "flicker", "name": "闪烁"},
        {"key": "daytime", "name": "白天亮"},
    ]
    empty = o311.get(
        f"services/{category_by_path(db, city.jid, '城乡建设/市政设施/道路破损').code}", "service_definition"
    )
    assert empty["attributes"] == []
    errors = o311.get("services/NOPE", "service_definition", expect=404)
    assert errors[0]["code"] == 404


def test_post_creates_an_appeal_through_the_keys_channel(o311, db, city, api_key):
    category = _ask_pole_number(db, city)
    form = _form(api_key, category) | {
        "attribute[pole]": "LD-0421",
        "attribute[kind][]": ["dark", "flicker"],
        "email": "li@example.cn",
        "device_id": "dev-1",
        "media_url": "https://img.example.cn/1.jpg",
    }
    [created] = o311.post(form)
    appeal = db.scalar(select(Appeal).where(Appeal.order_no == created["service_request_id"]))
    assert str(appeal.channel) == "mobile" and appeal.category_id == category.id and appeal.received_by_id is None
    assert (appeal.lat, appeal.lng, appeal.address) == (39.9042, 116.4074, "和平里小区3号楼")
    assert appeal.appellant_phone == "13900005555" and appeal.appellant_name == "李四"
    extra = db.scalar(select(Open311Request).where(Open311Request.appeal_id == appeal.id))
    assert extra.attributes == {"pole": "LD-0421", "kind": ["dark", "flicker"]} and extra.email == "li@example.cn"
    assert "token" not in created and created["service_notice"]


def test_post_answers_in_xml_too(o311, db, city, api_key):
    data = o311.post(_form(api_key, _lamp(db, city)), fmt="xml")
    assert data[0]["service_request_id"].isdigit()


def test_post_refuses_a_missing_or_wrong_key_with_403(o311, db, city, api_key):
    form = _form(api_key, _lamp(db, city))
    assert o311.post(form | {"api_key": ""}, expect=403)[0]["code"] == 403
    assert o311.post(form | {"api_key": "lx_000000000000_" + "a" * 43}, expect=403)[0]["code"] == 403
    other = build_city(db)
    form_other = form | {"jurisdiction_id": other.jurisdiction.code, "service_code": _lamp(db, other).code}
    assert o311.post(form_other, expect=403)[0]["code"] == 403


def test_post_validates_location_attributes_and_text_with_400(o311, db, city, api_key):
    category = _ask_pole_number(db, city)
    base = _form(api_key, category) | {"attribute[pole]": "LD-1"}
    cases = [
        base | {"attribute[pole]": ""},  # required attribute missing
        base | {"attribute[kind][]": ["dark", "purple"]},  # not one of the values
        base | {"attribute[colour]": "red"},  # no such attribute
        base | {"long": ""},  # lat without long
        {k: v for k, v in base.items() if k not in ("lat", "long", "address_string")},  # no location
        base | {"lat": "north"},  # not a number
        base | {"description": "坏了"},  # too short to be an appeal
        base | {"description": "长" * 4001},  # longer than the spec allows
        base | {"media_url": "javascript:alert(1)"},
    ]
    for form in cases:
        errors = o311.post(form, expect=400)
        assert errors[0]["code"] == 400 and " / " in errors[0]["description"]
    assert o311.post(base | {"service_code": "NOPE"}, expect=404)[0]["code"] == 404
    assert o311.post(base | {"jurisdiction_id": "nowhere"}, expect=404)[0]["code"] == 404


def test_without_a_phone_the_appeal_is_anonymous_and_address_id_alone_is_a_location(o311, db, city, api_key):
    form = {
        "api_key": api_key,
        "service_code": _lamp(db, city).code,
        "address_id": "ADDR-77",
        "description": "路口的路灯白天一直亮着，浪费电。",
    }
    [created] = o311.post(form)
    appeal = db.scalar(select(Appeal).where(Appeal.order_no == created["service_request_id"]))
    assert appeal.anonymous and appeal.appellant_phone is None


def test_multipart_media_upload_is_stored_as_an_intake_attachment(o311, db, city, api_key, settings):
    form = _form(api_key, _lamp(db, city))
    [created] = o311.post(form, files=[("media", ("lamp.png", io.BytesIO(PNG), "image/png"))])
    appeal = db.scalar(select(Appeal).where(Appeal.order_no == created["service_request_id"]))
    [attachment] = db.scalars(select(Attachment).where(Attachment.appeal_id == appeal.id)).all()
    stored = (settings.upload_dir / attachment.storage_key).read_bytes()
    assert attachment.content_type == "image/png" and attachment.size == len(stored)
    with Image.open(io.BytesIO(stored)) as image:  # re-encoded by the web form's checks, still the same picture
        assert image.format == "PNG" and image.size == (12, 8)
    refused = o311.post(form, expect=400, files=[("media", ("x.png", io.BytesIO(b"MZ not an image"), "image/png"))])
    assert refused[0]["code"] == 400


def test_a_retried_post_with_the_same_idempotency_key_returns_the_first_request(o311, db, city, api_key):
    form = _form(api_key, _lamp(db, city))
    first = o311.post(form, headers={"Idempotency-Key": "device-1-report-9"})
    again = o311.post(form, headers={"Idempotency-Key": "device-1-report-9"})
    assert first[0]["service_request_id"] == again[0]["service_request_id"]


def test_a_request_reads_back_with_our_workflow_mapped_and_no_personal_data(o311, db, city, api_key):
    [created] = o311.post(_form(api_key, _lamp(db, city), description="我是李四，电话13900005555，3号楼路灯坏了。"))
    appeal = db.scalar(select(Appeal).where(Appeal.order_no == created["service_request_id"]))
    [item] = o311.get(f"requests/{appeal.order_no}", "requests")
    assert item["status"] == "open" and item["service_code"] == _lamp(db, city).code
    assert "13900005555" not in str(item) and "李四" not in str(item) and "139****5555" in item["description"]
    assert "agency_responsible" not in item and "expected_datetime" not in item
    assert item["requested_datetime"].endswith("+08:00") and item["lat"] == 39.9042 and item["long"] == 116.4074
    handler = city.users["street_handler"]
    dispatch_appeal(db, appeal, city.units["street"], actor=city.users["dispatcher"])
    [dispatched] = o311.get(f"requests/{appeal.order_no}", "requests")
    assert dispatched["agency_responsible"] == "和平街道" and dispatched["expected_datetime"]
    sign_appeal(db, appeal, actor=handler)
    record_contact(db, appeal, actor=handler, note="已联系")
    reply_to_appeal(db, appeal, actor=handler, text="路灯已修复，感谢您的反映。")
    close_appeal(db, appeal, actor=city.users["dispatcher"])
    [closed] = o311.get(f"request/{appeal.order_no}", "requests")
    assert closed["status"] == "closed" and closed["status_notes"] == "路灯已修复，感谢您的反映。"
    assert "expected_datetime" in closed and "service_notice" not in closed
    [extended] = o311.get(f"requests/{appeal.order_no}", "requests", extensions="true")
    ext = extended["extended_attributes"]
    assert ext["status"] == "closed" and ext["channel"] == "mobile" and ext["unit"] == city.units["street"].code
    assert [n["type"] for n in ext["notes"]][:2] == ["submitted", "dispatched"]
    when = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00")  # W3C, to the second, the same in XML (o311.get)
    assert all(when.fullmatch(n["datetime"]) for n in ext["notes"]) and when.fullmatch(extended["updated_datetime"])


def test_a_list_with_extensions_gives_each_request_its_own_notes_in_one_query(o311, db, city):
    quiet = new_appeal(db, city, title="只有受理一步")
    busy = new_appeal(db, city, title="已派单的诉求")
    dispatch_appeal(db, busy, city.units["street"], actor=city.users["dispatcher"])
    statements = []

    def record(_conn, _cursor, sql, *_):
        statements.append(sql)

    event.listen(db.get_bind(), "before_cursor_execute", record)
    try:
        listed = o311.get(
            "requests", "requests", extensions="true", service_request_id=f"{quiet.order_no},{busy.order_no}"
        )
    finally:
        event.remove(db.get_bind(), "before_cursor_execute", record)
    notes = {r["service_request_id"]: [n["type"] for n in r["extended_attributes"]["notes"]] for r in listed}
    assert notes == {quiet.order_no: ["submitted"], busy.order_no: ["submitted", "dispatched"]}
    # in each format: the jurisdiction, the appeals, their Open311 extras and every appeal's events at once
    assert sum("FROM appeal_events" in sql for sql in statements) == 2, statements


def test_requests_filter_by_id_code_status_dates_and_page(o311, db, city, api_key):
    lamp, road = _lamp(db, city), category_by_path(db, city.jid, "城乡建设/市政设施/道路破损")
    one = o311.post(_form(api_key, lamp))[0]["service_request_id"]
    two = o311.post(_form(api_key, road))[0]["service_request_id"]
    hidden = new_appeal(db, city, confidential=True)
    everything = {r["service_request_id"] for r in o311.get("requests", "requests")}
    assert {one, two} <= everything and hidden.order_no not in everything
    assert [
        r["service_request_id"]
        for r in o311.get("requests", "requests", service_request_id=f"{one},{two}", status="closed")
    ] == [one, two]  # ids override the rest
    assert {r["service_request_id"] for r in o311.get("requests", "requests", service_code=road.code)} == {two}
    assert o311.get("requests", "requests", status="closed") == []
    assert {one, two} <= {r["service_request_id"] for r in o311.get("requests", "requests", status="open,closed")}
    assert len(o311.get("requests", "requests", page_size="1")) == 1
    assert (
        o311.get("requests", "requests", page_size="1", page="2")[0]["service_request_id"]
        != o311.get("requests", "requests", page_size="1")[0]["service_request_id"]
    )
    assert (
        o311.get(
            "requests", "requests", start_date="2020-01-01T00:00:00Z", end_date="2020-06-01T00:00:00Z", expect=400
        )[0]["code"]
        == 400
    )  # more than 90 days
    assert o311.get("requests", "requests", start_date="2000-01-01T00:00:00Z", end_date="2000-01-02T00:00:00Z") == []
    assert o311.get("requests", "requests", updated_after="2999-01-01T00:00:00+08:00") == []


def test_empty_parameters_behave_like_absent_ones_and_bad_ones_get_400(o311, db, city, api_key):
    o311.post(_form(api_key, _lamp(db, city)))
    assert o311.get("requests", "requests", status="", service_code="", page="") == o311.get("requests", "requests")
    for params in ({"status": "pending"}, {"page": "0"}, {"page_size": "5000"}, {"start_date": "yesterday"}):
        assert o311.get("requests", "requests", expect=400, **params)[0]["code"] == 400


def test_jurisdiction_id_is_required_when_there_are_several(o311, db, city):
    other = build_city(db)
    assert o311.get("services", "services", expect=400, jurisdiction_id="")[0]["code"] == 400
    assert o311.get("services", "services", jurisdiction_id=other.jurisdiction.code)
    assert o311.get("services", "services", expect=404, jurisdiction_id="nowhere")[0]["code"] == 404


def test_a_token_resolves_to_its_request_id_and_unknown_things_are_404(o311, db, city):
    appeal = new_appeal(db, city)
    assert o311.get(f"tokens/{appeal.tracking_token}", "token_response") == [
        {"service_request_id": appeal.order_no, "token": appeal.tracking_token}
    ]
    assert o311.get("tokens/nope", "token_response", expect=404)[0]["code"] == 404
    assert o311.get("requests/20990101000001", "requests", expect=404)[0]["code"] == 404
    response = o311.client.get("/open311/v2/services.yaml")
    assert response.status_code == 404 and parse_xml(response).find("error/code").text == "404"


def test_only_admins_edit_questions_and_list_types_need_values(db, city):
    import pytest

    from lianxin.errors import InvalidInput, PermissionDenied
    from lianxin.open311.service import attributes_of, remove_category_attribute

    category = _lamp(db, city)
    with pytest.raises(PermissionDenied):
        set_category_attribute(
            db, category, actor=city.users["dispatcher"], code="pole", datatype="string", description="编号"
        )
    for bad in (
        dict(datatype="singlevaluelist", values=[]),
        dict(datatype="string", values=[("a", "A")]),
        dict(datatype="colour"),
        dict(code="has space"),
        dict(description=""),
    ):
        with pytest.raises(InvalidInput):
            set_category_attribute(
                db,
                category,
                actor=city.users["admin"],
                **({"code": "x", "datatype": "string", "description": "说明"} | bad),
            )
    attribute = set_category_attribute(
        db, category, actor=city.users["admin"], code="pole", datatype="number", description="编号"
    )
    again = set_category_attribute(
        db, category, actor=city.users["admin"], code="pole", datatype="string", description="杆号", required=True
    )
    assert again.id == attribute.id and attributes_of(db, category) == [again] and again.order == 1
    remove_category_attribute(db, again, actor=city.users["admin"])
    assert attributes_of(db, category) == []


def test_the_shipped_default_questions_publish_metadata_and_are_stored_with_a_request(o311, db, city, api_key):
    from lianxin.open311.defaults import load_category_attributes

    assert load_category_attributes(db, city.jid) == 6  # what `lianxin init` and the demo load
    assert load_category_attributes(db, city.jid) == 0  # idempotent
    lamp, manhole = _lamp(db, city), category_by_path(db, city.jid, "城乡建设/市政设施/井盖缺失")
    noise = category_by_path(db, city.jid, "环境保护/噪声污染/施工噪声")
    services = {s["service_code"]: s for s in o311.get("services", "services")}
    assert all(services[c.code]["metadata"] is True for c in (lamp, manhole, noise))
    assert services[category_by_path(db, city.jid, "城乡建设/市政设施/道路破损").code]["metadata"] is False
    pole, fault = o311.get(f"services/{lamp.code}", "service_definition")["attributes"]
    assert (pole["code"], pole["datatype"], pole["required"]) == ("lamp_post_no", "string", False)
    assert "路灯杆编号" in pole["description"] and fault["datatype"] == "singlevaluelist"
    kind, state = o311.get(f"services/{manhole.code}", "service_definition")["attributes"]
    assert (kind["code"], kind["datatype"], kind["required"], kind["order"]) == (
        "manhole_type",
        "singlevaluelist",
        True,
        1,
    )
    assert {"key": "sewage", "name": "污水"} in kind["values"] and state["code"] == "manhole_state"
    [when] = o311.get(f"services/{noise.code}", "service_definition")["attributes"]
    assert when["code"] == "time_of_day" and [v["key"] for v in when["values"]] == ["day", "night", "all_day"]

    # a POST carries the answers, which are stored with the request
    [created] = o311.post(
        _form(api_key, manhole, description="小区东门的井盖松动，车辆经过时响声很大。")
        | {"attribute[manhole_type]": "sewage", "attribute[manhole_state]": "loose"}
    )
    appeal = db.scalar(select(Appeal).where(Appeal.order_no == created["service_request_id"]))
    extra = db.scalar(select(Open311Request).where(Open311Request.appeal_id == appeal.id))
    assert extra.attributes == {"manhole_type": "sewage", "manhole_state": "loose"}
    [created] = o311.post(_form(api_key, lamp) | {"attribute[lamp_post_no]": "LD-0421"})
    extra = db.scalar(select(Open311Request).join(Appeal).where(Appeal.order_no == created["service_request_id"]))
    assert extra.attributes == {"lamp_post_no": "LD-0421"}
    # a required question left out, or a value not on the list, is refused
    assert (
        o311.post(_form(api_key, noise, description="工地夜间施工，噪音很大，影响休息。"), expect=400)[0]["code"] == 400
    )
    assert (
        o311.post(
            _form(api_key, noise, description="工地夜间施工，噪音很大，影响休息。")
            | {"attribute[time_of_day]": "dusk"},
            expect=400,
        )[0]["code"]
        == 400
    )
