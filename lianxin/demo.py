"""The demo city behind ``lianxin demo``: units, grids and their staff, users for every role, and appeals.

Every appeal lives through the real service verbs at past moments (``clock.at``). Each appeal's life
is a generator that yields the moment of its next step; a runner interleaves all of them in time
order, so order numbers, events, deadlines, requests, visits and notifications are exactly what the
platform would have recorded, and nothing ever happens after "now". Texts come from the Teddy Cup
2020 data in ``settings.demo_data_dir`` (read at run time, never copied into the package) or from the
small invented set in ``lianxin/data/demo_texts.txt``.
"""

from __future__ import annotations

import csv
import heapq
import random
import re
import secrets
import string
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from importlib.resources import files
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lianxin import clock, progress
from lianxin.appeals import requests, service, supervision
from lianxin.appeals.choices import AppealType, Channel, NotAcceptedReason, RequestKind, Satisfaction, UnitRole, Urgency
from lianxin.appeals.models import Appeal, Category
from lianxin.appeals.schemas import AppealCreate
from lianxin.appeals.status import HANDLING, AppealStatus
from lianxin.clock import local_zone
from lianxin.config import Settings
from lianxin.defaults import ensure_defaults
from lianxin.errors import Conflict, InvalidInput
from lianxin.modules import Module, call_hooks, enabled_modules, resolve, run_hooks
from lianxin.orgs.models import (
    ROLE_LABELS,
    UNIT_KIND_LABELS,
    GridPosition,
    GridStaff,
    Jurisdiction,
    Role,
    Unit,
    UnitKind,
    User,
)
from lianxin.orgs.service import create_unit, create_user, hash_password
from lianxin.visits.service import ensure_visit_task, rate_appeal, record_return_visit

S = AppealStatus
CITY_CODE = "DEMO-CITY"
JURISDICTION_CODE = "default"

# --- the invented city ----------------------------------------------------------------------------

DISTRICTS = [  # district → streets/townships → communities/villages
    (
        "临江区",
        [
            ("滨河街道", ["滨河社区", "春晖社区", "金桂社区"]),
            ("望月街道", ["望月社区", "明珠社区", "书香苑社区"]),
            ("柳岸镇", ["柳岸社区", "荷塘村", "杏花村"]),
        ],
    ),
    (
        "云岭县",
        [
            ("城关街道", ["文昌社区", "北门社区", "南湖社区"]),
            ("桃源镇", ["桃源社区", "茶岭村", "溪口村"]),
            ("石桥乡", ["石桥村", "枫林村", "竹山村"]),
        ],
    ),
]
DEPARTMENTS = [
    ("ZJW", "住房和城乡建设委员会"),
    ("CGW", "城市管理委员会"),
    ("JTW", "交通委员会"),
    ("STHJ", "生态环境局"),
    ("SCJG", "市场监督管理局"),
    ("RSJ", "人力资源和社会保障局"),
    ("JW", "教育委员会"),
    ("WJW", "卫生健康委员会"),
    ("MZJ", "民政局"),
    ("JGJ", "公安局交通管理支队"),
    ("SWJ", "水务局"),
    ("YLJ", "园林绿化局"),
]
ENTERPRISES = [
    ("WATER", "自来水集团", "water"),
    ("POWER", "供电公司", "power"),
    ("GAS", "燃气集团", "gas"),
    ("HEAT", "热力集团", "heat"),
]
CENTRE_STAFF = [(Role.OPERATOR, 3), (Role.DISPATCHER, 2), (Role.VISITOR, 2)]
CITY_CENTRE = (28.19, 112.97)  # an arbitrary map position for the invented city
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万严覃武戴莫孔汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华平刚桂兰玉萍红霞建国志海燕鹏飞雪梅丹辉波宁琳婷浩宇晨欣怡涵萱俊博思远佳慧德福春秋"

# --- where an appeal goes: the longest matching category prefix names the lead unit -------------------

LOCAL = "local"  # the street (or the community) where the problem is
ROUTES = {
    "": LOCAL,
    "城乡建设/住房保障": "ZJW",
    "公共服务/供水": "WATER",
    "公共服务/供电": "POWER",
    "公共服务/供气": "GAS",
    "公共服务/供热": "HEAT",
    "公共服务/公共交通": "JTW",
    "环境保护": "STHJ",
    "环境保护/环境卫生": LOCAL,
    "环境保护/噪声污染/社会生活噪声": LOCAL,
    "环境保护/大气污染/油烟扰民": "CGW",
    "环境保护/水污染": "SWJ",
    "交通管理": "JTW",
    "交通管理/停车管理": "JGJ",
    "交通管理/交通设施": "JGJ",
    "市场管理": "SCJG",
    "劳动和社会保障": "RSJ",
    "教育文体": "JW",
    "教育文体/文体设施": LOCAL,
    "卫生计生": "WJW",
    "社会管理/社会救助": "MZJ",
    "社会管理/养老服务": "MZJ",
}
ROUTE_PREFIXES = sorted(ROUTES, key=len, reverse=True)
WHISTLE_PARTNERS = {
    "城乡建设": ("CGW", "ZJW", "YLJ"),
    "环境保护": ("CGW", "STHJ", "SWJ"),
    "交通管理": ("JGJ", "JTW"),
    "社会管理": ("MZJ",),
    "教育文体": ("YLJ", "JW"),
}

# --- texts ----------------------------------------------------------------------------------------

