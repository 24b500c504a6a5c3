"""The remaining doors: a monitored household is not declared twice, every case action on the page and in the
API, photos a resident uploads (re-encoded, served only to them), filters, and the refusals in between."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import select

from lianxin.clock import local_date
from lianxin.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from lianxin.poverty import cases, funds, service
from lianxin.poverty.models import Declaration, MonitoringCase
from lianxin.poverty.status import CaseStatus, PaymentStatus
from tests.poverty.conftest import NEW_ID, checked, declare_self, identified
from tests.poverty.test_views import post, staff
from tests.services.conftest import sign_in_resident


@pytest.fixture
def case(db, city, world) -> MonitoringCase:
    return db.get(MonitoringCase, identified(db, city, declare_self(db, city, world)).case_id)


def test_a_monitored_household_is_not_declared_again(db, city, world, case):
    with pytest.raises(Conflict, match="已在监测帮扶中"):
        declare_self(db, city, world)
    # a household that reaches the check by another door (a proxy declaration by ID number) is stopped there
    other = declare_self(
        db,
        city,
        world,
        id_number=NEW_ID,
        head_name="张桂兰",
        community_id=city.units["community"].id,
        grid_id=city.units["grid"].id,
    )
    other.household_id = None
    db.flush()
    checked(db, city, other)  # a new household: fine
    decl = db.scalar(select(Declaration).where(Declaration.id == case.declaration_id))
    with pytest.raises(Conflict):
        cases.open_case(db, decl, actor=None, object_type=case.object_type)


def test_more_declaration_refusals(db, city, world):
    with pytest.raises(InvalidInput, match="来源记录编号"):
        service.declare(
            db,
            jurisdiction_id=city.jid,
            channel="wish",
            head_name="吴丹",
            household_id=world.household.id,
            risk_types=["illness"],
            actor=city.users["grid_worker"],
            source_ref="wish:abc",
        )
    with pytest.raises(InvalidInput, match="来源记录不存在"):
        service.declare(
            db,
            jurisdiction_id=city.jid,
            channel="wish",
            head_name="吴丹",
            household_id=world.household.id,
            risk_types=["illness"],
            actor=city.users["grid_worker"],
            source_ref="wish:999999",
        )
    with pytest.raises(InvalidInput, match="住户不存在"):
        service.declare(
            db,
            jurisdiction_id=city.jid,
            channel="grid",
            head_name="吴丹",
            household_id=999999,
            risk_types=["illness"],
            actor=city.users["grid_worker"],
        )
    with pytest.raises(InvalidInput, match="关系"):
        declare_self(
            db,
            city,
            world,
            channel="proxy",
            declarant_name="张明",
            id_number=NEW_ID,
            community_id=city.units["community"].id,
        )
    with pytest.raises(InvalidInput, match="身份证号或联系电话"):
        service.declare(
            db,
            jurisdiction_id=city.jid,
            channel="grid",
            head_name="李四",
            community_id=city.units["community"].id,
            risk_types=["illness"],
            actor=city.users["grid_worker"],
        )
    with pytest.raises(NotFound):
        service.get_declaration(db, city.users["grid_worker"], 999999)
    by_phone = service.declare(
        db,
        jurisdiction_id=city.jid,
        channel="hotline",
        head_name="李四",
        phone="13700002222",
        community_id=city.units["community"].id,
        risk_types=["illness"],
        actor=city.users["grid_worker"],
    )
    assert by_phone.live_key == "ph:13700002222" and by_phone.grid_id == city.units["grid"].id  # the worker's grid
    service.assign(db, by_phone, actor=city.users["grid_worker"])
    with pytest.raises(Conflict, match="已由该人员"):
        service.assign(db, by_phone, actor=city.users["street_handler"], assignee=city.users["grid_worker"])
    with pytest.raises(InvalidInput, match="家庭人口"):
        service.check(
            db, by_phone, actor=city.users["grid_worker"], result="recommend", note="核实属实属实", household_size=40
        )
    rows = db.scalars(service.declarations(db, city.users["grid_worker"], status="checking", mine=True)).all()
    assert rows == [by_phone]


def test_every_case_action_on_the_page(client, db, city, world, case):
    token = staff(client, city, "street_handler")
    page = client.get(f"/staff/poverty/cases/{case.id}").text
    assert "更换责任干部" in page
    assert (
        post(
            client, f"/staff/poverty/cases/{case.id}/cadre", token, cadre_id=str(city.users["grid_worker"].id)
        ).status_code
        == 303
    )
    assert post(client, f"/staff/poverty/cases/{case.id}/cadre", token, cadre_id="999999").status_code == 422
    assert (
        post(
            client,
            f"/staff/poverty/cases/{case.id}/visit",
            token,
            findings="家中有病人需要照料",
            visited_on=str(local_date()),
            confidential="1",
        ).status_code
        == 303
    )
    r = post(client, f"/staff/poverty/cases/{case.id}/measure_status", token, measure_id="999999", status="done")
    assert r.status_code == 422 and "措施不存在" in r.text
    r = post(
        client,
        f"/staff/poverty/cases/{case.id}/measure",
        token,
        kind="medical",
        owner_unit_id=str(city.units["housing"].id),
        target_on="tomorrow",
    )
    assert r.status_code == 422 and "YYYY-MM-DD" in r.text
    assert (
        post(
            client,
            f"/staff/poverty/cases/{case.id}/payment",
            token,
            fund_id=str(world.fund.id),
            amount="800",
            purpose="临时救助",
        ).status_code
        == 303
    )
    db.refresh(case)
    payment = case.payments[0]
    token = staff(client, city, "district_leader")
    assert (
        post(
            client,
            f"/staff/poverty/cases/{case.id}/reject_payment",
            token,
            payment_id=str(payment.id),
            reason="重复申请",
        ).status_code
        == 303
    )
    db.refresh(payment)
    assert payment.status == PaymentStatus.REJECTED
    assert post(client, f"/staff/poverty/cases/{case.id}/pay", token, payment_id="999999").status_code == 404
    assert post(client, f"/staff/poverty/cases/{case.id}/fly", token).status_code == 422
    # a proposal sent back, then a cleared household re-verified and reopened, then exit
    case.status, case.clear_proposed_by_id = CaseStatus.CLEAR_REVIEW, city.users["grid_worker"].id
    db.flush()
    assert post(client, f"/staff/poverty/cases/{case.id}/reject_clear", token, note="收入证明不全").status_code == 303
    assert case.status == CaseStatus.MONITORING
    case.status = CaseStatus.RISK_CLEARED
    db.flush()
    assert post(client, f"/staff/poverty/cases/{case.id}/reverify", token, findings="收入稳定").status_code == 303
    assert (
        post(
            client,
            f"/staff/poverty/cases/{case.id}/reverify",
            token,
            findings="因灾房屋受损",
            risk_returned="1",
            risk_disaster="3",
        ).status_code
        == 303
    )
    assert case.status == CaseStatus.ASSISTING and case.risk_score == 36
    r = post(client, f"/staff/poverty/cases/{case.id}/reopen", token, reason="再次出现风险")
    assert r.status_code == 409
    assert (
        post(client, f"/staff/poverty/cases/{case.id}/exit", token, reason="moved", note="迁往外省").status_code == 303
    )
    assert case.status == CaseStatus.EXITED
    assert post(client, f"/staff/poverty/cases/{case.id}/reopen", token, reason="迁回本村，因病返贫").status_code == 303
    assert case.status == CaseStatus.ASSISTING
    listed = client.get("/staff/poverty/cases?status=assisting&level=medium").text
    assert f"JC{case.id:06d}" in listed


def test_every_case_action_in_the_api(client, db, city, world, case, make_key):
    grid, county = make_key("grid_worker", "grid"), make_key("leader", "district")
    url = f"/api/v1/poverty/cases/{case.id}/actions"
    assert client.post(url, headers=grid, json={"action": "visit", "findings": "入户走访情况良好"}).status_code == 200
    assert (
        client.post(
            url,
            headers=grid,
            json={"action": "assess", "factors": [{"type": "illness", "severity": 1}], "income_per_capita": 9000},
        ).json()["risk_score"]
        == 14
    )
    r = client.post(
        url, headers=grid, json={"action": "payment", "fund_id": world.fund.id, "amount": 500, "purpose": "救助"}
    )
    payment_id = r.json()["payments"][0]["id"]
    r = client.post(url, headers=county, json={"action": "reject_payment", "payment_id": payment_id, "reason": "重复"})
    assert r.json()["payments"][0]["status"] == "rejected"
    assert client.post(url, headers=county, json={"action": "pay", "payment_id": 999999}).status_code == 422
    assert client.post(url, headers=grid, json={"action": "propose_clear"}).status_code == 409
    case.status, case.monitoring_since = CaseStatus.CLEAR_REVIEW, None
    case.clear_proposed_by_id = city.users["grid_worker"].id
    db.flush()
    assert client.post(url, headers=county, json={"action": "reject_clear", "note": "材料不全"}).json()["status"] == (
        "monitoring"
    )
    case.status = CaseStatus.RISK_CLEARED
    db.flush()
    assert client.post(url, headers=grid, json={"action": "reverify", "findings": "收入稳定"}).json()["status"] == (
        "risk_cleared"
    )
    assert client.post(url, headers=county, json={"action": "exit", "reason": "deceased"}).json()["status"] == "exited"
    r = client.post(url, headers=grid, json={"action": "reopen", "reason": "家属返乡后因病致贫"})
    assert r.json()["status"] == "assisting"
    assert client.post(url, headers=county, json={"action": "approve_clear"}).status_code == 409
    decls = client.get("/api/v1/poverty/declarations", headers=grid, params={"status": "identified"}).json()
    assert [d["case_id"] for d in decls] == [case.id]
    assign = client.post(
        f"/api/v1/poverty/declarations/{decls[0]['id']}/actions", headers=county, json={"action": "assign"}
    )
    assert assign.status_code == 422 and assign.json()["field"] == "assignee_id"


def test_photos_are_re_encoded_and_served_only_to_the_declarant(client, db, city, world, resident_other):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, format="JPEG")
    sign_in_resident(client, world.account)
    token = client.get("/me/poverty/declare").text.split('name="csrf_token" value="')[1].split('"')[0]
    r = client.post(
        "/me/poverty/declare",
        data={
            "csrf_token": token,
            "risk_types": ["disaster"],
            "head_name": "吴丹",
            "who": "self",
            "community_id": str(city.units["community"].id),
        },
        files=[("photos", ("房屋.jpg", buffer.getvalue(), "image/jpeg"))],
        follow_redirects=False,
    )
    assert r.status_code == 303
    decl = db.scalar(select(Declaration))
    assert len(decl.photos) == 1 and decl.photos[0]["content_type"] == "image/jpeg"
    photo = client.get(f"/me/poverty/{decl.id}/photos/0")
    assert photo.status_code == 200 and photo.headers["cache-control"] == "private, no-store"
    staff(client, city, "street_handler")  # known only by its village: the village and street see it
    assert "照片 1" in client.get(f"/staff/poverty/declarations/{decl.id}").text
    assert client.get(f"/staff/poverty/declarations/{decl.id}/photos/0").status_code == 200
    assert client.get(f"/staff/poverty/declarations/{decl.id}/photos/1").status_code == 404
    staff(client, city, "street2_handler")
    assert client.get(f"/staff/poverty/declarations/{decl.id}/photos/0").status_code == 403
    client.cookies.clear()
    assert client.get(f"/me/poverty/{decl.id}/photos/0", follow_redirects=False).status_code == 303
    for path in ("/me/poverty/declare",):
        assert client.get(path, follow_redirects=False).headers["location"] == "/me/login"
    sign_in_resident(client, resident_other)
    assert client.get(f"/me/poverty/{decl.id}/photos/0").status_code == 404


@pytest.fixture
def resident_other(db, city):
    from lianxin.clock import utcnow
    from lianxin.residents.models import ResidentAccount

    account = ResidentAccount(
        jurisdiction_id=city.jid, phone="13600009998", verified_at=utcnow(), last_login_at=utcnow()
    )
    db.add(account)
    db.flush()
    return account


def test_the_street_sees_the_assign_form_and_staff_withdraw_on_the_page(client, db, city, world):
    decl = declare_self(db, city, world)
    token = staff(client, city, "street_handler")
    page = client.get(f"/staff/poverty/declarations/{decl.id}").text
    assert 'id="assignee"' in page and city.users["grid_worker"].display_name in page
    r = post(client, f"/staff/poverty/declarations/{decl.id}/assign", token, assignee="999999")
    assert r.status_code == 422 and "请选择核实人员" in r.text
    assert "FP" in client.get("/staff/poverty?status=submitted&mine=").text
    assert post(client, f"/staff/poverty/declarations/{decl.id}/withdraw", token, reason="重复申报").status_code == 303
    assert decl.status == "withdrawn"
    assert client.get("/staff/poverty/board?unit=abc").status_code == 200


def test_cases_and_payments_outside_scope(db, city, world, case):
    with pytest.raises(NotFound):
        cases.get_case(db, city.users["grid_worker"], 999999)
    with pytest.raises(NotFound):
        funds.get_payment(db, city.users["grid_worker"], 999999)
    with pytest.raises(InvalidInput):
        cases.assess(db, case, actor=city.users["grid_worker"], factors=[], income_per_capita=-5)
    with pytest.raises(InvalidInput):
        cases.reopen(db, case, actor=city.users["grid_worker"], reason="")
    cases.exit_case(db, case, actor=city.users["district_leader"], reason="duplicate")
    with pytest.raises(Conflict, match="监测已结束"):
        funds.request_payment(
            db, case, actor=city.users["grid_worker"], fund_id=world.fund.id, amount=10, purpose="救助"
        )
    assert not cases.can_see(db, None, case)
    with pytest.raises(PermissionDenied):
        db.scalars(cases.cases(db, city.users["operator"])).all()
    assert db.scalars(cases.cases(db, city.users["admin"], status="exited")).all() == [case]


def test_a_village_level_declaration_goes_into_the_grid_of_its_checker(db, city, world):
    decl = declare_self(db, city, world, id_number=NEW_ID, head_name="张桂兰", community_id=city.units["community"].id)
    assert decl.grid_id is None
    with pytest.raises(PermissionDenied):
        service.assign(db, decl, actor=city.users["grid_worker"])  # the grid worker does not cover the village
    service.assign(db, decl, actor=city.users["street_handler"], assignee=city.users["grid_worker"])
    assert decl.grid_id == city.units["grid"].id and decl.assignee_id == city.users["grid_worker"].id
    checked_decl = service.check(db, decl, actor=city.users["grid_worker"], result="recommend", note="入户核实属实")
    from lianxin.care.models import Household

    assert db.get(Household, checked_decl.household_id).grid_id == city.units["grid"].id
