"""``lianxin demo``: 防返贫 monitoring on the care register of the demo city — a relief fund per district, 36
households declared over the last four months through every channel, carried by the demo's own logins (the
grid worker or street handler checks, the street handler publicizes, the district leader decides) to every
step: waiting and overdue checks, 公示 under way, rejections with reasons, cases being assisted with measures
and visits, cases monitored, and cleared ones with paid relief. All through the verbs, each at its moment."""

from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lianxin import clock
from lianxin.care.models import Household
from lianxin.orgs.models import Unit, UnitKind
from lianxin.poverty import cases, funds, service
from lianxin.poverty.models import MonitoringCase
from lianxin.residents.models import ResidentAccount

COUNT = 36
# (risk types, description, object type, measure kinds)
STORIES = [
    (["illness"], "父亲突发脑溢血瘫痪，医药费和护理费负担重。", "sudden", ["medical", "temporary_relief"]),
    (["disaster", "housing"], "暴雨导致房屋部分垮塌，暂住亲戚家。", "sudden", ["housing", "temporary_relief"]),
    (["unemployment"], "夫妻二人所在工厂停产，全家失去收入来源。", "marginal", ["employment"]),
    (["education"], "两个孩子同时上大学，学费生活费缺口大。", "unstable", ["education"]),
    (["disability", "illness"], "户主因工致残，妻子长期患病。", "unstable", ["medical", "dibao"]),
    (["accident"], "儿子车祸住院，家庭积蓄花光。", "sudden", ["medical"]),
    (["income_drop"], "种植的柑橘遭遇冻害，收入骤减。", "marginal", ["industry"]),
]
REJECT_REASONS = [
    "经入户核实，家庭人均纯收入高于当地监测标准，且有稳定务工收入。",
    "经核实已由保险理赔覆盖主要医疗支出，暂不存在返贫致贫风险。",
]


def seed_demo(session: Session, city) -> str:
    started = time.perf_counter()
    rng = city.rng.__class__(1919)
    now = clock.utcnow()
    districts = [u for u in city.by_code.values() if u.kind == UnitKind.DISTRICT]
    fund_of = {}
    for district in districts:
        fund_of[district.id] = funds.create_fund(
            session,
            actor=None,
            jurisdiction_id=city.jid,
            unit_id=district.id,
            name=f"{district.name}防止返贫致贫救助专项基金",
            year=clock.local_date(now).year,
            budget=2_000_000,
        )
    households = list(
        session.scalars(select(Household).where(Household.jurisdiction_id == city.jid).order_by(Household.id))
    )
    # households where the demo has a grid worker's login first, so those logins have work to do
    covered = set(city.patrol_users)
    households.sort(key=lambda h: (h.grid_id not in covered, h.id))
    made = {"declared": 0, "cases": 0, "paid": 0}
    for n, household in enumerate(households[:COUNT]):
        if _story(session, city, rng, household, n, now, fund_of):
            made["cases"] += 1
        made["declared"] += 1
    made["paid"] = sum(
        len([p for p in c.payments if p.status == "paid"])
        for c in session.scalars(select(MonitoringCase).where(MonitoringCase.jurisdiction_id == city.jid))
    )
    session.flush()
    return (
        f"防返贫监测 / return-to-poverty monitoring: {made['declared']} declarations, {made['cases']} monitored "
        f"households, {made['paid']} relief payments ({time.perf_counter() - started:.1f} s); "
        "/staff/poverty, /staff/poverty/board, resident page /me/poverty"
    )


def _people(session: Session, city, household: Household):
    community = session.get(Unit, household.community_id)
    street = city.street_of.get(community.id) or session.get(Unit, community.parent_id)
    district = city.district_of.get(street.id) or session.get(Unit, street.parent_id)
    checker = city.patrol_users.get(household.grid_id) or city.handlers.get(street.id)
    return community, street, district, checker, city.handlers.get(street.id), city.leaders.get(district.id)