TEDDY_LABELS = {"交通运输": "交通管理", "商贸旅游": "市场管理"}  # Teddy 一级标签 → our first level
LABEL_EXTRAS = {"城乡建设": ("公共服务",), "交通管理": ("公共服务",)}  # also allowed under these labels
TYPE_HINTS = [
    (re.compile("举报"), AppealType.REPORT),
    (re.compile("表扬|感谢|点赞"), AppealType.PRAISE),
    (re.compile("咨询|请问|如何|怎样|能否|可否|是否可以"), AppealType.CONSULT),
    (re.compile("建议|希望|呼吁"), AppealType.SUGGESTION),
    (re.compile("投诉|扰民|违规|违法|拖欠"), AppealType.COMPLAINT),
]

# --- what staff write along the way -------------------------------------------------------------------

CONTACT_NOTES = (
    "已电话联系诉求人，约定上门查看",
    "已电话联系诉求人，核实了具体位置",
    "已上门与诉求人当面沟通",
    "已联系诉求人，告知办理流程",
)
RETURN_REASONS = (
    "该事项不属于本单位职责范围，申请退回重新派单",
    "经核实问题点位不在本单位管辖范围",
    "该诉求涉及行业监管，应由主管部门办理",
)
REJECT_NOTES = ("经核实属于贵单位职责，请继续办理", "属地管理事项，请牵头办理，可吹哨相关部门协助")
REPORT_TEXTS = (
    "已派员到场配合核查，处置情况已反馈主办单位",
    "已完成本部门职责范围内的处置工作",
    "已出具专业意见，供主办单位答复参考",
)
WHISTLE_NOTES = ("问题涉及多个部门职责，请相关部门到场联合处置", "需要部门执法力量配合，请到场报到")
URGE_NOTES = ("诉求人多次来电催促，请加快办理", "临近办理时限，请抓紧办理并及时答复")
SUPERVISE_NOTES = ("群众反映集中，请主要负责同志督促办理", "请于时限内办结并报送办理结果")
EXTENSION_REASONS = ("需协调多个产权单位，现场施工周期较长", "需等待第三方检测结果", "涉及资金审批，需履行相关程序")
DEFERRALS = (
    ("已纳入明年老旧小区改造计划，届时统一实施", "涉及资金和规划，短期内无法解决"),
    ("待片区管网改造工程立项后一并处理", "需统一立项施工"),
    ("已制定分阶段整治方案，按计划推进", "历史遗留问题，需分步解决"),
)
REVIEW_NOTES = ("复核：整改方案已报批，按计划推进", "复核：前期勘察已完成，等待施工")
TERMINATE_REASONS = (
    "诉求人拒绝配合核实，多次联系无果",
    "诉求人表示问题已自行解决，申请撤回诉求",
    "诉求人提供的地址有误且无法取得联系",
)
NOT_ACCEPTED = (
    (NotAcceptedReason.EMERGENCY_TRANSFER, "涉及人身安全的紧急情况，已转110处置"),
    (NotAcceptedReason.LEGAL_CHANNEL, "属于民事纠纷，已告知通过诉讼或仲裁途径解决"),
    (NotAcceptedReason.REPEAT_NO_NEW_FACTS, "同一诉求已办结答复，本次无新情况新理由"),
    (NotAcceptedReason.OUT_OF_SCOPE, "不属于本市行政机关职责范围，已向诉求人解释"),
)
SECOND_REPLIES = (
    "重办答复：已再次上门核实，遗留问题已整改完毕，并当面说明了情况。",
    "重办答复：经复查，已安排专人跟进，问题已彻底解决。",
)
DISSATISFIED = ("问题没有解决，只是电话里说了一下", "处理结果不满意，希望再来现场看看")

# --- how often -----------------------------------------------------------------------------------------

CHANNELS = {
    Channel.HOTLINE: 50,
    Channel.WEB: 8,
    Channel.MOBILE: 12,
    Channel.MINI_PROGRAM: 14,
    Channel.GRID_PATROL: 6,
    Channel.SERVICE_STATION: 3,
    Channel.SERVICE_POINT: 2,
    Channel.SUGGESTION_BOX: 1,
    Channel.UPPER_PLATFORM: 3,
    Channel.POLICE_TRANSFER: 1,
}
BY_OPERATOR = {Channel.HOTLINE, Channel.UPPER_PLATFORM, Channel.POLICE_TRANSFER}
AT_SERVICE_POINTS = {Channel.SERVICE_STATION, Channel.SERVICE_POINT, Channel.SUGGESTION_BOX}
URGENCIES = {Urgency.NORMAL: 90, Urgency.URGENT: 8, Urgency.CRITICAL: 2}
SATISFACTION = {Satisfaction.SATISFIED: 74, Satisfaction.BASICALLY: 17, Satisfaction.DISSATISFIED: 9}
HOUR_WEIGHTS = (
    0.05,
    0.03,
    0.02,
    0.02,
    0.03,
    0.08,
    0.2,
    0.45,
    0.8,
    1,
    1,
    0.9,
    0.6,
    0.7,
    0.95,
    1,
    0.95,
    0.8,
    0.6,
    0.55,
    0.5,
    0.4,
    0.25,
    0.12,
)
TARGETS = [  # (age below, in days) → how likely each final status is
    (0.25, {S.RECEIVED: 30, S.DISPATCHED: 30, S.IN_PROGRESS: 15, S.REPLIED: 10, S.NOT_ACCEPTED: 8, S.MERGED: 7}),
    (
        2,
        {
            S.RECEIVED: 3,
            S.DISPATCHED: 15,
            S.IN_PROGRESS: 45,
            S.REPLIED: 17,
            S.CLOSED: 10,
            S.NOT_ACCEPTED: 5,
            S.MERGED: 5,
        },
    ),
    (
        7,
        {
            S.DISPATCHED: 2,
            S.IN_PROGRESS: 30,
            S.REPLIED: 18,
            S.CLOSED: 38,
            S.DEFERRED: 3,
            S.NOT_ACCEPTED: 4,
            S.MERGED: 4,
            S.TERMINATED: 1,
        },
    ),
    (
        float("inf"),
        {
            S.RECEIVED: 0.3,
            S.DISPATCHED: 0.3,
            S.IN_PROGRESS: 4,
            S.REPLIED: 2,
            S.CLOSED: 80,
            S.DEFERRED: 4,
            S.NOT_ACCEPTED: 4,
            S.MERGED: 3,
            S.TERMINATED: 2.4,
        },
    ),
]


