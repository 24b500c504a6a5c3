"""Applications: online and at a window, the state machine with the working-day clock, the department's
queue, 一件事 parts per department, and 亲友代办 under a recorded authorisation."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from lianxin.clock import local_zone
from lianxin.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from lianxin.notify import Notification
from lianxin.services import catalogue
from lianxin.services import service as svc
from lianxin.services.models import ApplicationEvent
from lianxin.services.status import AppStatus

FORM = {"name": "李明", "address": "和平里3号楼"}


def texts(db, phone):
    return [n.message for n in db.scalars(select(Notification).where(Notification.recipient == phone))]


def test_an_online_application_runs_its_course_on_the_working_day_clock(db, city, cat, resident, clock):
    me = resident()
    app = svc.apply(db, item=cat.subsidy, form=FORM, documents=["身份证", "偷来的"], account=me)
    assert app.status == AppStatus.SUBMITTED and app.channel == "online" and app.number.startswith("BJ20260302")
    assert app.documents == ["身份证"] and app.department_id == city.units["street"].id
    # Monday 2 March 2026 + 5 working days → Monday 9 March, end of day
    assert app.due_at.astimezone(local_zone()).date() == date(2026, 3, 9)
    assert svc.clock(db, app) == svc.Clock(5, "green")
    handler = city.users["street_handler"]
    assert app in svc.staff_queue(db, handler) and app not in svc.staff_queue(db, city.users["housing_handler"])
    with pytest.raises(PermissionDenied):
        svc.act(db, app, "accept", actor=city.users["housing_handler"])
    svc.act(db, app, "accept", actor=handler)
    clock.move_to("2026-03-04T10:00:00+08:00")
    with pytest.raises(InvalidInput, match="补正"):
        svc.act(db, app, "ask_more", actor=handler, note="")
    svc.act(db, app, "ask_more", actor=handler, note="请补充户口簿首页")
    assert app.status == AppStatus.NEED_MORE and svc.clock(db, app).colour == "grey"
    clock.move_to("2026-03-06T10:00:00+08:00")  # two working days later
    svc.resubmit(db, app, account=me, documents=["户口簿"])
    assert app.status == AppStatus.SUBMITTED and app.documents == ["身份证", "户口簿"]
    assert app.due_at.astimezone(local_zone()).date() == date(2026, 3, 11)  # paused days added back
    with pytest.raises(InvalidInput):
        svc.resubmit(db, app, account=me, documents=[])
    svc.act(db, app, "accept", actor=handler)
    clock.move_to("2026-03-10T10:00:00+08:00")
    assert svc.clock(db, app).colour == "amber"
    clock.move_to("2026-03-13T10:00:00+08:00")
    assert svc.clock(db, app) == svc.Clock(-2, "red")
    svc.act(db, app, "approve", actor=handler, note="")
    svc.act(db, app, "deliver", actor=handler)
    assert app.status == AppStatus.DELIVERED and svc.on_time(app) is False
    assert app not in svc.staff_queue(db, handler) and app in svc.staff_queue(db, handler, open_only=False)
    kinds = [
        e.kind
        for e in db.scalars(
            select(ApplicationEvent).where(ApplicationEvent.application_id == app.id).order_by(ApplicationEvent.id)
        )
    ]
    assert kinds == ["submit", "accept", "ask_more", "resubmit", "accept", "approve", "deliver"]
    assert any("需要补正材料：请补充户口簿首页" in t for t in texts(db, me.phone))
    with pytest.raises(Conflict):
        svc.act(db, app, "approve", actor=handler)
    assert svc.applications_of(db, me) == [app]
    assert svc.application_by_number(db, city.jid, app.number) is app
    with pytest.raises(NotFound):
        svc.application_by_number(db, city.jid, "BJ0")


def test_refusals(db, city, cat, resident, clock):
    me = resident()
    with pytest.raises(PermissionDenied):
        svc.apply(db, item=cat.subsidy, form=FORM, account=None)
    with pytest.raises(InvalidInput, match="住址"):
        svc.apply(db, item=cat.subsidy, form={"name": "李明"}, account=me)
    with pytest.raises(InvalidInput):
        svc.apply(db, form=FORM, account=me)
    with pytest.raises(InvalidInput, match="姓名"):
        svc.apply(db, item=cat.subsidy, form=FORM, account=resident("13900000001", None))
    catalogue.set_item_status(db, cat.subsidy, "temporarily_closed", alert="系统升级", actor=None)
    with pytest.raises(InvalidInput, match="暂停办理：系统升级"):
        svc.apply(db, item=cat.subsidy, form=FORM, account=me)
    cat.transfer.channels = ["window"]
    with pytest.raises(InvalidInput, match="窗口办理"):
        svc.apply(db, item=cat.transfer, form=FORM, account=me)
    cat.water.channels = ["online"]
    with pytest.raises(InvalidInput, match="不设窗口"):
        svc.apply(
            db,
            item=cat.water,
            form=FORM,
            applicant_name="王芳",
            applicant_phone="13700000000",
            actor=city.users["water_handler"],
        )
    app = svc.apply(db, item=cat.water, form=FORM, account=me)
    with pytest.raises(InvalidInput):
        svc.act(db, app, "submit", actor=city.users["water_handler"])
    from lianxin.errors import StaleVersion

    with pytest.raises(StaleVersion):
        svc.act(db, app, "accept", actor=city.users["water_handler"], expected_version=99)
    with pytest.raises(NotFound):
        svc.require_owner(app, resident("13900000002"))


def test_a_window_application_is_recorded_by_staff(db, city, cat, clock):
    app = svc.apply(
        db,
        item=cat.transfer,
        form=FORM,
        applicant_name="王芳",
        applicant_phone="137 0000 0000",
        actor=city.users["operator"],
    )
    assert app.channel == "window" and app.applicant_phone == "13700000000" and app.applicant_account_id is None
    assert app in svc.staff_queue(db, city.users["operator"])  # the front desk sees every open application
    svc.act(db, app, "accept", actor=city.users["operator"])  # 一窗受理
    with pytest.raises(PermissionDenied):
        svc.act(db, app, "approve", actor=city.users["operator"])  # deciding is the department's
    svc.act(db, app, "approve", actor=city.users["housing_handler"])
    assert app.events[0].actor_label == "operator"
    with pytest.raises(PermissionDenied):
        svc.apply(
            db,
            item=cat.transfer,
            form=FORM,
            applicant_name="王芳",
            applicant_phone="13700000000",
            actor=city.users["street_handler"],
        )


def test_a_bundle_goes_to_each_department_and_is_done_when_all_parts_are(db, city, cat, resident, clock):
    me = resident()
    app = svc.apply(db, bundle=cat.bundle, form=FORM, documents=["身份证", "不动产权证书"], account=me)
    assert app.status == AppStatus.SUBMITTED and app.item_id is None and len(app.parts) == 2
    housing, water = app.parts
    assert (housing.number, water.number) == (f"{app.number}-1", f"{app.number}-2")
    assert housing.form == FORM and water.form == {"name": "李明"}  # each department sees its fields
    assert housing.department_id == city.units["housing"].id and water.department_id == city.units["water"].id
    assert water in svc.staff_queue(db, city.users["water_handler"])
    assert app not in svc.staff_queue(db, city.users["housing_handler"])  # the parent is nobody's queue item
    with pytest.raises(InvalidInput, match="各部门"):
        svc.act(db, app, "accept", actor=city.users["housing_handler"])
    for action in ("accept", "approve", "deliver"):
        svc.act(db, water, action, actor=city.users["water_handler"])
    assert app.status == AppStatus.SUBMITTED
    svc.act(db, housing, "ask_more", actor=city.users["housing_handler"], note="请补充买卖合同")
    assert app.status == AppStatus.NEED_MORE
    svc.resubmit(db, app, account=me, documents=["买卖合同"])
    assert housing.status == AppStatus.SUBMITTED and app.status == AppStatus.SUBMITTED
    for action in ("accept", "approve", "deliver"):
        svc.act(db, housing, action, actor=city.users["housing_handler"])
    assert app.status == AppStatus.DELIVERED and app.delivered_at is not None
    assert any("一件事全部办结" in t for t in texts(db, me.phone))
    assert svc.applications_of(db, me) == [app]


def test_a_relative_applies_under_an_authorisation_and_sees_only_what_it_covers(db, city, cat, resident, clock):
    son = resident("13911110000", "王小明")
    proxy = svc.authorize_proxy(
        db,
        agent=son,
        agent_name="王小明",
        principal_name="王大爷",
        principal_phone="13822220000",
        relationship="child",
        items=[cat.subsidy],
        valid_from=date(2026, 3, 2),
        valid_to=date(2026, 9, 1),
        evidence="授权委托书（本人签字）及户口簿",
        consent="本人在社区工作人员见证下签字同意",
    )
    assert any("已登记为您代办高龄津贴申领" in t and "王**" in t for t in texts(db, "13822220000"))
    app = svc.apply(db, item=cat.subsidy, form=FORM, account=son, proxy_id=proxy.id)
    assert (app.applicant_name, app.applicant_phone, app.agent_account_id) == ("王大爷", "13822220000", son.id)
    assert app.applicant_account_id is None and svc.applications_of(db, son) == [app]
    assert any("高龄津贴申领」已提交" in t for t in texts(db, "13822220000"))  # the principal is told
    with pytest.raises(PermissionDenied, match="不包括"):
        svc.apply(db, item=cat.water, form=FORM, account=son, proxy_id=proxy.id)
    stranger = resident("13933330000")
    with pytest.raises(PermissionDenied):
        svc.apply(db, item=cat.subsidy, form=FORM, account=stranger, proxy_id=proxy.id)
    with pytest.raises(NotFound):
        svc.revoke_proxy(db, proxy, agent=stranger)
    assert svc.proxies_of(db, son) == [proxy]
    svc.revoke_proxy(db, proxy, agent=son)
    with pytest.raises(PermissionDenied):
        svc.apply(db, item=cat.subsidy, form=FORM, account=son, proxy_id=proxy.id)


@pytest.mark.parametrize(
    "change, field",
    [
        ({"principal_phone": "13911110000"}, "principal_phone"),
        ({"relationship": "friend"}, "relationship"),
        ({"principal_name": "王"}, "principal_name"),
        ({"items": []}, "scope"),
        ({"valid_to": date(2026, 3, 1)}, "valid_to"),
        ({"valid_to": date(2027, 6, 1)}, "valid_to"),
        ({"evidence": ""}, "evidence"),
        ({"consent": " "}, "consent"),
    ],
)
def test_an_authorisation_is_complete_or_refused(db, city, cat, resident, clock, change, field):
    son = resident("13911110000", "王小明")
    args = dict(
        agent=son,
        agent_name="王小明",
        principal_name="王大爷",
        principal_phone="13822220000",
        relationship="child",
        items=[cat.subsidy],
        valid_from=date(2026, 3, 2),
        valid_to=date(2026, 3, 2) + timedelta(days=30),
        evidence="授权委托书",
        consent="本人签字",
    )
    with pytest.raises(InvalidInput) as info:
        svc.authorize_proxy(db, **(args | change))
    assert info.value.field == field


def test_masking():
    assert svc.mask_phone("13912345678") == "139****5678" and svc.mask_phone("12") == "****"
    assert svc.mask_name("王大爷") == "王**" and svc.mask_name("王") == "*"
    assert (
        svc.status_label("need_more") == "待补正材料" and svc.status_label("need_more", "en") == "More documents needed"
    )