def _story(session: Session, city, rng, household: Household, n: int, now, fund_of) -> bool:
    """One household's declaration carried to the step ``n`` picks; True when it became a case."""
    community, street, district, checker, handler, leader = _people(session, city, household)
    risks, text, object_type, measures = STORIES[n % len(STORIES)]
    step = n % 9  # 0 waiting, 1 overdue check, 2 checking, 3 公示, 4 rejected, 5–8 a case at a later step
    head = household.people[0] if household.people else None
    if head is None or checker is None or leader is None:
        return False
    age = {0: 0.3, 1: 6, 2: 1.2, 3: 3, 8: rng.uniform(70, 120)}.get(step, rng.uniform(20, 120))
    start = now - timedelta(days=age)
    channel = ["self", "grid", "proxy", "hotline"][n % 4]
    account = None
    with clock.at(start):
        if channel in ("self", "proxy"):
            account = _account(session, city, head.phone, head.name if channel == "self" else None, n)
        decl = service.declare(
            session,
            jurisdiction_id=city.jid,
            channel=channel,
            head_name=head.name,
            household_id=household.id,
            risk_types=risks,
            description=text,
            account=account,
            actor=None if account else checker,
            declarant_name=f"{head.name[0]}明" if channel == "proxy" else None,
            declarant_relation="儿子" if channel == "proxy" else None,
        )
    if step in (0, 1):
        return False
    with clock.at(start + timedelta(hours=3)):
        service.assign(session, decl, actor=checker)
    if step == 2:
        return False
    income = 12_000 if step == 4 else rng.randint(3_200, 6_800)
    with clock.at(start + timedelta(days=1)):
        service.check(
            session,
            decl,
            actor=checker,
            result="not_recommend" if step == 4 else "recommend",
            note="入户核实：家中情况与申报一致，已拍照留存。",
            income_per_capita=income,
            household_size=rng.randint(2, 6),
        )
    with clock.at(start + timedelta(days=2)):
        if step != 4:
            service.publicize(session, decl, actor=handler or leader, note="村民代表评议通过，村务公开栏公示")
    if step == 3:
        return False
    with clock.at(start + timedelta(days=9)):
        if step == 4:
            service.decide(session, decl, actor=leader, outcome="rejected", reason=REJECT_REASONS[n % 2])
            return False
        service.decide(session, decl, actor=leader, outcome="identified", object_type=object_type)
    case = session.get(MonitoringCase, decl.case_id)
    if step == 5:
        return True  # identified, measures still to be planned
    owners = [u for u in city.by_code.values() if u.kind == UnitKind.DEPARTMENT] or [street]
    t = start + timedelta(days=10)
    added = []
    for i, kind in enumerate(measures):
        with clock.at(t + timedelta(hours=i)):
            added.append(
                cases.add_measure(
                    session,
                    case,
                    actor=checker,
                    kind=kind,
                    owner_unit_id=owners[(n + i) % len(owners)].id,
                    target_on=clock.local_date(t) + timedelta(days=30 + 15 * i),
                    detail=f"{text[:12]}……对应帮扶",
                )
            )
    with clock.at(t + timedelta(days=2)):
        cases.add_visit(session, case, actor=checker, findings="走访了解病情和收入情况，帮扶措施已告知家属。")
        payment = funds.request_payment(
            session,
            case,
            actor=checker,
            fund_id=fund_of[district.id].id,
            amount=rng.choice([3000, 5000, 8000, 20000]),
            purpose="防返贫专项救助金",
        )
    with clock.at(t + timedelta(days=3)):
        funds.approve_payment(session, payment, actor=leader)
    if step == 6:
        return True  # being assisted, relief approved and not yet paid
    with clock.at(t + timedelta(days=5)):
        funds.pay(session, payment, actor=leader)
        for measure in added:
            cases.update_measure(session, measure, actor=checker, status="done")
    if step == 7:
        return True  # monitored after assistance
    with clock.at(t + timedelta(days=20)):
        cases.assess(
            session,
            case,
            actor=checker,
            factors=[{"type": risks[0], "severity": 1}],
            income_per_capita=rng.randint(8_000, 11_000),
            note="务工收入恢复",
        )
    with clock.at(t + timedelta(days=40)):
        cases.propose_clear(session, case, actor=checker)
    with clock.at(t + timedelta(days=41)):
        cases.review_clear(session, case, actor=leader, approve=True, note="经县级审核，风险已消除")
    return True


def _account(session: Session, city, phone: str | None, name: str | None, n: int) -> ResidentAccount:
    phone = phone if phone and phone.startswith("1") and len(phone) == 11 else f"1390000{n:04d}"
    account = session.scalar(
        select(ResidentAccount).where(ResidentAccount.jurisdiction_id == city.jid, ResidentAccount.phone == phone)
    )
    if account is None:
        now = clock.utcnow()
        account = ResidentAccount(
            jurisdiction_id=city.jid, phone=phone, real_name=name, verified_at=now, last_login_at=now, created_at=now
        )
        session.add(account)
        session.flush()
    return account
