"""Personal data on the staff pages and in the API: a confidential 举报's content is masked for the lead
unit's handler and shown in full to the centre; every unmasked view is logged, and only the auditor reads
the log (page and API)."""

from __future__ import annotations

from sqlalchemy import select

from lianxin.api.keys import create_api_key
from lianxin.appeals.models import PersonalDataView
from lianxin.appeals.service import dispatch_appeal
from lianxin.orgs.models import Role
from lianxin.orgs.service import create_user
from tests.factories import PASSWORD, new_appeal
from tests.web.staff.helpers import as_user

REPORT = "举报：某饭店在居民楼下违规排放油烟，我是楼上住户，电话13666668888，请为我保密。"


def _report(db, city):
    appeal = new_appeal(db, city, appeal_type="report", confidential=True, content=REPORT, title="饭店违规排放油烟")
    dispatch_appeal(db, appeal, city.units["street"], actor=city.users["dispatcher"])
    return appeal


def _views(db, appeal):
    return db.scalars(select(PersonalDataView).where(PersonalDataView.appeal_id == appeal.id)).all()


def _auditor(db, city):
    return create_user(
        db,
        jurisdiction_id=city.jid,
        username=f"{city.jurisdiction.code}-auditor",
        display_name="审计员甲",
        password=PASSWORD,
        grants=[(Role.AUDITOR, city.units["centre"])],
    )


def _key(db, city, role, unit):
    _, secret = create_api_key(
        db, jurisdiction_id=city.jid, name=f"{role} client", channel="api", grants=[(role, city.units[unit])]
    )
    return {"Authorization": f"Bearer {secret}"}


def test_a_confidential_reports_content_is_masked_for_the_handler_and_whole_for_the_centre(client, db, city):
    appeal = _report(db, city)
    as_user(client, city, "street_handler")
    page = client.get(f"/staff/appeals/{appeal.order_no}").text
    assert "13666668888" not in page and "136****8888" in page and "违规排放油烟" in page
    assert _views(db, appeal) == []
    as_user(client, city, "dispatcher")
    page = client.get(f"/staff/appeals/{appeal.order_no}").text
    assert "13666668888" in page and "13800138000" in page
    [view] = _views(db, appeal)
    assert view.user_id == city.users["dispatcher"].id and view.interface == "web"


def test_the_api_masks_content_for_keys_without_the_right_and_logs_the_others(client, db, city):
    appeal = _report(db, city)
    body = client.get(f"/api/v1/appeals/{appeal.order_no}", headers=_key(db, city, "handler", "street")).json()
    assert "13666668888" not in body["content"] and "136****8888" in body["content"]
    assert body["personal_data_masked"] and body["appellant_phone"] == "138****8000"
    assert _views(db, appeal) == []
    body = client.get(f"/api/v1/appeals/{appeal.order_no}", headers=_key(db, city, "dispatcher", "centre")).json()
    assert "13666668888" in body["content"] and body["appellant_phone"] == "13800138000"
    [view] = _views(db, appeal)
    assert view.interface == "api"
    listed = client.get(
        "/api/v1/appeals", params={"q": appeal.order_no}, headers=_key(db, city, "handler", "street")
    ).json()
    assert [i["content"] for i in listed["items"]] == [body["content"].replace("13666668888", "136****8888")]


def test_the_api_list_logs_each_unmasked_appeal_it_shows_once(client, db, city):
    first, second = _report(db, city), _report(db, city)
    listed = client.get("/api/v1/appeals", headers=_key(db, city, "dispatcher", "centre")).json()
    assert {first.order_no, second.order_no} <= {i["order_no"] for i in listed["items"]}
    assert [len(_views(db, a)) for a in (first, second)] == [1, 1]
    assert {v.interface for v in _views(db, first) + _views(db, second)} == {"api"}
    client.get("/api/v1/appeals", headers=_key(db, city, "handler", "street"))  # masked: nothing to log
    assert [len(_views(db, a)) for a in (first, second)] == [1, 1]


def test_every_unmasked_view_is_on_the_auditors_page_and_api_and_nobody_elses(client, db, city):
    appeal = _report(db, city)
    other = new_appeal(db, city)
    as_user(client, city, "dispatcher")
    client.get(f"/staff/appeals/{appeal.order_no}")
    as_user(client, city, "operator")
    client.get(f"/staff/appeals/{other.order_no}")
    client.get(f"/api/v1/appeals/{appeal.order_no}", headers=_key(db, city, "dispatcher", "centre"))
    assert len(_views(db, appeal)) == 2 and len(_views(db, other)) == 1

    auditor = _auditor(db, city)
    client.cookies.clear()
    from tests.helpers import login

    login(client, auditor.username, PASSWORD)
    page = client.get("/staff/audit")
    assert page.status_code == 200 and 'id="audit-total">3<' in page.text
    assert appeal.order_no in page.text and other.order_no in page.text
    filtered = client.get("/staff/audit", params={"appeal": appeal.order_no, "user": city.users["dispatcher"].id})
    assert 'id="audit-total">1<' in filtered.text and other.order_no not in filtered.text
    assert 'id="audit-total">0<' in client.get("/staff/audit", params={"from": "2000-01-01", "to": "2000-01-02"}).text
    assert client.get(f"/staff/appeals/{appeal.order_no}").status_code == 403  # the auditor sees no appeal

    headers = _key(db, city, "auditor", "centre")
    data = client.get("/api/v1/audit/personal-data-views", headers=headers).json()
    assert data["total"] == 3 and {i["order_no"] for i in data["items"]} == {appeal.order_no, other.order_no}
    assert {i["interface"] for i in data["items"]} == {"web", "api"}
    one = client.get("/api/v1/audit/personal-data-views", params={"order_no": other.order_no}, headers=headers).json()
    assert [(i["username"], i["interface"]) for i in one["items"]] == [(city.users["operator"].username, "web")]
    paged = client.get("/api/v1/audit/personal-data-views", params={"page_size": 2, "page": 2}, headers=headers).json()
    assert paged["total"] == 3 and len(paged["items"]) == 1

    for key in ("dispatcher", "admin", "leader", "street_handler"):
        as_user(client, city, key)
        assert client.get("/staff/audit").status_code == 403, key
    for role, unit in (("dispatcher", "centre"), ("admin", "city"), ("leader", "city")):
        response = client.get("/api/v1/audit/personal-data-views", headers=_key(db, city, role, unit))
        assert response.status_code == 403, role