class DemoExists(Conflict):
    code = "demo_exists"

    def __init__(self) -> None:
        super().__init__(
            f"示范城市已存在（单位编码 {CITY_CODE}），未做任何改动",
            f"the demo city already exists (unit {CITY_CODE}); nothing was changed",
        )


@dataclass(frozen=True)
class DemoText:
    title: str | None
    content: str
    category: str  # a path in the default category tree, e.g. "城乡建设/市政设施/路灯故障"
    reply: str | None = None


@cache
def _builtin() -> tuple[list[DemoText], list[tuple[re.Pattern, str]]]:
    """``lianxin/data/demo_texts.txt``: the invented appeals and the keyword rules that categorise texts."""
    texts, rules, record = [], [], {}
    lines = files("lianxin.data").joinpath("demo_texts.txt").read_text(encoding="utf-8").splitlines()
    for line in lines + ["## "]:
        if line.startswith("## "):
            if record:
                texts.append(DemoText(record["title"], record["诉求"], record["分类"], record["答复"]))
            record = {"title": line[3:].strip()}
        elif line.startswith("关键词："):
            words, path = line.removeprefix("关键词：").split()
            rules.append((re.compile(words), path))
        elif "：" in line and not line.startswith("#"):
            key, _, value = line.partition("：")
            record[key] = value.strip()
    return texts, rules


def builtin_texts() -> list[DemoText]:
    return _builtin()[0]


def categorise(text: str, level1: str | None = None) -> str | None:
    """The first keyword rule that matches ``text`` (within ``level1`` and its allowed extras), else None."""
    allowed = None if level1 is None else {level1, *LABEL_EXTRAS.get(level1, ())}
    for pattern, path in _builtin()[1]:
        if (allowed is None or path.split("/")[0] in allowed) and pattern.search(text):
            return path
    return None


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def load_texts(data_dir: Path | None) -> tuple[list[DemoText], list[DemoText], str]:
    """(texts for any appeal, texts that come with an official reply, where they came from).

    With the Teddy data: labelled appeals (``label_l1`` → first-level category, refined by keywords)
    and the messages of ``replies.csv`` with their genuine reply (categorised by keywords in the
    title; rows no rule recognises are left out). Without it: the built-in set for both.
    """
    train = Path(data_dir) / "appeals_train.csv" if data_dir else None
    if train is None or not train.is_file():
        builtin = builtin_texts()
        return builtin, builtin, "内置示范文本 / built-in texts (lianxin/data/demo_texts.txt)"
    labelled = []
    for row in _read_csv(train):
        title = (row.get("title") or "").strip()
        content = ((row.get("body") or "").strip() if title else "") or (row.get("text") or "").strip()
        level1 = TEDDY_LABELS.get(row["label_l1"], row["label_l1"])
        if len(content) >= 5:
            path = categorise(title, level1) or categorise(content, level1) or level1
            labelled.append(DemoText(title[:200] or None, content[:5000], path))
    replied: dict[str, DemoText] = {}  # by title: the file holds some messages twice
    replies = Path(data_dir) / "replies.csv"
    for row in _read_csv(replies) if replies.is_file() else []:
        title, content, reply = (row.get(k, "").strip() for k in ("title", "body", "reply"))
        path = categorise(title)
        if path and len(content) >= 5 and len(reply) >= 5:
            replied.setdefault(title, DemoText(title[:200], content[:5000], path, reply[:5000]))
    return labelled, list(replied.values()) or builtin_texts(), f"teddy2020 ({data_dir})"


