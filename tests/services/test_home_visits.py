"""上门办: a resident who cannot come asks for a home visit for an item offered so; the department agrees a
working-day time before the deadline and the applicant is told; the pages list and schedule the visits."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from lianxin.errors import InvalidInput, PermissionDenied
from lianxin.notify import Notification
from lianxin.services import service as svc
from lianxin.services.models import Application
from tests.factories import PASSWORD
from tests.helpers import csrf_from, login
from tests.services.conftest import sign_in_resident

FORM = {"name": "李明", "address": "和平里3号楼"}


def at(text: str) -> datetime:
    return datetime.fromisoformat(f"{text}+08:00")


def test_a_home_visit_is_asked_for_and_agreed(db, city, cat, resident, clock):
    me = resident()
    with pytest.raises(InvalidInput, match="不提供上门"):
        svc.apply(db, item=cat.transfer, form=FORM, account=me, visit_address="和平里3号楼2单元")
    with pytest.raises(InvalidInput, match="上门地址"):
        svc.apply(db, item=cat.subsidy, form=FORM, account=me, visit_address="3号")
    with pytest.raises(InvalidInput, match="不提供上门"):
        svc.apply(db, bundle=cat.bundle, form=FORM, account=me, visit_address="和平里3号楼2单元")
    app = svc.apply(db, item=cat.subsidy, form=FORM, account=me, visit_address="和平里3号楼2单元301")
    assert app.channel == "home_visit" and app.visit_address == "和平里3号楼2单元301"
    handler = city.users["street_handler"]
    assert [a.id for a in svc.home_visits(db, handler)] == [app.id]
    assert svc.home_visits(db, city.users["housing_handler"]) == []
    with pytest.raises(PermissionDenied):
        svc.schedule_visit(db, app, at=at("2026-03-03T10:00:00"), actor=city.users["housing_handler"])
    for when, why in (
        ("2026-03-02T08:00:00", "今后的工作日"),  # past
        ("2026-03-07T10:00:00", "今后的工作日"),  # Saturday
        ("2026-03-20T10:00:00", "承诺办结"),  # after the deadline
    ):
        with pytest.raises(InvalidInput, match=why):
            svc.schedule_visit(db, app, at=at(when), actor=handler)
    svc.schedule_visit(db, app, at=at("2026-03-03T10:00:00"), actor=handler, note="请备好户口簿")
    assert app.visit_at == at("2026-03-03T10:00:00")
    told = db.scalars(select(Notification).where(Notification.kind == "svc_visit")).all()
    assert [n.recipient for n in told] == [me.phone] and "03月03日 10:00" in told[0].message
    assert app.events[-1].kind == "visit_scheduled"
    window_app = svc.apply(
        db,
        item=cat.subsidy,
        form=FORM,
        applicant_name="王芳",
        applicant_phone="13900000009",
        actor=city.users["operator"],
    )
    with pytest.raises(InvalidInput, match="不是上门"):
        svc.schedule_visit(db, window_app, at=at("2026-03-03T10:00:00"), actor=handler)
    for action in ("accept", "approve"):
        svc.act(db, app, action, actor=handler)
    with pytest.raises(InvalidInput, match="受理前后"):
        svc.schedule_visit(db, app, at=at("2026-03-04T10:00:00"), actor=handler)
    assert svc.home_visits(db, handler) == []


def post(client, path, data):
    return client.post(path, data={**data, "csrf_token": csrf_from(client, "/track")}, follow_redirects=False)


def test_the_pages_ask_for_list_and_agree_a_home_visit(client, db, city, cat, resident, clock):
    me = resident()
    sign_in_resident(client, me)
    form = client.get("/services/items/MZ-001/apply").text
    assert "请工作人员上门办理" in form
    assert "请工作人员上门办理" not in client.get("/services/items/ZJ-101/apply").text
    bad = post(client, "/services/items/MZ-001/apply", {**FORM, "home_visit": "1", "visit_address": ""})
    assert bad.status_code == 422 and "请填写上门地址" in bad.text
    done = post(client, "/services/items/MZ-001/apply", {**FORM, "home_visit": "1", "visit_address": "和平里3号楼301"})
    assert done.status_code == 303
    app = db.scalar(select(Application).where(Application.applicant_account_id == me.id))
    assert app.channel == "home_visit"
    assert "部门将与您约定上门时间" in client.get(f"/services/applications/{app.number}").text
    client.cookies.clear()
    login(client, city.users["street_handler"].username, PASSWORD)
    listed = client.get("/staff/services/visits").text
    assert app.number in listed and "待约定" in listed
    assert "约定上门" in client.get(f"/staff/services/applications/{app.number}").text
    assert post(client, f"/staff/services/visits/{app.number}", {"visit_at": "soon"}).status_code == 422
    agreed = post(client, f"/staff/services/visits/{app.number}", {"visit_at": "2026-03-03T14:30", "note": ""})
    assert agreed.status_code == 303
    db.refresh(app)
    assert app.visit_at == at("2026-03-03T14:30:00")
    assert "2026-03-03 14:30" in client.get("/staff/services/visits").text
    client.cookies.clear()
    login(client, city.users["housing_handler"].username, PASSWORD)
    assert post(client, f"/staff/services/visits/{app.number}", {"visit_at": "2026-03-03T15:30"}).status_code == 404
