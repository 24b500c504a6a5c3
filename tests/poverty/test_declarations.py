"""Declarations on the real database: every channel, one live declaration per household, one live assignment,
the village check on the care register, 公示, the county decision (never by the checker), the reason the
resident reads, withdrawal, masking with a logged clear view, and the deadlines across the Spring Festival."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select, update

from lianxin.care.models import Household, Person
from lianxin.clock import local_zone, utcnow
from lianxin.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from lianxin.notify import Notification
from lianxin.poverty import service
from lianxin.poverty.models import Declaration, MonitoringCase, PovertyDataView, PovertyEvent
from lianxin.poverty.status import CaseStatus, Clock, DeclarationStatus
from tests.factories import new_appeal
from tests.poverty.conftest import HEAD_ID, NEW_ID, checked, declare_self, identified


def test_a_resident_declares_in_one_tap_and_the_household_is_found_by_id_number(db, city, world):
    decl = declare_self(db, city, world)
    assert decl.status == DeclarationStatus.SUBMITTED
    assert decl.household_id == world.household.id and decl.grid_id == city.units["grid"].id
    assert decl.phone == world.account.phone and decl.declarant_account_id == world.account.id
    assert service.number(decl) == f"FP{decl.id:06d}"
    assert [e.action for e in service.history(db, "declaration", decl.id)] == ["submit"]
    note = db.scalar(select(Notification).where(Notification.kind == "poverty_declared"))
    assert note.recipient == str(city.units["grid"].id) and "2 个工作日" in note.message
    assert service.declarations_of(db, world.account) == [decl]


def test_one_live_declaration_per_household(db, city, world):
    first = declare_self(db, city, world)
    with pytest.raises(Conflict, match=service.number(first)):
        service.declare(
            db,
            jurisdiction_id=city.jid,
            channel="grid",
            head_name="吴丹",
            household_id=world.household.id,
            risk_types=["disaster"],
            actor=city.users["grid_worker"],
        )
    service.withdraw(db, first, account=world.account, reason="已自行解决")
    again = declare_self(db, city, world)
    assert again.id != first.id


def test_a_relative_declares_on_behalf(db, city, world):
    decl = service.declare(
        db,
        jurisdiction_id=city.jid,
        channel="proxy",
        head_name="张桂兰",
        id_number=NEW_ID,
        phone="13700001234",
        community_id=city.units["community"].id,
        risk_types=["因残", "unemployment"],
        account=world.account,
        declarant_name="张明",
        declarant_relation="儿子",
        address="和平村五组3号",
    )
    assert decl.household_id is None and decl.grid_id is None
    assert decl.risk_types == ["disability", "unemployment"] and decl.declarant_phone == world.account.phone
    assert decl in service.declarations_of(db, world.account)
    with pytest.raises(InvalidInput, match="代报人"):
        service.declare(
            db,
            jurisdiction_id=city.jid,
            channel="proxy",
            head_name="李四",
            phone="13700004321",
            community_id=city.units["community"].id,
            risk_types=["illness"],
            account=world.account,
        )


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"risk_types": []}, "风险类型"),
        ({"risk_types": ["luck"]}, ""),
        ({"head_name": "吴"}, "户主姓名"),
        ({"id_number": "511124198001011234"}, "身份证"),
        ({"household_size": 0}, "家庭人口"),
        ({"channel": "grid"}, "居民只能"),
    ],
)
def test_bad_declarations_change_nothing(db, city, world, kw, message):
    before = db.scalar(select(func.count(PovertyEvent.id)))
    with pytest.raises(InvalidInput, match=message):
        declare_self(db, city, world, **kw)
    assert db.scalar(select(func.count(PovertyEvent.id))) == before


def test_self_declaration_needs_an_account_and_a_village(db, city, world):
    with pytest.raises(PermissionDenied):
        declare_self(db, city, world, account=None)
    with pytest.raises(InvalidInput, match="村"):
        declare_self(db, city, world, id_number=NEW_ID, community_id=None)
    with pytest.raises(InvalidInput, match="网格不属于"):
        declare_self(
            db, city, world, id_number=NEW_ID, community_id=city.units["community"].id, grid_id=city.units["street"].id
        )


def test_staff_channels_from_an_appeal_and_the_area_check(db, city, world):
    appeal = new_appeal(db, city, title="看病负担重")
    decl = service.declare(
        db,
        jurisdiction_id=city.jid,
        channel="appeal",
        head_name="吴丹",
        household_id=world.household.id,
        risk_types=["illness"],
        actor=city.users["grid_worker"],
        source_ref=str(appeal.id),
    )
    assert decl.source_ref == f"appeal:{appeal.id}" and decl.declarant_user_id == city.users["grid_worker"].id
    service.withdraw(db, decl, actor=city.users["grid_worker"], reason="重复")
    with pytest.raises(InvalidInput, match="来源记录"):
        service.declare(
            db,
            jurisdiction_id=city.jid,
            channel="alarm",
            head_name="吴丹",
            household_id=world.household.id,
            risk_types=["illness"],
            actor=city.users["grid_worker"],
            source_ref="alarm:999999",
        )
    with pytest.raises(PermissionDenied):
        service.declare(
            db,
            jurisdiction_id=city.jid,
            channel="grid",
            head_name="吴丹",
            household_id=world.household.id,
            risk_types=["illness"],
            actor=city.users["street2_handler"],
        )
    with pytest.raises(InvalidInput, match="系统"):
        service.declare(
            db,
            jurisdiction_id=city.jid,
            channel="data",
            head_name="吴丹",
            household_id=world.household.id,
            risk_types=["illness"],
            actor=city.users["grid_worker"],
        )


def test_one_live_assignment_and_only_the_assignee_checks(db, city, world, dual):
    decl = declare_self(db, city, world)
    service.assign(db, decl, actor=city.users["grid_worker"])
    assert decl.status == DeclarationStatus.CHECKING and decl.assignee_id == city.users["grid_worker"].id
    with pytest.raises(Conflict):  # someone else cannot claim it while it is held
        service.assign(db, decl, actor=dual)
    with pytest.raises(PermissionDenied, match="领取核实的人员"):
        service.check(db, decl, actor=dual, result="recommend", note="情况属实属实")
    # the village/street hands it over; the new assignee must cover the grid
    with pytest.raises(InvalidInput, match="被指派人"):
        service.assign(db, decl, actor=city.users["street_handler"], assignee=city.users["street2_handler"])
    with pytest.raises(PermissionDenied):
        service.assign(db, decl, actor=city.users["grid_worker"], assignee=dual)
    service.assign(db, decl, actor=city.users["street_handler"], assignee=dual)
    assert decl.assignee_id == dual.id
    assert [e.action for e in service.history(db, "declaration", decl.id)] == ["submit", "assign", "reassign"]
    assert db.scalar(select(Notification).where(Notification.kind == "poverty_assigned")).recipient == str(dual.id)


def test_a_stale_claim_is_refused(db, city, world, dual):
    """Two claims read the same row: the conditional update lets only the first through."""
    decl = declare_self(db, city, world)
    # another request claims it in the database; this session's object still says submitted and unassigned
    db.execute(
        update(Declaration)
        .where(Declaration.id == decl.id)
        .values(status="checking", assignee_id=city.users["grid_worker"].id)
        .execution_options(synchronize_session=False)
    )
    assert decl.assignee_id is None
    with pytest.raises(Conflict, match="刚被他人领取"):
        service.assign(db, decl, actor=dual)
    assert decl.assignee_id == city.users["grid_worker"].id  # reloaded


def test_the_check_registers_a_new_household_in_the_care_register(db, city, world):
    decl = declare_self(
        db,
        city,
        world,
        id_number=NEW_ID,
        head_name="张桂兰",
        community_id=city.units["community"].id,
        grid_id=city.units["grid"].id,
        address="和平村五组3号",
    )
    assert decl.household_id is None
    checked(db, city, decl, income=5200)
    household = db.get(Household, decl.household_id)
    assert household.address == "和平村五组3号"
    assert db.scalar(select(Person.name).where(Person.household_id == household.id)) == "张桂兰"
    assert decl.status == DeclarationStatus.REVIEWING and decl.live_key == f"hh:{household.id}"
    assert decl.income_per_capita == 5200 and decl.checked_by_id == city.users["grid_worker"].id


def test_check_refuses_bad_input(db, city, world):
    decl = declare_self(db, city, world)
    service.assign(db, decl, actor=city.users["grid_worker"])
    for kw, message in (
        ({"note": "好"}, "核实情况"),
        ({"income_per_capita": -1}, "人均收入"),
        ({"result": "maybe"}, ""),
    ):
        data = {"result": "recommend", "note": "入户核实属实"} | kw
        with pytest.raises(InvalidInput, match=message):
            service.check(db, decl, actor=city.users["grid_worker"], **data)
    assert decl.status == DeclarationStatus.CHECKING


def test_the_county_decides_after_the_notice_and_never_the_checker(db, city, world, dual):
    decl = declare_self(db, city, world)
    service.assign(db, decl, actor=dual)
    service.check(db, decl, actor=dual, result="recommend", note="入户核实：情况属实。", income_per_capita=6000)
    with pytest.raises(PermissionDenied):
        service.publicize(db, decl, actor=city.users["grid_worker"])
    service.publicize(db, decl, actor=city.users["street_handler"])
    with pytest.raises(Conflict, match="已经公示"):
        service.publicize(db, decl, actor=city.users["street_handler"])
    with pytest.raises(Conflict, match="公示期未满"):
        service.decide(db, decl, actor=city.users["district_leader"], outcome="identified", object_type="sudden")
    with time_machine.travel(utcnow() + timedelta(days=6), tick=False):
        with pytest.raises(PermissionDenied, match="核实人"):
            service.decide(db, decl, actor=dual, outcome="identified", object_type="sudden")
        with pytest.raises(PermissionDenied):
            service.decide(db, decl, actor=city.users["street_handler"], outcome="identified", object_type="sudden")
        with pytest.raises(InvalidInput):
            service.decide(db, decl, actor=city.users["district_leader"], outcome="identified", object_type="poor")
        service.decide(
            db, decl, actor=city.users["district_leader"], outcome="identified", object_type="突发严重困难户"
        )
    assert decl.status == DeclarationStatus.IDENTIFIED and decl.live_key is None
    case = db.get(MonitoringCase, decl.case_id)
    assert case.status == CaseStatus.IDENTIFIED and case.household_id == world.household.id
    assert case.risk_factors == [{"type": "illness", "severity": 2}] and case.risk_score == 28
    assert case.cadre_id == dual.id  # the checker becomes the responsible cadre
    sms = db.scalar(select(Notification).where(Notification.kind == "poverty_decided"))
    assert sms.recipient == world.account.phone and "突发严重困难户" in sms.message


def test_a_rejection_carries_a_reason_the_resident_reads(db, city, world):
    decl = declare_self(db, city, world)
    checked(db, city, decl, result="not_recommend", income=15000)
    with pytest.raises(InvalidInput, match="理由"):
        service.decide(db, decl, actor=city.users["district_leader"], outcome="rejected")
    service.decide(
        db, decl, actor=city.users["district_leader"], outcome="rejected", reason="家庭人均收入高于监测标准"
    )  # no 公示 is needed to reject
    assert decl.status == DeclarationStatus.REJECTED and decl.case_id is None
    mine = service.declarations_of(db, world.account)
    assert mine[0].reject_reason == "家庭人均收入高于监测标准"
    assert "家庭人均收入高于监测标准" in db.scalar(
        select(Notification.message).where(Notification.kind == "poverty_decided")
    )
    with pytest.raises(Conflict):
        service.withdraw(db, decl, account=world.account, reason="撤回")


def test_withdrawal_by_someone_else_is_refused(db, city, world, resident_other):
    decl = declare_self(db, city, world)
    with pytest.raises(NotFound):
        service.withdraw(db, decl, account=resident_other, reason="不是我的")
    with pytest.raises(PermissionDenied):
        service.withdraw(db, decl, actor=city.users["street2_handler"], reason="越权")
    with pytest.raises(InvalidInput):
        service.withdraw(db, decl, account=world.account, reason="")
    assert decl.status == DeclarationStatus.SUBMITTED


@pytest.fixture
def resident_other(db, city):
    from lianxin.residents.models import ResidentAccount

    account = ResidentAccount(
        jurisdiction_id=city.jid, phone="13600009999", verified_at=utcnow(), last_login_at=utcnow()
    )
    db.add(account)
    db.flush()
    return account


def test_scope_and_masking_with_a_logged_clear_view(db, city, world):
    decl = declare_self(db, city, world)
    with pytest.raises(PermissionDenied):
        service.get_declaration(db, city.users["street2_handler"], decl.id)
    with pytest.raises(PermissionDenied):
        service.declarations(db, city.users["operator"])  # no grid, village or street role
    assert db.scalars(service.declarations(db, city.users["housing_handler"])).all() == []  # another unit's
    ids = [d.id for d in db.scalars(service.declarations(db, city.users["grid_worker"], status="open"))]
    assert decl.id in ids
    masked = service.declaration_view(decl)
    assert masked["id_number"] == HEAD_ID[:3] + "*" * 11 + HEAD_ID[-4:] and masked["phone"] == "139****0001"
    assert masked["head_name"] == "吴*"
    clear = service.reveal_declaration(db, city.users["grid_worker"], decl, "web")
    assert clear["id_number"] == HEAD_ID
    view = db.scalar(select(PovertyDataView).where(PovertyDataView.subject_id == decl.id))
    assert view.user_id == city.users["grid_worker"].id and view.interface == "web"
    with pytest.raises(PermissionDenied):
        service.reveal_declaration(db, city.users["street2_handler"], decl, "web")
    assert service.mask_income(6000) == "5000–9999 元" and service.mask_income(None) == ""


def test_deadlines_and_clock_across_the_spring_festival(db, city, world):
    with time_machine.travel(datetime(2026, 2, 12, 16, 0, tzinfo=local_zone()), tick=False) as traveller:
        decl = declare_self(db, city, world)
        assert decl.check_due_at.astimezone(local_zone()).date() == date(2026, 2, 14)
        assert decl.decide_due_at.astimezone(local_zone()).date() == date(2026, 3, 18)
        assert service.clock(db, decl)["colour"] == Clock.GREEN
        traveller.move_to(datetime(2026, 2, 14, 10, 0, tzinfo=local_zone()))
        assert service.clock(db, decl)["colour"] == Clock.AMBER
        traveller.move_to(datetime(2026, 2, 16, 10, 0, tzinfo=local_zone()))
        state = service.clock(db, decl)
        assert state["colour"] == Clock.RED and state["step"] == "check" and state["days_left"] < 0
        checked(db, city, decl)
        assert service.history(db, "declaration", decl.id)[-1].payload["late"] is True
        state = service.clock(db, decl)
        assert state["step"] == "decide" and state["colour"] == Clock.GREEN and state["days_left"] == 18


def test_figures_are_data(db, city, world):
    service.set_figures(db, city.jid, {"check_days": 3}, actor=city.users["admin"])
    with pytest.raises(PermissionDenied):
        service.set_figures(db, city.jid, {"check_days": 1}, actor=city.users["leader"])
    with pytest.raises(InvalidInput):
        service.set_figures(db, city.jid, {"check_days": 0}, actor=None)
    assert service.figures(db, city.jid)["check_days"] == 3
    with time_machine.travel(datetime(2026, 3, 2, 10, 0, tzinfo=local_zone()), tick=False):
        decl = declare_self(db, city, world)
    assert decl.check_due_at.astimezone(local_zone()).date() == date(2026, 3, 5)


def test_identified_helper_opens_a_case(db, city, world):
    decl = identified(db, city, declare_self(db, city, world))
    assert decl.case_id is not None
