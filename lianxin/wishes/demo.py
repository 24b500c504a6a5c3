"""Demo data for 微心愿: party organisations on the demo city's units, members and volunteers, 双报到,
先锋岗, this year's quotas and a few hundred wishes in every state, made by the real service verbs at
past moments (so events, claims and quotas are what the system itself would have recorded).

Registration (until the module registry lands): ``lianxin demo`` calls
``build_demo(session, settings, demo.rng, password=demo.password)`` after the appeals."""

from __future__ import annotations

import random
from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lianxin import clock
from lianxin.config import Settings
from lianxin.orgs.models import Jurisdiction, Role, RoleGrant, Unit, UnitKind, User
from lianxin.orgs.service import create_user
from lianxin.wishes import claims, people, queries
from lianxin.wishes import service as svc
from lianxin.wishes.models import (
    ClaimStatus,
    Member,
    MemberKind,
    OrgKind,
    PartyOrg,
    QuotaScope,
    WishClaim,
    WishSource,
)
from lianxin.wishes.status import WishStatus as S

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华平刚桂兰玉萍红霞建国志海燕鹏飞雪梅丹辉波宁琳婷浩宇晨欣怡"
SKILLS = ("陪伴聊天", "家电维修", "辅导功课", "法律咨询", "理发", "义诊", "心理疏导", "水电维修", "代购代办", "摄影")

# (category, the resident's own words, the public text staff approve for the wall)
WISHES = [
    (
        "company",
        "我一个人住，老伴走了以后很少有人说话，希望每周有人来陪我聊聊天、下下棋。",
        "一位独居老人希望每周有人上门陪伴聊天、下棋。",
    ),
    ("company", "我腿脚不便，想有人周末推我去公园晒晒太阳。", "一位行动不便的老人希望周末有人陪同去公园散步。"),
    ("study", "孩子上初二，冬季校服小了，家里暂时买不起新的，希望能帮忙解决一套。", "一名初中生需要一套冬季校服。"),
    (
        "study",
        "女儿数学跟不上，我们夫妻都不会辅导，希望有老师每周帮她补习一次。",
        "一名小学生希望有志愿者每周辅导一次数学。",
    ),
    ("study", "孙子想要一些课外书和一个台灯，晚上写作业光线太暗。", "一名留守儿童希望得到课外读物和一盏台灯。"),
    (
        "family",
        "我是单亲爸爸，儿子十五岁了不愿和我说话，希望有人帮我们父子沟通沟通。",
        "一位单亲父亲希望有人帮助他和青春期的孩子沟通。",
    ),
    (
        "health",
        "我有高血压，想请医生上门量量血压，讲讲平时该注意什么。",
        "一位高血压老人希望有医生上门量血压、讲解日常保健。",
    ),
    (
        "health",
        "老伴需要定期去医院复查，子女在外地，希望有人陪同去医院挂号取药。",
        "一位老人希望有人陪同家人去医院复查、取药。",
    ),
    ("repair", "家里的电饭煲和电风扇都坏了，想请人帮忙修一修。", "一户困难家庭希望有人帮忙修理电饭煲和电风扇。"),
    ("repair", "厨房水龙头一直漏水，卫生间灯也不亮了，自己弄不了。", "一位独居老人希望有人帮忙修理水龙头和卫生间灯。"),
    ("repair", "想在卫生间装一个扶手，洗澡时怕滑倒。", "一位高龄老人希望在卫生间安装防滑扶手。"),
    ("goods", "冬天快到了，家里缺一床厚棉被。", "一户低保家庭希望得到一床冬季棉被。"),
    ("goods", "孩子想要一辆自行车上学骑，家里条件有限。", "一名中学生希望得到一辆上学用的自行车。"),
    ("goods", "老人耳背，想要一个助听器。", "一位听力不好的老人希望得到一个助听器。"),
    (
        "employment",
        "我下岗在家，会做饭会打扫，希望有人介绍一份家政工作。",
        "一位失业居民希望得到家政类就业信息和推荐。",
    ),
    ("employment", "儿子残疾，想学一门手艺，希望有人帮忙联系培训。", "一名残疾青年希望参加职业技能培训。"),
    ("other", "不会用智能手机，想学视频通话，好和外地的孩子说说话。", "一位老人希望学会用智能手机和子女视频通话。"),
    ("other", "想请人帮忙理个发，出门不方便。", "一位行动不便的老人希望有人上门理发。"),
]
DELIVERIES = (
    "已上门陪伴两小时，约定每周三再来",
    "已送到并当面交给群众，群众表示感谢",
    "已联系专业人员上门完成维修",
    "已安排志愿者每周上门一次，首次服务已完成",
    "已协调相关单位落实，并回访确认",
)
REJECTS = ("属于商业服务范围，已告知可联系家政公司", "该事项已纳入低保救助渠道办理，不再重复登记")
FILES = ("需等待老旧小区改造统一实施", "所需资金较大，待明年民生项目立项后办理")
COMMENTS = ("非常感谢党员同志", "服务很贴心", "解决了大问题", "", "")
# How many of every 100 wishes end in each status.
TARGETS = {
    S.COLLECTED: 5,
    S.REGISTERED: 4,
    S.PUBLISHED: 14,
    S.CLAIMED: 7,
    S.IN_PROGRESS: 7,
    S.DELIVERED: 6,
    S.CONFIRMED: 12,
    S.CLOSED: 33,
    S.REJECTED: 4,
    S.ON_FILE: 5,
    S.CANCELLED: 3,
}
# The demo resident (sign in at /me/login with this phone; the code is in the SMS outbox) and their wishes.
DEMO_RESIDENT = "13800138000"
RESIDENT_WISHES = (S.DELIVERED, S.PUBLISHED, S.CLOSED)
PATH = [S.COLLECTED, S.REGISTERED, S.PUBLISHED, S.CLAIMED, S.IN_PROGRESS, S.DELIVERED, S.CONFIRMED, S.CLOSED]


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2, 2))))