class _DemoCity:
    def __init__(self, session: Session, jurisdiction: Jurisdiction, seed: int):
        self.s, self.jid, self.rng = session, jurisdiction.id, random.Random(seed)
        self.city_name = jurisdiction.name
        self.now = clock.utcnow()
        self.password = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(12))
        self.password_hash = hash_password(self.password)
        self.by_code: dict[str, Unit] = {}
        self.street_of: dict[int, Unit] = {}  # community id → its street
        self.district_of: dict[int, Unit] = {}  # street/community id → its district
        self.grids: dict[int, list[Unit]] = {}  # community id → its grids
        self.position: dict[int, tuple[float, float]] = {}  # community id → map position
        self.grid_workers: dict[int, GridStaff] = {}  # grid id → its 网格员
        self.staff: dict[Role, list[User]] = {}
        self.handlers: dict[int, User] = {}  # unit id → its handler
        self.leaders: dict[int, User] = {}  # city/district unit id → its leader
        self.patrol_users: dict[int, User] = {}  # grid id → the grid worker's login
        self.appeals: list[Appeal] = []
        self.targets: dict[int, AppealStatus] = {}
        self.category_paths: dict[int, str] = {}  # parents are loaded before their children
        self.category_ids: dict[str, int] = {}  # only active categories take new appeals
        for cid, parent, name, active in session.execute(
            select(Category.id, Category.parent_id, Category.name, Category.active)
            .where(Category.jurisdiction_id == self.jid)
            .order_by(Category.level, Category.id)
        ):
            self.category_paths[cid] = f"{self.category_paths[parent]}/{name}" if parent else name
            if active:
                self.category_ids[self.category_paths[cid]] = cid

    # --- people ------------------------------------------------------------------------------------

    def _name(self) -> str:
        return self.rng.choice(SURNAMES) + "".join(self.rng.choices(GIVEN, k=self.rng.choice((1, 2, 2))))

    def _phone(self) -> str:
        """Valid mobile numbers that are obviously not real: 1[3-9]X 0000 XXXX."""
        return f"1{self.rng.choice('3456789')}{self.rng.randrange(10)}0000{self.rng.randrange(10000):04d}"

    # --- units -------------------------------------------------------------------------------------

    def _unit(
        self, kind: UnitKind, code: str, name: str, parent: Unit | None = None, utility: str | None = None
    ) -> Unit:
        unit = create_unit(
            self.s, jurisdiction_id=self.jid, kind=kind, code=code, name=name, parent=parent, utility=utility
        )
        self.by_code[code] = unit
        return unit

    def _of_kind(self, *kinds: UnitKind) -> list[Unit]:
        return [unit for unit in self.by_code.values() if unit.kind in kinds]

    def build_units(self) -> None:
        city = self._unit(UnitKind.CITY, CITY_CODE, self.city_name)
        for d, (district_name, streets) in enumerate(DISTRICTS, 1):
            district = self._unit(UnitKind.DISTRICT, f"DEMO-D{d}", district_name, city)
            for s, (street_name, communities) in enumerate(streets, 1):
                street = self._unit(UnitKind.STREET, f"{district.code}-S{s}", street_name, district)
                self.district_of[street.id] = district
                for c, community_name in enumerate(communities, 1):
                    community = self._unit(UnitKind.COMMUNITY, f"{street.code}-C{c}", community_name, street)
                    self.street_of[community.id], self.district_of[community.id] = street, district
                    self.position[community.id] = (
                        CITY_CENTRE[0] + (d - 1.5) * 0.16 + (s - 2) * 0.04 + (c - 2) * 0.012,
                        CITY_CENTRE[1] + (d - 1.5) * 0.2 + (c - 2) * 0.015 - (s - 2) * 0.03,
                    )
                    self.grids[community.id] = [
                        self._unit(
                            UnitKind.GRID, f"{community.code}-G{g}", f"{community_name}第{'一二'[g - 1]}网格", community
                        )
                        for g in (1, 2)
                    ]
                    for g, grid in enumerate(self.grids[community.id]):
                        self._grid_staff(grid, g, village=community_name.endswith("村"))
        for code, name in DEPARTMENTS:
            self._unit(UnitKind.DEPARTMENT, f"DEMO-{code}", f"{self.city_name}{name}", city)
        for code, name, utility in ENTERPRISES:
            self._unit(UnitKind.ENTERPRISE, f"DEMO-{code}", f"{self.city_name}{name}", city, utility=utility)
        self.s.flush()

    def _grid_staff(self, grid: Unit, g: int, *, village: bool) -> None:
        """A 网格员; residential grids add 楼栋长 and 单元长, village grids 楼栋长 for two 村民小组."""
        buildings = (
            [f"{n}组" for n in (2 * g + 1, 2 * g + 2)]
            if village
            else [f"{n}号楼" for n in self.rng.sample(range(6 * g + 1, 6 * g + 7), 2)]
        )
        rows = [(GridPosition.GRID_WORKER, None)] + [(GridPosition.BUILDING_HEAD, b) for b in buildings]
        if not village:
            rows += [(GridPosition.UNIT_HEAD, f"{b}{self.rng.randint(1, 4)}单元") for b in buildings]
        for sort, (position, building) in enumerate(rows):
            staff = GridStaff(
                jurisdiction_id=self.jid,
                grid_id=grid.id,
                position=position,
                name=self._name(),
                phone=self._phone(),
                building=building,
                sort=sort,
            )
            self.s.add(staff)
            if position == GridPosition.GRID_WORKER:
                self.grid_workers[grid.id] = staff

    # --- users -------------------------------------------------------------------------------------

    def _user(self, username: str, display_name: str, role: Role, unit: Unit, phone: str | None = None) -> User:
        user = create_user(
            self.s,
            jurisdiction_id=self.jid,
            username=username,
            display_name=display_name,
            password_hash=self.password_hash,  # one argon2 hash for the shared password, not one per user
            grants=[(role, unit)],
            phone=phone,
        )
        self.staff.setdefault(role, []).append(user)
        return user

    def build_users(self) -> None:
        """admin, centre staff, a leader for the city and each district, a handler for every street,
        department and enterprise and for each street's first community, and a login for the grid
        worker of each of those communities' first grid."""
        slug = lambda unit: unit.code.removeprefix("DEMO-").lower()  # noqa: E731
        city = self.by_code[CITY_CODE]
        centre = self.s.scalar(select(Unit).where(Unit.jurisdiction_id == self.jid, Unit.kind == UnitKind.CENTRE))
        self._user("admin", "系统管理员", Role.ADMIN, city)
        self._user("auditor", "审计员", Role.AUDITOR, centre)  # reads the personal-data audit log
        for role, count in CENTRE_STAFF:
            for n in range(1, count + 1):
                self._user(f"{role.value}{n}", f"{self._name()}（{ROLE_LABELS[role]}）", role, centre)
        for unit in [city] + self._of_kind(UnitKind.DISTRICT):
            name = "city" if unit is city else slug(unit)
            self.leaders[unit.id] = self._user(f"leader.{name}", f"{self._name()}（{unit.name}）", Role.LEADER, unit)
        first_communities = [u for u in self._of_kind(UnitKind.COMMUNITY) if u.code.endswith("-C1")]
        for unit in self._of_kind(UnitKind.STREET, UnitKind.DEPARTMENT, UnitKind.ENTERPRISE) + first_communities:
            self.handlers[unit.id] = self._user(
                f"handler.{slug(unit)}", f"{self._name()}（{unit.name}）", Role.HANDLER, unit
            )
        for community in first_communities:
            grid = self.grids[community.id][0]
            staff = self.grid_workers[grid.id]
            user = self._user(f"grid.{slug(grid)}", staff.name, Role.GRID_WORKER, grid, phone=staff.phone)
            staff.user_id = user.id
            self.patrol_users[grid.id] = user
        self.s.flush()

    # --- appeals -----------------------------------------------------------------------------------

    def build_appeals(self, count: int, days: int, labelled: list[DemoText], replied: list[DemoText]) -> None:
        moments = self._intake_moments(count, days)
        targets = self._targets(moments)
        pools = {False: self.rng.sample(labelled, len(labelled)), True: self.rng.sample(replied, len(replied))}
        taken = Counter()  # a text repeats only once its pool is used up
        stories = []
        for moment, target in zip(moments, targets):
            pool = pools[with_reply := target in (S.REPLIED, S.CLOSED)]
            stories.append(self._story(moment, target, pool[taken[with_reply] % len(pool)]))
            taken[with_reply] += 1
        self._run(stories)

    def _intake_moments(self, count: int, days: int) -> list[datetime]:
        """More on weekdays and in the daytime (Beijing time); all in the past."""
        moments: list[datetime] = []
        while len(moments) < count:
            moment = self.now - timedelta(seconds=self.rng.uniform(60, days * 86400))
            local = moment.astimezone(local_zone())
            if self.rng.random() < HOUR_WEIGHTS[local.hour] * (1 if local.weekday() < 5 else 0.6):
                moments.append(moment)
        return sorted(moments)

    def _targets(self, moments: list[datetime]) -> list[AppealStatus]:
        """Each appeal's final status, likelier closed the older it is; every status at least once."""
        weights = [next(w for below, w in TARGETS if (self.now - m) / timedelta(days=1) < below) for m in moments]
        targets = [self.rng.choices(list(w), weights=list(w.values()))[0] for w in weights]
        counts = Counter(targets)
        for status in AppealStatus:
            if counts[status] == 0 and len(targets) > 1:
                common = counts.most_common(1)[0][0]
                # newest first (a duplicate needs something open to follow), those the status suits before the rest
                preferred = sorted(range(len(targets) - 1, 0, -1), key=lambda i: not weights[i].get(status))
                i = next((i for i in preferred if targets[i] == common), None)
                if i is not None:
                    targets[i] = status
                    counts[status], counts[common] = 1, counts[common] - 1
        return targets

    def _run(self, stories: list[Iterator[datetime]]) -> None:
        """Advance all stories in time order, each step inside ``clock.at`` its own moment."""
        heap = [(next(story), seq, story) for seq, story in enumerate(stories)]
        heapq.heapify(heap)
        while heap:
            moment, seq, story = heapq.heappop(heap)
            if moment > self.now:
                raise RuntimeError(f"demo step in the future: {moment.isoformat()}")
            with clock.at(moment):
                following = next(story, None)
            if following is not None:
                heapq.heappush(heap, (following, seq, story))
            else:
                progress.advance()

    def _after(self, t: datetime, low_hours: float, high_hours: float) -> datetime:
        return self._step(t, timedelta(hours=self.rng.uniform(low_hours, high_hours)))

    def _step(self, t: datetime, delay: timedelta) -> datetime:
        """``t + delay`` moved into office hours (08:00–20:00 Beijing time), then squeezed so that a young
        appeal's remaining steps all still fit before now."""
        moment = (t + delay).astimezone(local_zone())
        if not 8 <= moment.hour < 20:
            day = moment.date() + timedelta(days=moment.hour >= 20)
            moment = datetime(day.year, day.month, day.day, 8, tzinfo=local_zone()) + timedelta(
                minutes=self.rng.uniform(0, 600)
            )
        return t + min(moment - t, (self.now - t) / 2)

    def _pick(self, role: Role) -> User:
        return self.rng.choice(self.staff[role])

    def _story(self, t: datetime, target: AppealStatus, text: DemoText) -> Iterator[datetime]:
        """One appeal's life from intake at ``t``: yields the moment of each next step; the runner resumes it then."""
        s, rng = self.s, self.rng
        yield t
        main = self._merge_target() if target == S.MERGED else None
        appeal = self._submit(text, copy_of=main)
        if target == S.MERGED and main is None:
            target = S.IN_PROGRESS  # nothing open to merge into yet: handled on its own (its text has no reply)
        self.targets[appeal.id] = target
        if main is not None:
            yield (t := self._after(t, 0.1, 3))
            service.merge_appeal(
                s, appeal, main, actor=self._pick(Role.DISPATCHER), note="与主工单反映同一问题，并单办理"
            )
            return
        if target == S.NOT_ACCEPTED:
            yield (t := self._after(t, 0.05, 1))
            reason, note = rng.choice(NOT_ACCEPTED)
            service.not_accept(s, appeal, actor=self._pick(Role.OPERATOR), reason=reason, note=note)
            return
        if target == S.RECEIVED and self.now - t < timedelta(days=1):
            return  # waiting in the dispatch queue
        if (
            target in (S.REPLIED, S.CLOSED)
            and appeal.appeal_type in (AppealType.CONSULT, AppealType.PRAISE)
            and rng.random() < 0.6
        ):
            yield (t := self._after(t, 0.05, 0.5))
            service.answer_directly(s, appeal, actor=self._pick(Role.OPERATOR), answer=text.reply)
            yield from self._visits(appeal, t, target)
            return
        t = yield from self._dispatch(appeal, t, target)
        if target in (S.RECEIVED, S.DISPATCHED):
            return
        t = yield from self._work(appeal, t)
        handler, dispatcher = self.handlers[appeal.lead_unit_id], self._pick(Role.DISPATCHER)
        if target == S.IN_PROGRESS:
            return  # the overdue job flags those past their deadline
        if target == S.TERMINATED:
            yield (t := self._after(t, 24, 120))
            service.terminate_appeal(s, appeal, actor=dispatcher, reason=rng.choice(TERMINATE_REASONS))
            return
        if target == S.DEFERRED or (target == S.CLOSED and self.now - t > timedelta(days=40) and rng.random() < 0.04):
            yield (t := self._after(t, 24, 96))
            plan_text, reason = rng.choice(DEFERRALS)
            target_date = (t + timedelta(days=rng.randint(30, 150))).astimezone(local_zone()).date()
            requests.defer_appeal(s, appeal, actor=handler, plan=plan_text, target_date=target_date, reason=reason)
            if target == S.DEFERRED:
                if rng.random() < 0.4:
                    yield (t := self._after(t, 24 * 7, 24 * 25))
                    requests.review_deferral(s, appeal, actor=handler, note=rng.choice(REVIEW_NOTES))
                return
            yield (t := self._after(t, 24 * 5, 24 * 30))
            requests.clear_deferral(s, appeal, actor=handler, reply=text.reply)
        else:
            yield (t := self._reply_moment(appeal, t))
            service.reply_to_appeal(s, appeal, actor=handler, text=text.reply)
        yield from self._visits(appeal, t, target)

    def _submit(self, text: DemoText, copy_of: Appeal | None) -> Appeal:
        """受理 through a random channel; ``copy_of``: a second resident phones in about the same problem."""
        rng = self.rng
        if copy_of is not None:
            channel, grid = Channel.HOTLINE, self.s.get(Unit, copy_of.grid_id)
            text = DemoText(copy_of.title, copy_of.content, self.category_paths.get(copy_of.category_id, ""))
        else:
            channel = rng.choices(list(CHANNELS), weights=list(CHANNELS.values()))[0]
            grid = (
                self.s.get(Unit, rng.choice(list(self.patrol_users)))
                if channel == Channel.GRID_PATROL
                else rng.choice(self._of_kind(UnitKind.GRID))
            )
        community = self.s.get(Unit, grid.parent_id)
        actor, name, phone = None, self._name(), self._phone()
        if channel in BY_OPERATOR:
            actor = self._pick(Role.OPERATOR)
        elif channel in AT_SERVICE_POINTS:
            actor = self.handlers.get(community.id) or self.handlers[self.street_of[community.id].id]
        elif channel == Channel.GRID_PATROL:
            actor = self.patrol_users[grid.id]
            name, phone = actor.display_name, actor.phone
        category_id = self.category_ids.get(text.category) or self.category_ids.get(text.category.split("/")[0])
        appeal_type = self._appeal_type(text.title or text.content)
        lat, lng = self.position[community.id]
        street = self.street_of[community.id]
        place = (
            f"{rng.randint(1, 8)}组"
            if community.name.endswith("村")
            else f"{rng.randint(1, 12)}号楼{rng.randint(1, 4)}单元"
        )
        data = AppealCreate(
            jurisdiction_id=self.jid,
            channel=channel,
            appeal_type=appeal_type,
            title=text.title,
            content=text.content,
            urgency=rng.choices(list(URGENCIES), weights=list(URGENCIES.values()))[0],
            category_id=category_id,
            address=f"{self.district_of[community.id].name}{street.name}{community.name}{place}",
            lat=round(lat + rng.uniform(-0.004, 0.004), 6),
            lng=round(lng + rng.uniform(-0.004, 0.004), 6),
            community_id=community.id,
            grid_id=grid.id,
            appellant_name=name,
            appellant_phone=phone,
            confidential=appeal_type == AppealType.REPORT and rng.random() < 0.6,
        )
        appeal = service.submit_appeal(self.s, data, actor=actor)
        self.appeals.append(appeal)
        return appeal

    def _appeal_type(self, title: str) -> AppealType:
        hint = next((kind for pattern, kind in TYPE_HINTS if pattern.search(title)), None)
        return hint or self.rng.choices((AppealType.HELP, AppealType.COMPLAINT, AppealType.OTHER), (55, 40, 5))[0]

    def _merge_target(self) -> Appeal | None:
        """A recent appeal that will be handled to the end, for a duplicate to follow (those in handling first)."""
        recent = [a for a in self.appeals[-60:] if self.targets.get(a.id) in (S.IN_PROGRESS, S.REPLIED, S.CLOSED)]
        candidates = [a for a in recent if a.status in HANDLING] or recent
        return self.rng.choice(candidates[-10:]) if candidates else None

    def _route(self, appeal: Appeal) -> tuple[Unit, list[Unit]]:
        """The sensible lead unit for the category (and sometimes a co-unit)."""
        rng = self.rng
        path = self.category_paths.get(appeal.category_id, "")
        where = ROUTES[next(prefix for prefix in ROUTE_PREFIXES if path.startswith(prefix))]
        street = self.street_of[appeal.community_id]
        if where == LOCAL:
            community_handled = appeal.community_id in self.handlers and rng.random() < 0.3
            lead = self.s.get(Unit, appeal.community_id) if community_handled else street
            return lead, self._partners(path)[:1] if rng.random() < 0.05 else []
        return self.by_code[f"DEMO-{where}"], [street] if rng.random() < 0.12 else []

    def _partners(self, path: str) -> list[Unit]:
        codes = WHISTLE_PARTNERS.get(path.split("/")[0], ("CGW", "SCJG"))
        return [self.by_code[f"DEMO-{code}"] for code in codes]

    def _dispatch(self, appeal: Appeal, t: datetime, target: AppealStatus) -> Iterator[datetime]:
        """派单 (sometimes to the wrong unit first, which asks to return it), then 签收. Returns the last moment."""
        s, rng = self.s, self.rng
        lead, co = self._route(appeal)
        dispatcher = self._pick(Role.DISPATCHER)
        yield (t := self._after(t, 0.1, 2))
        roll = rng.random()
        if target == S.RECEIVED or roll < 0.08:  # 错派 → 退单
            wrong = (
                self.street_of[appeal.community_id]
                if lead.kind in (UnitKind.DEPARTMENT, UnitKind.ENTERPRISE)
                else self.by_code["DEMO-CGW"]
            )
            service.dispatch_appeal(s, appeal, wrong, actor=dispatcher)
            yield (t := self._after(t, 0.5, 6))
            kind = RequestKind.OBJECTION if rng.random() < 0.3 else RequestKind.RETURN
            request = requests.request_return(
                s,
                appeal,
                actor=self.handlers[wrong.id],
                reason=rng.choice(RETURN_REASONS),
                kind=kind,
                suggested_unit=lead,
            )
            yield (t := self._after(t, 0.3, 4))
            if target == S.RECEIVED or roll < 0.03:  # approved: back to the dispatch queue
                requests.decide_return(s, request, actor=dispatcher, approve=True, note="同意退单，重新派单")
                if target == S.RECEIVED:
                    return t
                yield (t := self._after(t, 0.2, 3))
                service.dispatch_appeal(s, appeal, lead, actor=dispatcher, co_units=co, designated=True)
            else:
                requests.decide_return(
                    s,
                    request,
                    actor=dispatcher,
                    approve=True,
                    new_lead_unit=lead,
                    co_units=co,
                    note=f"同意退单，改派{lead.name}",
                )
        else:
            service.dispatch_appeal(s, appeal, lead, actor=dispatcher, co_units=co)
        if target == S.DISPATCHED:
            return t
        handler = self.handlers[appeal.lead_unit_id]
        if not appeal.designated and rng.random() < 0.04:  # a return the centre rejects
            yield (t := self._after(t, 0.5, 4))
            request = requests.request_return(s, appeal, actor=handler, reason=rng.choice(RETURN_REASONS))
            yield (t := self._after(t, 0.3, 4))
            requests.decide_return(s, request, actor=dispatcher, approve=False, note=rng.choice(REJECT_NOTES))
        yield (t := self._after(t, 0.2, 5))
        service.sign_appeal(s, appeal, actor=handler)
        return t

    def _work(self, appeal: Appeal, t: datetime) -> Iterator[datetime]:
        """Contact, then now and then 吹哨 with reports, 协办 reports, 催办/督办 and 延期. Returns the last moment."""
        s, rng = self.s, self.rng
        handler, dispatcher = self.handlers[appeal.lead_unit_id], self._pick(Role.DISPATCHER)
        yield (t := self._after(t, 0.5, 12))
        service.record_contact(s, appeal, actor=handler, note=rng.choice(CONTACT_NOTES))
        if appeal.lead_unit.kind == UnitKind.STREET and rng.random() < 0.1:
            involved = {row.unit_id for row in service.active_units(appeal)}
            path = self.category_paths.get(appeal.category_id, "")
            called = [u for u in self._partners(path) if u.id not in involved][: rng.randint(1, 2)]
            if called:
                yield (t := self._after(t, 2, 24))
                supervision.whistle(s, appeal, called, actor=handler, note=rng.choice(WHISTLE_NOTES))
        for row in service.active_units(appeal, UnitRole.CO, UnitRole.WHISTLED):
            if rng.random() < 0.85:
                yield (t := self._after(t, 3, 48))
                supervision.report_to_lead(
                    s, appeal, row.unit_id, actor=self.handlers[row.unit_id], text=rng.choice(REPORT_TEXTS)
                )
        if rng.random() < 0.12:
            yield (t := self._after(t, 12, 72))
            supervision.urge_appeal(s, appeal, actor=dispatcher, note=rng.choice(URGE_NOTES))
        if rng.random() < 0.05:
            yield (t := self._after(t, 12, 72))
            leader = self.leaders[self.district_of.get(appeal.lead_unit_id, self.by_code[CITY_CODE]).id]
            supervision.supervise_appeal(
                s, appeal, actor=leader, note=rng.choice(SUPERVISE_NOTES), listed=rng.random() < 0.3
            )
        if rng.random() < 0.07 and appeal.due_at > t:
            yield (t := self._step(t, (appeal.due_at - t) * rng.uniform(0.3, 0.8)))
            if t < appeal.due_at:
                new_due = appeal.due_at + timedelta(days=rng.randint(3, 10))
                request = requests.request_extension(
                    s, appeal, actor=handler, reason=rng.choice(EXTENSION_REASONS), new_due_at=new_due
                )
                yield (t := self._after(t, 1, 8))
                approve = rng.random() < 0.8
                requests.decide_extension(
                    s,
                    request,
                    actor=dispatcher,
                    approve=approve,
                    note=None if approve else "理由不充分，请在原时限内办结",
                )
        return t

    def _reply_moment(self, appeal: Appeal, t: datetime) -> datetime:
        """Most replies come before the deadline, some after it."""
        due = appeal.due_at
        if due > t and self.rng.random() < 0.88:
            return self._step(t, (due - t) * self.rng.uniform(0.15, 0.9))
        return self._step(t, max(due - t, timedelta(0)) + timedelta(hours=self.rng.uniform(2, 72)))

    def _visits(self, appeal: Appeal, t: datetime, target: AppealStatus) -> Iterator[datetime]:
        """回访 after a reply: unanswered calls, ratings, and 重办 after a (reasonable) 不满意."""
        s, rng = self.s, self.rng
        ensure_visit_task(s, appeal, now=t)  # what the visit-task job would do right after the reply
        visitor = self._pick(Role.VISITOR)
        if target == S.REPLIED or rng.random() < 0.1:
            yield (t := self._after(t, 3, 30))
            record_return_visit(s, appeal, actor=visitor, contacted=False, comment="电话无人接听")
            if target == S.REPLIED:
                return t
        yield (t := self._after(t, 2, 40))
        satisfaction = rng.choices(list(SATISFACTION), weights=list(SATISFACTION.values()))[0]
        if (
            satisfaction == Satisfaction.DISSATISFIED
            and appeal.lead_unit_id
            and appeal.reopen_count == 0
            and rng.random() < 0.7
        ):
            record_return_visit(
                s,
                appeal,
                actor=visitor,
                contacted=True,
                solved=False,
                satisfaction=satisfaction,
                comment=rng.choice(DISSATISFIED),
            )
            handler = self.handlers[appeal.lead_unit_id]
            yield (t := self._after(t, 1, 24))
            service.record_contact(s, appeal, actor=handler, note="重办：再次联系诉求人，约定上门核实")
            yield (t := self._reply_moment(appeal, t))
            service.reply_to_appeal(s, appeal, actor=handler, text=rng.choice(SECOND_REPLIES))
            return (yield from self._visits(appeal, t, S.CLOSED))
        solved = satisfaction == Satisfaction.SATISFIED or (
            satisfaction == Satisfaction.BASICALLY and rng.random() < 0.8
        )
        if satisfaction != Satisfaction.DISSATISFIED and rng.random() < 0.12:
            rate_appeal(s, appeal, phone=appeal.appellant_phone, solved=solved, satisfaction=satisfaction)
        else:
            unreasonable = satisfaction == Satisfaction.DISSATISFIED
            record_return_visit(
                s,
                appeal,
                actor=visitor,
                contacted=True,
                solved=solved,
                satisfaction=satisfaction,
                unreasonable=unreasonable,
                comment="诉求超出政策规定，已解释清楚，不满意理由不成立" if unreasonable else None,
            )
        return t

    # --- report ------------------------------------------------------------------------------------

    def report(self, source: str, days: int, seconds: float) -> str:
        kinds = dict(
            self.s.execute(
                select(Unit.kind, func.count(Unit.id)).where(Unit.jurisdiction_id == self.jid).group_by(Unit.kind)
            ).all()
        )
        statuses = Counter(AppealStatus(a.status) for a in self.appeals)
        staff = self.s.scalar(select(func.count(GridStaff.id)).where(GridStaff.jurisdiction_id == self.jid))
        lines = [
            f"示范城市已生成 / demo city built: {self.city_name}（辖区 / jurisdiction {JURISDICTION_CODE}）",
            "单位 / units: "
            + " · ".join(f"{UNIT_KIND_LABELS[k]} {k.value} {kinds[k]}" for k in UnitKind if k in kinds),
            f"网格人员 / grid staff (网格员、楼栋长、单元长): {staff}",
            f"工单 / appeals: {len(self.appeals)}（近 {days} 天 / last {days} days）",
            f"文本 / texts: {source}",
        ]
        lines += [f"  {status.label_zh}\t{status.value:<13}{statuses[status]:>6}" for status in AppealStatus]
        lines.append(
            f"登录名 / logins — 共用密码 / shared password: {self.password}  （仅显示这一次 / shown only once）"
        )
        lines += [
            f"  {ROLE_LABELS[role]} {role.value}: {', '.join(u.username for u in self.staff[role])}"
            for role in Role
            if role in self.staff
        ]
        lines.append(f"用时 / built in {seconds:.1f} s")
        return "\n".join(lines)


