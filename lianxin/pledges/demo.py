"""Demo 办实事 lists for the demo city, built through the service verbs (so events, versions, roll-ups
and milestones are real): a district list nested street → item with one published change, a county list
worked village by village at weekly Tuesday joint meetings, a city department's lake-water promise with
measurable targets (the seed's algae blooms −78 % / area −84 %), last year's archived list rated by 三评,
and a draft for next year. A few seconds at most; never commits."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lianxin.orgs.models import Jurisdiction, Unit, User
from lianxin.pledges import meetings, ratings, versions, work
from lianxin.pledges import service as svc
from lianxin.pledges.models import PledgeItem, PledgeList
from lianxin.pledges.status import ItemAction, ItemStatus

# (title, category, budget 万元, fund source, lead, target: (name, unit, baseline, period, target) or None)
STREET_ITEMS = [
    ("老旧小区加装电梯", "城乡建设", 360, "区财政+居民自筹", "副区长", ("加装电梯", "部", 0, "", 12)),
    ("背街小巷环境整治", "市容环境", 85, "区财政", "副区长", ("整治街巷", "条", 0, "", 18)),
    ("社区“点亮工程”路灯改造", "市政设施", 64, "区财政", "副区长", ("新装、修复路灯", "盏", 0, "", 240)),
    ("新建社区长者食堂", "民生保障", 120, "民政专项", "副区长", ("长者食堂", "个", 1, "2025年底", 4)),
    ("新增公共停车泊位", "交通", 210, "区财政", "副区长", ("新增泊位", "个", 0, "", 600)),
    ("雨污分流管网改造", "市政设施", 480, "专项债", "副区长", ("改造管网", "公里", 0, "", 9.5)),
    ("口袋公园建设", "园林绿化", 150, "区财政", "副区长", ("口袋公园", "个", 0, "", 5)),
    ("“一刻钟便民生活圈”建设", "商贸服务", 90, "商务专项", "副区长", None),
]
VILLAGE_ITEMS = [
    ("爱心超市物资补充及管理办法修订", "乡风文明", 3, "村集体经济", "驻村第一书记"),
    ("山芋粉丝产业统一收购、包装、销售", "产业发展", 45, "衔接资金", "驻村第一书记"),
    ("脱贫户养羊集中收购屠宰", "产业发展", 30, "衔接资金", "驻村第一书记"),
    ("村内道路硬化", "基础设施", 68, "县级财政", "村党组织书记"),
    ("农村饮水安全巩固提升", "基础设施", 40, "水利专项", "村党组织书记"),
    ("村级光伏电站运维", "集体经济", 12, "村集体经济", "村党组织书记"),
    ("村卫生室标准化改造", "医疗卫生", 18, "卫健专项", "村党组织书记"),
    ("留守儿童假期课堂", "教育", 2, "团县委", "驻村工作队"),
]
LAKE_ITEMS = [
    (
        "湖泊蓝藻水华治理",
        "生态环境",
        2600,
        "中央生态专项+市财政",
        "局长",
        [("蓝藻水华发生次数", "次", 50, "2020年", 11), ("水华面积", "平方公里", 25, "2020年", 4)],
    ),
    ("入湖河道截污纳管", "生态环境", 900, "市财政", "副局长", [("截污纳管", "公里", 0, "", 36)]),
    ("湖滨缓冲带生态修复", "生态环境", 700, "市财政", "副局长", [("修复岸线", "公里", 0, "", 12)]),
    ("重点排口在线监测全覆盖", "生态环境", 160, "市财政", "副局长", [("在线监测排口", "个", 34, "2025年", 80)]),
]
LAST_YEAR = [
    "中小学“课后服务”全覆盖",
    "12345 热线诉求“一次办结”提升",
    "城区积水点改造",
    "菜市场提质改造",
    "公交线网优化",
    "老年助餐服务点建设",
]
ATTENDEES = ["驻村第一书记", "村党组织书记", "村委会主任", "驻村工作队队员", "种粮大户代表", "脱贫户代表"]


def _user(session: Session, jid: int, username: str) -> User | None:
    return session.scalar(select(User).where(User.jurisdiction_id == jid, User.username == username))


def _unit(session: Session, jid: int, code: str) -> Unit | None:
    return session.scalar(select(Unit).where(Unit.jurisdiction_id == jid, Unit.code == code))


def _age(
    session: Session, rng: random.Random, item: PledgeItem, leader: User, today: date, *, share_done: float
) -> None:
    """Move an item to a believable state for today: done, under way with milestones, suspended or not started."""
    start = item.start_on or date(today.year, 1, 15)
    roll = rng.random()
    if item.due_on and item.due_on <= today and roll < 0.8 or roll < share_done:
        done_on = min(today, item.due_on + timedelta(days=rng.randint(-40, 12))) if item.due_on else today
        done_on = max(done_on, start)
        work.add_milestone(session, item, actor=leader, title="开工建设", dated=start, progress=rng.randint(10, 30))
        work.complete_item(session, item, actor=leader, note="已完成并通过验收", completed_on=done_on)
    elif roll < share_done + 0.12:
        work.change_item_status(session, item, ItemAction.SUSPEND, actor=leader, note="待上级资金下达后推进")
    elif roll < share_done + 0.5 and start <= today:
        work.add_milestone(
            session, item, actor=leader, title="完成方案设计和招标", dated=start, progress=rng.randint(15, 35)
        )
        for target in item.targets:
            base = target.baseline or 0
            work.report_progress(
                session,
                item,
                actor=leader,
                target_id=target.id,
                value=round(base + (target.target - base) * rng.uniform(0.3, 0.85), 1),
                note="月度进展报送",
                measured_on=today - timedelta(days=rng.randint(1, 20)),
            )
        if not item.targets:
            work.report_progress(session, item, actor=leader, progress=rng.randint(35, 85), note="月度进展报送")


def build_demo(
    session: Session, settings=None, rng: random.Random | None = None, *, jurisdiction_code: str = "default"
) -> str:
    """Build the demo lists in the demo city; returns a one-line report (or why nothing was built)."""
    rng = rng or random.Random(2026)
    jurisdiction = session.scalar(select(Jurisdiction).where(Jurisdiction.code == jurisdiction_code))
    if jurisdiction is None or _unit(session, jurisdiction.id, "DEMO-CITY") is None:
        return "办实事 / pledges: 无示范城市，跳过 / no demo city, skipped"
    jid = jurisdiction.id
    if session.scalar(select(PledgeList.id).where(PledgeList.jurisdiction_id == jid).limit(1)) is not None:
        return "办实事 / pledges: 已存在，跳过 / already there, skipped"
    city_leader = _user(session, jid, "leader.city")
    today = svc.local_today()
    year = today.year
    lists: list[PledgeList] = []

    # 1. A district's list, district → street → item; published, then changed and published again.
    district = _unit(session, jid, "DEMO-D1")
    d_leader = _user(session, jid, "leader.d1") or city_leader
    plist = versions.create_list(
        session,
        actor=d_leader,
        title=f"{district.name}{year}年“我为群众办实事”项目清单",
        year=year,
        owner_unit_id=district.id,
        description="经区委常委会审定，向社会公开承诺，接受群众监督。",
    )
    streets = list(session.scalars(select(Unit).where(Unit.parent_id == district.id).order_by(Unit.code)))
    for s_no, street in enumerate(streets):
        group = svc.add_item(
            session,
            plist,
            actor=d_leader,
            title=f"{street.name}民生实事",
            owner_unit_id=street.id,
            lead_official=f"{street.name}党工委书记",
            position=s_no,
        )
        for n, (title, category, budget, fund, lead, target) in enumerate(rng.sample(STREET_ITEMS, 7)):
            due = date(year, rng.choice((3, 5, 6, 8, 9, 10, 11, 12)), 28)
            svc.add_item(
                session,
                plist,
                actor=d_leader,
                title=title,
                parent_id=group.id,
                owner_unit_id=street.id,
                category=category,
                area=street.name,
                budget_planned=budget * rng.uniform(0.5, 1.2),
                fund_source=fund,
                lead_official=f"{rng.choice('王李张刘陈杨')}{lead}",
                position=n,
                weight=rng.choice((1, 1, 2, 3)),
                start_on=date(year, 1, rng.randint(5, 28)),
                due_on=due,
                external_id=f"D1-{s_no + 1}-{n + 1}",
                targets=[dict(zip(("name", "unit", "baseline", "baseline_period", "target"), target, strict=True))]
                if target
                else None,
            )
    versions.approve_list(session, plist, actor=d_leader, note="区委常委会审定")
    versions.publish_list(session, plist, actor=d_leader)
    leaves = [i for i in plist.items if i.parent_id is not None]
    svc.update_item(session, leaves[0], actor=d_leader, due_on=date(year, 12, 31))
    svc.add_item(
        session,
        plist,
        actor=d_leader,
        title="增设社区“共享充电桩”",
        parent_id=leaves[1].parent_id,
        owner_unit_id=leaves[1].owner_unit_id,
        category="市政设施",
        due_on=date(year, 12, 20),
        targets=[{"name": "充电桩", "unit": "个", "baseline": 0, "target": 200}],
    )
    versions.publish_list(session, plist, actor=d_leader, note="根据群众意见新增充电桩项目，调整一项完成时限")
    lists.append(plist)

    # 2. A county list worked village by village at weekly Tuesday joint meetings (泗县-style).
    county = _unit(session, jid, "DEMO-D2")
    c_leader = _user(session, jid, "leader.d2") or city_leader
    clist = versions.create_list(
        session,
        actor=c_leader,
        title=f"{county.name}{year}年村级“我为群众办实事”项目清单",
        year=year,
        owner_unit_id=county.id,
        campaign="乡村振兴·我为群众办实事",
    )
    villages = list(
        session.scalars(
            select(Unit)
            .where(Unit.code.like("DEMO-D2-S%-C%"), Unit.jurisdiction_id == jid, Unit.name.like("%村"))
            .order_by(Unit.code)
        )
    )
    for v_no, village in enumerate(villages):
        group = svc.add_item(
            session,
            clist,
            actor=c_leader,
            title=f"{village.name}项目",
            owner_unit_id=village.id,
            position=v_no,
            lead_official="驻村工作队队长",
        )
        for n, (title, category, budget, fund, lead) in enumerate(rng.sample(VILLAGE_ITEMS, 6)):
            svc.add_item(
                session,
                clist,
                actor=c_leader,
                title=title,
                parent_id=group.id,
                owner_unit_id=village.id,
                category=category,
                area=village.name,
                budget_planned=budget,
                fund_source=fund,
                lead_official=lead,
                position=n,
                start_on=date(year, 2, 1),
                due_on=date(year, rng.choice((4, 6, 9, 12)), 30),
                external_id=f"V{v_no + 1}-{n + 1}",
            )
    versions.approve_list(session, clist, actor=c_leader)
    versions.publish_list(session, clist, actor=c_leader)
    lists.append(clist)

    # 3. A department's measurable promise: algae blooms and bloom area down (seed 000).
    dept = _unit(session, jid, "DEMO-STHJ")
    llist = versions.create_list(
        session,
        actor=city_leader,
        title=f"{dept.name}{year}年公开承诺事项",
        year=year,
        owner_unit_id=dept.id,
        campaign="公开承诺·接受监督",
    )
    for n, (title, category, budget, fund, lead, targets) in enumerate(LAKE_ITEMS):
        svc.add_item(
            session,
            llist,
            actor=city_leader,
            title=title,
            owner_unit_id=dept.id,
            category=category,
            budget_planned=budget,
            fund_source=fund,
            lead_official=lead,
            position=n,
            start_on=date(year, 1, 10),
            due_on=date(year, 11, 30),
            external_id=f"STHJ-{n + 1}",
            targets=[
                dict(zip(("name", "unit", "baseline", "baseline_period", "target"), t, strict=True)) for t in targets
            ],
        )
    versions.approve_list(session, llist, actor=city_leader)
    versions.publish_list(session, llist, actor=city_leader)
    lists.append(llist)

    # the lake: measured values close to the seed's −78 % / −84 %
    algae = next(i for i in llist.items if i.title == "湖泊蓝藻水华治理")
    for target, value in zip(algae.targets, (11, 4), strict=True):
        work.report_progress(
            session,
            algae,
            actor=city_leader,
            target_id=target.id,
            value=value,
            note="监测：发生次数同比下降 78%，面积下降 84%",
            measured_on=today - timedelta(days=30),
        )
    for pl, leader, share in ((plist, d_leader, 0.3), (clist, c_leader, 0.35), (llist, city_leader, 0.1)):
        for item in [i for i in pl.items if not svc.children_of(session, i)]:
            _age(session, rng, item, leader, today, share_done=share)
    # weekly Tuesday joint meetings on the county list, ticking items; operator1 keeps the minutes
    from lianxin.pledges import follow

    secretary = _user(session, jid, "operator1")
    follow.set_schedule(
        session,
        clist,
        actor=c_leader,
        weekday=1,
        time="09:00",
        place="县乡村振兴局三楼会议室",
        participants=ATTENDEES[:5],
        secretary_ids=[secretary.id] if secretary else [],
    )
    tuesday = today - timedelta(days=(today.weekday() - 1) % 7)
    for week in range(4, 0, -1):
        held = tuesday - timedelta(weeks=week - 1)
        if held.year != year:
            continue
        open_items = [
            i for i in clist.items if i.parent_id and i.status in (ItemStatus.IN_PROGRESS, ItemStatus.PLANNED)
        ]
        picked = rng.sample(open_items, min(3, len(open_items)))
        decisions = []
        for k, item in enumerate(picked):
            if k == 0:
                decisions.append({"item_id": item.id, "decision": "已完成，同意销号", "completes": True})
            elif k == 1:
                decisions.append({"item_id": item.id, "decision": "进展顺利，按计划推进", "ticked": True})
            else:
                decisions.append(
                    {
                        "item_id": item.id,
                        "decision": "资金缺口待协调",
                        "follow_up": "报县乡村振兴局协调资金",
                        "follow_up_owner": "驻村工作队队长",
                        "follow_up_due": (held + timedelta(days=14)).isoformat(),
                    }
                )
        meetings.record_meeting(
            session,
            clist,
            actor=c_leader,
            title="周二联席会议",
            held_on=held,
            attendees=rng.sample(ATTENDEES, 4),
            minutes="传达上级文件精神，逐项过清单，听取群众诉求。",
            decisions=decisions,
        )

    done = follow.open_follow_ups(session, clist)[:1]  # the oldest follow-up reported done
    for decision in done:
        follow.finish_follow_up(session, decision, actor=c_leader, result="县乡村振兴局已安排衔接资金，缺口解决")
    work.mark_overdue(session, jid, today=today)

    # 4. Last year's list, all done, archived, with 三评.
    olist = versions.create_list(
        session,
        actor=city_leader,
        title=f"{year - 1}年市级重点民生实事",
        year=year - 1,
        owner_unit_id=_unit(session, jid, "DEMO-CITY").id,
    )
    depts = [_unit(session, jid, c) for c in ("DEMO-JW", "DEMO-CGW", "DEMO-SWJ", "DEMO-SCJG", "DEMO-JTW", "DEMO-MZJ")]
    old_items = [
        svc.add_item(
            session,
            olist,
            actor=city_leader,
            title=t,
            owner_unit_id=u.id,
            position=n,
            due_on=date(year - 1, rng.choice((6, 9, 12)), 30),
            budget_planned=rng.randint(80, 900),
        )
        for n, (t, u) in enumerate(zip(LAST_YEAR, depts, strict=True))
    ]
    versions.approve_list(session, olist, actor=city_leader)
    versions.publish_list(session, olist, actor=city_leader)
    for item in old_items:
        work.complete_item(
            session, item, actor=city_leader, completed_on=item.due_on - timedelta(days=rng.randint(-10, 40))
        )
        ratings.self_assess(session, item, actor=city_leader, score=rng.randint(88, 98), comment="按期完成承诺")
        for _ in range(rng.randint(3, 8)):
            phone = f"139{rng.randrange(10**8):08d}"
            stars = rng.choice((5, 5, 4, 4, 3, 2))
            comment = rng.choice(("", "", "变化很明显", "希望继续保持", "还有改进空间"))
            # a 1–2 star comment would become an appeal; the demo's appeals are the city's own
            ratings.rate_publicly(session, item, phone=phone, stars=stars, comment=comment if stars > 2 else "")
        ratings.review_item(session, item, actor=city_leader, score=rng.randint(80, 96), comment="综合评议：达标")
    versions.archive_list(session, olist, actor=city_leader)

    # 4b. The status vocabulary's finer steps, the villages' project library (one project per village
    # promoted into the county list, which is then published again), items made from residents' wishes,
    # and the communities' small-matters list (社区微实事).
    _second_round(session, rng, jid, year, today, plist, clist, villages, c_leader, d_leader)

    # 5. Next year's draft.
    water = _unit(session, jid, "DEMO-SWJ")
    draft = versions.create_list(
        session,
        actor=city_leader,
        title=f"{water.name}{year + 1}年办实事清单（草稿）",
        year=year + 1,
        owner_unit_id=water.id,
    )
    svc.add_item(
        session,
        draft,
        actor=city_leader,
        title="城区二次供水设施改造",
        owner_unit_id=water.id,
        due_on=date(year + 1, 10, 31),
        targets=[{"name": "改造小区", "unit": "个", "baseline": 0, "target": 40}],
    )
    session.flush()
    total = session.scalar(
        select(PledgeItem.id).where(PledgeItem.jurisdiction_id == jid).order_by(PledgeItem.id.desc()).limit(1)
    )
    del total
    count = session.scalar(select(func.count()).select_from(PledgeItem).where(PledgeItem.jurisdiction_id == jid))
    lists_n = session.scalar(select(func.count()).select_from(PledgeList).where(PledgeList.jurisdiction_id == jid))
    return f"办实事 / pledges: {lists_n} 份清单 / lists, {count} 个事项 / items, 4 次联席会议 / joint meetings"


PROJECTS = [
    ("村级光伏电站扩容", "村级经营性项目", {"衔接资金": 40, "村集体经济": 8}),
    ("农产品冷链仓储", "村级经营性项目", {"衔接资金": 60, "县级财政": 20}),
    ("村内道路提升", "基础设施", {"县级财政": 35}),
    ("文化广场建设", "公益事业", {"县级财政": 18, "村集体经济": 4}),
    ("人居环境整治", "人居环境", {"乡镇配套": 12}),
]
MICRO = ["楼道灯更换", "单元门禁维修", "社区健身器材更新", "垃圾分类亭改造", "便民座椅安装"]


def _second_round(session, rng, jid, year, today, plist, clist, villages, c_leader, d_leader) -> None:
    from lianxin.orgs.models import UnitKind
    from lianxin.pledges import more

    admin = _user(session, jid, "admin")
    if admin is not None:
        more.ensure_vocabulary(session, jid)
        for key, zh, en, pct in (
            ("tendering", "招标中", "Tendering", 20),
            ("building", "施工中", "Under construction", 60),
            ("inspecting", "待验收", "Awaiting inspection", 90),
        ):
            more.save_status(
                session, actor=admin, key=key, base="in_progress", name_zh=zh, name_en=en, default_progress=pct
            )
        working = [
            i
            for i in plist.items + clist.items
            if i.status == ItemStatus.IN_PROGRESS and not svc.children_of(session, i)
        ]
        for item in working[::2]:
            leader = d_leader if item.list_id == plist.id else c_leader
            more.set_item_status(session, item, rng.choice(("tendering", "building", "inspecting")), actor=leader)
    # an indicator judged by the lighting appeals of the district (filled by the daily job once the demo
    # appeals exist: `lianxin jobs run`)
    from lianxin.appeals.models import Category

    lamp = session.scalar(
        select(Category).where(Category.jurisdiction_id == jid, Category.name.like("%路灯%")).order_by(Category.level)
    )
    lights = next((i for i in plist.items if "路灯" in i.title), None)
    if lamp is not None and lights is not None:
        more.add_derived_target(
            session,
            lights,
            actor=d_leader,
            name="路灯类 12345 诉求量",
            category_id=lamp.id,
            place="",
            baseline_from=(today - timedelta(days=240)).isoformat(),
            baseline_to=(today - timedelta(days=150)).isoformat(),
            reduction_pct=60,
        )
    promoted = 0
    for v_no, village in enumerate(villages):
        for n, (title, kind, funds) in enumerate(rng.sample(PROJECTS, 3)):
            project = more.propose_project(
                session,
                actor=c_leader,
                unit_id=village.id,
                title=f"{village.name}{title}",
                project_type=kind,
                year=year,
                funds={k: v * rng.uniform(0.8, 1.3) for k, v in funds.items()},
            )
            if n < 2:
                more.decide_project(
                    session, project, actor=c_leader, approve=True, note="村民代表大会通过，镇党委审核同意"
                )
            if n == 0 and v_no < 3:
                group = next((i for i in clist.items if i.parent_id is None and i.owner_unit_id == village.id), None)
                more.promote_project(
                    session,
                    project,
                    clist,
                    actor=c_leader,
                    parent_id=group.id if group else None,
                    due_on=date(year, 12, 20),
                )
                promoted += 1
    if promoted:
        versions.publish_list(session, clist, actor=c_leader, note="联席会议决定：项目库中已批准的项目列入本年度清单")
    try:
        from lianxin.wishes.models import Wish
    except ImportError:  # pragma: no cover - the wishes module is part of the package
        Wish = None
    if Wish is not None:
        wishes = session.scalars(
            select(Wish).where(Wish.jurisdiction_id == jid, Wish.public_text.is_not(None)).order_by(Wish.id).limit(2)
        ).all()
        for wish in wishes:
            more.item_from(session, plist, actor=d_leader, kind="wish", ref=wish.id)
    communities = list(
        session.scalars(
            select(Unit)
            .where(Unit.jurisdiction_id == jid, Unit.kind == UnitKind.COMMUNITY, ~Unit.name.like("%村"))
            .order_by(Unit.code)
            .limit(16)
        )
    )
    if not communities:
        return
    mlist = versions.create_list(
        session,
        actor=d_leader,
        title=f"{year}年社区“微实事”清单",
        year=year,
        campaign="社区微实事",
        owner_unit_id=plist.owner_unit_id,
        description="居民议事会提出、社区承办的小事实事，每件不超过 5 万元。",
    )
    for c_no, community in enumerate(communities):
        for n, title in enumerate(rng.sample(MICRO, 4)):
            svc.add_item(
                session,
                mlist,
                actor=d_leader,
                title=f"{community.name}{title}",
                owner_unit_id=community.id,
                area=community.name,
                category="社区微实事",
                budget_planned=round(rng.uniform(0.5, 5), 1),
                fund_source="社区公益金",
                position=10 * c_no + n,
                start_on=date(year, 3, 1),
                due_on=date(year, rng.choice((5, 7, 9, 11, 12)), 28),
                external_id=f"WSS-{c_no + 1}-{n + 1}",
            )
    versions.approve_list(session, mlist, actor=d_leader)
    versions.publish_list(session, mlist, actor=d_leader)
    session.expire(mlist, ["items"])
    for item in mlist.items:
        _age(session, rng, item, d_leader, today, share_done=0.45)
    work.mark_overdue(session, jid, today=today)


def demo_hook(session: Session, city) -> str:
    """``lianxin demo``: the demo city's commitment lists (its units and leaders exist by now), the items
    owned by a community or village placed near it on the map."""
    report = build_demo(session, city.settings)
    leader = _user(session, city.jid, "leader.city")
    items = session.scalars(
        select(PledgeItem)
        .where(PledgeItem.jurisdiction_id == city.jid, PledgeItem.owner_unit_id.in_(list(city.position)))
        .order_by(PledgeItem.id)
        .limit(300)
    ).all()
    rng = random.Random(17)
    for item in items:
        if leader is not None and item.lat is None and not svc.children_of(session, item):
            lat, lng = city.position[item.owner_unit_id]
            svc.update_item(
                session, item, actor=leader, lat=lat + rng.uniform(-0.003, 0.003), lng=lng + rng.uniform(-0.003, 0.003)
            )
    return report