def _phone(rng: random.Random, n: int) -> str:
    return f"1{rng.choice('3456789')}{rng.randrange(10)}0001{n:04d}"  # obviously not real


def _staff_for(session: Session, jid: int, communities: list[Unit]) -> dict[int, User | None]:
    """A staff login that covers each community (its handler, the street's, …), or None (the system)."""
    users = session.scalars(
        select(User)
        .join(RoleGrant)
        .where(User.jurisdiction_id == jid, RoleGrant.role.in_([Role.HANDLER, Role.GRID_WORKER]))
        .distinct()
    ).all()
    return {c.id: next((u for u in users if svc.is_staff(session, u, c.id)), None) for c in communities}


def build_demo(
    session: Session,
    settings: Settings,
    rng: random.Random,
    *,
    jurisdiction_code: str = "default",
    wishes: int = 300,
    days: int = 180,
    password: str | None = None,
) -> str:
    """Build the wish board's demo in the jurisdiction's communities (which must exist); returns a report."""
    jid = session.scalar(select(Jurisdiction.id).where(Jurisdiction.code == jurisdiction_code))
    units = session.scalars(
        select(Unit).where(Unit.jurisdiction_id == jid, Unit.active.is_(True)).order_by(Unit.id)
    ).all()
    communities = [u for u in units if u.kind == UnitKind.COMMUNITY]
    if not communities:
        return "微心愿：没有社区，跳过 / wishes: no communities, skipped"
    grids = {c.id: [u for u in units if u.parent_id == c.id and u.kind == UnitKind.GRID] for c in communities}
    now = clock.utcnow()
    start = now - timedelta(days=days)
    phones = iter(range(1, 10000))

    # organisations: each department a 机关党委 with two branches, each street a 党工委 over its communities'
    # 党委 (村: 党总支) with a branch, each enterprise a 党支部
    orgs: list[PartyOrg] = []
    branches: list[PartyOrg] = []
    community_branch: dict[int, PartyOrg] = {}
    with clock.at(start - timedelta(days=30)):
        street_committee: dict[int, PartyOrg] = {}
        for unit in units:
            if unit.kind == UnitKind.DEPARTMENT:
                top = people.create_party_org(
                    session, jurisdiction_id=jid, kind=OrgKind.COMMITTEE, name=f"{unit.name}机关党委", unit=unit
                )
                orgs.append(top)
                for n in ("第一", "第二"):
                    branches.append(
                        people.create_party_org(
                            session,
                            jurisdiction_id=jid,
                            kind=OrgKind.BRANCH,
                            name=f"{unit.name}{n}党支部",
                            parent=top,
                            unit=unit,
                        )
                    )
            elif unit.kind == UnitKind.STREET:
                street_committee[unit.id] = people.create_party_org(
                    session, jurisdiction_id=jid, kind=OrgKind.COMMITTEE, name=f"{unit.name}党工委", unit=unit
                )
                orgs.append(street_committee[unit.id])
            elif unit.kind == UnitKind.ENTERPRISE:
                branches.append(
                    people.create_party_org(
                        session, jurisdiction_id=jid, kind=OrgKind.BRANCH, name=f"{unit.name}党支部", unit=unit
                    )
                )
        for community in communities:
            village = community.name.endswith("村")
            top = people.create_party_org(
                session,
                jurisdiction_id=jid,
                kind=OrgKind.GENERAL_BRANCH if village else OrgKind.COMMITTEE,
                name=f"{community.name}{'党总支' if village else '党委'}",
                unit=community,
                parent=street_committee.get(community.parent_id),
            )
            orgs.append(top)
            community_branch[community.id] = people.create_party_org(
                session,
                jurisdiction_id=jid,
                kind=OrgKind.BRANCH,
                name=f"{community.name}第一党支部",
                parent=top,
                unit=community,
            )
            branches.append(community_branch[community.id])

        # members (2–4 per branch) and volunteers; 双报到 for most of them, confirmed by the community
        members: list[Member] = []
        for branch in branches:
            for _ in range(rng.randint(2, 4)):
                members.append(
                    people.create_member(
                        session,
                        jurisdiction_id=jid,
                        name=_name(rng),
                        phone=_phone(rng, next(phones)),
                        org=branch,
                        skills=rng.choice(SKILLS),
                    )
                )
        for _ in range(max(10, len(communities))):
            members.append(
                people.create_member(
                    session,
                    jurisdiction_id=jid,
                    name=_name(rng),
                    phone=_phone(rng, next(phones)),
                    kind=MemberKind.VOLUNTEER,
                    skills=rng.choice(SKILLS),
                )
            )
        logins: list[str] = []
        if password:
            secretary = create_user(
                session,
                jurisdiction_id=jid,
                username="secretary1",
                display_name=f"{_name(rng)}（支部书记）",
                password=password,
            )
            people.set_secretary(session, branches[0], secretary, actor=None)
            logins.append("secretary1")
            for n, member in enumerate(members[:2], 1):
                user = create_user(
                    session,
                    jurisdiction_id=jid,
                    username=f"member{n}",
                    display_name=member.name,
                    password=password,
                    phone=member.phone,
                )
                member.user_id = user.id
                logins.append(f"member{n}")
    staff = _staff_for(session, jid, communities)
    home: dict[int, list[Member]] = {c.id: [] for c in communities}
    reports = Counter()
    for member in members:
        if rng.random() < 0.75:
            community = rng.choice(communities)
            with clock.at(start - timedelta(days=rng.uniform(1, 25))):
                report = people.report_to_community(session, community=community, member=member, note="居住在本社区")
                reports["reported"] += 1
                if rng.random() < 0.88:
                    people.decide_report(session, report, actor=staff[community.id], confirm=True)
                    home[community.id].append(member)
                    reports["confirmed"] += 1
    with clock.at(start - timedelta(days=1)):
        for community in communities:
            for n, holder in enumerate(home[community.id][:2]):
                people.create_pioneer_post(
                    session,
                    community=community,
                    holder=holder,
                    grid=(grids[community.id] or [None])[n % max(1, len(grids[community.id]))],
                    name=("党员先锋岗", "邻里服务责任区")[n],
                    service=holder.skills,
                    starts_on=(start - timedelta(days=1)).date(),
                )
    for year in {start.year, now.year}:
        queries.set_quota(session, jurisdiction_id=jid, scope=QuotaScope.ORG, year=year, target=3, actor=None)
        queries.set_quota(session, jurisdiction_id=jid, scope=QuotaScope.MEMBER, year=year, target=1, actor=None)

    statuses = Counter()
    for n in range(wishes):
        target = rng.choices(list(TARGETS), weights=list(TARGETS.values()))[0]
        if n < len(RESIDENT_WISHES):  # the demo resident's own wishes, one waiting for their confirmation
            target = RESIDENT_WISHES[n]
        community = rng.choice(communities)
        _one_wish(
            session,
            rng,
            jid,
            community,
            grids[community.id],
            staff[community.id],
            home[community.id] or members,
            community_branch[community.id],
            target,
            start,
            now,
            next(phones),
            resident_phone=DEMO_RESIDENT if n < len(RESIDENT_WISHES) else None,
        )
        statuses[target] += 1
    session.flush()
    lines = [
        f"微心愿 / wishes: 党组织 {len(orgs) + len(branches)}，党员和志愿者 {len(members)}，"
        f"双报到 {reports['reported']}（已确认 {reports['confirmed']}），心愿 {wishes}"
    ]
    lines += [f"  {s.label_zh}\t{s.value:<12}{statuses[s]:>5}" for s in S if statuses[s]]
    if logins:
        lines.append("  党员/书记登录 / member logins: " + ", ".join(logins))
    lines.append(
        f"  居民「我的心愿」/ resident: /me/login {DEMO_RESIDENT}（验证码见短信输出 / code in the SMS outbox）"
    )
    volunteer = next((m for m in reversed(members) if m.kind == MemberKind.VOLUNTEER), None)
    if volunteer is not None:
        lines.append(f"  只有居民账号的志愿者 / volunteer with a resident account only: /me/login {volunteer.phone}")
    return "\n".join(lines)


