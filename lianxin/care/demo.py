"""``lianxin init`` (the default rules) and ``lianxin demo``: 200 households of residents who live alone, spread
over the demo city's grids, each with a water meter (some with an emergency button), 30 hours of hourly
readings, and the rules evaluated once — so the alarm board has low-use, leak and device-fault alarms, and a
month of closed alarms gives the leaders' figures something to show (seed 002, Zhongshan)."""

from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from lianxin import clock
from lianxin.care import alarms as al
from lianxin.care import evaluate
from lianxin.care import service as svc
from lianxin.care.models import Alarm, Contact, Device, DeviceKind, Household, HouseholdEvent, Person, Reading

HOUSEHOLDS = 200
HOURS = 30


def ensure_defaults(session: Session, jurisdiction) -> None:
    svc.ensure_default_rules(session, jurisdiction.id)


def _id_number(rng, year: int) -> str:
    body = f"442000{year}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(100, 999)}"  # 中山 4420
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


def demo_hook(session: Session, city) -> str:
    started = time.perf_counter()
    rng = city.rng.__class__(2002)
    svc.ensure_default_rules(session, city.jid)
    now = clock.utcnow()
    grids = [(cid, grid) for cid, community_grids in city.grids.items() for grid in community_grids]
    seen: set[str] = set()
    # The register in bulk (200 households through the verbs take seconds of flushes; the verbs are what the
    # tests exercise): the same rows and the same "created" events the verbs would write.
    households, people, contacts, devices = [], [], [], []
    for n in range(HOUSEHOLDS):
        community_id, grid = grids[n % len(grids)]
        lat, lon = city.position.get(community_id, (22.52, 113.39))
        building, room = rng.randint(1, 24), f"{rng.randint(1, 18)}0{rng.randint(1, 4)}"
        households.append(
            Household(
                jurisdiction_id=city.jid,
                community_id=community_id,
                grid_id=grid.id,
                address=f"{grid.parent.name if grid.parent else ''}{building}栋{room}房",
                building=str(building),
                room=room,
                lat=lat + rng.uniform(-0.004, 0.004),
                lon=lon + rng.uniform(-0.004, 0.004),
                created_at=now,
            )
        )
    session.add_all(households)
    session.flush()
    for n, household in enumerate(households):
        id_number = _id_number(rng, rng.randint(1932, 1956))
        while id_number in seen:
            id_number = _id_number(rng, rng.randint(1932, 1956))
        seen.add(id_number)
        tags = ["lone_elderly"] + (["dibao"] if n % 7 == 0 else []) + (["disabled"] if n % 11 == 0 else [])
        common = dict(jurisdiction_id=city.jid, household_id=household.id)
        people.append(
            Person(
                **common,
                name=city._name(),
                id_number=id_number,
                phone=city._phone(),
                birth_year=int(id_number[6:10]),
                tags=tags,
                created_at=now,
            )
        )
        contacts.append(
            Contact(
                **common,
                name=city._name(),
                phone=city._phone(),
                relation=rng.choice(["女儿", "儿子", "侄子"]),
                priority=1,
            )
        )
        devices.append(
            Device(
                **common, kind=DeviceKind.WATER, external_id=f"WM-{n + 1:04d}", registered_at=now - timedelta(days=60)
            )
        )
        if n % 4 == 1:  # a door contact (门磁): its count of openings, with an hourly heartbeat
            devices.append(
                Device(
                    **common,
                    kind=DeviceKind.DOOR,
                    external_id=f"DC-{n + 1:04d}",
                    registered_at=now - timedelta(days=60),
                )
            )
        if n % 5 == 0:
            devices.append(
                Device(
                    **common,
                    kind=DeviceKind.BUTTON,
                    external_id=f"SOS-{n + 1:04d}",
                    registered_at=now - timedelta(days=60),
                )
            )
    session.add_all([*people, *contacts, *devices])
    session.add_all(
        HouseholdEvent(
            jurisdiction_id=city.jid,
            household_id=h.id,
            kind="created",
            payload={"address": h.address, "source": "demo"},
            at=now,
        )
        for h in households
    )
    session.flush()
    meters = [d for d in devices if d.kind == DeviceKind.WATER]
    buttons = [d for d in devices if d.kind == DeviceKind.BUTTON]
    # Readings: most households use 0.05–0.3 m³ a day; a few almost nothing, one leaks, two meters went silent.
    low, leak, silent = set(range(3, 200, 40)), {17}, {29, 61}
    rows = []
    start = now - timedelta(hours=HOURS)
    for i, meter in enumerate(meters):
        value = rng.uniform(50, 500)
        daily = 0.003 if i in low else 3.0 if i in leak else rng.uniform(0.05, 0.3)
        for h in range(HOURS + 1):
            if i in silent and h > 2:
                break
            ts = start + timedelta(hours=h) - (timedelta(hours=24) if i in silent else timedelta(0))
            if h and 6 <= (ts.hour + 8) % 24 < 23:
                value += daily / 17 * rng.uniform(0.6, 1.4)
            rows.append(
                dict(
                    jurisdiction_id=city.jid,
                    device_id=meter.id,
                    ts=ts,
                    value=round(value, 5),
                    source="mqtt",
                    received_at=ts,
                )
            )
        last = rows[-1]
        meter.last_reading_at, meter.last_value = last["ts"], last["value"]
    # Door contacts open a few times a day; one door has stayed shut since the evening before last.
    doors = [d for d in devices if d.kind == DeviceKind.DOOR]
    for i, door in enumerate(doors):
        opened = rng.randint(100, 900)
        for h in range(HOURS + 1):
            ts = start + timedelta(hours=h)
            local_hour = (ts.hour + 8) % 24
            # out in the morning and back in the evening every day (so only door 7 ever stays shut for a day,
            # whatever the hour the demo is built), and a few more times at random in between
            if h and i != 7 and (local_hour in (8, 18) or (7 <= local_hour < 21 and rng.random() < 0.3)):
                opened += 1
            rows.append(
                dict(
                    jurisdiction_id=city.jid,
                    device_id=door.id,
                    ts=ts,
                    value=float(opened),
                    source="mqtt",
                    received_at=ts,
                )
            )
        door.last_reading_at, door.last_value = rows[-1]["ts"], rows[-1]["value"]
    session.execute(insert(Reading), rows)
    session.flush()
    # A month of closed button alarms for the leaders' figures.
    outcomes = ["safe"] * 5 + ["false_alarm"] * 3 + ["needed_help", "emergency"]
    for k, button in enumerate(buttons[:10]):
        moment = now - timedelta(days=3 + k * 2, hours=rng.randint(0, 12))
        with clock.at(moment):
            al.ingest(session, button, moment, 1)
        alarm = session.scalar(
            select(Alarm).where(Alarm.household_id == button.household_id, Alarm.open_key.is_not(None))
        )
        with clock.at(moment + timedelta(minutes=rng.randint(3, 25))):
            al.acknowledge(session, alarm, actor=None)
        with clock.at(moment + timedelta(minutes=rng.randint(30, 90))):
            al.record_visit(session, alarm, actor=None, outcome=outcomes[k], note="网格员上门核实，情况已登记")
    raised = evaluate.evaluate_all(session, now, jurisdiction_id=city.jid)
    elapsed = time.perf_counter() - started
    return (
        f"关爱：{HOUSEHOLDS} 户独居老人、{len(meters)} 块水表、{len(doors)} 个门磁、{len(buttons)} 个紧急按钮、"
        f"{len(rows)} 条读数，"
        f"当前告警 {raised} 条（/care/alarms），{elapsed:.1f} 秒 / care: {HOUSEHOLDS} households, {raised} open alarms"
    )