DemoCity = _DemoCity  # what a module's ``demo`` builder receives (jid, by_code, position, staff, rng, settings)


def demo_exists(session: Session) -> bool:
    return (
        session.scalar(
            select(Unit.id)
            .join(Jurisdiction, Unit.jurisdiction_id == Jurisdiction.id)
            .where(Jurisdiction.code == JURISDICTION_CODE, Unit.code == CITY_CODE)
        )
        is not None
    )


def build_demo(
    session: Session,
    settings: Settings,
    *,
    appeals: int = 1200,
    days: int = 90,
    seed: int = 2026,
    modules: Sequence[Module] | None = None,
) -> str:
    """Build the demo city in the default jurisdiction (without committing) and return the report.

    Each enabled module's ``demo`` builder runs once the units and staff exist, before the appeals
    (``modules``: the enabled modules unless given). Refuses with :class:`DemoExists` when it was
    built before, so a second run changes nothing.
    """
    started = time.perf_counter()
    if appeals < 0 or days < 1:
        raise InvalidInput("工单数量不能为负，天数至少为 1", "appeals must be >= 0 and days >= 1")
    if demo_exists(session):
        raise DemoExists()
    modules = enabled_modules(settings) if modules is None else modules
    jurisdiction = ensure_defaults(session, code=JURISDICTION_CODE)
    call_hooks(modules, "init_defaults", session, jurisdiction)
    demo = _DemoCity(session, jurisdiction, seed)
    demo.settings = settings
    progress.update(description="单位和人员 / units and staff")
    demo.build_units()
    demo.build_users()
    # Each module's demo hook builds its part of the city and returns what to tell the user (its logins too).
    extra = []
    for module in (m for m in modules if m.demo):
        progress.update(description=f"{module.label_zh} / {module.label_en}")
        extra.append(resolve(module.demo)(session, demo))
    extra = [text for text in extra if text]
    labelled, replied, source = load_texts(settings.demo_data_dir)
    progress.update(description="工单 / appeals", total=appeals)
    demo.build_appeals(appeals, days, labelled, replied)
    extra += [text for text in run_hooks("after_demo", session, demo, modules=modules) if text]
    return "\n".join([demo.report(source, days, time.perf_counter() - started), *extra])