def _free_member(session: Session, rng: random.Random, claimants: list[Member]) -> Member | None:
    """A member here who may take one more claim (fewer than ``svc.MAX_LIVE_CLAIMS`` live), or None."""
    for member in rng.sample(claimants, len(claimants)):
        live = session.scalar(
            select(func.count())
            .select_from(WishClaim)
            .where(WishClaim.member_id == member.id, WishClaim.status == ClaimStatus.ACTIVE)
        )
        if live < svc.MAX_LIVE_CLAIMS:
            return member
    return None


def _one_wish(
    session: Session,
    rng: random.Random,
    jid: int,
    community: Unit,
    grids: list[Unit],
    staff: User | None,
    claimants: list[Member],
    branch: PartyOrg,
    target: S,
    start: datetime,
    now: datetime,
    n: int,
    resident_phone: str | None = None,
) -> None:
    """One wish walked along its path to ``target`` at moments between ``start`` and now."""
    category, content, public = rng.choice(WISHES)
    span = (now - start).total_seconds()
    t = start + timedelta(seconds=rng.uniform(0, span * (0.9 if target in (S.CONFIRMED, S.CLOSED) else 1)))

    def step(low: float, high: float) -> datetime:
        nonlocal t
        t = min(now - timedelta(minutes=5), t + timedelta(hours=rng.uniform(low, high)))
        return t

    source = (
        rng.choices(
            [WishSource.RESIDENT, WishSource.GRID_VISIT, WishSource.BOX, WishSource.RETURN_VISIT],
            weights=[50, 30, 12, 8],
        )[0]
        if staff is not None
        else WishSource.RESIDENT
    )
    with clock.at(t):
        wish = svc.submit_wish(
            session,
            jurisdiction_id=jid,
            community_id=community.id,
            content=content,
            category=category,
            resident_phone=resident_phone or _phone(rng, 5000 + n),
            resident_name=_name(rng),
            resident_address=f"{community.name}{rng.randint(1, 30)}号楼",
            grid_id=rng.choice(grids).id if grids else None,
            source=source,
            actor=staff if source != WishSource.RESIDENT else None,
        )
    if target == S.COLLECTED:
        return
    with clock.at(step(2, 48)):
        if target == S.CANCELLED:
            claims.cancel_wish(session, wish, token=wish.tracking_token, reason="问题已自行解决")
            return
        if target == S.REJECTED:
            svc.reject_wish(session, wish, actor=staff, reason=rng.choice(REJECTS))
            return
        if target == S.ON_FILE:
            svc.file_wish(
                session,
                wish,
                actor=staff,
                reason=rng.choice(FILES),
                review_on=(now + timedelta(days=rng.randint(20, 120))).date(),
            )
            return
        svc.register_wish(session, wish, actor=staff, triage_class="common" if rng.random() < 0.15 else "individual")
    if target == S.REGISTERED:
        return
    with clock.at(step(1, 24)):
        svc.publish_wish(session, wish, actor=staff, public_text=public)
    if target == S.PUBLISHED:
        return
    with clock.at(step(2, 96)):
        promised = (t + timedelta(days=rng.randint(3, 21))).date()
        member = None if wish.triage_class == "common" else _free_member(session, rng, claimants)
        if member is None:  # a common wish, or every member here has their hands full: the branch takes it
            claims.claim_wish(session, wish, org=branch, promised_on=promised)
        else:
            claims.claim_wish(session, wish, member=member, promised_on=promised)
        if rng.random() < 0.08:  # a released claim, claimed again
            member = wish.claimed_member
            claims.release_wish(
                session, wish, member=member, actor=None if member else staff, reason="临时有事，无法按时完成"
            )
            again = None if member is None else _free_member(session, rng, claimants)
            if again is None:
                claims.claim_wish(session, wish, org=branch, promised_on=promised)
            else:
                claims.claim_wish(session, wish, member=again, promised_on=promised)
    if target == S.CLAIMED:
        return
    member = wish.claimed_member
    with clock.at(step(4, 72)):
        claims.start_wish(session, wish, member=member, actor=None if member else staff)
    if target == S.IN_PROGRESS:
        return
    with clock.at(step(24, 24 * 10)):
        claims.deliver_wish(session, wish, member=member, actor=None if member else staff, note=rng.choice(DELIVERIES))
    if target == S.DELIVERED:
        return
    with clock.at(step(2, 72)):
        claims.confirm_wish(
            session,
            wish,
            token=wish.tracking_token,
            rating=rng.choices([5, 4, 3], weights=[75, 20, 5])[0],
            comment=rng.choice(COMMENTS),
        )
    if target == S.CONFIRMED:
        return
    with clock.at(step(2, 72)):
        claims.close_wish(session, wish, actor=staff)


def demo_hook(session: Session, city) -> str:
    """``lianxin demo``: the wish board of the demo city (its communities and staff exist by now)."""
    return build_demo(session, city.settings, random.Random(2026), wishes=120, password=city.password)
