"""The demo city's data: its districts, streets and communities, departments, routes, the words its staff
write, and the appeal texts (the Teddy Cup 2020 data when present, else ``lianxin/data/demo_texts.txt``)."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path

from lianxin.appeals.choices import AppealType, Channel, NotAcceptedReason, Satisfaction, Urgency
from lianxin.appeals.status import AppealStatus
from lianxin.orgs.models import (
    Role,
)

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
    (re.compile("表扬|感谢|点赞|锦旗"), AppealType.PRAISE),
    (re.compile("咨询|请问|如何|怎样|能否|可否|是否可以"), AppealType.CONSULT),
    (re.compile("建议|希望|呼吁"), AppealType.SUGGESTION),
    (re.compile("投诉|扰民|违规|违法|拖欠"), AppealType.COMPLAINT),
]
# A text still asking for something is no praise, whatever polite thanks it ends with ("请尽快解决，谢谢").
STILL_WRONG = re.compile("投诉|拖欠|至今|迟迟|仍未|仍然|还没|还未|没有|未能|无人|不予|为何|为什么|请求|要求|尽快|解决")


def type_for(title: str, content: str = "") -> AppealType | None:
    """The appeal type a text's words call for, or None when they say nothing clear. 表扬 only when the title
    praises and nothing in the text still complains or asks; a hint in the title wins over one in the body."""
    text = f"{title} {content}"
    for where in (title, text):
        for pattern, kind in TYPE_HINTS:
            if pattern.search(where) and not (
                kind == AppealType.PRAISE and (where is text or STILL_WRONG.search(text))
            ):
                return kind
    return None


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


# --- place names in taken texts ---------------------------------------------------------------------------
# The Teddy Cup texts name their city's places: anonymised ("A市A2区", "K3县") or real (长沙's districts). Each is
# rewritten to the demo city's own — the city, and the district, street and community the appeal lies in — and
# the residents' "我们小区/我们村" names their community, so every text speaks of the demo city.
REAL_CITIES = ("长沙市", "长沙")
_PROVINCE = re.compile("西地省|湖南省")
REAL_DISTRICTS = ("岳麓区", "芙蓉区", "天心区", "开福区", "雨花区", "望城区", "长沙县", "浏阳市", "宁乡市")
_CITY = re.compile(r"[A-Z]\d*市|" + "|".join(REAL_CITIES))
_DISTRICT = re.compile(r"[A-Z]\d*[区县]|" + "|".join(REAL_DISTRICTS))
_STREET = re.compile(r"[A-Z]\d*(?:街道|镇|乡)")
_COMMUNITY = re.compile(r"[A-Z]\d*(?:社区|村)")
_OURS = re.compile(r"(我们|我家|本|该)(小区|社区|村)")


def localise(text: str | None, city: str, district: str, street: str, community: str) -> str | None:
    """``text`` with other places' names replaced by the demo city's (see above); None stays None."""
    if not text:
        return text
    text = _PROVINCE.sub("", text)
    text = _DISTRICT.sub(district, text)  # districts first: "A市A2区" keeps its city part for the next rule
    text = _CITY.sub(city, text)
    text = _STREET.sub(street, text)
    text = _COMMUNITY.sub(community, text)
    kind = "村" if community.endswith("村") else "社区"
    return _OURS.sub(lambda m: f"{m[1]}{community}" if m[2] in ("社区", "村") and m[2] == kind else m[0], text)
