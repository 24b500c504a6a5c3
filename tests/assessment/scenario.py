"""A small March 2026 scenario built through the real verbs, whose rates the tests work out by hand."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from lianxin.appeals.models import Appeal
from lianxin.appeals.requests import request_return
from lianxin.appeals.service import dispatch_appeal, record_contact, reply_to_appeal, sign_appeal
from lianxin.visits.service import record_return_visit
from tests.factories import City, new_appeal

START = datetime.fromisoformat("2026-03-02T09:30:00+08:00")


@dataclass
class Scenario:
    city: City
    appeals: dict[str, Appeal] = field(default_factory=dict)


def handle(
    db,
    city: City,
    clock,
    *,
    street: str = "street",
    sign_late: bool = False,
    contact_late: bool = False,
    reply_late: bool = False,
    visit: tuple | None = None,
    unreasonable: bool = False,
) -> Appeal:
    """Submit, dispatch to ``street``, sign, contact, reply and visit, each on time unless told late."""
    handler = city.users[f"{street}_handler"]
    appeal = new_appeal(db, city)
    dispatch_appeal(db, appeal, city.units[street], actor=city.users["dispatcher"])
    if sign_late:
        clock.move_to(appeal.sign_due_at + timedelta(minutes=5))
    sign_appeal(db, appeal, actor=handler)
    if contact_late:
        clock.move_to(appeal.contact_due_at + timedelta(minutes=5))
    record_contact(db, appeal, actor=handler, note="电话联系诉求人")
    if reply_late:
        clock.move_to(appeal.due_at + timedelta(minutes=5))
    reply_to_appeal(db, appeal, actor=handler, text="已安排维修人员处理完毕。")
    if visit is not None:
        contacted, solved, satisfaction = visit
        record_return_visit(
            db,
            appeal,
            actor=city.users["visitor"],
            contacted=contacted,
            solved=solved,
            satisfaction=satisfaction,
            unreasonable=unreasonable,
            comment="回访记录",
        )
    clock.shift(timedelta(hours=1))
    return appeal


def build(db, city: City, clock) -> Scenario:
    """和平街道 (street): six handled appeals and one returned; 安定街道 (street2): one perfect appeal.

    | appeal | signed | contact | reply | visit                       |
    | a1     | on time| on time | ok    | reached, solved, 满意        |
    | a2     | LATE   | on time | ok    | reached, solved, 基本满意    |
    | a3     | on time| LATE    | ok    | reached, unsolved, 不满意 → 重办 |
    | a4     | on time| on time | LATE  | reached, unsolved, 基本满意  |
    | a5     | on time| on time | ok    | not reached (invalid)        |
    | a6     | on time| on time | ok    | 不满意 judged unreasonable (invalid) |
    | a7     | dispatched, then the street asks to return it      |
    """
    clock.move_to(START)
    s = Scenario(city)
    s.appeals["a1"] = handle(db, city, clock, visit=(True, True, "satisfied"))
    s.appeals["a2"] = handle(db, city, clock, sign_late=True, visit=(True, True, "basically_satisfied"))
    s.appeals["a3"] = handle(db, city, clock, contact_late=True, visit=(True, False, "dissatisfied"))
    s.appeals["a4"] = handle(db, city, clock, reply_late=True, visit=(True, False, "basically_satisfied"))
    s.appeals["a5"] = handle(db, city, clock, visit=(False, None, None))
    s.appeals["a6"] = handle(db, city, clock, visit=(True, False, "dissatisfied"), unreasonable=True)
    a7 = new_appeal(db, city)
    dispatch_appeal(db, a7, city.units["street"], actor=city.users["dispatcher"])
    request_return(db, a7, actor=city.users["street_handler"], reason="该路段不属于本街道管辖范围")
    s.appeals["a7"] = a7
    s.appeals["b1"] = handle(db, city, clock, street="street2", visit=(True, True, "satisfied"))
    return s
