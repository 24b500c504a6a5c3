"""Urge (催办), supervise (督办 / 挂牌督办), whistle (吹哨) and the reports owed to the lead unit."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from lianxin.appeals.choices import UnitRole
from lianxin.appeals.models import AppealEvent
from lianxin.appeals.requests import defer_appeal
from lianxin.appeals.service import dispatch_appeal, record_contact, redispatch_appeal, reply_to_appeal, sign_appeal
from lianxin.appeals.status import AppealStatus, IllegalTransition
from lianxin.appeals.supervision import (
    LISTED,
    SUPERVISED,
    URGED,
    report_to_lead,
    supervise_appeal,
    urge_appeal,
    whistle,
)
from lianxin.errors import InvalidInput, PermissionDenied
from lianxin.notify import Notification
from lianxin.orgs.models import Role
from lianxin.orgs.service import create_user
from tests.factories import new_appeal

DUE = datetime.fromisoformat("2026-03-09T18:00:00+08:00")


def dispatched(db, city, unit="street", co=()):
    appeal = new_appeal(db, city)
    dispatch_appeal(db, appeal, city.units[unit], actor=city.users["dispatcher"], co_units=[city.units[c] for c in co])
    return appeal


def in_progress(db, city, unit="street", handler="street_handler", co=()):
    appeal = dispatched(db, city, unit, co)
    sign_appeal(db, appeal, actor=city.users[handler])
    return appeal


def events(db, appeal) -> list[AppealEvent]:
    return list(db.scalars(select(AppealEvent).where(AppealEvent.appeal_id == appeal.id).order_by(AppealEvent.id)))


def unit_notices(db, appeal, kind: str) -> list[Notification]:
    return list(
        db.scalars(
            select(Notification)
            .where(
                Notification.appeal_id == appeal.id,
                Notification.audience == "unit",
                Notification.kind == kind,
            )
            .order_by(Notification.id)
        )
    )


# --- 催办 / 督办 -----------------------------------------------------------------------------------


def test_urging_raises_the_level_to_urged_and_tells_the_lead_unit(db, city, clock):
    appeal = dispatched(db, city)
    urge_appeal(db, appeal, actor=city.users["dispatcher"], note="群众反映强烈，请尽快处理")
    assert appeal.supervision_level == URGED == 1
    event = events(db, appeal)[-1]
    assert (event.kind, event.public, event.unit_id) == ("urged", False, city.units["street"].id)
    assert event.note == "群众反映强烈，请尽快处理"
    [notice] = unit_notices(db, appeal, "urged")
    assert notice.recipient == str(city.units["street"].id)
    assert "群众反映强烈" in notice.message and "2026-03-09 18:00" in notice.message
    assert appeal.status == AppealStatus.DISPATCHED


def test_supervision_levels_only_ever_go_up(db, city, clock):
    appeal = in_progress(db, city)
    dispatcher = city.users["dispatcher"]
    steps = [
        (lambda: urge_appeal(db, appeal, actor=dispatcher, note="请抓紧办理"), URGED),
        (lambda: supervise_appeal(db, appeal, actor=dispatcher, note="列入督办"), SUPERVISED),
        (lambda: urge_appeal(db, appeal, actor=dispatcher, note="再次催办"), SUPERVISED),
        (lambda: supervise_appeal(db, appeal, actor=dispatcher, note="挂牌督办", listed=True), LISTED),
        (lambda: supervise_appeal(db, appeal, actor=dispatcher, note="继续督办"), LISTED),
        (lambda: urge_appeal(db, appeal, actor=dispatcher, note="再催"), LISTED),
    ]
    levels = []
    for step, _ in steps:
        step()
        levels.append(appeal.supervision_level)
    assert levels == [expected for _, expected in steps]
    assert LISTED == 3
    supervised = [e for e in events(db, appeal) if e.kind == "supervised"]
    assert [e.payload for e in supervised] == [
        {"level": 2, "label": "督办"},
        {"level": 3, "label": "挂牌督办"},
        {"level": 2, "label": "督办"},
    ]
    assert all(not e.public for e in supervised)
    messages = [n.message for n in unit_notices(db, appeal, "supervised")]
    assert len(messages) == 3
    assert "挂牌督办：挂牌督办" in messages[1]
    assert all(n.recipient == str(city.units["street"].id) for n in unit_notices(db, appeal, "supervised"))


def test_a_district_leader_may_supervise_appeals_of_units_under_the_district(db, city, clock):
    appeal = dispatched(db, city, unit="street")
    supervise_appeal(db, appeal, actor=city.users["district_leader"], note="区领导督办")
    urge_appeal(db, appeal, actor=city.users["district_leader"], note="区领导催办")
    assert appeal.supervision_level == SUPERVISED
    assert events(db, appeal)[-2].actor_id == city.users["district_leader"].id


@pytest.mark.parametrize("unit", ["housing", "water"])
def test_a_district_leader_cannot_supervise_appeals_held_outside_the_district(db, city, clock, unit):
    appeal = dispatched(db, city, unit=unit)
    with pytest.raises(PermissionDenied):
        supervise_appeal(db, appeal, actor=city.users["district_leader"], note="区领导督办")
    with pytest.raises(PermissionDenied):
        urge_appeal(db, appeal, actor=city.users["district_leader"], note="区领导催办")
    assert appeal.supervision_level == 0
    assert [e.kind for e in events(db, appeal)] == ["submitted", "dispatched"]
    # the city leader covers every unit in the city
    supervise_appeal(db, appeal, actor=city.users["leader"], note="市领导督办", listed=True)
    assert appeal.supervision_level == LISTED


@pytest.mark.parametrize("who", ["street_handler", "operator", "visitor", "grid_worker"])
def test_handlers_and_other_staff_cannot_urge_or_supervise(db, city, clock, who):
    appeal = dispatched(db, city)
    with pytest.raises(PermissionDenied):
        urge_appeal(db, appeal, actor=city.users[who], note="请抓紧办理")
    with pytest.raises(PermissionDenied):
        supervise_appeal(db, appeal, actor=city.users[who], note="列入督办")
    assert appeal.supervision_level == 0


def test_urging_needs_a_note(db, city, clock):
    appeal = dispatched(db, city)
    with pytest.raises(InvalidInput):
        urge_appeal(db, appeal, actor=city.users["dispatcher"], note=" ")
    with pytest.raises(InvalidInput):
        supervise_appeal(db, appeal, actor=city.users["dispatcher"], note="")
    assert appeal.supervision_level == 0


def test_only_appeals_a_unit_holds_can_be_urged_including_deferred_ones(db, city, clock):
    received = new_appeal(db, city)
    with pytest.raises(IllegalTransition):
        urge_appeal(db, received, actor=city.users["dispatcher"], note="请抓紧办理")
    appeal = in_progress(db, city)
    defer_appeal(
        db,
        appeal,
        actor=city.users["street_handler"],
        plan="纳入年度改造计划统一更换",
        target_date=date(2026, 6, 30),
        reason="需专项资金",
    )
    supervise_appeal(db, appeal, actor=city.users["dispatcher"], note="挂账督办")
    assert appeal.supervision_level == SUPERVISED
    replied = in_progress(db, city)
    record_contact(db, replied, actor=city.users["street_handler"], note="已电话联系")
    reply_to_appeal(db, replied, actor=city.users["street_handler"], text="路灯已修复，恢复照明。")
    with pytest.raises(IllegalTransition):
        urge_appeal(db, replied, actor=city.users["dispatcher"], note="请抓紧办理")


# --- 吹哨 ----------------------------------------------------------------------------------------


def test_a_street_lead_whistles_departments_and_enterprises_in_and_each_must_report(db, city, clock):
    appeal = in_progress(db, city)
    clock.shift(timedelta(hours=2))
    rows = whistle(
        db,
        appeal,
        [city.units["urban"], city.units["water"].id],
        actor=city.users["street_handler"],
        note="路灯线路与供水管线交叉，需联合处置",
    )
    assert [(r.unit_id, r.role, r.active) for r in rows] == [
        (city.units["urban"].id, UnitRole.WHISTLED, True),
        (city.units["water"].id, UnitRole.WHISTLED, True),
    ]
    assert all(r.report_due_at == DUE for r in rows)
    assert all(r.assigned_at == datetime.fromisoformat("2026-03-02T11:30:00+08:00") for r in rows)
    assert all(r.reported_at is None for r in rows)
    event = events(db, appeal)[-1]
    assert (event.kind, event.public) == ("whistled", False)
    assert event.payload == {"departments": ["区城市管理委员会", "自来水集团"]}
    notices = unit_notices(db, appeal, "whistled")
    assert sorted(n.recipient for n in notices) == sorted([str(city.units["urban"].id), str(city.units["water"].id)])
    assert all("和平街道吹哨" in n.message and "2026-03-09 18:00" in n.message for n in notices)
    assert appeal.status == AppealStatus.IN_PROGRESS


def test_a_district_lead_may_whistle_too(db, city, clock):
    appeal = new_appeal(db, city)
    dispatch_appeal(db, appeal, city.units["district"], actor=city.users["dispatcher"])
    district_handler = create_user(
        db,
        jurisdiction_id=city.jid,
        username=f"{city.jurisdiction.code}-dh",
        display_name="区承办人",
        password="secret-pass-123",
        grants=[(Role.HANDLER, city.units["district"])],
    )
    sign_appeal(db, appeal, actor=district_handler)
    rows = whistle(db, appeal, [city.units["housing"]], actor=district_handler, note="涉及住建部门职责")
    assert [r.unit_id for r in rows] == [city.units["housing"].id]


@pytest.mark.parametrize("lead,handler", [("urban", "urban_handler"), ("water", "water_handler")])
def test_a_department_or_enterprise_lead_cannot_whistle(db, city, clock, lead, handler):
    appeal = in_progress(db, city, unit=lead, handler=handler)
    with pytest.raises(InvalidInput):
        whistle(db, appeal, [city.units["housing"]], actor=city.users[handler], note="需要住建部门配合")
    assert not [r for r in appeal.units if r.role == UnitRole.WHISTLED]


def test_only_the_lead_units_handler_may_whistle(db, city, clock):
    appeal = in_progress(db, city)
    for who in ("street2_handler", "urban_handler", "dispatcher"):
        with pytest.raises(PermissionDenied):
            whistle(db, appeal, [city.units["urban"]], actor=city.users[who], note="需要城管部门配合")


@pytest.mark.parametrize("unit", ["street2", "community", "district"])
def test_only_departments_and_enterprises_can_be_whistled_in(db, city, clock, unit):
    appeal = in_progress(db, city)
    with pytest.raises(InvalidInput) as err:
        whistle(
            db, appeal, [city.units["urban"], city.units[unit]], actor=city.users["street_handler"], note="需要联合处置"
        )
    assert err.value.field == "departments"
    assert not [r for r in appeal.units if r.role == UnitRole.WHISTLED]
    assert "whistled" not in [e.kind for e in events(db, appeal)]


def test_whistling_skips_units_already_on_the_appeal_and_refuses_when_none_are_new(db, city, clock):
    appeal = in_progress(db, city, co=("urban",))
    with pytest.raises(InvalidInput):
        whistle(db, appeal, [city.units["urban"]], actor=city.users["street_handler"], note="需要城管部门配合")
    rows = whistle(
        db,
        appeal,
        [city.units["urban"], city.units["housing"], city.units["housing"]],
        actor=city.users["street_handler"],
        note="需要住建部门配合",
    )
    assert [r.unit_id for r in rows] == [city.units["housing"].id]
    with pytest.raises(InvalidInput):
        whistle(db, appeal, [city.units["housing"]], actor=city.users["street_handler"], note="再次吹哨")


def test_a_signed_appeal_is_needed_to_whistle(db, city, clock):
    appeal = dispatched(db, city)
    with pytest.raises(IllegalTransition):
        whistle(db, appeal, [city.units["urban"]], actor=city.users["street_handler"], note="需要城管部门配合")


# --- 报到反馈 -------------------------------------------------------------------------------------


def test_a_whistled_department_reports_once_and_may_update_its_text(db, city, clock):
    appeal = in_progress(db, city)
    whistle(db, appeal, [city.units["urban"]], actor=city.users["street_handler"], note="需要城管部门配合")
    clock.move_to(datetime.fromisoformat("2026-03-03T10:00:00+08:00"))
    row = report_to_lead(db, appeal, city.units["urban"], actor=city.users["urban_handler"], text="已派员到场查看线路")
    first = datetime.fromisoformat("2026-03-03T10:00:00+08:00")
    assert (row.reported_at, row.report_text) == (first, "已派员到场查看线路")
    clock.move_to(DUE + timedelta(hours=1))
    row2 = report_to_lead(
        db, appeal, city.units["urban"].id, actor=city.users["urban_handler"], text="线路已由城管部门维修完毕"
    )
    assert row2 is row
    assert row.reported_at == first  # the first report is what counts
    assert row.report_text == "线路已由城管部门维修完毕"
    reports = [e for e in events(db, appeal) if e.kind == "reported"]
    assert [(e.payload["role"], e.payload["on_time"], e.public) for e in reports] == [
        ("whistled", True, False),
        ("whistled", False, False),
    ]
    assert all(e.unit_id == city.units["urban"].id for e in reports)
    notices = unit_notices(db, appeal, "reported")
    assert [n.recipient for n in notices] == [str(city.units["street"].id)] * 2
    assert "区城市管理委员会反馈：线路已由城管部门维修完毕" in notices[-1].message


def test_a_co_unit_reports_its_part_to_the_lead_unit(db, city, clock):
    appeal = dispatched(db, city, co=("urban",))
    row = report_to_lead(db, appeal, city.units["urban"], actor=city.users["urban_handler"], text="已配合排查路灯线路")
    assert row.role == UnitRole.CO
    assert row.reported_at is not None
    assert events(db, appeal)[-1].payload == {"role": "co", "on_time": True}
    assert [n.recipient for n in unit_notices(db, appeal, "reported")] == [str(city.units["street"].id)]


def test_an_unrelated_unit_cannot_report(db, city, clock):
    appeal = in_progress(db, city, co=("urban",))
    whistle(db, appeal, [city.units["water"]], actor=city.users["street_handler"], note="需要供水企业配合")
    with pytest.raises(PermissionDenied):
        report_to_lead(db, appeal, city.units["housing"], actor=city.users["housing_handler"], text="我们也来反馈一下")
    # nor may a handler of another unit report in a co-unit's name
    with pytest.raises(PermissionDenied):
        report_to_lead(db, appeal, city.units["water"], actor=city.users["housing_handler"], text="代为反馈情况")
    with pytest.raises(PermissionDenied):
        report_to_lead(db, appeal, city.units["urban"], actor=city.users["street2_handler"], text="代为反馈情况")
    assert "reported" not in [e.kind for e in events(db, appeal)]
    assert all(r.reported_at is None for r in appeal.units)


def test_a_unit_whose_assignment_ended_cannot_report(db, city, clock):
    appeal = dispatched(db, city, co=("urban",))
    redispatch_appeal(db, appeal, city.units["street2"], actor=city.users["dispatcher"], note="辖区划分调整")
    with pytest.raises(PermissionDenied):
        report_to_lead(db, appeal, city.units["urban"], actor=city.users["urban_handler"], text="已配合排查路灯线路")


def test_a_report_needs_text(db, city, clock):
    appeal = dispatched(db, city, co=("urban",))
    with pytest.raises(InvalidInput):
        report_to_lead(db, appeal, city.units["urban"], actor=city.users["urban_handler"], text="好")
    assert all(r.reported_at is None for r in appeal.units)
