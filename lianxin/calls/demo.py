"""The demo city's telephone side: operators at seats 8001…, the first a 医保/人社 expert seat, and a few calls
through the simulator (one to the merged 12333 line, one missed, one still ringing at seat 8001)."""

from __future__ import annotations

from lianxin.calls.service import record_switch_event
from lianxin.calls.simulate import events_for, random_caller
from lianxin.calls.tables import set_operator_skills, set_seat
from lianxin.orgs.models import Role


def seed_demo(session, city) -> str | None:
    operators = city.staff.get(Role.OPERATOR, [])
    if not operators:
        return None
    seats = []
    for index, user in enumerate(operators[:4]):
        seats.append((set_seat(session, user, f"{8001 + index}").seat, user))
    set_operator_skills(session, operators[0], ["medical", "hrss"])
    plan = [("12345", "ended"), ("12333", "ended"), ("12315", "ended"), ("12345", "ringing")]
    for index, (dialled, until) in enumerate(plan):
        seat, _user = seats[index % len(seats)] if index < len(plan) - 1 else seats[0]
        payloads = events_for(
            caller=random_caller(city.rng), seat=seat, dialled=dialled, call_id=f"demo-{index + 1}", until=until
        )
        for payload in payloads:
            record_switch_event(session, city.jid, **payload)
    missed = events_for(caller=random_caller(city.rng), seat=seats[-1][0], dialled="12345", call_id="demo-missed")
    record_switch_event(session, city.jid, **missed[0])
    record_switch_event(session, city.jid, call_id="demo-missed", event="ended")
    return (
        f"来电：{len(seats)} 个座席（{seats[0][1].username} 为医保/人社专家座席），{len(plan) + 1} 通模拟来电 / "
        f"calls: {len(seats)} seats, {len(plan) + 1} simulated calls (lianxin calls simulate --seat 8001)"
    )
