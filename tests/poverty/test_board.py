"""The 清零 board: counts per village rolled up to streets and counties, overdue checks, and whether appeals
and alarms from monitored households stop after assistance."""

from __future__ import annotations

from datetime import timedelta

from lianxin.clock import local_date, utcnow
from lianxin.poverty import board, cases, service
from lianxin.poverty.models import MonitoringCase
from lianxin.poverty.status import CaseStatus
from tests.factories import new_appeal
from tests.poverty.conftest import NEW_ID, declare_self, identified


def test_the_board_moves(db, city, world, clock):
    identified(db, city, declare_self(db, city, world))
    other = declare_self(db, city, world, id_number=NEW_ID, head_name="张桂兰", community_id=city.units["community"].id)
    result = board.board(db, city.jid, None, utcnow())
    assert [r["unit"].name for r in result["rows"]] == ["东城区"]
    assert result["total"] == {"found": 2, "checking": 1, "overdue": 0, "identified": 1, "assisting": 1, "cleared": 0}
    clock.shift(timedelta(days=7))
    street = board.board(db, city.jid, city.units["district"].id, utcnow())
    assert [r["unit"].name for r in street["rows"]] == ["和平街道"] and street["total"]["overdue"] == 1
    village = board.board(db, city.jid, city.units["street"].id, utcnow())
    assert [r["unit"].name for r in village["rows"]] == ["和平社区"]
    itself = board.board(db, city.jid, city.units["community"].id, utcnow())
    assert itself["rows"][0]["unit"].name == "和平社区"
    assert board.board(db, city.jid, city.units["street2"].id, utcnow())["rows"] == []
    service.withdraw(db, other, account=world.account, reason="不需要了")
    case = db.scalar(__import__("sqlalchemy").select(MonitoringCase))
    case.status = CaseStatus.RISK_CLEARED
    db.flush()
    result = board.board(db, city.jid, None, utcnow())
    assert result["total"]["found"] == 1 and result["total"]["cleared"] == 1 and result["clear_rate"] == 100.0


def test_appeals_before_and_after_assistance(db, city, world, clock):
    new_appeal(db, city, title="医药费太贵", appellant_phone="13912340001")
    new_appeal(db, city, title="请求救助", appellant_phone="13912340001")
    clock.shift(timedelta(days=1))
    case = db.get(MonitoringCase, identified(db, city, declare_self(db, city, world)).case_id)
    cases.add_measure(
        db,
        case,
        actor=city.users["grid_worker"],
        kind="medical",
        owner_unit_id=city.units["housing"].id,
        target_on=local_date(),
    )
    assert board.before_after(db, [case], utcnow())["cases"] == 0  # 90 days have not passed yet
    clock.shift(timedelta(days=30))
    new_appeal(db, city, title="报销进度", appellant_phone="13912340001")
    clock.shift(timedelta(days=70))
    figures = board.before_after(db, [case], utcnow())
    assert figures == {"cases": 1, "appeals_before": 2, "appeals_after": 1, "alarms_before": 0, "alarms_after": 0}
    assert board.assisted_household_ids(db, city.jid) == {world.household.id}
