"""``lianxin demo``: service points, past activities with confirmed hours (records, certificates, points),
absences, upcoming activities with sign-ups and a waiting list, and 爱心超市 with donations and redemptions
in the demo city's first communities. Uses the micro-wish module's members (built just before)."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lianxin import clock
from lianxin.clock import local_zone
from lianxin.orgs.models import Jurisdiction, Unit, UnitKind
from lianxin.points.service import ensure_rules, grant, open_household
from lianxin.volunteers import market
from lianxin.volunteers import service as svc
from lianxin.volunteers.models import DonorKind
from lianxin.volunteers.status import EnrollmentStatus as E
from lianxin.wishes.demo import DEMO_RESIDENT
from lianxin.wishes.models import Member

ACTIVITIES = (
    ("清理楼道小广告", "楼道、单元门清理小广告，张贴文明提示", "小区北门集合"),
    ("敬老院陪伴", "陪老人聊天、读报、理发", "街道敬老院"),
    ("垃圾分类指导", "早晚高峰在投放点指导居民分类投放", "小区垃圾分类投放点"),
    ("义诊量血压", "协助社区医生量血压、登记健康档案", "社区卫生服务站"),
    ("文明交通劝导", "路口劝导行人、非机动车遵守信号灯", "十字路口"),
    ("防汛巡查", "检查地下室、低洼处排水情况", "社区党群服务中心"),
)
GOODS = (("洗衣粉", "袋", 15), ("食用油 5L", "桶", 60), ("大米 10kg", "袋", 80), ("毛巾", "条", 10), ("牙膏", "支", 8))
DONORS = (
    (DonorKind.PAIRING_UNIT, "市住建委帮扶工作队"),
    (DonorKind.ENTERPRISE, "惠民超市"),
    (DonorKind.PERSON, "热心居民王先生"),
)

HOUSEHOLDS = 4  # 爱心存折 per community; the first community's first is the demo resident's (我的积分)
HOUSEHOLD_DEEDS = ("庭院整洁", "孝老爱亲", "参加义务劳动", "移风易俗", "垃圾分类")


def build_demo(session: Session, jid: int, rng: random.Random, *, communities: int = 3) -> str:
    jurisdiction = session.get(Jurisdiction, jid)
    ensure_rules(session, jurisdiction)
    units = session.scalars(
        select(Unit)
        .where(Unit.jurisdiction_id == jid, Unit.kind == UnitKind.COMMUNITY, Unit.active.is_(True))
        .order_by(Unit.id)
    ).all()[:communities]
    members = session.scalars(
        select(Member).where(Member.jurisdiction_id == jid, Member.active.is_(True)).order_by(Member.id)
    ).all()
    if not units or len(members) < 4:
        return "志愿服务：没有社区或志愿者，跳过 / volunteers: no communities or volunteers, skipped"
    now = clock.utcnow()
    today = svc.local(now).date()
    counts = {"activities": 0, "confirmed": 0, "absent": 0, "redemptions": 0, "households": 0}
    login_members = [m for m in members if m.user_id]
    for n, community in enumerate(units):
        crew = ([*login_members] if n == 0 else []) + rng.sample(members, min(len(members), 8))
        crew = list(dict.fromkeys(crew))
        with clock.at(now - timedelta(days=90)):
            svc.create_point(
                session,
                jurisdiction_id=jid,
                community_id=community.id,
                name=f"{community.name}新时代文明实践站",
                address=f"{community.name}党群服务中心一楼",
                opens_at=time(8, 30),
                closes_at=time(17, 30),
                open_on_rest_days=n == 0,
                items=rng.sample(["理发", "量血压", "法律咨询", "家电维修", "代买代办", "心理疏导"], 3),
                actor=None,
            )
            goods = [
                market.add_good(
                    session, jurisdiction_id=jid, community_id=community.id, name=name, unit=unit, price_points=price
                )
                for name, unit, price in GOODS
            ]
            for good in goods:
                kind, donor = rng.choice(DONORS)
                market.donate(
                    session, good, quantity=rng.randint(10, 30), donor_kind=kind, donor_name=donor, actor=None
                )
        # past activities: hours confirmed by the organiser, a few absences
        for k in range(2):
            title, content, place = ACTIVITIES[(n + k) % len(ACTIVITIES)]
            day = today - timedelta(days=10 + 20 * k + n)
            start = datetime.combine(day, time(9), tzinfo=local_zone())
            with clock.at(start - timedelta(days=5)):
                activity = svc.create_activity(
                    session,
                    jurisdiction_id=jid,
                    community_id=community.id,
                    title=title,
                    content=content,
                    place=place,
                    starts_at=start,
                    ends_at=start + timedelta(hours=3),
                    slots=6,
                    actor=None,
                )
                rows = [
                    svc.sign_up(session, activity, m, actor=None, role="team_leader" if i == 0 else "volunteer")
                    for i, m in enumerate(crew[:6])
                ]
            counts["activities"] += 1
            with clock.at(start + timedelta(hours=4)):
                for row in rows:
                    if row.status != E.ENROLLED:
                        continue
                    if rng.random() < 0.1:
                        svc.mark_absent(session, row, actor=None, note="未请假缺席")
                        counts["absent"] += 1
                        continue
                    arrive = start + timedelta(minutes=rng.randint(-10, 20))
                    svc.record_attendance(
                        session,
                        row,
                        actor=None,
                        checked_in_at=arrive,
                        checked_out_at=arrive + timedelta(minutes=rng.randint(120, 190)),
                        note="扫码签到",
                    )
                    svc.confirm_attendance(session, row, actor=None, evaluation=rng.choice(["优秀", "良好", "合格"]))
                    counts["confirmed"] += 1
                svc.close_activity(session, activity, actor=None)
        # a quarterly assessment for the crew, then a few exchanges at the shop
        with clock.at(now - timedelta(days=7)):
            for member in crew[:3]:
                grant(session, member=member, amount=50, memo="季度评议加分", actor=None, community=community)
            for member in crew[:3]:
                cheap = [(g, 1) for g in goods if g.price_points <= 15][:2]
                try:
                    with session.begin_nested():
                        market.redeem(session, member, cheap, actor=None)
                    counts["redemptions"] += 1
                except Exception:  # noqa: BLE001 (not enough points: the demo simply skips)
                    pass
            # 爱心存折: households credited for a clean yard or caring for parents, one exchanges its points
            for k in range(HOUSEHOLDS):
                code = f"{n + 1}-{k + 1:02d}"
                phone = DEMO_RESIDENT if n == 0 and k == 0 else f"139{jid % 100:02d}{n:02d}{k:04d}"
                account = open_household(
                    session,
                    community=community,
                    code=code,
                    name=f"{rng.choice('王李张刘陈杨赵黄')}{rng.choice(['建国', '秀英', '桂兰', '志强', '玉梅'])}户",
                    holder_phone=phone,
                    actor=None,
                )
                for memo in rng.sample(HOUSEHOLD_DEEDS, 2):
                    grant(session, account=account, amount=rng.choice([10, 20, 30]), memo=memo, actor=None)
                counts["households"] += 1
                if k == 0:
                    cheap = [(g, 1) for g in goods if g.price_points <= 15][:1]
                    try:
                        with session.begin_nested():
                            market.redeem(session, account, cheap, actor=None)
                        counts["redemptions"] += 1
                    except Exception:  # noqa: BLE001 (out of stock: skipped)
                        pass
        # upcoming: the next two days, one of them already full with a waiting list
        for k in range(2):
            title, content, place = ACTIVITIES[(n + k + 3) % len(ACTIVITIES)]
            start = datetime.combine(today + timedelta(days=1 + k), time(9), tzinfo=local_zone())
            activity = svc.create_activity(
                session,
                jurisdiction_id=jid,
                community_id=community.id,
                title=title,
                content=content,
                place=place,
                starts_at=start,
                ends_at=start + timedelta(hours=2),
                slots=3 if k else 10,
                actor=None,
            )
            for member in crew[len(login_members) if n == 0 else 0 :][: 4 if k else 3]:
                svc.sign_up(session, activity, member, actor=None)
            counts["activities"] += 1
    session.flush()
    return (
        f"志愿服务：{counts['activities']} 个活动，{counts['confirmed']} 人次确认时长，{counts['absent']} 人次缺席，"
        f"{counts['redemptions']} 次爱心超市兑换，{counts['households']} 户爱心存折 / volunteers: "
        f"{counts['activities']} activities, {counts['confirmed']} confirmed, {counts['absent']} absent, "
        f"{counts['redemptions']} redemptions, {counts['households']} household accounts"
    )


def demo_hook(session: Session, city) -> str:
    return build_demo(session, city.jid, random.Random(2026))
