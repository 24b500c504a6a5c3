"""The pages: a resident declares on the phone page and follows it; the grid worker claims and checks; the
street publicizes; the county decides (identified or rejected with a reason the resident reads); the case page
takes measures, a payment (approved before paid) and clearance; masking with logged clear views, the auditor's
log, scope, refusals that change nothing, and the public page with counts only."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlalchemy import func, select

from lianxin.clock import local_date, utcnow
from lianxin.poverty.models import Declaration, MonitoringCase, PovertyDataView, PovertyEvent
from lianxin.poverty.status import CaseStatus, DeclarationStatus, PaymentStatus
from tests.factories import PASSWORD
from tests.helpers import csrf_from, login
from tests.poverty.conftest import HEAD_ID, NEW_ID, declare_self, identified
from tests.services.conftest import sign_in_resident


def staff(client, city, who: str) -> str:
    client.cookies.clear()
    login(client, city.users[who].username, PASSWORD)
    return csrf_from(client, "/staff/poverty")


def post(client, path: str, token: str, **data):
    return client.post(path, data={"csrf_token": token, **data}, follow_redirects=False)


def test_the_resident_declares_and_follows_it_to_a_rejection_with_its_reason(client, db, city, world):
    assert client.get("/me/poverty", follow_redirects=False).headers["location"] == "/me/login"
    sign_in_resident(client, world.account)
    token = csrf_from(client, "/me/poverty/declare")
    form = client.get("/me/poverty/declare").text
    assert "因病" in form and "和平社区" in form and 'name="photos"' in form
    r = client.post(
        "/me/poverty/declare",
        data={
            "csrf_token": token,
            "risk_types": [],
            "head_name": "吴丹",
            "community_id": str(city.units["community"].id),
        },
    )
    assert r.status_code == 422 and "请至少选择一种风险类型" in r.text
    assert db.scalar(select(func.count(Declaration.id))) == 0
    png = (b"\x89PNG\r\n\x1a\n" + b"\x00" * 8,)  # not a real image: refused
    r = client.post(
        "/me/poverty/declare",
        data={
            "csrf_token": token,
            "risk_types": ["illness"],
            "head_name": "吴丹",
            "who": "self",
            "id_number": HEAD_ID,
            "community_id": str(city.units["community"].id),
            "description": "父亲住院",
        },
        files=[("photos", ("x.png", png[0], "image/png"))],
    )
    assert r.status_code == 422
    r = client.post(
        "/me/poverty/declare",
        data={
            "csrf_token": token,
            "risk_types": ["illness", "因学"],
            "head_name": "吴丹",
            "who": "self",
            "id_number": HEAD_ID,
            "community_id": str(city.units["community"].id),
            "description": "父亲住院",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    decl = db.scalar(select(Declaration))
    assert (
        decl.channel == "self"
        and decl.household_id == world.household.id
        and decl.risk_types == ["illness", "education"]
    )
    mine = client.get(r.headers["location"]).text
    assert "申报已提交" in mine and f"FP{decl.id:06d}" in mine and "村级核实期限" in mine and "因学" in mine
    # the grid worker claims and checks, the county rejects
    token = staff(client, city, "grid_worker")
    assert f"FP{decl.id:06d}" in client.get("/staff/poverty").text
    assert post(client, f"/staff/poverty/declarations/{decl.id}/claim", token).status_code == 303
    r = post(client, f"/staff/poverty/declarations/{decl.id}/check", token, result="not_recommend", note="好")
    assert r.status_code == 422 and "请填写核实情况" in r.text
    r = post(
        client,
        f"/staff/poverty/declarations/{decl.id}/check",
        token,
        result="not_recommend",
        note="家庭有稳定务工收入",
        income_per_capita="15000",
        risk_types="illness",
    )
    assert r.status_code == 303
    token = staff(client, city, "district_leader")
    page = client.get(f"/staff/poverty/declarations/{decl.id}").text
    assert 'id="decide"' in page and "公示期未满" in page
    r = post(
        client, f"/staff/poverty/declarations/{decl.id}/decide", token, outcome="rejected", reason="收入高于标准线"
    )
    assert r.status_code == 303
    client.cookies.clear()
    sign_in_resident(client, world.account)
    mine = client.get("/me/poverty").text
    assert "暂不纳入，理由：" in mine and "收入高于标准线" in mine and "未纳入" in mine


def test_the_staff_journey_to_a_cleared_risk(client, db, city, world, clock):
    decl = declare_self(db, city, world)
    token = staff(client, city, "grid_worker")
    page = client.get(f"/staff/poverty/declarations/{decl.id}").text
    assert "我来入户核实" in page and "吴*" in page and HEAD_ID not in page and "本次查看已记录" not in page
    post(client, f"/staff/poverty/declarations/{decl.id}/claim", token)
    post(
        client,
        f"/staff/poverty/declarations/{decl.id}/check",
        token,
        result="recommend",
        note="入户核实属实",
        income_per_capita="5200",
        household_size="4",
    )
    clear = client.get(f"/staff/poverty/declarations/{decl.id}?unmask=1").text
    assert HEAD_ID in clear and "本次查看已记录" in clear and "5200" in clear
    assert db.scalar(select(PovertyDataView.interface).where(PovertyDataView.subject_id == decl.id)) == "web"
    token = staff(client, city, "street_handler")
    assert post(client, f"/staff/poverty/declarations/{decl.id}/publicize", token, note="评议通过").status_code == 303
    clock.shift(timedelta(days=6))
    token = staff(client, city, "district_leader")
    r = post(client, f"/staff/poverty/declarations/{decl.id}/decide", token, outcome="identified", object_type="sudden")
    assert r.status_code == 303
    case = db.scalar(select(MonitoringCase))
    assert case is not None and decl.status == DeclarationStatus.IDENTIFIED
    # the grid worker plans a measure and asks for relief; the county approves; the fund's unit pays
    token = staff(client, city, "grid_worker")
    page = client.get(f"/staff/poverty/cases/{case.id}").text
    assert "落实帮扶措施" in page and "5000–9999 元" in page and "明文，已记录" not in page
    r = post(
        client,
        f"/staff/poverty/cases/{case.id}/measure",
        token,
        kind="medical",
        owner_unit_id=str(city.units["housing"].id),
        target_on=str(local_date() + timedelta(days=20)),
        detail="大病救助",
    )
    assert r.status_code == 303
    r = post(
        client,
        f"/staff/poverty/cases/{case.id}/payment",
        token,
        fund_id=str(world.fund.id),
        amount="20000",
        purpose="医疗救助金",
    )
    assert r.status_code == 303
    payment = case.payments[0]
    r = post(client, f"/staff/poverty/cases/{case.id}/pay", token, payment_id=str(payment.id))
    assert r.status_code == 409 and "不能发放" in r.text
    token = staff(client, city, "district_leader")
    assert (
        post(client, f"/staff/poverty/cases/{case.id}/approve_payment", token, payment_id=str(payment.id)).status_code
        == 303
    )
    assert post(client, f"/staff/poverty/cases/{case.id}/pay", token, payment_id=str(payment.id)).status_code == 303
    db.refresh(payment)
    assert payment.status == PaymentStatus.PAID
    # the owner unit completes the measure; the case is monitored; the worker re-assesses and proposes clearance
    token = staff(client, city, "housing_handler")
    measure = case.measures[0]
    assert (
        post(
            client, f"/staff/poverty/cases/{case.id}/measure_status", token, measure_id=str(measure.id), status="done"
        ).status_code
        == 303
    )
    db.refresh(case)
    assert case.status == CaseStatus.MONITORING
    token = staff(client, city, "grid_worker")
    assert (
        post(
            client,
            f"/staff/poverty/cases/{case.id}/assess",
            token,
            risk_illness="1",
            income_per_capita="8800",
            note="恢复务工",
        ).status_code
        == 303
    )
    r = post(client, f"/staff/poverty/cases/{case.id}/propose_clear", token)
    assert r.status_code == 409 and "跟踪监测不足 30 天" in r.text
    clock.shift(timedelta(days=31))
    token = staff(client, city, "grid_worker")  # a month later: a new sign-in
    assert "申请风险消除" in client.get(f"/staff/poverty/cases/{case.id}").text
    assert post(client, f"/staff/poverty/cases/{case.id}/propose_clear", token).status_code == 303
    token = staff(client, city, "district_leader")
    assert post(client, f"/staff/poverty/cases/{case.id}/approve_clear", token).status_code == 303
    db.refresh(case)
    assert case.status == CaseStatus.RISK_CLEARED
    board = client.get(f"/staff/poverty/board?unit={city.units['district'].id}").text
    assert "和平街道" in board and 'id="total-cleared">1<' in board
    assert "风险已消除" in client.get("/staff/poverty/cases?status=").text
    timeline = client.get(f"/staff/poverty/cases/{case.id}").text
    assert "风险消除审核通过" in timeline and "发放" in timeline


def test_scope_refusals_and_unknown_actions(client, db, city, world):
    decl = declare_self(db, city, world)
    token = staff(client, city, "street2_handler")
    assert client.get(f"/staff/poverty/declarations/{decl.id}").status_code == 403
    assert f"FP{decl.id:06d}" not in client.get("/staff/poverty").text
    token = staff(client, city, "grid_worker")
    r = post(client, f"/staff/poverty/declarations/{decl.id}/fly", token)
    assert r.status_code == 422 and "未知操作" in r.text
    r = post(client, f"/staff/poverty/declarations/{decl.id}/assign", token, assignee="abc")
    assert r.status_code == 422
    assert client.get("/staff/poverty/audit").status_code == 403
    assert client.get("/staff/poverty/funds").status_code == 403
    staff(client, city, "operator")
    assert client.get("/staff/poverty").status_code == 403
    events = db.scalar(select(func.count(PovertyEvent.id)))
    assert events == 1  # only the declaration


def test_staff_record_a_declaration_from_an_appeal_and_the_auditor_reads_the_log(client, db, city, world, dual):
    token = staff(client, city, "grid_worker")
    assert "诉求转入" in client.get("/staff/poverty/new").text
    r = post(
        client,
        "/staff/poverty/new",
        token,
        channel="grid",
        head_name="张桂兰",
        id_number=NEW_ID,
        community_id=str(city.units["community"].id),
        risk_types="disaster",
        address="和平村五组3号",
    )
    assert r.status_code == 303
    decl = db.scalar(select(Declaration).where(Declaration.id_number == NEW_ID))
    assert decl.channel == "grid" and decl.declarant_user_id == city.users["grid_worker"].id
    r = post(
        client,
        "/staff/poverty/new",
        token,
        channel="appeal",
        head_name="张桂兰",
        source_ref="999999",
        phone="13700001111",
        community_id=str(city.units["community"].id),
        risk_types="disaster",
    )
    assert r.status_code == 422 and "来源记录不存在" in r.text
    client.get(f"/staff/poverty/declarations/{decl.id}?unmask=1")
    # the street assigns to someone else
    token = staff(client, city, "street_handler")
    r = post(client, f"/staff/poverty/declarations/{decl.id}/assign", token, assignee=str(dual.id))
    assert r.status_code == 303 and decl.assignee_id == dual.id
    from lianxin.orgs.models import Role
    from lianxin.orgs.service import create_user

    create_user(
        db,
        jurisdiction_id=city.jid,
        username=f"{city.jurisdiction.code}-aud",
        display_name="审计",
        password=PASSWORD,
        grants=[(Role.AUDITOR, city.units["centre"])],
    )
    client.cookies.clear()
    login(client, f"{city.jurisdiction.code}-aud", PASSWORD)
    log = client.get("/staff/poverty/audit").text
    assert f"#{decl.id}" in log and city.users["grid_worker"].username in log


def test_funds_page_and_public_page_show_counts_only(client, db, city, world):
    identified(db, city, declare_self(db, city, world))
    staff(client, city, "leader")
    funds = client.get("/staff/poverty/funds").text
    assert "防返贫救助基金" in funds and "50000" in funds
    client.cookies.clear()
    public = client.get("/poverty").text
    assert "东城区" in public and 'id="total-identified">1<' in public
    assert "吴" not in public and "我要申报" in public


def test_the_resident_withdraws_and_sees_photos_only_of_their_own(client, db, city, world):
    with time_machine.travel(utcnow(), tick=False):
        decl = declare_self(db, city, world)
    sign_in_resident(client, world.account)
    token = csrf_from(client, "/me/poverty/declare")
    assert client.get(f"/me/poverty/{decl.id}/photos/0").status_code == 404
    r = client.post(
        f"/me/poverty/{decl.id}/withdraw", data={"csrf_token": token, "reason": "已解决"}, follow_redirects=False
    )
    assert r.status_code == 303 and decl.status == DeclarationStatus.WITHDRAWN
    assert "已撤回" in client.get("/me/poverty").text
